"""The result in the NIST SP 1500-100 Election Results Common Data Format, version 2 (JSON), which
result aggregators and VotingWorks' tools read. Validated in tests against NIST's published
JSON schema (tests/vectors/nist-cdf/).

Mapping: the municipality, each counting district (開票区) and each polling place are
``ReportingUnit``s (city ⊃ districts ⊃ polling places); each contest is a ``CandidateContest``
(``NumberElected`` = seats, plurality); each candidate's votes are ``VoteCounts`` of type
``total`` per reporting unit. CDF has no line for Japanese invalid-vote reasons: the blank votes
(白票) are the contest's ``Undervotes``, and every reason with its figure is in ``Notes``. A
district's count is ``unofficial-complete``; the election meeting's decision is ``certified``,
with ``PostElectionStatus`` winner or defeated."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from counting.meeting_record import MeetingRecord
from counting.meeting_tally import REASON_JA
from counting.report import CountingRecord
from election.package import CandidateStatus, ElectionPackage

VENDOR = "tohyoki"


@dataclass(frozen=True)
class ContestFigures:
    """One contest's figures per reporting unit, from a district's count or the meeting."""

    contest_id: str
    votes: Mapping[str, Mapping[str, int]]  # candidate id → unit id → votes
    blank: Mapping[str, int]  # unit id → blank votes (白票)
    invalid_notes: Sequence[str]  # "reason: n" lines for Notes
    elected: frozenset[str] | None = None  # None: not decided here (a district's count)


def _text(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {"@type": "ElectionResults.InternationalizedText",
            "Text": [{"@type": "ElectionResults.LanguageString", "Content": content,
                      "Language": language} for content, language in pairs]}


def city_id(package: ElectionPackage) -> str:
    return f"gp-{package.election_id}"


def district_unit_id(district_id: str) -> str:
    return f"gp-district-{district_id}"


def _units(package: ElectionPackage) -> list[dict[str, Any]]:
    districts = package.districts()
    units: list[dict[str, Any]] = [{
        "@id": city_id(package), "@type": "ElectionResults.ReportingUnit", "Type": "city",
        "Name": _text((package.municipality, "ja")),
        "ComposingGpUnitIds": [district_unit_id(d.district_id) for d in districts]}]
    for d in districts:
        units.append({"@id": district_unit_id(d.district_id),
                      "@type": "ElectionResults.ReportingUnit", "Type": "other",
                      "OtherType": "counting-district (開票区)", "Name": _text((d.name, "ja")),
                      "ComposingGpUnitIds": [f"gp-place-{p}" for p in d.place_ids]})
    for p in package.polling_places:
        units.append({"@id": f"gp-place-{p.place_id}", "@type": "ElectionResults.ReportingUnit",
                      "Type": "polling-place", "Name": _text((p.name, "ja"))})
    return units


def election_report(package: ElectionPackage, figures: Sequence[ContestFigures], *,
                    generated: str, certified: bool, software_hash: str,
                    is_test: bool) -> dict[str, Any]:
    """The ElectionReport object (``generated``: ISO 8601 with seconds and zone)."""
    parties = sorted({k.party for c in package.contests for k in c.candidates})
    party_id = {name: f"party-{i}" for i, name in enumerate(parties, start=1)}
    candidates, contests, notes = [], [], []
    by_contest = {f.contest_id: f for f in figures}
    for order, contest in enumerate(package.contests, start=1):
        f = by_contest[contest.contest_id]
        selections = []
        for seq, k in enumerate(contest.candidates, start=1):
            cand_id = f"cand-{contest.contest_id}-{k.candidate_id}"
            candidate: dict[str, Any] = {
                "@id": cand_id, "@type": "ElectionResults.Candidate",
                "BallotName": _text((k.name, "ja"), (k.kana, "ja-Hira")),
                "PartyId": party_id[k.party]}
            if k.status is not CandidateStatus.STANDING:
                candidate["PreElectionStatus"] = "withdrawn"  # 辞退・死亡 (art. 13)
            elif f.elected is not None:
                candidate["PostElectionStatus"] = ("winner" if k.candidate_id in f.elected
                                                   else "defeated")
            candidates.append(candidate)
            selections.append({
                "@id": f"sel-{contest.contest_id}-{k.candidate_id}",
                "@type": "ElectionResults.CandidateSelection", "CandidateIds": [cand_id],
                "SequenceOrder": seq,
                "VoteCounts": [{"@type": "ElectionResults.VoteCounts", "Type": "total",
                                "GpUnitId": unit, "Count": n}
                               for unit, n in f.votes[k.candidate_id].items()]})
        item: dict[str, Any] = {
            "@id": f"contest-{contest.contest_id}", "@type": "ElectionResults.CandidateContest",
            "Name": contest.title, "BallotTitle": _text((contest.title, "ja"),
                                                        (contest.title_en, "en")),
            "ElectionDistrictId": city_id(package), "VotesAllowed": 1,
            "VoteVariation": "plurality", "SequenceOrder": order, "ContestSelection": selections,
            "OtherCounts": [{"@type": "ElectionResults.OtherCounts", "GpUnitId": unit,
                             "Undervotes": n} for unit, n in f.blank.items()]}
        if contest.seats:
            item["NumberElected"] = contest.seats
        contests.append(item)
        notes += [f"{contest.contest_id}: {line}" for line in f.invalid_notes]
    report = {
        "@type": "ElectionResults.ElectionReport", "Format": "summary-contest",
        "GeneratedDate": generated, "Issuer": f"{package.municipality}選挙管理委員会",
        "IssuerAbbreviation": package.election_id, "SequenceStart": 1, "SequenceEnd": 1,
        "Status": "certified" if certified else "unofficial-complete",
        "VendorApplicationId": f"{VENDOR} {software_hash[:16]}", "IsTest": is_test,
        "GpUnit": _units(package),
        "Party": [{"@id": party_id[name], "@type": "ElectionResults.Party",
                   "Name": _text((name, "ja"))} for name in parties],
        "Election": [{
            "@type": "ElectionResults.Election", "ElectionScopeId": city_id(package),
            "Name": _text((package.title, "ja")), "Type": "general",
            "StartDate": package.election_day.isoformat(),
            "EndDate": package.election_day.isoformat(),
            "Candidate": candidates, "Contest": contests}],
    }
    if notes:
        report["Notes"] = "無効投票の内訳 / invalid votes by reason — " + "; ".join(notes)
    return report


def from_counting(record: CountingRecord, is_test: bool = False) -> dict[str, Any]:
    """A counting district's result (paper merged) as CDF, counted for the district whose
    machines it counted (the whole municipality when they span several)."""
    package = record.signed.package
    districts = {package.district_of_place(package.machine(m.machine_id).place_id).district_id
                 for m in record.imported.counted}
    unit = district_unit_id(districts.pop()) if len(districts) == 1 else city_id(package)
    figures = []
    for r in record.results:
        notes = [f"{label} {n}" for label, n in (
            ("白票 blank", r.blank), ("候補者でない者への投票 for a non-candidate", r.invalid),
            ("白票を認めない選挙の白票 blank where none is offered", r.blank_not_allowed),
            ("読めない記録 unreadable", r.unreadable)) if n]
        figures.append(ContestFigures(
            r.contest_id, {c.candidate_id: {unit: c.votes} for c in r.candidates},
            {unit: r.blank}, notes))
    return election_report(package, figures, generated=record.created_at, certified=False,
                           software_hash=record.software_hash, is_test=is_test)


def from_meeting(record: MeetingRecord, is_test: bool = False) -> dict[str, Any]:
    """The election meeting's decision as CDF: votes per district and in total, winners."""
    package = record.signed.package
    figures = []
    for o in record.outcomes:
        t = o.total
        votes = {c.candidate_id: {**{district_unit_id(d): n for d, n in c.by_district},
                                  city_id(package): c.votes} for c in t.candidates}
        blank = {district_unit_id(d.district.district_id):
                 dict(d.contest(t.contest_id).invalid).get("blank", 0) for d in record.districts}
        blank[city_id(package)] = dict(t.invalid).get("blank", 0)
        notes = [f"{REASON_JA[key][0]} {REASON_JA[key][1]} {n}" for key, n in t.invalid if n]
        figures.append(ContestFigures(t.contest_id, votes, blank, notes,
                                      frozenset(c.candidate_id for c in o.elected)))
    return election_report(package, figures, generated=record.closed_at, certified=True,
                           software_hash=record.software_hash, is_test=is_test)
