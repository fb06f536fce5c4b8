"""Regenerate ``media_rules.json``: one case per rule of docs/media-format.md §13.2 (a medium the
spec says to refuse, to hold for the counting manager's decision, or to count with a note),
plus the package-file and public-key-file rules (§4.1, §4.7). Run from the repository root::

    .venv/bin/python -m tests.vectors.generate_rules

Every case starts from the primary and copy of ``medium.json`` and says exactly which files it
replaces and which bytes it overwrites, so an independent reader can rebuild each medium; the
expected outcome is written here from the rule, never taken from the project's reader. Keys,
signatures and positions are fixed, so a rerun writes identical bytes; the one new vote record
(a blank vote in a contest without blank votes) is encrypted once and then reused from the
existing file as long as it still decrypts to a blank vote (HPKE encryption is randomised).

These are public test keys: they must never be used in an election.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from election import canonical
from media import counting_key
from media.audit_log import GENESIS, AuditEntry, entry_hash
from media.layout import (
    AUDIT_LOG_FILE,
    HEADER_FILE,
    HEADER_PURPOSE,
    SEAL_FILE,
    SLOT_FILE,
    MediumHeader,
    MediumRole,
    table_entries,
)
from media.public_key_file import encode_public_key_file
from media.seal import SEAL_PURPOSE, Seal, SealedTable, decode_seal
from media.signed_document import encode_signed
from media.slot import SLOT_SIZE, Filled, decode_slot, encode_slot, split_table, table_digest
from media.vote_record import BLANK, RecordUnreadable, decrypt_vote, encrypt_vote
from tests.vectors.generate import (
    AUDIT_LINES,
    COPY_ID,
    COUNTING_PRIVATE,
    ELECTION_ID,
    MACHINE_ID,
    PRIMARY_ID,
    SLOTS,
    keys,
    package_versions,
)

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "media_rules.json"
BASE = json.loads((HERE / "medium.json").read_text(encoding="utf-8"))
MAYOR_OFFSET, ASSEMBLY_OFFSET = 0, SLOTS * SLOT_SIZE

# the tally of medium.json's media (docs/media-format.md §13, Appendix A)
BASE_TALLY: dict[str, dict[str, int]] = BASE["expected"]["tally"]


def base_file(role: str, name: str) -> bytes:
    return bytes.fromhex(BASE["media"][role]["files"][name])


def base_seal() -> Seal:
    return decode_seal(base_file("primary", SEAL_FILE))[0]


def signed(body: dict[str, Any], purpose: str) -> bytes:
    return encode_signed(body, keys()["machine"], purpose)


def header_body(role: MediumRole, **changes: Any) -> dict[str, Any]:
    medium_id = PRIMARY_ID if role is MediumRole.PRIMARY else COPY_ID
    v1 = package_versions()[0]
    tables = table_entries((c.contest_id, SLOTS) for c in v1.package.contests)
    body = MediumHeader(medium_id, role, MACHINE_ID, ELECTION_ID, v1.fingerprint,
                        tables).to_body()
    body.update(changes)
    return body


def medium(name: str, base: str, *, files: dict[str, bytes] | None = None,
           patches: list[tuple[str, int, bytes]] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "base": base,
        "files": {k: v.hex() for k, v in (files or {}).items()},
        "patches": [{"file": f, "offset": o, "hex": b.hex()} for f, o, b in (patches or [])],
    }


def slot_at(role: str, offset: int) -> bytes:
    return base_file(role, SLOT_FILE)[offset:offset + SLOT_SIZE]


def chained(lines: list[tuple[str, int, str, str, dict[str, Any]]],
            extra: dict[int, dict[str, Any]] | None = None) -> tuple[bytes, int, str]:
    """An audit log of ``lines`` (``extra`` adds members to the line at an index), correctly
    chained, with its count and head, so that only the rule under test is broken."""
    head, data = GENESIS, b""
    for n, (time, event_id, event, outcome, detail) in enumerate(lines, start=1):
        entry = AuditEntry(n, time, event_id, event, outcome, detail, head).to_dict()
        entry.update((extra or {}).get(n - 1, {}))
        line = canonical.encode(entry)
        data += line + b"\n"
        head = entry_hash(line)
    return data, len(lines), head


def resealed(**changes: Any) -> bytes:
    return signed(replace(base_seal(), **changes).to_body(), SEAL_PURPOSE)


def audit_case(case_id: str, why: str, data: bytes, count: int, head: str) -> dict[str, Any]:
    """Both media carry ``data`` as their log and a seal whose count and head match it."""
    seal = resealed(audit_log_entries=count, audit_log_head=head)
    return {
        "id": case_id,
        "section": "§10, §13.2 rule 6",
        "why": why,
        "media": [medium("primary", "primary", files={AUDIT_LOG_FILE: data, SEAL_FILE: seal}),
                  medium("copy", "copy", files={AUDIT_LOG_FILE: data, SEAL_FILE: seal})],
        "expect": {"media": {"primary": {"status": "rejected", "problem": "SealMismatch"},
                             "copy": {"status": "rejected", "problem": "SealMismatch"}},
                   "counted": [], "missing_machines": []},
    }


def blank_record() -> bytes:
    """A blank vote in ``assembly``, whose ``blank_allowed`` is false: made once, then reused."""
    private = counting_key.private_key(COUNTING_PRIVATE)
    if OUTPUT.exists():
        old = json.loads(OUTPUT.read_text(encoding="utf-8"))
        record = bytes.fromhex(old["records"]["assembly_blank_hex"])
        try:
            if decrypt_vote(private, ELECTION_ID, "assembly", record) == BLANK:
                return record
        except RecordUnreadable:
            pass
    public = counting_key.public_key(counting_key.public_key_bytes(COUNTING_PRIVATE))
    return encrypt_vote(public, ELECTION_ID, "assembly", BLANK)


def cases(blank: bytes) -> list[dict[str, Any]]:
    primary_counted = {"primary": {"status": "counted"}, "copy": {"status": "not-used"}}
    mayor0 = slot_at("primary", MAYOR_OFFSET)
    checksum_at = MAYOR_OFFSET + 6 + 1200 + 3  # a byte of slot 0's checksum, record intact
    record_at = MAYOR_OFFSET + 600  # a byte inside slot 0's record
    moved = [(SLOT_FILE, MAYOR_OFFSET, bytes(SLOT_SIZE)),
             (SLOT_FILE, MAYOR_OFFSET + SLOT_SIZE, mayor0)]  # mayor slot 0 → empty slot 1
    out: list[dict[str, Any]] = []

    for case_id, at, why in (
        ("damaged-slot-checksum-only", checksum_at,
         "one byte of a slot's checksum altered: the record is exactly the sealed one, and the "
         "medium is still damaged"),
        ("damaged-slot-record", record_at, "one byte inside a record altered"),
    ):
        flipped = bytes([mayor0[at - MAYOR_OFFSET] ^ 0x01])
        out.append({
            "id": case_id, "section": "§7.2, §13.2 rule 1", "why": why,
            "media": [medium("primary", "primary", patches=[(SLOT_FILE, at, flipped)]),
                      medium("copy", "copy")],
            "expect": {
                "media": {"primary": {"status": "rejected", "problem": "MediumDamaged"},
                          "copy": {"status": "held"}},
                "counted": [], "missing_machines": [],
                "differing_slots": {"mayor": [0]},
                "with_copy_decision": {"counted": [[MACHINE_ID, "copy"]],
                                       "tally": BASE_TALLY},
            },
        })

    out.append({
        "id": "unknown-field-in-header", "section": "§1.3 rule 3, §13.2 rule 2",
        "why": "the header body carries a member §8.2 does not name, correctly signed",
        "media": [medium("primary", "primary", files={HEADER_FILE: signed(
            header_body(MediumRole.PRIMARY, note="x"), HEADER_PURPOSE)}),
                  medium("copy", "copy")],
        "expect": {"media": {"primary": {"status": "rejected", "problem": "ForeignMedium"},
                             "copy": {"status": "held"}},
                   "counted": [], "missing_machines": []},
    })
    out.append({
        "id": "unknown-field-in-seal-table", "section": "§1.3 rule 3, §13.2 rule 2",
        "why": "a seal table entry carries a member §9.2 does not name, correctly signed",
        "media": [medium(role, role, files={SEAL_FILE: signed(
            {**base_seal().to_body(),
             "tables": [{**t, "note": 1} for t in base_seal().to_body()["tables"]]},
            SEAL_PURPOSE)}) for role in ("primary", "copy")],
        "expect": {"media": {"primary": {"status": "rejected", "problem": "SealMismatch"},
                             "copy": {"status": "rejected", "problem": "SealMismatch"}},
                   "counted": [], "missing_machines": []},
    })
    night = resealed(final=False)
    out.append({
        "id": "night-seal-only", "section": "§9.2, §13.2 rule 3",
        "why": "the seal is a night seal of early voting (final false): polls were never finally "
        "closed on this machine",
        "media": [medium(role, role, files={SEAL_FILE: night}) for role in ("primary", "copy")],
        "expect": {"media": {"primary": {"status": "held"}, "copy": {"status": "held"}},
                   "counted": [], "missing_machines": [],
                   "with_night_seal_decision": {"counted": [[MACHINE_ID, "primary"]],
                                                "tally": BASE_TALLY}},
    })
    out.append({
        "id": "same-medium-id-other-contents", "section": "§13.2 rule 4",
        "why": "two media with the primary's medium_id, both verifying, one with a record moved "
        "to another slot (the order-free seal still matches): one of them is not the medium "
        "the machine wrote",
        "media": [medium("primary", "primary"), medium("primary-again", "primary",
                                                       patches=moved),
                  medium("copy", "copy")],
        "expect": {"media": {"primary": {"status": "held"}, "primary-again": {"status": "held"},
                             "copy": {"status": "held"}},
                   "counted": [], "missing_machines": []},
    })
    out.append({
        "id": "same-medium-read-twice", "section": "§13.2 rule 4",
        "why": "the same medium, byte for byte, imported twice: counted once",
        "media": [medium("primary", "primary"), medium("primary-again", "primary"),
                  medium("copy", "copy")],
        "expect": {"media": {**primary_counted, "primary-again": {"status": "same-medium"}},
                   "counted": [[MACHINE_ID, "primary"]], "missing_machines": [],
                   "tally": BASE_TALLY},
    })
    header = base_file("primary", HEADER_FILE)
    sig_at = header.rindex(b'"signature":"') + len(b'"signature":"')
    bad_sig = header[:sig_at] + (b"1" if header[sig_at:sig_at + 1] == b"0" else b"0") + \
        header[sig_at + 1:]
    out.append({
        "id": "header-does-not-verify", "section": "§13.2 rule 4",
        "why": "the primary's header signature does not verify: it names M-001 but is nobody's "
        "medium, so M-001 has no primary and its copy needs the counting manager's decision",
        "media": [medium("primary", "primary", files={HEADER_FILE: bad_sig}),
                  medium("copy", "copy")],
        "expect": {"media": {"primary": {"status": "rejected", "problem": "ForeignMedium",
                                         "machine_id": None},
                             "copy": {"status": "held"}},
                   "counted": [], "missing_machines": [],
                   "with_copy_decision": {"counted": [[MACHINE_ID, "copy"]],
                                          "tally": BASE_TALLY}},
    })
    out.append({
        "id": "slots-differ-under-equal-seals", "section": "§8.3, §13.2 rule 5",
        "why": "the copy holds the same records as the primary but one in another slot: both "
        "seals verify and are equal; the primary is counted and the difference reported",
        "media": [medium("primary", "primary"), medium("copy", "copy", patches=moved)],
        "expect": {"media": primary_counted, "counted": [[MACHINE_ID, "primary"]],
                   "missing_machines": [], "differing_slots": {"mayor": [0, 1]},
                   "tally": BASE_TALLY},
    })
    wide = table_entries((c, SLOTS + 1) for c in ("mayor", "assembly"))
    wide_file = bytearray(sum(t.size for t in wide))
    base_slots = base_file("primary", SLOT_FILE)
    wide_file[0:SLOTS * SLOT_SIZE] = base_slots[:ASSEMBLY_OFFSET]
    wide_file[wide[1].offset:wide[1].offset + SLOTS * SLOT_SIZE] = base_slots[ASSEMBLY_OFFSET:]
    wide_tables = [{"contest_id": t.contest_id, "offset": t.offset, "slots": t.slots}
                   for t in wide]
    out.append({
        "id": "slots-not-the-package-setting", "section": "§8.2, §13.2 rule 7",
        "why": "both headers give each table 5 slots, the package's slots_per_contest is 4 "
        "(the slot file and the seal are otherwise consistent)",
        "media": [medium(role.value, role.value, files={
            HEADER_FILE: signed(header_body(role, tables=wide_tables), HEADER_PURPOSE),
            SLOT_FILE: bytes(wide_file)}) for role in (MediumRole.PRIMARY, MediumRole.COPY)],
        "expect": {"media": {"primary": {"status": "rejected", "problem": "TablesMismatch"},
                             "copy": {"status": "rejected", "problem": "TablesMismatch"}},
                   "counted": [], "missing_machines": []},
    })

    out.append({
        "id": "copy-only", "section": "§13.2 rule 1 (art. 10(2))",
        "why": "the primary is lost: its copy is counted only by the counting manager's decision",
        "media": [medium("copy", "copy")],
        "expect": {"media": {"copy": {"status": "held"}}, "counted": [], "missing_machines": [],
                   "with_copy_decision": {"counted": [[MACHINE_ID, "copy"]],
                                          "tally": BASE_TALLY}},
    })
    out.append({
        "id": "seals-differ", "section": "§9.3 step 5, §13.2 rule 5",
        "why": "the copy's seal, correctly signed, says closing number 2: primary and copy were "
        "not sealed together",
        "media": [medium("primary", "primary"),
                  medium("copy", "copy", files={SEAL_FILE: resealed(closing_number=2)})],
        "expect": {"media": {"primary": {"status": "held"}, "copy": {"status": "held"}},
                   "counted": [], "missing_machines": []},
    })

    lines = list(AUDIT_LINES)
    out.append(audit_case("audit-line-extra-member", "the second line has an eighth member",
                          *chained(lines, {1: {"note": "x"}})))
    for case_id, at, field, value, why in (
        ("audit-line-time-without-offset", 0, 0, "2027-04-25T06:45:00",
         "a time without its UTC offset"),
        ("audit-line-time-not-a-day", 0, 0, "2027-02-29T06:45:00+09:00",
         "a day that does not exist"),
        ("audit-line-outcome-unknown", 1, 3, "ok", "an outcome that is not one of the four"),
        ("audit-line-event-upper-case", 1, 2, "Polls_opened", "an event name in upper case"),
    ):
        time, event_id, event, outcome, detail = lines[at]
        fields = {0: (value, event_id, event, outcome, detail),
                  2: (time, event_id, value, outcome, detail),
                  3: (time, event_id, event, value, detail)}[field]
        out.append(audit_case(case_id, why, *chained([*lines[:at], fields, *lines[at + 1:]])))
    data, count, head = chained(lines)
    first, rest = data.split(b"\n", 1)
    out.append(audit_case("audit-empty-line", "an empty line between the first and second line",
                          first + b"\n\n" + rest, count, head))
    out.append(audit_case("audit-no-final-line-feed",
                          "the last line lacks its line feed (count and head are unchanged)",
                          data[:-1], count, head))

    assembly0 = ASSEMBLY_OFFSET  # slot 0 of assembly: empty in medium.json
    base = base_seal()
    assembly_records = [s.record for s in map(decode_slot, split_table(
        base_slots[ASSEMBLY_OFFSET:])) if isinstance(s, Filled)] + [blank]
    tables = tuple(t if t.contest_id != "assembly" else SealedTable(
        "assembly", len(assembly_records), table_digest(assembly_records)) for t in base.tables)
    seal = signed(replace(base, tables=tables).to_body(), SEAL_PURPOSE)
    tally = json.loads(json.dumps(BASE_TALLY))
    tally["assembly"].update(blank_not_allowed=1, invalid=tally["assembly"]["invalid"] + 1,
                             total=tally["assembly"]["total"] + 1)
    out.append({
        "id": "blank-where-the-contest-offers-none", "section": "§6.1, §13 step 9, §13.3",
        "why": "a blank record in assembly, whose blank_allowed is false (no conforming machine "
        "writes one), sealed: counted in 無効投票 as its own line, never as 白票",
        "media": [medium(role, role, files={SEAL_FILE: seal},
                         patches=[(SLOT_FILE, assembly0, encode_slot(blank))])
                  for role in ("primary", "copy")],
        "expect": {"media": primary_counted, "counted": [[MACHINE_ID, "primary"]],
                   "missing_machines": [], "tally": tally},
    })
    return out


def package_file_cases() -> list[dict[str, Any]]:
    v1 = package_versions()[0]
    outer = json.loads(v1.to_bytes())
    outer["note"] = "x"
    return [{"id": "package-file-extra-member", "section": "§4.1, §1.3 rule 3",
             "why": "the file object has a member besides body, format and signature",
             "file_hex": canonical.encode(outer).hex(), "valid": False}]


def key_file_cases() -> list[dict[str, Any]]:
    key = bytes.fromhex(json.loads((HERE / "package.json").read_text(encoding="utf-8"))
                        ["commission_public_key_hex"])
    good = encode_public_key_file(key)
    bad = (
        (good[:-1], "no line feed"),
        (good[:-1] + b"\r\n", "CR LF"),
        (good + b"\n", "two line feeds"),
        (good.upper()[:-1] + b"\n", "upper-case hex"),
        (b" " + good, "leading space"),
        (good[:-3] + b"\n", "31.5 bytes"),
        (key.hex().encode()[:62] + b"\n", "31 bytes"),
    )
    return [{"id": "commission-key-file", "why": "the published form", "file_hex": good.hex(),
             "valid": True, "public_key_hex": key.hex()}] + [
        {"id": f"commission-key-file-{n}", "why": why, "file_hex": data.hex(), "valid": False}
        for n, (data, why) in enumerate(bad, start=1)]


def build() -> str:
    """The text of ``media_rules.json``."""
    blank = blank_record()
    data = {
        "spec": "docs/media-format.md §13.2 (one case per rule), §4.1, §4.7",
        "note": "Each medium is built from medium.json's primary or copy (base): replace the "
        "files given (hex), then overwrite the bytes at each patch's offset. The package "
        "versions are those of package.json, the counting key that of vote_record.json. "
        "'status' is the import's verdict per medium (counted, not-used, same-medium, held, "
        "rejected); 'problem' the rejection's class; 'differing_slots' the slots whose bytes "
        "differ between the machine's primary and copy; 'tally' per contest; "
        "'with_copy_decision' and 'with_night_seal_decision' what follows once the counting "
        "manager has recorded that decision for the machine.",
        "machine_id": MACHINE_ID,
        "records": {"assembly_blank_hex": blank.hex()},
        "cases": cases(blank),
        "package_files": package_file_cases(),
        "public_key_files": key_file_cases(),
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def main() -> None:
    OUTPUT.write_text(build(), encoding="utf-8")


if __name__ == "__main__":
    main()
