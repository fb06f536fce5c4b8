"""Regenerate the media-format test vectors in this directory (docs/media-format.md).

Run from the repository root::

    .venv/bin/python -m tests.vectors.generate

Every key is derived from a fixed seed below, Ed25519 signatures are deterministic, and the media
ids, times and slot positions are fixed, so a rerun writes byte-identical files. The one exception
is HPKE: every encryption draws a fresh ephemeral key, so a ciphertext cannot be reproduced. The
vote records are therefore made once and then taken back from the existing ``medium.json`` on every
rerun, as long as they still decrypt (with the fixed counting key and the right ``info``) to the
choice they are meant to hold; a missing or stale one is encrypted afresh.

``spec_open`` is a second, deliberately independent implementation of the decryption described in
docs/media-format.md §5 (X-Wing KEM, RFC 9180 key schedule, AES-256-GCM) written with nothing but
SHA-256/SHA3-256/HMAC, ML-KEM decapsulation, X25519 and AES-GCM. It fills in the intermediate values
of vote_record.json and lets tests/test_vectors.py check that the specification text matches what
the ``cryptography`` library's HPKE actually does.

These keys are public test keys: they must never be used in an election.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from election import canonical
from election.package import (
    Candidate,
    CandidateStatus,
    CardIssuer,
    Contest,
    ElectionPackage,
    MachineEntry,
    OrderRule,
    PollingPlace,
    Settings,
    SignedPackage,
    amend,
    sign_package,
)
from election.signature import public_bytes, sign, signed_message
from media import counting_key
from media.audit_log import GENESIS, AuditEntry, entry_hash
from media.layout import (
    AUDIT_LOG_FILE,
    HEADER_FILE,
    SEAL_FILE,
    SLOT_FILE,
    MediumHeader,
    MediumRole,
    slot_file_size,
    table_entries,
)
from media.seal import Seal, SealedTable
from media.slot import (
    SLOT_SIZE,
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
    Choice,
    RecordUnreadable,
    decrypt_vote,
    encode_choice,
    encrypt_vote,
    info,
)

HERE = Path(__file__).resolve().parent

# --- fixed test keys (public: never use them for anything real) -----------------------------

COMMISSION_SEED = bytes(range(0, 32))
MACHINE_SEED = bytes(range(32, 64))
ISSUER_SEED = bytes(range(64, 96))
COUNTING_PRIVATE = bytes(range(96, 192))  # 64-byte ML-KEM-768 seed (d ‖ z), 32-byte X25519 scalar

ELECTION_ID = "2027-tsukuba-city"
MACHINE_ID = "M-001"
PLACE_ID = "P-01"
PRIMARY_ID = "0a1b2c3d4e5f6071"
COPY_ID = "8192a3b4c5d6e7f8"
SLOTS = 4

# Which slot holds which vote: (contest, slot index, candidate id or None for blank).
PLACEMENT: tuple[tuple[str, int, str | None], ...] = (
    ("mayor", 0, "m1"),
    ("mayor", 2, "m3"),  # m3 withdraws in version 2: an invalid vote (art. 9, 13)
    ("mayor", 3, None),  # blank (白票)
    ("assembly", 1, "a2"),
    ("assembly", 3, "a1"),
)

# --- the HPKE suite written out by hand (docs/media-format.md §5) ----------------------------

KEM_ID = 0x647A  # MLKEM768-X25519 (X-Wing)
KDF_ID = 0x0001  # HKDF-SHA256
AEAD_ID = 0x0002  # AES-256-GCM
SUITE_ID = b"HPKE" + KEM_ID.to_bytes(2, "big") + KDF_ID.to_bytes(2, "big") + AEAD_ID.to_bytes(2, "big")
XWING_LABEL = b"\\.//^\\"  # the six bytes 5c 2e 2f 2f 5e 5c


def _labeled_extract(salt: bytes, label: bytes, ikm: bytes) -> bytes:
    key = salt or bytes(32)
    return hmac.new(key, b"HPKE-v1" + SUITE_ID + label + ikm, hashlib.sha256).digest()


def _labeled_expand(prk: bytes, label: bytes, context: bytes, length: int) -> bytes:
    labeled = length.to_bytes(2, "big") + b"HPKE-v1" + SUITE_ID + label + context
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + labeled + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def spec_open(private_key: bytes, record: bytes, info_bytes: bytes) -> dict[str, bytes]:
    """Decrypt one vote record exactly as §5 describes; return every intermediate value."""
    sk_m = mlkem.MLKEM768PrivateKey.from_seed_bytes(private_key[:64])
    sk_x = x25519.X25519PrivateKey.from_private_bytes(private_key[64:96])
    enc, ct = record[:1120], record[1120:]
    ct_m, ct_x = enc[:1088], enc[1088:]
    ss_m = sk_m.decapsulate(ct_m)
    ss_x = sk_x.exchange(x25519.X25519PublicKey.from_public_bytes(ct_x))
    pk_x = sk_x.public_key().public_bytes_raw()
    shared_secret = hashlib.sha3_256(ss_m + ss_x + ct_x + pk_x + XWING_LABEL).digest()
    psk_id_hash = _labeled_extract(b"", b"psk_id_hash", b"")
    info_hash = _labeled_extract(b"", b"info_hash", info_bytes)
    context = b"\x00" + psk_id_hash + info_hash
    secret = _labeled_extract(shared_secret, b"secret", b"")
    key = _labeled_expand(secret, b"key", context, 32)
    base_nonce = _labeled_expand(secret, b"base_nonce", context, 12)
    plaintext = AESGCM(key).decrypt(base_nonce, ct, b"")
    return {
        "mlkem_ciphertext": ct_m,
        "x25519_ephemeral_public_key": ct_x,
        "mlkem_shared_secret": ss_m,
        "x25519_shared_secret": ss_x,
        "shared_secret": shared_secret,
        "key_schedule_context": context,
        "key": key,
        "base_nonce": base_nonce,
        "aead_ciphertext_and_tag": ct,
        "plaintext": plaintext,
    }


# --- the election ------------------------------------------------------------------------------


def keys() -> dict[str, Any]:
    return {
        "commission": Ed25519PrivateKey.from_private_bytes(COMMISSION_SEED),
        "machine": Ed25519PrivateKey.from_private_bytes(MACHINE_SEED),
        "issuer": Ed25519PrivateKey.from_private_bytes(ISSUER_SEED),
        "counting_public": counting_key.public_key_bytes(COUNTING_PRIVATE),
    }


def package_versions() -> list[SignedPackage]:
    k = keys()
    mayor = Contest(
        contest_id="mayor",
        title="つくば市長選挙",
        title_en="Tsukuba City Mayoral Election",
        candidates=(
            Candidate("m1", "山田 太郎", "やまだ たろう", "無所属"),
            Candidate("m2", "佐藤 花子", "さとう はなこ", "市民の党"),
            Candidate("m3", "鈴木 一郎", "すずき いちろう", "未来党"),
        ),
        order_rule=OrderRule.ROTATED_PER_MACHINE,
        blank_allowed=True,
    )
    assembly = Contest(
        contest_id="assembly",
        title="つくば市議会議員一般選挙",
        title_en="Tsukuba City Assembly Election",
        candidates=(
            Candidate("a1", "高橋 誠", "たかはし まこと", "無所属"),
            Candidate("a2", "伊藤 美咲", "いとう みさき", "市民の党"),
            Candidate("a3", "渡辺 健", "わたなべ けん", "未来党"),
        ),
        order_rule=OrderRule.SHUFFLED_PER_VOTER,
        blank_allowed=False,
    )
    first = ElectionPackage(
        election_id=ELECTION_ID,
        title="つくば市長選挙及びつくば市議会議員一般選挙",
        municipality="茨城県つくば市",
        version=1,
        previous_fingerprint="",
        election_day=date(2027, 4, 25),
        valid_from=date(2027, 4, 19),
        valid_until=date(2027, 4, 25),
        contests=(mayor, assembly),
        polling_places=(PollingPlace(PLACE_ID, "第1投票所 つくば市役所"),),
        machines=(MachineEntry(MACHINE_ID, PLACE_ID, public_bytes(k["machine"])),),
        issuers=(CardIssuer("R-01", PLACE_ID, public_bytes(k["issuer"])),),
        admin_certificates=(),
        counting_public_key=k["counting_public"],
        settings=Settings(
            slots_per_contest=SLOTS,
            pin_attempts=3,
            inactivity_alert_seconds=180,
            admin_session_seconds=900,
            voting_card_lifetime_minutes=30,
        ),
    )
    v1 = sign_package(first, k["commission"])
    v2 = sign_package(amend(v1, {("mayor", "m3"): CandidateStatus.WITHDRAWN}), k["commission"])
    return [v1, v2]


# --- vote records (made once, then reused) -----------------------------------------------------


def _choice(candidate_id: str | None) -> Choice:
    return BLANK if candidate_id is None else Choice(candidate_id)


def _old_records() -> dict[tuple[str, int], bytes]:
    """Records already in medium.json (primary medium), by (contest, slot index)."""
    path = HERE / "medium.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    found: dict[tuple[str, int], bytes] = {}
    slot_file = bytes.fromhex(data["media"]["primary"]["files"][SLOT_FILE])
    for entry in data["expected"]["header"]["tables"]:
        contest_id, start = entry["contest_id"], entry["offset"]
        table = slot_file[start : start + entry["slots"] * SLOT_SIZE]
        for slot_index, raw in enumerate(split_table(table)):
            content = decode_slot(raw)
            if isinstance(content, Filled):
                found[(contest_id, slot_index)] = content.record
    return found


def vote_records() -> dict[tuple[str, int], bytes]:
    old = _old_records()
    private = counting_key.private_key(COUNTING_PRIVATE)
    public = counting_key.public_key(counting_key.public_key_bytes(COUNTING_PRIVATE))
    records = {}
    for contest_id, index, candidate_id in PLACEMENT:
        wanted = _choice(candidate_id)
        record = old.get((contest_id, index))
        try:
            if record is None or decrypt_vote(private, ELECTION_ID, contest_id, record) != wanted:
                raise RecordUnreadable("stale")
        except RecordUnreadable:
            record = encrypt_vote(public, ELECTION_ID, contest_id, wanted)
        records[(contest_id, index)] = record
    return records


# --- the vector files --------------------------------------------------------------------------


def canonical_vectors() -> dict[str, Any]:
    accept = [
        ("empty object", {}),
        ("empty array", []),
        ("scalars", [True, False, None, 0, -1, "tohyoki"]),
        ("nested objects are sorted at every level", {"b": 1, "a": [True, None], "c": {"z": "", "y": -1}}),
        (
            "keys sorted by Unicode code point, not UTF-16 code unit",
            {"😀": 5, "ｚ": 4, "é": 3, "a": 2, "Z": 1},
        ),
        ("non-ASCII text is raw UTF-8", {"name": "山田 太郎", "kana": "やまだ たろう"}),
        ("the only escapes", "\"\\\b\f\n\r\t\u0000\u001f"),
        ("no other escapes", "/\u007f\u2028\u00e9"),
        ("largest integers", [9007199254740991, -9007199254740991]),
    ]
    reject = [
        ("white space between tokens", b'{"a": 1}'),
        ("keys not sorted", b'{"b":1,"a":2}'),
        ("duplicate key", b'{"a":1,"a":2}'),
        ("a fraction", b"1.0"),
        ("an exponent", b"1e3"),
        ("negative zero", b"-0"),
        ("integer above 2^53-1", b"9007199254740992"),
        ("integer below -(2^53-1)", b"-9007199254740992"),
        ("NaN", b"NaN"),
        ("trailing newline", b"{}\n"),
        ("leading space", b" {}"),
        ("byte order mark", b"\xef\xbb\xbf{}"),
        ("escaped non-ASCII character", b'"\\u00e9"'),
        ("upper-case hex in an escape", b'"\\u001F"'),
        ("escaped solidus", b'"\\/"'),
        ("control character as \\u escape where a short form exists", b'"\\u000a"'),
        ("raw control character", b'"\x01"'),
        ("invalid UTF-8", b'"\xff"'),
        ("UTF-8 encoded surrogate", b'"\xed\xa0\x80"'),
        ("escaped lone surrogate", b'"\\ud800"'),
        ("integer with more digits than Python will convert", b"1" + b"0" * 4300),
    ]
    return {
        "spec": "docs/media-format.md §2",
        "accept": [
            {"name": name, "value": value, "canonical_hex": canonical.encode(value).hex()}
            for name, value in accept
        ],
        "reject": [{"name": name, "bytes_hex": data.hex()} for name, data in reject],
        "encoder_rejects": [
            {"name": "a float", "value": 1.5},
            {"name": "integer above 2^53-1", "value": 9007199254740992},
            {"name": "integer below -(2^53-1)", "value": -9007199254740992},
            {"name": "a float inside an object", "value": {"a": [0.5]}},
        ],
    }


def signature_vectors(versions: list[SignedPackage]) -> dict[str, Any]:
    k = keys()
    login_challenge = (
        bytes(range(200, 232)) + MACHINE_ID.encode() + b"\x00" + versions[0].fingerprint.encode()
    )
    cases = [
        ("commission", "election-package", versions[0].body),
        ("machine", "medium-header", canonical.encode({"format": "x"})),
        ("machine", "seal", b""),
        ("machine", "polling-report", canonical.encode({"format": "tohyoki-zero-report/1"})),
        ("issuer", "voting-card", canonical.encode({"card_id": "c-0001"})),
        ("commission", "admin-certificate", canonical.encode({"card_id": "A-01"})),
        ("machine", "admin-login", login_challenge),
    ]
    seeds = {"commission": COMMISSION_SEED, "machine": MACHINE_SEED, "issuer": ISSUER_SEED}
    return {
        "spec": "docs/media-format.md §3",
        "cases": [
            {
                "signer": signer,
                "private_key_hex": seeds[signer].hex(),
                "public_key_hex": public_bytes(k[signer]).hex(),
                "purpose": purpose,
                "message_hex": message.hex(),
                "signed_message_hex": signed_message(purpose, message).hex(),
                "signature_hex": sign(k[signer], purpose, message).hex(),
            }
            for signer, purpose, message in cases
        ],
    }


def _choice_json(choice: Choice) -> dict[str, Any]:
    if choice.candidate_id is None:
        return {"kind": "blank"}
    return {"kind": "candidate", "candidate_id": choice.candidate_id}


def vote_record_vectors(records: dict[tuple[str, int], bytes]) -> dict[str, Any]:
    cases = []
    for name, (contest_id, index) in (("candidate", ("mayor", 0)), ("blank", ("mayor", 3))):
        record = records[(contest_id, index)]
        steps = spec_open(COUNTING_PRIVATE, record, info(ELECTION_ID, contest_id))
        choice = decrypt_vote(counting_key.private_key(COUNTING_PRIVATE), ELECTION_ID, contest_id,
                              record)
        cases.append(
            {
                "name": name,
                "election_id": ELECTION_ID,
                "contest_id": contest_id,
                "info_hex": info(ELECTION_ID, contest_id).hex(),
                "plaintext_hex": encode_choice(choice).hex(),
                "ciphertext_hex": record.hex(),
                "choice": _choice_json(choice),
                "intermediate": {key: value.hex() for key, value in steps.items()},
            }
        )
    bad_plaintexts = [
        ("version 2", bytes([2, 1, 2]) + b"m1"),
        ("unknown kind 3", bytes([1, 3, 0])),
        ("blank with an id", bytes([1, 2, 2]) + b"m1"),
        ("candidate with empty id", bytes([1, 1, 0])),
        ("id runs past the end", bytes([1, 1, 62]) + b"x" * 61),
        ("padding not zero", bytes([1, 1, 2]) + b"m1" + b"\x00" * 10 + b"\x01"),
        ("id not UTF-8", bytes([1, 1, 1, 0xFF])),
    ]
    return {
        "spec": "docs/media-format.md §5, §6",
        "suite": {
            "mode": "base (0x00)",
            "kem": "MLKEM768-X25519 (X-Wing)",
            "kem_id": f"0x{KEM_ID:04x}",
            "kdf": "HKDF-SHA256",
            "kdf_id": f"0x{KDF_ID:04x}",
            "aead": "AES-256-GCM",
            "aead_id": f"0x{AEAD_ID:04x}",
            "aad": "",
        },
        "counting_private_key_hex": COUNTING_PRIVATE.hex(),
        "counting_public_key_hex": counting_key.public_key_bytes(COUNTING_PRIVATE).hex(),
        "cases": cases,
        "wrong_context": [
            {
                "why": "the candidate record presented as a vote in another contest",
                "ciphertext_of": "candidate",
                "election_id": ELECTION_ID,
                "contest_id": "assembly",
            },
            {
                "why": "the candidate record presented as a vote in another election",
                "ciphertext_of": "candidate",
                "election_id": "2027-other-town",
                "contest_id": "mayor",
            },
        ],
        "bad_plaintexts": [
            {"why": why, "plaintext_hex": (body + bytes(64 - len(body))).hex()}
            for why, body in bad_plaintexts
        ],
    }


def slot_vectors(records: dict[tuple[str, int], bytes]) -> dict[str, Any]:
    record = records[("mayor", 0)]
    filled = encode_slot(record)
    torn = filled[:700] + bytes(SLOT_SIZE - 700)
    flipped = bytearray(filled)
    flipped[6 + 100] ^= 0x01
    bad_magic = b"TVR2" + filled[4:]
    bad_padding = filled[:-1] + b"\x01"
    bad_length = filled[:4] + (1199).to_bytes(2, "big") + filled[6:]
    mayor = [records[("mayor", i)] for i in (0, 2, 3)]
    orders = [[0, 1, 2], [2, 0, 1], [1, 2, 0]]
    digests = {table_digest([mayor[i] for i in order]) for order in orders}
    assert len(digests) == 1
    return {
        "spec": "docs/media-format.md §7",
        "slot_size": SLOT_SIZE,
        "filled": {"record_hex": record.hex(), "slot_hex": filled.hex()},
        "empty": {"slot_hex": bytes(SLOT_SIZE).hex()},
        "damaged": [
            {"why": "torn write: only the first 700 bytes reached the medium", "slot_hex": torn.hex()},
            {"why": "one bit of the record flipped: checksum mismatch", "slot_hex": flipped.hex()},
            {"why": "wrong magic", "slot_hex": bad_magic.hex()},
            {"why": "wrong record length field", "slot_hex": bad_length.hex()},
            {"why": "padding after the checksum not zero", "slot_hex": bad_padding.hex()},
            {"why": "short slot (truncated table file)", "slot_hex": filled[:1279].hex()},
        ],
        "table_digest": {
            "records_hex": [r.hex() for r in mayor],
            "record_digests_hex": [record_digest(r).hex() for r in mayor],
            "orders": orders,
            "digest": digests.pop(),
        },
        "table_digest_of_no_records": table_digest([]),
    }


AUDIT_LINES: tuple[tuple[str, int, str, str, dict[str, Any]], ...] = (
    ("2027-04-25T06:45:00+09:00", 1001, "machine_booted", "done", {"software_hash": "ab" * 32}),
    ("2027-04-25T07:00:00+09:00", 1401, "polls_opened", "done", {}),
    ("2027-04-25T20:00:00+09:00", 1404, "polls_closed", "done", {}),
)


def audit_log() -> tuple[bytes, list[str]]:
    head, data, hashes = GENESIS, b"", []
    for sequence, (time, event_id, event, outcome, detail) in enumerate(AUDIT_LINES, start=1):
        line = AuditEntry(sequence, time, event_id, event, outcome, detail, head).encode()
        data += line + b"\n"
        head = entry_hash(line)
        hashes.append(head)
    return data, hashes


def medium_vectors(
    versions: list[SignedPackage], records: dict[tuple[str, int], bytes]
) -> dict[str, Any]:
    k = keys()
    v1, v2 = versions
    contests = [c.contest_id for c in v1.package.contests]
    tables = table_entries((c, SLOTS) for c in contests)
    slot_file = bytearray(slot_file_size(tables))  # every contest's region, back to back
    by_contest: dict[str, list[bytes]] = {c: [] for c in contests}
    for (contest_id, index), record in sorted(records.items()):
        start = tables[contests.index(contest_id)].slot_offset(index)
        slot_file[start : start + SLOT_SIZE] = encode_slot(record)
        by_contest[contest_id].append(record)
    log, line_hashes = audit_log()
    seal = Seal(
        machine_id=MACHINE_ID,
        election_id=ELECTION_ID,
        package_fingerprint=v2.fingerprint,
        closing_number=1,
        final=True,
        tables=tuple(SealedTable(c, len(r), table_digest(r)) for c, r in by_contest.items()),
        sessions_voted=3,
        sessions_without_vote=1,
        audit_log_entries=len(AUDIT_LINES),
        audit_log_head=line_hashes[-1],
    )
    seal_bytes = seal.encode(k["machine"])
    media = {}
    for medium_id, role in ((PRIMARY_ID, MediumRole.PRIMARY), (COPY_ID, MediumRole.COPY)):
        header = MediumHeader(medium_id, role, MACHINE_ID, ELECTION_ID, v1.fingerprint, tables)
        files = {HEADER_FILE: header.encode(k["machine"])}
        files[SLOT_FILE] = bytes(slot_file)
        files[SEAL_FILE] = seal_bytes
        files[AUDIT_LOG_FILE] = log
        media[role.value] = {
            "medium_id": medium_id,
            "files": {name: data.hex() for name, data in files.items()},
        }
    return {
        "spec": "docs/media-format.md §8, §9, §10, §13",
        "note": "The package versions are those of package.json; the counting key that of "
        "vote_record.json. The header names version 1 (loaded when the media were initialised), "
        "the seal version 2 (the amendment loaded before the close).",
        "machine_id": MACHINE_ID,
        "machine_public_key_hex": public_bytes(k["machine"]).hex(),
        "counting_private_key_hex": COUNTING_PRIVATE.hex(),
        "package_fingerprints": [v.fingerprint for v in versions],
        "media": media,
        "expected": {
            "header": {
                "election_id": ELECTION_ID,
                "package_fingerprint": v1.fingerprint,
                "slot_size": SLOT_SIZE,
                "tables": [
                    {"contest_id": t.contest_id, "offset": t.offset, "slots": t.slots}
                    for t in tables
                ],
            },
            "seal": seal.to_body(),
            "filled_slots": {c: sorted(i for cc, i in records if cc == c) for c in contests},
            "audit_line_hashes": line_hashes,
            # §13 step 9-10, §13.3: 無効投票 ("invalid") is the sum of its four lines
            "tally": {
                "mayor": {"m1": 1, "m2": 0, "m3": 0, "valid": 1, "invalid": 2, "blank": 1,
                          "invalid_non_candidate": 1, "blank_not_allowed": 0, "unreadable": 0,
                          "total": 3},
                "assembly": {"a1": 1, "a2": 1, "a3": 0, "valid": 2, "invalid": 0, "blank": 0,
                             "invalid_non_candidate": 0, "blank_not_allowed": 0,
                             "unreadable": 0, "total": 2},
            },
        },
    }


def package_vectors(versions: list[SignedPackage]) -> dict[str, Any]:
    k = keys()
    return {
        "spec": "docs/media-format.md §4",
        "commission_public_key_hex": public_bytes(k["commission"]).hex(),
        "versions": [
            {
                "version": v.package.version,
                "file_hex": v.to_bytes().hex(),
                "body_hex": v.body.hex(),
                "fingerprint": v.fingerprint,
                "short_fingerprint": v.short_fingerprint,
                "previous_fingerprint": v.package.previous_fingerprint,
            }
            for v in versions
        ],
        "newest_version": versions[-1].package.version,
        "amendment": {"contest_id": "mayor", "candidate_id": "m3", "status": "withdrawn"},
    }


def write(name: str, data: dict[str, Any]) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    (HERE / name).write_text(text, encoding="utf-8")


def main() -> None:
    versions = package_versions()
    records = vote_records()
    assert all(len(r) == CIPHERTEXT_LENGTH for r in records.values())
    write("canonical.json", canonical_vectors())
    write("signature.json", signature_vectors(versions))
    write("vote_record.json", vote_record_vectors(records))
    write("slot.json", slot_vectors(records))
    write("medium.json", medium_vectors(versions, records))
    write("package.json", package_vectors(versions))


if __name__ == "__main__":
    main()
