"""The bytes on a vote medium (docs/media-format.md §5–10): encrypted vote records, slots, the
order-independent table digest, the signed header and seal, and the audit log's hash chain."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from election import canonical
from election.signature import BadSignature
from media.audit_log import GENESIS, AuditChainBroken, AuditEntry, entry_hash, verify_chain
from media.counting_key import (
    PRIVATE_KEY_LENGTH,
    CountingKeyError,
    generate_private_key,
    private_key,
    public_key,
    public_key_bytes,
)
from media.demo_key import BANNER, read_demo_private_key, write_demo_private_key
from media.layout import (
    HEADER_FORMAT,
    HEADER_PURPOSE,
    SLOT_FILE,
    MediumHeader,
    MediumRole,
    TableEntry,
    decode_header,
    slot_file_size,
    table_entries,
)
from media.seal import SEAL_PURPOSE, Seal, SealedTable, decode_seal
from media.signed_document import DocumentUnreadable, encode_signed
from media.slot import (
    EMPTY_SLOT,
    SLOT_SIZE,
    Damaged,
    Empty,
    Filled,
    decode_slot,
    encode_slot,
    split_table,
    table_digest,
)
from media.vote_record import (
    BLANK,
    CIPHERTEXT_LENGTH,
    PLAINTEXT_LENGTH,
    Choice,
    RecordUnreadable,
    decode_choice,
    decrypt_vote,
    encode_choice,
    encrypt_vote,
)
from tests.station import COUNTING_PRIVATE, COUNTING_PUBLIC, fixed_key

ELECTION = "tsukuba-2026-11"
PUBLIC = public_key(COUNTING_PUBLIC)
PRIVATE = private_key(COUNTING_PRIVATE)
MACHINE_KEY = fixed_key("machine:M-001")
MACHINE_PUB = MACHINE_KEY.public_key().public_bytes_raw()
OTHER_PUB = fixed_key("machine:M-002").public_key().public_bytes_raw()
# One record encrypted once for the module (HPKE encryption is randomised by design).
RECORD = encrypt_vote(PUBLIC, ELECTION, "mayor", Choice("mayor-2"))

CANDIDATE_IDS = st.text(min_size=1, max_size=61).filter(
    lambda s: 0 < len(s.encode("utf-8")) <= PLAINTEXT_LENGTH - 3
)


# --- counting key -----------------------------------------------------------------------------


def test_counting_key_sizes_and_demo_file() -> None:
    assert len(COUNTING_PUBLIC) == 1184 + 32
    assert public_key_bytes(COUNTING_PRIVATE) == COUNTING_PUBLIC
    fresh = generate_private_key()
    assert len(fresh) == PRIVATE_KEY_LENGTH and fresh != COUNTING_PRIVATE
    text = write_demo_private_key(COUNTING_PRIVATE)
    assert text.startswith(BANNER) and read_demo_private_key(text) == COUNTING_PRIVATE
    with pytest.raises(CountingKeyError, match="not a demo key file"):
        read_demo_private_key(COUNTING_PRIVATE.hex())
    with pytest.raises(CountingKeyError):
        private_key(COUNTING_PRIVATE[:-1])
    with pytest.raises(CountingKeyError):
        public_key(COUNTING_PUBLIC[:-1])


# --- vote records -----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(CANDIDATE_IDS)
def test_candidate_vote_round_trips(candidate_id: str) -> None:
    record = encrypt_vote(PUBLIC, ELECTION, "mayor", Choice(candidate_id))
    assert len(record) == CIPHERTEXT_LENGTH
    assert decrypt_vote(PRIVATE, ELECTION, "mayor", record) == Choice(candidate_id)


def test_blank_vote_round_trips() -> None:
    record = encrypt_vote(PUBLIC, ELECTION, "assembly", BLANK)
    choice = decrypt_vote(PRIVATE, ELECTION, "assembly", record)
    assert choice == BLANK and choice.is_blank and choice.candidate_id is None


def test_ciphertext_length_is_the_same_for_every_choice() -> None:
    choices = [BLANK, Choice("a"), Choice("mayor-1"), Choice("x" * 61), Choice("候補者" * 6)]
    lengths = {len(encrypt_vote(PUBLIC, ELECTION, "mayor", c)) for c in choices}
    assert lengths == {CIPHERTEXT_LENGTH} == {1200}
    assert {len(encode_choice(c)) for c in choices} == {PLAINTEXT_LENGTH}


def test_same_choice_encrypts_differently_each_time() -> None:
    # Two votes for the same candidate must not be recognisable as equal on the medium.
    a = encrypt_vote(PUBLIC, ELECTION, "mayor", Choice("mayor-1"))
    b = encrypt_vote(PUBLIC, ELECTION, "mayor", Choice("mayor-1"))
    assert a != b


def test_record_cannot_move_between_contests_art14() -> None:
    with pytest.raises(RecordUnreadable, match="does not decrypt"):
        decrypt_vote(PRIVATE, ELECTION, "assembly", RECORD)
    assert decrypt_vote(PRIVATE, ELECTION, "mayor", RECORD) == Choice("mayor-2")


def test_record_cannot_move_between_elections() -> None:
    with pytest.raises(RecordUnreadable, match="does not decrypt"):
        decrypt_vote(PRIVATE, "tsukuba-2030-11", "mayor", RECORD)


def test_record_does_not_decrypt_under_another_counting_key() -> None:
    other = private_key(bytes(range(1, 65)) + bytes(range(1, 33)))
    with pytest.raises(RecordUnreadable):
        decrypt_vote(other, ELECTION, "mayor", RECORD)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, CIPHERTEXT_LENGTH - 1), st.integers(1, 255))
def test_any_changed_byte_makes_a_record_unreadable(index: int, mask: int) -> None:
    tampered = bytearray(RECORD)
    tampered[index] ^= mask
    with pytest.raises(RecordUnreadable):
        decrypt_vote(PRIVATE, ELECTION, "mayor", bytes(tampered))


@pytest.mark.parametrize("length", [0, CIPHERTEXT_LENGTH - 1, CIPHERTEXT_LENGTH + 1])
def test_record_of_wrong_length_is_unreadable(length: int) -> None:
    with pytest.raises(RecordUnreadable, match="wrong length"):
        decrypt_vote(PRIVATE, ELECTION, "mayor", (RECORD * 2)[:length])


def test_choice_encoding_limits() -> None:
    assert encode_choice(BLANK) == bytes([1, 2, 0]) + bytes(61)
    assert encode_choice(Choice("ab")) == bytes([1, 1, 2]) + b"ab" + bytes(59)
    for bad in ("", "x" * 62, "候" * 21):
        with pytest.raises(ValueError):
            encode_choice(Choice(bad))


@pytest.mark.parametrize(
    "plaintext",
    [
        bytes([2, 1, 1]) + b"a" + bytes(60),  # unknown version
        bytes([1, 3, 1]) + b"a" + bytes(60),  # unknown kind
        bytes([1, 2, 1]) + b"a" + bytes(60),  # blank with an id
        bytes([1, 1, 0]) + bytes(61),  # candidate without an id
        bytes([1, 1, 1]) + b"ab" + bytes(59),  # non-zero padding
        bytes([1, 1, 61]) + b"\xff" * 61,  # not UTF-8
        bytes([1, 1, 62]) + b"a" * 61,  # length beyond the plaintext
        bytes([1, 2, 0]) + bytes(60),  # short
    ],
)
def test_malformed_plaintext_is_unreadable(plaintext: bytes) -> None:
    with pytest.raises(RecordUnreadable):
        decode_choice(plaintext)


# --- slots ------------------------------------------------------------------------------------


def test_slot_round_trip() -> None:
    slot = encode_slot(RECORD)
    assert len(slot) == SLOT_SIZE == 1280
    assert slot[:4] == b"TVR1" and slot[4:6] == CIPHERTEXT_LENGTH.to_bytes(2, "big")
    assert decode_slot(slot) == Filled(RECORD)
    assert decode_slot(EMPTY_SLOT) == Empty()
    with pytest.raises(ValueError):
        encode_slot(RECORD[:-1])


@settings(max_examples=300, deadline=None)
@given(st.integers(0, SLOT_SIZE))
def test_torn_slot_is_damaged_never_filled(cut: int) -> None:
    full = encode_slot(RECORD)
    torn = full[:cut] + bytes(SLOT_SIZE - cut)
    content = decode_slot(torn)
    if torn == full:  # everything that mattered was written: the rest is zeros anyway
        assert content == Filled(RECORD)
    elif cut == 0:
        assert content == Empty()
    else:
        assert isinstance(content, Damaged)


def test_every_cut_before_the_checksum_end_is_damaged() -> None:
    full = encode_slot(RECORD)
    meaningful = len(full.rstrip(b"\x00"))
    assert meaningful > 6 + CIPHERTEXT_LENGTH
    for cut in range(1, meaningful):
        assert isinstance(decode_slot(full[:cut] + bytes(SLOT_SIZE - cut)), Damaged), cut


@pytest.mark.parametrize("bit", [0, 7])
def test_any_flipped_bit_in_a_slot_is_damaged(bit: int) -> None:
    # exhaustive over every byte: header, record, checksum and the zero padding after it
    for original in (encode_slot(RECORD), EMPTY_SLOT):
        for index in range(SLOT_SIZE):
            flipped = bytearray(original)
            flipped[index] ^= 1 << bit
            assert isinstance(decode_slot(bytes(flipped)), Damaged), index


@pytest.mark.parametrize("size", [0, SLOT_SIZE - 1, SLOT_SIZE + 1])
def test_slot_of_wrong_size_is_damaged(size: int) -> None:
    assert isinstance(decode_slot(bytes(size)), Damaged)


def test_split_table_keeps_a_partial_trailing_slot() -> None:
    table = encode_slot(RECORD) + EMPTY_SLOT + bytes(100)
    slots = split_table(table)
    assert [len(s) for s in slots] == [SLOT_SIZE, SLOT_SIZE, 100]
    assert isinstance(decode_slot(slots[2]), Damaged)


# --- table digest -----------------------------------------------------------------------------

RECORDS = st.lists(st.binary(min_size=1, max_size=48), max_size=12)


@settings(max_examples=200, deadline=None)
@given(RECORDS, st.data())
def test_table_digest_ignores_order(records: list[bytes], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(records))
    assert table_digest(shuffled) == table_digest(records)


@settings(max_examples=200, deadline=None)
@given(RECORDS.filter(bool), st.binary(min_size=1, max_size=48), st.data())
def test_table_digest_sees_every_change(
    records: list[bytes], other: bytes, data: st.DataObject
) -> None:
    digest = table_digest(records)
    index = data.draw(st.integers(0, len(records) - 1))
    assert table_digest(records[:index] + records[index + 1 :]) != digest  # removed
    assert table_digest(records + [other]) != digest  # added (even a duplicate)
    if other != records[index]:
        changed = records[:index] + [other] + records[index + 1 :]
        assert table_digest(changed) != digest


def test_table_digest_of_nothing_is_fixed() -> None:
    assert table_digest([]) == hashlib.sha256(b"tohyoki/table/v1\x00").hexdigest()


# --- header and seal --------------------------------------------------------------------------

HEADER = MediumHeader(
    medium_id="0011223344556677",
    role=MediumRole.PRIMARY,
    machine_id="M-001",
    election_id=ELECTION,
    package_fingerprint="ab" * 32,
    tables=table_entries([("mayor", 64), ("assembly", 64)]),
)
SEAL = Seal(
    machine_id="M-001",
    election_id=ELECTION,
    package_fingerprint="ab" * 32,
    closing_number=1,
    final=True,
    tables=(SealedTable("mayor", 3, table_digest([b"a", b"b", b"c"])),
            SealedTable("assembly", 0, table_digest([]))),
    sessions_voted=3,
    sessions_without_vote=1,
    audit_log_entries=17,
    audit_log_head="cd" * 32,
)


def test_one_slot_file_with_one_region_per_contest_back_to_back() -> None:
    assert SLOT_FILE == "TOHYOKI/VOTES.SLT"  # an 8.3 name
    assert HEADER_FORMAT == "tohyoki-medium/2"
    mayor, assembly = HEADER.tables
    assert (mayor.offset, assembly.offset) == (0, 64 * SLOT_SIZE) and mayor.end == assembly.offset
    assert mayor.file == assembly.file == SLOT_FILE
    assert slot_file_size(HEADER.tables) == 128 * SLOT_SIZE == assembly.end
    assert assembly.slot_offset(0) == 64 * SLOT_SIZE and assembly.slot_offset(63) == 127 * SLOT_SIZE
    with pytest.raises(IndexError):
        mayor.slot_offset(64)  # would be assembly's slot 0
    with pytest.raises(IndexError):
        assembly.slot_offset(-1)
    body = HEADER.to_body()
    assert body["tables"] == [{"contest_id": "mayor", "offset": 0, "slots": 64},
                              {"contest_id": "assembly", "offset": 81920, "slots": 64}]


def test_header_round_trip_and_signature() -> None:
    data = HEADER.encode(MACHINE_KEY)
    header, document = decode_header(data)
    assert header == HEADER
    assert header.table("assembly").offset == 64 * SLOT_SIZE
    document.verify(MACHINE_PUB, HEADER_PURPOSE, "header")
    with pytest.raises(BadSignature):
        document.verify(OTHER_PUB, HEADER_PURPOSE, "header")
    with pytest.raises(BadSignature):
        document.verify(MACHINE_PUB, SEAL_PURPOSE, "header")  # not valid as a seal signature


def test_seal_round_trip_and_signature() -> None:
    data = SEAL.encode(MACHINE_KEY)
    seal, document = decode_seal(data)
    assert seal == SEAL
    assert seal.table("mayor").records == 3
    document.verify(MACHINE_PUB, SEAL_PURPOSE, "seal")
    with pytest.raises(BadSignature):
        document.verify(OTHER_PUB, SEAL_PURPOSE, "seal")
    with pytest.raises(BadSignature):
        document.verify(MACHINE_PUB, HEADER_PURPOSE, "seal")


def test_seal_with_edited_count_fails_its_signature() -> None:
    outer = canonical.decode_object(SEAL.encode(MACHINE_KEY))
    outer["body"]["tables"][0]["records"] = 4
    seal, document = decode_seal(canonical.encode(outer))
    assert seal.table("mayor").records == 4
    with pytest.raises(BadSignature):
        document.verify(MACHINE_PUB, SEAL_PURPOSE, "seal")


def test_header_and_seal_are_not_interchangeable() -> None:
    with pytest.raises(DocumentUnreadable, match="format"):
        decode_header(SEAL.encode(MACHINE_KEY))
    with pytest.raises(DocumentUnreadable, match="format"):
        decode_seal(HEADER.encode(MACHINE_KEY))


@pytest.mark.parametrize(
    "data",
    [b"", b"{}", b'{"body":{},"signature":"00"}', b"[1]", b'{"body": {}, "signature": ""}'],
)
def test_unreadable_documents(data: bytes) -> None:
    with pytest.raises(DocumentUnreadable):
        decode_header(data)
    with pytest.raises(DocumentUnreadable):
        decode_seal(data)


def test_document_with_extra_outer_field_is_unreadable() -> None:
    outer = canonical.decode_object(HEADER.encode(MACHINE_KEY))
    outer["note"] = "x"
    with pytest.raises(DocumentUnreadable):
        decode_header(canonical.encode(outer))


@pytest.mark.parametrize(
    "tables",
    [
        (TableEntry("mayor", SLOT_SIZE, 64),),  # not from byte 0
        (TableEntry("mayor", 1, 64),),  # not even slot-aligned
        (TableEntry("mayor", 0, 64), TableEntry("assembly", 65 * SLOT_SIZE, 64)),  # a gap
        (TableEntry("mayor", 0, 64), TableEntry("assembly", 63 * SLOT_SIZE, 64)),  # overlap
        (TableEntry("mayor", 0, 64), TableEntry("assembly", 0, 64)),  # the same region
        (TableEntry("mayor", 64 * SLOT_SIZE, 64), TableEntry("assembly", 0, 64)),  # out of order
        (TableEntry("mayor", 0, 64), TableEntry("mayor", 64 * SLOT_SIZE, 64)),  # a contest twice
        (TableEntry("mayor", 0, 0),),  # no slots
    ],
)
def test_header_table_list_is_checked(tables: tuple[TableEntry, ...]) -> None:
    """Offsets MUST be contiguous from 0 in order (§8.2): two contests' slots never overlap."""
    with pytest.raises(DocumentUnreadable, match="table"):
        decode_header(replace(HEADER, tables=tables).encode(MACHINE_KEY))


def test_header_of_format_1_or_with_a_table_file_member_is_refused() -> None:
    body = HEADER.to_body()
    body["format"] = "tohyoki-medium/1"
    with pytest.raises(DocumentUnreadable, match="format"):
        decode_header(encode_signed(body, MACHINE_KEY, HEADER_PURPOSE))
    body = HEADER.to_body()
    body["tables"][0]["file"] = "TOHYOKI/C01.SLT"  # version 1's member: unknown in version 2
    with pytest.raises(DocumentUnreadable, match="table"):
        decode_header(encode_signed(body, MACHINE_KEY, HEADER_PURPOSE))
    body = HEADER.to_body()
    del body["tables"][1]["offset"]
    with pytest.raises(DocumentUnreadable, match="offset"):
        decode_header(encode_signed(body, MACHINE_KEY, HEADER_PURPOSE))


def test_header_with_another_slot_size_is_unreadable() -> None:
    body = HEADER.to_body()
    body["slot_size"] = 1024
    assert body["format"] == HEADER_FORMAT
    with pytest.raises(DocumentUnreadable, match="fields are invalid"):
        decode_header(encode_signed(body, MACHINE_KEY, HEADER_PURPOSE))


# --- audit log --------------------------------------------------------------------------------


def make_log(n: int = 6) -> list[bytes]:
    lines = []
    previous = GENESIS
    for sequence in range(1, n + 1):
        line = AuditEntry(sequence, f"2026-11-29T07:{sequence:02d}:00+09:00", 100 + sequence,
                          f"event-{sequence}", "done", {"n": sequence}, previous).encode()
        lines.append(line)
        previous = entry_hash(line)
    return lines


def joined(lines: list[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines)


LOG = make_log()


def test_intact_log_verifies_and_names_its_head() -> None:
    entries, head = verify_chain(joined(LOG))
    assert [e.sequence for e in entries] == [1, 2, 3, 4, 5, 6]
    assert entries[2].detail == {"n": 3}
    assert head == entry_hash(LOG[-1])
    assert verify_chain(b"") == ([], GENESIS)


Tamper = Callable[[list[bytes], int], list[bytes]]


def _edit(lines: list[bytes], index: int) -> list[bytes]:
    entry = canonical.decode_object(lines[index])
    entry["detail"] = {"n": 999}
    return lines[:index] + [canonical.encode(entry)] + lines[index + 1 :]


def _delete(lines: list[bytes], index: int) -> list[bytes]:
    return lines[:index] + lines[index + 1 :]


def _insert(lines: list[bytes], index: int) -> list[bytes]:
    # a plausible entry: right sequence number and the right link to its predecessor
    previous = entry_hash(lines[index - 1]) if index else GENESIS
    forged = AuditEntry(index + 1, "2026-11-29T07:30:00+09:00", 1, "forged", "done", {},
                        previous).encode()
    return lines[:index] + [forged] + lines[index:]


def _swap(lines: list[bytes], index: int) -> list[bytes]:
    other = (index + 1) % len(lines)
    swapped = list(lines)
    swapped[index], swapped[other] = swapped[other], swapped[index]
    return swapped


@pytest.mark.parametrize("tamper", [_edit, _delete, _insert, _swap])
@pytest.mark.parametrize("index", [0, 2, 4])
def test_interior_tampering_breaks_the_chain(tamper: Tamper, index: int) -> None:
    with pytest.raises(AuditChainBroken, match="chain broken at entry"):
        verify_chain(joined(tamper(LOG, index)))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([_edit, _delete, _insert, _swap]), st.integers(0, len(LOG) - 1))
def test_any_tampering_is_detected_by_chain_or_head(tamper: Tamper, index: int) -> None:
    """Whatever is changed, either the chain breaks or the (count, head) a seal signs differs:
    a change at the very end keeps a valid chain but can never keep the sealed head."""
    original = verify_chain(joined(LOG))
    try:
        entries, head = verify_chain(joined(tamper(LOG, index)))
    except AuditChainBroken:
        return
    assert (len(entries), head) != (len(original[0]), original[1])


def test_non_canonical_line_is_unreadable() -> None:
    spaced = LOG[:2] + [LOG[2].replace(b",", b", ", 1)] + LOG[3:]
    with pytest.raises(AuditChainBroken, match="unreadable audit line"):
        verify_chain(joined(spaced))
    with pytest.raises(AuditChainBroken):
        verify_chain(joined(LOG[:3]) + b"\n" + joined(LOG[3:]))  # an empty line
