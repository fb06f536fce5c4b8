"""Kivy is configured by environment variables read at import; set them before importing it."""

from __future__ import annotations

import os
import tempfile


def configure(display: str | None = None, headless_ok: bool = True) -> None:
    if display is not None:
        os.environ["DISPLAY"] = display
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # never parse pytest's or make's argv
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_NO_CONFIG", "1")
    os.environ.setdefault("KIVY_HOME", os.path.join(tempfile.gettempdir(), "tohyoki-kivy-home"))
    os.environ["KIVY_TEXT"] = "pil"  # the same text engine ui.text_wrap measures with
    os.environ.setdefault("KIVY_WINDOW", "sdl2")
    os.environ.setdefault("KIVY_METRICS_DENSITY", "1")
    os.environ.setdefault("KIVY_DPI", "96")
