"""``make run``: the booth in a window, with simulated hardware worked from the keyboard.

    python -m ui [--panel 7|10] [--closed] [--smoke]
    python -m ui --kiosk [--panel 7|10]   # the real machine: real drivers (ui/kiosk.py)

Keyboard (the simulated polling station; see ui/README.md):
  v  insert a voting card for every contest     1  a voting card for the first contest only
  a  insert the poll manager's admin card (PIN 1234; digits type it)
  r  remove the card from the reader
  p  pull / push back the primary medium (正本)  c  the copy medium (副本)
  u  the UPS: mains power fails / comes back (a sysfs power supply read by drivers/ups.py)
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
    parser.add_argument("--kiosk", action="store_true",
                        help="the real machine: real drivers from the kiosk configuration")
    return parser.parse_args(argv)


KEYPAD_KEYS = {273: "up", 274: "down", 13: "select", 271: "select", 8: "back"}
KEYPAD_CHARS = {"h": "help", "+": "volume-up", "=": "volume-up", "-": "volume-down",
                "]": "rate-up", "[": "rate-down"}


def run_kiosk(args: argparse.Namespace) -> int:
    """The polling station's machine: real drivers (ui/kiosk.py), the HID keypad, the touch
    screen, and every second the UPS and udev's media events handed to the machine."""
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window

    from firmware.inactivity import Tick
    from ui.booth import Booth
    from ui.kiosk import KioskError, build_kiosk, config_path, read_config
    from ui.theme import PANEL_7, PANEL_10

    try:
        kiosk = build_kiosk(read_config(config_path()))
    except KioskError as exc:
        print(exc, file=sys.stderr)
        return 2
    panel = PANEL_7 if args.panel == "7" else PANEL_10

    class KioskApp(App):  # type: ignore[misc]
        title = "tohyoki 投票機"

        def build(self) -> Any:
            kiosk.machine.boot()
            self.booth = Booth(kiosk.machine, panel, package_source=kiosk.package_bytes,
                               size_hint=(1, 1))
            Window.bind(on_key_down=self.on_key)
            Clock.schedule_interval(self.tick, 1.0)
            return self.booth

        def tick(self, _dt: float) -> None:
            for event in kiosk.devices.poll():
                self.booth.act(event)
            self.booth.act(Tick())

        def on_key(self, _window: Any, key: int, _scancode: int, codepoint: str | None,
                   _modifiers: list[str]) -> bool:
            if key in KEYPAD_KEYS:
                self.booth.keypad(KEYPAD_KEYS[key])
            elif (codepoint or "") in KEYPAD_CHARS:
                self.booth.keypad(KEYPAD_CHARS[codepoint or ""])
            else:
                return True  # nothing else reaches the machine (not even Escape)
            self.booth.refresh()
            return True

        def on_stop(self) -> None:
            kiosk.close()

    KioskApp().run()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    from ui.theme import PANEL_7, PANEL_10

    panel = PANEL_7 if args.panel == "7" else PANEL_10
    # The window is made at the panel's size in the top-left corner, before the first frame;
    # on the kiosk (cage's one output) it takes the whole screen.
    kivy_env.configure(window=(panel.width, panel.height), fullscreen=args.kiosk)
    if args.kiosk:
        return run_kiosk(args)
    import tempfile
    from pathlib import Path

    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window

    from drivers.device_events import DeviceEvents
    from drivers.ups import PowerSupplyWatch, SimulatedMains
    from firmware.events import MediaChanged
    from firmware.inactivity import Tick
    from firmware.screens import AdminPin, Standby
    from ui.booth import Booth
    from ui.simulated_station import make_demo_station
    from ui.view import UiAction

    station = make_demo_station(open_polls=not args.closed)
    supply_dir = tempfile.TemporaryDirectory(prefix="tohyoki-ups-")
    mains = SimulatedMains(Path(supply_dir.name))
    devices = DeviceEvents(power=PowerSupplyWatch(Path(supply_dir.name)))
    result = {"code": 0}

    keypad_keys, keypad_chars = KEYPAD_KEYS, KEYPAD_CHARS

    class BoothApp(App):  # type: ignore[misc]
        title = "tohyoki 投票機 (simulated station)"

        def build(self) -> Any:
            self.booth = Booth(station.machine, panel,
                               package_source=lambda: station.package.to_bytes(),
                               size_hint=(1, 1))
            Window.bind(on_key_down=self.on_key)
            self.last_tick = time.monotonic()
            Clock.schedule_interval(self.tick, 1.0)
            Clock.schedule_once(self.drawn, 0)
            return self.booth

        def drawn(self, _dt: float) -> None:
            """Say once where the first picture went (the window's place on the screen)."""
            view = self.booth.view
            ok = isinstance(station.machine.screen, Standby) and view.kind == "standby"
            print(f"{SMOKE_MARK} {time.perf_counter() - STARTED:.3f} s: {view.kind} "
                  f"{view.width}x{view.height}, window {Window.width}x{Window.height} at "
                  f"{Window.left},{Window.top}", flush=True)
            if args.smoke:
                result["code"] = 0 if ok else 1
                self.stop()

        def tick(self, _dt: float) -> None:
            now = time.monotonic()
            station.clock.advance(now - self.last_tick)
            self.last_tick = now
            for event in devices.poll():  # the UPS (and, on the kiosk, udev's media events)
                self.booth.act(event)
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
                booth.act(MediaChanged())  # what udev would report through the media bay
            elif ch == "u":
                mains.set_mains(not mains.on_mains())
                print("UPS: " + ("商用電源 / on mains" if mains.on_mains()
                                 else "停電・バッテリー / mains failed, on battery"), flush=True)
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
