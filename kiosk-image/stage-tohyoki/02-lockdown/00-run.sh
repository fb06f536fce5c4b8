#!/bin/bash -e
# Art. 4-2 and 4-1-6: remove network drivers, mask network services, read-only root, kiosk.
# TOHYOKI_SRC is the checked-out release tree (the same tag as TOHYOKI_RELEASE).
"${TOHYOKI_SRC:?set TOHYOKI_SRC to the release source tree}/kiosk-image/lockdown.sh" "${ROOTFS_DIR}"
"${TOHYOKI_SRC}/kiosk-image/check-image.sh" "${ROOTFS_DIR}"
