#!/bin/bash -e
# Install the released source tree and its pinned requirements into /opt/tohyoki.
# TOHYOKI_RELEASE is the release tarball built by `git archive` of a signed tag.
install -d "${ROOTFS_DIR}/opt/tohyoki"
tar -xf "${TOHYOKI_RELEASE:?set TOHYOKI_RELEASE to the release tarball}" -C "${ROOTFS_DIR}/opt/tohyoki"
on_chroot <<CHROOT
python3 -m venv /opt/tohyoki/.venv
/opt/tohyoki/.venv/bin/pip install --no-cache-dir -r /opt/tohyoki/requirements.txt
chown -R root:root /opt/tohyoki
CHROOT
