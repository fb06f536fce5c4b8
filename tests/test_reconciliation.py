"""Reconciliation before counting: per polling place, cards issued = votes + abstentions + voided
+ outstanding; per machine, sessions = cards consumed and records fit the sessions; closing
reports agree with the seals. Mismatches block counting until the counting manager decides."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from pathlib import Path

import pytest

from bench.election_gen import Election, cached, issuer_key, machine_key
from counting.importer import import_media
from counting.reconciliation import (
    IssuerCounts,
    IssuerReportError,
    load_issuer_report,
    parse_issuer_report,
    reconcile,
)
from drivers.clock import JST
from election.reception_report import ReceptionReport
from media.signed_document import encode_signed


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> Election:
    return cached(tmp_path_factory.mktemp("rec"), seed=51, machines=12, voters=40)


@pytest.fixture(scope="module")
def counted(election: Election):  # type: ignore[no-untyped-def]
    imported = import_media(election.media(), election.versions, {}, keep_records=False)
    assert imported.problems == ()
    return imported.counted


def desk_report(election: Election, place: str, issuer: str | None = None,
                key: str | None = None, **override: object) -> bytes:
    """The place's desk's signed report, as ``CardIssuer.signed_report`` writes it."""
    f = election.per_place[place]
    fields: dict[str, object] = {
        "election_id": election.versions[-1].package.election_id,
        "package_fingerprint": election.versions[-1].fingerprint,
        "issuer_id": issuer or f"R-{place}", "place_id": place,
        "time": datetime(2026, 11, 29, 20, 5, tzinfo=JST), "issued": f["issued"],
        "consumed": f["issued"] - f["voided"] - f["outstanding"], "voided": f["voided"],
        "outstanding": f["outstanding"], "by_style": (("mayor,assembly", f["issued"]),)}
    fields.update(override)
    report = ReceptionReport(**fields)  # type: ignore[arg-type]
    return report.sign(issuer_key(election.seed, key or f"R-{place}"))


def signed_reports(election: Election, **per_place: bytes) -> str:
    """Every desk's signed report in one JSON list (the counting centre's ``--issued`` file)."""
    reports = [per_place.get(p, desk_report(election, p)) for p in election.per_place]
    return json.dumps([json.loads(r) for r in reports])


def issuer_figures(election: Election, **per_place: bytes) -> dict[str, IssuerCounts]:
    return parse_issuer_report(signed_reports(election, **per_place), kind="json")


def closing_report(election: Election, machine, **override: object) -> bytes:  # type: ignore[no-untyped-def]
    seal = machine.reading.seal
    body = {
        "format": "tohyoki-closing-report/1",
        "machine_id": machine.machine_id,
        "time": "2026-11-29T20:00:00+09:00",
        "software_hash": "0" * 64,
        "package_fingerprint": seal.package_fingerprint,
        "records": {t.contest_id: t.records for t in seal.tables},
        "sessions_voted": seal.sessions_voted,
        "sessions_without_vote": seal.sessions_without_vote,
        "seal_digests": {t.contest_id: t.digest for t in seal.tables},
        "closing_number": seal.closing_number,
        "final": seal.final,
        "abstentions": {t.contest_id: 0 for t in seal.tables},
        "assisted_sessions": 0,
        "errors": 0,
    } | override
    return encode_signed(body, machine_key(election.seed, machine.machine_id), "polling-report")


def test_a_closing_report_with_a_member_its_format_does_not_name_is_refused(
        election: Election, counted) -> None:  # type: ignore[no-untyped-def]
    """docs/media-format.md §1.3 rule 3: signed by the machine, but with an unknown member."""
    package = election.versions[-1].package
    reports = [closing_report(election, m, note="x") for m in counted[:1]]
    with pytest.raises(IssuerReportError, match="unknown field note"):
        reconcile(package, counted, issuer_figures(election), reports)


def test_balanced_election(election: Election, counted) -> None:  # type: ignore[no-untyped-def]
    package = election.versions[-1].package
    reports = [closing_report(election, m) for m in counted]
    result = reconcile(package, counted, issuer_figures(election), reports)
    assert result.balanced and result.mismatches == ()
    assert len(result.places) == 3 and all(row.balance == 0 for row in result.places)
    assert all(row.closing_report for row in result.machines)
    votes = sum(row.votes for row in result.places)
    assert votes == sum(m.reading.seal.sessions_voted for m in counted)
    assert sum(row.abstentions for row in result.places) > 0  # voters who ended without voting
    for row in result.machines:
        assert row.cards_consumed == row.sessions_voted + row.sessions_without_vote


def test_cards_issued_that_do_not_balance(election: Election, counted) -> None:  # type: ignore[no-untyped-def]
    f = election.per_place["g002"]
    figures = issuer_figures(election, g002=desk_report(  # two more cards came back used
        election, "g002", issued=f["issued"] + 2,
        consumed=f["issued"] + 2 - f["voided"] - f["outstanding"]))
    result = reconcile(election.versions[-1].package, counted, figures)
    [mismatch] = result.mismatches
    assert mismatch.subject == "g002" and "+2" in mismatch.message and "交付" in mismatch.message
    assert result.open_mismatches([]) == (mismatch,)
    assert result.open_mismatches(["g002"]) == ()  # after the counting manager's decision


def test_missing_issuer_figures_and_unknown_place(election: Election, counted) -> None:  # type: ignore[no-untyped-def]
    figures = issuer_figures(election)
    del figures["g001"]
    figures["x99"] = IssuerCounts("x99", 3)
    subjects = {m.subject for m in reconcile(election.versions[-1].package, counted,
                                             figures).mismatches}
    assert subjects == {"g001", "x99"}


def test_closing_report_that_differs_from_the_seal(election: Election, counted) -> None:  # type: ignore[no-untyped-def]
    machine = counted[0]
    seal = machine.reading.seal
    bad = closing_report(election, machine, sessions_voted=seal.sessions_voted - 1)
    result = reconcile(election.versions[-1].package, counted, issuer_figures(election), [bad])
    [mismatch] = result.mismatches
    assert mismatch.subject == machine.machine_id and "sessions_voted" in mismatch.message
    forged = closing_report(election, machine)
    forged = forged.replace(b'"sessions_voted":', b'"sessions_voted":1', 1)
    with pytest.raises(IssuerReportError, match="does not verify"):
        reconcile(election.versions[-1].package, counted, issuer_figures(election), [forged])


def test_records_that_do_not_fit_the_sessions(election: Election, counted) -> None:  # type: ignore[no-untyped-def]
    machine = counted[1]
    seal = machine.reading.seal
    lying = dataclasses.replace(machine, reading=dataclasses.replace(
        machine.reading, seal=dataclasses.replace(seal, sessions_voted=1)))
    figures = issuer_figures(election)
    result = reconcile(election.versions[-1].package, [lying, *counted[2:], counted[0]], figures)
    messages = [m.message for m in result.mismatches if m.subject == machine.machine_id]
    assert any("more records in a contest than sessions" in m for m in messages)


def test_issuer_report_from_csv_and_json(tmp_path: Path, election: Election) -> None:
    rows = {p: IssuerCounts(p, f["issued"], f["voided"], f["outstanding"])
            for p, f in election.per_place.items()}
    csv_text = "place_id,issued,voided,outstanding\n" + "".join(
        f"{r.place_id},{r.issued},{r.voided},{r.outstanding}\n" for r in rows.values())
    (tmp_path / "desk.csv").write_text(csv_text, encoding="utf-8")
    (tmp_path / "desk.json").write_text(json.dumps(
        {"places": [dataclasses.asdict(r) for r in rows.values()]}), encoding="utf-8")
    assert load_issuer_report(tmp_path / "desk.csv") == rows
    assert load_issuer_report(tmp_path / "desk.json") == rows


@pytest.mark.parametrize("text,kind,needle", [
    ("place_id,issued\ng001,-3\n", "csv", "issued"),
    ("place_id,issued\ng001,\n", "csv", "issued missing"),
    ("place,issued\ng001,3\n", "csv", "place_id"),
    ('[{"place_id": "g001", "issued": 3}, {"place_id": "g001", "issued": 4}]', "json",
     "twice"),
    ('{"places": [{"place_id": "g001", "issued": true}]}', "json", "whole number"),
    ("not json", "json", "not JSON"),
])
def test_bad_issuer_reports_are_refused_with_the_reason(text: str, kind: str,
                                                        needle: str) -> None:
    with pytest.raises(IssuerReportError, match=needle):
        parse_issuer_report(text, kind=kind)


def test_unsigned_figures_need_the_counting_managers_decision(election: Election,
                                                              counted) -> None:  # type: ignore[no-untyped-def]
    typed = {p: IssuerCounts(p, f["issued"], f["voided"], f["outstanding"])
             for p, f in election.per_place.items()}
    result = reconcile(election.versions[-1].package, counted, typed)
    assert {m.subject for m in result.mismatches} == set(election.per_place)
    assert all("not signed by the desk" in m.message for m in result.mismatches)
    assert result.open_mismatches(sorted(election.per_place)) == ()


@pytest.mark.parametrize("place,report,needle", [
    ("g001", lambda e: desk_report(e, "g001", key="R-g002"), "forged or altered"),
    ("g001", lambda e: desk_report(e, "g001").replace(b'"voided":', b'"voided":1', 1),
     "forged or altered"),
    ("g001", lambda e: desk_report(e, "g001", election_id="kasumigaura-2026"),
     "another election"),
    # desk R-g002's own signature, but naming the other desk's place: bound to its own place
    ("g002", lambda e: desk_report(e, "g002", place_id="g001"),
     "polling place other than its desk's"),
    ("g001", lambda e: desk_report(e, "g001", issuer="R-x99", key="R-x99"), "forged or altered"),
])
def test_forged_altered_or_misplaced_reports_are_refused(election: Election, counted,  # type: ignore[no-untyped-def]
                                                         place: str, report,  # type: ignore[no-untyped-def]
                                                         needle: str) -> None:
    figures = issuer_figures(election, **{place: report(election)})
    with pytest.raises(IssuerReportError, match=needle):
        reconcile(election.versions[-1].package, counted, figures)


def test_figures_that_differ_from_their_signed_report_are_refused(election: Election,
                                                                  counted) -> None:  # type: ignore[no-untyped-def]
    figures = issuer_figures(election)
    figures["g001"] = dataclasses.replace(figures["g001"], voided=figures["g001"].voided + 1)
    with pytest.raises(IssuerReportError, match="differ from the desks' signed reports"):
        reconcile(election.versions[-1].package, counted, figures)


def test_a_folder_of_desk_reports_and_the_same_desk_twice(tmp_path: Path,
                                                          election: Election, counted) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "desks"
    folder.mkdir()
    for place in election.per_place:
        (folder / f"R-{place}.json").write_bytes(desk_report(election, place))
    figures = load_issuer_report(folder)
    assert all(len(f.reports) == 1 for f in figures.values())
    assert reconcile(election.versions[-1].package, counted, figures).balanced
    (folder / "again.json").write_bytes(desk_report(election, "g001"))
    with pytest.raises(IssuerReportError, match="twice"):
        load_issuer_report(folder)
