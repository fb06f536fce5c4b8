"""The election meeting (選挙会): every district's signed result verified and used exactly once,
totals, the legal threshold (95条1項) exactly at and just below, ties decided only by the
chief's lot (95条2項), a mayoral contest with nobody elected (再選挙), the forfeiture line (93条),
the minutes and the meeting's own signed result."""

from __future__ import annotations

import json
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from counting.meeting import hold_meeting, main
from counting.meeting_input import MeetingRefused, gather
from counting.meeting_minutes import write_meeting_files
from counting.meeting_record import MeetingRecord, MeetingResultNotAuthentic, verify_meeting
from counting.meeting_tally import Lot, LotNeeded, LotRefused, contest_total, decide, elect
from counting.report_signed import SessionSigner
from drivers.clock import JST
from election.package import PackageError, SignedPackage
from tests.meeting_support import district_result, meeting_package, signed_file
from tests.station import COMMISSION_PUB, make_package

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=JST)
MAYOR = {"mayor-1": 30, "mayor-2": 14, "mayor-3": 0, "mayor-4": 5, "mayor-5": 1}
ASSEMBLY = {"assembly-1": 20, "assembly-2": 12, "assembly-3": 9, "assembly-4": 7, "assembly-5": 2}


@pytest.fixture(scope="module")
def signed() -> SignedPackage:
    return meeting_package()


def two_districts(signed: SignedPackage, first: dict[str, dict[str, int]] | None = None,
                  second: dict[str, dict[str, int]] | None = None
                  ) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Both districts' signed files and the fingerprints the chief reads off their papers."""
    files, prints = [], {}
    for district_id, votes in (("kaihyoku-1", first or {"mayor": MAYOR, "assembly": ASSEMBLY}),
                               ("kaihyoku-2", second or {"mayor": MAYOR, "assembly": ASSEMBLY})):
        text, signer = signed_file(district_result(
            signed, district_id, votes, invalid={"mayor": {"blank": 2, "unreadable": 1}}))
        files.append((f"{district_id}/result.signed.json", text))
        prints[district_id] = signer.fingerprint[:16]
    return files, prints


def meet(signed: SignedPackage, files: list[tuple[str, str]], prints: dict[str, str],
         lots: dict[str, Lot] | None = None) -> Any:
    return hold_meeting(signed, files, prints, lots or {}, place="つくば市役所 会議室",
                        chief="選挙長 山本", witnesses=["立会人 甲", "立会人 乙"],
                        opened_at=NOW, now=NOW)


def test_totals_elected_and_lines_over_two_districts(signed: SignedPackage,
                                                     tmp_path: Path) -> None:
    files, prints = two_districts(signed)
    record = meet(signed, files, prints)
    mayor, assembly = record.outcomes
    assert [c.votes for c in mayor.total.candidates] == [60, 28, 10, 2, 0]
    assert mayor.total.valid == 100 and mayor.total.total == 106
    assert dict(mayor.total.invalid) == {"blank": 4, "invalid_non_candidate": 0, "unreadable": 2}
    assert mayor.total.threshold == 25 and mayor.total.forfeiture_line == 10
    assert [c.candidate_id for c in mayor.elected] == ["mayor-1"]
    kept = {c.candidate_id: c.keeps_deposit for c in mayor.total.candidates}
    assert kept == {"mayor-1": True, "mayor-2": True, "mayor-4": True, "mayor-5": False,
                    "mayor-3": False}  # exactly at the line (10) keeps the deposit (93条)
    assert mayor.total.candidates[2].votes == 10 and mayor.total.candidates[2].keeps_deposit
    # assembly: 100 valid, 3 seats: threshold 100/3/4 = 25/3, line 100/3/10 = 10/3
    assert assembly.total.threshold == Fraction(25, 3)
    assert assembly.total.forfeiture_line == Fraction(10, 3)
    assert [c.candidate_id for c in assembly.elected] == ["assembly-1", "assembly-2",
                                                          "assembly-3"]
    assert dict(assembly.total.candidates[0].by_district) == {"kaihyoku-1": 20, "kaihyoku-2": 20}
    files_out = write_meeting_files(record, tmp_path / "meeting", SessionSigner.generate())
    assert files_out.pdf.read_bytes().startswith(b"%PDF")
    assert files_out.pages and files_out.pages[0].stat().st_size > 10_000
    data = verify_meeting(files_out.signed.read_text(encoding="utf-8"),
                          files_out.key_fingerprint[:16])
    assert data == json.loads(files_out.json.read_text(encoding="utf-8"))
    assert data["contests"][0]["elected"] == ["mayor-1"]
    assert data["contests"][1]["threshold"] == "25/3"
    assert data["districts"][1]["key_fingerprint"].startswith(prints["kaihyoku-2"])


def test_the_meeting_result_is_refused_when_altered_or_from_another_key(
        signed: SignedPackage, tmp_path: Path) -> None:
    files, prints = two_districts(signed)
    out = write_meeting_files(meet(signed, files, prints), tmp_path, SessionSigner.generate())
    text = out.signed.read_text(encoding="utf-8")
    altered = json.loads(text)
    altered["result"]["contests"][0]["elected"] = ["mayor-2"]
    with pytest.raises(MeetingResultNotAuthentic, match="does not verify"):
        verify_meeting(json.dumps(altered))
    with pytest.raises(MeetingResultNotAuthentic, match="printed on the election minutes"):
        verify_meeting(text, SessionSigner.generate().fingerprint[:16])
    # a district's result key cannot pass a meeting result off (different purpose)
    district_text, _ = signed_file({"election_id": "x"})
    with pytest.raises(MeetingResultNotAuthentic):
        verify_meeting(district_text)


def refused(signed: SignedPackage, files: list[tuple[str, str]], prints: dict[str, str]) -> str:
    with pytest.raises(MeetingRefused) as caught:
        gather(files, signed, prints)
    return "\n".join(caught.value.problems)


def test_an_unsigned_district_result_is_refused_naming_the_district(
        signed: SignedPackage) -> None:
    files, prints = two_districts(signed)
    plain = json.loads(files[1][1])["result"]
    message = refused(signed, [files[0], ("result.json", json.dumps(plain))], prints)
    assert "開票区 kaihyoku-2" in message and "not signed" in message


def test_an_altered_district_result_is_refused_naming_the_district(
        signed: SignedPackage) -> None:
    files, prints = two_districts(signed)
    outer = json.loads(files[0][1])
    outer["result"]["contests"][0]["candidates"][1]["votes"] += 5
    outer["result"]["contests"][0]["valid"] += 5
    message = refused(signed, [("kaihyoku-1.json", json.dumps(outer)), files[1]], prints)
    assert "開票区 kaihyoku-1" in message and "altered" in message


def test_a_district_twice_is_refused(signed: SignedPackage) -> None:
    files, prints = two_districts(signed)
    message = refused(signed, [files[0], files[1], ("copy.json", files[1][1])], prints)
    assert "kaihyoku-2" in message and "twice" in message


def test_a_district_of_another_election_is_refused(signed: SignedPackage) -> None:
    files, prints = two_districts(signed)
    other = meeting_package(election_id="kasumigaura-2026-11")
    text, signer = signed_file(district_result(other, "kaihyoku-2", {}))
    message = refused(signed, [files[0], ("other.json", text)],
                      prints | {"kaihyoku-2": signer.fingerprint})
    assert "kaihyoku-2" in message and "another election" in message


def test_a_missing_district_is_refused_and_nothing_is_added_up(signed: SignedPackage,
                                                               tmp_path: Path) -> None:
    files, prints = two_districts(signed)
    message = refused(signed, files[:1], prints)
    assert "kaihyoku-2" in message and "no result received" in message
    assert not (tmp_path / "out").exists()


def test_a_key_other_than_the_one_on_the_paper_is_refused(signed: SignedPackage) -> None:
    files, prints = two_districts(signed)
    message = refused(signed, files, prints | {"kaihyoku-1": SessionSigner.generate().fingerprint})
    assert "kaihyoku-1" in message and "other than the one printed" in message
    message = refused(signed, files, {"kaihyoku-2": prints["kaihyoku-2"]})
    assert "kaihyoku-1" in message and "enter the result-signing key fingerprint" in message


def test_a_result_spanning_two_districts_is_refused(signed: SignedPackage) -> None:
    files, prints = two_districts(signed)
    text, signer = signed_file(district_result(signed, "kaihyoku-1", {},
                                               machines=["M-001", "M-003"]))
    message = refused(signed, [("both.json", text), files[1]], prints)
    assert "not the result of exactly one counting district" in message


def test_another_package_version_is_refused(signed: SignedPackage) -> None:
    files, prints = two_districts(signed)
    data = json.loads(files[0][1])["result"] | {"package_fingerprint": "0" * 64}
    text, signer = signed_file(data)
    message = refused(signed, [("old.json", text), files[1]],
                      prints | {"kaihyoku-1": signer.fingerprint})
    assert "kaihyoku-1" in message and "another version" in message


def one_district(votes: dict[str, dict[str, int]], seats: int = 3
                 ) -> tuple[SignedPackage, list[Any]]:
    package = meeting_package(assembly_seats=seats, districts=[
        {"district_id": "all", "name": "全市", "place_ids": ["p01", "p02"]}])
    text, signer = signed_file(district_result(package, "all", votes,
                                               machines=["M-001", "M-003"]))
    return package, list(gather([("all.json", text)], package, {"all": signer.fingerprint}))


def test_threshold_exactly_at_and_just_below() -> None:
    # mayor: 100 valid → 25 needed; 25 is elected (以上), with 24 nobody else is either
    package, districts = one_district({"mayor": {"mayor-1": 25, "mayor-2": 25, "mayor-4": 24,
                                                 "mayor-5": 26}})
    mayor = elect(contest_total(package.package.contest("mayor"), districts), None)
    assert mayor.total.threshold == 25
    assert {c.candidate_id: c.reaches_threshold for c in mayor.total.candidates} == {
        "mayor-5": True, "mayor-1": True, "mayor-2": True, "mayor-4": False, "mayor-3": False}
    assert [c.candidate_id for c in mayor.elected] == ["mayor-5"]
    # assembly: 121 valid, 3 seats → 121/12 = 10 1/12: 10 votes is just below, 11 is above
    package, districts = one_district({"assembly": {"assembly-1": 60, "assembly-2": 40,
                                                    "assembly-3": 11, "assembly-4": 10}})
    assembly = elect(contest_total(package.package.contest("assembly"), districts), None)
    assert assembly.total.threshold == Fraction(121, 12)
    assert [c.candidate_id for c in assembly.elected] == ["assembly-1", "assembly-2",
                                                          "assembly-3"]
    package, districts = one_district({"assembly": {"assembly-1": 60, "assembly-2": 40,
                                                    "assembly-3": 10, "assembly-4": 10,
                                                    "assembly-5": 0}})
    # 110 valid → 110/12 = 9 1/6: both with 10 qualify and tie for the last seat
    with pytest.raises(LotNeeded) as tie:
        elect(contest_total(package.package.contest("assembly"), districts), None)
    assert tie.value.tied == ("assembly-3", "assembly-4") and tie.value.seats_left == 1


def test_assembly_threshold_exactly_at_qualifies() -> None:
    # 120 valid, 3 seats → 120/3/4 = 10 exactly: 10 votes qualifies (以上)
    package, districts = one_district({"assembly": {"assembly-1": 70, "assembly-2": 40,
                                                    "assembly-3": 10}})
    outcome = elect(contest_total(package.package.contest("assembly"), districts), None)
    assert outcome.total.threshold == 10
    assert [c.candidate_id for c in outcome.elected] == ["assembly-1", "assembly-2",
                                                         "assembly-3"]
    assert not outcome.new_election_needed


def test_a_mayor_without_anyone_at_the_threshold_needs_a_new_election(tmp_path: Path) -> None:
    package, districts = one_district({"mayor": {"mayor-1": 24, "mayor-2": 24, "mayor-3": 20,
                                                 "mayor-4": 17, "mayor-5": 15}})
    mayor = elect(contest_total(package.package.contest("mayor"), districts), None)
    assert mayor.total.threshold == 25
    assert mayor.elected == () and mayor.new_election_needed and mayor.seats_unfilled == 1
    record = MeetingRecord(package, tuple(districts), decide(package.package, districts, {}),
                           "市役所", "選挙長", ("立会人",), "t0", "t1", "0" * 64)
    files = write_meeting_files(record, tmp_path, SessionSigner.generate())
    data = json.loads(files.json.read_text(encoding="utf-8"))
    assert data["contests"][0]["elected"] == [] and data["contests"][0]["new_election_needed"]


def test_an_assembly_with_too_few_qualified_reports_the_shortfall() -> None:
    package, districts = one_district({"assembly": {"assembly-1": 100, "assembly-2": 9}})
    outcome = elect(contest_total(package.package.contest("assembly"), districts), None)
    assert [c.candidate_id for c in outcome.elected] == ["assembly-1"]  # 9 < 109/12
    assert outcome.seats_unfilled == 2 and outcome.new_election_needed


def test_a_tie_at_the_last_seat_waits_for_the_chiefs_lot(signed: SignedPackage) -> None:
    tie = {"mayor": MAYOR, "assembly": {"assembly-1": 20, "assembly-2": 12, "assembly-3": 9,
                                        "assembly-4": 9}}
    files, prints = two_districts(signed, tie, tie)
    with pytest.raises(LotNeeded, match="assembly-3, assembly-4"):
        meet(signed, files, prints)
    lot = Lot("assembly", ("assembly-4",), "選挙長 山本", ("立会人 甲", "立会人 乙"),
              "2026-11-30T01:05:00+09:00")
    record = meet(signed, files, prints, {"assembly": lot})
    assembly = record.outcomes[1]
    assert [c.candidate_id for c in assembly.elected] == ["assembly-1", "assembly-2",
                                                          "assembly-4"]
    assert assembly.lot == lot and assembly.tied == ("assembly-3", "assembly-4")
    for bad, match in (
        (Lot("assembly", ("assembly-5",), "山本", ("甲",), ""), "tied candidates"),
        (Lot("assembly", ("assembly-3", "assembly-4"), "山本", ("甲",), ""), "tied candidates"),
        (Lot("assembly", ("assembly-3",), "山本", (), ""), "witnesses who watched"),
        (Lot("assembly", ("assembly-3",), "", ("甲",), ""), "witnesses who watched"),
    ):
        with pytest.raises(LotRefused, match=match):
            meet(signed, files, prints, {"assembly": bad})
    with pytest.raises(LotRefused, match="no tie"):
        meet(signed, files, prints, {"assembly": lot, "mayor": Lot(
            "mayor", ("mayor-1",), "山本", ("甲",), "")})


def test_a_tie_for_more_than_the_last_seat_keeps_those_above_it(signed: SignedPackage) -> None:
    package, districts = one_district({"assembly": {"assembly-1": 30, "assembly-2": 20,
                                                    "assembly-3": 20, "assembly-4": 20}})
    with pytest.raises(LotNeeded) as tie:
        decide(package.package, districts, {})
    assert tie.value.tied == ("assembly-2", "assembly-3", "assembly-4")
    assert tie.value.seats_left == 2
    outcome = decide(package.package, districts, {"assembly": Lot(
        "assembly", ("assembly-4", "assembly-2"), "山本", ("甲", "乙"), "t")})[1]
    assert [c.candidate_id for c in outcome.elected] == ["assembly-1", "assembly-4",
                                                         "assembly-2"]


def test_a_package_without_office_and_seats_cannot_hold_a_meeting() -> None:
    package = make_package({})  # tsukuba.toml as it is: no districts, no seats
    assert [d.district_id for d in package.package.districts()] == ["whole"]
    with pytest.raises(PackageError, match="office and seats"):
        contest_total(package.package.contests[0], [])


def test_the_command_stops_on_problems_and_on_a_tie_then_writes_the_minutes(
        signed: SignedPackage, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "commission.pub").write_text(COMMISSION_PUB.hex() + "\n")
    (tmp_path / "package.json").write_bytes(signed.to_bytes())
    tie = {"mayor": MAYOR, "assembly": {"assembly-1": 20, "assembly-2": 12, "assembly-3": 9,
                                        "assembly-4": 9}}
    files, prints = two_districts(signed, tie, tie)
    paths = []
    for name, text in files:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    base = ["--commission-pub", str(tmp_path / "commission.pub"),
            "--package", str(tmp_path / "package.json"), "--chief", "選挙長 山本",
            "--witness", "立会人 甲", "--witness", "立会人 乙", "--place", "市役所",
            "--out", str(tmp_path / "out")]
    for district, value in prints.items():
        base += ["--fingerprint", f"{district}={value}"]
    assert main([*base, "--result", str(paths[0])]) == 3
    assert "kaihyoku-2" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    both = [*base, "--result", str(paths[0]), "--result", str(paths[1])]
    assert main(both) == 4
    err = capsys.readouterr().err
    assert "assembly-3" in err and "assembly-4" in err and not (tmp_path / "out").exists()
    assert main([*both, "--lot", "assembly=assembly-3", "--drawn-by", "選挙長 山本",
                 "--watched", "立会人 甲"]) == 0
    out = capsys.readouterr().out
    assert "当選 桜川 花子" not in out and "当選 筑波 太郎" in out
    data = verify_meeting((tmp_path / "out" / "meeting.signed.json").read_text(encoding="utf-8"))
    assert data["contests"][1]["elected"] == ["assembly-1", "assembly-2", "assembly-3"]
    assert data["contests"][1]["lot"]["drawn_by"] == "選挙長 山本"
    assert (tmp_path / "out" / "election-minutes.pdf").read_bytes().startswith(b"%PDF")
