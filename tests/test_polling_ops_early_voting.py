"""期日前投票 (early voting) over several days on the same media, and the reports of the day:
close for the night (seal, not final), power off, reopen next morning after a check that shows
the count carried over, final close makes voting impossible for good (VVSG 1.1.7); reports come
from the seal and the ledger, never from counters, never with candidate totals; reprint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from counting.medium_reader import read_medium
from firmware import machine as fw
from firmware.audit_events import AuditEvent
from firmware.interfaces import VotingCardPhase
from firmware.screens import AdminMenu, Notice, Phase, Recorded
from media.layout import SEAL_FILE, SLOT_FILE
from media.seal import decode_seal
from media.signed_document import decode_signed
from media.slot import SLOT_SIZE, encode_slot
from media.vote_record import CIPHERTEXT_LENGTH
from tests.station import Station, make_station

HOUR = 3600.0
BOTH = {"mayor": "mayor-1", "assembly": "assembly-2"}


def qr_body(station: Station, fmt: str) -> dict[str, object]:
    payload = station.printer.printed[-1].qr_payload
    assert payload is not None
    document = decode_signed(payload, fmt, "report")
    document.verify(station.public_key, "polling-report", "report")
    return document.body


def first_day(station: Station) -> None:
    station.open_polls()
    assert isinstance(station.vote(BOTH), Recorded)
    assert isinstance(station.vote({"mayor": "mayor-2"}), Recorded)
    station.clock.advance(13 * HOUR)  # 20:00
    screen = station.admin(fw.CloseForNight())
    assert isinstance(screen, AdminMenu) and screen.phase is Phase.NIGHT_CLOSED, screen
    assert screen.actions[0] == "reopen-check"


def test_night_close_seals_not_final_and_voting_stops_until_the_reopen_check() -> None:
    station = make_station()
    first_day(station)
    report = station.printer.printed[-1]
    assert report.title.startswith("本日の投票終了報告")
    body = qr_body(station, "tohyoki-closing-report/1")
    assert body["final"] is False and body["closing_number"] == 1
    assert body["records"] == {"mayor": 2, "assembly": 1}
    seal, _ = decode_seal(bytes(station.primary.files[SEAL_FILE]))
    assert not seal.final and seal.closing_number == 1
    card = station.voting_card()
    station.reader.insert(card)
    assert isinstance(station.machine.handle(fw.CardInserted()), Notice)
    station.reader.remove()
    station.machine.handle(fw.CardRemoved_())
    assert card.phase is VotingCardPhase.ISSUED
    # opening straight away is refused: the morning check comes first
    station.admin(fw.OpenPolls())
    assert station.machine.phase is Phase.NIGHT_CLOSED


def test_next_morning_the_check_shows_the_count_carried_over_then_a_final_close() -> None:
    station = make_station()
    first_day(station)
    station.clock.advance(12.5 * HOUR)  # next morning 08:30, after a night powered off
    station.reboot()
    assert station.machine.phase is Phase.NIGHT_CLOSED
    screen = station.admin(fw.ReopenCheck())
    assert isinstance(screen, AdminMenu) and screen.phase is Phase.ZERO_CHECKED, screen
    report = station.printer.printed[-1]
    assert report.title.startswith("再開確認報告")
    text = "\n".join(report.lines)
    assert "繰越 / carried over: 2（封印 / sealed 2）" in text
    assert "繰越 / carried over: 1（封印 / sealed 1）" in text
    body = qr_body(station, "tohyoki-reopen-report/1")
    assert body["records"] == {"mayor": 2, "assembly": 1}
    assert body["previous_closing_number"] == 1 and body["sessions_voted"] == 2
    station.admin(fw.OpenPolls())
    assert station.machine.phase is Phase.OPEN
    assert isinstance(station.vote(BOTH), Recorded)
    station.admin(fw.ClosePolls())
    assert station.machine.phase is Phase.CLOSED
    body = qr_body(station, "tohyoki-closing-report/1")
    assert body["final"] is True and body["closing_number"] == 2
    assert body["records"] == {"mayor": 3, "assembly": 2}
    assert body["abstentions"] == {"mayor": 0, "assembly": 0}
    # final: nothing reopens it, not even a reboot
    for event in (fw.ReopenCheck(), fw.OpenPolls(), fw.ResumePolls(), fw.CloseForNight()):
        station.admin(event)
        assert station.machine.phase is Phase.CLOSED
    station.reboot()
    station.admin(fw.ReopenCheck(), fw.OpenPolls())
    assert station.machine.phase is Phase.CLOSED


@pytest.mark.parametrize("tamper", ["record added", "record removed", "seal replaced"])
def test_media_changed_overnight_refuse_the_reopening(tamper: str) -> None:
    station = make_station()
    first_day(station)
    if tamper == "record added":
        slot = encode_slot(bytes(range(256)) * (CIPHERTEXT_LENGTH // 256)
                           + bytes(CIPHERTEXT_LENGTH % 256))
        for medium in (station.primary, station.copy):
            table = medium.files[SLOT_FILE]  # mayor's region comes first (offset 0)
            free = next(i for i in range(64) if not any(table[i * SLOT_SIZE:(i + 1) * SLOT_SIZE]))
            table[free * SLOT_SIZE:(free + 1) * SLOT_SIZE] = slot
    elif tamper == "record removed":
        for medium in (station.primary, station.copy):
            table = medium.files[SLOT_FILE]  # mayor's region comes first (offset 0)
            used = next(i for i in range(64) if any(table[i * SLOT_SIZE:(i + 1) * SLOT_SIZE]))
            table[used * SLOT_SIZE:(used + 1) * SLOT_SIZE] = bytes(SLOT_SIZE)
    else:
        for medium in (station.primary, station.copy):
            medium.files[SEAL_FILE] = bytearray(b'{"format":"tohyoki-seal/1"}')
    printed = len(station.printer.printed)
    screen = station.admin(fw.ReopenCheck(), fw.OpenPolls())
    assert isinstance(screen, AdminMenu)
    assert station.machine.phase is Phase.NIGHT_CLOSED
    assert len(station.printer.printed) == printed
    outcomes = [e.outcome for e in station.machine.audit.entries()
                if e.event_id == AuditEvent.REOPEN_CHECK.value]
    assert outcomes == ["start", "failure"]


def test_closing_report_comes_from_the_seal_and_ledger_and_never_names_a_candidate(
    tmp_path: Path,
) -> None:
    station = make_station()
    station.open_polls()
    station.vote(BOTH)
    station.vote({"mayor": "mayor-2", "assembly": "abstain"})
    card = station.voting_card()
    station.reader.insert(card)
    station.machine.handle(fw.CardInserted())
    station.machine.handle(fw.EndWithoutVoting())
    station.reader.remove()
    station.machine.handle(fw.CardRemoved_())
    station.admin(fw.ClosePolls())
    report = station.printer.printed[-1]
    body = qr_body(station, "tohyoki-closing-report/1")
    seal, _ = decode_seal(bytes(station.copy.files[SEAL_FILE]))
    assert body["records"] == {t.contest_id: t.records for t in seal.tables} == {
        "mayor": 2, "assembly": 1}
    assert body["seal_digests"] == {t.contest_id: t.digest for t in seal.tables}
    assert body["abstentions"] == {"mayor": 0, "assembly": 1}
    assert (body["sessions_voted"], body["sessions_without_vote"]) == (2, 1)
    text = "\n".join(report.lines)
    assert "Cards consumed: 3" in text and "abstentions: 1" in text
    assert station.package is not None
    for contest in station.package.package.contests:
        for candidate in contest.candidates:
            assert candidate.name not in text
            assert candidate.candidate_id not in json.dumps(body)
    # the counting tool reads the sealed media and agrees with the report
    for name, data in station.primary.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(bytes(data))
    assert read_medium(tmp_path, [station.package]).seal == seal


def test_a_report_the_printer_could_not_print_is_reprinted_from_the_admin_menu() -> None:
    station = make_station()
    station.printer.online = False
    assert station.package is not None
    screen = station.admin(fw.LoadPackage(station.package.to_bytes()), fw.ZeroCheck())
    assert isinstance(screen, AdminMenu) and "保存済み" in screen.message
    assert "reprint" in screen.actions
    station.admin(fw.OpenPolls())
    assert station.machine.phase is Phase.OPEN  # the day goes on without the printer
    station.printer.online = True
    screen = station.admin(fw.ReprintReport())
    assert isinstance(screen, AdminMenu) and "印刷しました" in screen.message
    assert station.printer.printed[-1].title.startswith("ゼロ確認報告")
    assert qr_body(station, "tohyoki-zero-report/1")["records"] == {"mayor": 0, "assembly": 0}
    events = [e.event for e in station.machine.audit.entries()]
    assert "report_reprinted" in events


def test_after_the_last_night_close_the_final_close_needs_no_reopening() -> None:
    station = make_station()
    first_day(station)
    station.clock.advance(12.5 * HOUR)  # 期日前投票 is over: polling day, machine powered on
    station.reboot()
    screen = station.admin()
    assert isinstance(screen, AdminMenu) and "close" in screen.actions
    screen = station.admin(fw.ClosePolls())
    assert isinstance(screen, AdminMenu) and screen.phase is Phase.CLOSED, screen
    body = qr_body(station, "tohyoki-closing-report/1")
    assert body["final"] is True and body["closing_number"] == 2
    assert body["records"] == {"mayor": 2, "assembly": 1}
    for medium in (station.primary, station.copy):
        seal, _ = decode_seal(bytes(medium.files[SEAL_FILE]))
        assert seal.final and seal.closing_number == 2
    outcomes = [e.outcome for e in station.machine.audit.entries()
                if e.event_id == AuditEvent.REOPEN_CHECK.value]
    assert outcomes == ["start", "success"]
    station.admin(fw.ReopenCheck(), fw.OpenPolls())
    assert station.machine.phase is Phase.CLOSED


def test_a_final_close_over_media_changed_overnight_is_refused() -> None:
    station = make_station()
    first_day(station)
    for medium in (station.primary, station.copy):
        table = medium.files[SLOT_FILE]  # mayor's region comes first (offset 0)
        used = next(i for i in range(64) if any(table[i * SLOT_SIZE:(i + 1) * SLOT_SIZE]))
        table[used * SLOT_SIZE:(used + 1) * SLOT_SIZE] = bytes(SLOT_SIZE)
    printed = len(station.printer.printed)
    screen = station.admin(fw.ClosePolls())
    assert isinstance(screen, AdminMenu) and "前夜の封印と一致しない" in screen.message
    assert station.machine.phase is Phase.NIGHT_CLOSED
    assert len(station.printer.printed) == printed
    seal, _ = decode_seal(bytes(station.primary.files[SEAL_FILE]))
    assert not seal.final and seal.closing_number == 1
    outcomes = [e.outcome for e in station.machine.audit.entries()
                if e.event_id == AuditEvent.REOPEN_CHECK.value]
    assert outcomes == ["start", "failure"]
