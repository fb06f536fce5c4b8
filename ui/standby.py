"""The standby screen: between sessions it tells a voter what to do (large, first) and which
election, polling place, machine and day this is, Japanese first, English second."""

from __future__ import annotations

from datetime import date

from firmware.screens import Phase, Standby
from ui.spec import Line, Spec
from ui.strings import text
from ui.theme import Settings
from ui.view import UiState

WEEKDAYS = (("月", "Mon"), ("火", "Tue"), ("水", "Wed"), ("木", "Thu"), ("金", "Fri"),
            ("土", "Sat"), ("日", "Sun"))
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_ja(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日（{WEEKDAYS[d.weekday()][0]}）"


def day_en(d: date) -> str:
    return f"{WEEKDAYS[d.weekday()][1]} {d.day} {MONTHS[d.month - 1]} {d.year}"


def spec_standby(s: Standby, st: UiState, settings: Settings) -> Spec:
    """All in the header: standby never pages and has no buttons (a card is what starts).
    The instruction first and large, then the contests, the polling place and machine, the
    day and the state; Japanese first, English second. It fits the 7" panel in every phase."""
    key = "standby.open" if s.phase is Phase.OPEN else "standby.closed"
    lines = [Line(text(key, "ja"), 1.3), Line(text(key, "en"))]
    if s.contests:
        lines.append(Line("・".join(c.title for c in s.contests)))
        lines.append(Line(" · ".join(c.title_en for c in s.contests)))
    machine = f"{text('standby.machine', 'ja')} {s.machine_id}" if s.machine_id else ""
    where = [x for x in (s.polling_place, machine) if x]
    if where:
        lines.append(Line("・".join(where)))
    if s.day is not None:
        lines.append(Line(f"{day_ja(s.day)} / {day_en(s.day)}"))
    phase = f"phase.{s.phase.value}"
    lines.append(Line(f"{text('standby.phase', 'ja')} / {text('standby.phase', 'en')}: "
                      f"{text(phase, 'ja')} / {text(phase, 'en')}"))
    return Spec("standby", tuple(lines), ())
