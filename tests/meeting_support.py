"""A fixed election with counting districts for the election-meeting tests, and district results
signed exactly as the counting tool signs them (counting/report_signed.py)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from counting.report_signed import SessionSigner
from election.authoring import read_source
from election.package import SignedPackage
from tests.station import SOURCE, make_package

DISTRICTS = [
    {"district_id": "kaihyoku-1", "name": "第1開票区（本庁）", "place_ids": ["p01"]},
    {"district_id": "kaihyoku-2", "name": "第2開票区（竹園）", "place_ids": ["p02"]},
]
MACHINES = {"kaihyoku-1": ["M-001", "M-002"], "kaihyoku-2": ["M-003"]}
EXTRA_MAYORS = [
    {"candidate_id": "mayor-4", "name": "牛久 四郎", "kana": "うしく しろう", "party": "無所属"},
    {"candidate_id": "mayor-5", "name": "土浦 五月", "kana": "つちうら さつき", "party": "無所属"},
]


def meeting_package(assembly_seats: int = 3, districts: list[dict[str, Any]] | None = None,
                    **overrides: object) -> SignedPackage:
    """tsukuba.toml with five mayoral candidates, the offices and seats, and two districts."""
    source = read_source(SOURCE.read_text(encoding="utf-8"))
    contests = copy.deepcopy(source["contests"])
    for contest in contests:
        if contest["contest_id"] == "mayor":
            contest["candidates"] += copy.deepcopy(EXTRA_MAYORS)
            contest.update(office="mayor", seats=1)
        else:
            contest.update(office="assembly", seats=assembly_seats)
    extra: dict[str, Any] = {"contests": contests,
                             "counting_districts": DISTRICTS if districts is None else districts}
    extra.update(overrides)
    return make_package({}, 64, **extra)


def district_result(signed: SignedPackage, district_id: str,
                    votes: Mapping[str, Mapping[str, int]],
                    invalid: Mapping[str, Mapping[str, int]] | None = None,
                    machines: list[str] | None = None, **top: object) -> dict[str, Any]:
    """A district's result as ``counting.report.record_to_dict`` writes it."""
    contests = []
    for contest in signed.package.contests:
        counted = votes.get(contest.contest_id, {})
        candidates: list[dict[str, Any]] = [{"candidate_id": k.candidate_id, "name": k.name, "party": k.party,
                                             "status": k.status.value,
                                             "votes": counted.get(k.candidate_id, 0)}
                                            for k in contest.candidates]
        bad: dict[str, int] = {"blank": 0, "invalid_non_candidate": 0, "unreadable": 0}
        bad.update((invalid or {}).get(contest.contest_id, {}))
        valid = sum(int(c["votes"]) for c in candidates)
        contests.append({"contest_id": contest.contest_id, "title": contest.title,
                         "candidates": candidates, "valid": valid, **bad,
                         "total": valid + sum(bad.values())})
    return {
        "format": "tohyoki-result/2", "election_id": signed.package.election_id,
        "package_fingerprint": signed.fingerprint, "package_version": signed.package.version,
        "machines": [{"machine_id": m, "role": "primary", "note": "", "seal_tables": {}}
                     for m in (MACHINES[district_id] if machines is None else machines)],
        "notes": [], "contests": contests, "created_at": "2026-11-29T22:10:00+09:00",
        "counting_manager": f"開票管理者 {district_id}", "witnesses": ["立会人"],
    } | dict(top)


def signed_file(data: dict[str, Any], signer: SessionSigner | None = None
                ) -> tuple[str, SessionSigner]:
    signer = signer or SessionSigner.generate()
    return signer.sign_result(data), signer
