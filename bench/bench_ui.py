"""Booth screen response: touch event to the next drawn frame, and app start to standby.

Runs on a private Xvfb display with Mesa llvmpipe (software GL; a kiosk's GPU is faster)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.measurement import Measurement, median, percentile

ROOT = Path(__file__).resolve().parent.parent


def _xvfb() -> tuple[subprocess.Popen[bytes], str]:
    n = 600 + os.getpid() % 300
    while Path(f"/tmp/.X11-unix/X{n}").exists() or Path(f"/tmp/.X{n}-lock").exists():
        n += 1
    proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{n}").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"Xvfb :{n} did not start")
        time.sleep(0.05)
    return proc, f":{n}"


def _start_times(display: str, repeat: int) -> list[float]:
    """Wall time from launching ``python -m ui`` until it reports standby drawn."""
    env = dict(os.environ, DISPLAY=display, LIBGL_ALWAYS_SOFTWARE="1")
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "ui", "--smoke"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("standby drawn after"):
                out.append(time.perf_counter() - start)
                break
        if proc.wait(timeout=60) != 0:
            raise RuntimeError("python -m ui --smoke failed")
    return out


def _event_to_frame(display: str, events: int) -> list[float]:
    """In this process: a booth on the demo station; alternate choices on a contest screen and
    time each from the event to the window's next drawn frame (layout + draw + flip)."""
    from ui import kivy_env

    os.environ["LIBGL_ALWAYS_SOFTWARE"] = "1"
    kivy_env.configure(display)
    from kivy.base import EventLoop
    from kivy.core.window import Window

    from firmware import machine as fw
    from firmware.screens import ContestChoice
    from ui.booth import Booth
    from ui.simulated_station import make_demo_station
    from ui.theme import PANEL_7

    EventLoop.ensure_window()
    Window.size = (PANEL_7.width, PANEL_7.height)
    station = make_demo_station()
    booth = Booth(station.machine, PANEL_7, size=(PANEL_7.width, PANEL_7.height), pos=(0, 0))
    Window.add_widget(booth)
    station.insert_voting_card()
    booth.act(fw.Next())
    screen = station.machine.screen
    assert isinstance(screen, ContestChoice)
    choices = [c.candidate_id for c in screen.candidates] + ["abstain"]
    flips: list[float] = []
    Window.bind(on_flip=lambda *_: flips.append(time.perf_counter()))
    EventLoop.idle()
    out = []
    for i in range(events):
        start = time.perf_counter()
        booth.act(fw.Select(choices[i % len(choices)]))
        EventLoop.idle()  # kivy draws the changed canvas and flips
        if not flips or flips[-1] < start:
            raise RuntimeError("no frame was drawn after the event")
        out.append(flips[-1] - start)
    Window.remove_widget(booth)
    return out


def run(quick: bool) -> list[Measurement]:
    xvfb, display = _xvfb()
    try:
        starts = _start_times(display, 1 if quick else 3)
        frames = _event_to_frame(display, 30 if quick else 300)
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
    return [
        Measurement("touch event to next frame, median", median(frames) * 1e3, "ms",
                    "<= 100", median(frames) <= 0.1),
        Measurement("touch event to next frame, p99", percentile(frames, 0.99) * 1e3, "ms",
                    "<= 100", percentile(frames, 0.99) <= 0.1),
        Measurement("app start (python -m ui) to standby drawn, median", median(starts), "s",
                    "<= 5", median(starts) <= 5.0),
    ]
