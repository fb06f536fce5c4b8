"""The voting machine's state machine: events in, a screen out. Every device is reached through
``firmware.interfaces``; time and randomness come from the injected clock and random source, so a
test that feeds the same events gets the same screens."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from election import canonical
from election.credentials import (
    CARD_AUTH_PURPOSE,
    AdminCertificate,
    CredentialError,
    Role,
    card_auth_challenge,
    certificate_digest,
    login_challenge,
    open_card_auth_certificate,
    open_certificate,
    read_token,
    token_card_serial,
    verify_token_signature,
)
from election.package import (
    Candidate,
    Contest,
    PackageError,
    SignedPackage,
    check_amendment,
    load_package,
)
from election.signature import BadSignature, verify
from firmware.admin_views import (
    ADMIN_VIEW_EVENTS,
    VIEW_ACTIONS,
    AdminViewsMixin,
    ShowAuditLog,
    ShowCounts,
    ShowMedia,
    ShowMenu,
)
from firmware.assisted import ASSISTED_FILE, AssistedVoting, CancelAssisted, EnableAssisted
from firmware.audit import AuditLog
from firmware.audit_events import AuditEvent
from firmware.ballot_box import BallotBox, BallotBoxError, LedgerLine
from firmware.booth import BOOTH_EVENTS, LOCKED_FILE, BoothMixin
from firmware.booth_screens import SessionLocked
from firmware.candidate_order import candidate_order
from firmware.cast_journal import JOURNAL_FILE
from firmware.early_voting import check_carried_over, verify_night_close
from firmware.inactivity import KeepVoting, Tick
from firmware.interfaces import (
    CardBlocked,
    CardError,
    CardKind,
    CardReader,
    Clock,
    InternalStorage,
    MediumError,
    MediumStore,
    NetworkMonitor,
    PrintedDocument,
    Printer,
    PrinterError,
    RandomSource,
    ReaderUnavailable,
    Speaker,
    TwoCards,
    UnknownCard,
    VotingCardPhase,
    WrongPin,
)
from firmware.keypad import KeyPressed
from firmware.reports import (
    ClosingFigures,
    ReportContext,
    closing_report,
    reopen_report,
    zero_report,
)
from firmware.screens import (
    AdminMenu,
    AdminPin,
    ContestChoice,
    Notice,
    Phase,
    Recorded,
    Review,
    ReviewLine,
    Screen,
    Standby,
)
from firmware.speech_approval import check_speech_set
from firmware.voter_settings import DEFAULT_SETTINGS, ChangeSetting, OpenSettings, VoterSettings
from media.counting_key import public_key as counting_public_key
from media.vote_record import BLANK, Choice, encrypt_vote

MACHINE_ID_FILE = "machine.id"
MACHINE_KEY_FILE = "machine.key"
COMMISSION_KEY_FILE = "commission.pub"
PACKAGE_FILE = "package.json"
STATE_FILE = "state.json"
LAST_REPORT_FILE = "last-report.json"
ABSTAIN = "abstain"
BLANK_CHOICE = "blank"
LOGIN_PURPOSE = "admin-login"


# --- events --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardInserted:
    """A card is in the reader (admin or voting; the machine asks the reader which)."""


@dataclass(frozen=True)
class CardRemoved_:
    """The card left the reader."""


@dataclass(frozen=True)
class PinEntered:
    pin: str


@dataclass(frozen=True)
class LoadPackage:
    data: bytes


@dataclass(frozen=True)
class ZeroCheck:
    pass


@dataclass(frozen=True)
class OpenPolls:
    pass


@dataclass(frozen=True)
class PausePolls:
    pass


@dataclass(frozen=True)
class ResumePolls:
    pass


@dataclass(frozen=True)
class ClosePolls:
    pass


@dataclass(frozen=True)
class ReleaseCard:
    """Poll manager releases the voting card in the reader whose vote was not recorded."""


@dataclass(frozen=True)
class CloseForNight:
    """期日前投票: end the day, sealing the media with ``final = false``; reopen tomorrow."""


@dataclass(frozen=True)
class ReopenCheck:
    """期日前投票, next morning: check the media against last night's seal; print the report."""


@dataclass(frozen=True)
class ReprintReport:
    """Print the last report again (kept in internal storage: paper out, or another copy)."""


@dataclass(frozen=True)
class SignOut:
    pass


@dataclass(frozen=True)
class Select:
    """A candidate id, ``"blank"`` (白票, where allowed) or ``"abstain"`` (棄権 in this contest)."""

    choice: str


@dataclass(frozen=True)
class Next:
    pass


@dataclass(frozen=True)
class Back:
    pass


@dataclass(frozen=True)
class ChangeContest:
    contest_id: str


@dataclass(frozen=True)
class Cast:
    pass


@dataclass(frozen=True)
class EndWithoutVoting:
    pass


@dataclass(frozen=True)
class PowerFailing:
    """The UPS reports that mains power failed (drivers/ups.py): suspend voting safely."""


@dataclass(frozen=True)
class MediaChanged:
    """udev saw a vote medium inserted or removed (drivers/media_bay.py, through the main loop):
    check both media now instead of at the next vote (art. 4-1-5)."""


Event = (
    CardInserted
    | CardRemoved_
    | PinEntered
    | LoadPackage
    | ZeroCheck
    | OpenPolls
    | PausePolls
    | ResumePolls
    | ClosePolls
    | ReleaseCard
    | SignOut
    | Select
    | Next
    | Back
    | ChangeContest
    | Cast
    | EndWithoutVoting
    | Tick | KeyPressed | ChangeSetting | OpenSettings | KeepVoting  # firmware/booth.py
    | ShowCounts | ShowMedia | ShowAuditLog | ShowMenu | EnableAssisted | CancelAssisted
    | PowerFailing | MediaChanged
    | CloseForNight | ReopenCheck | ReprintReport  # polling operations (issue 7)
)
ADMIN_EVENTS = (LoadPackage, ZeroCheck, OpenPolls, PausePolls, ResumePolls, ClosePolls, ReleaseCard,
                CloseForNight, ReopenCheck, ReprintReport,
                *ADMIN_VIEW_EVENTS)


# --- sessions ------------------------------------------------------------------------------


@dataclass
class AdminSession:
    certificate: AdminCertificate
    authenticated: bool = False
    started: datetime | None = None  # when the PIN was verified (overall limit)
    last_action: datetime | None = None  # idle limit
    nonce_key: bytes = b""  # drawn once per session; each challenge's nonce derives from it
    challenges: int = 0


RELEASE_WINDOW = timedelta(minutes=2)  # an armed release waits this long for the voting card


@dataclass
class VotingSession:
    """One voter's session. Selections live only here, only until the vote is written."""

    card_id: str
    card_contests: tuple[str, ...]
    audio: bool
    contests: list[tuple[Contest, tuple[Candidate, ...]]]
    position: int = 0
    reviewing: bool = False
    selections: dict[str, str] = field(default_factory=dict)
    recorded: bool = False
    ended: bool = False
    settings: VoterSettings = DEFAULT_SETTINGS  # reset with the session (firmware/booth.py)
    in_settings: bool = False
    focus: int = 0
    last_input: datetime | None = None
    alerted_at: datetime | None = None


@dataclass(frozen=True)
class Devices:
    reader: CardReader
    primary: MediumStore
    copy: MediumStore
    printer: Printer
    speaker: Speaker
    network: NetworkMonitor | None = None  # art. 4-2; without one the polls never open


def provision(
    storage: InternalStorage, machine_id: str, commission_public_key: bytes, random: RandomSource
) -> bytes:
    """Give a machine its id, the commission's public key and a new signing key (new keys per
    election, brief §8). Returns the machine's public key for the election package."""
    key = Ed25519PrivateKey.from_private_bytes(random.token(32))
    storage.write_atomic(MACHINE_ID_FILE, machine_id.encode())
    storage.write_atomic(MACHINE_KEY_FILE, key.private_bytes_raw())
    storage.write_atomic(COMMISSION_KEY_FILE, commission_public_key)
    for stale in (PACKAGE_FILE, STATE_FILE, JOURNAL_FILE, "cards.log", "audit.log",
                  ASSISTED_FILE, LOCKED_FILE):
        storage.delete(stale)
    return key.public_key().public_bytes_raw()


class Machine(BoothMixin, AdminViewsMixin):
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
        self.clock = clock
        self.random = random
        self.software_hash = software_hash
        self.audit = AuditLog(storage, clock)
        self.ballot_box = BallotBox(devices.primary, devices.copy, storage, random)
        self.package: SignedPackage | None = None
        self.admin: AdminSession | None = None
        self._release_armed: datetime | None = None
        self.session: VotingSession | None = None
        self.phase = Phase.UNPROVISIONED
        self.closing_number = 0
        self._space_warned = False
        self.screen: Screen = Standby(self.phase)
        machine_id = storage.read(MACHINE_ID_FILE)
        key = storage.read(MACHINE_KEY_FILE)
        commission = storage.read(COMMISSION_KEY_FILE)
        self.machine_id = machine_id.decode() if machine_id else ""
        self._key = Ed25519PrivateKey.from_private_bytes(key) if key else None
        self._commission_key = commission or b""
        self._init_booth(storage)

    # --- start-up ----------------------------------------------------------------------------

    def boot(self) -> Screen:
        """Restore the day from internal storage, verify the media, resolve interrupted votes."""
        self.audit.record(AuditEvent.MACHINE_BOOTED, software_hash=self.software_hash)
        if self.audit.torn_bytes:
            self.audit.record(AuditEvent.AUDIT_LOG_REPAIRED, dropped_bytes=self.audit.torn_bytes)
        if self._key is None:
            self.phase = Phase.UNPROVISIONED
            return self._show(Notice("投票機が設定されていません", "Machine is not provisioned"))
        state = self.storage.read(STATE_FILE)
        saved: dict[str, Any] = (
            canonical.decode_object(state) if state else {"phase": "setup", "closing": 0}
        )
        self.phase = Phase(saved["phase"])
        self.closing_number = int(saved["closing"])
        package = self.storage.read(PACKAGE_FILE)
        if package is None:
            return self._show(Standby(self.phase))
        self.package = load_package(package, self._commission_key)
        try:
            self.ballot_box.prepare(self.machine_id, self.package, self._key)
            outcome = self.ballot_box.recover()
            self.ballot_box.check_mirror()
        except (BallotBoxError, MediumError) as exc:
            return self._media_fault(exc)
        if self.ballot_box.ledger_repaired:
            self.audit.record(AuditEvent.LEDGER_REPAIRED)
        if outcome is not None:
            self.audit.record(AuditEvent.RECOVERY, "success", recorded=outcome.recorded)
            if self.phase is Phase.OPEN:
                self._set_phase(Phase.PAUSED)
            if outcome.recorded:
                return self._show(
                    Notice(
                        f"中断された投票は記録されています（カード {outcome.card_id[:8]}）。"
                        "カードは使用済みです。",
                        "The interrupted vote IS recorded on both media; the card is used.",
                        for_admin=True,
                    )
                )
            return self._show(
                Notice(
                    f"中断された投票は記録されていません（カード {outcome.card_id[:8]}）。"
                    "投票管理者がカードを解放すれば再度投票できます。",
                    "The interrupted vote was NOT recorded; the poll manager may release the "
                    "card so the voter can vote again.",
                    for_admin=True,
                )
            )
        return self._show(SessionLocked() if self.locked_card else Standby(self.phase))

    # --- dispatch ----------------------------------------------------------------------------

    def handle(self, event: Event) -> Screen:
        expired = self._admin_expired()
        if expired is not None:
            return expired
        if isinstance(event, BOOTH_EVENTS):
            return self._booth_event(event)
        if isinstance(event, CardInserted):
            return self._card_inserted()
        if isinstance(event, CardRemoved_):
            return self._card_removed()
        if isinstance(event, PinEntered):
            return self._pin_entered(event.pin)
        if isinstance(event, SignOut):
            return self._end_admin("sign-out")
        if isinstance(event, PowerFailing):
            return self._power_failing()
        if isinstance(event, MediaChanged):
            return self._media_changed()
        if isinstance(event, ADMIN_EVENTS):
            return self._admin_action(event)
        return self._voter_action(event)

    def _show(self, screen: Screen) -> Screen:
        self.screen = screen
        self._announce(screen)  # audio mode: the approved clips for a voter screen (booth.py)
        return screen

    def _set_phase(self, phase: Phase) -> None:
        self.phase = phase
        self.storage.write_atomic(
            STATE_FILE, canonical.encode({"phase": phase.value, "closing": self.closing_number})
        )

    def _media_changed(self) -> Screen:
        """While votes are taken (or paused), a medium pulled or swapped stops voting at once,
        with the session in progress dropped (nothing of it was recorded); its card stays locked
        to this machine for the poll manager. At other times there is nothing to protect."""
        if self.phase not in (Phase.OPEN, Phase.PAUSED) or self.ballot_box.header is None:
            return self.screen
        try:
            self.ballot_box.check_identity()
        except (MediumError, BallotBoxError) as exc:
            if self.session is not None and not self.session.recorded:
                self.session.selections.clear()
                self.session = None
                self.ballot_box.settle()
            return self._media_fault(exc)
        return self.screen

    def _media_fault(self, exc: Exception) -> Screen:
        self.audit.record(AuditEvent.MEDIA_ERROR, "failure", reason=type(exc).__name__)
        if self.phase is Phase.OPEN:
            self._set_phase(Phase.PAUSED)
        return self._show(
            Notice(
                f"記録媒体の異常のため投票を停止しました: {exc}",
                "Voting is stopped because of a media fault; call the poll manager.",
                for_admin=True,
            )
        )

    # --- cards -------------------------------------------------------------------------------

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
            return self._show(Notice(ja, en, isinstance(exc, ReaderUnavailable)))
        except CardError as exc:
            self.audit.record(AuditEvent.CARD_READER_FAULT, "failure", reason=type(exc).__name__)
            kind = None
        if kind is CardKind.ADMIN:
            return self._admin_card_inserted()
        if kind is CardKind.VOTING:
            return self._voting_card_inserted()
        return self._show(Notice("このカードは使えません", "This card cannot be used here"))

    def _card_removed(self) -> Screen:
        if self.admin is not None:
            return self._end_admin("card-removed")
        if self.locked_card is not None:
            return self._show(SessionLocked())  # until the poll manager's card (booth.py)
        if self.session is not None:
            # A session left unfinished: nothing recorded; the card stays locked to this
            # machine, so it can only come back here.
            self.session = None
            self.ballot_box.settle()
        return self._show(Standby(self.phase))

    # --- admin -------------------------------------------------------------------------------

    def _admin_card_inserted(self) -> Screen:
        if self.session is not None:
            return self._show(Notice("投票中です", "A voter session is in progress"))
        try:
            data = self.devices.reader.read_admin_certificate()
            election_id = self.package.package.election_id if self.package else None
            certificate = open_certificate(
                data,
                self._commission_key,
                election_id if election_id is not None else _election_of(data),
                self.clock.now(),
            )
        except (CredentialError, CardError) as exc:
            self.audit.record(AuditEvent.ADMIN_CARD_INSERTED, "failure", reason=str(exc)[:80])
            return self._show(Notice(f"管理者カードを確認できません: {exc}", str(exc), True))
        refused = self._card_authentic(data, certificate)
        if refused is not None:
            return refused
        self.audit.record(
            AuditEvent.ADMIN_CARD_INSERTED,
            "success",
            card_id=certificate.card_id,
            role=certificate.role.value,
        )
        self.admin = AdminSession(certificate)
        return self._show(AdminPin(certificate.holder, certificate.role.value, -1))

    def _card_authentic(self, data: bytes, certificate: AdminCertificate) -> Screen | None:
        """Before the PIN: the card proves it holds the card-authenticity key certified by the
        commission for this card and election (a copied certificate on another card fails
        here), and, when the package lists admin cards, that it is one of them."""
        reader = self.devices.reader
        try:
            auth = open_card_auth_certificate(
                reader.read_card_auth_certificate(), self._commission_key,
                certificate.election_id, self.clock.now(),
            )
            if auth.card_id != certificate.card_id:
                raise CredentialError("カードの証明書が一致しません / the card's two certificates "
                                      "name different cards")
            challenge = card_auth_challenge(self.random.token(32), self.machine_id)
            verify(auth.public_key, CARD_AUTH_PURPOSE, challenge,
                   reader.authenticate_card(challenge), "管理者カード / admin card")
            listed = self.package.package.admin_certificates if self.package else ()
            if listed and certificate_digest(data) not in listed:
                raise CredentialError("この管理者カードは選挙データに登録されていません / this admin "
                                      "card is not listed in the election package")
        except (CredentialError, CardError, BadSignature) as exc:
            self.audit.record(AuditEvent.ADMIN_CARD_AUTHENTICATED, "failure",
                              card_id=certificate.card_id, reason=str(exc)[:80])
            return self._show(Notice(f"管理者カードを確認できません: {exc}", str(exc), True))
        self.audit.record(AuditEvent.ADMIN_CARD_AUTHENTICATED, "success",
                          card_id=certificate.card_id)
        return None

    def _card_signs(self, operation: str) -> None:
        """The card signs a fresh challenge binding nonce, machine, package and operation
        (docs/card-protocol.md §5.3); raises CardError or BadSignature."""
        admin = self.admin
        assert admin is not None
        if not admin.nonce_key:
            admin.nonce_key = self.random.token(32)
        admin.challenges += 1
        nonce = hashlib.sha256(admin.nonce_key + admin.challenges.to_bytes(8, "big")).digest()
        challenge = login_challenge(
            nonce, self.machine_id,
            self.package.fingerprint if self.package else "", operation,
        )
        signature = self.devices.reader.sign_challenge(challenge)
        verify(admin.certificate.public_key, LOGIN_PURPOSE, challenge, signature,
               "管理者カード / admin card")

    def _admin_expired(self) -> Screen | None:
        """Idle limit (the package's inactivity setting) and overall limit (its admin session
        setting); either ends the session as if the card were removed."""
        admin = self.admin
        if admin is None or not admin.authenticated or self.package is None:
            return None
        settings = self.package.package.settings
        now = self.clock.now()
        assert admin.started is not None and admin.last_action is not None
        if now - admin.started > timedelta(seconds=settings.admin_session_seconds):
            reason = "overall"
        elif now - admin.last_action > timedelta(seconds=settings.inactivity_alert_seconds):
            reason = "idle"
        else:
            admin.last_action = now
            return None
        self.audit.record(AuditEvent.ADMIN_SESSION_EXPIRED, card_id=admin.certificate.card_id,
                          limit=reason)
        self._end_admin(f"timeout-{reason}")
        return self._show(Notice(
            "管理者の操作時間が終了しました。カードを入れ直してください",
            "The admin session timed out; insert the card again", True))

    def _pin_entered(self, pin: str) -> Screen:
        if self.admin is None or self.admin.authenticated:
            return self.screen
        certificate = self.admin.certificate
        try:
            self.devices.reader.verify_pin(pin)
            self._card_signs("login")
        except WrongPin as exc:
            self.audit.record(
                AuditEvent.ADMIN_PIN_CHECKED, "failure", card_id=certificate.card_id,
                tries_left=exc.remaining,
            )
            return self._show(AdminPin(certificate.holder, certificate.role.value, exc.remaining))
        except CardBlocked:
            self.audit.record(
                AuditEvent.ADMIN_PIN_CHECKED, "failure", card_id=certificate.card_id, blocked=True
            )
            self.admin = None
            return self._show(
                Notice("カードはロックされました。選挙管理委員会に連絡してください",
                       "The card is blocked; contact the election commission", True)
            )
        except (CardError, BadSignature) as exc:
            self.audit.record(
                AuditEvent.ADMIN_PIN_CHECKED, "failure", card_id=certificate.card_id,
                reason=type(exc).__name__,
            )
            self.admin = None
            return self._show(Notice("管理者カードの認証に失敗しました", "Card authentication failed", True))
        self.admin.authenticated = True
        self.admin.started = self.admin.last_action = self.clock.now()
        self.audit.record(AuditEvent.ADMIN_PIN_CHECKED, "success", card_id=certificate.card_id)
        return self._admin_menu(self._after_admin_login())

    def _end_admin(self, reason: str) -> Screen:
        if self.admin is not None:
            self.audit.record(
                AuditEvent.ADMIN_SESSION_ENDED, card_id=self.admin.certificate.card_id,
                reason=reason,
            )
        self.admin = None
        return self._show(Standby(self.phase))

    def _admin_menu(self, message: str = "") -> Screen:
        assert self.admin is not None
        counts: tuple[tuple[str, int], ...] = ()
        lines = self.ballot_box.ledger.lines()
        if self.package is not None and self.ballot_box.header is not None:
            try:
                counts = tuple(self.ballot_box.record_counts().items())
            except (MediumError, BallotBoxError) as exc:
                message = message or str(exc)
        if not message and self.phase in (Phase.OPEN, Phase.PAUSED):
            message = self._space_warning() or ""
        actions = {
            Phase.SETUP: ("load-package",),
            Phase.PACKAGE_LOADED: ("load-package", "zero-check"),
            Phase.ZERO_CHECKED: ("load-package", "open"),
            Phase.OPEN: ("load-package", "pause", "close", "close-for-night"),
            Phase.PAUSED: ("load-package", "resume", "close", "close-for-night", "release-card"),
            Phase.NIGHT_CLOSED: ("reopen-check", "close"),  # last day over: final close
            Phase.CLOSED: (),
            Phase.UNPROVISIONED: (),
        }[self.phase]
        if self.storage.read(LAST_REPORT_FILE) is not None:
            actions += ("reprint",)
        if self.phase in (Phase.OPEN, Phase.PAUSED):
            actions += ("assisted",)  # art. 7, for the next session (admin_views.py)
        return self._show(
            AdminMenu(
                holder=self.admin.certificate.holder,
                role=self.admin.certificate.role.value,
                phase=self.phase,
                package_fingerprint=self.package.short_fingerprint if self.package else "",
                records_per_contest=counts,
                sessions_voted=sum(line.voted for line in lines),
                sessions_without_vote=sum(not line.voted for line in lines),
                actions=actions,
                message=message,
                views=VIEW_ACTIONS if self.package is not None else (),
            )
        )

    def _admin_action(self, event: Any) -> Screen:
        name = type(event).__name__
        if self.admin is None or not self.admin.authenticated:
            self.audit.record(AuditEvent.ADMIN_ACTION_REFUSED, action=name, reason="no-session")
            return self._show(
                Notice("管理者カードと暗証番号が必要です", "An admin card and PIN are required")
            )
        if self.admin.certificate.role is not Role.POLL_MANAGER:
            self.audit.record(AuditEvent.ADMIN_ACTION_REFUSED, action=name, reason="role")
            return self._show(
                Notice("この操作は投票管理者のカードでのみ行えます",
                       "Only a poll manager's card may do this", True)
            )
        if not isinstance(event, ReleaseCard):
            operation = re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()
            try:
                self._card_signs(operation)
            except (CardError, BadSignature) as exc:
                self.audit.record(AuditEvent.ADMIN_OPERATION_SIGNED, "failure",
                                  operation=operation, reason=type(exc).__name__)
                self._end_admin("card-refused")
                return self._show(Notice(
                    "管理者カードが操作を承認しませんでした。カードを入れ直してください",
                    "The admin card did not approve the operation; insert it again", True))
        if isinstance(event, LoadPackage):
            return self._load_package(event.data)
        if isinstance(event, ZeroCheck):
            return self._zero_check()
        if isinstance(event, OpenPolls):
            return self._transition(Phase.ZERO_CHECKED, Phase.OPEN, AuditEvent.POLLS_OPENED)
        if isinstance(event, PausePolls):
            return self._transition(Phase.OPEN, Phase.PAUSED, AuditEvent.POLLS_PAUSED)
        if isinstance(event, ResumePolls):
            return self._resume()
        if isinstance(event, ClosePolls):
            return self._close()
        if isinstance(event, CloseForNight):
            return self._close(final=False)
        if isinstance(event, ReopenCheck):
            return self._reopen_check()
        if isinstance(event, ReprintReport):
            return self._reprint()
        if isinstance(event, ADMIN_VIEW_EVENTS):
            return self._admin_view(event)
        return self._release_card()

    def _refuse(self, action: str, ja: str, en: str) -> Screen:
        self.audit.record(AuditEvent.ADMIN_ACTION_REFUSED, action=action, reason="phase")
        return self._admin_menu(f"{ja} / {en}")

    def _transition(self, source: Phase, target: Phase, event: AuditEvent) -> Screen:
        if self.phase is not source:
            return self._refuse(
                event.name.lower(),
                f"現在の状態（{self.phase.value}）ではできません",
                f"not possible while {self.phase.value}",
            )
        if target is Phase.OPEN and self.package is not None:
            today = self.clock.now().date()
            p = self.package.package
            if not p.valid_from <= today <= p.valid_until:
                return self._refuse(
                    "open", "選挙データの有効期間外です", "outside the package's validity period"
                )
        if target is Phase.OPEN:
            connected = self._network_interfaces()
            if connected:
                return self._admin_menu(
                    "ネットワークに接続できる装置があるため投票を開始できません（第4条の2）。"
                    f"取り外してください: {connected} / a network interface exists; polls cannot "
                    "open (art. 4-2)"
                )
        self._set_phase(target)
        self.audit.record(event)
        return self._admin_menu()

    def _load_package(self, data: bytes) -> Screen:
        assert self.admin is not None and self._key is not None
        self.audit.record(AuditEvent.PACKAGE_LOAD, "start")
        if self.phase is Phase.CLOSED:
            return self._refuse("load-package", "投票は終了しています", "polls are closed")
        try:
            signed = load_package(data, self._commission_key)
            package = signed.package
            if package.election_id != self.admin.certificate.election_id:
                raise PackageError("管理者カードと別の選挙です / package of another election")
            entry = package.machine(self.machine_id)
            if entry.public_key != self._key.public_key().public_bytes_raw():
                raise PackageError(
                    "選挙データに登録された鍵がこの投票機の鍵と違います / the package lists another"
                    " key for this machine"
                )
            if self.phase is Phase.SETUP:
                check_speech_set(signed, self.devices.speaker.speech_set)
            if self.package is not None and signed.fingerprint != self.package.fingerprint:
                check_amendment(self.package, signed)
            self.ballot_box.prepare(
                self.machine_id, signed, self._key, initialise=self.phase is Phase.SETUP
            )
        except (PackageError, BallotBoxError, MediumError) as exc:
            self.audit.record(AuditEvent.PACKAGE_LOAD, "failure", reason=str(exc)[:120])
            return self._admin_menu(f"選挙データを読み込めません / cannot load: {exc}")
        self.storage.write_atomic(PACKAGE_FILE, data)
        self.package = signed
        self.audit.record(
            AuditEvent.PACKAGE_LOAD, "success", fingerprint=signed.fingerprint,
            version=package.version,
        )
        if self.phase is Phase.SETUP:
            self._set_phase(Phase.PACKAGE_LOADED)
        return self._admin_menu(f"選挙データ指紋 / fingerprint {signed.short_fingerprint}")

    def _zero_check(self) -> Screen:
        if self.phase not in (Phase.PACKAGE_LOADED, Phase.ZERO_CHECKED):
            return self._refuse("zero-check", "ゼロ確認は投票開始前のみ", "only before opening")
        assert self.package is not None and self._key is not None
        self.audit.record(AuditEvent.ZERO_CHECK, "start")
        try:
            problems = self.ballot_box.zero_problems()
            counts = self.ballot_box.record_counts()
        except (MediumError, BallotBoxError) as exc:
            self.audit.record(AuditEvent.ZERO_CHECK, "failure", reason=type(exc).__name__)
            return self._admin_menu(str(exc))
        if problems:
            self.audit.record(AuditEvent.ZERO_CHECK, "failure", problems=len(problems))
            return self._admin_menu("ゼロ確認失敗。投票を開始できません / zero check failed: "
                                    + "; ".join(problems))
        report = zero_report(self._report_context(), self._media_ids(), counts)
        self.audit.record(AuditEvent.ZERO_CHECK, "success")
        self._set_phase(Phase.ZERO_CHECKED)
        return self._admin_menu(self._print(report))

    def _resume(self) -> Screen:
        if self.phase is not Phase.PAUSED:
            return self._refuse("resume", "一時停止中ではありません", "polls are not paused")
        try:
            outcome = self.ballot_box.recover()
            self.ballot_box.record_counts()  # every slot readable on the primary
        except (MediumError, BallotBoxError) as exc:
            return self._admin_menu(f"記録媒体を確認できません / media check failed: {exc}")
        if outcome is not None:
            self.audit.record(AuditEvent.RECOVERY, "success", recorded=outcome.recorded)
        return self._transition(Phase.PAUSED, Phase.OPEN, AuditEvent.POLLS_RESUMED)

    def _close(self, final: bool = True) -> Screen:
        from_night = final and self.phase is Phase.NIGHT_CLOSED
        if self.phase not in (Phase.OPEN, Phase.PAUSED) and not from_night:
            return self._refuse("close", "投票中ではありません", "polls are not open")
        assert self.package is not None and self._key is not None
        if from_night:  # 期日前投票 ended last night: verify as ReopenCheck does, then seal final
            self.audit.record(AuditEvent.REOPEN_CHECK, "start", purpose="final-close")
            try:
                verify_night_close(self.ballot_box, self.machine_id, self.package, self._key,
                                   self.closing_number)
            except (MediumError, BallotBoxError) as exc:
                self.audit.record(AuditEvent.REOPEN_CHECK, "failure", reason=type(exc).__name__)
                return self._admin_menu(f"前夜の封印と一致しないため最終の投票終了ができません / "
                                        f"final close refused, media differ from the night "
                                        f"seal: {exc}")
            self.audit.record(AuditEvent.REOPEN_CHECK, "success", closing=self.closing_number)
        self.audit.record(AuditEvent.MEDIA_SEAL, "start")
        # Seal first, then close: a seal that fails (medium pulled, full) leaves the machine
        # paused with nothing lost, and the poll manager can fix the medium and close again.
        if self.phase is Phase.OPEN:
            self._set_phase(Phase.PAUSED)
        try:
            self.ballot_box.recover()
            seal = self.ballot_box.seal(
                self.machine_id,
                self.package,
                self._key,
                self.closing_number + 1,
                final,
                self.audit.export(),
                self.audit.count,
                self.audit.head,
            )
        except (MediumError, BallotBoxError) as exc:
            self.audit.record(AuditEvent.MEDIA_SEAL, "failure", reason=type(exc).__name__)
            return self._admin_menu(f"封印に失敗しました。投票は一時停止中です / sealing failed, "
                                    f"polls stay paused: {exc}")
        self.closing_number += 1
        self._set_phase(Phase.CLOSED if final else Phase.NIGHT_CLOSED)
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
        printed = self._print(closing_report(self._report_context(), figures))
        removable = (
            "封印と監査ログを正本・副本の両方に書き込み、読み戻して確認しました。記録媒体を取り外して"
            "かまいません / the seal and the audit log are written to both media and read back: "
            "the media may now be removed"
        )
        return self._admin_menu(f"{removable}\n{printed}" if printed else removable)

    def _report_context(self) -> ReportContext:
        assert self.package is not None and self._key is not None
        return ReportContext(
            self.machine_id, self.software_hash, self.package, self.clock.now(), self._key
        )

    def _media_ids(self) -> tuple[str, str]:
        assert self.ballot_box.header is not None and self.ballot_box.copy_header is not None
        return (self.ballot_box.header.medium_id, self.ballot_box.copy_header.medium_id)

    def _network_interfaces(self) -> str:
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

    def _reopen_check(self) -> Screen:
        """期日前投票, next morning: same media, records equal to last night's seal."""
        if self.phase is not Phase.NIGHT_CLOSED:
            return self._refuse("reopen-check", "前夜の投票終了後のみ", "only after a night close")
        assert self.package is not None and self._key is not None
        self.audit.record(AuditEvent.REOPEN_CHECK, "start")
        try:
            self.ballot_box.prepare(self.machine_id, self.package, self._key)
            self.ballot_box.check_mirror()
            carried = check_carried_over(
                self.ballot_box, self.machine_id, self._key.public_key().public_bytes_raw(),
                self.closing_number,
            )
        except (MediumError, BallotBoxError) as exc:
            self.audit.record(AuditEvent.REOPEN_CHECK, "failure", reason=type(exc).__name__)
            return self._admin_menu(f"再開確認に失敗しました。投票を再開できません / reopening "
                                    f"check failed: {exc}")
        lines = self.ballot_box.ledger.lines()
        report = reopen_report(
            self._report_context(), self._media_ids(), carried.seal, carried.records_per_contest,
            sum(line.voted for line in lines), sum(not line.voted for line in lines),
        )
        self.audit.record(AuditEvent.REOPEN_CHECK, "success", closing=self.closing_number)
        self._set_phase(Phase.ZERO_CHECKED)
        return self._admin_menu(self._print(report))

    def _reprint(self) -> Screen:
        stored = self.storage.read(LAST_REPORT_FILE)
        if stored is None:
            return self._admin_menu("再印刷する報告書がありません / no report to reprint")
        kept = canonical.decode_object(stored)
        document = PrintedDocument(
            str(kept["title"]), tuple(str(line) for line in kept["lines"]),
            bytes.fromhex(str(kept["qr"])) or None,
        )
        self.audit.record(AuditEvent.REPORT_REPRINTED, title=document.title)
        return self._admin_menu(self._print(document))

    def _print(self, document: PrintedDocument) -> str:
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

    def _release_card(self) -> Screen:
        if self.phase is Phase.CLOSED:
            return self._refuse("release-card", "投票は終了しています", "polls are closed")
        reader = self.devices.reader
        try:
            if reader.card_kind() is CardKind.ADMIN:
                # One reader: the poll manager authorises, takes the card out, and inserts the
                # voting card within RELEASE_WINDOW; it is released only if its vote was not
                # recorded (checked then, _armed_release).
                self._release_armed = self.clock.now() + RELEASE_WINDOW
                self.audit.record(AuditEvent.VOTING_CARD_RELEASE_ARMED)
                return self._admin_menu("管理者カードを抜き、解放する投票カードを入れてください / "
                                        "remove your card and insert the voting card to release")
        except CardError as exc:
            return self._admin_menu(f"カードを読めません / cannot read card: {exc}")
        return self._admin_menu(self._release_voting_card())

    def _armed_release(self) -> Screen | None:
        """The voting card inserted after an armed release (see _release_card)."""
        armed, self._release_armed = self._release_armed, None
        if armed is None or self.clock.now() > armed:
            return None
        ja, _, en = self._release_voting_card().partition(" / ")
        return self._show(Notice(ja, en, True))

    def _release_voting_card(self) -> str:
        """Release the voting card in the reader if it is locked to this machine and its vote
        was not recorded (the ledger decides, never the card)."""
        reader = self.devices.reader
        try:
            token, _, _ = read_token(reader.read_voting_token())
            status = reader.voting_card_status()
            if self.ballot_box.ledger.consumed(token.card_id):
                return "このカードの投票は記録済みです。解放できません / this card's vote is recorded"
            if status.phase is not VotingCardPhase.LOCKED or status.machine_id != self.machine_id:
                return "解放できるカードではありません / not a card to release"
            reader.release_voting_card(self.machine_id)
        except (CardError, CredentialError) as exc:
            return f"カードを読めません / cannot read card: {exc}"
        self.audit.record(AuditEvent.VOTING_CARD_RELEASED)
        return "カードを解放しました / card released"

    # --- voting ------------------------------------------------------------------------------

    def _refuse_card(self, reason: str, ja: str, en: str) -> Screen:
        self.audit.record(AuditEvent.VOTING_CARD_CHECKED, "failure", reason=reason)
        return self._show(Notice(ja, en))

    def _voting_card_inserted(self) -> Screen:
        released = self._armed_release()
        if released is not None:
            return released
        if self.locked_card is not None:
            return self._show(SessionLocked())
        if self.phase is not Phase.OPEN or self.package is None:
            return self._refuse_card(
                "not-open", "現在は投票できません。係員にお知らせください", "Voting is not open now"
            )
        if self.session is not None or self.admin is not None:
            return self.screen
        if self._network_interfaces():  # art. 4-2: an interface appeared while open
            self._set_phase(Phase.PAUSED)
            return self._refuse_card(
                "network", "ネットワーク装置が接続されたため投票を停止しました。係員にお知らせ"
                "ください（第4条の2）", "A network device appeared; voting is stopped (art. 4-2)"
            )
        package = self.package.package
        reader = self.devices.reader
        try:
            token, body, signature = read_token(reader.read_voting_token())
            if token.election_id != package.election_id:
                return self._refuse_card("election", "別の選挙の投票カードです",
                                         "This card is for another election")
            issuer = package.issuer(token.issuer_id)
            place = package.machine(self.machine_id).place_id
            if issuer.place_id != place or token.place_id != place:
                return self._refuse_card("place", "この投票所の投票カードではありません",
                                         "This card is for another polling place")
            verify_token_signature(body, signature, issuer.public_key)
            if token_card_serial(token) != reader.card_serial().hex():
                # a genuine token copied onto another card: the chip serial is not the one the
                # issuer wrote it for (docs/card-protocol.md §7.2)
                return self._refuse_card("copied", "この投票カードは受付で発行されたカードではありません",
                                         "This token was not issued for this card; call staff")
            if token.expires_at < self.clock.now():
                return self._refuse_card("expired", "投票カードの有効期限が切れています",
                                         "This card has expired; return to reception")
            contest_ids = [c.contest_id for c in package.contests]
            if not token.contests or any(c not in contest_ids for c in token.contests):
                return self._refuse_card("contests", "投票カードの選挙が不正です",
                                         "The card names an unknown contest")
            if self.ballot_box.ledger.consumed(token.card_id):
                self._finish_consumption()
                return self._refuse_card("used", "この投票カードは使用済みです",
                                         "This card has already been used")
            status = reader.voting_card_status()
            if status.phase is VotingCardPhase.CONSUMED:
                return self._refuse_card("used", "この投票カードは使用済みです",
                                         "This card has already been used")
            if status.phase is VotingCardPhase.VOIDED:
                return self._refuse_card("voided", "この投票カードは無効にされています",
                                         "This card was voided at reception")
            if status.phase is VotingCardPhase.LOCKED and status.machine_id != self.machine_id:
                return self._refuse_card("locked", "このカードは別の投票機で使用中です",
                                         "This card is in use on another machine")
            reader.lock_voting_card(self.machine_id)
        except (CredentialError, PackageError) as exc:
            return self._refuse_card("invalid", f"投票カードが正しくありません: {exc}", str(exc))
        except CardError:
            return self._refuse_card("card-error", "カードを読めません。もう一度入れてください",
                                     "The card could not be read; insert it again")
        self.audit.record(AuditEvent.VOTING_CARD_CHECKED, "success")
        index = package.machine_index(self.machine_id)
        ordered = [
            (c, candidate_order(c, index, self.random))
            for c in package.contests
            if c.contest_id in token.contests
        ]
        try:
            self.ballot_box.reserve(token.card_id, tuple(token.contests))
        except (MediumError, BallotBoxError) as exc:
            return self._media_fault(exc)
        self.session = VotingSession(token.card_id, token.contests, token.audio, ordered)
        return self._begin_session(token.audio)

    def _finish_consumption(self) -> None:
        """A card this machine's ledger holds but whose chip is still locked here (pulled, or
        the power lost, before CONSUME): mark it used now, so the chip says what the ledger
        says and no other machine has to rely on the lock alone."""
        reader = self.devices.reader
        try:
            status = reader.voting_card_status()
            if status.phase is VotingCardPhase.LOCKED and status.machine_id == self.machine_id:
                reader.consume_voting_card(self.machine_id)
                self.audit.record(AuditEvent.VOTING_CARD_CONSUMPTION_COMPLETED)
        except CardError:
            pass  # refused as used either way; the ledger keeps refusing it here

    def _contest_screen(self) -> Screen:
        assert self.session is not None
        s = self.session
        contest, candidates = s.contests[s.position]
        screen = ContestChoice(
            position=s.position + 1,
            of=len(s.contests),
            contest_id=contest.contest_id,
            title=contest.title,
            title_en=contest.title_en,
            candidates=candidates,
            blank_allowed=contest.blank_allowed,
            selected=s.selections.get(contest.contest_id),
            settings=s.settings,
            focus=s.focus,
        )
        return self._show(screen)

    def _review_screen(self) -> Screen:
        assert self.session is not None
        lines = []
        for contest, _ in self.session.contests:
            selected = self.session.selections[contest.contest_id]
            if selected == ABSTAIN:
                lines.append(ReviewLine(contest.contest_id, contest.title, "棄権 / abstain", "", "きけん"))
            elif selected == BLANK_CHOICE:
                lines.append(ReviewLine(contest.contest_id, contest.title, "白票 / blank", "", "はくひょう"))
            else:
                c = contest.candidate(selected)
                lines.append(ReviewLine(contest.contest_id, contest.title, c.name, c.party, c.kana))
        return self._show(Review(tuple(lines), self.session.settings, self.session.focus))

    def _voter_action(self, event: Event) -> Screen:
        s = self.session
        if s is None or s.recorded or s.ended:
            return self.screen
        used = self._voter_input(event)  # inactivity, focus, settings screen (booth.py)
        if used is not None:
            return used
        contest, candidates = s.contests[s.position]
        if isinstance(event, EndWithoutVoting):
            return self._end_without_vote()
        if s.reviewing:
            if isinstance(event, Cast):
                return self._cast()
            if isinstance(event, Back):
                s.reviewing = False
                return self._contest_screen()
            if isinstance(event, ChangeContest):
                ids = [c.contest_id for c, _ in s.contests]
                if event.contest_id in ids:
                    s.reviewing = False
                    s.position = ids.index(event.contest_id)
                    return self._contest_screen()
            return self.screen
        if isinstance(event, Select):
            allowed = {c.candidate_id for c in candidates} | {ABSTAIN}
            if contest.blank_allowed:
                allowed.add(BLANK_CHOICE)
            if event.choice in allowed:
                s.selections[contest.contest_id] = event.choice
            return self._contest_screen()
        if isinstance(event, Next):
            if contest.contest_id not in s.selections:
                return self.screen
            if s.position + 1 < len(s.contests):
                s.position += 1
                return self._contest_screen()
            s.reviewing = True
            return self._review_screen()
        if isinstance(event, Back) and s.position > 0:
            s.position -= 1
            return self._contest_screen()
        return self.screen

    def _cast(self) -> Screen:
        assert self.session is not None and self.package is not None
        s = self.session
        package = self.package.package
        key = counting_public_key(package.counting_public_key)
        records: dict[str, bytes] = {}
        for contest, _ in s.contests:
            selected = s.selections[contest.contest_id]
            if selected == ABSTAIN:
                continue
            choice = BLANK if selected == BLANK_CHOICE else Choice(selected)
            records[contest.contest_id] = encrypt_vote(
                key, package.election_id, contest.contest_id, choice
            )
        s.selections.clear()  # the plaintext choice exists nowhere once encrypted
        self.audit.record(AuditEvent.VOTE_COMMIT, "start")
        try:
            self.ballot_box.cast(
                s.card_id,
                s.card_contests,
                records,
                lambda: self.devices.reader.consume_voting_card(self.machine_id),
            )
        except (MediumError, BallotBoxError) as exc:
            self.session = None
            self.audit.record(AuditEvent.VOTE_COMMIT, "failure", reason=type(exc).__name__)
            return self._media_fault(exc)
        except CardError:
            # Recorded on both media; the card was pulled (or failed) before it could be
            # marked. It stays locked to this machine, which refuses it by the ledger.
            pass
        # Not in a ``finally``: after a power cut nothing more runs, and recovery finishes it.
        self.ballot_box.settle()  # the ledger line, then the journal cleared
        records.clear()
        s.recorded = True
        self.audit.record(AuditEvent.VOTE_COMMIT, "success")
        self._space_warning()
        return self._show(Recorded(s.settings))

    def _space_warning(self) -> str | None:
        """Media nearly full: logged once, shown on every admin menu until the close."""
        try:
            warning = self.ballot_box.space_warning(len(self.audit.export()))
        except (MediumError, BallotBoxError) as exc:
            return str(exc)
        if warning and not self._space_warned:
            self._space_warned = True
            self.audit.record(AuditEvent.MEDIA_SPACE_LOW, "failure")
        return warning

    def _power_failing(self) -> Screen:
        """UPS on battery: nothing half-written exists between events (every cast is durable
        or journaled), so drop an unfinished session — its card stays locked to this machine
        for the poll manager to release — and pause until power is back (art. 4-1-5)."""
        if self.session is not None and not self.session.recorded:
            self.session.selections.clear()
            self.session = None
            self.ballot_box.settle()
        self.audit.record(AuditEvent.POWER_FAILING, phase=self.phase.value)
        if self.phase is Phase.OPEN:
            self._set_phase(Phase.PAUSED)
        return self._show(
            Notice(
                "停電のため投票を一時停止しました。記録済みの投票は安全です。電源の復旧後、投票管理者が"
                "再開してください",
                "Power failure: voting is suspended; recorded votes are safe. The poll manager "
                "resumes once power is back.",
                for_admin=True,
            )
        )

    def _end_without_vote(self) -> Screen:
        assert self.session is not None
        s = self.session
        s.selections.clear()
        self.ballot_box.ledger.append(LedgerLine(s.card_id, False, s.card_contests))
        self.ballot_box.settle()
        try:
            self.devices.reader.consume_voting_card(self.machine_id)
        except CardError:
            pass  # the ledger refuses the card on this machine; it is locked to it elsewhere
        s.ended = True
        self.audit.record(AuditEvent.SESSION_ENDED_WITHOUT_VOTE)
        return self._show(
            Notice("投票せずに終了しました。カードをお取りください",
                   "Ended without voting. Please take your card.")
        )


def _election_of(certificate: bytes) -> str:
    """Before a package is loaded the election is whatever the card claims; the package load
    then checks the card's election against the package's."""
    try:
        body = canonical.decode_object(certificate)["body"]
        return str(body["election_id"])
    except (canonical.NotCanonical, KeyError, TypeError):
        return ""
