"""The polling day (投票日): its phase from set-up to the final close, the election package it
runs, and the poll manager's operations on it — load the package, zero check, open, pause,
resume, close (also for the night, 期日前投票), reopen, reprint — each answering with the
message the poll manager's menu shows. The phase and the package survive a power cycle on
internal storage; the part that asks (``PollManager``) has already checked card, PIN and role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from election import canonical
from election.package import PackageError, SignedPackage, check_amendment, load_package
from firmware.assisted import AssistedVoting
from firmware.audit import AuditLog
from firmware.audit_events import AuditEvent
from firmware.ballot_box import BallotBox, BallotBoxError
from firmware.display import Display
from firmware.early_voting import check_carried_over, verify_night_close
from firmware.identity import LAST_REPORT_FILE, PACKAGE_FILE, STATE_FILE, MachineIdentity
from firmware.interfaces import (
    Clock,
    InternalStorage,
    MediumError,
    NetworkMonitor,
    PrintedDocument,
    Printer,
    PrinterError,
    Speaker,
)
from firmware.reports import (
    ClosingFigures,
    ReportContext,
    closing_report,
    reopen_report,
    zero_report,
)
from firmware.screens import ContestTitle, Notice, Phase, Screen, Standby
from firmware.speech_approval import check_speech_set


@dataclass(frozen=True)
class DayDevices:
    """The devices the day's operations use (the booth's and the cards' are not among them)."""

    printer: Printer
    speaker: Speaker  # only to ask which speech set it plays (checked against the package)
    network: NetworkMonitor | None  # art. 4-2; without one the polls never open


class PollingDay:
    def __init__(
        self, identity: MachineIdentity, storage: InternalStorage, clock: Clock, audit: AuditLog,
        ballot_box: BallotBox, devices: DayDevices, display: Display, software_hash: str,
    ) -> None:
        self.identity = identity
        self.storage = storage
        self.clock = clock
        self.audit = audit
        self.ballot_box = ballot_box
        self.devices = devices
        self.display = display
        self.software_hash = software_hash
        self.phase = Phase.UNPROVISIONED
        self.closing_number = 0
        self.package: SignedPackage | None = None
        self._space_warned = False

    # --- the day across power cycles ---------------------------------------------------------

    def restore(self) -> SignedPackage | None:
        """At start-up: the phase, the closing number and the package as last saved."""
        state = self.storage.read(STATE_FILE)
        saved: dict[str, Any] = (
            canonical.decode_object(state) if state else {"phase": "setup", "closing": 0}
        )
        self.phase = Phase(saved["phase"])
        self.closing_number = int(saved["closing"])
        package = self.storage.read(PACKAGE_FILE)
        if package is not None:
            self.package = load_package(package, self.identity.commission_key)
        return self.package

    def set_phase(self, phase: Phase) -> None:
        self.phase = phase
        self.storage.write_atomic(
            STATE_FILE, canonical.encode({"phase": phase.value, "closing": self.closing_number})
        )

    def standby(self) -> Standby:
        """Which election, place, machine and day this is, with the phase (issue #17)."""
        machine_id = self.identity.machine_id
        day = self.clock.now().date()
        if self.package is None:
            return Standby(self.phase, machine_id=machine_id, day=day)
        package = self.package.package
        place = ""
        try:
            place_id = package.machine(machine_id).place_id
            place = next((p.name for p in package.polling_places if p.place_id == place_id), "")
        except PackageError:
            pass  # a package that does not list this machine is refused at load anyway
        return Standby(
            self.phase,
            contests=tuple(ContestTitle(c.title, c.title_en) for c in package.contests),
            polling_place=place, machine_id=machine_id, day=day,
        )

    def is_open(self) -> bool:
        return self.phase is Phase.OPEN and self.package is not None

    # --- what stops voting -------------------------------------------------------------------

    def pause_if_open(self) -> None:
        if self.phase is Phase.OPEN:
            self.set_phase(Phase.PAUSED)

    def media_fault(self, exc: Exception) -> Screen:
        self.audit.record(AuditEvent.MEDIA_ERROR, "failure", reason=type(exc).__name__)
        self.pause_if_open()
        return self.display.show(
            Notice(
                f"記録媒体の異常のため投票を停止しました: {exc}",
                "Voting is stopped because of a media fault; call the poll manager.",
                for_admin=True,
            )
        )

    def power_failing(self) -> Screen:
        """UPS on battery (art. 4-1-5): nothing half-written exists between events, so pause
        until power is back (the booth has already dropped an unfinished session)."""
        self.audit.record(AuditEvent.POWER_FAILING, phase=self.phase.value)
        self.pause_if_open()
        return self.display.show(
            Notice(
                "停電のため投票を一時停止しました。記録済みの投票は安全です。電源の復旧後、投票管理者が"
                "再開してください",
                "Power failure: voting is suspended; recorded votes are safe. The poll manager "
                "resumes once power is back.",
                for_admin=True,
            )
        )

    def network_interfaces(self) -> str:
        """Art. 4-2: the names of every interface other than loopback ('' when there is none);
        a machine that cannot tell counts as connected."""
        monitor = self.devices.network
        try:
            if monitor is None:
                raise OSError("no network monitor")
            found = [name for name in monitor.interfaces() if name != "lo"]
        except OSError as exc:
            found = [f"確認不能 / cannot list interfaces: {exc}"]
        if found:
            self.audit.record(
                AuditEvent.NETWORK_INTERFACE_FOUND, "failure", interfaces=", ".join(found)[:120]
            )
        return ", ".join(found)

    def space_warning(self) -> str | None:
        """Media nearly full: logged once, shown on every admin menu until the close."""
        try:
            warning = self.ballot_box.space_warning(len(self.audit.export()))
        except (MediumError, BallotBoxError) as exc:
            return str(exc)
        if warning and not self._space_warned:
            self._space_warned = True
            self.audit.record(AuditEvent.MEDIA_SPACE_LOW, "failure")
        return warning

    # --- the poll manager's operations: each returns the menu's message ----------------------

    def refuse(self, action: str, ja: str, en: str) -> str:
        self.audit.record(AuditEvent.ADMIN_ACTION_REFUSED, action=action, reason="phase")
        return f"{ja} / {en}"

    def transition(self, source: Phase, target: Phase, event: AuditEvent) -> str:
        if self.phase is not source:
            return self.refuse(
                event.name.lower(),
                f"現在の状態（{self.phase.value}）ではできません",
                f"not possible while {self.phase.value}",
            )
        if target is Phase.OPEN and self.package is not None:
            today = self.clock.now().date()
            p = self.package.package
            if not p.valid_from <= today <= p.valid_until:
                return self.refuse(
                    "open", "選挙データの有効期間外です", "outside the package's validity period"
                )
        if target is Phase.OPEN:
            connected = self.network_interfaces()
            if connected:
                return (
                    "ネットワークに接続できる装置があるため投票を開始できません（第4条の2）。"
                    f"取り外してください: {connected} / a network interface exists; polls cannot "
                    "open (art. 4-2)"
                )
        self.set_phase(target)
        self.audit.record(event)
        return ""

    def load_package(self, data: bytes, card_election_id: str) -> str:
        key = self.identity.signing_key
        machine_id = self.identity.machine_id
        self.audit.record(AuditEvent.PACKAGE_LOAD, "start")
        if self.phase is Phase.CLOSED:
            return self.refuse("load-package", "投票は終了しています", "polls are closed")
        try:
            signed = load_package(data, self.identity.commission_key)
            package = signed.package
            if package.election_id != card_election_id:
                raise PackageError("管理者カードと別の選挙です / package of another election")
            entry = package.machine(machine_id)
            if entry.public_key != key.public_key().public_bytes_raw():
                raise PackageError(
                    "選挙データに登録された鍵がこの投票機の鍵と違います / the package lists another"
                    " key for this machine"
                )
            if self.phase is Phase.SETUP:  # art. 4-1-3: only the set the commission signed
                check_speech_set(signed, self.devices.speaker.speech_set)
            if self.package is not None and signed.fingerprint != self.package.fingerprint:
                check_amendment(self.package, signed)
            self.ballot_box.prepare(
                machine_id, signed, key, initialise=self.phase is Phase.SETUP
            )
        except (PackageError, BallotBoxError, MediumError) as exc:
            self.audit.record(AuditEvent.PACKAGE_LOAD, "failure", reason=str(exc)[:120])
            return f"選挙データを読み込めません / cannot load: {exc}"
        self.storage.write_atomic(PACKAGE_FILE, data)
        self.package = signed
        self.audit.record(
            AuditEvent.PACKAGE_LOAD, "success", fingerprint=signed.fingerprint,
            version=package.version,
        )
        if self.phase is Phase.SETUP:
            self.set_phase(Phase.PACKAGE_LOADED)
        return f"選挙データ指紋 / fingerprint {signed.short_fingerprint}"

    def zero_check(self) -> str:
        if self.phase not in (Phase.PACKAGE_LOADED, Phase.ZERO_CHECKED):
            return self.refuse("zero-check", "ゼロ確認は投票開始前のみ", "only before opening")
        self.audit.record(AuditEvent.ZERO_CHECK, "start")
        try:
            problems = self.ballot_box.zero_problems()
            counts = self.ballot_box.record_counts()
        except (MediumError, BallotBoxError) as exc:
            self.audit.record(AuditEvent.ZERO_CHECK, "failure", reason=type(exc).__name__)
            return str(exc)
        if problems:
            self.audit.record(AuditEvent.ZERO_CHECK, "failure", problems=len(problems))
            return "ゼロ確認失敗。投票を開始できません / zero check failed: " + "; ".join(problems)
        report = zero_report(self.report_context(), self.media_ids(), counts)
        self.audit.record(AuditEvent.ZERO_CHECK, "success")
        self.set_phase(Phase.ZERO_CHECKED)
        return self.print(report)

    def resume(self) -> str:
        if self.phase is not Phase.PAUSED:
            return self.refuse("resume", "一時停止中ではありません", "polls are not paused")
        try:
            outcome = self.ballot_box.recover()
            self.ballot_box.record_counts()  # every slot readable on the primary
        except (MediumError, BallotBoxError) as exc:
            return f"記録媒体を確認できません / media check failed: {exc}"
        if outcome is not None:
            self.audit.record(AuditEvent.RECOVERY, "success", recorded=outcome.recorded)
        return self.transition(Phase.PAUSED, Phase.OPEN, AuditEvent.POLLS_RESUMED)

    def close(self, final: bool = True) -> str:
        from_night = final and self.phase is Phase.NIGHT_CLOSED
        if self.phase not in (Phase.OPEN, Phase.PAUSED) and not from_night:
            return self.refuse("close", "投票中ではありません", "polls are not open")
        assert self.package is not None
        key, machine_id = self.identity.signing_key, self.identity.machine_id
        if from_night:  # 期日前投票 ended last night: verify as ReopenCheck does, then seal final
            self.audit.record(AuditEvent.REOPEN_CHECK, "start", purpose="final-close")
            try:
                verify_night_close(self.ballot_box, machine_id, self.package, key,
                                   self.closing_number)
            except (MediumError, BallotBoxError) as exc:
                self.audit.record(AuditEvent.REOPEN_CHECK, "failure", reason=type(exc).__name__)
                return (f"前夜の封印と一致しないため最終の投票終了ができません / "
                        f"final close refused, media differ from the night seal: {exc}")
            self.audit.record(AuditEvent.REOPEN_CHECK, "success", closing=self.closing_number)
        self.audit.record(AuditEvent.MEDIA_SEAL, "start")
        # Seal first, then close: a seal that fails (medium pulled, full) leaves the machine
        # paused with nothing lost, and the poll manager can fix the medium and close again.
        self.pause_if_open()
        try:
            self.ballot_box.recover()
            seal = self.ballot_box.seal(
                machine_id, self.package, key, self.closing_number + 1, final,
                self.audit.export(), self.audit.count, self.audit.head,
            )
        except (MediumError, BallotBoxError) as exc:
            self.audit.record(AuditEvent.MEDIA_SEAL, "failure", reason=type(exc).__name__)
            return f"封印に失敗しました。投票は一時停止中です / sealing failed, polls stay paused: {exc}"
        self.closing_number += 1
        self.set_phase(Phase.CLOSED if final else Phase.NIGHT_CLOSED)
        self.audit.record(AuditEvent.MEDIA_SEAL, "success")
        if final:
            self.audit.record(AuditEvent.POLLS_CLOSED)
        else:
            self.audit.record(AuditEvent.POLLS_CLOSED_FOR_NIGHT, closing=self.closing_number)
        self.audit.record(AuditEvent.MEDIA_REMOVABLE)
        lines = self.ballot_box.ledger.lines()
        figures = ClosingFigures(
            seal=seal,
            eligible_per_contest={
                c.contest_id: sum(line.voted and c.contest_id in line.contests for line in lines)
                for c in self.package.package.contests
            },
            assisted_sessions=AssistedVoting(self.storage).sessions,
            errors=sum(entry.outcome == "failure" for entry in self.audit.entries()),
        )
        printed = self.print(closing_report(self.report_context(), figures))
        removable = (
            "封印と監査ログを正本・副本の両方に書き込み、読み戻して確認しました。記録媒体を取り外して"
            "かまいません / the seal and the audit log are written to both media and read back: "
            "the media may now be removed"
        )
        return f"{removable}\n{printed}" if printed else removable

    def reopen_check(self) -> str:
        """期日前投票, next morning: same media, records equal to last night's seal."""
        if self.phase is not Phase.NIGHT_CLOSED:
            return self.refuse("reopen-check", "前夜の投票終了後のみ", "only after a night close")
        assert self.package is not None
        key, machine_id = self.identity.signing_key, self.identity.machine_id
        self.audit.record(AuditEvent.REOPEN_CHECK, "start")
        try:
            self.ballot_box.prepare(machine_id, self.package, key)
            self.ballot_box.check_mirror()
            carried = check_carried_over(
                self.ballot_box, machine_id, key.public_key().public_bytes_raw(),
                self.closing_number,
            )
        except (MediumError, BallotBoxError) as exc:
            self.audit.record(AuditEvent.REOPEN_CHECK, "failure", reason=type(exc).__name__)
            return f"再開確認に失敗しました。投票を再開できません / reopening check failed: {exc}"
        lines = self.ballot_box.ledger.lines()
        report = reopen_report(
            self.report_context(), self.media_ids(), carried.seal, carried.records_per_contest,
            sum(line.voted for line in lines), sum(not line.voted for line in lines),
        )
        self.audit.record(AuditEvent.REOPEN_CHECK, "success", closing=self.closing_number)
        self.set_phase(Phase.ZERO_CHECKED)
        return self.print(report)

    # --- printed reports ---------------------------------------------------------------------

    def report_context(self) -> ReportContext:
        assert self.package is not None
        return ReportContext(
            self.identity.machine_id, self.software_hash, self.package, self.clock.now(),
            self.identity.signing_key,
        )

    def media_ids(self) -> tuple[str, str]:
        assert self.ballot_box.header is not None and self.ballot_box.copy_header is not None
        return (self.ballot_box.header.medium_id, self.ballot_box.copy_header.medium_id)

    def has_report(self) -> bool:
        return self.storage.read(LAST_REPORT_FILE) is not None

    def reprint(self) -> str:
        stored = self.storage.read(LAST_REPORT_FILE)
        if stored is None:
            return "再印刷する報告書がありません / no report to reprint"
        kept = canonical.decode_object(stored)
        document = PrintedDocument(
            str(kept["title"]), tuple(str(line) for line in kept["lines"]),
            bytes.fromhex(str(kept["qr"])) or None,
        )
        self.audit.record(AuditEvent.REPORT_REPRINTED, title=document.title)
        return self.print(document)

    def print(self, document: PrintedDocument) -> str:
        """Kept on internal storage first, so paper out loses nothing (reprint)."""
        self.storage.write_atomic(
            LAST_REPORT_FILE,
            canonical.encode(
                {"title": document.title, "lines": list(document.lines),
                 "qr": (document.qr_payload or b"").hex()}
            ),
        )
        try:
            self.devices.printer.print_document(document)
        except PrinterError as exc:
            self.audit.record(AuditEvent.REPORT_PRINTED, "failure", reason=type(exc).__name__)
            return f"印刷できませんでした（保存済み）/ not printed, kept for reprint: {exc}"
        self.audit.record(AuditEvent.REPORT_PRINTED, "success", title=document.title)
        return f"{document.title} を印刷しました / printed"
