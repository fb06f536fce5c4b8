"""The reception card issuer (受付の投票カード発行機): runs offline at the reception desk.

A poll manager logs in with the admin card and PIN (card authenticity, PIN on the card, a
signature over a challenge bound to this issuer, the package and the operation
``issue-cards``). Then, per voter, the desk writes a one-use token for the voter's ballot style
(the contests the voter may vote in, art. 14) on a voting card, voids a spoiled card, takes back
used cards, and prints its counts for reconciliation: issued = consumed + voided + outstanding —
and signs them for the counting centre (``signed_report``, election/reception_report.py) with the
issuer key the commission lists in the package for this desk and polling place.

The issuer keeps no voter identity: its state file holds card ids and counts only. Writing a
token is journaled (``pending``) before the card is touched, so a card pulled mid-write is
either counted once when it comes back written or not counted at all.

Run: ``python -m reception.card_issuer --help`` (PC/SC reader; docs/card-protocol.md §8)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from election import canonical
from election.credentials import (
    CARD_AUTH_PURPOSE,
    LOGIN_PURPOSE,
    CredentialError,
    Role,
    VotingCardToken,
    card_auth_challenge,
    certificate_digest,
    login_challenge,
    open_card_auth_certificate,
    open_certificate,
    read_token,
)
from election.package import SignedPackage, load_package
from election.reception_report import ReceptionReport
from election.signature import BadSignature, verify
from firmware.audit_events import AuditEvent
from firmware.interfaces import CardError, CardKind, VotingCardPhase, VotingCardStatus

ISSUE_OPERATION = "issue-cards"


class IssuerError(Exception):
    """The desk cannot do what was asked; the message says what to do (Japanese first)."""


class IssuerCard(Protocol):
    """The reader as the desk uses it (drivers.pcsc_reader.PcscCardReader)."""

    def card_kind(self) -> CardKind | None: ...
    def card_serial(self) -> bytes: ...
    def read_admin_certificate(self) -> bytes: ...
    def read_card_auth_certificate(self) -> bytes: ...
    def authenticate_card(self, challenge: bytes) -> bytes: ...
    def verify_pin(self, pin: str) -> None: ...
    def sign_challenge(self, challenge: bytes) -> bytes: ...
    def read_voting_token(self) -> bytes: ...
    def voting_card_status(self) -> VotingCardStatus: ...
    def write_voting_token(self, token: bytes) -> None: ...
    def void_voting_card(self) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass
class DeskState:
    """What the desk remembers (durable, atomic rewrite): card ids and counts, no voters."""

    issued: dict[str, str] = field(default_factory=dict)  # card_id → ballot style
    pending: dict[str, str] = field(default_factory=dict)
    consumed: set[str] = field(default_factory=set)
    voided: set[str] = field(default_factory=set)

    def to_bytes(self) -> bytes:
        return canonical.encode({
            "issued": self.issued, "pending": self.pending,
            "consumed": sorted(self.consumed), "voided": sorted(self.voided),
        })

    @classmethod
    def from_bytes(cls, data: bytes) -> DeskState:
        d = canonical.decode_object(data)
        return cls(dict(d["issued"]), dict(d["pending"]), set(d["consumed"]), set(d["voided"]))


@dataclass(frozen=True)
class Counts:
    issued: int
    consumed: int
    voided: int
    outstanding: int
    unconfirmed: int
    by_style: tuple[tuple[str, int], ...]

    @property
    def balanced(self) -> bool:
        return self.issued == self.consumed + self.voided + self.outstanding


class CardIssuer:
    def __init__(
        self, reader: IssuerCard, package: SignedPackage, issuer_id: str,
        issuer_key: Ed25519PrivateKey, commission_public_key: bytes, state_dir: Path,
        clock: Clock,
    ) -> None:
        self.reader = reader
        self.package = package
        self.issuer = package.package.issuer(issuer_id)
        if self.issuer.public_key != issuer_key.public_key().public_bytes_raw():
            raise IssuerError("発行機の鍵が選挙データと一致しません / the issuer key is not the "
                              f"one the package lists for {issuer_id}")
        self.key = issuer_key
        self.commission = commission_public_key
        self.clock = clock
        self.state_dir = state_dir
        state_dir.mkdir(parents=True, exist_ok=True)
        path = state_dir / "desk.json"
        self.state = DeskState.from_bytes(path.read_bytes()) if path.exists() else DeskState()
        self.manager: str | None = None

    # --- durable state and log ------------------------------------------------------------

    def _save(self) -> None:
        path = self.state_dir / "desk.json"
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            f.write(self.state.to_bytes())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def _log(self, event: AuditEvent, outcome: str, **detail: object) -> None:
        line = json.dumps({"time": self.clock.now().isoformat(), "event_id": int(event),
                           "event": event.name.lower(), "outcome": outcome, "detail": detail},
                          ensure_ascii=False, sort_keys=True)
        with open(self.state_dir / "desk-log.jsonl", "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())

    # --- poll manager login -----------------------------------------------------------------

    def login(self, pin: str) -> str:
        """The admin card in the reader must be a poll manager's of this election, genuine,
        with the right PIN; returns the holder's name."""
        package = self.package.package
        try:
            if self.reader.card_kind() is not CardKind.ADMIN:
                raise IssuerError("投票管理者のカードを入れてください / insert the poll manager's card")
            data = self.reader.read_admin_certificate()
            cert = open_certificate(data, self.commission, package.election_id, self.clock.now())
            if cert.role is not Role.POLL_MANAGER:
                raise IssuerError("投票管理者のカードではありません / not a poll manager's card")
            auth = open_card_auth_certificate(self.reader.read_card_auth_certificate(),
                                              self.commission, package.election_id,
                                              self.clock.now())
            challenge = card_auth_challenge(os.urandom(32), self.issuer.issuer_id)
            verify(auth.public_key, CARD_AUTH_PURPOSE, challenge,
                   self.reader.authenticate_card(challenge), "管理者カード / admin card")
            if auth.card_id != cert.card_id or (
                package.admin_certificates and certificate_digest(data)
                not in package.admin_certificates
            ):
                raise IssuerError("この管理者カードは使えません / this admin card is not accepted")
            self.reader.verify_pin(pin)
            challenge = login_challenge(os.urandom(32), self.issuer.issuer_id,
                                        self.package.fingerprint, ISSUE_OPERATION)
            verify(cert.public_key, LOGIN_PURPOSE, challenge,
                   self.reader.sign_challenge(challenge), "管理者カード / admin card")
        except (CredentialError, BadSignature, CardError, IssuerError) as exc:
            self._log(AuditEvent.ISSUER_LOGIN, "failure", reason=type(exc).__name__)
            if isinstance(exc, IssuerError):
                raise
            raise IssuerError(f"ログインできません / login failed: {exc}") from exc
        self.manager = cert.holder
        self._log(AuditEvent.ISSUER_LOGIN, "success", card_id=cert.card_id)
        return cert.holder

    def _require_login(self) -> None:
        if self.manager is None:
            raise IssuerError("投票管理者のログインが必要です / a poll manager must log in first")

    # --- voting cards -----------------------------------------------------------------------

    def _voting_card(self) -> None:
        if self.reader.card_kind() is not CardKind.VOTING:
            raise IssuerError("投票カードを入れてください / insert a voting card")

    def issue(self, contests: tuple[str, ...], audio: bool = False) -> str:
        """Write a token for this ballot style on the card in the reader; returns its id."""
        self._require_login()
        package = self.package.package
        known = [c.contest_id for c in package.contests]
        if not contests or any(c not in known for c in contests) or len(set(contests)) != len(
                contests):
            raise IssuerError(f"投票の組合せが不正です / unknown ballot style {contests}")
        try:
            self._voting_card()
            serial = self.reader.card_serial()
            if self._reconcile_card() is VotingCardPhase.ISSUED:
                raise IssuerError("このカードは発行済みです / this card is already issued")
            style = ",".join(contests)
            token = VotingCardToken(
                card_id=serial.hex() + os.urandom(8).hex(),
                election_id=package.election_id, place_id=self.issuer.place_id,
                issuer_id=self.issuer.issuer_id, contests=contests, audio=audio,
                expires_at=self.clock.now()
                + timedelta(minutes=package.settings.voting_card_lifetime_minutes),
            )
            self.state.pending[token.card_id] = style
            self._save()  # journaled before the card is touched
            self.reader.write_voting_token(token.sign(self.key))
            self._confirm(token.card_id)
        except CardError as exc:
            raise IssuerError(
                "カードに書き込めませんでした。カードを入れ直してください（二重に数えません）/ the "
                f"card was not written; insert it again (it is never counted twice): {exc}"
            ) from exc
        return token.card_id

    def _confirm(self, card_id: str) -> None:
        """Read back: counted as issued only once the card holds exactly this token."""
        token, _, _ = read_token(self.reader.read_voting_token())
        if token.card_id != card_id or self.reader.voting_card_status().phase is not \
                VotingCardPhase.ISSUED:
            raise IssuerError("書き込みを確認できません / the write could not be verified")
        style = self.state.pending.pop(card_id)
        self.state.issued[card_id] = style
        self._save()
        self._log(AuditEvent.VOTING_CARD_ISSUED, "success", style=style)

    def _reconcile_card(self) -> VotingCardPhase | None:
        """Whatever card is in the reader: finish a pending write it holds, count it consumed
        if it comes back used. Returns its phase (None for a blank card)."""
        try:
            status = self.reader.voting_card_status()
        except CardError:
            return None  # never issued
        token, _, _ = read_token(self.reader.read_voting_token())
        if status.phase is VotingCardPhase.ISSUED and token.card_id in self.state.pending:
            self._confirm(token.card_id)
        if status.phase is VotingCardPhase.CONSUMED and token.card_id in self.state.issued \
                and token.card_id not in self.state.consumed:
            self.state.consumed.add(token.card_id)
            self._save()
        return status.phase

    def take_back(self) -> VotingCardPhase | None:
        """A card returned to the desk (after voting, or pulled mid-write earlier)."""
        self._require_login()
        try:
            self._voting_card()
            return self._reconcile_card()
        except (CardError, CredentialError) as exc:
            raise IssuerError(f"カードを読めません / cannot read the card: {exc}") from exc

    def void(self) -> str:
        """A spoiled card (wrong ballot style handed, damaged): never usable, counted voided."""
        self._require_login()
        try:
            self._voting_card()
            self._reconcile_card()
            token, _, _ = read_token(self.reader.read_voting_token())
            if token.card_id not in self.state.issued:
                raise IssuerError("この発行機が発行したカードではありません / not issued here")
            self.reader.void_voting_card()
        except (CardError, CredentialError) as exc:
            raise IssuerError(
                f"無効にできません（使用中または使用済み）/ cannot void (in use or used): {exc}"
            ) from exc
        self.state.voided.add(token.card_id)
        self._save()
        self._log(AuditEvent.VOTING_CARD_VOIDED, "success")
        return token.card_id

    def counts(self) -> Counts:
        issued = len(self.state.issued)
        consumed = len(self.state.consumed)
        voided = len(self.state.voided)
        styles: dict[str, int] = {}
        for style in self.state.issued.values():
            styles[style] = styles.get(style, 0) + 1
        return Counts(issued, consumed, voided, issued - consumed - voided,
                      len(self.state.pending), tuple(sorted(styles.items())))

    def report(self) -> list[str]:
        """The printed counts, Japanese first then English."""
        self._require_login()
        c = self.counts()
        package = self.package.package
        lines = [
            "投票カード発行枚数報告 / Voting card issue report",
            f"選挙 / election: {package.title} ({package.election_id})",
            f"投票所 / polling place: {self.issuer.place_id}  発行機 / issuer: "
            f"{self.issuer.issuer_id}",
            f"時刻 / time: {self.clock.now().isoformat(timespec='seconds')}",
            f"発行 / issued: {c.issued}",
            f"使用済みで返却 / returned used: {c.consumed}",
            f"無効 / voided: {c.voided}",
            f"未返却 / outstanding: {c.outstanding}",
            f"照合 / check: {c.issued} = {c.consumed} + {c.voided} + {c.outstanding}",
        ]
        lines += [f"  投票の組合せ / ballot style {style}: {n}" for style, n in c.by_style]
        if c.unconfirmed:
            lines.append(f"書込み未確認（未計上）/ unconfirmed writes (not counted): {c.unconfirmed}")
        lines.append("（投票機の終了報告の使用済みカード数と照合すること / reconcile with the "
                     "machines' closing reports）")
        self._log(AuditEvent.ISSUER_COUNTS_PRINTED, "success", issued=c.issued,
                  consumed=c.consumed, voided=c.voided, outstanding=c.outstanding)
        return lines

    def signed_report(self) -> bytes:
        """The counts signed with this desk's key (election/reception_report.py), for the
        counting centre's reconciliation. Unconfirmed writes are not counted, as on paper."""
        self._require_login()
        c = self.counts()
        report = ReceptionReport(
            election_id=self.package.package.election_id,
            package_fingerprint=self.package.fingerprint, issuer_id=self.issuer.issuer_id,
            place_id=self.issuer.place_id, time=self.clock.now(), issued=c.issued,
            consumed=c.consumed, voided=c.voided, outstanding=c.outstanding,
            by_style=c.by_style)
        self._log(AuditEvent.ISSUER_COUNTS_PRINTED, "success", issued=c.issued,
                  consumed=c.consumed, voided=c.voided, outstanding=c.outstanding, signed=True)
        return report.sign(self.key)


class _SystemClock:
    def now(self) -> datetime:
        return datetime.now().astimezone()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reception.card_issuer",
        description="受付の投票カード発行機 / reception voting card issuer (PC/SC reader)")
    parser.add_argument("--package", type=Path, required=True)
    parser.add_argument("--commission-key", type=Path, required=True, help="commission.pub (hex)")
    parser.add_argument("--issuer-id", required=True)
    parser.add_argument("--issuer-key", type=Path, required=True, help="private key (hex)")
    parser.add_argument("--state", type=Path, required=True, help="the desk's state directory")
    parser.add_argument("--reader", default="", help="PC/SC reader name prefix")
    parser.add_argument("--pin", help="poll manager PIN (asked for when absent)")
    parser.add_argument("command", choices=["issue", "void", "take-back", "report"])
    parser.add_argument("--contests", default="", help="ballot style, e.g. mayor,assembly")
    parser.add_argument("--audio", action="store_true")
    parser.add_argument("--signed-report", type=Path,
                        help="署名付きの報告をここに書く（開票所の照合用）/ also write the signed "
                        "report here, for the counting centre's reconciliation")
    args = parser.parse_args(argv)
    from getpass import getpass

    from drivers.pcsc_reader import PcscCardReader  # the desk's real reader

    commission = bytes.fromhex(args.commission_key.read_text().strip())
    package = load_package(args.package.read_bytes(), commission)
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(args.issuer_key.read_text().strip()))
    reader = PcscCardReader(args.reader)
    desk = CardIssuer(reader, package, args.issuer_id, key, commission, args.state, _SystemClock())
    try:
        desk.login(args.pin or getpass("暗証番号 / PIN: "))
        if args.command != "report":
            input("投票カードを入れて Enter / insert the voting card and press Enter: ")
        if args.command == "issue":
            print(desk.issue(tuple(c for c in args.contests.split(",") if c), args.audio))
        elif args.command == "void":
            print(desk.void())
        elif args.command == "take-back":
            phase = desk.take_back()
            print(phase.value if phase else "blank")
        print("\n".join(desk.report()))
        if args.signed_report:
            args.signed_report.write_bytes(desk.signed_report())
            print(f"署名付きの報告 / signed report: {args.signed_report}")
    except IssuerError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
