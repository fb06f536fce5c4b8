"""What the machine asks the UI to show. The UI renders these and nothing else decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from election.package import Candidate
from firmware.admin_screens import AdminCounts, AuditLogView, MediaStatus
from firmware.assisted import PendingAssist
from firmware.booth_screens import InactivityAlert, SessionLocked, VoterSettingsMenu
from firmware.voter_settings import DEFAULT_SETTINGS, VoterSettings


class Phase(StrEnum):
    """The polling day's states (VVSG 1.1: set-up, pre-voting, voting, post-voting)."""

    UNPROVISIONED = "unprovisioned"
    SETUP = "setup"  # provisioned, no package yet
    PACKAGE_LOADED = "package-loaded"
    ZERO_CHECKED = "zero-checked"
    OPEN = "open"
    PAUSED = "paused"
    NIGHT_CLOSED = "closed-for-night"  # 期日前投票: sealed (not final), reopens next morning
    CLOSED = "closed"


@dataclass(frozen=True)
class ContestTitle:
    """A contest's name as the standby screen shows it (Japanese, English)."""

    title: str
    title_en: str


@dataclass(frozen=True)
class Standby:
    """Insert a card. ``phase`` tells the voter whether voting is possible now; the rest says
    which election and machine this is, for the voter and the poll manager alike. Each is
    empty until known (no package loaded: no contests and no polling place)."""

    phase: Phase
    contests: tuple[ContestTitle, ...] = ()  # the loaded package's contests, in its order
    polling_place: str = ""  # the package's name of this machine's polling place
    machine_id: str = ""  # as provisioned
    day: date | None = None  # today, by the machine's clock


@dataclass(frozen=True)
class Notice:
    """A message the person at the machine must read; ``ja`` first, ``en`` second."""

    ja: str
    en: str
    for_admin: bool = False


@dataclass(frozen=True)
class AdminPin:
    holder: str
    role: str
    tries_left: int


@dataclass(frozen=True)
class AdminMenu:
    holder: str
    role: str
    phase: Phase
    package_fingerprint: str
    records_per_contest: tuple[tuple[str, int], ...]
    sessions_voted: int
    sessions_without_vote: int
    actions: tuple[str, ...]
    message: str = ""
    views: tuple[str, ...] = ()  # read-only views: "counts", "media", "audit-log"
    assisted_pending: PendingAssist | None = None  # art. 7: ordered for the next session


@dataclass(frozen=True)
class ContestChoice:
    """Choose one candidate in one contest (art. 5: name and party, order per the rule)."""

    position: int
    of: int
    contest_id: str
    title: str
    title_en: str
    candidates: tuple[Candidate, ...]
    blank_allowed: bool
    selected: str | None  # candidate id, "blank", "abstain" or None
    settings: VoterSettings = DEFAULT_SETTINGS  # the voter's own (firmware/voter_settings.py)
    focus: int = 0  # keypad focus: index into firmware.keypad.focus_items(screen)


@dataclass(frozen=True)
class ReviewLine:
    contest_id: str
    title: str
    name: str  # candidate name, or 白票 / 棄権
    party: str
    kana: str


@dataclass(frozen=True)
class Review:
    """The confirmation screen (art. 4-1-3): every choice by name and party before recording."""

    lines: tuple[ReviewLine, ...]
    settings: VoterSettings = DEFAULT_SETTINGS
    focus: int = 0


@dataclass(frozen=True)
class Recorded:
    """The vote is durable on both media (VVSG 7.3-J); remove the card."""

    settings: VoterSettings = DEFAULT_SETTINGS


Screen = (
    Standby | Notice | AdminPin | AdminMenu | ContestChoice | Review | Recorded
    | VoterSettingsMenu | InactivityAlert | SessionLocked | AdminCounts | MediaStatus
    | AuditLogView
)
