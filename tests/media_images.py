"""Media images for machines without removable media: a FAT32 or exFAT image on a loop device,
mounted through our own mount helper with the filesystem's FUSE driver (Debian's fusefat,
exfat-fuse), so a real filesystem driver does every read, write and flush. Used by the tests on
real filesystems and by the cast benchmark."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from drivers import mount as mounting

FORMAT = {
    mounting.FAT32: ["mkfs.vfat", "-F", "32", "-n", "VOTES"],
    mounting.EXFAT: ["mkfs.exfat", "-L", "VOTES"],
}
HAVE_FUSE = os.path.exists("/dev/fuse") and os.path.exists("/dev/loop-control")


def can_mount(fstype: str) -> bool:
    """Root, FUSE, loop devices and the tools for ``fstype`` are all here."""
    driver = "fusefat" if fstype == mounting.FAT32 else "mount.exfat-fuse"
    return (HAVE_FUSE and os.geteuid() == 0 and shutil.which("losetup") is not None
            and shutil.which(FORMAT[fstype][0]) is not None and shutil.which(driver) is not None)


class Loop:
    """An image file on a loop device (the 'USB stick')."""

    def __init__(self, image: Path, fstype: str, megabytes: int = 40) -> None:
        with open(image, "wb") as handle:
            handle.truncate(megabytes << 20)
        subprocess.run(FORMAT[fstype] + [str(image)], check=True, capture_output=True)
        self.device = Path(subprocess.run(
            ["losetup", "-f", "--show", str(image)], check=True, capture_output=True, text=True
        ).stdout.strip())

    def detach(self) -> None:
        """Detach, waiting up to 10 s while a FUSE driver that was stalled or killed still
        holds the device (``losetup -d`` refuses a busy one, and the loop device would leak)."""
        deadline = time.monotonic() + 10
        while subprocess.run(["losetup", "-d", str(self.device)], check=False,
                             capture_output=True).returncode != 0:
            if time.monotonic() > deadline or not self._attached():
                return
            time.sleep(0.1)

    def _attached(self) -> bool:
        listed = subprocess.run(["losetup", "--list", "--noheadings", "--output", "NAME"],
                                check=False, capture_output=True, text=True).stdout
        return str(self.device) in listed.split()


@dataclass(frozen=True)
class MountedImages:
    loops: dict[str, Loop]
    mounts: dict[str, mounting.Mounted]  # a test may remount a role in place: it is unmounted


@contextmanager
def mounted_images(directory: Path, fstype: str, roles: tuple[str, ...] = ("primary", "copy"),
                   megabytes: int = 40) -> Iterator[MountedImages]:
    """One image per role under ``directory``, each mounted at ``directory/work/<role>``;
    whatever is mounted at the end is unmounted, and every image detached, whatever happened."""
    images = MountedImages({}, {})
    try:
        for role in roles:
            images.loops[role] = Loop(directory / f"{role}.img", fstype, megabytes)
        for role in roles:
            images.mounts[role] = mounting.mount(images.loops[role].device,
                                                 directory / "work" / role, use_fuse=True)
        yield images
    finally:
        for mounted in images.mounts.values():
            mounting.unmount(mounted, lazy=True)
        for loop in images.loops.values():
            loop.detach()
