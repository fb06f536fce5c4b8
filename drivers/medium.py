"""Vote media: a directory on a mounted removable filesystem (real), and a simulator of a USB
stick or SD card that can be pulled out, fill up, turn read-only, tear a write, flip bits or
stall.

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
import queue
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from drivers.storage import (
    SimulatedCrash,
    _fsync_directory,
    fault_point,
    overwrite,
    sync_data,
    write_in_place,
)
from firmware.interfaces import (
    MediumCorrupted,
    MediumError,
    MediumFull,
    MediumIOError,
    MediumReadOnly,
    MediumRemoved,
    MediumSlow,
    MediumWriteNotStarted,
    SlotWrite,
    WriteInFlight,
)

_T = TypeVar("_T")
READ_CHUNK = 1 << 20  # a whole-file read renews its deadline after each of these
BLOCK = 4096  # alignment for O_DIRECT: a multiple of every logical block size we meet (512/4096)
DEFAULT_WRITE_DEADLINE = 5.0
GONE = (errno.ENOENT, errno.ENODEV, errno.ENXIO, errno.ENOTCONN, errno.ESHUTDOWN)


def _close_quietly(fd: int) -> None:
    """Close a descriptor on a medium that may be gone (FUSE: ENOTCONN on close). The data
    was fsync'd or the operation already failed; either way close must not hide that."""
    try:
        os.close(fd)
    except OSError:
        pass


_running = threading.local()  # .job: the _Job a medium's worker thread is running, if any


def _close_after_answer(fd: int) -> None:
    """Close ``fd`` once the cast's write job running on this thread has given its caller the
    answer; any other time, now. On a FUSE medium a close is a round trip to its driver (FLUSH,
    RELEASE) and decides nothing: what the job read is in memory, what it wrote is synced and
    read back. The medium's next job runs after the closes (one worker, in order)."""
    job: _Job | None = getattr(_running, "job", None)
    if job is None or not job.closes_after_answer:
        _close_quietly(fd)
    else:
        job.afterwards.append(lambda: _close_quietly(fd))


class _Signal:
    """A flag that stays set, like ``threading.Event``, on one raw lock: waking the waiter costs
    one lock release instead of a ``Condition``'s bookkeeping in Python. It is on every cast's
    path three times; measured on this host, a cast was about 7 % faster than with Events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()
        self._set = False

    def set(self) -> None:
        """Called only from the thread that runs the job, so never twice at once."""
        if not self._set:
            self._set = True
            self._lock.release()

    def wait(self, timeout: float) -> bool:
        if self._lock.acquire(timeout=max(0.0, timeout)):
            self._lock.release()  # stays set for any later wait
            return True
        return False


class _Job:
    """One action for a medium's worker thread, with the moment its caller stops waiting."""

    def __init__(self, action: Callable[[], None], deadline: float,
                 allowed: float | None = None) -> None:
        self.action = action
        self.deadline = deadline
        self.allowed = allowed  # the seconds quoted when it misses; None: the write deadline
        self.done = _Signal()
        self.error: BaseException | None = None
        self.durable = False  # set by an action once its writes are synced
        self.settled = _Signal()  # durable, or failed before that
        self.afterwards: list[Callable[[], None]] = []  # run once the caller has its answer
        self.closes_after_answer = False  # the cast's write job (_close_after_answer)

    def made_durable(self) -> None:
        self.durable = True
        self.settled.set()

    def run(self) -> None:
        _running.job = self
        try:
            self.action()
        except BaseException as exc:  # noqa: BLE001 - handed back to the waiting thread
            self.error = exc
        finally:
            _running.job = None
            self.settled.set()
            self.done.set()
            for cleanup in self.afterwards:  # the closes (_close_after_answer)
                cleanup()

    def finish(self, timeout: float) -> bool:
        return self.done.wait(max(0.0, timeout))


class _MediumWorker:
    """A daemon thread that runs one medium's writes in the order they were started, so the
    caller can wait with a deadline, and a driver hung for good holds neither the caller nor
    the program's exit (the thread is a daemon)."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            self._jobs.get().run()

    def submit(self, job: _Job) -> None:
        self._jobs.put(job)


class StartedWrite:
    """A write running on a ``DirectoryMedium``'s worker (``WriteInFlight``)."""

    def __init__(self, medium: DirectoryMedium, job: _Job) -> None:
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


class FinishedWrite:
    """Writes a simulator did at once (``WriteInFlight``); ``wait`` hands back its failure."""

    def __init__(self, error: BaseException | None, durable: bool) -> None:
        self._error = error
        self._durable = durable

    def wait(self) -> None:
        if self._error is not None:
            raise self._error

    def wait_durable(self) -> None:
        if not self._durable:
            self.wait()


def corrupted(label: str) -> MediumCorrupted:
    return MediumCorrupted(
        f"{label}: 書き込んだ記録を読み戻すと違っています（媒体の不良）。記録媒体を交換してください"
        " / read-back differs from what was written (failing medium)"
    )


def not_started(label: str, cause: BaseException) -> MediumWriteNotStarted:
    return MediumWriteNotStarted(
        f"{label}: 先の書き込みが終わらなかったため書き込んでいません / not written, because the "
        f"write it follows did not complete ({cause})"
    )


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
        self._worker: _MediumWorker | None = None
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
        return self._submit(_Job(action, time.monotonic() + self.write_deadline))

    def _submit(self, job: _Job) -> StartedWrite:
        if self._worker is None:
            self._worker = _MediumWorker(f"medium-{self.label}")
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

        job = _Job(lambda: result.append(action(progress)),
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
                _close_after_answer(fd)
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
                _close_quietly(direct)

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
            _close_quietly(fd)

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
                _close_quietly(fd)

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

        def write_sync_verify(job: _Job) -> None:
            if guard is not None:
                guard()  # on this thread: its reads of the medium are under this deadline
            paths = {name: self._file(name) for name, _, _ in writes}
            fds: dict[str, int] = {}
            readers: dict[str, int | None] = {}
            # opened before waiting for ``after``: opening writes nothing, and then the copy's
            # part, once the primary is durable, is the write, the sync and the read-back alone
            for name, path in paths.items():
                fds[name] = os.open(path, os.O_WRONLY)
                _close_after_answer(fds[name])
                reader = readers[name] = self._open_direct(path)
                if reader is not None:
                    _close_after_answer(reader)
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
        job = _Job(lambda: write_sync_verify(job),
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
        self._submit(_Job(create_now, time.monotonic() + allowed, allowed)).wait()

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


class SimulatedMedium:
    """In-memory model of a removable medium of ``capacity`` bytes.

    Failure switches, set by a test or the simulator UI:
    ``present`` (False: pulled out), ``read_only``, ``slow`` (every operation misses the
    deadline: ``MediumSlow``), ``bad_sectors`` (byte ranges that read back as garbage, like a
    failing flash block: the read-back check sees it), ``crash_after`` (writes before a simulated
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
        self.slow = False
        self.bad_sectors: list[tuple[str, int, int]] = []  # (file, start, end) read as garbage

    def _check(self) -> None:
        if not self.present:
            raise MediumRemoved(f"{self.label}: 記録媒体がありません / medium not present")
        if self.slow:  # a hung medium answers nothing, reads included, within the deadline
            raise MediumSlow(f"{self.label}: 記録媒体が期限内に応答しません / the medium did not "
                             "answer within its deadline")

    def _writable(self, extra: int) -> None:
        self._check()
        if self.read_only:
            raise MediumReadOnly(f"{self.label}: 書き込み禁止です / medium is read-only")
        if self.used() + extra > self.capacity:
            raise MediumFull(f"{self.label}: 記録媒体がいっぱいです / medium full")

    def _crash_point(self, apply_torn: Callable[[], None]) -> None:
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
        data = bytearray(self.read(name)[offset : offset + size])
        for file, start, end in self.bad_sectors:
            if file == name:
                for i in range(max(start, offset), min(end, offset + size)):
                    data[i - offset] ^= 0xA5
        return bytes(data)

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

    def start_write_verified(
        self,
        writes: Sequence[SlotWrite],
        after: WriteInFlight | None = None,
        guard: Callable[[], None] | None = None,
    ) -> FinishedWrite:
        """The simulator writes at once, then reads back (through its bad sectors); a failure
        (even a simulated crash) reaches ``wait``, as it would from a real medium's worker."""
        if guard is not None:
            try:
                guard()
            except Exception as exc:  # noqa: BLE001 - handed to wait, as from a worker
                return FinishedWrite(exc, durable=False)
        if after is not None:
            try:
                after.wait_durable()
            except Exception as exc:  # noqa: BLE001 - whatever stopped it, do not write
                return FinishedWrite(not_started(self.label, exc), durable=False)
        try:
            for name, offset, data in writes:
                self.write_at(name, offset, data)
        except (SimulatedCrash, MediumError, OSError) as exc:
            return FinishedWrite(exc, durable=False)
        for name, offset, data in writes:
            if self.read_at(name, offset, len(data)) != data:
                return FinishedWrite(corrupted(self.label), durable=True)
        return FinishedWrite(None, durable=True)

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
