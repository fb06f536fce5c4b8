"""The real vote medium: a directory on a mounted removable filesystem (``DirectoryMedium``).
Its simulator, failing the same ways, is ``drivers.simulated_medium.SimulatedMedium``; the
worker thread every operation runs on is ``drivers.medium_worker``.

Reading back from the medium, not the page cache. After a slot is written and fsync'd, the
ballot box reads it back with ``read_at``. On ``DirectoryMedium`` that read is opened with
``O_DIRECT`` into a page-aligned buffer covering whole logical blocks, so the bytes come from the
device (through the filesystem driver), not from the kernel's copy of what we just wrote. A
filesystem that refuses ``O_DIRECT`` (tmpfs, some FUSE drivers: ``EINVAL``) gets the fallback:
``posix_fadvise(POSIX_FADV_DONTNEED)`` on the range after the fsync — the pages are clean then,
so the kernel drops them and the next read goes to the device. ``read_back_mode`` tells which was
used (shown in the bench and the tests).

Slow media. Every operation on a medium — reads as well as writes and their syncs — runs on the
medium's own worker thread under a deadline (``write_deadline`` seconds, 5 by default); a medium
that has not answered by then raises ``MediumSlow`` and voting stops, rather than leaving the
voter (and the screen) waiting on a hung, failing or counterfeit card. A job the caller gave up
on writes nothing once the medium answers again. A whole-file read renews its deadline after
each MiB, and ``create`` (the slot file, at initialisation) is allowed one more second per MiB:
a slow stick that keeps answering is not a hung one."""

from __future__ import annotations

import errno
import mmap
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from drivers.medium_errors import corrupted, not_started
from drivers.medium_worker import Job, MediumWorker, close_after_answer, close_quietly
from drivers.simulated_medium import FinishedWrite, SimulatedMedium
from drivers.storage import (
    _fsync_directory,
    fault_point,
    overwrite,
    sync_data,
    write_in_place,
)
from firmware.interfaces import (
    MediumFull,
    MediumIOError,
    MediumReadOnly,
    MediumRemoved,
    MediumSlow,
    SlotWrite,
    WriteInFlight,
)

# The simulator is imported from here too (the kiosk's simulated station does); new code imports
# it from drivers.simulated_medium.
__all__ = ["DirectoryMedium", "FinishedWrite", "SimulatedMedium", "StartedWrite", "corrupted",
           "not_started"]

_T = TypeVar("_T")
READ_CHUNK = 1 << 20  # a whole-file read renews its deadline after each of these
BLOCK = 4096  # alignment for O_DIRECT: a multiple of every logical block size we meet (512/4096)
DEFAULT_WRITE_DEADLINE = 5.0
GONE = (errno.ENOENT, errno.ENODEV, errno.ENXIO, errno.ENOTCONN, errno.ESHUTDOWN)


class StartedWrite:
    """A write running on a ``DirectoryMedium``'s worker (``WriteInFlight``)."""

    def __init__(self, medium: DirectoryMedium, job: Job) -> None:
        self._medium = medium
        self._job = job

    def wait(self) -> None:
        self.finish()
        self._raise_error()

    def finish(self) -> None:
        """Return once the job ran, or raise ``MediumSlow`` at its deadline."""
        job = self._job
        # in slices, because a write that follows another has its deadline moved to when that
        # one became durable; a finished job returns at once
        while not job.finish(min(job.deadline - time.monotonic(), 0.1)):
            if time.monotonic() >= job.deadline:
                raise self._medium._slow(job.allowed)

    def wait_durable(self) -> None:
        """Called from another medium's worker (the copy's, ``after``): returns once this
        medium's writes are synced; their read-back may still be running."""
        job = self._job
        if not job.settled.wait(max(0.0, job.deadline - time.monotonic())):
            raise self._medium._slow_error()  # the caller's own wait gives up on the worker
        if not job.durable:
            self._raise_error()

    def _raise_error(self) -> None:
        error = self._job.error
        if isinstance(error, OSError):
            raise self._medium._os_error(error) from error
        if error is not None:
            raise error


class DirectoryMedium:
    """A medium mounted at ``root``; every write is fsync'd before it returns."""

    def __init__(
        self, root: Path, label: str, write_deadline: float = DEFAULT_WRITE_DEADLINE,
        require_mount: bool = False,
    ) -> None:
        """``require_mount``: the medium is present only while a filesystem is mounted at
        ``root`` (the kiosk); otherwise any directory is (tests, a folder of media images)."""
        self.root = Path(root)
        self.label = label
        self.require_mount = require_mount
        self.write_deadline = write_deadline
        self.read_back_mode = ""
        self._worker: MediumWorker | None = None
        self._buffer = mmap.mmap(-1, 2 * BLOCK)  # O_DIRECT read-backs, reused
        self._buffer_lock = threading.Lock()

    def _present(self) -> bool:
        # False also on ENOTCONN: the FUSE driver behind the mount is gone
        if self.require_mount:
            return os.path.ismount(self.root) and os.path.isdir(self.root)
        return os.path.isdir(self.root)

    def _mounted_read_only(self) -> bool:
        """Write-protect switch or ro mount: the kernel marks the mount ST_RDONLY (some FUSE
        drivers then answer writes with EPERM instead of EROFS)."""
        try:
            return bool(os.statvfs(self.root).f_flag & os.ST_RDONLY)
        except OSError:
            return False

    def _path(self, name: str) -> Path:
        return Path(self._file(name))

    def _file(self, name: str) -> str:
        """The file's path as a string (cheap: called on every slot write and read-back)."""
        root = os.path.normpath(self.root)
        if not self._present():
            raise MediumRemoved(f"{self.label}: 記録媒体がありません / medium not present")
        path = os.path.normpath(os.path.join(root, name))
        if not path.startswith(root + os.sep):
            raise ValueError(f"{name} is outside the medium")
        return path

    def _os_error(self, exc: OSError) -> Exception:
        if exc.errno == errno.ENOSPC:
            return MediumFull(f"{self.label}: 記録媒体がいっぱいです / medium full")
        if exc.errno == errno.EROFS or (
            exc.errno in (errno.EACCES, errno.EPERM) and self._mounted_read_only()
        ):
            return MediumReadOnly(f"{self.label}: 書き込み禁止です / medium is read-only")
        if exc.errno in GONE or not self._present():
            return MediumRemoved(f"{self.label}: 記録媒体が抜かれました / medium removed")
        return MediumIOError(f"{self.label}: 入出力エラー / I/O error: {exc}")

    def _slow(self, allowed: float | None = None) -> MediumSlow:
        self._worker = None  # left stuck in the driver; the next operation gets a fresh thread
        return self._slow_error(allowed)

    def _slow_error(self, allowed: float | None = None) -> MediumSlow:
        """``allowed``: the seconds the operation had, when not the write deadline (``create``
        is given more for a large file)."""
        seconds = self.write_deadline if allowed is None else allowed
        return MediumSlow(
            f"{self.label}: 記録媒体が {seconds:.3g} 秒の期限内に応答しません（遅いか"
            f"故障した記録媒体） / the medium did not answer within {seconds:.3g} s "
            "(slow or failing medium)"
        )

    def _start(self, action: Callable[[], None]) -> StartedWrite:
        """Run ``action`` on this medium's worker thread; ``wait`` gives up after the write
        deadline and turns an OSError into the medium's error."""
        return self._submit(Job(action, time.monotonic() + self.write_deadline))

    def _submit(self, job: Job) -> StartedWrite:
        if self._worker is None:
            self._worker = MediumWorker(f"medium-{self.label}")
        self._worker.submit(job)
        return StartedWrite(self, job)

    def _call(self, action: Callable[[Callable[[], None]], _T]) -> _T:
        """Run ``action`` on this medium's worker under the deadline and return its result. A
        medium that stops answering (a hung card controller, a stopped FUSE driver) blocks
        the worker, never the caller, for reads as for writes; ``action`` maps its own
        errors, so they come back as they are. ``action`` is given ``progress``: each call
        grants a whole deadline from then, so a long read that keeps answering is not taken
        for a hung medium."""
        worker = self._worker
        if worker is not None and threading.current_thread() is worker.thread:
            # already on the worker (a write's guard): queueing would deadlock
            return action(lambda: None)
        result: list[_T] = []

        def progress() -> None:
            job.deadline = time.monotonic() + self.write_deadline

        job = Job(lambda: result.append(action(progress)),
                   time.monotonic() + self.write_deadline)
        started = self._submit(job)
        started.finish()
        if job.error is not None:
            raise job.error
        return result[0]

    def read(self, name: str) -> bytes:
        """The whole file, read on the medium's worker under the deadline (which each MiB read
        renews: a slot file may be hundreds of MiB on a slow stick)."""
        return self._call(lambda progress: self._read_now(name, progress))

    def _read_now(self, name: str, progress: Callable[[], None] = lambda: None) -> bytes:
        path = self._file(name)
        try:
            fd = os.open(path, os.O_RDONLY)
            try:
                size = os.fstat(fd).st_size
                chunks: list[bytes] = []
                while True:  # a slot file is megabytes; read until the end, whatever size said
                    chunk = os.read(fd, max(min(size, READ_CHUNK), 1 << 16))
                    if not chunk:
                        return b"".join(chunks)
                    chunks.append(chunk)
                    progress()
            finally:
                close_after_answer(fd)
        except FileNotFoundError:
            if not self._present():
                raise MediumRemoved(f"{self.label}: 記録媒体が抜かれました / medium removed") from None
            raise
        except OSError as exc:
            raise self._os_error(exc) from exc

    def read_at(self, name: str, offset: int, size: int) -> bytes:
        """Read from the device itself (O_DIRECT, else fadvise DONTNEED first), on the
        medium's worker under the deadline."""

        def read_now() -> bytes:
            try:
                return self._read_device(self._file(name), offset, size)
            except OSError as exc:
                raise self._os_error(exc) from exc

        return self._call(lambda _: read_now())

    def _read_device(self, path: str, offset: int, size: int) -> bytes:
        direct = self._open_direct(path)
        try:
            return self._read_back(direct, path, offset, size)
        finally:
            if direct is not None:
                close_quietly(direct)

    def _open_direct(self, path: str) -> int | None:
        """A descriptor that reads from the device (``O_DIRECT``), or None where the filesystem
        refuses it (tmpfs, some FUSE drivers: ``EINVAL``)."""
        try:
            return os.open(path, os.O_RDONLY | os.O_DIRECT)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
            return None

    def _read_back(self, direct: int | None, path: str, offset: int, size: int) -> bytes:
        """``size`` bytes at ``offset`` from the device: through ``direct``, else by dropping
        the range's cached pages first — which drops clean pages only, so the range must have
        been synced."""
        if direct is not None:
            try:
                return self._pread_direct(direct, offset, size)
            except OSError as exc:
                if exc.errno != errno.EINVAL:
                    raise
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, offset, size, os.POSIX_FADV_DONTNEED)
            self.read_back_mode = "fadvise-dontneed"
            return os.pread(fd, size, offset)
        finally:
            close_quietly(fd)

    def _pread_direct(self, fd: int, offset: int, size: int) -> bytes:
        """Whole aligned blocks into a page-aligned buffer, as ``O_DIRECT`` requires."""
        start = offset - offset % BLOCK
        end = -(-(offset + size) // BLOCK) * BLOCK
        with self._buffer_lock:
            if len(self._buffer) < end - start:
                self._buffer = mmap.mmap(-1, end - start)  # anonymous mmap: page-aligned
            view = memoryview(self._buffer)[: end - start]
            try:
                got = os.preadv(fd, [view], start)
                data = bytes(view[: max(0, got)])
            finally:
                view.release()
        self.read_back_mode = "O_DIRECT"
        return data[offset - start : offset - start + size]

    def write_at(self, name: str, offset: int, data: bytes) -> None:
        """pwrite + fdatasync, all of it (even the open: a hung FUSE driver or card controller
        blocks there too) on this medium's worker, under the write deadline."""

        def write_and_sync() -> None:
            fd = os.open(self._file(name), os.O_WRONLY)
            try:
                write_in_place(fd, offset, data, f"{self.label}/{name}", self._short_write)
            finally:
                close_quietly(fd)

        self._start(write_and_sync).wait()

    def _short_write(self) -> MediumIOError:
        return MediumIOError(f"{self.label}: 書き込みが途中で止まりました / short write")

    def start_write_verified(
        self,
        writes: Sequence[SlotWrite],
        after: WriteInFlight | None = None,
        guard: Callable[[], None] | None = None,
    ) -> StartedWrite:
        """All on this medium's worker, under one write deadline: ``guard``; open the files;
        wait for ``after`` to be durable; pwrite each slot; one fdatasync per file; read each
        slot back from the device; answer; then close the files.
        One hand-off to the worker and one back, whatever the number of slots. With ``after``
        the deadline runs from the moment ``after`` is durable (waiting for it has its own)."""

        def write_sync_verify(job: Job) -> None:
            if guard is not None:
                guard()  # on this thread: its reads of the medium are under this deadline
            paths = {name: self._file(name) for name, _, _ in writes}
            fds: dict[str, int] = {}
            readers: dict[str, int | None] = {}
            # opened before waiting for ``after``: opening writes nothing, and then the copy's
            # part, once the primary is durable, is the write, the sync and the read-back alone
            for name, path in paths.items():
                fds[name] = os.open(path, os.O_WRONLY)
                close_after_answer(fds[name])
                reader = readers[name] = self._open_direct(path)
                if reader is not None:
                    close_after_answer(reader)
            if after is not None:
                try:
                    after.wait_durable()
                except Exception as exc:  # noqa: BLE001 - whatever stopped it, do not write
                    raise not_started(self.label, exc) from exc
                job.deadline = time.monotonic() + self.write_deadline
            if time.monotonic() >= job.deadline:
                # the caller has given up on this medium (its guard or an open hung): write
                # nothing now that it answers again; recovery resolves the reserved slots
                raise self._slow_error()
            for name, offset, data in writes:
                overwrite(fds[name], offset, data, f"{self.label}/{name}", self._short_write)
            for name, fd in fds.items():
                sync_data(fd, f"{self.label}/{name}")
            # Durable: the copy may start now, while this medium's slots are read back
            # through descriptors opened before the sync (nothing left to open here).
            job.made_durable()
            for name, offset, data in writes:
                if self._read_back(readers[name], paths[name], offset, len(data)) != data:
                    raise corrupted(self.label)

        waits = 2 if after is not None else 1  # until it starts: ``after``'s time, then its own
        job = Job(lambda: write_sync_verify(job),
                   time.monotonic() + waits * self.write_deadline)
        job.closes_after_answer = True
        return self._submit(job)

    def create(self, name: str, size: int) -> None:
        """A zero-filled file of ``size`` bytes, synced with its directory, on the medium's
        worker; its deadline grows with the size (a slot file is megabytes, and a slow but
        sound stick writes about 1 MiB/s)."""

        def create_now() -> None:
            path = self._path(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            fault_point("create", f"{self.label}/{name}")
            with open(path, "wb") as handle:
                remaining = size
                block = bytes(1 << 20)
                while remaining:
                    remaining -= handle.write(block[: min(remaining, len(block))])
                handle.flush()
                fault_point("fsync", f"{self.label}/{name}")
                os.fsync(handle.fileno())
            _fsync_directory(path.parent)

        allowed = self.write_deadline + size / (1 << 20)
        self._submit(Job(create_now, time.monotonic() + allowed, allowed)).wait()

    def write_atomic(self, name: str, data: bytes) -> None:
        path = self._path(name)
        temporary = path.with_suffix(".TMP")  # 8.3: MEDIUM.JSN → MEDIUM.TMP

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            fault_point("write", f"{self.label}/{temporary.name}")
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                fault_point("fsync", f"{self.label}/{temporary.name}")
                os.fsync(handle.fileno())
            fault_point("rename", f"{self.label}/{name}")
            os.replace(temporary, path)
            _fsync_directory(path.parent)

        self._start(write).wait()

    def exists(self, name: str) -> bool:
        def exists_now() -> bool:
            path = self._path(name)
            try:
                return path.exists()
            except OSError as exc:
                raise self._os_error(exc) from exc

        return self._call(lambda _: exists_now())

    def free_bytes(self) -> int:
        """Free bytes, or -1 when the filesystem driver does not report its size (fusefat
        reports f_blocks = 0); a full medium is then caught by ENOSPC on the write."""

        def free_now() -> int:
            try:
                stats = os.statvfs(self._path("TOHYOKI").parent)
            except OSError as exc:
                raise self._os_error(exc) from exc
            if stats.f_blocks == 0:
                return -1
            return stats.f_bavail * stats.f_frsize

        return self._call(lambda _: free_now())
