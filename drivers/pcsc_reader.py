"""The machine's card reader over PC/SC: pyscard → pcscd → reader (a USB CCID reader on the
kiosk, the vpcd virtual reader in tests; the code is the same). Implements
``firmware.interfaces.CardReader`` with the APDUs of docs/card-protocol.md, and turns every PC/SC
failure into the specific error an official can act on."""

from __future__ import annotations

from smartcard import scard  # type: ignore[import-untyped]

from drivers.card_apdu import (
    ADMIN_AID,
    SW_BLOCKED,
    SW_CONDITIONS,
    SW_NO_DATA,
    SW_NOT_FOUND,
    SW_SECURITY,
    VOTING_AID,
    ApduFormatError,
    CardType,
    Command,
    Ins,
    KeyRef,
    Phase,
    Response,
    Tag,
    chained,
    exchange,
    get_data,
    internal_authenticate,
    machine_command,
    parse_select,
    parse_status,
    select,
    tries_left,
    verify,
)
from firmware.interfaces import (
    CardBlocked,
    CardError,
    CardKind,
    CardProtocolError,
    CardRefused,
    CardRemoved,
    ReaderUnavailable,
    TwoCards,
    UnknownCard,
    VotingCardPhase,
    VotingCardStatus,
    WrongPin,
)

_REMOVED = {
    scard.SCARD_W_REMOVED_CARD,
    scard.SCARD_E_NO_SMARTCARD,
    scard.SCARD_W_RESET_CARD,
    scard.SCARD_E_NOT_TRANSACTED,
    scard.SCARD_W_UNPOWERED_CARD,
    scard.SCARD_W_UNRESPONSIVE_CARD,
    scard.SCARD_E_INVALID_HANDLE,
}
_NO_READER = {
    scard.SCARD_E_NO_READERS_AVAILABLE,
    scard.SCARD_E_UNKNOWN_READER,
    scard.SCARD_E_READER_UNAVAILABLE,
    scard.SCARD_E_NO_SERVICE,
    scard.SCARD_E_SERVICE_STOPPED,
}
_PHASES = {
    Phase.ISSUED: VotingCardPhase.ISSUED,
    Phase.LOCKED: VotingCardPhase.LOCKED,
    Phase.CONSUMED: VotingCardPhase.CONSUMED,
    Phase.VOIDED: VotingCardPhase.VOIDED,
}


def _pcsc_error(result: int, what: str) -> CardError:
    if result in _REMOVED:
        return CardRemoved(
            f"カードが抜かれました / the card was removed ({what}: {scard.SCardGetErrorMessage(result)})"
        )
    if result in _NO_READER:
        return ReaderUnavailable(
            "カードリーダーが接続されていません。接続を確認してください / no card reader: check "
            f"that it is plugged in ({scard.SCardGetErrorMessage(result)})"
        )
    return CardError(f"カードリーダーの異常 / card reader failure in {what}: "
                     f"{scard.SCardGetErrorMessage(result)}")


def refusal(response: Response, what: str) -> CardError:
    """The error for a status word other than 9000 (docs/card-protocol.md §3)."""
    sw = response.sw
    left = tries_left(sw)
    if left is not None:
        return WrongPin(left)
    if sw == SW_BLOCKED:
        return CardBlocked(
            "カードはロックされています。選挙管理委員会に連絡してください / the card is blocked; "
            "only the election commission can reset it"
        )
    if sw == SW_SECURITY:
        return CardRefused(f"暗証番号の照合が必要です / {what}: verify the PIN first")
    if sw == SW_CONDITIONS:
        return CardRefused(f"カードの状態では実行できません / {what}: the card's state forbids it")
    if sw == SW_NO_DATA:
        return CardRefused(f"カードにデータがありません / {what}: nothing stored on the card")
    return CardRefused(f"カードが拒否しました / {what}: the card answered {sw:04X}")


class PcscCardReader:
    """One reader slot chosen by name prefix (``""`` = every reader pcscd knows)."""

    def __init__(self, reader_prefix: str = "") -> None:
        self.reader_prefix = reader_prefix
        self._context: int | None = None
        self._handle: int | None = None
        self._protocol = 0
        self._reader = ""
        self._kind: CardKind | None = None
        self._serial = b""

    # --- PC/SC plumbing -----------------------------------------------------------------------

    def _ctx(self) -> int:
        if self._context is None:
            result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if result != scard.SCARD_S_SUCCESS:
                raise _pcsc_error(result, "establish context")
            self._context = context
        return self._context

    def _drop_context(self) -> None:
        if self._context is not None:
            scard.SCardReleaseContext(self._context)
        self._context = None

    def _readers(self) -> list[str]:
        result, readers = scard.SCardListReaders(self._ctx(), [])
        if result == scard.SCARD_E_NO_SERVICE or result == scard.SCARD_E_SERVICE_STOPPED:
            self._drop_context()  # pcscd restarted: the next call builds a new context
        if result != scard.SCARD_S_SUCCESS:
            raise _pcsc_error(result, "list readers")
        ours = [r for r in readers if r.startswith(self.reader_prefix)]
        if not ours:
            raise _pcsc_error(scard.SCARD_E_NO_READERS_AVAILABLE, "list readers")
        return ours

    def present(self) -> list[str]:
        """The readers that hold a card now."""
        readers = self._readers()
        result, states = scard.SCardGetStatusChange(
            self._ctx(), 0, [(r, scard.SCARD_STATE_UNAWARE) for r in readers]
        )
        if result != scard.SCARD_S_SUCCESS:
            raise _pcsc_error(result, "card status")
        return [r for r, state, _ in states if state & scard.SCARD_STATE_PRESENT
                and not state & scard.SCARD_STATE_MUTE]

    def _disconnect(self) -> None:
        if self._handle is not None:
            scard.SCardDisconnect(self._handle, scard.SCARD_RESET_CARD)
        self._handle, self._kind, self._serial = None, None, b""

    def _raw(self, apdu: bytes) -> bytes:
        if self._handle is None:
            raise CardRemoved("カードが抜かれました / the card was removed")
        result, response = scard.SCardTransmit(self._handle, self._protocol, list(apdu))
        if result != scard.SCARD_S_SUCCESS:
            error = _pcsc_error(result, "transmit")
            if isinstance(error, (CardRemoved, ReaderUnavailable)):
                self._disconnect()
            raise error
        return bytes(response)

    def transmit(self, command: Command | list[Command]) -> Response:
        """Send one command (or a chain), follow 61xx with GET RESPONSE, parse strictly."""
        try:
            return exchange(self._raw, command)
        except ApduFormatError as exc:
            raise CardProtocolError(f"カードの応答が不正です / malformed card response: {exc}") from exc

    def _ok(self, command: Command | list[Command], what: str) -> bytes:
        response = self.transmit(command)
        if not response.ok:
            raise refusal(response, what)
        return response.data

    # --- CardReader ---------------------------------------------------------------------------

    def card_kind(self) -> CardKind | None:
        """Connect afresh to the one card present and find which of our applications it has."""
        self._disconnect()
        present = self.present()
        if not present:
            return None
        if len(present) > 1:
            raise TwoCards(
                "カードが2枚あります。1枚だけ入れてください / two cards at once: insert only one"
            )
        self._connect(present[0])
        for aid, kind, expected in ((ADMIN_AID, CardKind.ADMIN, CardType.ADMIN),
                                    (VOTING_AID, CardKind.VOTING, CardType.VOTING)):
            response = self.transmit(select(aid))
            if response.sw == SW_NOT_FOUND:
                continue
            if not response.ok:
                raise refusal(response, "SELECT")
            try:
                info = parse_select(response.data)
            except ApduFormatError as exc:
                raise CardProtocolError(f"カードの応答が不正です / malformed SELECT answer: {exc}") from exc
            if info.card_type is not expected:
                raise CardProtocolError("カードの種類が一致しません / card type does not match its application")
            self._kind, self._serial = kind, info.serial
            return kind
        self._disconnect()
        raise UnknownCard(
            "このカードは投票機のカードではありません / this is not a card of this voting system"
        )

    def _connect(self, reader: str) -> None:
        result, handle, protocol = scard.SCardConnect(
            self._ctx(), reader, scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        if result != scard.SCARD_S_SUCCESS:
            raise _pcsc_error(result, "connect")
        self._handle, self._protocol, self._reader = handle, protocol, reader

    def _need(self, kind: CardKind) -> None:
        if self._handle is None:
            raise CardRemoved("カードが入っていません / no card in the reader")
        if self._kind is not kind:
            raise CardRefused(f"{kind.value} カードではありません / not a {kind.value} card")

    def card_serial(self) -> bytes:
        if self._handle is None:
            raise CardRemoved("カードが入っていません / no card in the reader")
        return self._serial

    def read_admin_certificate(self) -> bytes:
        self._need(CardKind.ADMIN)
        return self._ok(get_data(Tag.IDENTITY_CERTIFICATE), "read certificate")

    def read_card_auth_certificate(self) -> bytes:
        self._need(CardKind.ADMIN)
        return self._ok(get_data(Tag.CARD_AUTH_CERTIFICATE), "read card-authenticity certificate")

    def authenticate_card(self, challenge: bytes) -> bytes:
        self._need(CardKind.ADMIN)
        return self._signature(internal_authenticate(KeyRef.CARD_AUTH, challenge))

    def verify_pin(self, pin: str) -> None:
        self._need(CardKind.ADMIN)
        if not pin:
            raise CardRefused("暗証番号を入力してください / enter the PIN")
        self._ok(verify(pin), "VERIFY")

    def pin_tries_left(self) -> int:
        """Tries left without spending one (VERIFY with no data)."""
        self._need(CardKind.ADMIN)
        response = self.transmit(verify(None))
        left = tries_left(response.sw)
        if response.ok:
            return -1
        if left is not None:
            return left
        raise refusal(response, "VERIFY")

    def sign_challenge(self, challenge: bytes) -> bytes:
        self._need(CardKind.ADMIN)
        return self._signature(internal_authenticate(KeyRef.IDENTITY, challenge))

    def _signature(self, command: Command) -> bytes:
        signature = self._ok(command, "INTERNAL AUTHENTICATE")
        if len(signature) != 64:
            raise CardProtocolError("署名の長さが不正です / signature is not 64 bytes")
        return signature

    def transmit_admin(self, command: Command | list[Command], what: str) -> bytes:
        """For the key-holder share commands (counting) and the commission's programmer."""
        self._need(CardKind.ADMIN)
        return self._ok(command, what)

    def read_voting_token(self) -> bytes:
        self._need(CardKind.VOTING)
        return self._ok(get_data(Tag.TOKEN), "read token")

    def voting_card_status(self) -> VotingCardStatus:
        self._need(CardKind.VOTING)
        data = self._ok(get_data(Tag.STATUS), "read status")
        try:
            phase, machine = parse_status(data)
        except ApduFormatError as exc:
            raise CardProtocolError(f"カードの状態が不正です / malformed card status: {exc}") from exc
        if phase is Phase.EMPTY:
            raise CardRefused("未発行のカードです / this voting card was never issued")
        return VotingCardStatus(_PHASES[phase], machine)

    def _machine(self, ins: Ins, machine_id: str, what: str) -> None:
        self._need(CardKind.VOTING)
        self._ok(machine_command(ins, machine_id), what)

    def lock_voting_card(self, machine_id: str) -> None:
        self._machine(Ins.LOCK, machine_id, "LOCK")

    def consume_voting_card(self, machine_id: str) -> None:
        self._machine(Ins.CONSUME, machine_id, "CONSUME")

    def release_voting_card(self, machine_id: str) -> None:
        self._machine(Ins.RELEASE, machine_id, "RELEASE")

    # reception (reception/card_issuer.py)
    def write_voting_token(self, token: bytes) -> None:
        self._need(CardKind.VOTING)
        self._ok(chained(0x80, Ins.WRITE_TOKEN, 0, 0, token), "WRITE TOKEN")

    def void_voting_card(self) -> None:
        self._need(CardKind.VOTING)
        self._ok(Command(0x80, Ins.VOID, 0, 0), "VOID")

    def close(self) -> None:
        self._disconnect()
        self._drop_context()

