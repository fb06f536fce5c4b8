"""The machine's internal storage: a directory on its own SD card (real), or memory (simulator
with a crash switch: after ``crash_after`` more writes every write raises ``SimulatedCrash``)."""

from __future__ import annotations

import os
from pathlib import Path


class SimulatedCrash(Exception):
    """Raised by a simulator at an injected crash point: the process 'loses power' here."""


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DirectoryStorage:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def read(self, name: str) -> bytes | None:
        try:
            return (self.root / name).read_bytes()
        except FileNotFoundError:
            return None

    def write_atomic(self, name: str, data: bytes) -> None:
        path = self.root / name
        temporary = path.with_name(path.name + ".tmp")
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        _fsync_directory(self.root)

    def append(self, name: str, data: bytes) -> None:
        with open(self.root / name, "ab") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    def delete(self, name: str) -> None:
        try:
            (self.root / name).unlink()
        except FileNotFoundError:
            return
        _fsync_directory(self.root)


class MemoryStorage:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.crash_after: int | None = None

    def _step(self) -> None:
        if self.crash_after is not None:
            if self.crash_after == 0:
                raise SimulatedCrash("internal storage")
            self.crash_after -= 1

    def read(self, name: str) -> bytes | None:
        return self.files.get(name)

    def write_atomic(self, name: str, data: bytes) -> None:
        self._step()
        self.files[name] = bytes(data)

    def append(self, name: str, data: bytes) -> None:
        self._step()
        self.files[name] = self.files.get(name, b"") + data

    def delete(self, name: str) -> None:
        self._step()
        self.files.pop(name, None)
