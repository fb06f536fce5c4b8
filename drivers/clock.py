"""Clocks: the system clock for the machine, a settable clock for simulations and tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

JST = timezone(timedelta(hours=9), "JST")


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(JST)


class SimulatedClock:
    """Time moves only when told to, so a simulated day is reproducible."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
