"""What the application's main loop asks the hardware for on each tick (kivy Clock, once a
second): media inserted or removed (udev, through ``MediaBay``) and the UPS's "power failing"
(``PowerSupplyWatch``), as firmware events, so the machine never acts on a device from another
thread (art. 4-1-5)."""

from __future__ import annotations

from drivers.media_bay import MediaBay
from drivers.ups import PowerSupplyWatch
from firmware.events import Event


class DeviceEvents:
    def __init__(self, bay: MediaBay | None = None, power: PowerSupplyWatch | None = None) -> None:
        self.bay = bay
        self.power = power

    def poll(self) -> list[Event]:
        """Power first: a failing supply suspends voting before anything else is done."""
        events: list[Event] = []
        if self.power is not None:
            failing = self.power.poll()
            if failing is not None:
                events.append(failing)
        if self.bay is not None:
            events += self.bay.drain()
        return events
