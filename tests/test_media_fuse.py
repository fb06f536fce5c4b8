"""Vote media on real filesystems: FAT32 (Debian's fusefat) and exFAT (exfat-fuse) images on
loop devices, mounted by our own mount helper (drivers/mount.py) with nosuid,nodev,noexec
(art. 4-1-4, 4-1-5, 4-1-6). A day of votes is written through DirectoryMedium, the media are
unmounted and remounted and everything is checked; a medium is yanked (its FUSE driver killed)
in the middle of a slot write and the machine recovers once it is put back; a stalled medium
misses the write deadline; a read-only and a full medium are reported as such."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers import mount as mounting
from drivers.medium import DirectoryMedium
from firmware.interfaces import (
    MediumFull,
    MediumIOError,
    MediumReadOnly,
    MediumRemoved,
    MediumSlow,
)
from tests.fault_harness import harness
from tests.media_images import HAVE_FUSE, Loop, mounted_images

pytestmark = pytest.mark.skipif(
    not HAVE_FUSE, reason="needs /dev/fuse and loop devices (losetup), absent on this machine"
)
VOTERS = 12


@pytest.fixture
def media(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[dict[str, object]]:
    fstype = request.param
    with mounted_images(tmp_path, fstype) as images:
        yield {"work": tmp_path / "work", "loops": images.loops, "mounts": images.mounts,
               "type": fstype}


def _remount(state: dict[str, object], role: str) -> None:
    mounts: dict[str, mounting.Mounted] = state["mounts"]  # type: ignore[assignment]
    mounting.unmount(mounts[role], lazy=True)
    for _ in range(250):  # a lazy detach of a dead FUSE mount can lag behind fusermount
        if not os.path.ismount(mounts[role].mountpoint):
            break
        threading.Event().wait(0.02)
    loops: dict[str, Loop] = state["loops"]  # type: ignore[assignment]
    mounts[role] = mounting.mount(loops[role].device, mounts[role].mountpoint, use_fuse=True)


def _install(template: Path, work: Path) -> None:
    """Put the machine's initialised media onto the FUSE filesystems (plain file copies: FAT
    keeps no owners or modes) and its internal storage beside them."""
    for role in ("primary", "copy"):
        for source in sorted((template / role).rglob("*")):
            target = work / role / source.relative_to(template / role)
            if source.is_dir():
                target.mkdir(exist_ok=True)
            else:
                shutil.copyfile(source, target)
    shutil.copytree(template / "internal", work / "internal")


BOTH = pytest.mark.parametrize("media", [mounting.FAT32, mounting.EXFAT], indirect=True)


@BOTH
def test_mount_helper_mounts_safely_and_reads_the_type_itself(media: dict[str, object]) -> None:
    mounts: dict[str, mounting.Mounted] = media["mounts"]  # type: ignore[assignment]
    for mounted in mounts.values():
        assert mounted.fstype == media["type"]
        assert {"nosuid", "nodev", "noexec"} <= mounting.mounted_options(mounted.mountpoint)
        assert mounted.driver in ("fusefat", "exfat-fuse")


@BOTH
def test_a_day_of_votes_survives_unmount_and_remount(media: dict[str, object]) -> None:
    work: Path = media["work"]  # type: ignore[assignment]
    template = harness.make_template(work.parent / "template-on-disk")
    _install(template, work)
    (work / "plan.json").write_text(f'{{"voters": {VOTERS}, "close": true}}')
    result = harness.run_child(work)
    assert result.returncode == 0, result.stderr[-3000:]
    for role in ("primary", "copy"):
        _remount(media, role)
    counts = harness.check(work, VOTERS, close=True)
    assert counts["records"] == 2 * VOTERS
    assert DirectoryMedium(work / "primary", "p").read_at("TOHYOKI/VOTES.SLT", 0, 8) is not None


@BOTH
@pytest.mark.parametrize("yanked", ["primary", "copy"])
def test_yank_mid_slot_write_then_put_back_recovers(media: dict[str, object], yanked: str) -> None:
    work: Path = media["work"]  # type: ignore[assignment]
    template = harness.make_template(work.parent / "template-on-disk")
    _install(template, work)
    (work / "plan.json").write_text('{"voters": 3, "close": true}')
    # the points of a clean day on a scratch copy, to find the 2nd voter's slot write
    scratch = work.parent / "scratch"
    harness.prepare(template, scratch, 3, True)
    log = scratch / "points.log"
    assert harness.run_child(scratch, log=log).returncode == 0
    writes = [int(line.split()[0]) for line in log.read_text().splitlines()
              if line.split()[1] == "pwrite" and ("正本" if yanked == "primary" else "副本") in line]
    point = writes[2]  # the second voter's first slot write on that medium
    mounts: dict[str, mounting.Mounted] = media["mounts"]  # type: ignore[assignment]
    assert mounts[yanked].process is not None
    stopped = harness.run_child(work, fault_at=point, yank_pid=mounts[yanked].process.pid)
    assert stopped.returncode == 3, stopped.stderr[-3000:]  # voting stopped safely
    assert "記録媒体" in stopped.stderr
    with pytest.raises(MediumRemoved):
        DirectoryMedium(work / yanked, yanked).read("TOHYOKI/MEDIUM.JSN")
    _remount(media, yanked)  # the same medium is put back
    finished = harness.run_child(work)
    assert finished.returncode == 0, finished.stderr[-3000:]
    harness.check(work, 3, close=True)


@pytest.mark.parametrize("media", [mounting.FAT32], indirect=True)
def test_a_stalled_medium_misses_the_deadline_of_every_operation(media: dict[str, object]) -> None:
    work: Path = media["work"]  # type: ignore[assignment]
    mounts: dict[str, mounting.Mounted] = media["mounts"]  # type: ignore[assignment]
    medium = DirectoryMedium(work / "primary", "正本 / primary", write_deadline=1.0)
    medium.create("TOHYOKI/VOTES.SLT", 1280 * 16)
    process = mounts["primary"].process
    assert process is not None
    os.kill(process.pid, signal.SIGSTOP)  # the card's controller hangs
    try:
        with pytest.raises(MediumSlow, match="slow or failing medium"):
            medium.write_at("TOHYOKI/VOTES.SLT", 1280, b"\x01" * 1280)
        # and every other operation gives up too, creating a file after its longer deadline
        started = time.monotonic()
        for operation, seconds in ((lambda: medium.read("TOHYOKI/VOTES.SLT"), "1 s"),
                                   (lambda: medium.read_at("TOHYOKI/VOTES.SLT", 0, 1280), "1 s"),
                                   (lambda: medium.exists("TOHYOKI/VOTES.SLT"), "1 s"),
                                   (medium.free_bytes, "1 s"),
                                   (lambda: medium.create("TOHYOKI/MORE.BIN", 1 << 20), "2 s")):
            # the message quotes the time the operation had: create's grows with the size
            with pytest.raises(MediumSlow, match=f"within {seconds} "):
                operation()
        assert time.monotonic() - started < 4 * 1.0 + 2.0 + 1.5
    finally:
        os.kill(process.pid, signal.SIGCONT)
    threading.Event().wait(0.5)  # the stalled write completes once the medium answers again


@pytest.mark.parametrize("media", [mounting.EXFAT], indirect=True)
def test_a_medium_that_hangs_while_the_voter_chooses_stops_the_cast_within_its_deadline(
    media: dict[str, object],
) -> None:
    """The card's controller hangs after the card was accepted: the cast's first touch of that
    medium (its identity check) must not hold the machine. The cast fails with ``MediumSlow``
    in about the deadline, the card is not consumed, and once the medium answers again the
    vote is resolved as never written (art. 4-1-5)."""
    from drivers.randomness import SeededRandom
    from drivers.storage import DirectoryStorage
    from firmware.ballot_box import BallotBox
    from media.slot import SLOT_SIZE
    from tests.station import fixed_key, make_package

    work: Path = media["work"]  # type: ignore[assignment]
    mounts: dict[str, mounting.Mounted] = media["mounts"]  # type: ignore[assignment]
    key = fixed_key("stall-machine")
    signed = make_package({"M-001": key.public_key().public_bytes_raw()}, slots=8)
    primary, copy = (DirectoryMedium(work / role, role, write_deadline=1.0)
                     for role in ("primary", "copy"))
    box = BallotBox(primary, copy, DirectoryStorage(work.parent / "internal"), SeededRandom(4))
    box.prepare("M-001", signed, key, initialise=True)
    box.recover()
    card = "5a" * 16
    box.reserve(card, ("mayor",))
    process = mounts["primary"].process
    assert process is not None
    outcome: list[BaseException | None] = []
    consumed: list[str] = []

    def cast() -> None:
        try:
            box.cast(card, ("mayor",), {"mayor": bytes(1200)}, lambda: consumed.append(card))
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - examined below
            outcome.append(exc)

    os.kill(process.pid, signal.SIGSTOP)
    try:
        voter = threading.Thread(target=cast, daemon=True)
        voter.start()
        voter.join(timeout=10)
        hung = voter.is_alive()
    finally:
        os.kill(process.pid, signal.SIGCONT)
    assert not hung, "the cast waited on a hung medium instead of giving up at its deadline"
    assert isinstance(outcome[0], MediumSlow), outcome
    assert not consumed
    threading.Event().wait(0.5)  # the stalled requests finish once the medium answers again
    assert box.recover() is None  # nothing reached either medium
    assert copy.read(box.slot_position("mayor")[0]) == bytes(8 * SLOT_SIZE * 2)


@pytest.mark.parametrize("media", [mounting.FAT32, mounting.EXFAT], indirect=True)
def test_read_only_and_full_media_are_reported_as_such(media: dict[str, object]) -> None:
    work: Path = media["work"]  # type: ignore[assignment]
    medium = DirectoryMedium(work / "copy", "副本 / copy")
    medium.create("TOHYOKI/VOTES.SLT", 1280 * 4)
    free = medium.free_bytes()
    if media["type"] == mounting.FAT32:
        assert free == -1  # fusefat reports no size (statvfs f_blocks = 0): "unknown"
    else:
        assert 0 < free < 40 << 20
    # exfat-fuse (like the kernel's vfat and exfat) answers ENOSPC; fusefat answers EPERM, which
    # is still a medium error that stops voting, just a less specific one
    expected = MediumFull if media["type"] == mounting.EXFAT else MediumIOError
    with pytest.raises(expected):
        medium.create("TOHYOKI/FILL.BIN", 41 << 20)
    mounts: dict[str, mounting.Mounted] = media["mounts"]  # type: ignore[assignment]
    mounting.unmount(mounts["copy"])
    loops: dict[str, Loop] = media["loops"]  # type: ignore[assignment]
    mounts["copy"] = mounting.mount(loops["copy"].device, work / "copy", read_only=True,
                                    use_fuse=True)
    assert "ro" in mounting.mounted_options(work / "copy")
    with pytest.raises(MediumReadOnly):
        medium.write_at("TOHYOKI/VOTES.SLT", 0, b"\x01" * 1280)
    with pytest.raises(MediumReadOnly):
        medium.write_atomic("TOHYOKI/SEAL.JSN", b"{}")


def test_mount_helper_refuses_what_is_not_fat32_or_exfat(tmp_path: Path) -> None:
    image = tmp_path / "blank.img"
    image.write_bytes(bytes(1 << 20))
    with pytest.raises(mounting.UnsupportedFilesystem):
        mounting.probe_filesystem(image)
    fat16 = tmp_path / "fat16.img"
    with open(fat16, "wb") as handle:
        handle.truncate(16 << 20)
    subprocess.run(["mkfs.vfat", "-F", "16", str(fat16)], check=True, capture_output=True)
    with pytest.raises(mounting.UnsupportedFilesystem, match="FAT32/exFAT"):
        mounting.probe_filesystem(fat16)
