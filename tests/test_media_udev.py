"""Which devices become vote media (drivers/udev_media.py): the decision on udev properties as
``udevadm info`` reports them for real devices, on the real pyudev devices of this machine (its
boot disk and loop devices are refused), and delivery to the main loop's queue."""

from __future__ import annotations

import queue
from pathlib import Path

import pytest

from drivers.udev_media import Accept, MediaEvent, MediaWatcher, Refuse, boot_disks, decide

# Property sets as udev (systemd 252, Debian 12) reports them; serials shortened.
USB_STICK_FAT32 = {
    "DEVNAME": "/dev/sdb1", "DEVTYPE": "partition", "SUBSYSTEM": "block", "ID_BUS": "usb",
    "ID_USB_DRIVER": "usb-storage", "ID_SERIAL": "SanDisk_Cruzer_Blade_4C530001",
    "ID_SERIAL_SHORT": "4C530001", "ID_FS_TYPE": "vfat", "ID_FS_VERSION": "FAT32",
    "ID_FS_UUID": "1A2B-3C4D", "ID_PART_TABLE_TYPE": "dos",
    "ID_PATH": "platform-fd500000.pcie-pci-0000:01:00.0-usb-0:1.3:1.0-scsi-0:0:0:0",
}
USB_STICK_EXFAT_UAS = USB_STICK_FAT32 | {
    "DEVNAME": "/dev/sdc1", "ID_USB_DRIVER": "uas", "ID_FS_TYPE": "exfat", "ID_FS_VERSION": "1.0",
}
USB_SD_READER = USB_STICK_FAT32 | {"DEVNAME": "/dev/sdd1", "ID_DRIVE_FLASH_SD": "1"}
SD_SLOT = {
    "DEVNAME": "/dev/mmcblk1p1", "DEVTYPE": "partition", "SUBSYSTEM": "block",
    "ID_NAME": "SD32G", "ID_SERIAL": "0x1234abcd", "ID_FS_TYPE": "exfat", "ID_FS_VERSION": "1.0",
}
SUPERFLOPPY = USB_STICK_FAT32 | {"DEVNAME": "/dev/sde", "DEVTYPE": "disk"}
BOOT = {"mmcblk0"}


def test_usb_sticks_and_sd_cards_with_fat32_or_exfat_are_accepted() -> None:
    assert decide(USB_STICK_FAT32, BOOT) == Accept(
        "/dev/sdb1", "vfat", "usb", "4C530001", USB_STICK_FAT32["ID_PATH"])
    assert isinstance(decide(USB_STICK_EXFAT_UAS, BOOT), Accept)
    assert decide(USB_SD_READER, BOOT).kind == "sd"  # type: ignore[union-attr]
    assert decide(SD_SLOT, BOOT) == Accept("/dev/mmcblk1p1", "exfat", "sd", "0x1234abcd")
    assert isinstance(decide(SUPERFLOPPY, BOOT), Accept)


@pytest.mark.parametrize(
    ("properties", "words"),
    [
        (SD_SLOT | {"DEVNAME": "/dev/mmcblk0p2"}, "boot medium"),
        (USB_STICK_FAT32 | {"DEVNAME": "/dev/sda1"}, "boot medium"),
        (USB_STICK_FAT32 | {"ID_FS_VERSION": "FAT16"}, "FAT32 or exFAT"),
        (USB_STICK_FAT32 | {"ID_FS_TYPE": "ext4", "ID_FS_VERSION": "1.0"}, "found ext4"),
        ({k: v for k, v in USB_STICK_FAT32.items() if not k.startswith("ID_FS")}, "no filesystem"),
        (USB_STICK_FAT32 | {"ID_USB_DRIVER": "usbhid"}, "mass-storage"),
        ({"DEVNAME": "/dev/sdb1", "DEVTYPE": "partition", "SUBSYSTEM": "block", "ID_BUS": "ata",
          "ID_FS_TYPE": "vfat", "ID_FS_VERSION": "FAT32"}, "bus ata"),
        ({"DEVNAME": "/dev/nvme0n1p1", "DEVTYPE": "partition", "SUBSYSTEM": "block",
          "ID_FS_TYPE": "vfat", "ID_FS_VERSION": "FAT32"}, "only USB sticks and SD cards"),
        (USB_STICK_FAT32 | {"SUBSYSTEM": "usb"}, "not a block device"),
    ],
)
def test_everything_else_is_refused_with_a_reason(properties: dict[str, str], words: str) -> None:
    decision = decide(properties, {"sda", "mmcblk0"} if "sda" in properties["DEVNAME"] else BOOT)
    assert isinstance(decision, Refuse), decision
    assert words in decision.reason and " / " in decision.reason


def test_boot_disk_is_found_from_mountinfo() -> None:
    disks = boot_disks()
    assert disks, "the disk holding / must be known"
    for name in disks:
        assert Path(f"/sys/block/{name}").exists(), name


def test_real_pyudev_devices_of_this_machine_are_refused_and_queued() -> None:
    """The machine's own block devices (its boot disk, loop devices) seen through pyudev:
    none of them may ever become a vote medium, and each is reported on the queue."""
    import pyudev

    events: queue.Queue[MediaEvent] = queue.Queue()
    watcher = MediaWatcher(events)
    context = pyudev.Context()
    devices = [d for d in context.list_devices(subsystem="block")
               if d.device_type in ("disk", "partition")]
    assert devices
    for device in devices:
        watcher.on_device(device)
    seen = [events.get_nowait() for _ in devices]
    assert all(isinstance(e.decision, Refuse) for e in seen)
    boot = [e for e in seen if "boot medium" in e.decision.reason]
    assert boot, "the boot disk is refused as the boot medium"
    assert all(e.decision.host_device for e in seen)  # type: ignore[union-attr]


def test_the_computers_own_disks_are_not_announced_at_start_up() -> None:
    """At start-up every attached block device is enumerated; the computer's own disks (boot,
    virtio, loop) are not media and are not announced (the counting officer saw a list of
    "refused" host disks before the first medium), while a stick refused for its filesystem
    still is."""
    import pyudev

    events: queue.Queue[MediaEvent] = queue.Queue()
    watcher = MediaWatcher(events)
    host = [d for d in pyudev.Context().list_devices(subsystem="block")
            if d.device_type in ("disk", "partition")]
    for device in host:
        watcher.on_device(device, attached_at_start=True)
    assert host and events.empty()
    stick = decide(USB_STICK_FAT32 | {"ID_FS_TYPE": "ntfs"}, BOOT)
    assert isinstance(stick, Refuse) and not stick.host_device
    watcher.start()
    try:
        assert events.empty()
    finally:
        watcher.stop()
