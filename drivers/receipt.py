"""A receipt drawn as a 1-bit image: the thermal printer gets pixels, never text, because the
printer's own character sets cannot print kanji (python-escpos cannot either). The text is set in
the one pinned font (assets/fonts/, checked against SHA256SUMS) so the same report always gives
the same pixels — which is what the golden-image test compares."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from firmware.interfaces import PrintedDocument

ROOT = Path(__file__).resolve().parent.parent
FONT_DIR = ROOT / "assets" / "fonts"
FONT_NAME = "NotoSansCJKjp-Regular.otf"
WIDTH_DOTS = 576  # 80 mm paper at 203 dpi (8 dots/mm), the usual kiosk printer head
MARGIN = 8
TEXT_SIZE = 24
TITLE_SIZE = 34
LINE_GAP = 6
QR_MAX_SCALE = 6  # dots per QR module; 0.75 mm modules scan well from thermal paper


class ReceiptFontError(RuntimeError):
    """The font on disk is not the pinned one: printed reports would differ from the goldens."""


def font_path() -> Path:
    path = FONT_DIR / FONT_NAME
    expected = ""
    for line in (FONT_DIR / "SHA256SUMS").read_text(encoding="ascii").splitlines():
        digest, _, name = line.partition("  ")
        if name.strip() == FONT_NAME:
            expected = digest.strip()
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    if actual != expected:
        raise ReceiptFontError(
            f"印刷用フォントが固定版と違います / {path} sha256 {actual} is not the pinned {expected}"
        )
    return path


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), size)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break a line where it no longer fits, character by character (Japanese has no spaces);
    continuation lines are indented so a reader sees they belong together."""
    lines: list[str] = []
    current = ""
    for char in text:
        if current and font.getlength(current + char) > width:
            head, space, word = current.rpartition(" ")
            if char.isascii() and space and word.isascii() and head.strip():
                # an English word is carried over whole, as a reader expects
                lines.append(head)
                current = "  " + word + char
            else:
                lines.append(current)
                current = "  " + char
        else:
            current += char
    lines.append(current)
    return lines


def qr_matrix(payload: bytes) -> list[list[bool]]:
    """The QR symbol (byte mode, error correction M, 4-module quiet zone) as rows of modules."""
    code = qrcode.QRCode(error_correction=qrcode.ERROR_CORRECT_M, border=4)
    code.add_data(payload, optimize=0)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def render(document: PrintedDocument, width: int = WIDTH_DOTS) -> Image.Image:
    """The whole receipt as a mode "1" image, ``width`` dots wide (a multiple of 8)."""
    if width % 8:
        raise ValueError("width must be a multiple of 8 dots")
    text_font, title_font = _font(TEXT_SIZE), _font(TITLE_SIZE)
    usable = width - 2 * MARGIN
    rows: list[tuple[str, ImageFont.FreeTypeFont]] = []
    for part in _wrap(document.title, title_font, usable):
        rows.append((part, title_font))
    rows.append(("", text_font))
    for line in document.lines:
        rows.extend((part, text_font) for part in _wrap(line, text_font, usable))
    matrix = qr_matrix(document.qr_payload) if document.qr_payload else []
    scale = min(QR_MAX_SCALE, width // len(matrix)) if matrix else 0
    if matrix and scale < 2:
        raise ValueError("QR の内容が長すぎます / QR payload too long for the paper width")
    heights = [int(font.size) + LINE_GAP for _, font in rows]
    height = MARGIN + sum(heights) + len(matrix) * scale + 3 * MARGIN
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    y = MARGIN
    for (text, font), step in zip(rows, heights, strict=True):
        if text:
            draw.text((MARGIN, y), text, font=font, fill=0)
        y += step
    if matrix:
        left = (width - len(matrix) * scale) // 2
        for r, row in enumerate(matrix):
            for c, dark in enumerate(row):
                if dark:
                    x0, y0 = left + c * scale, y + r * scale
                    draw.rectangle((x0, y0, x0 + scale - 1, y0 + scale - 1), fill=0)
    # Threshold, never dither: a thermal head burns a dot or not, and the golden must be exact.
    return image.point(lambda v: 255 if v >= 128 else 0).convert("1", dither=Image.Dither.NONE)


def image_digest(image: Image.Image) -> str:
    """SHA-256 over the size and the packed bits: the golden-image hash."""
    one_bit = image.convert("1", dither=Image.Dither.NONE)
    header = f"{one_bit.width}x{one_bit.height}\n".encode()
    return hashlib.sha256(header + one_bit.tobytes()).hexdigest()
