"""The election meeting's inputs: one signed result per counting district (開票区).

Each counting session signs its result with a fresh key whose fingerprint is printed on the
district's signed paper report (counting/report_signed.py). The election chief (選挙長) reads
those fingerprints off the papers the counting managers bring; a result is accepted only when
its signature verifies, its key is the one on that district's paper, it is of this election
and this package, its machines all lie in one counting district of the package, and that
district has no other result. Every refusal names the file and the district it claims."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from counting.report_signed import SIGNED_FORMAT, ResultNotAuthentic, key_fingerprint, verify_result
from election.fields import FieldReader
from election.package import CandidateStatus, CountingDistrict, PackageError, SignedPackage

# the lines of 無効投票 a district result states, in the order docs/media-format.md §13.3 fixes
INVALID_REASONS = (
    ("blank", "うち白票", "of which blank"),
    ("invalid_non_candidate", "うち候補者でない者への投票（法第9条第3項・第13条）",
     "of which for a person who is not a candidate"),
    ("blank_not_allowed", "うち白票を認めない選挙の白票", "of which blank where none is offered"),
    ("unreadable", "うち読めない記録", "of which unreadable records"),
)
OTHER_INVALID = ("other", "うちその他の無効投票", "of which other invalid votes")


class DistrictRefused(ValueError):
    """One district's result cannot be used; the message names the file and the district."""


class MeetingRefused(ValueError):
    """The meeting cannot add up: every problem found, each naming its district. No total is
    produced until the election chief has the right results in hand."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("選挙会を開けません / the election meeting cannot add up:\n"
                         + "\n".join(f"  - {p}" for p in self.problems))


@dataclass(frozen=True)
class DistrictCandidate:
    candidate_id: str
    votes: int


@dataclass(frozen=True)
class DistrictContest:
    """One contest as one counting district counted it (paper ballots merged)."""

    contest_id: str
    candidates: tuple[DistrictCandidate, ...]
    valid: int
    invalid: tuple[tuple[str, int], ...]  # (reason key of INVALID_REASONS or "other", votes)
    total: int


@dataclass(frozen=True)
class DistrictResult:
    """A verified district result: whose it is, which key signed it and what it counted."""

    district: CountingDistrict
    source: str  # the file it was read from, for the minutes
    key_fingerprint: str
    created_at: str
    counting_manager: str
    machines: tuple[str, ...]
    contests: tuple[DistrictContest, ...]

    def contest(self, contest_id: str) -> DistrictContest:
        return next(c for c in self.contests if c.contest_id == contest_id)


def _label(district_id: str | None, source: str) -> str:
    claimed = f"開票区 {district_id} / district {district_id}" if district_id else \
        "開票区不明 / district unknown"
    return f"{claimed}（{source}）"


def _claimed_district(data: Any, package: SignedPackage) -> str | None:
    """The district an (unverified) result seems to be from, only to name it in a refusal."""
    try:
        result = data["result"]
        if isinstance(result.get("counting_district"), str):
            return str(result["counting_district"])
        places = {package.package.machine(m["machine_id"]).place_id for m in result["machines"]}
        districts = {package.package.district_of_place(p).district_id for p in places}
        return ",".join(sorted(districts)) or None
    except (KeyError, TypeError, AttributeError, PackageError):
        return None


def _contests(result: Mapping[str, Any], package: SignedPackage, where: str
              ) -> tuple[DistrictContest, ...]:
    r = FieldReader(result, "result", DistrictRefused)
    contests = []
    for c in r.items("contests"):
        contest = package.package.contest(c.identifier("contest_id"))
        candidates = []
        for k in c.items("candidates"):
            candidate = contest.candidate(k.identifier("candidate_id"))
            votes = k.integer("votes")
            if candidate.status is not CandidateStatus.STANDING and votes:
                raise DistrictRefused(f"{where}: {candidate.name} は候補者ではないのに得票があります"
                                      " / votes for a person who is not a candidate")
            candidates.append(DistrictCandidate(candidate.candidate_id, votes))
        if [k.candidate_id for k in candidates] != [k.candidate_id for k in contest.candidates]:
            raise DistrictRefused(f"{where}: {contest.title} の候補者が選挙データと違います / the "
                                  "candidates differ from the package")
        valid, total = c.integer("valid"), c.integer("total")
        if valid != sum(k.votes for k in candidates):
            raise DistrictRefused(f"{where}: {contest.title} の有効投票数が得票の合計と違います / "
                                  "valid votes are not the sum of the candidates' votes")
        invalid = [(key, c.integer(key)) for key, _, _ in INVALID_REASONS if key in c.data]
        other = total - valid - sum(n for _, n in invalid)
        if other < 0:
            raise DistrictRefused(f"{where}: {contest.title} の投票総数が足りません / the total is "
                                  "less than valid plus invalid votes")
        if other:
            invalid.append((OTHER_INVALID[0], other))
        if "invalid" in c.data and c.integer("invalid") != total - valid:
            raise DistrictRefused(f"{where}: {contest.title} の無効投票数が内訳と合いません / the "
                                  "invalid total does not match its lines")
        contests.append(DistrictContest(contest.contest_id, tuple(candidates), valid,
                                        tuple(invalid), total))
    if sorted(c.contest_id for c in contests) != sorted(c.contest_id for c in
                                                         package.package.contests):
        raise DistrictRefused(f"{where}: 選挙の組合せが選挙データと違います / the contests differ "
                              "from the package")
    return tuple(contests)


def read_district_result(text: str, source: str, package: SignedPackage,
                         fingerprints: Mapping[str, str]) -> DistrictResult:
    """Verify one district's signed result; ``fingerprints`` maps district id to the result-key
    fingerprint printed on that district's signed paper report (the short form will do)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DistrictRefused(f"{_label(None, source)}: 開票結果のファイルとして読めません / not a "
                              f"result file: {exc}") from exc
    claimed = _claimed_district(data, package)
    where = _label(claimed, source)
    if not isinstance(data, dict) or data.get("format") != SIGNED_FORMAT or "signature" not in data:
        raise DistrictRefused(f"{where}: 署名がありません。開票管理者が署名した result.signed.json"
                              " を受け取ってください / the result is not signed: take the counting "
                              "manager's result.signed.json")
    try:
        result = verify_result(text)
    except ResultNotAuthentic as exc:
        raise DistrictRefused(f"{where}: 署名が合いません。開票後に書き換えられています / the "
                              f"signature does not verify: the result was altered ({exc})") from exc
    if result.get("election_id") != package.package.election_id:
        raise DistrictRefused(f"{where}: 別の選挙（{result.get('election_id')}）の開票結果です / a "
                              "result of another election")
    if result.get("package_fingerprint") != package.fingerprint:
        raise DistrictRefused(f"{where}: 選挙データの版が違います（この選挙会は第"
                              f"{package.package.version}版 {package.short_fingerprint}）/ counted "
                              "with another version of the package")
    r = FieldReader(result, "result", DistrictRefused)
    machines = tuple(m.identifier("machine_id") for m in r.items("machines"))
    try:
        places = {package.package.machine(m).place_id for m in machines}
        districts = {package.package.district_of_place(p).district_id for p in places}
    except PackageError as exc:
        raise DistrictRefused(f"{where}: {exc}") from exc
    stated = result.get("counting_district")
    if stated is not None:
        districts.add(str(stated))
    if len(districts) != 1:
        found = ", ".join(sorted(districts)) or "投票機なし / no machine"
        raise DistrictRefused(f"{where}: 一つの開票区の結果ではありません（{found}）/ not the result "
                              "of exactly one counting district")
    district_id = districts.pop()
    district = next((d for d in package.package.districts() if d.district_id == district_id),
                    None)
    if district is None:
        raise DistrictRefused(f"{where}: 選挙データにない開票区です / not a counting district of "
                              "this election")
    where = _label(district_id, source)
    public_key = bytes.fromhex(data["public_key"])
    wanted = fingerprints.get(district_id, "").replace(" ", "").lower()
    if not wanted:
        raise DistrictRefused(f"{where}: 開票録に印刷された結果署名鍵の指紋を入力してください / "
                              "enter the result-signing key fingerprint printed on this district's "
                              "signed report")
    fingerprint = key_fingerprint(public_key)
    if len(wanted) < 16 or not fingerprint.startswith(wanted):
        raise DistrictRefused(f"{where}: 署名鍵が開票録に印刷されたものと違います / signed with a "
                              "key other than the one printed on the district's report")
    return DistrictResult(
        district=district, source=source, key_fingerprint=fingerprint,
        created_at=str(result.get("created_at", "")),
        counting_manager=str(result.get("counting_manager", "")),
        machines=machines, contests=_contests(result, package, where))


def gather(files: Sequence[tuple[str, str]], package: SignedPackage,
           fingerprints: Mapping[str, str]) -> tuple[DistrictResult, ...]:
    """Every district exactly once: ``files`` are (source name, text). Raises
    ``MeetingRefused`` with every problem (bad file, district twice, district missing)."""
    problems: list[str] = []
    accepted: dict[str, DistrictResult] = {}
    for source, text in files:
        try:
            result = read_district_result(text, source, package, fingerprints)
        except DistrictRefused as exc:
            problems.append(str(exc))
            continue
        district_id = result.district.district_id
        if district_id in accepted:
            problems.append(f"{_label(district_id, source)}: この開票区の結果は既に "
                            f"{accepted[district_id].source} で受け取っています（二重）/ this "
                            "district's result was already received (twice)")
            continue
        accepted[district_id] = result
    for district in package.package.districts():
        if district.district_id not in accepted and not any(
                f"開票区 {district.district_id} " in p for p in problems):
            problems.append(f"開票区 {district.district_id} {district.name}: 開票結果がありません"
                            f" / district {district.district_id}: no result received")
    if problems:
        raise MeetingRefused(problems)
    return tuple(accepted[d.district_id] for d in package.package.districts())


def read_files(paths: Sequence[Path]) -> list[tuple[str, str]]:
    return [(path.name if path.name != "result.signed.json" else
             f"{path.parent.name}/{path.name}", path.read_text(encoding="utf-8"))
            for path in paths]
