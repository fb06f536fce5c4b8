"""The poll manager's session (投票管理者): the admin card proves itself (its certificate from
the commission, a card-authenticity key, listed in the package), the PIN unlocks it (lockout
after wrong PINs, on the card), every operation is signed by the card for this machine and
package (docs/card-protocol.md §5.3) and role-checked, and the session ends on card removal,
sign-out, an idle limit or an overall limit (art. 4-1-7). Its menu shows the day's phase and
counts — sessions and records, never candidates — and the operations the phase allows."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

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
)
from election.signature import BadSignature, verify
from firmware.admin_views import VIEW_ACTIONS, AdminViews
from firmware.audit import AuditLog
from firmware.audit_events import AuditEvent
from firmware.ballot_box import BallotBox, BallotBoxError
from firmware.card_release import CardRelease
from firmware.display import Display
from firmware.events import (
    ADMIN_VIEW_EVENTS,
    AdminEvent,
    CloseForNight,
    ClosePolls,
    LoadPackage,
    OpenPolls,
    PausePolls,
    ReleaseCard,
    ReopenCheck,
    ReprintReport,
    ResumePolls,
    ZeroCheck,
)
from firmware.identity import MachineIdentity
from firmware.interfaces import (
    CardBlocked,
    CardError,
    CardReader,
    Clock,
    MediumError,
    RandomSource,
    WrongPin,
)
from firmware.polling_day import PollingDay
from firmware.screens import AdminMenu, AdminPin, Notice, Phase, Screen

LOGIN_PURPOSE = "admin-login"

ACTIONS = {
    Phase.SETUP: ("load-package",),
    Phase.PACKAGE_LOADED: ("load-package", "zero-check"),
    Phase.ZERO_CHECKED: ("load-package", "open"),
    Phase.OPEN: ("load-package", "pause", "close", "close-for-night"),
    Phase.PAUSED: ("load-package", "resume", "close", "close-for-night", "release-card"),
    Phase.NIGHT_CLOSED: ("reopen-check", "close"),  # last day over: final close
    Phase.CLOSED: (),
    Phase.UNPROVISIONED: (),
}


@dataclass
class AdminSession:
    certificate: AdminCertificate
    authenticated: bool = False
    started: datetime | None = None  # when the PIN was verified (overall limit)
    last_action: datetime | None = None  # idle limit
    nonce_key: bytes = b""  # drawn once per session; each challenge's nonce derives from it
    challenges: int = 0


class PollManager:
    def __init__(
        self, identity: MachineIdentity, reader: CardReader, clock: Clock, random: RandomSource,
        audit: AuditLog, ballot_box: BallotBox, day: PollingDay, views: AdminViews,
        release: CardRelease, display: Display, on_login: Callable[[], str],
    ) -> None:
        self.identity = identity
        self.reader = reader
        self.clock = clock
        self.random = random
        self.audit = audit
        self.ballot_box = ballot_box
        self.day = day
        self.views = views
        self.release = release
        self.display = display
        self.on_login = on_login  # what the login itself settles (an abandoned session)
        self.admin: AdminSession | None = None

    def _show(self, screen: Screen) -> Screen:
        return self.display.show(screen)

    # --- the card and the PIN ----------------------------------------------------------------

    def card_inserted(self) -> Screen:
        try:
            data = self.reader.read_admin_certificate()
            package = self.day.package
            certificate = open_certificate(
                data,
                self.identity.commission_key,
                package.package.election_id if package is not None else _election_of(data),
                self.clock.now(),
            )
        except (CredentialError, CardError) as exc:
            self.audit.record(AuditEvent.ADMIN_CARD_INSERTED, "failure", reason=str(exc)[:80])
            return self._show(Notice(f"管理者カードを確認できません: {exc}", str(exc), True))
        refused = self._card_authentic(data, certificate)
        if refused is not None:
            return refused
        self.audit.record(
            AuditEvent.ADMIN_CARD_INSERTED, "success", card_id=certificate.card_id,
            role=certificate.role.value,
        )
        self.admin = AdminSession(certificate)
        return self._show(AdminPin(certificate.holder, certificate.role.value, -1))

    def _card_authentic(self, data: bytes, certificate: AdminCertificate) -> Screen | None:
        """Before the PIN: the card proves it holds the card-authenticity key certified by the
        commission for this card and election (a copied certificate on another card fails
        here), and, when the package lists admin cards, that it is one of them."""
        try:
            auth = open_card_auth_certificate(
                self.reader.read_card_auth_certificate(), self.identity.commission_key,
                certificate.election_id, self.clock.now(),
            )
            if auth.card_id != certificate.card_id:
                raise CredentialError("カードの証明書が一致しません / the card's two certificates "
                                      "name different cards")
            challenge = card_auth_challenge(self.random.token(32), self.identity.machine_id)
            verify(auth.public_key, CARD_AUTH_PURPOSE, challenge,
                   self.reader.authenticate_card(challenge), "管理者カード / admin card")
            listed = self.day.package.package.admin_certificates if self.day.package else ()
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
            nonce, self.identity.machine_id,
            self.day.package.fingerprint if self.day.package else "", operation,
        )
        signature = self.reader.sign_challenge(challenge)
        verify(admin.certificate.public_key, LOGIN_PURPOSE, challenge, signature,
               "管理者カード / admin card")

    def expired(self) -> Screen | None:
        """Idle limit (the package's inactivity setting) and overall limit (its admin session
        setting); either ends the session as if the card were removed."""
        admin = self.admin
        if admin is None or not admin.authenticated or self.day.package is None:
            return None
        settings = self.day.package.package.settings
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
        self.end(f"timeout-{reason}")
        return self._show(Notice(
            "管理者の操作時間が終了しました。カードを入れ直してください",
            "The admin session timed out; insert the card again", True))

    def pin_entered(self, pin: str) -> Screen:
        if self.admin is None or self.admin.authenticated:
            return self.display.screen
        certificate = self.admin.certificate
        try:
            self.reader.verify_pin(pin)
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
        return self.menu(self.on_login())

    def end(self, reason: str) -> Screen:
        if self.admin is not None:
            self.audit.record(
                AuditEvent.ADMIN_SESSION_ENDED, card_id=self.admin.certificate.card_id,
                reason=reason,
            )
        self.admin = None
        return self._show(self.day.standby())

    # --- the menu and the operations ---------------------------------------------------------

    def menu(self, message: str = "") -> Screen:
        assert self.admin is not None
        day = self.day
        counts: tuple[tuple[str, int], ...] = ()
        lines = self.ballot_box.ledger.lines()
        if day.package is not None and self.ballot_box.header is not None:
            try:
                counts = tuple(self.ballot_box.record_counts().items())
            except (MediumError, BallotBoxError) as exc:
                message = message or str(exc)
        if not message and day.phase in (Phase.OPEN, Phase.PAUSED):
            message = day.space_warning() or ""
        actions = ACTIONS[day.phase]
        if day.has_report():
            actions += ("reprint",)
        if day.phase in (Phase.OPEN, Phase.PAUSED):
            actions += ("assisted",)  # art. 7, for the next session (admin_views.py)
        return self._show(
            AdminMenu(
                holder=self.admin.certificate.holder,
                role=self.admin.certificate.role.value,
                phase=day.phase,
                package_fingerprint=day.package.short_fingerprint if day.package else "",
                records_per_contest=counts,
                sessions_voted=sum(line.voted for line in lines),
                sessions_without_vote=sum(not line.voted for line in lines),
                actions=actions,
                message=message,
                views=VIEW_ACTIONS if day.package is not None else (),
                assisted_pending=self.views.assisted.pending,
            )
        )

    def action(self, event: AdminEvent) -> Screen:
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
                self.end("card-refused")
                return self._show(Notice(
                    "管理者カードが操作を承認しませんでした。カードを入れ直してください",
                    "The admin card did not approve the operation; insert it again", True))
        if isinstance(event, ADMIN_VIEW_EVENTS):
            shown = self.views.view(event)
            return self.menu(shown) if isinstance(shown, str) else self._show(shown)
        return self.menu(self._operation(event))

    def _operation(self, event: AdminEvent) -> str:
        day = self.day
        if isinstance(event, LoadPackage):
            assert self.admin is not None
            return day.load_package(event.data, self.admin.certificate.election_id)
        if isinstance(event, ZeroCheck):
            return day.zero_check()
        if isinstance(event, OpenPolls):
            return day.transition(Phase.ZERO_CHECKED, Phase.OPEN, AuditEvent.POLLS_OPENED)
        if isinstance(event, PausePolls):
            return day.transition(Phase.OPEN, Phase.PAUSED, AuditEvent.POLLS_PAUSED)
        if isinstance(event, ResumePolls):
            return day.resume()
        if isinstance(event, ClosePolls):
            return day.close()
        if isinstance(event, CloseForNight):
            return day.close(final=False)
        if isinstance(event, ReopenCheck):
            return day.reopen_check()
        if isinstance(event, ReprintReport):
            return day.reprint()
        if day.phase is Phase.CLOSED:
            return day.refuse("release-card", "投票は終了しています", "polls are closed")
        return self.release.arm_or_release()


def _election_of(certificate: bytes) -> str:
    """Before a package is loaded the election is whatever the card claims; the package load
    then checks the card's election against the package's."""
    try:
        body = canonical.decode_object(certificate)["body"]
        return str(body["election_id"])
    except (canonical.NotCanonical, KeyError, TypeError):
        return ""
