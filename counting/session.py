"""A counting session (開票の作業記録): one folder holding the session's settings
(``session.json``), its own hash-chained log with every decision (``session.log``), the
paper-ballot entries (``paper/``) and the counted totals (``results.json``). The command line
(``python -m counting``) and the counting centre's application (``python -m counting.app``) are
two front ends of this one core: both read and write the same folder the same way."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from counting.decisions import Decisions, SessionLog
from counting.importer import ImportResult, import_media
from counting.paper import PaperBatch, PaperEntry, PaperKind, merge_paper
from counting.reconciliation import Mismatch, Reconciliation, load_issuer_report, reconcile
from counting.report import CountingRecord, ReconciliationLine, dependencies_hash
from counting.tally import CandidateResult, ContestResult
from drivers.clock import SystemClock
from drivers.software_identity import software_hash
from election.package import (
    CandidateStatus,
    SignedPackage,
    load_package,
    short_fingerprint,
    verify_chain,
)
from firmware.audit_events import AuditEvent
from media.counting_key import fingerprint as counting_key_fingerprint
from media.counting_key import public_key_bytes

ROOT = Path(__file__).resolve().parent.parent
RECONCILE_LABEL = ("交付カード = 投票 + 棄権 + 無効 + 未返却 / cards issued = votes + abstentions + "
                   "voided + outstanding")

ImportProgress = Callable[[int, int, Path], None]


class SessionError(Exception):
    """Stops the step with a bilingual message the counting manager can act on."""


def find_media(folders: Sequence[Path]) -> list[Path]:
    paths: list[Path] = []
    for given in folders:
        if (given / "TOHYOKI").is_dir():
            found = [given]
        else:
            found = sorted(p for p in given.iterdir() if (p / "TOHYOKI").is_dir())
        if not found:  # a mistyped folder must not become an official zero result
            raise SessionError(f"{given} に記録媒体がありません / no vote medium in {given}")
        paths += found
    return paths


def load_versions(commission_pub: Path, packages: Sequence[Path]
                  ) -> tuple[list[SignedPackage], SignedPackage]:
    commission = bytes.fromhex(commission_pub.read_text().strip())
    versions = [load_package(p.read_bytes(), commission) for p in packages]
    return versions, verify_chain(versions)


def check_counting_key(newest: SignedPackage, recorded: str | None,
                       private: bytes | None = None) -> None:
    """Refuse a package whose counting key is not the one the session opened with, and a demo
    key that is not the private half of the package's counting key: a wrong key would only
    make every record unreadable, never a result."""
    public = newest.package.counting_public_key
    expected = counting_key_fingerprint(public)
    if recorded is not None and recorded != expected:
        raise SessionError(
            f"選挙データの開票鍵（指紋 {short_fingerprint(expected)}）が作業記録を開いたときの鍵"
            f"（指紋 {short_fingerprint(recorded)}）と違います / the package's counting key "
            f"(fingerprint {short_fingerprint(expected)}) is not the one recorded when this "
            f"session was opened ({short_fingerprint(recorded)})")
    if private is not None and public_key_bytes(private) != public:
        raise SessionError(
            f"このデモ用鍵はこの選挙の鍵の儀式の開票鍵（指紋 {short_fingerprint(expected)}）の"
            "秘密鍵ではありません / this demo key is not the private half of this election's "
            f"counting key (fingerprint {short_fingerprint(expected)})")


@dataclass
class Session:
    folder: Path
    settings: dict[str, Any]
    log: SessionLog

    @classmethod
    def open(cls, folder: Path) -> Session:
        settings_path = folder / "session.json"
        if not settings_path.exists():
            raise SessionError(f"{folder} は開票の作業フォルダではありません。先に import を実行"
                               f"してください / {folder} is not a counting session: run import "
                               "first")
        settings = json.loads(settings_path.read_text(encoding="utf-8"))
        return cls(folder, settings, SessionLog(folder / "session.log", SystemClock().now))

    @classmethod
    def create(cls, folder: Path, commission_pub: Path, packages: Sequence[Path],
               media: Sequence[Path], manager: str, witnesses: Sequence[str], *,
               media_may_be_empty: bool = False) -> Session:
        """Open a session (or reopen one with new settings): the packages are verified and the
        media folders must hold a medium before anything is written. The first log entry
        records the package's and the counting key's fingerprints and the software hash.
        ``media_may_be_empty``: the media are still to be received into the folder (the app)."""
        folder.mkdir(parents=True, exist_ok=True)
        _, newest = load_versions(commission_pub, packages)
        if not media_may_be_empty:
            find_media(media)
        settings = {"commission_pub": str(commission_pub.resolve()),
                    "packages": [str(p.resolve()) for p in packages],
                    "media": [str(p.resolve()) for p in media],
                    "manager": manager, "witnesses": list(witnesses)}
        (folder / "session.json").write_text(
            json.dumps(settings, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        session = cls.open(folder)
        if not session.log.entries():
            session.log.append(AuditEvent.COUNTING_SESSION_OPENED, "opened", manager=manager,
                               witnesses=list(witnesses), package_fingerprint=newest.fingerprint,
                               counting_key=counting_key_fingerprint(
                                   newest.package.counting_public_key),
                               software_hash=software_hash(ROOT))
        return session

    def save_settings(self) -> None:
        (self.folder / "session.json").write_text(
            json.dumps(self.settings, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

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

    def import_all(self, keep_records: bool = True, record: bool = True,
                   progress: ImportProgress | None = None,
                   ) -> tuple[ImportResult, SignedPackage, list[SignedPackage]]:
        """``record=False``: a read-only look (the projector), nothing is logged."""
        versions, newest = self.versions()
        paths = self.media()
        imported = import_media(paths, versions, self.decisions.copy_decisions(),
                                keep_records=keep_records, workers=os.cpu_count() or 1,
                                progress=progress,
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

    def open_mismatches(self, imported: ImportResult, newest: SignedPackage,
                        record: bool = True) -> list[Mismatch]:
        """Reconciliation mismatches without a decision yet (none: counting may start)."""
        found = self.reconciliation(imported, newest, record)
        if found is None:
            return []
        return list(found.open_mismatches(sorted(self.decisions.reconciled())))

    def save_results(self, results: Sequence[ContestResult], machines: Sequence[str]) -> None:
        """The counted totals, their digest chained into the session log."""
        encoded = json.dumps(results_to_data(results), ensure_ascii=False,
                             sort_keys=True).encode("utf-8")
        (self.folder / "results.json").write_bytes(encoded)
        self.log.append(AuditEvent.RESULT_COUNTED, "counted",
                        results_sha256=hashlib.sha256(encoded).hexdigest(),
                        machines=list(machines))

    def counted_results(self) -> tuple[ContestResult, ...] | None:
        """The totals last counted, checked against the digest in the log (None: not counted
        yet)."""
        results_path = self.folder / "results.json"
        counted = [e for e in self.log.entries() if e.event_id == AuditEvent.RESULT_COUNTED]
        if not results_path.exists() or not counted:
            return None
        encoded = results_path.read_bytes()
        if hashlib.sha256(encoded).hexdigest() != counted[-1].detail["results_sha256"]:
            raise SessionError("集計結果のファイルが集計後に変更されています / results.json was "
                               "changed after counting")
        return results_from_data(json.loads(encoded))

    def paper_batches(self) -> list[PaperBatch]:
        batches = []
        for path in sorted((self.folder / "paper").glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = {k: entry_from_data(data[k]) if data.get(k) else None
                       for k in ("first", "second", "resolved")}
            first, second = entries["first"], entries["second"]
            assert first is not None and second is not None
            batches.append(PaperBatch(data["batch_id"], PaperKind(data["kind"]), first, second,
                                      entries["resolved"]))
        return batches

    def save_batch(self, batch: PaperBatch) -> None:
        (self.folder / "paper").mkdir(exist_ok=True)
        data = {"batch_id": batch.batch_id, "kind": batch.kind.value,
                "first": entry_to_data(batch.first), "second": entry_to_data(batch.second),
                "resolved": entry_to_data(batch.resolved) if batch.resolved else None}
        (self.folder / "paper" / f"{batch.batch_id}.json").write_text(
            json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def counting_record(session: Session, imported: ImportResult, newest: SignedPackage,
                    versions: Sequence[SignedPackage], results: Sequence[ContestResult]
                    ) -> CountingRecord:
    """The counting record (開票録) of the session: the computer count with the paper batches
    merged, the reconciliation, every decision, the manager and the witnesses."""
    merged, paper_lines = merge_paper(newest.package, results, session.paper_batches(),
                                      session.log)
    found = session.reconciliation(imported, newest)
    lines = tuple(
        ReconciliationLine(p.place_id, RECONCILE_LABEL, p.issued,
                           p.votes + p.abstentions + p.voided + p.outstanding)
        for p in (found.places if found else ()) if p.issued is not None)
    return CountingRecord(
        signed=newest, versions=tuple(versions), imported=imported, results=merged,
        software_hash=software_hash(ROOT), dependencies_hash=dependencies_hash(),
        session_log_head=session.log.head,
        created_at=SystemClock().now().isoformat(timespec="seconds"),
        counting_manager=session.settings.get("manager", ""),
        witnesses=tuple(session.settings.get("witnesses", [])),
        decisions=session.decisions.all(), paper=paper_lines, reconciliation=lines,
        reconciliation_notes=tuple(m.message for m in found.mismatches) if found else (),
    )


def entry_to_data(entry: PaperEntry) -> dict[str, Any]:
    return {"officer": entry.officer, "counts": {c.contest_id: c.rows() for c in entry.counts}}


def entry_from_data(data: dict[str, Any]) -> PaperEntry:
    try:
        return PaperEntry.of(str(data["officer"]), data["counts"])
    except (KeyError, TypeError, AttributeError) as exc:
        raise SessionError(f"紙の投票の入力ファイルが読めません / unreadable paper entry: {exc}"
                           ) from exc


def read_entry(path: Path) -> PaperEntry:
    try:
        return entry_from_data(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise SessionError(f"{path}: 読めません / cannot read: {exc}") from exc


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
