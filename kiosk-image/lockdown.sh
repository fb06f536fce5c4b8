#!/usr/bin/env bash
# Lock a Raspberry Pi OS root filesystem down to a polling-station appliance.
#   lockdown.sh ROOTFS
# Run by pi-gen's stage-tohyoki/02-lockdown on the image being built; tested on a directory tree
# by tests/test_kiosk_image.py. Idempotent. Each step says which requirement it serves.
set -euo pipefail

ROOT=${1:?usage: lockdown.sh ROOTFS}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)

# Art. 4-2 (never connected to a network): no network drivers in the image at all — wired,
# wireless and Bluetooth drivers and the 802.11/Bluetooth stacks are deleted, not just
# blacklisted, so no interface other than loopback (built into the kernel) can ever appear.
# The software also refuses to open polls if one does (drivers/network.py).
for modules in "$ROOT"/lib/modules/*; do
    [ -d "$modules" ] || continue
    for dir in kernel/drivers/net kernel/drivers/bluetooth kernel/net/wireless \
               kernel/net/mac80211 kernel/net/bluetooth kernel/drivers/nfc kernel/net/nfc \
               kernel/drivers/usb/net; do
        rm -rf "${modules:?}/$dir"
    done
done
rm -rf "$ROOT"/lib/firmware/brcm "$ROOT"/lib/firmware/cypress "$ROOT"/usr/lib/firmware/brcm

# No service that could bring up or use a network, and no remote login.
mkdir -p "$ROOT/etc/systemd/system"
for unit in NetworkManager.service NetworkManager-wait-online.service dhcpcd.service \
            wpa_supplicant.service ssh.service sshd.service avahi-daemon.service \
            avahi-daemon.socket bluetooth.service hciuart.service systemd-networkd.service \
            systemd-timesyncd.service ModemManager.service; do
    find "$ROOT/etc/systemd/system" -name "$unit" -type l -delete
    ln -sfn /dev/null "$ROOT/etc/systemd/system/$unit"
done

# The kiosk: one user without a password or shell login, the app started on boot.
install -D -m 0644 "$HERE/files/tohyoki-kiosk.service" \
    "$ROOT/etc/systemd/system/tohyoki-kiosk.service"
install -D -m 0644 "$HERE/files/kiosk.toml" "$ROOT/etc/tohyoki/kiosk.toml"
mkdir -p "$ROOT/etc/systemd/system/graphical.target.wants"
ln -sfn /etc/systemd/system/tohyoki-kiosk.service \
    "$ROOT/etc/systemd/system/graphical.target.wants/tohyoki-kiosk.service"

# Devices: udev rules for media, card reader, printer, keypad and the UPS signal.
mkdir -p "$ROOT/etc/udev/rules.d"
for rules in "$REPO"/hardware/udev/*.rules "$REPO"/hardware/*.rules; do
    [ -f "$rules" ] && install -m 0644 "$rules" "$ROOT/etc/udev/rules.d/"
done

# Art. 4-1-6 (no tampering): the root filesystem is mounted read-only with an overlay in RAM;
# only the machine's internal-state partition (/var/lib/tohyoki) is writable.
install -D -m 0644 "$HERE/files/fstab" "$ROOT/etc/fstab"
mkdir -p "$ROOT/var/lib/tohyoki"
if [ -f "$ROOT/boot/firmware/cmdline.txt" ] && ! grep -q 'boot=overlay' "$ROOT/boot/firmware/cmdline.txt"; then
    sed -i '1 s/$/ boot=overlay/' "$ROOT/boot/firmware/cmdline.txt"
fi
