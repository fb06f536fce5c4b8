"""The counting centre's application (counting/app/): the evening's steps over the same session
as the command line — one core, two front ends — and the witnesses' projector read from it.

The window itself (a whole counting by touch and keys, golden screenshots) is in
tests/test_counting_app_window.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from counting.app.evening import CountingEvening, Question
from counting.app.key_holders import SimulatedCards
from counting.app.projector import projector_panels, read_progress
from counting.ceremony import run_ceremony
from counting.decisions import DecisionRefused
from counting.paper import PaperEntry, PaperKind
from drivers.card_keyholder_sim import SimulatedKeyHolderCard
from drivers.clock import JST
from election.package import load_package
from election.reception_report import ReceptionReport
from media.audit_log import verify_chain
from tests.station import COMMISSION_PUB, COUNTING_PRIVATE, COUNTING_PUBLIC, issuer_key
from tests.test_cli import CountingSetup, setup, votes_in  # noqa: F401  (module fixture)
from tests.test_counting import expected_counts
from tests.ui_display import xvfb_display  # noqa: F401  (private Xvfb)

ROOT = Path(__file__).resolve().parent.parent
MANAGER = "開票管理者 山田"
WITNESSES = ("立会人 佐藤", "立会人 鈴木")
PIN = "2468"


@dataclass
class Evening:
    setup: CountingSetup
    cards: list[Path]
    issued: Path
    folder: Path

    def evening(self, cards: list[Path] | None = None) -> CountingEvening:
        return CountingEvening(self.folder, SimulatedCards(cards or self.cards[1:]), workers=2,
                               pin_wait=30)


def make_cards(folder: Path) -> list[Path]:
    """A 2-of-3 ceremony of the test station's counting key onto simulated cards."""
    cards = [(SimulatedKeyHolderCard.issue(h, PIN), PIN) for h in ("鍵保管者A", "鍵保管者B",
                                                                      "鍵保管者C")]
    assert run_ceremony(cards, 2, generate=lambda: COUNTING_PRIVATE).public_key == COUNTING_PUBLIC
    paths = []
    for index, (card, _) in enumerate(cards):
        paths.append(folder / f"card-{index}.json")
        card.save(paths[-1])
    return paths


@pytest.fixture
def evening_setup(setup: CountingSetup, tmp_path: Path) -> Evening:  # noqa: F811
    # each desk's signed report (reception/card_issuer.py); p02: one card more than its votes
    # and abstentions. Unsigned figures would need a decision for every place.
    newest = load_package(setup.v2.read_bytes(), COMMISSION_PUB)
    reports = []
    for place, count in (("p01", 5), ("p02", 4)):
        report = ReceptionReport(
            election_id=newest.package.election_id, package_fingerprint=newest.fingerprint,
            issuer_id=f"R-{place}", place_id=place,
            time=datetime(2026, 11, 29, 20, 5, tzinfo=JST), issued=count, consumed=count,
            voided=0, outstanding=0, by_style=(("mayor,assembly", count),))
        reports.append(json.loads(report.sign(issuer_key(f"R-{place}"))))
    issued = tmp_path / "issued.json"
    issued.write_text(json.dumps(reports), encoding="utf-8")
    return Evening(setup, make_cards(tmp_path), issued, tmp_path / "session")


def wait_for(check: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def open_and_receive(ev: Evening, e: CountingEvening, skip: str = "M-001-primary") -> None:
    e.open(ev.setup.keydir / "commission.pub", [ev.setup.v1], ev.folder / "media", MANAGER,
           list(WITNESSES))
    for medium in ev.setup.day.all_media():
        if medium.name != skip:
            got = e.receive(medium)  # the folder a mounted medium shows
            assert got.ok, got.verdict
            assert "最終封印 / final seal" in got.verdict


def enter_pins(e: CountingEvening, pins: list[str | None]) -> None:
    """Each holder in turn types their PIN when the app asks for it."""
    for index, pin in enumerate(pins):
        wait_for(lambda i=index: (e.holder_call.awaiting_pin and e.holder_call.index == i)
                 or not e.busy)
        if not e.busy:
            return
        e.submit_pin(pin)


def test_the_app_and_the_command_line_share_one_session(evening_setup: Evening) -> None:
    ev = evening_setup
    e = ev.evening()
    open_and_receive(ev, e)
    assert e.receive(ev.setup.day.all_media()[0]).verdict.endswith(
        "（取込済みと同一） / (identical, received before)")
    e.start_import(ev.issued)
    e.wait()
    assert e.progress.error == "" and e.progress.done == e.progress.total == 5
    # M-001's votes are missing until its copy is decided on: p01 does not balance either
    assert [(q.kind, q.subject) for q in e.questions] == [
        ("copy", "M-001"), ("reconciliation", "p01"), ("reconciliation", "p02")]
    with pytest.raises(Exception, match="counting cannot start"):
        e.start_count(2)
    copy = e.questions[0]
    with pytest.raises(DecisionRefused, match="name the witnesses heard"):
        e.decide(copy, "正本が破損", [])
    e.decide(copy, "正本が破損", [WITNESSES[0]])
    e.start_import()
    e.wait()
    assert [(q.kind, q.subject) for q in e.questions] == [("reconciliation", "p02")]
    e.decide(Question("reconciliation", "p02", ""), "カード1枚を選挙人が持ち帰った", [])
    e.start_import()
    e.wait()
    assert e.questions == [] and e.blocking() == []
    # the projector's view of the same folder, read-only
    panels, current = projector_panels(ev.folder)
    assert panels[current].title == "記録媒体の取込 / importing media"
    assert panels[current].subtitle == "3 台を集計 / machines counted"
    e.start_count(2)
    enter_pins(e, [PIN, PIN])
    e.wait()
    assert e.progress.error == "", e.progress.error
    records = sum(sum(c.values()) for c in expected_counts(ev.setup.day).values())
    assert e.progress.done == e.progress.total == records
    assert e.holder_call.read == ["鍵保管者B", "鍵保管者C"]
    first = PaperEntry.of("高橋", {"mayor": {"mayor-2": 2, "blank": 1, "ballots": 3}})
    second = PaperEntry.of("伊藤", {"mayor": {"mayor-2": 1, "mayor-1": 1, "blank": 1,
                                             "ballots": 3}})
    batch = e.enter_paper("absentee-1", PaperKind.ABSENTEE, first, second)
    assert e.paper_differences(batch) == ["mayor mayor-1: 0 ≠ 1", "mayor mayor-2: 2 ≠ 1"]
    e.resolve_paper("absentee-1", first, "立会人の前で数え直した", [WITNESSES[1]])
    # the command line takes the session up where the app left it
    out = ev.folder.parent / "report"
    reported = subprocess.run([sys.executable, "-m", "counting", "report", "--session",
                               str(ev.folder), "--out", str(out)], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
    assert reported.returncode == 0, reported.stderr
    want = expected_counts(ev.setup.day)
    want["mayor"].update({"mayor-2": 2, "blank": 1})
    assert votes_in(out / "result.json") == want
    panels, current = projector_panels(ev.folder)
    mayor = panels[current]
    assert mayor.title == "つくば市長選挙"
    assert [line.value for line in mayor.lines if line.label.startswith("投票総数")] == [
        f"{sum(want['mayor'].values()):,}"]
    entries, _ = verify_chain((ev.folder / "session.log").read_bytes())
    events = [x.event for x in entries]
    assert events.count("key_share_read") == 2 and "counting_key_unlocked" in events
    assert events[-1] == "result_signed"
    # no PIN in the log: no entry's field holds it, none is named after it
    assert not any(v == PIN or "pin" in k.lower() for x in entries for k, v in x.detail.items())


def test_a_wrong_pin_or_a_holder_who_withdraws_counts_nothing(evening_setup: Evening) -> None:
    ev = evening_setup
    e = ev.evening()
    open_and_receive(ev, e, skip="")
    e.start_import()
    e.wait()
    assert e.blocking() == []
    e.start_count(2)
    enter_pins(e, ["0000"])
    e.wait()
    assert "wrong PIN (2 tries left)" in e.progress.error
    assert not (ev.folder / "results.json").exists()
    assert SimulatedKeyHolderCard.load(ev.cards[1]).tries_left == 2  # kept, as on a real card
    e.start_count(2)
    enter_pins(e, [PIN, None])
    e.wait()
    assert "no PIN entered" in e.progress.error and e.holder_call.read == ["鍵保管者B"]
    assert not (ev.folder / "results.json").exists()
    assert SimulatedKeyHolderCard.load(ev.cards[1]).tries_left == 3  # the right PIN resets it
    panels, current = projector_panels(ev.folder, "en")
    assert panels[current].title == "counting key / 開票の鍵"


def test_the_projector_only_reads_the_session(evening_setup: Evening) -> None:
    ev = evening_setup
    e = ev.evening()
    open_and_receive(ev, e)
    e.start_import()
    e.wait()
    before = {p: p.read_bytes() for p in ev.folder.rglob("*") if p.is_file()}
    times = {p: p.stat().st_mtime_ns for p in before}
    for lang in ("ja", "en"):
        projector_panels(ev.folder, lang)
    assert {p: p.read_bytes() for p in ev.folder.rglob("*") if p.is_file()} == before
    assert {p: p.stat().st_mtime_ns for p in before} == times
    assert read_progress(ev.folder)["step"] == "import"
    log = ev.folder / "session.log"
    log.write_bytes(log.read_bytes().replace(b"M-002", b"M-009", 1))
    panels, current = projector_panels(ev.folder)
    assert panels == [panels[0]] and "broken" in panels[0].title


def test_the_projector_process_draws_from_the_session(evening_setup: Evening,
                                                      xvfb_display: str) -> None:  # noqa: F811
    ev = evening_setup
    e = ev.evening()
    open_and_receive(ev, e)
    e.start_import()
    e.wait()
    env = {**os.environ, "DISPLAY": xvfb_display, "LIBGL_ALWAYS_SOFTWARE": "1"}
    shown = subprocess.run([sys.executable, "-m", "counting.app", "--projector", "--session",
                            str(ev.folder), "--smoke"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert "projector drawn: 記録媒体の取込 / importing media" in shown.stdout


def test_the_copy_of_a_medium_changed_after_receiving_is_refused(evening_setup: Evening) -> None:
    ev = evening_setup
    e = ev.evening()
    open_and_receive(ev, e)
    medium = ev.setup.day.all_media()[0]
    changed = ev.folder.parent / medium.name
    shutil.copytree(medium, changed)
    log = changed / "TOHYOKI" / "AUDIT.LOG"
    log.write_bytes(log.read_bytes() + b"\n")
    got = e.receive(changed)
    assert not got.ok and "different content" in got.verdict
