"""Election meeting: 50 counting districts × 2 contests verified, added up and decided (issue 16: < 1 s)."""

from __future__ import annotations

import random
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.measurement import Measurement, median, timings
from counting.meeting import hold_meeting
from counting.meeting_minutes import write_meeting_files
from counting.report_signed import SessionSigner
from drivers.clock import JST
from election.package import SignedPackage
from tests.meeting_support import district_result
from tests.station import make_package

GOAL = 1.0
NOW = datetime(2026, 11, 30, 1, 0, tzinfo=JST)


def election(districts: int) -> SignedPackage:
    """One polling place and machine per district; a mayor (5 candidates) and an assembly of
    30 seats (45 candidates)."""
    places = [f"p{i:03d}" for i in range(1, districts + 1)]

    def candidates(prefix: str, n: int) -> list[dict[str, Any]]:
        return [{"candidate_id": f"{prefix}-{i}", "name": f"候補者 {prefix} {i}",
                 "kana": "こうほしゃ", "party": f"党{i % 4}", "status": "standing"}
                for i in range(1, n + 1)]

    contests = [
        {"contest_id": "mayor", "title": "市長選挙", "title_en": "Mayor", "blank_allowed": True,
         "order_rule": "fixed-by-lot", "office": "mayor", "seats": 1,
         "candidates": candidates("mayor", 5)},
        {"contest_id": "assembly", "title": "市議会議員選挙", "title_en": "Assembly",
         "blank_allowed": True, "order_rule": "fixed-by-lot", "office": "assembly",
         "seats": 30, "candidates": candidates("assembly", 45)},
    ]
    return make_package(
        {}, 64, contests=contests,
        polling_places=[{"place_id": p, "name": f"第{p}投票所"} for p in places],
        machines=[{"machine_id": f"M-{p}", "place_id": p} for p in places],
        issuers=[{"issuer_id": "R-p001", "place_id": "p001"},
                 {"issuer_id": "R-p002", "place_id": "p002"}],
        counting_districts=[{"district_id": f"d-{p}", "name": f"第{p}開票区", "place_ids": [p]}
                            for p in places])


def district_files(signed: SignedPackage, seed: int) -> tuple[list[tuple[str, str]],
                                                               dict[str, str]]:
    people = random.Random(seed)
    files, prints = [], {}
    for district in signed.package.districts():
        # distinct totals per candidate make ties at the last seat unlikely; a tie is drawn
        votes = {c.contest_id: {k.candidate_id: people.randint(50, 2000) for k in c.candidates}
                 for c in signed.package.contests}
        machines = [m.machine_id for m in signed.package.machines
                    if m.place_id in district.place_ids]
        signer = SessionSigner.generate()
        data = district_result(signed, district.district_id, votes,
                               invalid={"mayor": {"blank": people.randint(0, 40)}},
                               machines=machines)
        files.append((f"{district.district_id}.json", signer.sign_result(data)))
        prints[district.district_id] = signer.fingerprint[:16]
    return files, prints


def run(quick: bool) -> list[Measurement]:
    size = 10 if quick else 50
    signed = election(size)
    files, prints = district_files(signed, seed=16)

    def meeting() -> Any:
        return hold_meeting(signed, files, prints, {}, place="市役所", chief="選挙長",
                            witnesses=["立会人"], opened_at=NOW, now=NOW)

    record = meeting()
    seconds = timings(meeting, 3 if quick else 10)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        write_meeting_files(record, Path(tmp), SessionSigner.generate())
        documents = time.perf_counter() - start
    worst = max(seconds)
    return [
        Measurement(f"meeting, {size} districts × 2 contests, median", median(seconds), "s"),
        Measurement(f"meeting, {size} districts × 2 contests, worst of {len(seconds)}", worst,
                    "s", f"< {GOAL}", worst < GOAL),
        Measurement("minutes PDF + signed result + CDF written", documents, "s"),
    ]
