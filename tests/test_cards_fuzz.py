"""APDU-level fuzzing (hypothesis): the machine's card parser — every PcscCardReader method fed
arbitrary card answers — raises only the card errors of firmware/interfaces.py, and the machine
on top of it shows a screen and never crashes; the emulated cards answer any command bytes with a
status word and never crash either."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers import card_apdu
from drivers.card_emulator.applets import VotingCardApplet
from drivers.pcsc_reader import PcscCardReader
from firmware import machine as fw
from firmware.interfaces import CardError, CardKind
from tests.cards_support import admin_card
from tests.station import make_station

answers = st.lists(
    st.one_of(
        st.binary(max_size=300),
        st.builds(lambda d, sw: d + sw.to_bytes(2, "big"), st.binary(max_size=260),
                  st.sampled_from([0x9000, 0x6100, 0x6105, 0x63C2, 0x6983, 0x6A82, 0x6982])),
        st.builds(lambda d: card_apdu.select_response(card_apdu.CardType.VOTING, d) + b"\x90\x00",
                  st.binary(min_size=8, max_size=8)),
    ),
    max_size=12,
)


class ScriptedReader(PcscCardReader):
    """The real parser with the PC/SC transmit replaced by a script of card answers."""

    def __init__(self, script: list[bytes], kind: CardKind | None) -> None:
        super().__init__()
        self.script = list(script)
        self._handle = 1
        self._kind = kind

    def _raw(self, apdu: bytes) -> bytes:
        if not self.script:
            return b"\x6f\x00"
        return self.script.pop(0)

    def present(self) -> list[str]:
        return ["Virtual PCD 00 00"]

    def _connect(self, reader: str) -> None:
        self._handle = 1

    def _disconnect(self) -> None:
        self._handle, self._kind, self._serial = None, None, b""


def _call_everything(reader: ScriptedReader) -> None:
    calls = [
        reader.read_admin_certificate, reader.read_card_auth_certificate,
        lambda: reader.authenticate_card(b"\x01" * 40), lambda: reader.verify_pin("1234"),
        lambda: reader.sign_challenge(b"\x01" * 40), reader.pin_tries_left,
        reader.read_voting_token, reader.voting_card_status,
        lambda: reader.lock_voting_card("M-001"), lambda: reader.consume_voting_card("M-001"),
        lambda: reader.release_voting_card("M-001"),
    ]
    for call in calls:
        try:
            call()
        except CardError:
            pass


@settings(max_examples=300, deadline=None)
@given(answers, st.sampled_from([CardKind.ADMIN, CardKind.VOTING]))
def test_the_reader_turns_any_card_answer_into_a_value_or_a_card_error(
    script: list[bytes], kind: CardKind
) -> None:
    _call_everything(ScriptedReader(script, kind))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers)
def test_the_machine_survives_any_card_answers(script: list[bytes]) -> None:
    station = make_station()
    station.machine = fw.Machine(
        fw.Devices(ScriptedReader(script, None), station.primary, station.copy,  # type: ignore[arg-type]
                   station.printer, station.speaker, station.machine.devices.network),
        station.storage, station.clock, station.random, "0" * 64,
    )
    station.machine.boot()
    for event in (fw.CardInserted(), fw.PinEntered("1234"), fw.ZeroCheck(), fw.CardRemoved_()):
        assert station.machine.handle(event) is not None


@settings(max_examples=400, deadline=None)
@given(st.lists(st.binary(max_size=270), max_size=8), st.booleans())
def test_cards_answer_any_bytes_with_a_status_word(commands: list[bytes], admin: bool) -> None:
    card = admin_card(label="fuzz") if admin else VotingCardApplet()
    for command in [card_apdu.select(card.aid).encode(), *commands]:
        response = card.process(command)
        assert len(response) >= 2
        assert len(response) <= 258


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=64))
def test_the_parsers_raise_only_their_format_error(data: bytes) -> None:
    for parse in (card_apdu.parse_tlv, card_apdu.parse_select, card_apdu.parse_status,
                  card_apdu.decode_response, card_apdu.decode_command):
        try:
            parse(data)
        except card_apdu.ApduFormatError:
            pass
