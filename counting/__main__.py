"""Command line for the counting centre (開票所). A counting session lives in one folder
(``--session DIR``): its settings, its own hash-chained audit log with every decision, the
paper-ballot entries and the counted totals. Steps, in the order of the day::

    python -m counting import  --session S --commission-pub F --package P [--package P2]
                               --media DIR [--media DIR ...] [--manager NAME] [--witness NAME ...]
    python -m counting reconcile --session S --issued ISSUER-REPORT.json
    python -m counting decide  --session S copy|night-seal M-001 --reason TEXT --by NAME --heard NAME
    python -m counting paper   --session S --batch ID --kind absentee --first F1 --second F2
    python -m counting unlock  --session S --reader "" --holders K   (the real cards, in turn)
    python -m counting count   --session S --reader "" --holders K [--out DIR]
                               (--card FILE ... instead: simulated cards for rehearsals;
                                PINs at the terminal, or --pins-from-stdin: one per line)
    python -m counting report  --session S --out DIR
    python -m counting verify  result.signed.json [--fingerprint XXXX] | --qr result-qr.png

The one-shot form without a subcommand (``--commission-pub … --demo-private-key F --out DIR``)
counts a demo day in one go."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from counting.decisions import DecisionRefused, Decisions, SessionLog
from counting.importer import STATUS_JA, ImportResult, import_media
from counting.paper import (
    PaperBatch,
    PaperEntry,
    PaperError,
    PaperKind,
    compare,
    enter_batch,
    merge_paper,
    resolve,
)
from counting.pin_entry import FLAG_HELP, PinEntryUnavailable, pin_reader
from counting.reconciliation import Reconciliation, load_issuer_report, reconcile
from counting.report import (
    CountingRecord,
    ReconciliationLine,
    dependencies_hash,
    render_text,
    to_csv,
    to_json,
)
from counting.report_files import write_report_files
from counting.report_signed import ResultNotAuthentic, SessionSigner, verify_result, verify_summary
from counting.tally import (
    CandidateResult,
    ContestResult,
    CountInterrupted,
    RecordChangedSinceImport,
    tally,
)
from counting.unlock import UnlockRefused, in_turn, unlock
from drivers.clock import SystemClock
from drivers.software_identity import software_hash
from election.package import (
    CandidateStatus,
    PackageError,
    SignedPackage,
    load_package,
    short_fingerprint,
    verify_chain,
)
from firmware.audit_events import AuditEvent
from media.audit_log import AuditChainBroken
from media.counting_key import CountingKeyError, public_key_bytes
from media.counting_key import fingerprint as counting_key_fingerprint
from media.demo_key import read_demo_private_key

ROOT = Path(__file__).resolve().parent.parent
SUBCOMMANDS = ("import", "reconcile", "decide", "paper", "paper-resolve", "unlock", "count",
               "report", "verify")
RECONCILE_LABEL = ("交付カード = 投票 + 棄権 + 無効 + 未返却 / cards issued = votes + abstentions + "
                   "voided + outstanding")


class CliError(Exception):
    """Stops the command with a bilingual message and exit status 2."""


class Progress:
    """``取込 / import  123/500  24.6%  41.0 media/s`` on stderr, redrawn in place."""

    def __init__(self, label: str, stream: TextIO = sys.stderr) -> None:
        self.label = label
        self.stream = stream
        self.start = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int, path: Path) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.2:
            return
        self.last = now
        rate = done / max(now - self.start, 1e-6)
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total} {100 * done / max(total, 1):5.1f}%"
                          f" {rate:,.1f} 媒体/秒 media/s")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


def find_media(folders: Sequence[Path]) -> list[Path]:
    paths: list[Path] = []
    for given in folders:
        if (given / "TOHYOKI").is_dir():
            found = [given]
        else:
            found = sorted(p for p in given.iterdir() if (p / "TOHYOKI").is_dir())
        if not found:  # a mistyped folder must not become an official zero result
            raise CliError(f"{given} に記録媒体がありません / no vote medium in {given}")
        paths += found
    return paths


def load_versions(commission_pub: Path, packages: Sequence[Path]
                  ) -> tuple[list[SignedPackage], SignedPackage]:
    commission = bytes.fromhex(commission_pub.read_text().strip())
    versions = [load_package(p.read_bytes(), commission) for p in packages]
    return versions, verify_chain(versions)


# --- the session folder -----------------------------------------------------------------------


@dataclass
class Session:
    folder: Path
    settings: dict[str, Any]
    log: SessionLog

    @classmethod
    def open(cls, folder: Path) -> Session:
        settings_path = folder / "session.json"
        if not settings_path.exists():
            raise CliError(f"{folder} は開票の作業フォルダではありません。先に import を実行して"
                           f"ください / {folder} is not a counting session: run import first")
        settings = json.loads(settings_path.read_text(encoding="utf-8"))
        return cls(folder, settings, SessionLog(folder / "session.log", SystemClock().now))

    @property
    def decisions(self) -> Decisions:
        return Decisions(self.log)

    def counting_key(self) -> str | None:
        """The digest of the package's counting key recorded when the session opened."""
        opened = [e for e in self.log.entries()
                  if e.event_id == AuditEvent.COUNTING_SESSION_OPENED.value]
        if not opened or not opened[0].detail.get("counting_key"):
            return None  # a session opened before the fingerprint was recorded
        return str(opened[0].detail["counting_key"])

    def versions(self) -> tuple[list[SignedPackage], SignedPackage]:
        return load_versions(Path(self.settings["commission_pub"]),
                             [Path(p) for p in self.settings["packages"]])

    def media(self) -> list[Path]:
        return find_media([Path(p) for p in self.settings["media"]])

    def import_all(self, keep_records: bool = True, record: bool = True
                   ) -> tuple[ImportResult, SignedPackage, list[SignedPackage]]:
        """``record=False``: a read-only look (the projector), nothing is logged."""
        versions, newest = self.versions()
        paths = self.media()
        imported = import_media(paths, versions, self.decisions.copy_decisions(),
                                keep_records=keep_records, workers=os.cpu_count() or 1,
                                progress=Progress("取込 / import"),
                                log=self.log if record else None,
                                night_seal_decisions=self.decisions.night_seal_decisions())
        return imported, newest, versions

    def reconciliation(self, imported: ImportResult, newest: SignedPackage,
                       record: bool = True) -> Reconciliation | None:
        if not self.settings.get("issued"):
            return None
        return reconcile(newest.package, imported.counted,
                         load_issuer_report(Path(self.settings["issued"])),
                         log=self.log if record else None)

    def open_mismatches(self, imported: ImportResult, newest: SignedPackage) -> int:
        """Print reconciliation mismatches without a decision; their number (0: may count)."""
        found = self.reconciliation(imported, newest)
        if found is None:
            return 0
        still = found.open_mismatches(sorted(self.decisions.reconciled()))
        for m in still:
            print(f"  - 照合の不一致（決定が必要） / mismatch needing a decision: {m.message}",
                  file=sys.stderr)
        return len(still)

    def paper_batches(self) -> list[PaperBatch]:
        batches = []
        for path in sorted((self.folder / "paper").glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = {k: _entry(data[k]) if data.get(k) else None
                       for k in ("first", "second", "resolved")}
            first, second = entries["first"], entries["second"]
            assert first is not None and second is not None
            batches.append(PaperBatch(data["batch_id"], PaperKind(data["kind"]), first, second,
                                      entries["resolved"]))
        return batches

    def save_batch(self, batch: PaperBatch) -> None:
        (self.folder / "paper").mkdir(exist_ok=True)
        data = {"batch_id": batch.batch_id, "kind": batch.kind.value,
                "first": _entry_data(batch.first), "second": _entry_data(batch.second),
                "resolved": _entry_data(batch.resolved) if batch.resolved else None}
        (self.folder / "paper" / f"{batch.batch_id}.json").write_text(
            json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _entry_data(entry: PaperEntry) -> dict[str, Any]:
    return {"officer": entry.officer, "counts": {c.contest_id: c.rows() for c in entry.counts}}


def _entry(data: dict[str, Any]) -> PaperEntry:
    try:
        return PaperEntry.of(str(data["officer"]), data["counts"])
    except (KeyError, TypeError, AttributeError) as exc:
        raise CliError(f"紙の投票の入力ファイルが読めません / unreadable paper entry: {exc}") from exc


def _read_entry(path: Path) -> PaperEntry:
    try:
        return _entry(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise CliError(f"{path}: 読めません / cannot read: {exc}") from exc


def results_to_data(results: Sequence[ContestResult]) -> list[dict[str, Any]]:
    return [{"contest_id": r.contest_id, "title": r.title, "title_en": r.title_en,
             "candidates": [[c.candidate_id, c.name, c.party, c.status.value, c.votes]
                            for c in r.candidates],
             "blank": r.blank, "invalid": r.invalid, "unreadable": r.unreadable,
             "blank_not_allowed": r.blank_not_allowed} for r in results]


def results_from_data(data: list[dict[str, Any]]) -> tuple[ContestResult, ...]:
    return tuple(ContestResult(
        contest_id=r["contest_id"], title=r["title"], title_en=r["title_en"],
        candidates=tuple(CandidateResult(c[0], c[1], c[2], CandidateStatus(c[3]), c[4])
                         for c in r["candidates"]),
        blank=r["blank"], invalid=r["invalid"], unreadable=r["unreadable"],
        blank_not_allowed=r["blank_not_allowed"]) for r in data)


# --- subcommands ------------------------------------------------------------------------------


def print_import(imported: ImportResult) -> None:
    for finding in imported.findings:
        status = f"{STATUS_JA.get(finding.status, finding.status)} / {finding.status}"
        print(f"  {finding.path.name}: [{status}] {finding.message}")
    for note in imported.notes:
        print(f"  注 / note: {note}")


def check_counting_key(newest: SignedPackage, recorded: str | None,
                       private: bytes | None = None) -> None:
    """Refuse a package whose counting key is not the one the session opened with, and a demo
    key that is not the private half of the package's counting key: a wrong key would only
    make every record unreadable, never a result."""
    public = newest.package.counting_public_key
    expected = counting_key_fingerprint(public)
    if recorded is not None and recorded != expected:
        raise CliError(
            f"選挙データの開票鍵（指紋 {short_fingerprint(expected)}）が作業記録を開いたときの鍵"
            f"（指紋 {short_fingerprint(recorded)}）と違います / the package's counting key "
            f"(fingerprint {short_fingerprint(expected)}) is not the one recorded when this "
            f"session was opened ({short_fingerprint(recorded)})")
    if private is not None and public_key_bytes(private) != public:
        raise CliError(
            f"このデモ用鍵はこの選挙の鍵の儀式の開票鍵（指紋 {short_fingerprint(expected)}）の"
            "秘密鍵ではありません / this demo key is not the private half of this election's "
            f"counting key (fingerprint {short_fingerprint(expected)})")


def cmd_import(args: argparse.Namespace) -> int:
    args.session.mkdir(parents=True, exist_ok=True)
    versions, newest = load_versions(args.commission_pub, args.package)
    find_media(args.media)
    settings = {"commission_pub": str(args.commission_pub.resolve()),
                "packages": [str(p.resolve()) for p in args.package],
                "media": [str(p.resolve()) for p in args.media],
                "manager": args.manager, "witnesses": args.witness}
    (args.session / "session.json").write_text(
        json.dumps(settings, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    session = Session.open(args.session)
    if not session.log.entries():
        session.log.append(AuditEvent.COUNTING_SESSION_OPENED, "opened", manager=args.manager,
                           witnesses=list(args.witness), package_fingerprint=newest.fingerprint,
                           counting_key=counting_key_fingerprint(
                               newest.package.counting_public_key),
                           software_hash=software_hash(ROOT))
    imported, _, _ = session.import_all(keep_records=False)
    print(f"選挙データ / package v{newest.package.version} {newest.short_fingerprint}")
    # the same value the key ceremony printed: the counting manager compares the two on paper
    print("開票鍵の指紋 / counting key fingerprint: "
          f"{short_fingerprint(counting_key_fingerprint(newest.package.counting_public_key))}")
    print_import(imported)
    if imported.problems:
        return _problems(imported)
    print(f"取込完了 / imported: {len(imported.counted)} 台 / machines")
    return 0


def _problems(imported: ImportResult) -> int:
    print("開票を開始できません / counting cannot start:", file=sys.stderr)
    for problem in imported.problems:
        print(f"  - {problem}", file=sys.stderr)
    return 3


def cmd_reconcile(args: argparse.Namespace) -> int:
    session = Session.open(args.session)
    load_issuer_report(args.issued)  # refuse an unreadable report before remembering it
    session.settings["issued"] = str(args.issued.resolve())
    (session.folder / "session.json").write_text(
        json.dumps(session.settings, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    imported, newest, _ = session.import_all(keep_records=False)
    if imported.problems:
        return _problems(imported)
    found = session.reconciliation(imported, newest)
    assert found is not None
    for place in found.places:
        if place.issued is not None:
            accounted = place.votes + place.abstentions + place.voided + place.outstanding
            print(f"  {place.place_id} {place.name}: {place.issued} = {place.votes} + "
                  f"{place.abstentions} + {place.voided} + {place.outstanding} ({accounted})")
    if session.open_mismatches(imported, newest):
        print("照合が一致しません。開票管理者の決定を記録してください / reconciliation "
              "mismatches need the counting manager's decision (decide reconciliation …)",
              file=sys.stderr)
        return 6
    print("照合 / reconciliation: OK")
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    session = Session.open(args.session)
    decisions = session.decisions
    if args.kind == "copy":
        d = decisions.decide_copy_medium(args.subject, args.reason, args.by, args.heard)
    elif args.kind == "night-seal":
        d = decisions.decide_night_sealed(args.subject, args.reason, args.by, args.heard)
    elif args.kind == "validity":
        d = decisions.decide_validity(args.subject, args.ruling, args.reason, args.by, args.heard)
    else:
        d = decisions.decide_reconciliation(args.subject, args.ruling or "accept", args.reason,
                                            args.by, args.heard)
    print(f"決定を記録しました / decision recorded: #{d.sequence} {d.time} {d.kind.value} "
          f"{d.subject} {d.ruling}")
    return 0


def cmd_paper(args: argparse.Namespace) -> int:
    session = Session.open(args.session)
    _, newest = session.versions()
    batch = enter_batch(newest.package, args.batch, PaperKind(args.kind),
                        _read_entry(args.first), _read_entry(args.second), session.log)
    session.save_batch(batch)
    differences = compare(batch.first, batch.second)
    if differences:
        print(f"二つの入力が一致しません / the two entries differ ({args.batch}):", file=sys.stderr)
        for d in differences:
            print(f"  - {d.contest_id} {d.row}: {d.first} ≠ {d.second}", file=sys.stderr)
        return 4
    print(f"紙の投票 {args.batch}: 二つの入力が一致しました / both entries agree")
    return 0


def cmd_paper_resolve(args: argparse.Namespace) -> int:
    session = Session.open(args.session)
    _, newest = session.versions()
    batches = {b.batch_id: b for b in session.paper_batches()}
    if args.batch not in batches:
        raise CliError(f"紙の投票 {args.batch} はありません / no paper batch {args.batch}")
    fixed = resolve(newest.package, batches[args.batch], _read_entry(args.recount),
                    session.decisions, args.reason, args.by, args.heard)
    session.save_batch(fixed)
    print(f"紙の投票 {args.batch}: 数え直しを記録しました / recount recorded")
    return 0


def _ask_pin(args: argparse.Namespace) -> Callable[[str], str]:
    try:
        return pin_reader(args.pins_from_stdin, sys.stdin)
    except PinEntryUnavailable as exc:
        raise CliError(str(exc)) from None


def _present_cards(cards: Sequence[Path], ask_pin: Callable[[str], str]) -> list[tuple[Any, str]]:
    from drivers.card_keyholder_sim import SimulatedKeyHolderCard

    presented = []
    for path in cards:
        card = SimulatedKeyHolderCard.load(path)
        presented.append((card, ask_pin(card.holder_label)))
    return presented


def _holders_at_reader(session: Session, args: argparse.Namespace) -> Any:
    """The real cards: the holders come to one PC/SC reader in turn; each card is checked
    (commission certificate, this election, key-holder role, authenticity) before its PIN."""
    from drivers.clock import SystemClock
    from drivers.pcsc_keyholder import KeyHolderReader
    from drivers.pcsc_reader import PcscCardReader

    if args.holders < 2:
        raise CliError("鍵保管者の人数を --holders で指定してください / give the number of key "
                       "holders present with --holders")
    _, newest = session.versions()
    commission = bytes.fromhex(Path(session.settings["commission_pub"]).read_text().strip())
    station = KeyHolderReader(
        PcscCardReader(args.reader), commission, newest.package.election_id, SystemClock().now,
        _ask_pin(args), lambda text: print(text, file=sys.stderr, flush=True),
    )
    return in_turn(lambda i: station.present(i, f"鍵保管者 {i + 1} / key holder {i + 1}"),
                   args.holders, station.done)


def _unlock(session: Session, args: argparse.Namespace, public_key: bytes) -> Any:
    if args.reader is not None:
        if args.card:
            raise CliError("--reader と --card は同時に使えません / give --reader or --card")
        return unlock(_holders_at_reader(session, args), public_key, session.log)
    cards: Sequence[Path] = args.card
    if not cards:
        raise CliError("鍵保管者のカードを --reader（本番）または --card（模擬カード）で示して"
                       "ください / present the key holders' cards with --reader (real cards) or "
                       "--card (simulated card files)")
    presented = _present_cards(cards, _ask_pin(args))
    try:
        return unlock(presented, public_key, session.log)
    finally:
        for (card, _), path in zip(presented, cards, strict=True):
            card.save(path)  # the card's PIN counter is kept, as on a real card


def cmd_unlock(args: argparse.Namespace) -> int:
    session = Session.open(args.session)
    _, newest = session.versions()
    with _unlock(session, args, newest.package.counting_public_key) as key:
        holders = "、".join(key.holders)
    print(f"開票の鍵を復元できます（{holders}）。鍵はメモリから消去しました / the counting key can "
          "be rebuilt; it was wiped from memory again")
    return 0


def cmd_count(args: argparse.Namespace) -> int:
    session = Session.open(args.session)
    # records stay on the media until the tally reads them again in worker processes, checked
    # against the digests taken at import (flat memory for large counts)
    imported, newest, _ = session.import_all(keep_records=False)
    print_import(imported)
    if imported.problems:
        return _problems(imported)
    if session.open_mismatches(imported, newest):
        print("開票を開始できません: 照合の不一致に決定がありません / counting cannot start: "
              "reconciliation mismatches without a decision", file=sys.stderr)
        return 6
    if args.demo_private_key and (args.card or args.reader is not None):
        raise CliError("鍵保管者のカードとデモ用鍵ファイルは同時に使えません / give either the "
                       "key holders' cards or the demo key file, not both")
    check_counting_key(newest, session.counting_key())
    if args.demo_private_key:
        print(DEMO_KEY_WARNING, file=sys.stderr)
        private = read_demo_private_key(args.demo_private_key.read_text())
        check_counting_key(newest, None, private)
        results = tally(newest.package, imported.counted, private)
    else:
        with _unlock(session, args, newest.package.counting_public_key) as key:
            results = tally(newest.package, imported.counted, key.raw)
    data = results_to_data(results)
    encoded = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
    (session.folder / "results.json").write_bytes(encoded)
    session.log.append(AuditEvent.RESULT_COUNTED, "counted",
                       results_sha256=hashlib.sha256(encoded).hexdigest(),
                       machines=[m.machine_id for m in imported.counted])
    print("集計しました / counted")
    if args.out:
        return cmd_report(args)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    session = Session.open(args.session)
    results_path = session.folder / "results.json"
    counted = [e for e in session.log.entries() if e.event_id == AuditEvent.RESULT_COUNTED]
    if not results_path.exists() or not counted:
        raise CliError("まだ集計していません / nothing counted yet: run count first")
    encoded = results_path.read_bytes()
    if hashlib.sha256(encoded).hexdigest() != counted[-1].detail["results_sha256"]:
        raise CliError("集計結果のファイルが集計後に変更されています / results.json was changed "
                       "after counting")
    results = results_from_data(json.loads(encoded))
    imported, newest, versions = session.import_all(keep_records=False)
    if imported.problems:
        return _problems(imported)
    results, paper_lines = merge_paper(newest.package, results, session.paper_batches(),
                                       session.log)
    found = session.reconciliation(imported, newest)
    lines = tuple(
        ReconciliationLine(p.place_id, RECONCILE_LABEL, p.issued,
                           p.votes + p.abstentions + p.voided + p.outstanding)
        for p in (found.places if found else ()) if p.issued is not None)
    record = CountingRecord(
        signed=newest, versions=tuple(versions), imported=imported, results=results,
        software_hash=software_hash(ROOT), dependencies_hash=dependencies_hash(),
        session_log_head=session.log.head,
        created_at=SystemClock().now().isoformat(timespec="seconds"),
        counting_manager=session.settings.get("manager", ""),
        witnesses=tuple(session.settings.get("witnesses", [])),
        decisions=session.decisions.all(), paper=paper_lines, reconciliation=lines,
        reconciliation_notes=tuple(m.message for m in found.mismatches) if found else (),
    )
    files = write_report_files(record, args.out, SessionSigner.generate(), session.log)
    print(files.text.read_text(encoding="utf-8"), end="")
    print(f"報告書 / report: {files.pdf}")
    print(f"結果署名鍵の指紋 / result-signing key fingerprint: {files.key_fingerprint}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    if args.qr:
        read = subprocess.run(["zbarimg", "--raw", "-q", "-Sbinary", str(args.qr)],
                              capture_output=True, timeout=60)
        if read.returncode != 0:
            raise CliError(f"{args.qr}: QRコードを読めません / no QR code found")
        contests = verify_summary(read.stdout.decode("utf-8"), args.fingerprint)
        for contest_id, counts in contests.items():
            print(contest_id, " ".join(f"{k}={v}" for k, v in counts.items()))
    else:
        result = verify_result(args.file.read_text(encoding="utf-8"), args.fingerprint)
        print(f"{result['election_id']}: {len(result['contests'])} contests")
    print("署名を確認しました / the signature verifies")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m counting", description="開票 / counting")
    sub = parser.add_subparsers(dest="command", required=True)

    def session(p: argparse.ArgumentParser) -> None:
        p.add_argument("--session", type=Path, required=True, help="開票の記録のフォルダ / counting session folder")

    p = sub.add_parser("import", help="取込 / import and verify every medium")
    session(p)
    p.add_argument("--commission-pub", type=Path, required=True)
    p.add_argument("--package", type=Path, action="append", required=True)
    p.add_argument("--media", type=Path, action="append", required=True)
    p.add_argument("--manager", default="", help="開票管理者 / counting manager")
    p.add_argument("--witness", action="append", default=[], help="開票立会人 / witness")
    p.set_defaults(run=cmd_import)

    p = sub.add_parser("reconcile", help="照合 / reconcile cards issued with votes")
    session(p)
    p.add_argument("--issued", type=Path, required=True,
                   help="受付の投票カード発行数の報告（JSON または CSV） / the card "
                   "issuers' report of cards issued per place")
    p.set_defaults(run=cmd_reconcile)

    p = sub.add_parser("decide", help="決定 / record a decision of the counting manager")
    session(p)
    p.add_argument("kind", choices=("copy", "night-seal", "validity", "reconciliation"))
    p.add_argument("subject", help="投票機ID・投票所IDなど決定の対象 / machine id, place id, or "
                   "what the decision is about")
    p.add_argument("--ruling", default="", help="効力: valid（有効）|invalid（無効） / validity: valid|invalid")
    p.add_argument("--reason", required=True)
    p.add_argument("--by", required=True, help="開票管理者の氏名 / the counting manager's name")
    p.add_argument("--heard", action="append", default=[],
                   help="意見を聴いた開票立会人（法第9条第4項） / a witness heard (art. 9-4)")
    p.set_defaults(run=cmd_decide)

    p = sub.add_parser("paper", help="紙の投票 / two officers' entries of a paper batch")
    session(p)
    p.add_argument("--batch", required=True)
    p.add_argument("--kind", choices=[k.value for k in PaperKind], required=True)
    p.add_argument("--first", type=Path, required=True)
    p.add_argument("--second", type=Path, required=True)
    p.set_defaults(run=cmd_paper)

    p = sub.add_parser("paper-resolve", help="紙の投票の数え直し / recount of a paper batch")
    session(p)
    p.add_argument("--batch", required=True)
    p.add_argument("--recount", type=Path, required=True)
    p.add_argument("--reason", required=True)
    p.add_argument("--by", required=True)
    p.add_argument("--heard", action="append", default=[])
    p.set_defaults(run=cmd_paper_resolve)

    def key_holders(p: argparse.ArgumentParser) -> None:
        p.add_argument("--reader", help="PC/SC 読取機名の先頭（本番の鍵保管者カードを1枚ずつ）/ "
                       "PC/SC reader name prefix: the real cards, one holder after another")
        p.add_argument("--holders", type=int, default=0,
                       help="--reader で鍵を出す鍵保管者の人数 / how many holders present "
                       "their card at the reader")
        p.add_argument("--card", type=Path, action="append", default=[],
                       help="模擬の鍵保管者カードのファイル（練習用） / a simulated key-holder "
                       "card file (rehearsals)")
        p.add_argument("--pins-from-stdin", action="store_true", help=FLAG_HELP)

    p = sub.add_parser("unlock", help="鍵の確認 / check that the key holders present can unlock")
    session(p)
    key_holders(p)
    p.set_defaults(run=cmd_unlock)

    p = sub.add_parser("count", help="集計 / unlock with the holders' cards and count")
    session(p)
    key_holders(p)
    p.add_argument("--demo-private-key", type=Path,
                   help="デモ専用の鍵ファイル（本番は鍵保管者のカード） / DEMO ONLY key file "
                   "instead of cards")
    p.add_argument("--out", type=Path, help="報告書もここに書く / also write the report here")
    p.set_defaults(run=cmd_count)

    p = sub.add_parser("report", help="報告書 / signed report, PDF, JSON, CSV, QR")
    session(p)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(run=cmd_report)

    p = sub.add_parser("verify", help="署名の確認 / verify a signed result or its QR code")
    p.add_argument("file", type=Path, nargs="?")
    p.add_argument("--qr", type=Path)
    p.add_argument("--fingerprint", help="署名付き報告書に印刷された鍵の指紋 / the key "
                   "fingerprint printed on the signed report")
    p.set_defaults(run=cmd_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help"):
        return one_shot(argv)
    args = build_parser().parse_args(argv)
    try:
        result: int = args.run(args)
        return result
    except (CliError, OSError, ValueError, PackageError, CountingKeyError, DecisionRefused,
            PaperError, ResultNotAuthentic, AuditChainBroken, RecordChangedSinceImport,
            CountInterrupted) as exc:
        print(f"エラー / error: {exc}", file=sys.stderr)
        return 2
    except UnlockRefused as exc:
        print(f"エラー / error: {exc}", file=sys.stderr)
        return 5


DEMO_KEY_WARNING = (
    "注意: デモ専用の鍵ファイルで復号します。本番の開票は鍵保管者のカード（k-of-n）で "
    "`count --card …` を使います / NOTE: decrypting with a DEMO ONLY key file; a real count "
    "unlocks with the key holders' cards (`count --card …`)"
)


def one_shot(argv: list[str]) -> int:
    """The whole count in one command, for the demo (a demo key file instead of cards)."""
    parser = argparse.ArgumentParser(prog="python -m counting", description="開票 / counting")
    parser.add_argument("--commission-pub", type=Path, required=True)
    parser.add_argument("--package", type=Path, action="append", required=True,
                        help="選挙データの全版（変更版も） / every version of the election package")
    parser.add_argument("--media", type=Path, action="append", required=True,
                        help="記録媒体のフォルダ / a medium image directory, or a folder of them")
    parser.add_argument("--demo-private-key", type=Path, required=True,
                        help="デモ専用の開票鍵ファイル（本番は k-of-n の鍵保管者カード） / DEMO ONLY "
                        "counting private key file (k-of-n cards replace it)")
    parser.add_argument("--use-copy", action="append", default=[], metavar="MACHINE=REASON",
                        help="副本を数える開票管理者の決定（法第10条） / counting manager's decision to "
                        "count a machine's copy (art. 10)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        versions, newest = load_versions(args.commission_pub, args.package)
        private = read_demo_private_key(args.demo_private_key.read_text())
        print(DEMO_KEY_WARNING, file=sys.stderr)
        check_counting_key(newest, None, private)
        paths = find_media(args.media)
        decisions = {}
        for item in args.use_copy:
            machine_id, sep, reason = item.partition("=")
            if not sep or not machine_id or not reason.strip():
                raise ValueError(f"--use-copy {item!r}: 投票機=理由 の形で / use MACHINE=REASON")
            decisions[machine_id] = reason
    except (CliError, OSError, ValueError, PackageError, CountingKeyError) as exc:
        print(f"エラー / error: {exc}", file=sys.stderr)
        return 2
    imported = import_media(paths, versions, decisions, progress=Progress("取込 / import"))
    if imported.problems:
        return _problems(imported)
    results = tally(newest.package, imported.counted, private)
    args.out.mkdir(parents=True, exist_ok=True)
    text = render_text(newest, imported, results)
    (args.out / "result.txt").write_text(text, encoding="utf-8")
    (args.out / "result.json").write_text(to_json(newest, imported, results), encoding="utf-8")
    (args.out / "result.csv").write_text(to_csv(results), encoding="utf-8")
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
