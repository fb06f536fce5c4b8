"""The tactile keypad (VVSG 2.0 7.2: up, down, select, back, help, volume, rate). Up and down
move a focus over a voter screen's items in a fixed order; select does what touching the item
does, so every voter function is reachable without the touchscreen."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from firmware.booth_screens import InactivityAlert, VoterSettingsMenu
from firmware.screens import ContestChoice, Review

SETTING_ITEMS = ("text_size", "high_contrast", "audio", "language")


class Key(StrEnum):
    UP = "up"
    DOWN = "down"
    SELECT = "select"
    BACK = "back"
    HELP = "help"
    VOLUME_UP = "volume-up"
    VOLUME_DOWN = "volume-down"
    RATE_UP = "rate-up"
    RATE_DOWN = "rate-down"


@dataclass(frozen=True)
class KeyPressed:
    key: Key


def focus_items(screen: Any) -> tuple[str, ...]:
    """The focusable items of a voter screen, in keypad order. Items are
    ``setting:<name>``, ``start``, ``choose:<candidate id|blank|abstain>``, ``next``, ``back``,
    ``settings``, ``change:<contest id>``, ``cast``, ``continue`` and ``end`` (end without
    voting)."""
    if isinstance(screen, VoterSettingsMenu):
        names = SETTING_ITEMS + (("screen_blank",) if screen.settings.audio else ())
        return tuple(f"setting:{n}" for n in names) + ("start", "end")
    if isinstance(screen, ContestChoice):
        choices = [c.candidate_id for c in screen.candidates]
        choices += ["blank"] if screen.blank_allowed else []
        choices += ["abstain"]
        tail = ("next",) + (("back",) if screen.position > 1 else ()) + ("settings", "end")
        return tuple(f"choose:{c}" for c in choices) + tail
    if isinstance(screen, Review):
        return tuple(f"change:{line.contest_id}" for line in screen.lines) + (
            "cast", "back", "end"
        )
    if isinstance(screen, InactivityAlert):
        return ("continue",)
    return ()


def moved(focus: int, count: int, key: Key) -> int:
    """Focus after up/down; wraps at the ends (the voter hears where they are)."""
    if count == 0:
        return 0
    step = -1 if key is Key.UP else 1
    return (focus + step) % count
