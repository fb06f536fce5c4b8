"""What a screen asks for before layout: header lines, body rows of lines and buttons (paged
when they do not fit) and a footer of buttons. ``ui/layout.py`` turns a Spec into a View."""

from __future__ import annotations

from dataclasses import dataclass

from firmware.screens import Phase
from ui.strings import text
from ui.theme import Settings
from ui.view import Action


@dataclass(frozen=True)
class Line:
    text: str
    scale: float = 1.0  # 1.0 is the smallest text; headings larger at the default text size
    optional: bool = False  # dropped from a header when the panel is short


@dataclass(frozen=True)
class ButtonSpec:
    lines: tuple[Line, ...]
    action: Action
    selected: bool = False
    item: str = ""


Row = tuple[ButtonSpec | Line, ...]


@dataclass(frozen=True)
class Spec:
    kind: str
    header: tuple[Line, ...]
    rows: tuple[Row, ...]  # body; paged when it does not fit
    footer: tuple[ButtonSpec, ...] = ()
    spoken: tuple[str, ...] = ()


def say(key: str, settings: Settings, **values: object) -> str:
    """A UI string in the language of whoever is at the machine."""
    return text(key, settings.lang, **values)


def both(key: str, **values: object) -> str:
    """A UI string Japanese first, English second, on one line."""
    return f"{text(key, 'ja', **values)} / {text(key, 'en', **values)}"


def phase_name(phase: Phase, settings: Settings) -> str:
    return say(f"phase.{phase.value}", settings)
