"""The official documents beyond the result report: the counting minutes (開票録, 公職選挙法70条)
drawn from a real count, and the NIST SP 1500-100 v2 CDF export of a district's count and of
the election meeting, validated against NIST's published JSON schema."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from PIL import Image, ImageChops, ImageStat

from counting.cdf import from_counting
from counting.decisions import SessionLog
from counting.meeting_minutes import write_meeting_files
from counting.report import CountingRecord
from counting.report_files import ReportFiles
from counting.report_signed import SessionSigner
from tests.meeting_support import meeting_package
from tests.test_counting import day  # noqa: F401  (module fixture: a real day's media)
from tests.test_counting_report import report  # noqa: F401  (a real count's report files)
from tests.test_meeting import meet, two_districts

SCHEMA = Path(__file__).parent / "vectors" / "nist-cdf" / "NIST_V2_election_results_reporting.json"
Report = tuple[CountingRecord, ReportFiles, SessionLog]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def pdf_first_page(pdf: Path, tmp: Path) -> Image.Image:
    """The PDF's first page as poppler renders it (the PDF itself, not our PNG of it)."""
    subprocess.run(["pdftoppm", "-png", "-gray", "-r", "150", "-f", "1", "-l", "1",
                    "-singlefile", str(pdf), str(tmp / "page")], check=True, timeout=120)
    return Image.open(tmp / "page.png").convert("L")


def distance(a: Image.Image, b: Image.Image) -> float:
    """Mean grey-level difference (the PDF holds the page as JPEG, like the result report)."""
    assert a.size == b.size
    return float(ImageStat.Stat(ImageChops.difference(a, b)).mean[0])


def errors(validator: jsonschema.Draft4Validator, document: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def selection_counts(document: dict[str, Any], contest_id: str) -> dict[str, dict[str, int]]:
    contest = next(c for c in document["Election"][0]["Contest"]
                   if c["@id"] == f"contest-{contest_id}")
    return {s["@id"].removeprefix(f"sel-{contest_id}-"):
            {v["GpUnitId"]: v["Count"] for v in s["VoteCounts"]}
            for s in contest["ContestSelection"]}


def test_a_districts_cdf_is_valid_and_says_what_was_counted(
        report: Report, validator: jsonschema.Draft4Validator) -> None:  # noqa: F811
    record, files, _ = report
    assert files.cdf is not None
    document = json.loads(files.cdf.read_text(encoding="utf-8"))
    assert document == from_counting(record)
    assert errors(validator, document) == []
    assert document["Status"] == "unofficial-complete"
    for result in record.results:
        counts = selection_counts(document, result.contest_id)
        assert {k: sum(v.values()) for k, v in counts.items()} == {
            c.candidate_id: c.votes for c in result.candidates}
    # the schema really checks: a report without its status, or with a float count, fails
    broken = json.loads(files.cdf.read_text(encoding="utf-8"))
    del broken["Status"]
    broken["Election"][0]["Contest"][0]["ContestSelection"][0]["VoteCounts"][0]["Count"] = "3"
    assert len(errors(validator, broken)) >= 2


def test_the_counting_minutes_are_drawn_from_the_count(report: Report,  # noqa: F811
                                                       tmp_path: Path) -> None:
    record, files, log = report
    assert files.minutes is not None and files.minutes.read_bytes().startswith(b"%PDF-")
    pages = sorted(files.minutes.parent.glob("pages/counting-minutes-page-*.png"))
    assert len(pages) >= 2
    for path in pages:
        image = Image.open(path).convert("L")
        assert image.size == (1240, 1754) and sum(image.histogram()[:128]) > 5000
    rendered = pdf_first_page(files.minutes, tmp_path)
    own = distance(rendered, Image.open(pages[0]).convert("L"))
    assert own < 12 and own < distance(rendered, Image.open(pages[1]).convert("L")) / 2
    # the copy-medium decision with the witnesses heard is in the record the minutes show
    assert [d.witnesses_heard for d in record.decisions] == [("立会人 佐藤", "立会人 鈴木")]
    assert log.entries()[0].time  # the opening time the minutes print


def test_the_meetings_cdf_is_valid_and_certifies_the_winners(
        tmp_path: Path, validator: jsonschema.Draft4Validator) -> None:
    signed = meeting_package()
    files, prints = two_districts(signed)
    record = meet(signed, files, prints)
    written = write_meeting_files(record, tmp_path, SessionSigner.generate(), is_test=True)
    document = json.loads(written.cdf.read_text(encoding="utf-8"))
    assert errors(validator, document) == []
    assert document["Status"] == "certified" and document["IsTest"] is True
    winners = {c["@id"] for c in document["Election"][0]["Candidate"]
               if c.get("PostElectionStatus") == "winner"}
    assert winners == {"cand-mayor-mayor-1", "cand-assembly-assembly-1",
                       "cand-assembly-assembly-2", "cand-assembly-assembly-3"}
    counts = selection_counts(document, "mayor")
    assert counts["mayor-1"] == {"gp-district-kaihyoku-1": 30, "gp-district-kaihyoku-2": 30,
                                 "gp-tsukuba-2026-11": 60}
    units = {u["@id"]: u for u in document["GpUnit"]}
    assert units["gp-tsukuba-2026-11"]["ComposingGpUnitIds"] == [
        "gp-district-kaihyoku-1", "gp-district-kaihyoku-2"]
    assert "うち白票" in document["Notes"]
    rendered = pdf_first_page(written.pdf, tmp_path)
    own = distance(rendered, Image.open(written.pages[0]).convert("L"))
    assert own < 12 and own < distance(rendered, Image.open(written.pages[1]).convert("L")) / 2
