"""Detection of vote media with udev (pyudev): USB mass storage and SD card readers (art. 4-1-6,
art. 10). Events go to the application's main loop through a queue; the machine never acts on a
device from the udev thread.

``decide`` is the whole policy, a pure function of the udev properties of a block device:
accept only a FAT32 or exFAT filesystem on a USB mass-storage device (``ID_BUS=usb`` with the
``usb-storage`` or ``uas`` driver) or on an SD card (an ``mmcblk`` device of the machine's own
slot, or a USB SD reader); refuse the boot medium (the disk holding ``/``, whatever its bus),
internal disks (ATA, NVMe, virtio, loop) and anything else. Which medium is the primary and which
the copy is never taken from udev: it is read from the signed header's ``role`` and
``medium_id`` once mounted (``firmware/ballot_box.py``)."""

from __future__ import annotations

import os
import queue
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCEPTED_FILESYSTEMS = {("vfat", "FAT32"), ("exfat", "")}
USB_STORAGE_DRIVERS = {"usb-storage", "uas"}


@dataclass(frozen=True)
class Accept:
    device: str  # /dev/sdb1
    fstype: str  # vfat | exfat
    kind: str  # "usb" | "sd"
    serial: str  # ID_SERIAL_SHORT or ID_SERIAL, for the log and the poll manager
    port: str = ""  # ID_PATH: the physical port (which one is the primary's: drivers/media_bay.py)


@dataclass(frozen=True)
class Refuse:
    device: str
    reason: str  # Japanese / English, shown to the poll manager
    # the computer's own disk (boot medium, internal or loop disk), not a stick or card at all:
    # already attached at start-up, it is not announced (MediaWatcher.start)
    host_device: bool = False


@dataclass(frozen=True)
class MediaEvent:
    """What the main loop receives: an accepted or refused insertion, or a removal."""

    action: str  # "add" | "remove" | "change"
    decision: Accept | Refuse


def boot_disks(mountinfo: str | None = None) -> set[str]:
    """Kernel names of the disk(s) holding ``/`` (e.g. {"mmcblk0"}, {"sda"})."""
    text = mountinfo if mountinfo is not None else Path("/proc/self/mountinfo").read_text()
    disks = set()
    for line in text.splitlines():
        fields = line.split()
        if len(fields) > 4 and fields[4] == "/":
            major, minor = fields[2].split(":")
            try:
                target = os.path.realpath(f"/sys/dev/block/{major}:{minor}")
            except OSError:
                continue
            name = os.path.basename(target)
            parent = os.path.basename(os.path.dirname(target))
            disks.add(parent if (Path(target) / "partition").exists() else name)
    return disks


def _disk_of(devname: str) -> str:
    """sdb1 → sdb, mmcblk0p1 → mmcblk0, nvme0n1p2 → nvme0n1."""
    name = os.path.basename(devname)
    if name.startswith(("mmcblk", "nvme", "loop")) and "p" in name[4:]:
        head, _, tail = name.rpartition("p")
        if tail.isdigit() and head[-1:].isdigit():
            return head
    return name.rstrip("0123456789") or name


def decide(properties: Mapping[str, str], boot: set[str]) -> Accept | Refuse:
    devname = properties.get("DEVNAME", "?")

    def refuse(ja: str, en: str) -> Refuse:
        return Refuse(devname, f"{ja} / {en}")

    def host(ja: str, en: str) -> Refuse:
        return Refuse(devname, f"{ja} / {en}", host_device=True)

    if properties.get("SUBSYSTEM") != "block":
        return host("記録媒体ではありません", "not a block device")
    if properties.get("DEVTYPE") not in ("partition", "disk"):
        return host("記録媒体ではありません", "not a disk or partition")
    if _disk_of(devname) in boot or os.path.basename(devname) in boot:
        return host("起動用の記録媒体は使えません", "this is the machine's boot medium")
    bus = properties.get("ID_BUS", "")
    name = os.path.basename(devname)
    if bus == "usb":
        if properties.get("ID_USB_DRIVER") not in USB_STORAGE_DRIVERS:
            return refuse("USB大容量記憶装置ではありません", "not a USB mass-storage device")
        kind = "sd" if properties.get("ID_DRIVE_FLASH_SD") == "1" else "usb"
    elif name.startswith("mmcblk") and not name.startswith("mmcblk0boot"):
        if properties.get("ID_DRIVE_FLASH_SD", "1") != "1" and properties.get("ID_NAME") is None:
            return refuse("SDカードではありません", "not an SD card")
        kind = "sd"
    else:
        return host(
            "USBメモリまたはSDカード以外の装置です",
            f"only USB sticks and SD cards are used (bus {bus or 'none'}, {name})",
        )
    fstype = properties.get("ID_FS_TYPE", "")
    version = properties.get("ID_FS_VERSION", "") if fstype == "vfat" else ""
    if (fstype, version) not in ACCEPTED_FILESYSTEMS:
        return refuse(
            "FAT32 または exFAT で初期化された記録媒体を使ってください",
            f"use a FAT32 or exFAT medium (found {fstype or 'no filesystem'} {version})".rstrip(),
        )
    serial = properties.get("ID_SERIAL_SHORT") or properties.get("ID_SERIAL", "")
    return Accept(devname, fstype, kind, serial, properties.get("ID_PATH", ""))


class MediaWatcher:
    """pyudev monitor on the ``block`` subsystem; each event's decision goes into ``events``,
    which the application's main loop drains (kivy Clock, or the simulator's loop)."""

    def __init__(self, events: queue.Queue[MediaEvent], boot: set[str] | None = None) -> None:
        self.events = events
        self.boot = boot_disks() if boot is None else boot
        self._observer: Any = None

    def on_device(self, device: Any, attached_at_start: bool = False) -> None:
        """pyudev callback (udev thread): decide and hand over; never touch the medium here.
        A device already attached at start-up that is the computer's own disk is not
        announced: it was never inserted, and listing it would bury the media in noise."""
        action = str(device.action or "add")
        properties = {str(k): str(device.properties[k]) for k in device.properties}
        properties.setdefault("SUBSYSTEM", str(device.subsystem))
        if device.device_node:
            properties.setdefault("DEVNAME", str(device.device_node))
        decision = decide(properties, self.boot)
        if attached_at_start and isinstance(decision, Refuse) and decision.host_device:
            return
        self.events.put(MediaEvent(action, decision))

    def start(self) -> None:
        import pyudev

        context = pyudev.Context()
        monitor = pyudev.Monitor.from_netlink(context)
        monitor.filter_by(subsystem="block")
        self._observer = pyudev.MonitorObserver(monitor, callback=self.on_device,
                                                name="tohyoki-media")
        self._observer.start()
        # media already present at start-up are announced like insertions
        for device in context.list_devices(subsystem="block"):
            if device.device_type in ("partition", "disk"):
                self.on_device(device, attached_at_start=True)

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer = None
