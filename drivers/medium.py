"""Vote media: a directory on a mounted removable filesystem (real), and a simulator of a USB
stick or SD card that can be pulled out, fill up, turn read-only, tear a write or flip bits."""

from __future__ import annotations

import os
from pathlib import Path

from drivers.storage import SimulatedCrash, _fsync_directory
from firmware.interfaces import MediumFull, MediumIOError, MediumReadOnly, MediumRemoved


class DirectoryMedium:
    """A medium mounted at ``root``; every write is fsync'd before it returns."""

    def __init__(self, root: Path, label: str) -> None:
        self.root = Path(root)
        self.label = label

    def _path(self, name: str) -> Path:
        if not self.root.is_dir():
            raise MediumRemoved(f"{self.label}: 記録媒体がありません / medium not present")
        path = (self.root / name).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"{name} is outside the medium")
        return path

    def _os_error(self, exc: OSError) -> Exception:
        import errno

        if exc.errno == errno.ENOSPC:
            return MediumFull(f"{self.label}: 記録媒体がいっぱいです / medium full")
        if exc.errno == errno.EROFS:
            return MediumReadOnly(f"{self.label}: 書き込み禁止です / medium is read-only")
        if exc.errno in (errno.ENOENT, errno.ENODEV, errno.ENXIO) and not self.root.is_dir():
            return MediumRemoved(f"{self.label}: 記録媒体が抜かれました / medium removed")
        return MediumIOError(f"{self.label}: 入出力エラー / I/O error: {exc}")

    def read(self, name: str) -> bytes:
        path = self._path(name)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise self._os_error(exc) from exc

    def read_at(self, name: str, offset: int, size: int) -> bytes:
        path = self._path(name)
        try:
            fd = os.open(path, os.O_RDONLY)
            try:
                return os.pread(fd, size, offset)
            finally:
                os.close(fd)
        except OSError as exc:
            raise self._os_error(exc) from exc

    def write_at(self, name: str, offset: int, data: bytes) -> None:
        path = self._path(name)
        try:
            fd = os.open(path, os.O_WRONLY)
            try:
                if os.pwrite(fd, data, offset) != len(data):
                    raise MediumIOError(f"{self.label}: 書き込みが途中で止まりました / short write")
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise self._os_error(exc) from exc

    def create(self, name: str, size: int) -> None:
        path = self._path(name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as handle:
                remaining = size
                block = bytes(1 << 20)
                while remaining:
                    remaining -= handle.write(block[: min(remaining, len(block))])
                handle.flush()
                os.fsync(handle.fileno())
            _fsync_directory(path.parent)
        except OSError as exc:
            raise self._os_error(exc) from exc

    def write_atomic(self, name: str, data: bytes) -> None:
        path = self._path(name)
        temporary = path.with_suffix(".TMP")  # 8.3: MEDIUM.JSN → MEDIUM.TMP
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
            _fsync_directory(path.parent)
        except OSError as exc:
            raise self._os_error(exc) from exc

    def exists(self, name: str) -> bool:
        return self._path(name).exists()

    def free_bytes(self) -> int:
        stats = os.statvfs(self._path("."))
        return stats.f_bavail * stats.f_frsize


class SimulatedMedium:
    """In-memory model of a removable medium of ``capacity`` bytes.

    Failure switches, set by a test or the simulator UI:
    ``present`` (False: pulled out), ``read_only``, ``crash_after`` (writes before a simulated
    power cut; the write in progress is torn after ``torn_bytes`` bytes), ``flip(...)``."""

    def __init__(self, label: str, capacity: int = 64 << 20) -> None:
        self.label = label
        self.capacity = capacity
        self.files: dict[str, bytearray] = {}
        self.present = True
        self.read_only = False
        self.crash_after: int | None = None
        self.torn_bytes = 0
        self.writes = 0

    def _check(self) -> None:
        if not self.present:
            raise MediumRemoved(f"{self.label}: 記録媒体がありません / medium not present")

    def _writable(self, extra: int) -> None:
        self._check()
        if self.read_only:
            raise MediumReadOnly(f"{self.label}: 書き込み禁止です / medium is read-only")
        if self.used() + extra > self.capacity:
            raise MediumFull(f"{self.label}: 記録媒体がいっぱいです / medium full")

    def _crash_point(self, apply_torn: callable) -> None:  # type: ignore[valid-type]
        if self.crash_after is None:
            return
        if self.crash_after == 0:
            apply_torn()
            raise SimulatedCrash(self.label)
        self.crash_after -= 1

    def used(self) -> int:
        return sum(len(v) for v in self.files.values())

    def read(self, name: str) -> bytes:
        self._check()
        if name not in self.files:
            raise FileNotFoundError(name)
        return bytes(self.files[name])

    def read_at(self, name: str, offset: int, size: int) -> bytes:
        return self.read(name)[offset : offset + size]

    def write_at(self, name: str, offset: int, data: bytes) -> None:
        self._writable(0)
        target = self.files[name]
        if offset + len(data) > len(target):
            raise MediumIOError(f"{self.label}: write past end of {name}")

        def tear() -> None:
            target[offset : offset + self.torn_bytes] = data[: self.torn_bytes]

        self._crash_point(tear)
        target[offset : offset + len(data)] = data
        self.writes += 1

    def create(self, name: str, size: int) -> None:
        self._writable(size)
        self._crash_point(lambda: None)
        self.files[name] = bytearray(size)
        self.writes += 1

    def write_atomic(self, name: str, data: bytes) -> None:
        old = len(self.files.get(name, b""))
        self._writable(len(data) - old)
        self._crash_point(lambda: None)  # rename is atomic: old or new, never half
        self.files[name] = bytearray(data)
        self.writes += 1

    def exists(self, name: str) -> bool:
        self._check()
        return name in self.files

    def free_bytes(self) -> int:
        self._check()
        return self.capacity - self.used()

    def flip(self, name: str, offset: int, bit: int = 0) -> None:
        """Corrupt one bit, as a failing flash cell would."""
        self.files[name][offset] ^= 1 << bit

    def dump_to(self, root: Path) -> None:
        """Write the medium's files to a directory: what a counting PC sees when it mounts it."""
        for name, data in self.files.items():
            path = Path(root) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(bytes(data))
