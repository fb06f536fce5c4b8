"""The result report: PDF pages drawn in the pinned font (looked at as PNGs), JSON/CSV, the
signed result file and the QR code with the signed summary, read back by ``zbarimg``."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from counting.ceremony import counting_key_fingerprint, run_ceremony, short_fingerprint
from counting.decisions import Decisions, SessionLog
from counting.importer import import_media
from counting.report import CountingRecord, ReconciliationLine, dependencies_hash
from counting.report_files import ReportFiles, write_report_files
from counting.report_signed import (
    ResultNotAuthentic,
    SessionSigner,
    verify_result,
    verify_summary,
)
from counting.screens.app import session_panels
from counting.tally import tally
from drivers.card_keyholder_sim import SimulatedKeyHolderCard
from drivers.clock import JST
from drivers.software_identity import software_hash
from media.audit_log import verify_chain
from tests.station import COUNTING_PRIVATE, COUNTING_PUBLIC
from tests.test_cli import CountingSetup, setup, votes_in  # noqa: F401  (module fixture)
from tests.test_counting import Day, counted, day, expected_counts  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
WHEN = datetime(2026, 11, 29, 21, 5, tzinfo=JST)


def zbarimg(path: Path) -> str:
    result = subprocess.run(["zbarimg", "--raw", "-q", "-Sbinary", str(path)],
                            capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode("utf-8").removesuffix("\n")


def make_record(day: Day, log: SessionLog) -> CountingRecord:  # noqa: F811
    decisions = Decisions(log)
    media = [p for p in day.all_media() if p.name != "M-002-primary"]
    decisions.decide_copy_medium("M-002", "正本が破損（読み取り不可）", "開票管理者 山田",
                                 ["立会人 佐藤", "立会人 鈴木"])
    imported = import_media(media, day.versions, decisions.copy_decisions())
    assert imported.problems == ()
    newest = day.versions[-1]
    results = tally(newest.package, imported.counted, COUNTING_PRIVATE, random.Random(1))
    return CountingRecord(
        signed=newest, versions=tuple(day.versions), imported=imported, results=results,
        software_hash=software_hash(ROOT), dependencies_hash=dependencies_hash(),
        session_log_head=log.head, created_at=WHEN.isoformat(timespec="seconds"),
        counting_manager="開票管理者 山田", witnesses=("立会人 佐藤", "立会人 鈴木"),
        decisions=decisions.all(),
        reconciliation=(ReconciliationLine("p01", "交付カード = 投票 + 棄権 / cards = votes", 5, 5),
                        ReconciliationLine("p02", "交付カード = 投票 + 棄権 / cards = votes", 4, 3)),
    )


@pytest.fixture(scope="module")
def report(day: Day, tmp_path_factory: pytest.TempPathFactory  # noqa: F811
           ) -> tuple[CountingRecord, ReportFiles, SessionLog]:
    out = tmp_path_factory.mktemp("report")
    log = SessionLog(out / "session.log", lambda: WHEN)
    record = make_record(day, log)
    return record, write_report_files(record, out / "result", SessionSigner.generate(), log), log


def test_pdf_has_every_page_and_pages_are_drawn(report: tuple[CountingRecord, ReportFiles,
                                                               SessionLog]) -> None:
    _, files, _ = report
    data = files.pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + data.count(
        b"/Type /Page>") >= len(files.pages) or data.count(b"/Page") >= len(files.pages)
    assert len(files.pages) >= 2
    for path in files.pages:
        page = Image.open(path)
        assert page.size == (1240, 1754)
        histogram = page.convert("L").histogram()
        dark = sum(histogram[:128])
        assert dark > 5000, f"{path.name} looks blank"


def test_qr_on_the_page_reads_back_and_verifies(report: tuple[CountingRecord, ReportFiles,
                                                              SessionLog]) -> None:
    record, files, _ = report
    text = zbarimg(files.qr)
    assert text == files.summary.read_text(encoding="utf-8").removesuffix("\n")
    summary = verify_summary(text + "\n", files.key_fingerprint[:16])
    got = {contest: {k: v for k, v in counts.items() if v and k != "total"}
           for contest, counts in summary.items()}
    assert got == {k: dict(v) for k, v in counted(record.results).items()}
    # and the QR as printed in the PDF's page image
    printed = [zbarimg(p) for p in files.pages if _has_qr(p)]
    assert printed == [text]


def _has_qr(path: Path) -> bool:
    return subprocess.run(["zbarimg", "-q", str(path)], capture_output=True).returncode == 0


def test_signed_result_verifies_and_matches_the_json(report: tuple[CountingRecord, ReportFiles,
                                                                   SessionLog]) -> None:
    _, files, log = report
    result = verify_result(files.signed.read_text(encoding="utf-8"), files.key_fingerprint[:16])
    assert result == json.loads(files.json.read_text(encoding="utf-8"))
    assert result["format"] == "tohyoki-result/2"
    assert [d["kind"] for d in result["decisions"]] == ["copy_medium"]
    assert [m["role"] for m in result["machines"] if m["machine_id"] == "M-002"] == ["copy"]
    assert [p["sessions"] for p in result["places"]] == [5, 3]
    entries, _ = verify_chain(log.path.read_bytes())
    assert entries[-1].event == "result_signed"
    assert entries[-1].detail["key_fingerprint"] == files.key_fingerprint


def test_altered_results_and_wrong_keys_are_refused(report: tuple[CountingRecord, ReportFiles,
                                                                  SessionLog]) -> None:
    _, files, _ = report
    signed = json.loads(files.signed.read_text(encoding="utf-8"))
    signed["result"]["contests"][0]["candidates"][0]["votes"] += 1
    with pytest.raises(ResultNotAuthentic, match="does not verify"):
        verify_result(json.dumps(signed))
    with pytest.raises(ResultNotAuthentic, match="fingerprint is printed"):
        verify_result(files.signed.read_text(encoding="utf-8"), "0000111122223333")
    summary = files.summary.read_text(encoding="utf-8")
    first_count = summary.index("=", summary.index("c=") + 2)
    forged = summary[: first_count + 1] + "9" + summary[first_count + 1 :]
    with pytest.raises(ResultNotAuthentic):
        verify_summary(forged)
    other = SessionSigner.generate()
    body = summary.partition("\nk=")[0] + "\n"
    with pytest.raises(ResultNotAuthentic, match="fingerprint is printed"):
        verify_summary(other.sign_summary(body), files.key_fingerprint[:16])


# --- the whole counting session from the command line ----------------------------------------


def cli(*args: str | Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "counting", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, input=stdin, timeout=120)


def test_counting_session_from_the_command_line(setup: CountingSetup,  # noqa: F811
                                                tmp_path: Path) -> None:
    cards = []
    for holder in ("鍵保管者A", "鍵保管者B", "鍵保管者C"):
        cards.append((SimulatedKeyHolderCard.issue(holder, "2468"), "2468"))
    ceremony = run_ceremony(cards, 2, generate=lambda: COUNTING_PRIVATE)
    assert ceremony.public_key == COUNTING_PUBLIC
    card_files = []
    for index, (card, _) in enumerate(cards):
        card_files.append(tmp_path / f"card-{index}.json")
        card.save(card_files[-1])
    media = tmp_path / "media"
    for medium in setup.day.all_media():
        if medium.name != "M-001-primary":
            shutil.copytree(medium, media / medium.name)
    session = tmp_path / "session"
    opened = cli("import", "--session", session, "--commission-pub",
                 setup.keydir / "commission.pub", "--package", setup.v1, "--media", media,
                 "--manager", "開票管理者 山田", "--witness", "立会人 佐藤", "--witness", "立会人 鈴木")
    assert opened.returncode == 3 and "art. 10" in opened.stderr, opened.stderr
    assert "5/5" in opened.stderr and "media/s" in opened.stderr  # the progress bar
    decided = cli("decide", "--session", session, "copy", "M-001", "--reason", "正本が破損",
                  "--by", "開票管理者 山田", "--heard", "立会人 佐藤")
    assert decided.returncode == 0, decided.stderr
    assert cli("import", "--session", session, "--commission-pub",
               setup.keydir / "commission.pub", "--package", setup.v1, "--media", media,
               "--manager", "開票管理者 山田", "--witness", "立会人 佐藤").returncode == 0
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    paper = {"mayor": {"mayor-2": 2, "blank": 1, "ballots": 3}}
    first.write_text(json.dumps({"officer": "高橋", "counts": paper}), encoding="utf-8")
    second.write_text(json.dumps({"officer": "伊藤", "counts": {
        "mayor": {"mayor-2": 1, "mayor-1": 1, "blank": 1, "ballots": 3}}}), encoding="utf-8")
    differ = cli("paper", "--session", session, "--batch", "absentee-1", "--kind", "absentee",
                 "--first", first, "--second", second)
    assert differ.returncode == 4 and "mayor-2: 2 ≠ 1" in differ.stderr, differ.stderr
    assert cli("paper-resolve", "--session", session, "--batch", "absentee-1", "--recount",
               first, "--reason", "立会人の前で数え直した", "--by", "山田").returncode == 0
    issued = tmp_path / "issued.csv"
    issued.write_text("place_id,issued,voided,outstanding\np01,5,0,0\np02,4,0,0\n",
                      encoding="utf-8")
    unbalanced = cli("reconcile", "--session", session, "--issued", issued)
    assert unbalanced.returncode == 6 and "p02" in unbalanced.stderr, unbalanced.stderr
    refused_ = cli("count", "--session", session, "--card", card_files[1], "--card",
                   card_files[2], "--pins-from-stdin", stdin="2468\n2468\n")
    assert refused_.returncode == 6 and "counting cannot start" in refused_.stderr
    assert cli("decide", "--session", session, "reconciliation", "p02", "--reason",
               "カード1枚を選挙人が持ち帰った", "--by", "山田").returncode == 0
    # the typed-in CSV carries no desk signature: each place's figures need a decision too
    assert "not signed by the desk" in unbalanced.stderr
    assert cli("decide", "--session", session, "reconciliation", "p01", "--reason",
               "受付の発行機の印字と照合した", "--by", "山田").returncode == 0
    assert cli("reconcile", "--session", session, "--issued", issued).returncode == 0
    # PINs come from a terminal; piped ones only when the operator says so (counting/pin_entry.py)
    piped = cli("unlock", "--session", session, "--card", card_files[0], "--card",
                card_files[2], stdin="2468\n2468\n")
    assert piped.returncode != 0 and "--pins-from-stdin" in piped.stderr, piped.stderr
    assert "Traceback" not in piped.stderr
    one = cli("unlock", "--session", session, "--card", card_files[0], "--pins-from-stdin",
              stdin="2468\n")
    assert one.returncode == 5 and "Traceback" not in one.stderr, one.stderr
    two = cli("unlock", "--session", session, "--card", card_files[0], "--card", card_files[2],
              "--pins-from-stdin", stdin="2468\n2468\n")
    assert two.returncode == 0, two.stderr
    counted_ = cli("count", "--session", session, "--card", card_files[1], "--card",
                   card_files[2], "--pins-from-stdin", stdin="2468\n2468\n")
    assert counted_.returncode == 0, counted_.stderr
    out = tmp_path / "report"
    reported = cli("report", "--session", session, "--out", out)
    assert reported.returncode == 0, reported.stderr
    want = expected_counts(setup.day)
    want["mayor"].update({"mayor-2": 2, "blank": 1})
    assert votes_in(out / "result.json") == want
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert [d["kind"] for d in data["decisions"]] == ["copy_medium", "paper", "reconciliation",
                                                      "reconciliation"]
    assert [(r["subject"], r["ok"]) for r in data["reconciliation"]] == [("p01", True),
                                                                         ("p02", False)]
    assert any("p02" in m for m in data["reconciliation_mismatches"])
    assert data["witnesses"] == ["立会人 佐藤"] and (out / "result.pdf").exists()
    fingerprint = next(line for line in reported.stdout.splitlines()
                       if "result-signing key fingerprint" in line).split(": ")[-1]
    assert cli("verify", out / "result.signed.json", "--fingerprint",
               fingerprint[:16]).returncode == 0
    qr = cli("verify", "--qr", out / "result-qr.png", "--fingerprint", fingerprint[:16])
    assert qr.returncode == 0 and f"mayor-2={want['mayor']['mayor-2']}" in qr.stdout, qr.stderr
    wrong = cli("verify", out / "result.signed.json", "--fingerprint", "abcdabcdabcdabcd")
    assert wrong.returncode == 2 and "fingerprint" in wrong.stderr
    panels = session_panels(session)  # what the projector shows the witnesses
    [mayor] = [p for p in panels if p.title == "つくば市長選挙"]
    assert [line.value for line in mayor.lines if line.label.startswith("投票総数")] == [
        f"{sum(want['mayor'].values()):,}"]
    assert any("p02" in line.label and line.value == "決定済 / decided"
               for panel in panels for line in panel.lines)
    results = session / "results.json"
    results.write_text(results.read_text(encoding="utf-8").replace('"blank": 1', '"blank": 0'),
                       encoding="utf-8")
    tampered = cli("report", "--session", session, "--out", tmp_path / "again")
    assert tampered.returncode == 2 and "changed after counting" in tampered.stderr
    assert "changed after counting" in session_panels(session)[-1].subtitle
    entries, _ = verify_chain((session / "session.log").read_bytes())
    events = [e.event for e in entries]
    assert events[0] == "counting_session_opened" and "result_counted" in events
    assert events[-1] == "result_signed"


def test_a_count_refuses_a_demo_key_of_another_key_ceremony(setup: CountingSetup,  # noqa: F811
                                                             tmp_path: Path) -> None:
    """The session records the key ceremony's fingerprint (the package's counting public key);
    a demo key that is not its private half is refused before any record is decrypted, in a
    session and in the one-shot form, instead of counting every record as unreadable."""
    from media.counting_key import generate_private_key
    from media.demo_key import write_demo_private_key

    other = tmp_path / "other.DEMO-ONLY.key"
    other.write_text(write_demo_private_key(generate_private_key()))
    session = tmp_path / "session"
    opened = cli("import", "--session", session, "--commission-pub",
                 setup.keydir / "commission.pub", "--package", setup.v1, "--media",
                 setup.day.root / "media", "--manager", "開票管理者 山田", "--witness", "立会人 佐藤")
    assert opened.returncode == 0, opened.stderr
    first = SessionLog(session / "session.log", lambda: WHEN).entries()[0]
    # the session records, and the import shows, the fingerprint the key ceremony printed
    assert first.detail["counting_key"] == counting_key_fingerprint(COUNTING_PUBLIC)
    assert (f"counting key fingerprint: {short_fingerprint(counting_key_fingerprint(COUNTING_PUBLIC))}"
            in opened.stdout)
    refused = cli("count", "--session", session, "--demo-private-key", other)
    assert refused.returncode == 2 and "not the private half" in refused.stderr, refused.stderr
    assert not (session / "results.json").exists()
    counted_ = cli("count", "--session", session, "--demo-private-key", setup.key)
    assert counted_.returncode == 0, counted_.stderr
    assert (session / "results.json").exists()
    one_shot = cli("--commission-pub", setup.keydir / "commission.pub", "--package", setup.v1,
                   "--media", setup.day.root / "media", "--demo-private-key", other,
                   "--out", tmp_path / "out")
    assert one_shot.returncode == 2 and "not the private half" in one_shot.stderr
    assert not (tmp_path / "out").exists()


def test_count_with_the_real_key_holder_cards_at_one_reader(setup: CountingSetup,  # noqa: F811
                                                          tmp_path: Path) -> None:
    """Issue #6 on the real path, from the command line: the key split 2-of-3 onto emulated
    key-holder cards over pcscd; ``count --reader`` calls the holders one after another, each
    card checked and read in the one reader, and the count equals what the voters chose."""
    from counting.ceremony import run_ceremony_in_turn
    from drivers.pcsc_keyholder import KeyHolderReader
    from drivers.pcsc_reader import PcscCardReader
    from election.credentials import Role
    from election.package import load_package
    from tests import pcsc_env
    from tests.cards_support import admin_card
    from tests.station import COMMISSION_PUB, PIN

    election_id = load_package(setup.v1.read_bytes(), COMMISSION_PUB).package.election_id
    pcsc_env.empty_all()
    now = datetime.now(JST)  # the command line checks the cards against the real clock
    cards = [admin_card(Role.KEY_HOLDER, label=f"kh{n}", election_id=election_id,
                        not_before=now - timedelta(days=1), not_after=now + timedelta(days=30))
             for n in range(3)]
    waiting = list(cards)

    def person(text: str) -> None:  # whoever is asked inserts their card, and takes it out
        if "insert" in text:
            pcsc_env.insert(waiting.pop(0))
        else:
            pcsc_env.remove()

    station = KeyHolderReader(PcscCardReader("Virtual PCD"), COMMISSION_PUB, election_id,
                              lambda: datetime.now(JST), lambda holder: PIN, person,
                              poll_seconds=0.02, wait_seconds=20)
    ceremony = run_ceremony_in_turn(lambda i: station.present(i, f"holder {i}"), 3, 2,
                                    done=station.done, generate=lambda: COUNTING_PRIVATE)
    assert ceremony.public_key == COUNTING_PUBLIC
    media = tmp_path / "media"
    for medium in setup.day.all_media():
        shutil.copytree(medium, media / medium.name)
    session = tmp_path / "session"
    opened = cli("import", "--session", session, "--commission-pub",
                 setup.keydir / "commission.pub", "--package", setup.v1, "--media", media,
                 "--manager", "開票管理者 山田", "--witness", "立会人 佐藤")
    assert opened.returncode == 0, opened.stderr
    waiting[:] = [cards[2], cards[0]]
    with open(tmp_path / "count.out", "w") as out:
        counting = subprocess.Popen(
            [sys.executable, "-m", "counting", "count", "--session", str(session), "--reader",
             "Virtual PCD", "--holders", "2", "--pins-from-stdin"], cwd=ROOT, stdin=subprocess.PIPE, stdout=out,
            stderr=subprocess.PIPE, text=True)
        assert counting.stdin is not None and counting.stderr is not None
        counting.stdin.write(f"{PIN}\n{PIN}\n")
        counting.stdin.close()
        said = []
        for line in counting.stderr:
            said.append(line)
            if "insert your key holder card" in line or "take your card out" in line:
                person(line)
        assert counting.wait(timeout=120) == 0, "".join(said)
    assert sum("insert your key holder card" in line for line in said) == 2
    pcsc_env.empty_all()
    report = tmp_path / "report"
    assert cli("report", "--session", session, "--out", report).returncode == 0
    assert votes_in(report / "result.json") == expected_counts(setup.day)
