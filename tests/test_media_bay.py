"""The kiosk's media ports (drivers/media_bay.py): udev decisions reach the main loop, an
accepted medium in the primary's or the copy's port is mounted by our mount helper at that
role's mount point (a real FAT32 image on a loop device through fusefat), one in any other port
is refused, and a removal detaches it; the machine, told ``MediaChanged``, stops voting at once
when a medium is pulled (art. 4-1-5, 10)."""

from __future__ import annotations

import queue
from pathlib import Path

import pytest

from drivers import mount as mounting
from drivers.media_bay import MediaBay
from drivers.udev_media import Accept, MediaEvent, Refuse
from firmware import machine as fw
from firmware.interfaces import MediumRemoved
from firmware.screens import Notice, Phase, Standby
from tests.media_images import HAVE_FUSE, Loop
from tests.test_firmware_support import Insert, as_manager, open_station, run_flow, voter_flow

PORTS = {
    "primary": "platform-fd500000.pcie-pci-0000:01:00.0-usb-0:1:1.0-scsi-0:0:0:0",
    "copy": "platform-fd500000.pcie-pci-0000:01:00.0-usb-0:2:1.0-scsi-0:0:0:0",
}
OTHER_PORT = "platform-fd500000.pcie-pci-0000:01:00.0-usb-0:3:1.0-scsi-0:0:0:0"


def test_the_machine_stops_voting_when_told_a_medium_was_pulled_mid_session() -> None:
    from firmware.booth_screens import VoterSettingsMenu

    station = open_station()
    run_flow(station, voter_flow(station.voting_card(), {"mayor": "mayor-1",
                                                         "assembly": "assembly-2"}))
    assert isinstance(station.machine.handle(fw.MediaChanged()), Standby)  # all well: nothing
    run_flow(station, [(Insert(station.voting_card()), VoterSettingsMenu)])
    station.copy.present = False
    screen = station.machine.handle(fw.MediaChanged())
    assert isinstance(screen, Notice) and screen.for_admin and "記録媒体" in screen.ja
    assert station.machine.phase is Phase.PAUSED and station.machine.session is None
    assert not any(station.storage.files["journal.bin"])  # the reservation was given up


def test_a_closed_machine_does_not_mind_media_leaving() -> None:
    station = open_station()
    as_manager(station, fw.ClosePolls())
    assert station.machine.phase is Phase.CLOSED
    station.primary.present = False
    assert station.machine.handle(fw.MediaChanged()) == station.machine.screen
    assert station.machine.phase is Phase.CLOSED


def test_only_the_configured_ports_are_mounted_and_refusals_are_explained(tmp_path: Path) -> None:
    mounts: list[tuple[Path, Path]] = []

    def fake_mount(device: Path, mountpoint: Path) -> mounting.Mounted:
        mounts.append((device, mountpoint))
        return mounting.Mounted(device, mountpoint, "vfat", "kernel")

    events: queue.Queue[MediaEvent] = queue.Queue()
    bay = MediaBay(PORTS, tmp_path, events, mount=fake_mount, unmount=lambda m, lazy: None)
    events.put(MediaEvent("add", Accept("/dev/sdb1", "vfat", "usb", "S1", OTHER_PORT)))
    events.put(MediaEvent("add", Refuse("/dev/sdc1", "FAT32 または exFAT / use FAT32")))
    events.put(MediaEvent("add", Accept("/dev/sdd1", "vfat", "usb", "S2", PORTS["copy"])))
    events.put(MediaEvent("add", Accept("/dev/sde1", "vfat", "usb", "S3", PORTS["copy"])))
    changed = bay.drain()
    assert len(changed) == 1 and mounts == [(Path("/dev/sdd1"), tmp_path / "copy")]
    texts = [n.text for n in bay.notices]
    assert "not in the primary's or the copy's port" in texts[0]
    assert "FAT32" in texts[1] and "inserted" in texts[2] and "already mounted" in texts[3]
    with pytest.raises(ValueError):
        MediaBay({"primary": PORTS["primary"]}, tmp_path, events)


@pytest.mark.skipif(not HAVE_FUSE, reason="needs /dev/fuse and loop devices")
def test_a_real_medium_is_mounted_safely_in_its_port_and_detached_when_removed(
    tmp_path: Path,
) -> None:
    loop = Loop(tmp_path / "primary.img", mounting.FAT32)
    events: queue.Queue[MediaEvent] = queue.Queue()
    bay = MediaBay(PORTS, tmp_path / "media", events)
    accept = Accept(str(loop.device), "vfat", "usb", "LOOP", PORTS["primary"])
    try:
        events.put(MediaEvent("add", accept))
        assert len(bay.drain()) == 1
        mountpoint = bay.mountpoint("primary")
        assert {"nosuid", "nodev", "noexec"} <= mounting.mounted_options(mountpoint)
        medium = bay.medium("primary", "正本 / primary")
        medium.create("TOHYOKI/VOTES.SLT", 1280 * 4)
        medium.write_at("TOHYOKI/VOTES.SLT", 1280, b"\x01" * 1280)
        assert medium.read_at("TOHYOKI/VOTES.SLT", 1280, 1280) == b"\x01" * 1280
        bay.mounted["primary"].yank()  # pulled out: its driver is gone
        events.put(MediaEvent("remove", accept))
        assert len(bay.drain()) == 1 and "primary" not in bay.mounted
        with pytest.raises(MediumRemoved):
            medium.read("TOHYOKI/VOTES.SLT")
        with pytest.raises(MediumRemoved):  # never written onto the machine's own disk
            medium.create("TOHYOKI/VOTES.SLT", 1280)
        assert not mountpoint.exists() or not any(mountpoint.iterdir())
        assert not bay.drain()  # nothing more queued
    finally:
        bay.close()
        loop.detach()


def test_the_main_loop_gets_power_failing_first_then_media_changes(tmp_path: Path) -> None:
    from drivers.device_events import DeviceEvents
    from drivers.ups import PowerSupplyWatch, SimulatedMains

    mains = SimulatedMains(tmp_path / "power")
    events: queue.Queue[MediaEvent] = queue.Queue()
    bay = MediaBay(PORTS, tmp_path / "media", events,
                   mount=lambda d, m: mounting.Mounted(d, m, "vfat", "kernel"),
                   unmount=lambda m, lazy: None)
    devices = DeviceEvents(bay, PowerSupplyWatch(tmp_path / "power"))
    assert devices.poll() == []
    accept = Accept("/dev/sdb1", "vfat", "usb", "S1", PORTS["primary"])
    events.put(MediaEvent("add", accept))
    events.put(MediaEvent("remove", accept))
    mains.set_mains(False)
    polled = devices.poll()
    assert polled == [fw.PowerFailing(), fw.MediaChanged(), fw.MediaChanged()]
    assert devices.poll() == []  # one event per power failure, each media change once
    station = open_station()
    screens = [station.machine.handle(event) for event in polled]
    assert station.machine.phase is Phase.PAUSED and "停電" in screens[0].ja  # type: ignore[attr-defined]


def test_the_kernel_mount_path_sets_the_safe_flags_with_the_system_call(tmp_path: Path) -> None:
    """The kiosk mounts with the kernel's vfat/exfat through mount(2) (this kernel has neither,
    so a tmpfs stands in for the filesystem): nosuid, nodev, noexec and ro are set by the call
    itself, and umount2 takes it away again."""
    target = tmp_path / "m"
    target.mkdir()
    mounting.kernel_mount(Path("tohyoki-test"), target, "tmpfs", True, "size=1m")
    try:
        assert {"nosuid", "nodev", "noexec", "ro"} <= mounting.mounted_options(target)
    finally:
        mounting.kernel_unmount(target)
    assert mounting.mounted_options(target) == set()
    with pytest.raises(mounting.MountError, match="mount"):
        mounting.kernel_mount(tmp_path / "no-such-device", target, "vfat", False)
