"""The one pinned font: Noto Sans CJK JP Regular, extracted from Debian's fonts-noto-cjk.

The file is committed at ``assets/fonts/NotoSansCJKjp-Regular.otf`` and its SHA-256 is in
``assets/fonts/SHA256SUMS``. ``python -m ui.fonts`` re-extracts face 0 (JP) of Debian's
``NotoSansCJK-Regular.ttc`` byte-for-byte reproducibly (head.modified is kept) and checks the hash.
No kivy import here: the printer drivers and the tests read the same constants.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONT_DIR = ROOT / "assets" / "fonts"
FONT_NAME = "NotoSansCJKjp-Regular.otf"
FONT_PATH = FONT_DIR / FONT_NAME
SUMS_PATH = FONT_DIR / "SHA256SUMS"
DEBIAN_TTC = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
JP_FACE_INDEX = 0


class FontHashMismatch(RuntimeError):
    """The font file on disk is not the pinned one; rendering would not match the goldens."""


def pinned_sha256() -> str:
    for line in SUMS_PATH.read_text(encoding="ascii").splitlines():
        digest, _, name = line.partition("  ")
        if name.strip() == FONT_NAME:
            return digest.strip()
    raise FontHashMismatch(f"{FONT_NAME} has no line in {SUMS_PATH}")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verified_font_path() -> Path:
    """Return FONT_PATH after checking it against SHA256SUMS (raises FontHashMismatch)."""
    actual = file_sha256(FONT_PATH)
    expected = pinned_sha256()
    if actual != expected:
        raise FontHashMismatch(
            f"{FONT_PATH} sha256 {actual} != pinned {expected}; "
            "フォントが固定版と違います / run `python -m ui.fonts` to re-extract"
        )
    return FONT_PATH


def extract(source: Path = DEBIAN_TTC, dest: Path = FONT_PATH) -> str:
    """Extract the JP face from Debian's TTC; return the new file's SHA-256."""
    from fontTools.ttLib import TTCollection

    face = TTCollection(str(source)).fonts[JP_FACE_INDEX]
    face.recalcTimestamp = False  # keep head.modified: reproducible bytes
    face.save(str(dest))
    return file_sha256(dest)


def main() -> int:
    digest = extract()
    expected = pinned_sha256()
    print(f"{FONT_PATH}: {digest} ({'matches' if digest == expected else 'DIFFERS FROM'} pin)")
    return 0 if digest == expected else 1


if __name__ == "__main__":
    sys.exit(main())
