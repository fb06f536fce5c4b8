"""What the booth draws, as plain data: rectangles, lines of text and buttons with the action each
triggers, in pixels for one panel. The kivy renderer draws a View, the tests measure it and the
screenshot generator walks it; nothing here imports kivy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ui.theme import RGB


@dataclass(frozen=True)
class UiAction:
    """An action handled by the UI itself (paging, PIN digits), never an election decision."""

    name: str
    arg: str = ""


Action = Any  # a firmware event (firmware.machine.Event) or a UiAction


@dataclass(frozen=True)
class Rect:
    x: int
    y: int  # from the top
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h


@dataclass(frozen=True)
class TextLine:
    rect: Rect
    text: str
    size: int
    color: RGB
    background: RGB


@dataclass(frozen=True)
class Button:
    rect: Rect
    lines: tuple[TextLine, ...]
    action: Action
    label: str  # what the button says, first line; tests find buttons by it
    selected: bool
    focused: bool
    fill: RGB
    border: RGB
    item: str = ""  # firmware.keypad.focus_items name, for the keypad focus frame


@dataclass(frozen=True)
class View:
    kind: str
    width: int
    height: int
    background: RGB
    texts: tuple[TextLine, ...]
    buttons: tuple[Button, ...]
    page: int
    pages: int
    spoken: tuple[str, ...] = ()

    def button(self, label: str) -> Button:
        for b in self.buttons:
            if b.label == label or b.label.startswith(label):
                return b
        raise LookupError(f"no button {label!r} on {self.kind}: {[b.label for b in self.buttons]}")


@dataclass
class UiState:
    """Presentation state only: page, keypad focus, PIN digits typed so far."""

    page: int = 0
    focus: int | None = None  # UI-kept focus on admin screens (voter focus is the firmware's)
    pin: str = ""
    keypad: bool = False  # the voter uses the keypad: show the page holding the focus
