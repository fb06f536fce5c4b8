"""The image recipe's lockdown (art. 4-2: no network drivers; art. 4-1-6: read-only root) run on a
real directory tree shaped like a Raspberry Pi OS root filesystem, and the release check that
must refuse an image that still has a network driver."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKDOWN = ROOT / "kiosk-image" / "lockdown.sh"
CHECK = ROOT / "kiosk-image" / "check-image.sh"
KERNEL = "lib/modules/6.6.51+rpt-rpi-2712/kernel"
NETWORK_MODULES = [
    f"{KERNEL}/drivers/net/ethernet/broadcom/genet/genet.ko.xz",
    f"{KERNEL}/drivers/net/wireless/broadcom/brcm80211/brcmfmac/brcmfmac.ko.xz",
    f"{KERNEL}/drivers/usb/net/r8152.ko.xz",
    f"{KERNEL}/drivers/bluetooth/btusb.ko.xz",
    f"{KERNEL}/net/wireless/cfg80211.ko.xz",
    f"{KERNEL}/net/bluetooth/bluetooth.ko.xz",
]
KEPT_MODULES = [
    f"{KERNEL}/drivers/usb/storage/usb-storage.ko.xz",  # the vote media
    f"{KERNEL}/fs/fat/vfat.ko.xz",
    f"{KERNEL}/fs/exfat/exfat.ko.xz",
    f"{KERNEL}/drivers/usb/class/cdc-acm.ko.xz",  # the printer's serial line
]


def _raspberry_pi_os(root: Path) -> Path:
    for name in NETWORK_MODULES + KEPT_MODULES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"\x7fELF module")
    wants = root / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True)
    os.symlink("/lib/systemd/system/NetworkManager.service", wants / "NetworkManager.service")
    os.symlink("/lib/systemd/system/ssh.service", wants / "ssh.service")
    (root / "boot/firmware").mkdir(parents=True)
    (root / "boot/firmware/cmdline.txt").write_text("console=tty1 root=PARTUUID=1-02 rootwait\n")
    (root / "etc/fstab").write_text("/dev/mmcblk0p2 / ext4 defaults 0 1\n")
    return root


def _run(script: Path, root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(script), str(root)], capture_output=True, text=True,
                          timeout=60)


def test_the_release_check_refuses_a_stock_image_naming_each_problem(tmp_path: Path) -> None:
    root = _raspberry_pi_os(tmp_path / "rootfs")
    result = _run(CHECK, root)
    assert result.returncode == 1
    for module in NETWORK_MODULES:
        assert f"network driver present: /{module}" in result.stdout
    assert "NetworkManager.service is not masked" in result.stdout
    assert "root is not mounted read-only" in result.stdout
    assert "検査不合格" in result.stdout


def test_lockdown_removes_every_network_driver_and_keeps_what_the_machine_needs(
    tmp_path: Path,
) -> None:
    root = _raspberry_pi_os(tmp_path / "rootfs")
    for _ in range(2):  # idempotent: pi-gen may re-run a stage
        done = _run(LOCKDOWN, root)
        assert done.returncode == 0, done.stderr
    result = _run(CHECK, root)
    assert result.returncode == 0, result.stdout
    assert "検査合格" in result.stdout
    assert not any((root / m).exists() for m in NETWORK_MODULES)
    assert all((root / m).exists() for m in KEPT_MODULES)
    assert os.readlink(root / "etc/systemd/system/ssh.service") == "/dev/null"
    assert not (root / "etc/systemd/system/multi-user.target.wants/NetworkManager.service").exists()
    cmdline = (root / "boot/firmware/cmdline.txt").read_text()
    assert cmdline.count("boot=overlay") == 1
    unit = (root / "etc/systemd/system/tohyoki-kiosk.service").read_text()
    assert "PrivateNetwork=yes" in unit and "python -m ui --kiosk" in unit
    assert "TOHYOKI_CONFIG=/etc/tohyoki/kiosk.toml" in unit
    assert "CapabilityBoundingSet=CAP_SYS_ADMIN" in unit  # mount(2) of the media, nothing else
    from ui.kiosk import read_config

    config = read_config(root / "etc/tohyoki/kiosk.toml")  # installed, complete, strict
    assert config.media_root == Path("/media/tohyoki")


def test_a_network_driver_left_behind_fails_the_check(tmp_path: Path) -> None:
    root = _raspberry_pi_os(tmp_path / "rootfs")
    assert _run(LOCKDOWN, root).returncode == 0
    late = root / KERNEL / "drivers/net/usb/ax88179_178a.ko.xz"
    late.parent.mkdir(parents=True)
    late.write_bytes(b"\x7fELF")
    result = _run(CHECK, root)
    assert result.returncode == 1 and "ax88179_178a" in result.stdout
