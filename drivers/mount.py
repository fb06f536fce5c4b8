"""Our own mount helper for vote media (art. 4-1-6: the medium is taken out and carried).

Only FAT32 and exFAT are mounted, always ``nosuid,nodev,noexec`` (nothing on a medium can ever
run or act as a device on the machine), on a mount point under our own directory, and only a
device that ``drivers/udev_media.py`` accepted (never the boot medium). The filesystem type is
read from the boot sector ourselves, not guessed by ``mount``: anything else is refused.

Drivers: on the kiosk the kernel's ``vfat``/``exfat`` drivers through mount(8); where the kernel
has none (these build machines) the FUSE drivers Debian ships — ``fusefat`` for FAT32 and
``exfat-fuse`` for exFAT — run in the foreground as our child process, so a test can "yank" the
medium by killing that process (the mount then fails with ENOTCONN, as a pulled stick fails
with EIO/ENODEV)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

SAFE_OPTIONS = ("nosuid", "nodev", "noexec")
FAT32 = "vfat"
EXFAT = "exfat"


class MountError(Exception):
    """The medium could not be mounted safely; the message says why, for the poll manager."""


class UnsupportedFilesystem(MountError):
    pass


def probe_filesystem(device: Path) -> str:
    """FAT32 or exFAT from the boot sector (FAT32: "FAT32   " at 82; exFAT: "EXFAT   " at 3,
    and the 0x55AA signature at 510)."""
    try:
        with open(device, "rb") as handle:
            sector = handle.read(512)
    except OSError as exc:
        raise MountError(f"{device}: 読めません / cannot read the medium: {exc}") from exc
    if len(sector) < 512 or sector[510:512] != b"\x55\xaa":
        raise UnsupportedFilesystem(
            f"{device}: FAT32/exFAT ではありません / not a FAT32 or exFAT medium"
        )
    if sector[3:11] == b"EXFAT   ":
        return EXFAT
    if sector[82:90] == b"FAT32   ":
        return FAT32
    raise UnsupportedFilesystem(
        f"{device}: FAT32/exFAT 以外の形式です / only FAT32 and exFAT media are used"
    )


def kernel_supports(fstype: str) -> bool:
    try:
        listed = Path("/proc/filesystems").read_text()
    except OSError:
        return False
    return any(line.split()[-1] == fstype for line in listed.splitlines() if line.strip())


@dataclass
class Mounted:
    device: Path
    mountpoint: Path
    fstype: str
    driver: str  # "kernel" or the FUSE program's name
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def yank(self) -> None:
        """Test aid: the FUSE driver dies as if the medium were pulled out."""
        if self.process is None:
            raise MountError("only a FUSE mount can be yanked in software")
        self.process.kill()
        self.process.wait(timeout=10)


MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8  # <sys/mount.h>
MNT_DETACH = 2


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def kernel_mount(device: Path, mountpoint: Path, fstype: str, read_only: bool,
                 data: str = "") -> None:
    """mount(2) with nosuid, nodev, noexec (and ro): needs CAP_SYS_ADMIN, not root."""
    flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | (MS_RDONLY if read_only else 0)
    if _libc().mount(str(device).encode(), str(mountpoint).encode(), fstype.encode(), flags,
                     data.encode() or None) != 0:
        error = ctypes.get_errno()
        raise MountError(f"{device}: マウントできません / mount(2) failed: {os.strerror(error)}")


def kernel_unmount(mountpoint: Path, lazy: bool = False) -> None:
    """umount2(2); ``lazy`` detaches a mount whose device is gone (MNT_DETACH)."""
    _libc().umount2(str(mountpoint).encode(), MNT_DETACH if lazy else 0)


def mounted_options(mountpoint: Path) -> set[str]:
    target = os.path.realpath(mountpoint)
    for line in Path("/proc/self/mounts").read_text().splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[1] == target:
            return set(fields[3].split(","))
    return set()


def mount(device: Path, mountpoint: Path, read_only: bool = False,
          use_fuse: bool | None = None) -> Mounted:
    fstype = probe_filesystem(device)
    mountpoint.mkdir(parents=True, exist_ok=True)
    if any(mountpoint.iterdir()):
        raise MountError(f"{mountpoint}: 空でないマウント先 / mount point is not empty")
    fuse = (not kernel_supports(fstype)) if use_fuse is None else use_fuse
    options = list(SAFE_OPTIONS) + (["ro"] if read_only else [])
    process = None
    if not fuse:
        # mount(2) itself, not mount(8): the kiosk's service is not root, only holds
        # CAP_SYS_ADMIN, and util-linux refuses non-fstab mounts to a non-root user.
        owner = f"uid={os.getuid()},gid={os.getgid()},fmask=0177,dmask=0077"
        kernel_mount(device, mountpoint, fstype, read_only, owner)
        driver = "kernel"
    elif fstype == FAT32:
        # fusefat mounts read-only unless told "rw+"
        options.append("ro" if read_only else "rw+")
        command = ["fusefat", "-f", "-o", ",".join(options), str(device), str(mountpoint)]
        driver = "fusefat"
    else:
        command = ["mount.exfat-fuse", "-d", "-o", ",".join(options), str(device),
                   str(mountpoint)]
        driver = "exfat-fuse"
    if fuse:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.ismount(mountpoint):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise MountError(f"{device}: マウントできません / {driver} could not mount it")
            time.sleep(0.02)
    result = Mounted(device, mountpoint, fstype, driver, process)
    missing = set(SAFE_OPTIONS) - mounted_options(mountpoint)
    if missing:
        # exfat-fuse drops noexec from its options: set the flags on the mount itself
        flags = ",".join(("remount", "bind", *SAFE_OPTIONS, *(["ro"] if read_only else [])))
        subprocess.run(["mount", "-o", flags, str(mountpoint)], check=False,
                       capture_output=True, timeout=30)
        missing = set(SAFE_OPTIONS) - mounted_options(mountpoint)
    if missing:
        unmount(result)
        raise MountError(f"{mountpoint}: mounted without {sorted(missing)}; refused")
    return result


def unmount(mounted: Mounted, lazy: bool = False) -> None:
    """Unmount (the filesystem syncs itself); ``lazy`` detaches even if busy (after a yank).
    No global sync(): one hung medium must not hang the machine."""
    if mounted.process is None:
        kernel_unmount(mounted.mountpoint, lazy)
        return
    command = ["fusermount", "-u"] + (["-z"] if lazy else []) + [str(mounted.mountpoint)]
    subprocess.run(command, check=False, capture_output=True, timeout=30)
    if mounted.process is not None:
        try:
            mounted.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            mounted.process.kill()
            mounted.process.wait(timeout=10)
