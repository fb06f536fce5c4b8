#!/usr/bin/env bash
# Check a built root filesystem before it is released (and on a machine's card at acceptance):
#   check-image.sh ROOTFS
# Prints each problem in Japanese then English and exits 1 if there is any.
set -uo pipefail

ROOT=${1:?usage: check-image.sh ROOTFS}
problems=0
problem() { echo "問題 / problem: $1"; problems=$((problems + 1)); }

# Art. 4-2: no network driver module may exist.
while IFS= read -r module; do
    problem "ネットワークのドライバがあります / network driver present: ${module#"$ROOT"}"
done < <(find "$ROOT"/lib/modules -type f \( -path '*/drivers/net/*' -o -path '*/drivers/bluetooth/*' \
           -o -path '*/net/wireless/*' -o -path '*/net/mac80211/*' -o -path '*/net/bluetooth/*' \
           -o -path '*/drivers/usb/net/*' \) -name '*.ko*' 2>/dev/null)

for unit in NetworkManager.service dhcpcd.service wpa_supplicant.service ssh.service \
            bluetooth.service systemd-networkd.service avahi-daemon.service; do
    link="$ROOT/etc/systemd/system/$unit"
    if [ "$(readlink "$link" 2>/dev/null)" != /dev/null ]; then
        problem "$unit が無効化されていません / $unit is not masked"
    fi
done

[ -f "$ROOT/etc/systemd/system/tohyoki-kiosk.service" ] \
    || problem "投票機アプリの起動設定がありません / kiosk service missing"
grep -qs ' / .*\bro\b' "$ROOT/etc/fstab" \
    || problem "ルートが読み取り専用ではありません / root is not mounted read-only"

if [ "$problems" -gt 0 ]; then
    echo "検査不合格 ($problems 件) / image check FAILED ($problems problems)"
    exit 1
fi
echo "検査合格 / image check passed"
