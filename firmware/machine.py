"""The voting machine: events in, a screen out. ``Machine`` is only the dispatcher: it builds
the parts, each owning its own state, and hands each event to the part that owns it —

- ``PollingDay`` (firmware/polling_day.py): the phase, the package, the day's operations;
- ``Booth`` (firmware/booth.py): one voter's session, the keypad, audio, inactivity;
- ``PollManager`` (firmware/poll_manager.py): the admin card, PIN, role, the menu;
- ``AdminViews``, ``CardRelease``, ``BallotBox``, ``AssistedVoting``, ``AuditLog``: what those
  share, each passed to the parts that need it.

Every device is reached through ``firmware.interfaces``; time and randomness come from the
injected clock and random source, so a test that feeds the same events gets the same screens."""

from __future__ import annotations

from dataclasses import dataclass

from election.package import SignedPackage
from firmware.admin_views import AdminViews, ShowAuditLog, ShowCounts, ShowMedia, ShowMenu
from firmware.assisted import AssistedVoting, CancelAssisted, EnableAssisted
from firmware.audit import AuditLog
from firmware.audit_events import AuditEvent
from firmware.ballot_box import BallotBox, BallotBoxError
from firmware.booth import ABSTAIN, BLANK_CHOICE, Booth, VotingSession
from firmware.booth_screens import SessionLocked
from firmware.card_release import RELEASE_WINDOW, CardRelease
from firmware.display import BoothVoice, Display
from firmware.events import (
    ADMIN_EVENTS,
    BOOTH_EVENTS,
    Back,
    CardInserted,
    CardRemoved_,
    Cast,
    ChangeContest,
    CloseForNight,
    ClosePolls,
    EndWithoutVoting,
    Event,
    LoadPackage,
    MediaChanged,
    Next,
    OpenPolls,
    PausePolls,
    PinEntered,
    PowerFailing,
    ReleaseCard,
    ReopenCheck,
    ReprintReport,
    ResumePolls,
    Select,
    SignOut,
    ZeroCheck,
)
from firmware.identity import (
    COMMISSION_KEY_FILE,
    LAST_REPORT_FILE,
    MACHINE_ID_FILE,
    MACHINE_KEY_FILE,
    PACKAGE_FILE,
    STATE_FILE,
    MachineIdentity,
    provision,
)
from firmware.inactivity import KeepVoting, Tick
from firmware.interfaces import (
    CardError,
    CardKind,
    CardReader,
    Clock,
    InternalStorage,
    MediumError,
    MediumStore,
    NetworkMonitor,
    Printer,
    RandomSource,
    ReaderUnavailable,
    Speaker,
    TwoCards,
    UnknownCard,
)
from firmware.keypad import KeyPressed
from firmware.poll_manager import LOGIN_PURPOSE, AdminSession, PollManager
from firmware.polling_day import DayDevices, PollingDay
from firmware.screens import Notice, Phase, Screen
from firmware.voter_settings import ChangeSetting, OpenSettings

__all__ = [  # the events and records a caller builds, importable from the machine it drives
    "ABSTAIN", "BLANK_CHOICE", "COMMISSION_KEY_FILE", "LAST_REPORT_FILE", "LOGIN_PURPOSE",
    "MACHINE_ID_FILE", "MACHINE_KEY_FILE", "PACKAGE_FILE", "RELEASE_WINDOW", "STATE_FILE",
    "AdminSession", "Back", "CancelAssisted", "CardInserted", "CardRemoved_", "Cast",
    "ChangeContest", "ChangeSetting", "CloseForNight", "ClosePolls", "Devices", "EnableAssisted",
    "EndWithoutVoting", "Event", "KeepVoting", "KeyPressed", "LoadPackage", "Machine",
    "MediaChanged", "Next", "OpenPolls", "OpenSettings", "PausePolls", "PinEntered",
    "PowerFailing", "ReleaseCard", "ReopenCheck", "ReprintReport", "ResumePolls", "Select",
    "ShowAuditLog", "ShowCounts", "ShowMedia", "ShowMenu", "SignOut", "Tick", "VotingSession",
    "ZeroCheck", "provision",
]


@dataclass(frozen=True)
class Devices:
    reader: CardReader
    primary: MediumStore
    copy: MediumStore
    printer: Printer
    speaker: Speaker
    network: NetworkMonitor | None = None  # art. 4-2; without one the polls never open


class Machine:
    def __init__(
        self,
        devices: Devices,
        storage: InternalStorage,
        clock: Clock,
        random: RandomSource,
        software_hash: str,
    ) -> None:
        self.devices = devices
        self.storage = storage
        self.software_hash = software_hash
        self.identity = MachineIdentity.read(storage)
        self.audit = AuditLog(storage, clock)
        self.ballot_box = BallotBox(devices.primary, devices.copy, storage, random)
        self.assisted = AssistedVoting(storage)
        self.display = Display(BoothVoice(devices.speaker))
        self.day = PollingDay(
            self.identity, storage, clock, self.audit, self.ballot_box,
            DayDevices(devices.printer, devices.speaker, devices.network), self.display,
            software_hash,
        )
        self.booth = Booth(
            self.identity, devices.reader, storage, clock, random, self.audit, self.ballot_box,
            self.assisted, self.day, self.display,
        )
        self.release = CardRelease(
            self.identity.machine_id, devices.reader, self.ballot_box.ledger, clock, self.audit
        )
        self.poll_manager = PollManager(
            self.identity, devices.reader, clock, random, self.audit, self.ballot_box, self.day,
            AdminViews(self.ballot_box, self.audit, self.assisted, self.day), self.release,
            self.display, on_login=self.booth.held.notes_for_poll_manager,
        )

    # --- what the parts hold, for the UI and for inspection ----------------------------------

    @property
    def machine_id(self) -> str:
        return self.identity.machine_id

    @property
    def phase(self) -> Phase:
        return self.day.phase

    @property
    def package(self) -> SignedPackage | None:
        return self.day.package

    @property
    def screen(self) -> Screen:
        return self.display.screen

    @property
    def session(self) -> VotingSession | None:
        return self.booth.session

    @property
    def admin(self) -> AdminSession | None:
        return self.poll_manager.admin

    # --- start-up ----------------------------------------------------------------------------

    def boot(self) -> Screen:
        """Restore the day from internal storage, verify the media, resolve interrupted votes."""
        show = self.display.show
        self.audit.record(AuditEvent.MACHINE_BOOTED, software_hash=self.software_hash)
        if self.audit.torn_bytes:
            self.audit.record(AuditEvent.AUDIT_LOG_REPAIRED, dropped_bytes=self.audit.torn_bytes)
        if self.identity.key is None:
            self.day.phase = Phase.UNPROVISIONED
            return show(Notice("投票機が設定されていません", "Machine is not provisioned"))
        package = self.day.restore()
        if package is None:
            return show(self.day.standby())
        try:
            self.ballot_box.prepare(self.identity.machine_id, package, self.identity.key)
            outcome = self.ballot_box.recover()
            self.ballot_box.check_mirror()
        except (BallotBoxError, MediumError) as exc:
            return self.day.media_fault(exc)
        if self.ballot_box.ledger_repaired:
            self.audit.record(AuditEvent.LEDGER_REPAIRED)
        completed = self.booth.held.complete_card_in_reader(  # before the poll manager signs in
            self.devices.reader, self.identity.machine_id, self.ballot_box.ledger)
        if outcome is not None:
            self.audit.record(AuditEvent.RECOVERY, "success", recorded=outcome.recorded)
            self.day.pause_if_open()
            if outcome.recorded:
                return show(
                    Notice(
                        f"中断された投票は記録されています（カード {outcome.card_label}）。"
                        "カードは使用済みです。",
                        "The interrupted vote IS recorded on both media; the card is used.",
                        for_admin=True,
                    )
                )
            return show(
                Notice(
                    f"中断された投票は記録されていません（カード {outcome.card_label}）。"
                    "投票管理者がカードを解放すれば再度投票できます。",
                    "The interrupted vote was NOT recorded; the poll manager may release the "
                    "card so the voter can vote again.",
                    for_admin=True,
                )
            )
        if completed is not None:
            return show(Notice(
                f"停電の前に記録された投票のカード（{completed[:8]}）を使用済みにしました。"
                "投票管理者にお知らせください",
                "A card whose vote was recorded before the power cut is now marked used; "
                "call the poll manager", for_admin=True))
        return show(SessionLocked() if self.booth.locked_card else self.day.standby())

    # --- dispatch ----------------------------------------------------------------------------

    def handle(self, event: Event) -> Screen:
        expired = self.poll_manager.expired()
        if expired is not None:
            return expired
        if isinstance(event, BOOTH_EVENTS):
            return self.booth.booth_event(event)
        if isinstance(event, CardInserted):
            return self._card_inserted()
        if isinstance(event, CardRemoved_):
            if self.poll_manager.admin is not None:
                return self.poll_manager.end("card-removed")
            return self.booth.card_removed()
        if isinstance(event, PinEntered):
            return self.poll_manager.pin_entered(event.pin)
        if isinstance(event, SignOut):
            return self.poll_manager.end("sign-out")
        if isinstance(event, PowerFailing):
            self.booth.drop_unrecorded()  # its card stays locked here for the poll manager
            return self.day.power_failing()
        if isinstance(event, MediaChanged):
            return self._media_changed()
        if isinstance(event, ADMIN_EVENTS):
            return self.poll_manager.action(event)
        return self.booth.voter_action(event)

    def _card_inserted(self) -> Screen:
        try:
            kind = self.devices.reader.card_kind()
        except (UnknownCard, TwoCards, ReaderUnavailable) as exc:
            self.audit.record(AuditEvent.CARD_READER_FAULT, "failure", reason=type(exc).__name__)
            ja, en = {
                UnknownCard: ("このカードは投票機のカードではありません", "This is not a card of this "
                              "voting system"),
                TwoCards: ("カードが2枚あります。1枚だけ入れてください", "Two cards at once: insert "
                           "only one"),
                ReaderUnavailable: ("カードリーダーが接続されていません。係員にお知らせください",
                                    "No card reader: call the poll manager"),
            }[type(exc)]
            return self.display.show(Notice(ja, en, isinstance(exc, ReaderUnavailable)))
        except CardError as exc:
            self.audit.record(AuditEvent.CARD_READER_FAULT, "failure", reason=type(exc).__name__)
            kind = None
        if kind is CardKind.ADMIN:
            if self.booth.in_session:
                return self.display.show(Notice("投票中です", "A voter session is in progress"))
            return self.poll_manager.card_inserted()
        if kind is CardKind.VOTING:
            released = self.release.armed_release()
            if released is not None:
                return self.display.show(released)
            return self.booth.card_inserted(admin_present=self.poll_manager.admin is not None)
        return self.display.show(Notice("このカードは使えません", "This card cannot be used here"))

    def _media_changed(self) -> Screen:
        """While votes are taken (or paused), a medium pulled or swapped stops voting at once,
        with the session in progress dropped (nothing of it was recorded); its card stays locked
        to this machine for the poll manager. At other times there is nothing to protect."""
        if self.day.phase not in (Phase.OPEN, Phase.PAUSED) or self.ballot_box.header is None:
            return self.display.screen
        try:
            self.ballot_box.check_identity()
        except (MediumError, BallotBoxError) as exc:
            self.booth.drop_unrecorded()
            return self.day.media_fault(exc)
        return self.display.screen
