"""UPS "power failing" input (art. 4-1-5): the kernel's power-supply class in sysfs
(``/sys/class/power_supply/<name>/{type,online,status}``, Documentation/ABI/testing/
sysfs-class-power), which a HAT UPS or a USB HID UPS driver populates. Mains present means a
supply of type ``Mains``/``USB``/``UPS`` reports ``online`` = 1; mains lost means none does and
a ``Battery`` reports ``status`` = ``Discharging``. ``poll`` returns ``PowerFailing`` once, on
the transition to battery; the main loop hands it to the machine, which suspends safely."""

from __future__ import annotations

from pathlib import Path

from firmware.events import PowerFailing

SYSFS = Path("/sys/class/power_supply")
MAINS_TYPES = {"Mains", "USB", "UPS"}


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


class PowerSupplyWatch:
    def __init__(self, root: Path = SYSFS) -> None:
        self.root = root
        self._failing = False

    def on_mains(self) -> bool | None:
        """True on mains, False on battery, None when there is no power-supply information."""
        supplies = sorted(self.root.iterdir()) if self.root.is_dir() else []
        mains = [s for s in supplies if _read(s / "type") in MAINS_TYPES]
        batteries = [s for s in supplies if _read(s / "type") == "Battery"]
        if any(_read(s / "online") == "1" for s in mains):
            return True
        if any(_read(b / "status") == "Discharging" for b in batteries):
            return False
        if mains:
            return False
        return None

    def poll(self) -> PowerFailing | None:
        failing = self.on_mains() is False
        event = PowerFailing() if failing and not self._failing else None
        self._failing = failing
        return event


class SimulatedMains:
    """A UPS as its kernel driver shows it in sysfs, in a directory of our own (``make run``):
    a ``Mains`` supply and a ``Battery``; ``fail``/``restore`` flip them as a power cut would.
    ``PowerSupplyWatch(root)`` reads it exactly as it reads /sys/class/power_supply."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for name, attributes in (("ups-ac", {"type": "Mains", "online": "1"}),
                                 ("ups-battery", {"type": "Battery", "status": "Charging"})):
            (root / name).mkdir(parents=True, exist_ok=True)
            for key, value in attributes.items():
                (root / name / key).write_text(value + "\n")

    def set_mains(self, on: bool) -> None:
        (self.root / "ups-ac" / "online").write_text(("1" if on else "0") + "\n")
        (self.root / "ups-battery" / "status").write_text(
            ("Charging" if on else "Discharging") + "\n")

    def on_mains(self) -> bool:
        return _read(self.root / "ups-ac" / "online") == "1"
