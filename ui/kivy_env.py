"""Kivy is configured by environment variables read at import; set them before importing it."""

from __future__ import annotations

import os
import tempfile


def configure(display: str | None = None, headless_ok: bool = True,
              window: tuple[int, int] | None = None, fullscreen: bool = False) -> None:
    """``window``: the panel's size. The window is then created at that size in the screen's
    top-left corner without a frame, before anything is drawn. Kivy's default (800×600 centred
    by SDL, then resized) left an 800×480 screen's window 60 px above the top (issue 17).
    ``fullscreen``: the kiosk's console, where the window takes the whole output."""
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
    if window is not None:
        graphics = {"WIDTH": str(window[0]), "HEIGHT": str(window[1]), "POSITION": "custom",
                    "LEFT": "0", "TOP": "0", "BORDERLESS": "1", "RESIZABLE": "0",
                    "FULLSCREEN": "auto" if fullscreen else "0"}
        for key, value in graphics.items():
            os.environ[f"KCFG_GRAPHICS_{key}"] = value
