"""Receiving media at the counting centre one after another (counting/collect.py): a real
FAT32 medium on a loop device, announced as udev would, is mounted read-only by our mount
helper, copied under the name its header gives, checked against the medium and unmounted; the
medium is not changed; the copy imports and verifies; the same medium twice is recognised, and
the same medium with other bytes is refused, never overwritten (art. 9-4, 10)."""

from __future__ import annotations

import hashlib
import queue
import shutil
from pathlib import Path

import pytest

from counting.collect import MediaCollector
from counting.importer import import_media
from drivers import mount as mounting
from drivers.udev_media import Accept, MediaEvent, Refuse
from firmware import machine as fw
from tests.media_images import HAVE_FUSE, Loop
from tests.test_firmware_support import as_manager, open_station, run_flow, voter_flow

pytestmark = pytest.mark.skipif(not HAVE_FUSE, reason="needs /dev/fuse and loop devices")


def _sealed_medium_on_fat32(tmp_path: Path) -> tuple[Loop, Path, object]:
    station = open_station()
    for choice in ("mayor-1", "mayor-2"):
        run_flow(station, voter_flow(station.voting_card(), {"mayor": choice,
                                                             "assembly": "assembly-1"}))
    as_manager(station, fw.ClosePolls())
    dumped = tmp_path / "dumped"
    station.primary.dump_to(dumped)
    loop = Loop(tmp_path / "primary.img", mounting.FAT32)
    mounted = mounting.mount(loop.device, tmp_path / "writer", use_fuse=True)
    try:  # plain file copies: FAT keeps no owners, modes or times to copy
        (tmp_path / "writer" / "TOHYOKI").mkdir()
        for source in sorted((dumped / "TOHYOKI").iterdir()):
            shutil.copyfile(source, tmp_path / "writer" / "TOHYOKI" / source.name)
    finally:
        mounting.unmount(mounted)
    return loop, dumped, station.package


def _image_sha(tmp_path: Path) -> str:
    return hashlib.sha256((tmp_path / "primary.img").read_bytes()).hexdigest()


def test_a_medium_is_collected_read_only_checked_and_imports(tmp_path: Path) -> None:
    loop, dumped, package = _sealed_medium_on_fat32(tmp_path)
    events: queue.Queue[MediaEvent] = queue.Queue()
    said: list[str] = []
    into, work = tmp_path / "session-media", tmp_path / "work"
    into.mkdir()
    work.mkdir()
    collector = MediaCollector(events, into, work, said.append)
    accept = Accept(str(loop.device), "vfat", "usb", "LOOP", "port")
    try:
        before = _image_sha(tmp_path)
        events.put(MediaEvent("add", Refuse("/dev/sda1", "起動用の記録媒体は使えません / boot medium")))
        events.put(MediaEvent("add", accept))
        events.put(MediaEvent("remove", accept))
        events.put(MediaEvent("add", accept))  # the same medium again
        collected = collector.run(count=2, timeout=5)
        assert _image_sha(tmp_path) == before  # mounted read-only: nothing changed
        first, again = collected
        assert not first.already and again.already and first.folder == again.folder
        assert first.folder.name.startswith("M-001-primary-")
        for source in sorted((dumped / "TOHYOKI").iterdir()):
            assert (first.folder / "TOHYOKI" / source.name).read_bytes() == source.read_bytes()
        assert "boot medium" in said[0] and "copied" in said[1] and "already" in said[2]
        result = import_media([first.folder], [package], {})  # type: ignore[list-item]
        assert not result.problems, result.problems
        assert [m.machine_id for m in result.counted] == ["M-001"]

        # the same medium comes back altered: refused and named, the first copy kept
        writer = mounting.mount(loop.device, tmp_path / "writer", use_fuse=True)
        try:
            table = tmp_path / "writer" / "TOHYOKI" / "VOTES.SLT"
            flipped = table.read_bytes()[7] ^ 0x01
            with open(table, "r+b") as handle:  # in place, as a stray write would
                handle.seek(7)
                handle.write(bytes([flipped]))
        finally:
            mounting.unmount(writer)
        kept = (first.folder / "TOHYOKI" / "VOTES.SLT").read_bytes()
        assert collector.handle(MediaEvent("add", accept)) is None
        assert "different content" in said[-1]
        assert (first.folder / "TOHYOKI" / "VOTES.SLT").read_bytes() == kept
        assert not list(work.iterdir())  # every temporary mount point is gone
    finally:
        loop.detach()
