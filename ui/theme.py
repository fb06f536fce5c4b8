"""Panels, colours and sizes: the accessibility floor (VVSG 2.0 ch. 7) turned into pixels.

Sizes are computed from the physical panel, not chosen by eye: 4.8 mm cap height, 12.7 mm targets
2.54 mm apart. The cap-height ratio is the pinned font's own (OS/2 sCapHeight / unitsPerEm)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

CAP_HEIGHT_RATIO = 733 / 1000  # Noto Sans CJK JP: OS/2.sCapHeight / head.unitsPerEm
MIN_CAP_MM = 4.8
MIN_TARGET_MM = 12.7
MIN_GAP_MM = 2.54
MARGIN_MM = 0.3  # design above the floor, so rounding never lands under it


@dataclass(frozen=True)
class Panel:
    """A touch panel: pixel size and diagonal in inches."""

    name: str
    width: int
    height: int
    diagonal_in: float

    @property
    def px_per_mm(self) -> float:
        return math.hypot(self.width, self.height) / (self.diagonal_in * 25.4)

    def px(self, mm: float) -> int:
        return math.ceil(mm * self.px_per_mm)


PANEL_7 = Panel("7in-800x480", 800, 480, 7.0)
PANEL_10 = Panel("10in-1280x800", 1280, 800, 10.1)
PANELS = (PANEL_7, PANEL_10)

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Palette:
    background: RGB
    text: RGB
    button: RGB
    button_text: RGB
    selected: RGB  # fill of a selected choice; never the only cue (a mark and words too)
    selected_text: RGB
    border: RGB
    disabled_text: RGB


NORMAL = Palette(
    background=(247, 247, 242),
    text=(27, 27, 27),
    button=(255, 255, 255),
    button_text=(27, 27, 27),
    selected=(214, 232, 255),
    selected_text=(27, 27, 27),
    border=(27, 27, 27),
    disabled_text=(70, 70, 70),
)
HIGH_CONTRAST = Palette(
    background=(0, 0, 0),
    text=(255, 255, 255),
    button=(0, 0, 0),
    button_text=(255, 255, 255),
    selected=(255, 255, 255),
    selected_text=(0, 0, 0),
    border=(255, 255, 255),
    disabled_text=(255, 255, 255),
)

TEXT_SCALES = (1.0, 1.35)  # 4.8 mm and 6.5 mm cap height; both fit the 7" panel


@dataclass(frozen=True)
class Settings:
    """The voter's display settings; reset to these defaults after every voter."""

    lang: str = "ja"
    high_contrast: bool = False
    text_scale: float = 1.0

    @property
    def palette(self) -> Palette:
        return HIGH_CONTRAST if self.high_contrast else NORMAL

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


DEFAULT_SETTINGS = Settings()


def font_px(panel: Panel, scale: float = 1.0) -> int:
    """Smallest font size (px) whose cap height is at least MIN_CAP_MM (+margin) on ``panel``."""
    return math.ceil(panel.px(MIN_CAP_MM + MARGIN_MM) / CAP_HEIGHT_RATIO * scale)


def target_px(panel: Panel) -> int:
    return panel.px(MIN_TARGET_MM + MARGIN_MM)


def gap_px(panel: Panel) -> int:
    return panel.px(MIN_GAP_MM + MARGIN_MM)


def relative_luminance(rgb: RGB) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: RGB, b: RGB) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
