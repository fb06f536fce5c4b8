"""The devices the firmware needs, as small interfaces. ``drivers/`` implements each one twice:
for real hardware and as a simulator that fails the way the device fails."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Protocol

from firmware.speech_approval import SpeechSet


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class RandomSource(Protocol):
    """Cryptographic randomness on the machine; a seeded source in tests."""

    def below(self, bound: int) -> int: ...

    def token(self, length: int) -> bytes: ...


# --- internal storage (the machine's own SD card) ---------------------------------------------


class InternalStorage(Protocol):
    """The machine's own durable storage: its key, loaded package, journal and audit log."""

    def read(self, name: str) -> bytes | None: ...

    def write_atomic(self, name: str, data: bytes) -> None:
        """Replace the whole file so that a crash leaves either the old or the new content."""
        ...

    def append(self, name: str, data: bytes) -> None:
        """Append and make durable before returning."""
        ...

    def create(self, name: str, size: int) -> None:
        """Create (or replace) a zero-filled file of ``size`` bytes, durable with its name."""
        ...

    def write_at(self, name: str, offset: int, data: bytes) -> None:
        """Overwrite bytes of an existing file in place and sync its data before returning."""
        ...

    def delete(self, name: str) -> None: ...


# --- vote media -----------------------------------------------------------------------------


class MediumError(Exception):
    """A removable medium failed; subclasses say how."""


class MediumRemoved(MediumError):
    """The medium is not there (never inserted, or pulled out)."""


class MediumFull(MediumError):
    """No space left on the medium."""


class MediumReadOnly(MediumError):
    """The medium refuses writes (write-protect switch or a failing card)."""


class MediumIOError(MediumError):
    """A read or write failed on the medium itself."""


class MediumCorrupted(MediumIOError):
    """What was read back from the medium is not what was written (failing sectors/cells)."""


class MediumSlow(MediumError):
    """A write did not become durable within the write deadline (failing or counterfeit medium)."""


class MediumReplaced(MediumError):
    """The medium now in the slot is not the one verified at start-up (another medium id)."""


class MediumWriteNotStarted(MediumError):
    """A write that was to follow another (the copy's, after the primary's) was not made,
    because that one failed or missed its deadline."""


SlotWrite = tuple[str, int, bytes]  # (file, byte offset, bytes): one slot of a cast


class WriteInFlight(Protocol):
    """Slot writes under way on one medium (``MediumStore.start_write_verified``)."""

    def wait(self) -> None:
        """Return once every write is durable and was read back from the device unchanged;
        raise the ``MediumError`` it failed with (``MediumCorrupted`` for a read-back that
        differs, ``MediumSlow`` past the write deadline)."""
        ...

    def wait_durable(self) -> None:
        """Return once every write is durable (its read-back may still be running); raise if
        the writes failed or missed their deadline before that."""
        ...


class MediumStore(Protocol):
    """A removable medium's filesystem, by relative file name. Writes are durable on return.
    Every operation answers within the medium's deadline or raises ``MediumSlow``: a medium
    that hangs never holds the caller (the kiosk's screen) for longer."""

    label: str

    def read(self, name: str) -> bytes:
        """Whole file; ``FileNotFoundError`` when absent."""
        ...

    def read_at(self, name: str, offset: int, size: int) -> bytes: ...

    def write_at(self, name: str, offset: int, data: bytes) -> None:
        """Overwrite bytes in an existing file and sync the file."""
        ...

    def start_write_verified(
        self,
        writes: Sequence[SlotWrite],
        after: WriteInFlight | None = None,
        guard: Callable[[], None] | None = None,
    ) -> WriteInFlight:
        """Begin writing ``writes`` and return at once: every pwrite, then one sync per file
        (so a ballot's slots cost one sync on the medium, not one per contest), then each write
        read back from the device — not the page cache — and compared. ``guard`` runs first, in
        the background and under the same deadline (the medium's identity check): if it raises,
        nothing is written and ``wait`` raises that. With ``after`` (the primary's writes, when
        this is the copy), nothing is written until ``after`` is durable, and nothing at all if
        it fails (``MediumWriteNotStarted``). Started writes on one medium run in order."""
        ...

    def create(self, name: str, size: int) -> None:
        """Create a zero-filled file of ``size`` bytes, synced, with its directory."""
        ...

    def write_atomic(self, name: str, data: bytes) -> None:
        """Write a temporary file, sync, rename over ``name``, sync the directory."""
        ...

    def exists(self, name: str) -> bool: ...

    def free_bytes(self) -> int:
        """Free space in bytes; -1 when the filesystem driver does not report it."""
        ...


# --- smartcard reader -----------------------------------------------------------------------


class CardKind(Enum):
    ADMIN = "admin"
    VOTING = "voting"


class CardError(Exception):
    """The card or reader failed; subclasses say how."""


class CardRemoved(CardError):
    """No card in the reader (or it was pulled out during the operation)."""


class CardRefused(CardError):
    """The card refused the command (wrong state for it; e.g. already consumed)."""


class WrongPin(CardError):
    def __init__(self, remaining: int) -> None:
        super().__init__(f"wrong PIN, {remaining} tries left")
        self.remaining = remaining


class CardBlocked(CardError):
    """The card's PIN retry counter is exhausted; only the commission can reset it."""


class UnknownCard(CardError):
    """A card that speaks none of our applications (a bank card, a transit card, a blank)."""


class ReaderUnavailable(CardError):
    """No card reader: unplugged, or the PC/SC service is not running."""


class TwoCards(CardError):
    """More than one card is present at once; the machine will not guess which is meant."""


class CardProtocolError(CardError):
    """The card answered with bytes that are not a valid answer of docs/card-protocol.md."""


class VotingCardPhase(Enum):
    ISSUED = "issued"
    LOCKED = "locked"
    CONSUMED = "consumed"
    VOIDED = "voided"  # spoiled at reception (reception/card_issuer.py); never usable


@dataclass(frozen=True)
class VotingCardStatus:
    phase: VotingCardPhase
    machine_id: str  # the machine it is locked to or consumed by; "" when ISSUED


class CardReader(Protocol):
    """One smartcard reader for admin cards and voting cards (docs/card-protocol.md)."""

    def card_kind(self) -> CardKind | None:
        """What card is in the reader, or None."""
        ...

    def card_serial(self) -> bytes:
        """The chip's serial (8 bytes), fixed at manufacture; voting tokens are bound to it."""
        ...

    # admin cards
    def read_admin_certificate(self) -> bytes: ...

    def read_card_auth_certificate(self) -> bytes:
        """The card-authenticity certificate (readable without the PIN)."""
        ...

    def authenticate_card(self, challenge: bytes) -> bytes:
        """Sign a card-authenticity challenge with the card-authenticity key (no PIN)."""
        ...

    def verify_pin(self, pin: str) -> None:
        """Raise WrongPin (with tries left) or CardBlocked; the counter lives on the card."""
        ...

    def sign_challenge(self, challenge: bytes) -> bytes:
        """Sign an admin-login challenge (election.credentials.login_challenge) with the identity
        key; the card refuses before the PIN is verified and refuses any other bytes."""
        ...

    # voting cards
    def read_voting_token(self) -> bytes: ...

    def voting_card_status(self) -> VotingCardStatus: ...

    def lock_voting_card(self, machine_id: str) -> None:
        """ISSUED → LOCKED to this machine (idempotent for the same machine)."""
        ...

    def consume_voting_card(self, machine_id: str) -> None:
        """LOCKED to this machine → CONSUMED. Never reversible."""
        ...

    def release_voting_card(self, machine_id: str) -> None:
        """LOCKED to this machine → ISSUED, when its vote was not recorded."""
        ...


# --- printer --------------------------------------------------------------------------------


class PrinterError(Exception):
    """The printer could not print; subclasses say how."""


class PaperOut(PrinterError):
    pass


class PrinterOffline(PrinterError):
    pass


@dataclass(frozen=True)
class PrintedDocument:
    """A receipt: a title, lines of text (Japanese first, English second) and an optional QR."""

    title: str
    lines: tuple[str, ...]
    qr_payload: bytes | None = None


class Printer(Protocol):
    def print_document(self, document: PrintedDocument) -> None: ...


# --- network (art. 4-2) ---------------------------------------------------------------------


class NetworkMonitor(Protocol):
    def interfaces(self) -> tuple[str, ...]:
        """Every network interface the kernel has, loopback included (drivers/network.py).
        Raises ``OSError`` when they cannot be listed; the machine then refuses to open."""
        ...


# --- speech ---------------------------------------------------------------------------------


class SpeechError(Exception):
    """Audio could not be played (e.g. headphones unplugged)."""


class Speaker(Protocol):
    # The approved set this speaker plays from, as read now (docs/speech.md), or None for a
    # speaker bound to no set; a machine loads only a package that signs this set
    # (firmware/speech_approval.py, art. 4-1-3).
    @property
    def speech_set(self) -> SpeechSet | None: ...

    def say(self, text: str, language: str) -> None:
        """Speak text; Japanese text is given as the official kana reading."""
        ...

    def set_voice(self, volume: int, rate: int) -> None:
        """The voter's volume step (0 silent .. VOLUME_STEPS) and rate step (index into
        RATE_SCALES) for what is said next (firmware/voter_settings.py); the firmware sets
        them from the session's settings before every utterance and back to the defaults
        between voters."""
        ...
