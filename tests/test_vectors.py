"""The published test vectors (tests/vectors/, docs/media-format.md) against our code.

Each vector file is what an outside implementer checks an independent reader against; these tests
check that our own code produces and accepts exactly those bytes, rejects the bad ones, and that
the step-by-step construction the specification describes (recomputed here by hand) agrees with
both. Regenerate the vectors with ``.venv/bin/python -m tests.vectors.generate``.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from election import canonical
from election.package import (
    PACKAGE_FORMAT,
    CandidateStatus,
    PackageError,
    SignedPackage,
    fingerprint_of,
    load_package,
    short_fingerprint,
)
from election.package import verify_chain as verify_package_chain
from election.signature import BadSignature, sign, signed_message, verify
from media import counting_key
from media.audit_log import GENESIS, AuditChainBroken, entry_hash
from media.audit_log import verify_chain as verify_audit_chain
from media.layout import (
    AUDIT_LOG_FILE,
    HEADER_FILE,
    HEADER_FORMAT,
    HEADER_PURPOSE,
    SEAL_FILE,
    SLOT_FILE,
    MediumRole,
    TableEntry,
    decode_header,
)
from media.seal import SEAL_FORMAT, SEAL_PURPOSE, decode_seal
from media.signed_document import DocumentUnreadable
from media.slot import (
    SLOT_SIZE,
    Damaged,
    Empty,
    Filled,
    decode_slot,
    encode_slot,
    record_digest,
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
    info,
)
from tests.vectors.generate import spec_open

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "tests" / "vectors"
SPEC = ROOT / "docs" / "media-format.md"


@cache
def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return data


def case_ids(cases: list[dict[str, Any]], key: str) -> list[str]:
    return [str(case[key]) for case in cases]


def choice_of(data: dict[str, Any]) -> Choice:
    return BLANK if data["kind"] == "blank" else Choice(data["candidate_id"])


# --- §2 canonical JSON --------------------------------------------------------------------------

CANONICAL = load("canonical.json")


@pytest.mark.parametrize("case", CANONICAL["accept"], ids=case_ids(CANONICAL["accept"], "name"))
def test_canonical_encoding(case: dict[str, Any]) -> None:
    expected = bytes.fromhex(case["canonical_hex"])
    assert canonical.encode(case["value"]) == expected
    decoded = canonical.decode(expected)
    assert decoded == case["value"]
    assert canonical.encode(decoded) == expected


@pytest.mark.parametrize("case", CANONICAL["reject"], ids=case_ids(CANONICAL["reject"], "name"))
def test_canonical_reader_rejects(case: dict[str, Any]) -> None:
    with pytest.raises(canonical.NotCanonical):
        canonical.decode(bytes.fromhex(case["bytes_hex"]))


@pytest.mark.parametrize(
    "case", CANONICAL["encoder_rejects"], ids=case_ids(CANONICAL["encoder_rejects"], "name")
)
def test_canonical_encoder_rejects(case: dict[str, Any]) -> None:
    with pytest.raises(canonical.NotCanonical):
        canonical.encode(case["value"])


def test_canonical_key_order_is_code_point_order() -> None:
    case = next(c for c in CANONICAL["accept"] if "code point" in c["name"])
    text = bytes.fromhex(case["canonical_hex"]).decode("utf-8")
    keys = list(json.loads(text))
    assert keys == sorted(case["value"]) == ["Z", "a", "é", "ｚ", "😀"]
    utf16 = sorted(case["value"], key=lambda k: k.encode("utf-16-be"))
    assert keys != utf16  # the case really tells the two orders apart


# --- §3 signatures ------------------------------------------------------------------------------

SIGNATURES = load("signature.json")["cases"]


@pytest.mark.parametrize("case", SIGNATURES, ids=case_ids(SIGNATURES, "purpose"))
def test_signature(case: dict[str, Any]) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(case["private_key_hex"]))
    public = bytes.fromhex(case["public_key_hex"])
    message = bytes.fromhex(case["message_hex"])
    signature = bytes.fromhex(case["signature_hex"])
    labelled = f"tohyoki/{case['purpose']}/v1".encode("ascii") + b"\x00" + message
    assert bytes.fromhex(case["signed_message_hex"]) == labelled
    assert signed_message(case["purpose"], message) == labelled
    assert key.public_key().public_bytes_raw() == public
    assert sign(key, case["purpose"], message) == signature
    Ed25519PublicKey.from_public_bytes(public).verify(signature, labelled)
    verify(public, case["purpose"], message, signature, "vector")
    with pytest.raises(BadSignature):
        verify(public, case["purpose"], message + b"\x00", signature, "vector")
    for other in {c["purpose"] for c in SIGNATURES} - {case["purpose"]}:
        with pytest.raises(BadSignature):
            verify(public, other, message, signature, "vector")


def test_every_purpose_in_the_code_has_a_vector_and_is_in_the_spec() -> None:
    from election.credentials import CERTIFICATE_PURPOSE, VOTING_CARD_PURPOSE
    from election.package import SIGNATURE_PURPOSE
    from firmware.machine import LOGIN_PURPOSE
    from firmware.reports import REPORT_PURPOSE

    code = {
        SIGNATURE_PURPOSE,
        CERTIFICATE_PURPOSE,
        VOTING_CARD_PURPOSE,
        HEADER_PURPOSE,
        SEAL_PURPOSE,
        REPORT_PURPOSE,
        LOGIN_PURPOSE,
    }
    assert {c["purpose"] for c in SIGNATURES} == code
    spec = SPEC.read_text(encoding="utf-8")
    for purpose in code:
        assert f"tohyoki/{purpose}/v1" in spec


def test_domain_strings_of_the_code_are_those_of_the_spec() -> None:
    """Every hash input prefix the code uses, recomputed from the string the spec gives."""
    spec = SPEC.read_text(encoding="utf-8")

    def prefixed(label: str, data: bytes) -> bytes:
        assert label in spec
        return label.encode("ascii") + b"\x00" + data

    data = b"example"
    assert fingerprint_of(data) == hashlib.sha256(
        prefixed("tohyoki/election-package/v1", data)
    ).hexdigest()
    assert record_digest(data) == hashlib.sha256(prefixed("tohyoki/record/v1", data)).digest()
    assert table_digest([]) == hashlib.sha256(prefixed("tohyoki/table/v1", b"")).hexdigest()
    assert entry_hash(data) == hashlib.sha256(prefixed("tohyoki/audit/v1", data)).hexdigest()
    assert info("e", "c") == prefixed("tohyoki/vote/v1", b"e\x00c")
    for name in (PACKAGE_FORMAT, HEADER_FORMAT, SEAL_FORMAT, "tohyoki-zero-report/1",
                 "tohyoki-closing-report/1"):
        assert name in spec


# --- §5, §6 vote records --------------------------------------------------------------------------

VOTES = load("vote_record.json")
COUNTING_PRIVATE = bytes.fromhex(VOTES["counting_private_key_hex"])


def test_counting_key_encoding() -> None:
    public = bytes.fromhex(VOTES["counting_public_key_hex"])
    assert len(COUNTING_PRIVATE) == counting_key.PRIVATE_KEY_LENGTH == 96
    assert len(public) == counting_key.PUBLIC_KEY_LENGTH == 1216
    assert counting_key.public_key_bytes(COUNTING_PRIVATE) == public
    counting_key.private_key(COUNTING_PRIVATE)
    counting_key.public_key(public)


@pytest.mark.parametrize("case", VOTES["cases"], ids=case_ids(VOTES["cases"], "name"))
def test_vote_record(case: dict[str, Any]) -> None:
    key = counting_key.private_key(COUNTING_PRIVATE)
    record = bytes.fromhex(case["ciphertext_hex"])
    plaintext = bytes.fromhex(case["plaintext_hex"])
    choice = choice_of(case["choice"])
    assert len(record) == CIPHERTEXT_LENGTH == 1200
    assert len(plaintext) == PLAINTEXT_LENGTH == 64
    assert info(case["election_id"], case["contest_id"]) == bytes.fromhex(case["info_hex"])
    assert encode_choice(choice) == plaintext
    assert decode_choice(plaintext) == choice
    assert counting_key.SUITE.decrypt(record, key, info=bytes.fromhex(case["info_hex"])) == plaintext
    assert decrypt_vote(key, case["election_id"], case["contest_id"], record) == choice


@pytest.mark.parametrize("case", VOTES["cases"], ids=case_ids(VOTES["cases"], "name"))
def test_vote_record_decrypts_as_the_spec_describes(case: dict[str, Any]) -> None:
    steps = spec_open(COUNTING_PRIVATE, bytes.fromhex(case["ciphertext_hex"]),
                      bytes.fromhex(case["info_hex"]))
    assert {name: value.hex() for name, value in steps.items()} == case["intermediate"]
    assert steps["plaintext"].hex() == case["plaintext_hex"]


def test_fresh_records_follow_the_spec_too() -> None:
    """The library's current output, not only the stored vectors, matches §5 and §6."""
    public = counting_key.public_key(counting_key.public_key_bytes(COUNTING_PRIVATE))
    for choice in (Choice("m2"), BLANK, Choice("候補者-7")):
        record = encrypt_vote(public, "e", "c", choice)
        assert len(record) == CIPHERTEXT_LENGTH
        assert spec_open(COUNTING_PRIVATE, record, info("e", "c"))["plaintext"] == encode_choice(
            choice
        )


@pytest.mark.parametrize("case", VOTES["wrong_context"], ids=case_ids(VOTES["wrong_context"], "why"))
def test_vote_record_is_bound_to_its_contest_and_election(case: dict[str, Any]) -> None:
    key = counting_key.private_key(COUNTING_PRIVATE)
    source = next(c for c in VOTES["cases"] if c["name"] == case["ciphertext_of"])
    with pytest.raises(RecordUnreadable):
        decrypt_vote(key, case["election_id"], case["contest_id"],
                     bytes.fromhex(source["ciphertext_hex"]))


def test_altered_or_cut_record_does_not_decrypt() -> None:
    key = counting_key.private_key(COUNTING_PRIVATE)
    case = VOTES["cases"][0]
    record = bytearray(bytes.fromhex(case["ciphertext_hex"]))
    with pytest.raises(RecordUnreadable):
        decrypt_vote(key, case["election_id"], case["contest_id"], bytes(record[:-1]))
    record[1150] ^= 0x80
    with pytest.raises(RecordUnreadable):
        decrypt_vote(key, case["election_id"], case["contest_id"], bytes(record))


@pytest.mark.parametrize("case", VOTES["bad_plaintexts"], ids=case_ids(VOTES["bad_plaintexts"], "why"))
def test_bad_plaintext_is_refused(case: dict[str, Any]) -> None:
    with pytest.raises(RecordUnreadable):
        decode_choice(bytes.fromhex(case["plaintext_hex"]))


# --- §7 slots and tables -----------------------------------------------------------------------

SLOTS = load("slot.json")


def test_filled_slot_layout() -> None:
    record = bytes.fromhex(SLOTS["filled"]["record_hex"])
    slot = bytes.fromhex(SLOTS["filled"]["slot_hex"])
    assert SLOTS["slot_size"] == SLOT_SIZE == len(slot) == 1280
    assert encode_slot(record) == slot
    assert decode_slot(slot) == Filled(record)
    assert slot[0:4] == b"TVR1"
    assert int.from_bytes(slot[4:6], "big") == len(record) == 1200
    assert slot[6:1206] == record
    assert slot[1206:1238] == hashlib.sha256(slot[:1206]).digest()
    assert slot[1238:] == bytes(42)


def test_empty_slot() -> None:
    slot = bytes.fromhex(SLOTS["empty"]["slot_hex"])
    assert slot == bytes(SLOT_SIZE)
    assert decode_slot(slot) == Empty()


@pytest.mark.parametrize("case", SLOTS["damaged"], ids=case_ids(SLOTS["damaged"], "why"))
def test_damaged_slot(case: dict[str, Any]) -> None:
    assert isinstance(decode_slot(bytes.fromhex(case["slot_hex"])), Damaged)


def test_table_digest_is_order_independent() -> None:
    vector = SLOTS["table_digest"]
    records = [bytes.fromhex(r) for r in vector["records_hex"]]
    digests = [record_digest(r) for r in records]
    assert [d.hex() for d in digests] == vector["record_digests_hex"]
    by_hand = hashlib.sha256(b"tohyoki/table/v1\x00" + b"".join(sorted(digests))).hexdigest()
    assert by_hand == vector["digest"]
    for order in vector["orders"]:
        assert table_digest([records[i] for i in order]) == vector["digest"]
    assert table_digest(records[:2]) != vector["digest"]
    assert table_digest(records + records[:1]) != vector["digest"]  # a multiset, not a set
    assert table_digest([]) == SLOTS["table_digest_of_no_records"]


# --- §4 election package -----------------------------------------------------------------------

PACKAGE = load("package.json")
COMMISSION = bytes.fromhex(PACKAGE["commission_public_key_hex"])


def package_versions() -> list[SignedPackage]:
    return [load_package(bytes.fromhex(v["file_hex"]), COMMISSION) for v in PACKAGE["versions"]]


@pytest.mark.parametrize("case", PACKAGE["versions"], ids=case_ids(PACKAGE["versions"], "version"))
def test_package(case: dict[str, Any]) -> None:
    data = bytes.fromhex(case["file_hex"])
    body = bytes.fromhex(case["body_hex"])
    signed = load_package(data, COMMISSION)
    outer = canonical.decode_object(data)
    assert set(outer) == {"body", "format", "signature"}
    assert outer["format"] == PACKAGE_FORMAT
    assert canonical.encode(outer["body"]) == body == signed.body
    assert signed.fingerprint == case["fingerprint"]
    assert case["fingerprint"] == hashlib.sha256(
        b"tohyoki/election-package/v1\x00" + body
    ).hexdigest()
    assert signed.short_fingerprint == case["short_fingerprint"]
    head = case["fingerprint"][:20].upper()
    assert case["short_fingerprint"] == "-".join(head[i : i + 4] for i in range(0, 20, 4))
    assert short_fingerprint(case["fingerprint"]) == case["short_fingerprint"]
    assert signed.package.version == case["version"]
    assert signed.package.previous_fingerprint == case["previous_fingerprint"]
    assert signed.to_bytes() == data
    verify(COMMISSION, "election-package", body, bytes.fromhex(outer["signature"]), "package")


def test_package_chain() -> None:
    v1, v2 = package_versions()
    assert v2.package.previous_fingerprint == v1.fingerprint
    assert verify_package_chain([v2, v1]) == v2
    assert v2.package.version == PACKAGE["newest_version"]
    with pytest.raises(PackageError):
        verify_package_chain([v2])
    change = PACKAGE["amendment"]
    before = v1.package.contest(change["contest_id"]).candidate(change["candidate_id"])
    after = v2.package.contest(change["contest_id"]).candidate(change["candidate_id"])
    assert before.status is CandidateStatus.STANDING
    assert after.status is CandidateStatus(change["status"])


def test_altered_package_is_refused() -> None:
    data = bytes.fromhex(PACKAGE["versions"][0]["file_hex"])
    with pytest.raises(PackageError):
        load_package(data.replace("山田".encode(), "山本".encode()), COMMISSION)
    with pytest.raises(PackageError):
        load_package(data, bytes(32))
    with pytest.raises(PackageError):
        load_package(data + b"\n", COMMISSION)


# --- §8–§10, §13 a complete medium -----------------------------------------------------------

MEDIUM = load("medium.json")
MACHINE = bytes.fromhex(MEDIUM["machine_public_key_hex"])


def files(role: str) -> dict[str, bytes]:
    return {k: bytes.fromhex(v) for k, v in MEDIUM["media"][role]["files"].items()}


def test_medium_vector_uses_the_package_vector() -> None:
    newest = verify_package_chain(package_versions())
    assert MEDIUM["package_fingerprints"] == [v["fingerprint"] for v in PACKAGE["versions"]]
    assert newest.package.machine(MEDIUM["machine_id"]).public_key == MACHINE
    assert newest.package.counting_public_key == counting_key.public_key_bytes(
        bytes.fromhex(MEDIUM["counting_private_key_hex"])
    )


@pytest.mark.parametrize("role", ["primary", "copy"])
def test_medium_header(role: str) -> None:
    header, document = decode_header(files(role)[HEADER_FILE])
    document.verify(MACHINE, HEADER_PURPOSE, "header")
    with pytest.raises(BadSignature):
        document.verify(MACHINE, SEAL_PURPOSE, "header")
    expected = MEDIUM["expected"]["header"]
    assert header.role is MediumRole(role)
    assert header.medium_id == MEDIUM["media"][role]["medium_id"]
    assert header.machine_id == MEDIUM["machine_id"]
    assert header.election_id == expected["election_id"]
    assert header.package_fingerprint == expected["package_fingerprint"]
    assert header.package_fingerprint in MEDIUM["package_fingerprints"]
    assert document.body["slot_size"] == expected["slot_size"] == SLOT_SIZE
    assert document.body["tables"] == expected["tables"]
    assert document.body["format"] == HEADER_FORMAT == "tohyoki-medium/2"
    # one slot file, every contest's region back to back from byte 0 (§8.2)
    assert SLOT_FILE == "TOHYOKI/VOTES.SLT" and {e.file for e in header.tables} == {SLOT_FILE}
    offset = 0
    for entry in header.tables:
        assert entry.offset == offset
        offset += entry.slots * SLOT_SIZE
    assert len(files(role)[SLOT_FILE]) == offset


def region(medium: dict[str, bytes], entry: TableEntry) -> bytes:
    """One contest's slot table: its region of the slot file."""
    return medium[SLOT_FILE][entry.offset : entry.offset + entry.slots * SLOT_SIZE]


def test_primary_and_copy_mirror_each_other() -> None:
    primary, copy = files("primary"), files("copy")
    assert set(primary) == set(copy)
    p_header, p_doc = decode_header(primary[HEADER_FILE])
    c_header, c_doc = decode_header(copy[HEADER_FILE])
    assert p_header.medium_id != c_header.medium_id
    assert (p_header.role, c_header.role) == (MediumRole.PRIMARY, MediumRole.COPY)
    differing = {k for k in p_doc.body if p_doc.body[k] != c_doc.body[k]}
    assert differing == {"medium_id", "role"}
    for name in primary:
        if name != HEADER_FILE:
            assert primary[name] == copy[name], name  # same slot index, same seal, same log


@pytest.mark.parametrize("role", ["primary", "copy"])
def test_medium_seal_tables_and_audit_log(role: str) -> None:
    medium = files(role)
    header, _ = decode_header(medium[HEADER_FILE])
    seal, document = decode_seal(medium[SEAL_FILE])
    document.verify(MACHINE, SEAL_PURPOSE, "seal")
    with pytest.raises(BadSignature):
        document.verify(MACHINE, HEADER_PURPOSE, "seal")
    assert document.body == MEDIUM["expected"]["seal"]
    assert seal.machine_id == header.machine_id and seal.election_id == header.election_id
    assert seal.package_fingerprint in MEDIUM["package_fingerprints"]
    for entry in header.tables:
        slots = [decode_slot(s) for s in split_table(region(medium, entry))]
        assert not any(isinstance(s, Damaged) for s in slots)
        filled = [i for i, s in enumerate(slots) if isinstance(s, Filled)]
        assert filled == MEDIUM["expected"]["filled_slots"][entry.contest_id]
        records = [s.record for s in slots if isinstance(s, Filled)]
        sealed = seal.table(entry.contest_id)
        assert sealed.records == len(records)
        assert sealed.digest == table_digest(records)
    entries, head = verify_audit_chain(medium[AUDIT_LOG_FILE])
    assert len(entries) == seal.audit_log_entries == 3
    assert head == seal.audit_log_head
    assert entries[0].previous == GENESIS
    lines = medium[AUDIT_LOG_FILE].split(b"\n")
    assert lines[-1] == b"" and len(lines) == 4
    assert [entry_hash(line) for line in lines[:-1]] == MEDIUM["expected"]["audit_line_hashes"]


def test_count_the_medium() -> None:
    """§13 end to end: newest package decides who is standing; 白票 is a line of 無効投票."""
    newest = verify_package_chain(package_versions()).package
    key = counting_key.private_key(bytes.fromhex(MEDIUM["counting_private_key_hex"]))
    medium = files("primary")
    header, _ = decode_header(medium[HEADER_FILE])
    assert [t.contest_id for t in header.tables] == [c.contest_id for c in newest.contests]
    tally: dict[str, dict[str, int]] = {}
    for entry in header.tables:
        contest = newest.contest(entry.contest_id)
        standing = {c.candidate_id for c in contest.candidates
                    if c.status is CandidateStatus.STANDING}
        counts: Counter[str] = Counter({c.candidate_id: 0 for c in contest.candidates})
        lines = ("blank", "invalid_non_candidate", "blank_not_allowed", "unreadable")
        counts.update(dict.fromkeys(lines, 0))
        for slot in map(decode_slot, split_table(region(medium, entry))):
            if isinstance(slot, Filled):
                try:
                    choice = decrypt_vote(key, newest.election_id, entry.contest_id,
                                          slot.record)
                except RecordUnreadable:
                    counts["unreadable"] += 1
                    continue
                if choice.is_blank:
                    counts["blank" if contest.blank_allowed else "blank_not_allowed"] += 1
                elif choice.candidate_id in standing:
                    counts[str(choice.candidate_id)] += 1
                else:
                    counts["invalid_non_candidate"] += 1
        valid = sum(counts[c] for c in standing)
        invalid = sum(counts[line] for line in lines)  # 無効投票: its four lines (§13.3)
        tally[entry.contest_id] = {**counts, "valid": valid, "invalid": invalid,
                                   "total": valid + invalid}
    assert tally == MEDIUM["expected"]["tally"]


def test_tampering_with_the_medium_is_detected() -> None:
    medium = files("primary")
    seal, _ = decode_seal(medium[SEAL_FILE])
    header, _ = decode_header(medium[HEADER_FILE])
    mayor = bytearray(region(medium, header.table("mayor")))
    assembly = region(medium, header.table("assembly"))
    # a flipped bit inside a record: the slot is damaged
    flipped = bytearray(mayor)
    flipped[100] ^= 1
    assert isinstance(decode_slot(bytes(flipped[:SLOT_SIZE])), Damaged)
    # a record removed (slot zeroed): count and digest no longer match the seal
    removed = bytes(SLOT_SIZE) + bytes(mayor[SLOT_SIZE:])
    records = [s.record for s in map(decode_slot, split_table(removed)) if isinstance(s, Filled)]
    assert len(records) != seal.table("mayor").records
    # a record of the other contest moved into a free slot: digest changes, and it won't decrypt
    moved = bytes(mayor[:SLOT_SIZE]) + assembly[3 * SLOT_SIZE :] + bytes(mayor[2 * SLOT_SIZE :])
    records = [s.record for s in map(decode_slot, split_table(moved)) if isinstance(s, Filled)]
    assert table_digest(records) != seal.table("mayor").digest
    key = counting_key.private_key(bytes.fromhex(MEDIUM["counting_private_key_hex"]))
    with pytest.raises(RecordUnreadable):
        decrypt_vote(key, seal.election_id, "mayor", records[1])
    # an edited audit line breaks the chain
    log = medium[AUDIT_LOG_FILE]
    with pytest.raises(AuditChainBroken):
        verify_audit_chain(log.replace(b"polls_opened", b"polls_paused"))
    with pytest.raises(AuditChainBroken):
        verify_audit_chain(log.split(b"\n", 1)[1])  # first line deleted
    # the last line has no successor: editing it is caught by the head in the seal
    _, head = verify_audit_chain(log.replace(b"polls_closed", b"polls_paused"))
    assert head != seal.audit_log_head
    # a changed seal no longer verifies
    forged = medium[SEAL_FILE].replace(b'"records":3', b'"records":4')
    _, document = decode_seal(forged)
    with pytest.raises(BadSignature):
        document.verify(MACHINE, SEAL_PURPOSE, "seal")
    # a seal is not a header, nor the other way round
    with pytest.raises(DocumentUnreadable):
        decode_header(medium[SEAL_FILE])
    with pytest.raises(DocumentUnreadable):
        decode_seal(medium[HEADER_FILE])
