"""One vote for one contest, encrypted to the counting key (docs/media-format.md §6).

The plaintext has a fixed size so every ciphertext has the same length; the contest and election
are bound through HPKE's ``info`` so a record moved to another table or election fails to decrypt.
It carries no time, sequence number, machine, card or voter."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke

from media.counting_key import SUITE

PLAINTEXT_LENGTH = 64
CIPHERTEXT_LENGTH = 1120 + PLAINTEXT_LENGTH + 16  # enc (ML-KEM 1088 + X25519 32) + ct + tag
FORMAT_VERSION = 1
KIND_CANDIDATE = 1
KIND_BLANK = 2


class RecordUnreadable(ValueError):
    """A record does not decrypt or decode: altered, moved, or not a vote of this election."""


@dataclass(frozen=True)
class Choice:
    """What the voter chose in one contest: a candidate id, or blank (白票) when allowed."""

    candidate_id: str | None

    @property
    def is_blank(self) -> bool:
        return self.candidate_id is None


BLANK = Choice(None)


def info(election_id: str, contest_id: str) -> bytes:
    return b"tohyoki/vote/v1\x00" + election_id.encode() + b"\x00" + contest_id.encode()


def encode_choice(choice: Choice) -> bytes:
    """version ‖ kind ‖ id length ‖ id (UTF-8) ‖ zero padding to 64 bytes."""
    if choice.candidate_id is None:
        body = bytes([FORMAT_VERSION, KIND_BLANK, 0])
    else:
        ident = choice.candidate_id.encode("utf-8")
        if not 0 < len(ident) <= PLAINTEXT_LENGTH - 3:
            raise ValueError("candidate id must be 1..61 bytes of UTF-8")
        body = bytes([FORMAT_VERSION, KIND_CANDIDATE, len(ident)]) + ident
    return body + bytes(PLAINTEXT_LENGTH - len(body))


def decode_choice(plaintext: bytes) -> Choice:
    if len(plaintext) != PLAINTEXT_LENGTH or plaintext[0] != FORMAT_VERSION:
        raise RecordUnreadable("投票記録の形式が違います / unknown vote record version")
    kind, length = plaintext[1], plaintext[2]
    padding = plaintext[3 + length :]
    if any(padding) or 3 + length > PLAINTEXT_LENGTH:
        raise RecordUnreadable("投票記録の詰め物が不正です / vote record padding is not zero")
    if kind == KIND_BLANK and length == 0:
        return BLANK
    if kind == KIND_CANDIDATE and length > 0:
        try:
            return Choice(plaintext[3 : 3 + length].decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise RecordUnreadable("候補者番号が読めません / candidate id is not UTF-8") from exc
    raise RecordUnreadable("投票記録の種別が不正です / unknown vote record kind")


def encrypt_vote(
    public_key: hpke.MLKEM768X25519PublicKey, election_id: str, contest_id: str, choice: Choice
) -> bytes:
    return SUITE.encrypt(encode_choice(choice), public_key, info=info(election_id, contest_id))


def decrypt_vote(
    private_key: hpke.MLKEM768X25519PrivateKey, election_id: str, contest_id: str, record: bytes
) -> Choice:
    if len(record) != CIPHERTEXT_LENGTH:
        raise RecordUnreadable("投票記録の長さが違います / vote record has the wrong length")
    try:
        plaintext = SUITE.decrypt(record, private_key, info=info(election_id, contest_id))
    except (InvalidTag, ValueError) as exc:
        raise RecordUnreadable(
            "投票記録を復号できません / the vote record does not decrypt under this election's "
            "counting key for this contest"
        ) from exc
    return decode_choice(plaintext)
