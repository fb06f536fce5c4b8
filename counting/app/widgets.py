"""The few widgets the counting manager's window is made of, in the one pinned font: text that
wraps instead of clipping, buttons that act on release and are large enough to touch, a text
field that can hide what is typed (PINs), and a progress bar with its figures in words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.graphics import Color, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.progressbar import ProgressBar
from kivy.uix.textinput import TextInput
from kivy.uix.togglebutton import ToggleButton

from counting.screens.projector import FONT_PATH  # the one pinned font (ui/fonts.py)

INK = (0.08, 0.08, 0.08, 1)
PAPER = (0.97, 0.97, 0.95, 1)
PROBLEM = (0.65, 0.0, 0.0, 1)
GOOD = (0.0, 0.35, 0.1, 1)
TEXT_PX = 20
TOUCH_PX = 56  # ≥ 12.7 mm on a 1280×800 15-inch panel (≈ 4.0 px/mm)


def text(value: str, size: int = TEXT_PX, colour: tuple[float, ...] = INK,
         halign: str = "left", **kw: Any) -> Label:
    """A label whose height follows its wrapped text."""
    label = Label(text=value, font_name=str(FONT_PATH), font_size=size, color=colour,
                  halign=halign, valign="middle", size_hint_y=None, **kw)
    label.bind(width=lambda w, v: setattr(w, "text_size", (v, None)),
               texture_size=lambda w, v: setattr(w, "height", max(v[1] + 8, size * 1.5)))
    return label


def button(value: str, on_release: Callable[[], None], **kw: Any) -> Button:
    widget = Button(text=value, font_name=str(FONT_PATH), font_size=TEXT_PX,
                    size_hint_y=None, height=TOUCH_PX, halign="center", valign="middle", **kw)
    widget.bind(size=lambda w, v: setattr(w, "text_size", (v[0] - 12, None)))
    widget.bind(on_release=lambda *_: on_release())
    return widget


def toggle(value: str, down: bool, **kw: Any) -> ToggleButton:
    widget = ToggleButton(text=value, font_name=str(FONT_PATH), font_size=TEXT_PX,
                          size_hint_y=None, height=TOUCH_PX, state="down" if down else "normal",
                          **kw)
    return widget


def field(value: str = "", *, hidden: bool = False, lines: int = 1, digits: bool = False,
          **kw: Any) -> TextInput:
    """A text field; ``hidden``: what is typed is never drawn (a PIN), not even as dots."""
    widget = TextInput(text=value, font_name=str(FONT_PATH), font_size=TEXT_PX,
                       multiline=lines > 1, password=hidden, password_mask=" ",
                       size_hint_y=None, height=TOUCH_PX * max(lines, 1) * 0.8 + 16,
                       input_filter="int" if digits else None, write_tab=False, **kw)
    return widget


def kept(memory: dict[str, Any], key: str, **kw: Any) -> TextInput:
    """A field whose text outlives the view: a rebuild (another language, a medium arriving)
    shows what was typed so far. Never for a PIN."""
    widget = field(str(memory.get(key, "")), **kw)
    widget.bind(text=lambda _w, value: memory.__setitem__(key, value))
    return widget


def kept_toggle(memory: dict[str, Any], key: str, label: str, default: bool = False,
                **kw: Any) -> ToggleButton:
    widget = toggle(label, bool(memory.get(key, default)), **kw)
    widget.bind(state=lambda _w, value: memory.__setitem__(key, value == "down"))
    return widget


def column(**kw: Any) -> BoxLayout:
    box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=8, **kw)
    box.bind(minimum_height=box.setter("height"))
    return box


def row(*children: Any, height: float = TOUCH_PX, **kw: Any) -> BoxLayout:
    box = BoxLayout(orientation="horizontal", size_hint_y=None, height=height, spacing=12, **kw)
    for child in children:
        box.add_widget(child)
    return box


def marked(ok: bool, label: str, detail: str) -> BoxLayout:
    """A line marked in words and colour (never colour alone): ○ or × 要対応."""
    colour = GOOD if ok else PROBLEM
    line = BoxLayout(orientation="horizontal", size_hint_y=None, spacing=8)
    mark = text("○" if ok else "× 要対応", colour=colour, size_hint_x=None, width=110)
    body = text(f"{label}  {detail}", colour=colour)
    line.add_widget(mark)
    line.add_widget(body)
    body.bind(height=lambda _w, v: setattr(line, "height", max(v, mark.height)))
    return line


class Progress(BoxLayout):  # type: ignore[misc]
    """A bar and its figures: step, done/total, percentage, rate."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(orientation="vertical", size_hint_y=None, height=70, **kw)
        self.bar = ProgressBar(max=1000, value=0, size_hint_y=None, height=24)
        self.words = text("", halign="left")
        self.add_widget(self.bar)
        self.add_widget(self.words)

    def show(self, fraction: float, words: str) -> None:
        self.bar.value = int(1000 * min(max(fraction, 0.0), 1.0))
        self.words.text = words


def painted(widget: Any, colour: tuple[float, ...] = PAPER) -> Any:
    with widget.canvas.before:
        Color(*colour)
        rect = Rectangle(pos=widget.pos, size=widget.size)
    widget.bind(pos=lambda w, v: setattr(rect, "pos", v),
                size=lambda w, v: setattr(rect, "size", v))
    return widget
