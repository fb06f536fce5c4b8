"""A simulated vote medium: an in-memory USB stick or SD card that can be pulled out, fill up,
turn read-only, tear a write, flip bits or stall, failing as the device does (the same
``firmware.interfaces.MediumStore`` as ``drivers.medium.DirectoryMedium``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from drivers.medium_errors import corrupted, not_started
from drivers.storage import SimulatedCrash
from firmware.interfaces import (
    MediumError,
    MediumFull,
    MediumIOError,
    MediumReadOnly,
    MediumRemoved,
    MediumSlow,
    SlotWrite,
    WriteInFlight,
)


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
