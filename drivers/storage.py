"""The machine's internal storage: a directory on its own SD card (real), or memory (simulator
with a crash switch: after ``crash_after`` more writes every write raises ``SimulatedCrash``).

Fault points. Every write, sync, rename and unlink that the real drivers here and in
``drivers/medium.py`` make passes ``fault_point`` first. With the environment variable
``TOHYOKI_FAULT_AT=N`` the process SIGKILLs itself just before the N-th point (1-based);
``TOHYOKI_FAULT_TEAR=k`` makes a point that is a data write persist only its first k bytes
before the kill (a torn write); ``TOHYOKI_FAULT_LOG=path`` appends one line per point passed
(``n kind target``) so a harness can enumerate them; ``TOHYOKI_FAULT_YANK_PID=p`` kills
process p (a medium's FUSE driver: the medium is yanked) at point N instead. Without these variables the hook only
counts. Used by ``tests/fault_harness`` (no LD_PRELOAD, no ptrace: the drivers kill themselves).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path


class SimulatedCrash(Exception):
    """Raised by a simulator at an injected crash point: the process 'loses power' here."""


class _FaultPoints:
    def __init__(self) -> None:
        self.passed = 0
        self.at = int(os.environ.get("TOHYOKI_FAULT_AT", "0") or 0)
        tear = os.environ.get("TOHYOKI_FAULT_TEAR", "")
        self.tear = int(tear) if tear else None
        self.log = os.environ.get("TOHYOKI_FAULT_LOG", "")
        self.yank_pid = int(os.environ.get("TOHYOKI_FAULT_YANK_PID", "0") or 0)
        self._lock = threading.Lock()

    def reached(self, kind: str, target: str, torn: Callable[[int], None] | None) -> None:
        # Points are reached from two threads at once (the journal's card part on the copy's
        # writer while the primary's writer writes): count and log them one at a time.
        with self._lock:
            self._reached(kind, target, torn)

    def _reached(self, kind: str, target: str, torn: Callable[[int], None] | None) -> None:
        self.passed += 1
        if self.log:
            with open(self.log, "a", encoding="utf-8") as handle:
                handle.write(f"{self.passed} {kind} {target}\n")
        if self.passed != self.at:
            return
        if self.yank_pid:
            # the medium is pulled out here: its (FUSE) driver dies, this process goes on
            os.kill(self.yank_pid, signal.SIGKILL)
            time.sleep(0.3)
            return
        if torn is not None and self.tear is not None:
            torn(self.tear)
        os.kill(os.getpid(), signal.SIGKILL)


FAULTS = _FaultPoints()


def fault_point(kind: str, target: str, torn: Callable[[int], None] | None = None) -> None:
    """Called before each durable-state operation; ``torn(k)`` persists a k-byte prefix."""
    FAULTS.reached(kind, target, torn)


def write_in_place(fd: int, offset: int, data: bytes, target: str,
                   short_write: Callable[[], Exception]) -> None:
    """pwrite + fdatasync of a pre-allocated file, through the fault points (a torn write
    persists only its prefix, then the process dies there)."""
    overwrite(fd, offset, data, target, short_write)
    sync_data(fd, target)


def overwrite(fd: int, offset: int, data: bytes, target: str,
              short_write: Callable[[], Exception]) -> None:
    """pwrite into a pre-allocated file through its fault point; not yet durable."""

    def torn(k: int) -> None:
        os.pwrite(fd, data[:k], offset)
        os.fdatasync(fd)

    fault_point("pwrite", target, torn)
    if os.pwrite(fd, data, offset) != len(data):
        raise short_write()


def sync_data(fd: int, target: str) -> None:
    """fdatasync through its fault point: the size and the blocks never change here; only the
    data must reach the device, not the modification time."""
    fault_point("fsync", target)
    os.fdatasync(fd)


def _fsync_directory(path: Path) -> None:
    fault_point("fsync-dir", str(path))
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
        fault_point("write", f"storage/{temporary.name}")
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            fault_point("fsync", f"storage/{temporary.name}")
            # fdatasync also flushes the size (needed to read the data back); the rename and
            # the directory fsync below make the name durable, so the timestamps need not be.
            os.fdatasync(handle.fileno())
        fault_point("rename", f"storage/{name}")
        os.replace(temporary, path)
        _fsync_directory(self.root)

    def create(self, name: str, size: int) -> None:
        """A zero-filled file of ``size`` bytes, durable with its name (for in-place writes)."""
        self.write_atomic(name, bytes(size))

    def write_at(self, name: str, offset: int, data: bytes) -> None:
        """Overwrite bytes of a pre-allocated file in place: one pwrite and one fdatasync, no
        rename and no directory sync (the file's size and blocks do not change)."""
        fd = os.open(self.root / name, os.O_WRONLY)
        try:
            write_in_place(fd, offset, data, f"storage/{name}",
                           lambda: OSError(f"short write to {name}"))
        finally:
            os.close(fd)

    def append(self, name: str, data: bytes) -> None:
        path = self.root / name

        def torn(k: int) -> None:
            with open(path, "ab") as partial:
                partial.write(data[:k])

        fault_point("append", f"storage/{name}", torn)
        with open(path, "ab") as handle:
            handle.write(data)
            handle.flush()
            fault_point("fsync", f"storage/{name}")
            os.fdatasync(handle.fileno())  # flushes the grown size too; not the timestamps

    def delete(self, name: str) -> None:
        fault_point("unlink", f"storage/{name}")
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

    def create(self, name: str, size: int) -> None:
        self._step()
        self.files[name] = bytes(size)

    def write_at(self, name: str, offset: int, data: bytes) -> None:
        self._step()
        old = self.files[name]
        if offset + len(data) > len(old):
            raise OSError(f"write past the end of {name}")
        self.files[name] = old[:offset] + bytes(data) + old[offset + len(data):]

    def append(self, name: str, data: bytes) -> None:
        self._step()
        self.files[name] = self.files.get(name, b"") + data

    def delete(self, name: str) -> None:
        self._step()
        self.files.pop(name, None)
