"""The poll manager's read-only views and the assisted-voting switch: counts of sessions,
records and abstentions (never of candidates), both media's status and the audit log by pages.
Each answer is a screen to show, or a message for the poll manager's menu."""

from __future__ import annotations

import json
from dataclasses import dataclass

from firmware.admin_screens import (
    AdminCounts,
    AuditLine,
    AuditLogView,
    ContestCount,
    MediaStatus,
    MediumStatus,
    TableStatus,
)
from firmware.assisted import AssistantsInvalid, AssistedVoting, CancelAssisted, EnableAssisted
from firmware.audit import AuditLog
from firmware.audit_events import AuditEvent
from firmware.ballot_box import BallotBox, BallotBoxError
from firmware.interfaces import MediumError, MediumStore
from firmware.polling_day import PollingDay
from media.slot import Empty, Filled

AUDIT_PAGE_LINES = 10


@dataclass(frozen=True)
class ShowCounts:
    pass


@dataclass(frozen=True)
class ShowMedia:
    pass


@dataclass(frozen=True)
class ShowAuditLog:
    """Page 0 is the newest ``AUDIT_PAGE_LINES`` entries."""

    page: int = 0


@dataclass(frozen=True)
class ShowMenu:
    """Back from a view to the poll manager's menu."""


VIEW_ACTIONS = ("counts", "media", "audit-log")
AdminViewEvent = ShowCounts | ShowMedia | ShowAuditLog | ShowMenu | EnableAssisted | CancelAssisted


class AdminViews:
    def __init__(self, ballot_box: BallotBox, audit: AuditLog, assisted: AssistedVoting,
                 day: PollingDay) -> None:
        self.ballot_box = ballot_box
        self.audit = audit
        self.assisted = assisted
        self.day = day

    def view(self, event: AdminViewEvent) -> AdminCounts | MediaStatus | AuditLogView | str:
        """The view asked for, or the message for the menu (``""``: the plain menu)."""
        if isinstance(event, ShowMenu):
            return ""
        if isinstance(event, EnableAssisted):
            return self._enable_assisted(event)
        if isinstance(event, CancelAssisted):
            if self.assisted.pending is not None:
                self.assisted.pending = None
                self.audit.record(AuditEvent.ASSISTED_MODE_CANCELLED)
            return "補助投票の指定を取り消しました / assisted voting cancelled"
        if self.day.package is None or self.ballot_box.header is None:
            return "選挙データが読み込まれていません / no package loaded"
        view = {ShowCounts: "counts", ShowMedia: "media", ShowAuditLog: "audit-log"}[type(event)]
        if not isinstance(event, ShowAuditLog) or event.page == 0:
            # Opening the log is logged; turning its pages is not, so the pages hold still.
            self.audit.record(AuditEvent.ADMIN_VIEW_SHOWN, view=view)
        if isinstance(event, ShowCounts):
            return self._counts_view()
        if isinstance(event, ShowMedia):
            return self._media_view()
        return self._audit_view(event.page)

    def _enable_assisted(self, event: EnableAssisted) -> str:
        try:
            pending = self.assisted.enable(event.kind, event.assistants)
        except (AssistantsInvalid, ValueError) as exc:
            return str(exc)
        # The assistants are poll workers acting on the poll manager's order (art. 7-2, 7-4);
        # they are logged with the order. The session that follows is not marked anywhere.
        self.audit.record(
            AuditEvent.ASSISTED_MODE_ENABLED, kind=pending.kind.value,
            assistants=list(pending.assistants),
        )
        kind = "代理投票" if pending.kind.value == "proxy" else "操作補助"
        return (
            f"次の投票を{kind}とします（補助者 {pending.assistants[0]}・{pending.assistants[1]}、"
            f"法第7条）/ next session is assisted ({pending.kind.value})"
        )

    def _counts_view(self) -> AdminCounts | str:
        assert self.day.package is not None
        lines = self.ballot_box.ledger.lines()
        try:
            records = self.ballot_box.record_counts()
        except (MediumError, BallotBoxError) as exc:
            return f"記録媒体を読めません / cannot read the primary: {exc}"
        contests = []
        for contest in self.day.package.package.contests:
            eligible = sum(line.voted and contest.contest_id in line.contests for line in lines)
            votes = records.get(contest.contest_id, 0)
            contests.append(
                ContestCount(contest.contest_id, contest.title, eligible, votes, eligible - votes)
            )
        return AdminCounts(
            sessions_voted=sum(line.voted for line in lines),
            sessions_without_vote=sum(not line.voted for line in lines),
            assisted_sessions=self.assisted.sessions,
            contests=tuple(contests),
        )

    def _media_view(self) -> MediaStatus:
        box = self.ballot_box
        assert box.header is not None and box.copy_header is not None
        media = []
        found: list[list[tuple[str, list[bytes]]]] = []
        for role, store, header in (
            ("primary", box.primary, box.header), ("copy", box.copy, box.copy_header)
        ):
            media.append(self._medium_status(role, store, header.medium_id, found))
        mirrored = len(found) == 2 and all(
            sorted(a[1]) == sorted(b[1]) for a, b in zip(found[0], found[1], strict=True)
        )
        return MediaStatus(tuple(media), mirrored)

    def _medium_status(
        self, role: str, store: MediumStore, medium_id: str,
        found: list[list[tuple[str, list[bytes]]]],
    ) -> MediumStatus:
        tables = []
        records: list[tuple[str, list[bytes]]] = []
        try:
            decoded = self.ballot_box.read_tables(store) if self.ballot_box.header else {}
            for contest_id, slots in decoded.items():
                filled = [s.record for s in slots if isinstance(s, Filled)]
                free = sum(isinstance(s, Empty) for s in slots)
                tables.append(TableStatus(contest_id, len(filled), free))
                records.append((contest_id, filled))
            free_bytes = store.free_bytes()
        except (MediumError, OSError) as exc:
            return MediumStatus(role, store.label, medium_id, tuple(tables), 0,
                                f"{type(exc).__name__}: {exc}")
        found.append(records)
        return MediumStatus(role, store.label, medium_id, tuple(tables), free_bytes)

    def _audit_view(self, page: int) -> AuditLogView:
        entries = self.audit.entries()
        total = len(entries)
        pages = max(1, -(-total // AUDIT_PAGE_LINES))
        page = min(max(0, page), pages - 1)
        newest_first = entries[::-1][page * AUDIT_PAGE_LINES:(page + 1) * AUDIT_PAGE_LINES]
        lines = tuple(
            AuditLine(e.sequence, e.time, e.event, e.outcome,
                      json.dumps(e.detail, ensure_ascii=False, sort_keys=True))
            for e in newest_first
        )
        return AuditLogView(lines, page, pages, total)
