"""The projector screen (kivy): one panel at a time in large text in the pinned font, each line
a label and a right-aligned value, its state marked in words and colour."""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from counting.screens.panels import MARK, MIN_TEXT_PX, Panel, State
from ui.fonts import FONT_PATH as FONT_PATH  # the one pinned font, for counting/app too

INK = (0.08, 0.08, 0.08, 1)
BACKGROUND = (0.97, 0.97, 0.95, 1)
STATE_COLOUR = {State.OK: (0.0, 0.35, 0.1, 1), State.PROBLEM: (0.65, 0.0, 0.0, 1),
                State.INFO: INK}


def _label(text: str, size: int, colour: tuple[float, ...] = INK, halign: str = "left",
           **kw: Any) -> Label:
    label = Label(text=text, font_name=str(FONT_PATH), font_size=size, color=colour,
                  halign=halign, valign="middle", **kw)
    # wrap at the label's width; the height follows the text (never a fixed, clipping box)
    label.bind(width=lambda w, v: setattr(w, "text_size", (v, None)))
    return label


class ProjectorScreen(BoxLayout):
    """Shows ``panel``; ``show`` replaces it. Text never smaller than MIN_TEXT_PX."""

    TITLE_PX = 64
    LINE_PX = 44
    MAX_LINES = 14

    def __init__(self, **kw: Any) -> None:
        super().__init__(orientation="vertical", padding=(48, 32), spacing=8, **kw)
        with self.canvas.before:
            Color(*BACKGROUND)
            self._bg = Rectangle(pos=self.pos, size=self.size)
        self.bind(pos=self._redraw, size=self._redraw)

    def _redraw(self, *_: Any) -> None:
        self._bg.pos, self._bg.size = self.pos, self.size

    def show(self, panel: Panel) -> None:
        self.clear_widgets()
        self.add_widget(_label(panel.title, self.TITLE_PX, size_hint_y=None,
                               height=self.TITLE_PX * 1.5))
        self.add_widget(_label(panel.subtitle, MIN_TEXT_PX, size_hint_y=None,
                               height=MIN_TEXT_PX * 1.6))
        shown = panel.lines[: self.MAX_LINES]
        for line in shown:
            row = BoxLayout(orientation="horizontal", size_hint_y=None,
                            height=self.LINE_PX * 1.45)
            colour = STATE_COLOUR[line.state]
            row.add_widget(_label(MARK[line.state], self.LINE_PX, colour, size_hint_x=None,
                                  width=self.LINE_PX * 5.5))
            row.add_widget(_label(line.label, self.LINE_PX, colour))
            if line.value:
                row.add_widget(_label(line.value, self.LINE_PX, colour, halign="right",
                                      size_hint_x=0.35))
            # a long message wraps: the row grows to its tallest text instead of clipping it
            for child in row.children:
                child.bind(texture_size=lambda *_, row=row: self._fit(row))
            self.add_widget(row)
        if len(panel.lines) > len(shown):
            more = len(panel.lines) - len(shown)
            self.add_widget(_label(f"ほか {more} 件 / {more} more", MIN_TEXT_PX,
                                   size_hint_y=None, height=MIN_TEXT_PX * 1.5))
        self.add_widget(BoxLayout())  # the rest of the height stays empty

    def texts(self) -> list[str]:
        """Every label's text in the widget tree, top to bottom (what the witnesses read)."""
        found: list[str] = []

        def walk(widget: Any) -> None:
            if isinstance(widget, Label):
                found.append(widget.text)
            for child in reversed(widget.children):
                walk(child)

        walk(self)
        return found

    def _fit(self, row: BoxLayout) -> None:
        tallest = max(child.texture_size[1] for child in row.children)
        row.height = max(self.LINE_PX * 1.45, tallest + 12)

    def clipped(self) -> list[str]:
        """Texts taller than their label (cut off on the screen); must be empty."""
        found: list[str] = []

        def walk(widget: Any) -> None:
            if isinstance(widget, Label) and widget.text:
                widget.texture_update()
                if widget.texture_size[1] > widget.height + 1:
                    found.append(widget.text)
            for child in widget.children:
                walk(child)

        walk(self)
        return found

    def smallest_text(self) -> float:
        sizes: list[float] = []

        def walk(widget: Any) -> None:
            if isinstance(widget, Label) and widget.text:
                sizes.append(float(widget.font_size))
            for child in widget.children:
                walk(child)

        walk(self)
        return min(sizes)
