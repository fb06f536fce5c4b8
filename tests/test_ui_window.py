"""`make run` on a bare X server the panel's size (issue 17): the real screen, grabbed from the
X server with ImageMagick's ``import -window root`` (not an off-screen render), shows the whole
standby picture — the headline wholly inside, no band of the root window left — and is the
very picture the golden screenshots hash."""

from __future__ import annotations

import io
import os
import selectors
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.ui_display import bare_xvfb, kivy_window, xvfb_display
from ui import theme
from ui.theme import PANEL_7

__all__ = ["kivy_window", "xvfb_display"]

ROOT = Path(__file__).resolve().parent.parent
ROOT_BLACK = (0, 0, 0)  # Xvfb's root window; no screen of the booth uses pure black in normal mode


def grab_screen(display: str) -> Image.Image:
    """The X server's whole screen, as it is now."""
    done = subprocess.run(["import", "-display", display, "-window", "root", "png:-"],
                          capture_output=True, timeout=30, check=True)
    return Image.open(io.BytesIO(done.stdout)).convert("RGB")


def _wait_for_line(proc: subprocess.Popen[str], start: str, timeout: float) -> str:
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if selector.select(timeout=0.5):
            line = proc.stdout.readline()
            if line.startswith(start):
                return line
            if not line and proc.poll() is not None:
                break
    raise AssertionError(f"python -m ui never printed {start!r} (exit {proc.poll()})")


def _settled_grab(display: str) -> Image.Image:
    """Grab until two grabs a frame apart agree (the first frames may still be drawing)."""
    previous = grab_screen(display)
    for _ in range(20):
        time.sleep(0.3)
        now = grab_screen(display)
        if now.tobytes() == previous.tobytes():
            return now
        previous = now
    return previous


def _ink_rows(image: Image.Image, x0: int, x1: int, y0: int, y1: int,
              background: tuple[int, int, int]) -> list[int]:
    px = image.load()
    assert px is not None
    return [y for y in range(max(0, y0), min(image.height, y1))
            if any(theme.contrast_ratio(px[x, y], background) > 3.0  # type: ignore[arg-type]
                   for x in range(x0, x1))]


@pytest.mark.skipif(shutil.which("import") is None, reason="ImageMagick's import is missing")
def test_make_run_fills_a_bare_800x480_screen_exactly(kivy_window: Any) -> None:
    from ui.layout import layout
    from ui.render import render_image
    from ui.screenshots import image_hash
    from ui.simulated_station import make_demo_station
    from ui.view import UiState

    # what `make run` shows first: the open station's standby, laid out for the 7" panel
    expected = layout(make_demo_station().machine.screen, UiState(), theme.DEFAULT_SETTINGS,
                      PANEL_7)
    assert expected.kind == "standby"
    headline = expected.texts[0]
    assert headline.text == "投票カードを入れてください"
    with bare_xvfb(f"{PANEL_7.width}x{PANEL_7.height}") as display:
        env = dict(os.environ, DISPLAY=display, LIBGL_ALWAYS_SOFTWARE="1")
        proc = subprocess.Popen([sys.executable, "-m", "ui"], cwd=ROOT, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            mark = _wait_for_line(proc, "standby drawn after", 60)
            screen = _settled_grab(display)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    assert screen.size == (800, 480)
    # no band: not one pixel of the root window shows anywhere on the screen
    colours = dict((c, n) for n, c in screen.getcolors(800 * 480) or [])
    assert ROOT_BLACK not in colours, f"{colours[ROOT_BLACK]} px of the root window show"
    bottom = screen.crop((0, 440, 800, 480)).getcolors(800 * 40) or []
    assert [c for _, c in bottom] == [theme.NORMAL.background], bottom[:4]
    # the headline wholly inside: its ink starts below the top edge and within its own line
    r = headline.rect
    ink = _ink_rows(screen, r.x, r.right, 0, r.bottom + 4, theme.NORMAL.background)
    assert ink and ink[0] > 0 and ink[0] >= r.y and ink[-1] < r.bottom, (ink[:3], ink[-3:], r)
    # and the screen is, pixel for pixel, the picture the golden screenshots are made from
    assert image_hash(screen) == image_hash(render_image(expected))
    assert "window 800x480 at 0,0" in mark, mark  # and the program says so
