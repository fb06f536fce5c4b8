"""Voter screens of the accessible booth (VVSG 2.0 ch. 7): the settings at the start of a
session, the inactivity alert and the locked session. The UI renders them; nothing is decided
there."""

from __future__ import annotations

from dataclasses import dataclass

from firmware.voter_settings import DEFAULT_SETTINGS, VoterSettings


@dataclass(frozen=True)
class VoterSettingsMenu:
    """Text size, contrast, audio, language (and screen blank in audio mode), then start.
    ``contests`` is how many contests the card holds; ``focus`` indexes
    ``firmware.keypad.focus_items``."""

    settings: VoterSettings = DEFAULT_SETTINGS
    focus: int = 0
    contests: int = 1


@dataclass(frozen=True)
class InactivityAlert:
    """No input for the package's inactivity limit: shown and spoken; any input resumes the
    session, otherwise it is locked after ``seconds_to_lock``."""

    settings: VoterSettings = DEFAULT_SETTINGS
    focus: int = 0
    seconds_to_lock: int = 0


@dataclass(frozen=True)
class SessionLocked:
    """The session was abandoned: selections wiped, nothing recorded; only the poll manager's
    card and PIN unlock the machine."""
