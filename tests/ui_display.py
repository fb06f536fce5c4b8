"""A private Xvfb display and one kivy window for the UI tests (kivy cannot be restarted
in-process, so one window serves the whole session; each test builds its own Booth)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ui import kivy_env


def _free_display() -> int:
    n = 300 + os.getpid() % 500
    while Path(f"/tmp/.X11-unix/X{n}").exists() or Path(f"/tmp/.X{n}-lock").exists():
        n += 1
    return n


@contextlib.contextmanager
def bare_xvfb(size: str = "1280x800") -> Iterator[str]:
    """A private Xvfb display (":N") of ``size``, with no window manager, stopped on exit."""
    n = _free_display()
    xvfb = subprocess.Popen(
        ["Xvfb", f":{n}", "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{n}").exists():
        if xvfb.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"Xvfb :{n} did not start (exit {xvfb.poll()})")
        time.sleep(0.05)
    try:
        yield f":{n}"
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


@pytest.fixture(scope="session")
def xvfb_display() -> Iterator[str]:
    """The session's private Xvfb display, big enough for the 10" panel."""
    with bare_xvfb() as display:
        yield display


@pytest.fixture(scope="session")
def kivy_window(xvfb_display: str) -> Iterator[Any]:
    os.environ["LIBGL_ALWAYS_SOFTWARE"] = "1"  # Mesa llvmpipe: the same pixels everywhere
    kivy_env.configure(xvfb_display)
    from kivy.base import EventLoop
    from kivy.core.window import Window

    EventLoop.ensure_window()
    try:
        yield Window
    finally:
        Window.close()
