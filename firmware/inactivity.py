"""Voter inactivity (VVSG 2.0 7.2: 2–5 minutes, then an alert; no answer, the session is
abandoned). Time comes only from the Clock the UI's periodic ``Tick`` makes the machine read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Final

GRACE_SECONDS: Final = 60
"""How long the alert waits for an answer before the session is locked."""


@dataclass(frozen=True)
class Tick:
    """Sent by the UI periodically (about once a second); the machine reads its clock."""


@dataclass(frozen=True)
class KeepVoting:
    """The voter answers the inactivity alert ("continue")."""


class Verdict(Enum):
    NOTHING = "nothing"
    ALERT = "alert"
    LOCK = "lock"


def verdict(
    last_input: datetime, alerted_at: datetime | None, now: datetime, limit_seconds: int
) -> Verdict:
    """What a tick at ``now`` means for a session last touched at ``last_input``."""
    if alerted_at is not None:
        if (now - alerted_at).total_seconds() >= GRACE_SECONDS:
            return Verdict.LOCK
        return Verdict.NOTHING
    if (now - last_input).total_seconds() >= limit_seconds:
        return Verdict.ALERT
    return Verdict.NOTHING


def seconds_to_lock(alerted_at: datetime, now: datetime) -> int:
    return max(0, GRACE_SECONDS - int((now - alerted_at).total_seconds()))
