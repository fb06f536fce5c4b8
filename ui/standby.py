"""The standby screen: what a voter and a poll manager see between sessions."""

from __future__ import annotations

from firmware.screens import Phase, Standby
from ui.spec import Line, Spec, both, phase_name
from ui.strings import text
from ui.theme import Settings
from ui.view import UiState


def spec_standby(s: Standby, st: UiState, settings: Settings) -> Spec:
    key = "standby.open" if s.phase is Phase.OPEN else "standby.closed"
    return Spec(
        "standby",
        (Line(text(key, "ja"), 1.3), Line(text(key, "en"), 1.0)),
        ((Line(f"{both('standby.phase')}: {phase_name(s.phase, settings)}"),),),
    )
