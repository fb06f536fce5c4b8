"""Poll manager (投票管理者) views: counts, media status and the audit log. Counts are of
sessions, records and abstentions only — never of candidates (brief §2)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ContestCount:
    """One contest's figures: sessions whose card held it, records on the primary, and
    abstentions = eligible − records (blank votes are records)."""

    contest_id: str
    title: str
    eligible: int
    votes: int
    abstentions: int


@dataclass(frozen=True)
class AdminCounts:
    sessions_voted: int
    sessions_without_vote: int
    assisted_sessions: int
    contests: tuple[ContestCount, ...]


@dataclass(frozen=True)
class TableStatus:
    contest_id: str
    records: int
    free_slots: int


@dataclass(frozen=True)
class MediumStatus:
    """One medium as the machine sees it now; ``problem`` is empty when it reads cleanly."""

    role: str  # "primary" | "copy"
    label: str
    medium_id: str
    tables: tuple[TableStatus, ...]
    free_bytes: int
    problem: str = ""


@dataclass(frozen=True)
class MediaStatus:
    media: tuple[MediumStatus, ...]
    mirrored: bool  # the copy holds exactly the primary's records


@dataclass(frozen=True)
class AuditLine:
    sequence: int
    time: str
    event: str
    outcome: str
    detail: str


@dataclass(frozen=True)
class AuditLogView:
    """Page ``page`` (0 = newest) of ``pages``; lines newest first."""

    lines: tuple[AuditLine, ...]
    page: int
    pages: int
    total: int
