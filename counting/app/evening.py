"""The counting evening (開票の進行) as the counting centre's application runs it: the steps of
one counting session in the order of the day, on the same session folder and the same session
log as the command line (``counting/session.py``: one core, two front ends).

A long step (import, the key holders and the count) runs on one worker thread whose heavy work
is in worker processes (the import's and the tally's pools), so the window never waits for it:
the window reads ``progress`` and ``holder_call`` whenever it draws. Only one step runs at a
time, and nothing is written to the log while a step runs, so the log is never appended to by
two threads. What the witnesses' projector shows comes from the session log and from the small
``progress.json`` this class keeps in the session folder (replaced atomically, read-only for
the projector)."""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from counting.app.key_holders import KeyHolderSource, ReaderCards
from counting.ceremony import KeyHolderCard
from counting.collect import Collected, CollectError, collect_medium
from counting.decisions import Decision
from counting.importer import STATUS_HELD, ImportResult
from counting.medium_reader import MediumRejected, read_medium
from counting.paper import PaperBatch, PaperEntry, PaperKind, compare, enter_batch, resolve
from counting.reconciliation import load_issuer_report
from counting.report_files import ReportFiles, write_report_files
from counting.report_signed import SessionSigner
from counting.session import Session, SessionError, check_counting_key, counting_record
from counting.tally import ContestResult, tally
from counting.unlock import UnlockRefused, in_turn, unlock
from election.package import SignedPackage

PROGRESS_FILE = "progress.json"


@dataclass(frozen=True)
class Received:
    """One medium received at the counting centre, with its verdict (read-only copy, then the
    medium's own checks: package, machine key, seal, audit chain)."""

    name: str
    ok: bool
    verdict: str


@dataclass(frozen=True)
class Question:
    """A problem that only the counting manager's recorded decision can settle, after hearing
    the witnesses: a copy medium (art. 10-2), a night-sealed medium, a reconciliation mismatch."""

    kind: str  # the ``python -m counting decide`` kind: copy | night-seal | reconciliation
    subject: str
    message: str


@dataclass
class Progress:
    step: str = ""  # import | count
    done: int = 0
    total: int = 0
    started: float = 0.0
    running: bool = False
    error: str = ""

    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0

    def rate(self) -> float:
        return self.done / max(time.monotonic() - self.started, 1e-6)


@dataclass
class HolderCall:
    """Which key holder is called to the reader, and whether their PIN is awaited."""

    index: int = 0
    count: int = 0
    label: str = ""
    awaiting_pin: bool = False
    read: list[str] = field(default_factory=list)
    said: str = ""


class CountingEvening:
    def __init__(self, folder: Path, cards: KeyHolderSource, *, workers: int | None = None,
                 pin_wait: float = 600.0) -> None:
        self.folder = folder
        self.cards = cards
        self.workers = workers or os.cpu_count() or 1
        self.pin_wait = pin_wait
        self.session: Session | None = None
        self.received: list[Received] = []
        self.imported: ImportResult | None = None
        self.questions: list[Question] = []
        self.reconciled: list[tuple[str, str, int, int]] = []  # place, name, issued, accounted
        self.results: tuple[ContestResult, ...] = ()
        self.report: ReportFiles | None = None
        self.progress = Progress()
        self.holder_call = HolderCall()
        self._pins: queue.Queue[str | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._written = 0.0
        self._versions: tuple[list[SignedPackage], SignedPackage] | None = None
        if (folder / "session.json").exists():
            self.session = Session.open(folder)

    # --- the session ---------------------------------------------------------------------

    def open(self, commission_pub: Path, packages: Sequence[Path], media: Path, manager: str,
             witnesses: Sequence[str]) -> Session:
        """Open the session (``python -m counting import``'s first half). The media folder may
        still be empty: the media are received into it one by one."""
        self._idle()
        if not manager.strip():
            raise SessionError("開票管理者の氏名を入力してください / enter the counting manager's "
                               "name")
        media.mkdir(parents=True, exist_ok=True)
        names = [w.strip() for w in witnesses if w.strip()]
        self.session = Session.create(self.folder, commission_pub, packages, [media], manager,
                                      names, media_may_be_empty=True)
        self._write_progress()
        return self.session

    def newest(self) -> tuple[list[SignedPackage], SignedPackage]:
        """The session's package versions, verified once and kept (for drawing)."""
        if self._versions is None:
            self._versions = self.need().versions()
        return self._versions

    def need(self) -> Session:
        if self.session is None:
            raise SessionError("先に開票を開始してください / open the counting session first")
        return self.session

    @property
    def witnesses(self) -> list[str]:
        return list(self.session.settings.get("witnesses", [])) if self.session else []

    @property
    def manager(self) -> str:
        return str(self.session.settings.get("manager", "")) if self.session else ""

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _idle(self) -> None:
        if self.busy:
            raise SessionError("前の作業が終わるまでお待ちください / wait until the running step "
                               "has finished")

    # --- media received one by one (udev, read-only) -------------------------------------

    def media_folder(self) -> Path:
        return Path(self.need().settings["media"][0])

    def receive(self, mountpoint: Path) -> Received:
        """A medium mounted read-only (``counting.collect`` mounts it): copy it, compare the
        copy, then check the copy on its own. Returns the verdict shown for it."""
        try:
            collected = collect_medium(mountpoint, self.media_folder())
        except CollectError as exc:
            got = Received(mountpoint.name, False, str(exc))
        else:
            got = self._verdict(collected)
        self.received.append(got)
        self._write_progress(force=True)
        return got

    def accept(self, collected: Collected) -> Received:
        """A medium already copied and compared by ``counting.collect``."""
        got = self._verdict(collected)
        self.received.append(got)
        self._write_progress(force=True)
        return got

    def refused(self, device: str, reason: str) -> Received:
        got = Received(device, False, reason)
        self.received.append(got)
        self._write_progress(force=True)
        return got

    def _verdict(self, collected: Collected) -> Received:
        name = collected.folder.name
        try:
            reading = read_medium(collected.folder, self.need().versions()[0],
                                  keep_records=False)
        except MediumRejected as exc:
            return Received(name, False, str(exc))
        records = sum(len(t) for t in reading.tables.values())
        seal = "最終封印 / final seal" if reading.seal.final else "夜間封印のみ / night seal only"
        again = "（取込済みと同一） / (identical, received before)" if collected.already else ""
        return Received(name, True, f"{seal}、記録 {records:,} 件 / {records:,} records, "
                                    f"SHA-256 {collected.sha256[:12]}…{again}")

    # --- import and the questions it leaves ------------------------------------------------

    def start_import(self, issued: Path | None = None) -> None:
        session = self.need()
        self._idle()
        if issued is not None:
            load_issuer_report(issued)  # refuse an unreadable report before remembering it
            session.settings["issued"] = str(issued.resolve())
            session.save_settings()
        self._start("import", self._import)

    def _import(self) -> None:
        session = self.need()
        imported, newest, _ = session.import_all(keep_records=False,
                                                 progress=lambda d, t, _p: self._advance(d, t))
        self.imported = imported
        questions = [q for q in (_question(f.machine_id or "", f.message)
                                 for f in imported.findings if f.status == STATUS_HELD) if q]
        found = session.reconciliation(imported, newest)
        self.reconciled = [(p.place_id, p.name, p.issued,
                            p.votes + p.abstentions + p.voided + p.outstanding)
                           for p in (found.places if found else ()) if p.issued is not None]
        if found is not None:
            decided = session.decisions.reconciled()
            questions += [Question("reconciliation", m.subject, m.message)
                          for m in found.mismatches if m.subject not in decided]
        self.questions = list({(q.kind, q.subject): q for q in questions}.values())

    def decide(self, question: Question, reason: str, heard: Sequence[str],
               ruling: str = "accept") -> Decision:
        """Record the counting manager's decision in the session log; the next import applies
        it."""
        self._idle()
        decisions = self.need().decisions
        if question.kind == "copy":
            made = decisions.decide_copy_medium(question.subject, reason, self.manager, heard)
        elif question.kind == "night-seal":
            made = decisions.decide_night_sealed(question.subject, reason, self.manager, heard)
        else:
            made = decisions.decide_reconciliation(question.subject, ruling, reason,
                                                   self.manager, heard)
        self.questions = [q for q in self.questions if q != question]
        return made

    def blocking(self) -> list[str]:
        """Why counting may not start yet (empty: it may)."""
        if self.imported is None:
            return ["まだ取り込んでいません / nothing imported yet"]
        return [*self.imported.problems, *(q.message for q in self.questions
                                           if q.kind == "reconciliation")]

    # --- the key holders and the count -----------------------------------------------------

    def start_count(self, holders: int) -> None:
        self._idle()
        if holders < 2:
            raise SessionError("鍵保管者の人数を入れてください（2人以上） / give the number of "
                               "key holders present (two or more)")
        if self.blocking():
            raise SessionError("開票を開始できません / counting cannot start: "
                               + "; ".join(self.blocking()))
        self.holder_call = HolderCall(count=holders)
        self._start("count", lambda: self._count(holders))

    def submit_pin(self, pin: str | None) -> None:
        """The PIN typed by the holder called (None: the holder withdrew)."""
        self._pins.put(pin)

    def _ask_pin(self, label: str) -> str:
        self.holder_call.label, self.holder_call.awaiting_pin = label, True
        self._write_progress()
        try:
            pin = self._pins.get(timeout=self.pin_wait)
        except queue.Empty:
            pin = None
        finally:
            self.holder_call.awaiting_pin = False
        if pin is None:
            raise UnlockRefused(f"{label}: 暗証番号が入力されませんでした / no PIN entered")
        return pin

    def _presented(self, holders: int) -> Iterator[tuple[KeyHolderCard, str]]:
        def present(index: int) -> tuple[KeyHolderCard, str]:
            self.holder_call.index = index
            self._write_progress()
            return self.cards.present(index, self._ask_pin)

        def done(index: int) -> None:
            self.holder_call.read.append(self.holder_call.label)
            self._write_progress()
            self.cards.done(index)

        return in_turn(present, holders, done)

    def _count(self, holders: int) -> None:
        session = self.need()
        imported, newest, _ = session.import_all(keep_records=False)
        if imported.problems:
            raise SessionError("; ".join(imported.problems))
        if session.open_mismatches(imported, newest):
            raise SessionError("照合の不一致に決定がありません / reconciliation mismatches "
                               "without a decision")
        check_counting_key(newest, session.counting_key())
        if isinstance(self.cards, ReaderCards):
            self.cards.session = session
        try:
            key = unlock(self._presented(holders), newest.package.counting_public_key,
                         session.log)
        finally:
            self.cards.finish()
        with key:
            self.progress.started = time.monotonic()
            results = tally(newest.package, imported.counted, key.raw, workers=self.workers,
                            progress=self._advance)
        session.save_results(results, [m.machine_id for m in imported.counted])
        self.imported = imported

    # --- paper ballots, entered twice ------------------------------------------------------

    def enter_paper(self, batch_id: str, kind: PaperKind, first: PaperEntry,
                    second: PaperEntry) -> PaperBatch:
        self._idle()
        session = self.need()
        _, newest = session.versions()
        batch = enter_batch(newest.package, batch_id, kind, first, second, session.log)
        session.save_batch(batch)
        return batch

    def paper_differences(self, batch: PaperBatch) -> list[str]:
        return [f"{d.contest_id} {d.row}: {d.first} ≠ {d.second}"
                for d in compare(batch.first, batch.second)]

    def resolve_paper(self, batch_id: str, recount: PaperEntry, reason: str,
                      heard: Sequence[str]) -> PaperBatch:
        self._idle()
        session = self.need()
        _, newest = session.versions()
        batches = {b.batch_id: b for b in session.paper_batches()}
        if batch_id not in batches:
            raise SessionError(f"紙の投票 {batch_id} はありません / no paper batch {batch_id}")
        fixed = resolve(newest.package, batches[batch_id], recount, session.decisions, reason,
                        self.manager, heard)
        session.save_batch(fixed)
        return fixed

    # --- the result ------------------------------------------------------------------------

    def counted(self) -> tuple[ContestResult, ...] | None:
        return self.need().counted_results()

    def start_report(self, out: Path) -> None:
        """Write the report on the worker thread (it verifies every medium again)."""
        self._idle()
        self._start("report", lambda: None if self._write_report(out) else None)

    def write_report(self, out: Path) -> ReportFiles:
        self._idle()
        return self._write_report(out)

    def _write_report(self, out: Path) -> ReportFiles:
        """The counting record from the session (as ``python -m counting report``)."""
        session = self.need()
        results = session.counted_results()
        if results is None:
            raise SessionError("まだ集計していません / nothing counted yet")
        imported, newest, versions = session.import_all(
            keep_records=False, progress=lambda d, t, _p: self._advance(d, t))
        if imported.problems:
            raise SessionError("; ".join(imported.problems))
        record = counting_record(session, imported, newest, versions, results)
        self.results = record.results
        self.report = write_report_files(record, out, SessionSigner.generate(), session.log)
        return self.report

    # --- running a step --------------------------------------------------------------------

    def _start(self, step: str, work: Callable[[], None]) -> None:
        self.progress = Progress(step, started=time.monotonic(), running=True)
        self._write_progress(force=True)

        def run() -> None:
            _yield_to_the_window()
            try:
                work()
            except (SessionError, UnlockRefused, OSError, ValueError) as exc:
                self.progress.error = str(exc)
            finally:
                self.progress.running = False
                self._write_progress(force=True)

        self._thread = threading.Thread(target=run, name=f"counting-{step}", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _advance(self, done: int, total: int) -> None:
        self.progress.done, self.progress.total = done, total
        self._write_progress()

    def _write_progress(self, force: bool = False) -> None:
        """What the projector shows between log entries (never read back by this class)."""
        now = time.monotonic()
        if not force and now - self._written < 0.25:
            return
        self._written = now
        if not (self.folder / "session.json").exists():
            return
        p, h = self.progress, self.holder_call
        state = {"step": p.step, "done": p.done, "total": p.total, "running": p.running,
                 "error": p.error, "holders": h.count, "holder_index": h.index,
                 "holder_label": h.label, "awaiting_pin": h.awaiting_pin,
                 "holders_read": h.read,
                 "received": [[r.name, r.ok, r.verdict] for r in self.received]}
        partial = self.folder / f".{PROGRESS_FILE}.partial"
        partial.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        partial.replace(self.folder / PROGRESS_FILE)


def _yield_to_the_window() -> None:
    """Lower this worker thread's priority (on Linux a thread's own), and so that of the
    worker processes it starts (the forkserver and its children inherit it): on a busy
    counting PC the window's touches are served first, and the count has every core the
    window does not need."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (OSError, AttributeError):  # pragma: no cover - not Linux, or not permitted
        pass


def _question(machine_id: str, message: str) -> Question | None:
    """The held media that a decision can release (the importer's own wording names the case:
    a missing primary → the copy, art. 10; a night seal → counting it anyway)."""
    if not machine_id:
        return None
    if "(art. 10)" in message and "copy" in message:
        return Question("copy", machine_id, message)
    if "sealed for the night only" in message:
        return Question("night-seal", machine_id, message)
    return None
