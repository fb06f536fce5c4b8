"""``make run``: the booth in a window, with simulated hardware worked from the keyboard.

    python -m ui [--panel 7|10] [--closed] [--smoke]

Keyboard (the simulated polling station; see ui/README.md):
  v  insert a voting card for every contest     1  a voting card for the first contest only
  a  insert the poll manager's admin card (PIN 1234; digits type it)
  r  remove the card from the reader
  p  pull / push back the primary medium (正本)  c  the copy medium (副本)
  x  pull the power (a new Machine boots over the same internal storage and media)
  keypad: ↑ ↓ up/down, Enter select, Backspace back, h help, + - volume, ] [ rate
  q  quit

``--smoke`` starts, draws standby once and exits 0 (used by the tests and the bench)."""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

from ui import kivy_env  # noqa: E402

SMOKE_MARK = "standby drawn after"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ui", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--panel", choices=("7", "10"), default="7",
                        help="7: 800×480 (default), 10: 1280×800")
    parser.add_argument("--closed", action="store_true",
                        help="start before the package is loaded (the poll manager's morning)")
    parser.add_argument("--smoke", action="store_true",
                        help="start, draw standby, exit 0")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    kivy_env.configure()
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window

    from firmware.inactivity import Tick
    from firmware.screens import AdminPin, Standby
    from ui.booth import Booth
    from ui.simulated_station import make_demo_station
    from ui.theme import PANEL_7, PANEL_10
    from ui.views import UiAction

    panel = PANEL_7 if args.panel == "7" else PANEL_10
    station = make_demo_station(open_polls=not args.closed)
    result = {"code": 0}

    keypad_keys = {273: "up", 274: "down", 13: "select", 271: "select", 8: "back"}
    keypad_chars = {"h": "help", "+": "volume-up", "=": "volume-up", "-": "volume-down",
                    "]": "rate-up", "[": "rate-down"}

    class BoothApp(App):  # type: ignore[misc]
        title = "tohyoki 投票機 (simulated station)"

        def build(self) -> Any:
            Window.size = (panel.width, panel.height)
            self.booth = Booth(station.machine, panel,
                               package_source=lambda: station.package.to_bytes(),
                               size_hint=(1, 1))
            Window.bind(on_key_down=self.on_key)
            self.last_tick = time.monotonic()
            Clock.schedule_interval(self.tick, 1.0)
            if args.smoke:
                Clock.schedule_once(self.smoke, 0)
            return self.booth

        def smoke(self, _dt: float) -> None:
            view = self.booth.view
            ok = isinstance(station.machine.screen, Standby) and view.kind == "standby"
            print(f"{SMOKE_MARK} {time.perf_counter() - STARTED:.3f} s: {view.kind} "
                  f"{view.width}x{view.height}", flush=True)
            result["code"] = 0 if ok else 1
            self.stop()

        def tick(self, _dt: float) -> None:
            now = time.monotonic()
            station.clock.advance(now - self.last_tick)
            self.last_tick = now
            self.booth.act(Tick())

        def on_key(self, _window: Any, key: int, _scancode: int, codepoint: str | None,
                   _modifiers: list[str]) -> bool:
            booth = self.booth
            ch = codepoint or ""
            if key in keypad_keys:
                booth.keypad(keypad_keys[key])
            elif ch in keypad_chars:
                booth.keypad(keypad_chars[ch])
            elif ch.isdigit() and isinstance(station.machine.screen, AdminPin):
                booth.act(UiAction("pin-digit", ch))
            elif ch == "v":
                station.insert_voting_card()
            elif ch == "1":
                station.insert_voting_card(station.contests[:1])
            elif ch == "a":
                station.insert_admin_card()
            elif ch == "r":
                station.remove_card()
            elif ch in ("p", "c"):
                which = "primary" if ch == "p" else "copy"
                present = station.toggle_medium(which)
                print(f"{which}: {'差し込み / inserted' if present else '抜き取り / pulled'}",
                      flush=True)
            elif ch == "x":
                station.pull_power()
                booth.set_machine(station.machine)
                print("電源断・再起動 / power pulled, rebooted", flush=True)
            elif ch == "q":
                self.stop()
            else:
                return key == 27  # swallow Escape: a voter must not close the booth
            booth.refresh()
            return True

    BoothApp().run()
    return result["code"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
