"""``make demo`` ends with the election meeting (issue 16): two counting districts count the
demo's three machines between them, each signs its result and its 開票録, and the meeting names
the elected in its 選挙録 — adding up to exactly the whole count."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from counting.meeting_record import verify_meeting
from counting.report_signed import verify_result
from demo.election_day import run_day
from tests.test_cdf import SCHEMA


def test_the_demo_day_ends_with_the_election_meeting(tmp_path: Path) -> None:
    outcome = run_day(tmp_path / "day", voters=30, seed=11, amend_after=15, say=lambda _: None)
    assert outcome.matches() and outcome.meeting is not None
    meeting = outcome.meeting
    data = verify_meeting(meeting.files.signed.read_text(encoding="utf-8"),
                          meeting.files.key_fingerprint[:16])
    assert [d["district_id"] for d in data["districts"]] == ["kaihyoku-1", "kaihyoku-2"]
    assert [d["machines"] for d in data["districts"]] == [["M-001", "M-002"], ["M-003"]]
    for district in ("kaihyoku-1", "kaihyoku-2"):
        folder = tmp_path / "day" / "districts" / district
        verify_result((folder / "result.signed.json").read_text(encoding="utf-8"))
        assert (folder / "counting-minutes.pdf").read_bytes().startswith(b"%PDF")
    whole = {r.contest_id: {c.candidate_id: c.votes for c in r.candidates}
             for r in outcome.results}
    for contest in data["contests"]:
        assert {c["candidate_id"]: c["votes"] for c in contest["candidates"]} == whole[
            contest["contest_id"]]
        assert len(contest["elected"]) + contest["seats_unfilled"] == contest["seats"]
    mayor = data["contests"][0]
    if mayor["elected"]:
        votes = {c["candidate_id"]: c["votes"] for c in mayor["candidates"]}
        [elected] = mayor["elected"]
        assert votes[elected] == max(votes.values())  # a tie would have been drawn by lot
        assert next(c["name"] for c in mayor["candidates"]
                    if c["candidate_id"] == elected) in meeting.text
    assert meeting.files.pdf.read_bytes().startswith(b"%PDF")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cdf = json.loads(meeting.files.cdf.read_text(encoding="utf-8"))
    assert list(jsonschema.Draft4Validator(schema).iter_errors(cdf)) == []
