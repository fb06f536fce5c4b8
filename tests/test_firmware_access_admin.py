"""Assisted voting (法第7条) counted but never linked to a vote, and the poll manager's views:
counts (never candidate totals), media status and the audit log by pages."""

from __future__ import annotations

from typing import Any

from firmware import machine as fw
from firmware.admin_screens import AdminCounts, AuditLogView, MediaStatus
from firmware.admin_views import AUDIT_PAGE_LINES
from firmware.assisted import ASSISTED_FILE, AssistKind
from firmware.booth_screens import VoterSettingsMenu
from firmware.screens import AdminMenu, Notice, Standby
from media.slot import Filled
from tests.station import Station
from tests.test_firmware_support import (
    Insert,
    Pull,
    audit_entries,
    counts,
    events_named,
    ledger,
    login,
    open_station,
    run_flow,
    voter_flow,
)

ASSISTANTS = ("投票事務 一郎", "投票事務 花子")


def manager(station: Station, *events: Any) -> list[Any]:
    screens = run_flow(station, login(station.manager))
    screens += [station.machine.handle(e) for e in events]
    run_flow(station, [(Pull(), Standby)])
    return screens


# --- assisted voting -------------------------------------------------------------------------


def test_assisted_mode_needs_two_different_named_assistants() -> None:
    station = open_station()
    screens = manager(
        station,
        fw.EnableAssisted(AssistKind.PROXY, ("投票事務 一郎",)),
        fw.EnableAssisted(AssistKind.PROXY, ("投票事務 一郎", "投票事務 一郎")),
        fw.EnableAssisted(AssistKind.OPERATION, ("投票事務 一郎", " ")),
    )
    assert all("2人" in s.message for s in screens[-3:])
    assert station.machine.assisted.pending is None
    assert not events_named(audit_entries(station), "assisted_mode_enabled")


def test_assisted_sessions_are_counted_for_the_poll_manager() -> None:
    station = open_station()
    menu = manager(station, fw.EnableAssisted(AssistKind.PROXY, ASSISTANTS))[-1]
    assert isinstance(menu, AdminMenu) and "法第7条" in menu.message and "assisted" in menu.actions
    run_flow(station, voter_flow(station.voting_card(("mayor",)), {"mayor": "mayor-1"}))
    run_flow(station, voter_flow(station.voting_card(("mayor",)), {"mayor": "mayor-2"}))  # not assisted
    manager(station, fw.EnableAssisted(AssistKind.OPERATION, ASSISTANTS))
    run_flow(station, [(Insert(station.voting_card()), VoterSettingsMenu),
                       (fw.EndWithoutVoting(), Notice), (Pull(), Standby)])
    manager(station, fw.EnableAssisted(AssistKind.PROXY, ASSISTANTS), fw.CancelAssisted())
    run_flow(station, voter_flow(station.voting_card(("mayor",)), {"mayor": "mayor-3"}))  # cancelled
    assert station.machine.assisted.counts == {AssistKind.PROXY: 1, AssistKind.OPERATION: 1}
    view = manager(station, fw.ShowCounts())[-1]
    assert isinstance(view, AdminCounts) and view.assisted_sessions == 2
    # the count survives a power cycle
    station.reboot()
    assert station.machine.assisted.sessions == 2
    entries = audit_entries(station)
    enabled = events_named(entries, "assisted_mode_enabled")
    assert [e.detail["assistants"] for e in enabled] == [list(ASSISTANTS)] * 3
    assert len(events_named(entries, "assisted_mode_cancelled")) == 1


def _day(assisted: bool) -> tuple[Station, int]:
    """The same seeded day on two machines, the first voter assisted on one of them. The poll
    manager does as many operations on both (the card signs each), so both machines draw the
    same randomness. Returns the station and where the voters' part of its log begins."""
    station = open_station()
    last = fw.ShowMenu() if assisted else fw.CancelAssisted()
    manager(station, fw.EnableAssisted(AssistKind.PROXY, ASSISTANTS), last)
    since = len(audit_entries(station))
    run_flow(station, voter_flow(station.voting_card(), {"mayor": "mayor-2", "assembly": "blank"}))
    run_flow(station, voter_flow(station.voting_card(("mayor",)), {"mayor": "mayor-1"}))
    return station, since


def _filled_slots(station: Station, store: Any) -> dict[str, list[int]]:
    box = station.machine.ballot_box
    return {
        contest_id: [i for i, slot in enumerate(slots) if isinstance(slot, Filled)]
        for contest_id, slots in box.read_tables(store).items()
    }


def test_an_assisted_session_leaves_no_mark_on_ledger_media_or_log() -> None:
    (plain, plain_since), (helped, helped_since) = _day(False), _day(True)
    assert helped.machine.assisted.sessions == 1 and plain.machine.assisted.sessions == 0
    # The media hold the same slots filled (records are HPKE ciphertexts with fresh ephemeral
    # keys, so their bytes differ on any two runs) and the same other files; the card ledger is
    # byte for byte that of the unassisted day.
    for name in ("primary", "copy"):
        a, b = getattr(plain, name), getattr(helped, name)
        assert sorted(a.files) == sorted(b.files)
        assert _filled_slots(plain, a) == _filled_slots(helped, b)
        tables = {t.file for t in plain.machine.ballot_box._tables()}
        assert all(a.files[n] == b.files[n] for n in a.files if n not in tables)
    assert plain.storage.files["cards.log"] == helped.storage.files["cards.log"]
    assert ledger(plain) == ledger(helped)
    # From the voters on, the two logs hold the same events with the same details and times.
    a = [(e.event, e.outcome, e.detail, e.time) for e in audit_entries(plain, plain_since)]
    b = [(e.event, e.outcome, e.detail, e.time) for e in audit_entries(helped, helped_since)]
    assert a == b and any(event == "vote_commit" for event, *_ in a)
    # The count is all that is kept, and it names no session or card.
    saved = helped.storage.files[ASSISTED_FILE]
    assert b"proxy" in saved and all(
        line.card_id.encode() not in saved for line in ledger(helped))


# --- views -------------------------------------------------------------------------------------


def test_counts_show_sessions_records_and_abstentions_never_candidates() -> None:
    station = open_station()
    run_flow(station, voter_flow(station.voting_card(), {"mayor": "mayor-1", "assembly": "blank"}))
    run_flow(station, voter_flow(station.voting_card(),
                                 {"mayor": "abstain", "assembly": "assembly-2"}))
    run_flow(station, voter_flow(station.voting_card(("mayor",)), {"mayor": "mayor-1"}))
    run_flow(station, [(Insert(station.voting_card()), VoterSettingsMenu),
                       (fw.EndWithoutVoting(), Notice), (Pull(), Standby)])
    view = manager(station, fw.ShowCounts())[-1]
    assert isinstance(view, AdminCounts)
    assert (view.sessions_voted, view.sessions_without_vote) == (3, 1)
    by_id = {c.contest_id: c for c in view.contests}
    assert (by_id["mayor"].eligible, by_id["mayor"].votes, by_id["mayor"].abstentions) == (3, 2, 1)
    assert (by_id["assembly"].eligible, by_id["assembly"].votes,
            by_id["assembly"].abstentions) == (2, 2, 0)
    assert counts(station) == {c: by_id[c].votes for c in by_id}
    text = repr(view)
    assert not any(f"mayor-{n}" in text or f"assembly-{n}" in text for n in range(1, 6))


def test_media_status_shows_both_media_records_free_slots_and_bytes() -> None:
    station = open_station(slots=16)
    run_flow(station, voter_flow(station.voting_card(), {"mayor": "mayor-1", "assembly": "blank"}))
    run_flow(station, voter_flow(station.voting_card(("mayor",)), {"mayor": "mayor-2"}))
    view = manager(station, fw.ShowMedia())[-1]
    assert isinstance(view, MediaStatus) and view.mirrored
    box = station.machine.ballot_box
    assert box.header is not None and box.copy_header is not None
    assert [m.medium_id for m in view.media] == [box.header.medium_id, box.copy_header.medium_id]
    assert view.media[0].medium_id != view.media[1].medium_id
    for medium, store in zip(view.media, (station.primary, station.copy), strict=True):
        assert medium.problem == ""
        assert {t.contest_id: (t.records, t.free_slots) for t in medium.tables} == {
            "mayor": (2, 14), "assembly": (1, 15)}
        assert medium.free_bytes == store.free_bytes()


def test_media_status_names_a_pulled_medium() -> None:
    station = open_station()
    station.copy.present = False
    view = manager(station, fw.ShowMedia())[-1]
    assert isinstance(view, MediaStatus) and not view.mirrored
    assert view.media[0].problem == "" and view.media[1].problem != ""


def test_audit_log_view_pages_newest_first() -> None:
    station = open_station()
    for _ in range(3):
        run_flow(station, voter_flow(station.voting_card(("mayor",)), {"mayor": "mayor-1"}))
    screens = manager(station, fw.ShowAuditLog(0), fw.ShowAuditLog(1), fw.ShowAuditLog(999),
                      fw.ShowMenu())
    first, second, last, menu = screens[-4:]
    assert isinstance(first, AuditLogView) and isinstance(menu, AdminMenu)
    assert "audit-log" in menu.views
    total = first.total
    assert len(first.lines) == AUDIT_PAGE_LINES and first.page == 0
    assert first.pages == -(-total // AUDIT_PAGE_LINES) and last.page == first.pages - 1
    assert [line.sequence for line in first.lines] == list(range(total, total - 10, -1))
    assert second.lines[0].sequence == first.lines[-1].sequence - 1
    assert first.lines[0].event == "admin_view_shown"  # looking is logged too
    assert all("mayor-1" not in line.detail for line in first.lines + second.lines)
