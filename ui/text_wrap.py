"""Text measured with the pinned font (Pillow, the same text provider kivy is configured to use)
and wrapped to a width: enlarged text pages vertically and never scrolls sideways."""

from __future__ import annotations

import functools

from PIL import ImageFont

from ui import fonts


@functools.lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(fonts.FONT_PATH), size)


@functools.lru_cache(maxsize=1 << 16)  # wrap measures every prefix; layouts repeat per frame
def text_width(s: str, size: int) -> float:
    return float(_font(size).getlength(s))


def wrap(s: str, size: int, width: int) -> list[str]:
    """Break ``s`` into lines no wider than ``width``: at spaces when a word fits, else between
    characters (Japanese has no spaces)."""
    lines: list[str] = []
    for paragraph in s.split("\n"):
        line = ""
        for token in _tokens(paragraph):
            candidate = line + token
            if text_width(candidate, size) <= width or not line:
                if text_width(candidate, size) <= width:
                    line = candidate
                    continue
                for ch in token:  # a token wider than the line: break it by characters
                    if line and text_width(line + ch, size) > width:
                        lines.append(line)
                        line = ""
                    line += ch
                continue
            lines.append(line.rstrip())
            line = token.lstrip()
        lines.append(line.rstrip())
    return lines


def _tokens(s: str) -> list[str]:
    out: list[str] = []
    word = ""
    for ch in s:
        if ch == " ":
            out.append(word + " ")
            word = ""
        elif ord(ch) > 0x2E80:  # CJK: every character may break
            if word:
                out.append(word)
                word = ""
            out.append(ch)
        else:
            word += ch
    if word:
        out.append(word)
    return out
