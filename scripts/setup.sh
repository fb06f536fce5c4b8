#!/usr/bin/env bash
# Idempotent developer/CI setup for a fresh Debian 12 machine (run as root).
set -euo pipefail

# Debian packages needed by the build and by the real parts the tests use. Extend here.
APT_PACKAGES=(
    make git gcc g++ cmake pkg-config python3-dev  # building pyscard and pyopenjtalk
    pcscd libpcsclite-dev swig vsmartcard-vpcd     # smartcards: pcscd + virtual reader
    xvfb xauth libgl1-mesa-dri libmtdev1           # kivy under a virtual display (Mesa llvmpipe)
    fonts-noto-cjk                                 # the pinned Japanese font's source
    open-jtalk-mecab-naist-jdic espeak-ng          # speech: Open JTalk dictionary, espeak-ng
    alsa-utils                                     # aplay: the headphone output
    fusefat exfat-fuse fuse3 dosfstools exfatprogs # real FAT32/exFAT media through FUSE
    socat zbar-tools iproute2                      # printer pty, QR read-back, network namespaces
    poppler-utils                                  # pdftoppm: the PDFs read back as images
    imagemagick                                    # import -window root: tests grab the real X screen
)

cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.requirements.sha256"

# python3-venv is only needed when python3 cannot create a venv by itself
# (Debian strips ensurepip out of python3 into python3.X-venv).
if [ ! -x "$VENV/bin/python" ] && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    APT_PACKAGES+=(python3-venv)
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing apt packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating $VENV"
    python3 -m venv "$VENV"
    rm -f "$STAMP"
fi

want=$(sha256sum requirements.txt | cut -d' ' -f1)
have=$(cat "$STAMP" 2>/dev/null || true)
if [ "$want" != "$have" ]; then
    echo "setup: installing requirements.txt into $VENV"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r requirements.txt
    echo "$want" > "$STAMP"
fi

echo "setup: ok"
