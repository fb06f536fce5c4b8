"""The signed election package (docs/media-format.md §2–4): canonical JSON, signing and loading,
fingerprints, the consistency rules a signature cannot check, and amendments (art. 13)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from election import canonical
from election.package import (
    PACKAGE_FORMAT,
    CandidateStatus,
    PackageError,
    SignedPackage,
    amend,
    fingerprint_of,
    load_package,
    package_from_dict,
    package_to_dict,
    short_fingerprint,
    sign_package,
    speech_source_fingerprint,
    verify_chain,
)
from election.signature import sign
from tests.station import COMMISSION_KEY, COMMISSION_PUB, fixed_key, make_package

MACHINE_KEYS = {m: fixed_key(f"machine:{m}").public_key().public_bytes_raw()
                for m in ("M-001", "M-002", "M-003")}
OTHER_COMMISSION_PUB = fixed_key("not-the-commission").public_key().public_bytes_raw()


def bilingual(message: str) -> bool:
    """Every refusal an official reads is in Japanese, with English after it."""
    return bool(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", message)) and bool(
        re.search(r"[A-Za-z]{4,}", message)
    )


@pytest.fixture(scope="module")
def v1() -> SignedPackage:
    return make_package(MACHINE_KEYS)


def outer_of(signed: SignedPackage) -> dict[str, Any]:
    return canonical.decode_object(signed.to_bytes())


def resign(body: dict[str, Any], purpose: str = "election-package") -> bytes:
    """A file whose body is signed by the real commission key, bypassing every check."""
    body_bytes = canonical.encode(body)
    signature = sign(COMMISSION_KEY, purpose, body_bytes)
    return canonical.encode(
        {"format": PACKAGE_FORMAT, "body": body, "signature": signature.hex()}
    )


# --- round trip and fingerprint ---------------------------------------------------------------


def test_sign_then_load_round_trip(v1: SignedPackage) -> None:
    data = v1.to_bytes()
    loaded = load_package(data, COMMISSION_PUB)
    assert loaded.package == v1.package
    assert loaded.body == v1.body
    assert loaded.signature == v1.signature
    assert loaded.to_bytes() == data
    assert loaded.package.contest("mayor").candidate("mayor-2").name == "桜川 花子"
    assert [m.machine_id for m in loaded.package.machines] == ["M-001", "M-002", "M-003"]
    assert loaded.package.machine("M-002").public_key == MACHINE_KEYS["M-002"]


def test_fingerprint_is_sha256_of_canonical_body_with_domain(v1: SignedPackage) -> None:
    body = canonical.encode(outer_of(v1)["body"])
    assert body == v1.body
    expected = hashlib.sha256(b"tohyoki/election-package/v1\x00" + body).hexdigest()
    assert v1.fingerprint == expected == fingerprint_of(body)
    assert v1.fingerprint != hashlib.sha256(body).hexdigest()  # the domain string is there


def test_fingerprint_is_stable(v1: SignedPackage) -> None:
    again = make_package(MACHINE_KEYS)
    assert again.fingerprint == v1.fingerprint
    assert again.to_bytes() == v1.to_bytes()  # Ed25519 is deterministic, keys are fixed
    assert load_package(v1.to_bytes(), COMMISSION_PUB).fingerprint == v1.fingerprint
    other = make_package(MACHINE_KEYS, slots=65)
    assert other.fingerprint != v1.fingerprint


def test_short_fingerprint_format(v1: SignedPackage) -> None:
    short = v1.short_fingerprint
    assert re.fullmatch(r"[0-9A-F]{4}(-[0-9A-F]{4}){4}", short)
    assert short.replace("-", "") == v1.fingerprint[:20].upper()
    assert short_fingerprint("0123456789abcdef" * 4) == "0123-4567-89AB-CDEF-0123"


# --- tampering and wrong keys -----------------------------------------------------------------


def test_changed_candidate_name_is_rejected_as_bad_signature(v1: SignedPackage) -> None:
    outer = outer_of(v1)
    outer["body"]["contests"][0]["candidates"][0]["name"] = "偽物 太郎"
    with pytest.raises(PackageError) as caught:
        load_package(canonical.encode(outer), COMMISSION_PUB)
    message = str(caught.value)
    assert "署名" in message and "not signed by the election commission" in message
    assert bilingual(message)


def test_changed_machine_key_is_rejected(v1: SignedPackage) -> None:
    outer = outer_of(v1)
    outer["body"]["machines"][0]["public_key"] = "ab" * 32
    with pytest.raises(PackageError, match="not signed by the election commission"):
        load_package(canonical.encode(outer), COMMISSION_PUB)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_changed_body_byte_is_rejected(v1: SignedPackage, data: st.DataObject) -> None:
    file = v1.to_bytes()
    start = file.index(v1.body)
    index = data.draw(st.integers(start, start + len(v1.body) - 1), label="index")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != file[index]), label="byte")
    tampered = file[:index] + bytes([new]) + file[index + 1 :]
    with pytest.raises(PackageError) as caught:
        load_package(tampered, COMMISSION_PUB)
    message = str(caught.value)
    assert bilingual(message)
    try:
        canonical.decode(tampered)
    except canonical.NotCanonical:
        assert "corrupt" in message  # not even well-formed: said so
    else:
        assert "not signed by the election commission" in message  # well-formed: signature


def test_wrong_commission_key_is_rejected(v1: SignedPackage) -> None:
    with pytest.raises(PackageError, match="署名.*not signed by the election commission"):
        load_package(v1.to_bytes(), OTHER_COMMISSION_PUB)


def test_malformed_commission_key_is_rejected_not_crashed(v1: SignedPackage) -> None:
    with pytest.raises(PackageError, match="not signed"):
        load_package(v1.to_bytes(), COMMISSION_PUB[:31])


def test_signature_for_another_purpose_does_not_verify(v1: SignedPackage) -> None:
    # The commission's own signature over the same body, but labelled as a seal.
    forged = resign(outer_of(v1)["body"], purpose="seal")
    with pytest.raises(PackageError, match="not signed by the election commission"):
        load_package(forged, COMMISSION_PUB)
    assert load_package(resign(outer_of(v1)["body"]), COMMISSION_PUB).package == v1.package


# --- corrupt files ----------------------------------------------------------------------------


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _not_json(data: bytes) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + data[:40]


def _whitespace(data: bytes) -> bytes:
    return json.dumps(json.loads(data), ensure_ascii=False, sort_keys=True, indent=1).encode()


def _trailing_newline(data: bytes) -> bytes:
    return data + b"\n"


def _reordered(data: bytes) -> bytes:
    outer = json.loads(data)
    flipped = {k: outer[k] for k in reversed(sorted(outer))}
    return json.dumps(flipped, ensure_ascii=False, separators=(",", ":")).encode()


def _ascii_escaped(data: bytes) -> bytes:
    return json.dumps(json.loads(data), sort_keys=True, separators=(",", ":")).encode()


def _top_level_list(data: bytes) -> bytes:
    return b"[" + data + b"]"


@pytest.mark.parametrize(
    "corrupt",
    [_truncated, _not_json, _whitespace, _trailing_newline, _reordered, _ascii_escaped,
     _top_level_list, lambda d: b"", lambda d: b"\xff\xfe" + d],
    ids=["truncated", "not-json", "whitespace", "newline", "reordered", "ascii-escaped",
         "list", "empty", "bom"],
)
def test_corrupt_file_gives_clear_package_error(
    v1: SignedPackage, corrupt: Callable[[bytes], bytes]
) -> None:
    data = corrupt(v1.to_bytes())
    assert data != v1.to_bytes()
    with pytest.raises(PackageError) as caught:
        load_package(data, COMMISSION_PUB)
    message = str(caught.value)
    assert "選挙データが壊れています" in message and "corrupt" in message
    assert bilingual(message)


def test_wrong_format_is_named(v1: SignedPackage) -> None:
    outer = outer_of(v1)
    outer["format"] = "tohyoki-election-package/2"
    with pytest.raises(PackageError) as caught:
        load_package(canonical.encode(outer), COMMISSION_PUB)
    message = str(caught.value)
    assert "形式が違います" in message and "not an election package" in message
    assert "tohyoki-election-package/2" in message


@pytest.mark.parametrize("missing", ["format", "body", "signature"])
def test_missing_outer_field_is_named(v1: SignedPackage, missing: str) -> None:
    outer = outer_of(v1)
    del outer[missing]
    with pytest.raises(PackageError, match=f"missing field file.{missing}"):
        load_package(canonical.encode(outer), COMMISSION_PUB)


def test_short_signature_is_rejected(v1: SignedPackage) -> None:
    outer = outer_of(v1)
    outer["signature"] = outer["signature"][:-2]
    with pytest.raises(PackageError, match="wrong length"):
        load_package(canonical.encode(outer), COMMISSION_PUB)


def test_huge_number_in_file_is_a_package_error() -> None:
    # A file a machine might be handed: must be refused as corrupt, never crash the loader.
    data = b'{"body":{},"format":"' + PACKAGE_FORMAT.encode() + b'","signature":' + b"9" * 5000 + b"}"
    with pytest.raises(PackageError, match="corrupt"):
        load_package(data, COMMISSION_PUB)


def test_escaped_lone_surrogate_is_a_package_error() -> None:
    data = b'{"body":{},"format":"\\ud800","signature":""}'
    with pytest.raises(PackageError, match="corrupt"):
        load_package(data, COMMISSION_PUB)


# --- consistency rules (checked even when the signature is good) ---------------------------


def _duplicate_candidate(body: dict[str, Any]) -> None:
    candidates = body["contests"][0]["candidates"]
    candidates[1]["candidate_id"] = candidates[0]["candidate_id"]


def _unknown_place(body: dict[str, Any]) -> None:
    body["machines"][2]["place_id"] = "p99"


def _unknown_issuer_place(body: dict[str, Any]) -> None:
    body["issuers"][0]["place_id"] = "p99"


def _day_after_validity(body: dict[str, Any]) -> None:
    body["election_day"] = "2026-12-01"


def _day_before_validity(body: dict[str, Any]) -> None:
    body["election_day"] = "2026-11-14"


def _version_two_without_previous(body: dict[str, Any]) -> None:
    body["version"] = 2


def _version_one_with_previous(body: dict[str, Any]) -> None:
    body["previous_fingerprint"] = "ab" * 32


def _duplicate_machine(body: dict[str, Any]) -> None:
    body["machines"][1]["machine_id"] = body["machines"][0]["machine_id"]


def _duplicate_contest(body: dict[str, Any]) -> None:
    body["contests"][1]["contest_id"] = body["contests"][0]["contest_id"]


def _no_contests(body: dict[str, Any]) -> None:
    body["contests"] = []


def _candidate_less_contest(body: dict[str, Any]) -> None:
    body["contests"][1]["candidates"] = []


RULES = [
    (_duplicate_candidate, "duplicate candidate mayor-1"),
    (_unknown_place, "unknown polling place"),
    (_unknown_issuer_place, "unknown polling place"),
    (_day_after_validity, "outside the validity period"),
    (_day_before_validity, "outside the validity period"),
    (_version_two_without_previous, "previous fingerprint"),
    (_version_one_with_previous, "previous fingerprint"),
    (_duplicate_machine, "duplicate machine M-001"),
    (_duplicate_contest, "duplicate contest mayor"),
    (_no_contests, "no contest"),
    (_candidate_less_contest, "no candidates"),
]


@pytest.mark.parametrize("breaks, expected", RULES, ids=[r[0].__name__.strip("_") for r in RULES])
def test_consistency_rule_is_enforced_on_load(
    v1: SignedPackage, breaks: Callable[[dict[str, Any]], None], expected: str
) -> None:
    body = outer_of(v1)["body"]
    breaks(body)
    with pytest.raises(PackageError, match=expected) as caught:
        package_from_dict(body)
    assert bilingual(str(caught.value))
    # Even a file that the commission's key really signed is refused.
    with pytest.raises(PackageError, match=expected):
        load_package(resign(body), COMMISSION_PUB)


def test_consistency_rules_are_enforced_on_signing(v1: SignedPackage) -> None:
    package = v1.package
    late = replace(package, election_day=date(2026, 12, 24))
    with pytest.raises(PackageError, match="outside the validity period"):
        sign_package(late, COMMISSION_KEY)
    bad_place = replace(package, machines=(replace(package.machines[0], place_id="p77"),
                                           *package.machines[1:]))
    with pytest.raises(PackageError, match="unknown polling place"):
        sign_package(bad_place, COMMISSION_KEY)


@pytest.mark.parametrize(
    "field, value, expected",
    [
        ("version", 0, "must be >= 1"),
        ("version", True, "must be int"),
        ("election_day", "29 Nov 2026", "not a date"),
        ("counting_public_key", "ab" * 32, "wrong length"),
        ("counting_public_key", "zz", "not hex"),
        ("title", "", "is empty"),
    ],
)
def test_field_errors_name_the_field(
    v1: SignedPackage, field: str, value: object, expected: str
) -> None:
    body = outer_of(v1)["body"]
    body[field] = value
    with pytest.raises(PackageError, match=expected) as caught:
        load_package(resign(body), COMMISSION_PUB)
    assert field in str(caught.value) or expected == "wrong length"


def test_unknown_candidate_status_lists_the_allowed_values(v1: SignedPackage) -> None:
    body = outer_of(v1)["body"]
    body["contests"][0]["candidates"][0]["status"] = "resigned"
    with pytest.raises(PackageError, match="standing, withdrawn, deceased"):
        load_package(resign(body), COMMISSION_PUB)


# --- amendments (art. 13) ---------------------------------------------------------------------


def amended(previous: SignedPackage, status: CandidateStatus = CandidateStatus.DECEASED,
            candidate: tuple[str, str] = ("mayor", "mayor-3")) -> SignedPackage:
    return sign_package(amend(previous, {candidate: status}), COMMISSION_KEY)


def test_amend_makes_the_next_version(v1: SignedPackage) -> None:
    v2 = amended(v1)
    assert v2.package.version == 2
    assert v2.package.previous_fingerprint == v1.fingerprint
    assert v2.fingerprint != v1.fingerprint
    mayor = v2.package.contest("mayor")
    assert mayor.candidate("mayor-3").status is CandidateStatus.DECEASED
    assert mayor.candidate("mayor-1").status is CandidateStatus.STANDING
    # nothing else changed
    before, after = package_to_dict(v1.package), package_to_dict(v2.package)
    after["contests"][0]["candidates"][2]["status"] = "standing"
    after["version"], after["previous_fingerprint"] = 1, ""
    assert before == after
    assert load_package(v2.to_bytes(), COMMISSION_PUB).package == v2.package


def test_verify_chain_accepts_v1_and_v2_in_any_order(v1: SignedPackage) -> None:
    v2 = amended(v1)
    v3 = amended(v2, CandidateStatus.WITHDRAWN, ("assembly", "assembly-4"))
    assert verify_chain([v1, v2]) == v2
    assert verify_chain([v2, v1]) == v2
    assert verify_chain([v3, v1, v2]) == v3
    assert verify_chain([v1]) == v1


def test_verify_chain_rejects_a_missing_version(v1: SignedPackage) -> None:
    v2 = amended(v1)
    v3 = amended(v2, CandidateStatus.WITHDRAWN, ("assembly", "assembly-4"))
    with pytest.raises(PackageError, match="version 2 is missing"):
        verify_chain([v1, v3])
    with pytest.raises(PackageError, match="version 1 is missing"):
        verify_chain([v2])
    with pytest.raises(PackageError, match="no package"):
        verify_chain([])


def test_verify_chain_rejects_a_forged_previous(v1: SignedPackage) -> None:
    forged = sign_package(
        replace(amend(v1, {("mayor", "mayor-3"): CandidateStatus.DECEASED}),
                previous_fingerprint="00" * 32),
        COMMISSION_KEY,
    )
    with pytest.raises(PackageError, match="does not amend the previous version"):
        verify_chain([v1, forged])
    # a v2 that amends a different v1 (another slot count) does not amend this v1
    sibling = make_package(MACHINE_KEYS, slots=99)
    with pytest.raises(PackageError, match="does not amend"):
        verify_chain([v1, amended(sibling)])


def test_verify_chain_rejects_versions_of_different_elections(v1: SignedPackage) -> None:
    other = sign_package(
        replace(amend(v1, {("mayor", "mayor-3"): CandidateStatus.DECEASED}),
                election_id="mito-2026-11"),
        COMMISSION_KEY,
    )
    with pytest.raises(PackageError, match="different elections"):
        verify_chain([v1, other])


def test_verify_chain_rejects_two_first_versions(v1: SignedPackage) -> None:
    with pytest.raises(PackageError):
        verify_chain([v1, make_package(MACHINE_KEYS, slots=99)])


@pytest.mark.parametrize("target", [("mayor", "mayor-9"), ("assembly", "mayor-1"),
                                    ("governor", "mayor-1")])
def test_amending_an_unknown_candidate_is_refused(
    v1: SignedPackage, target: tuple[str, str]
) -> None:
    with pytest.raises(PackageError, match="unknown candidate") as caught:
        amend(v1, {target: CandidateStatus.WITHDRAWN})
    assert bilingual(str(caught.value))


# --- canonical JSON (docs/media-format.md §2) -------------------------------------------------

SAFE_INT = st.integers(-(2**53 - 1), 2**53 - 1)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | SAFE_INT | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_canonical_decode_inverts_encode(value: Any) -> None:
    data = canonical.encode(value)
    assert canonical.decode(data) == value
    assert canonical.encode(canonical.decode(data)) == data  # idempotent


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(), SAFE_INT, min_size=2, max_size=6))
def test_canonical_form_is_independent_of_insertion_order(value: dict[str, int]) -> None:
    reversed_value = dict(reversed(list(value.items())))
    assert canonical.encode(reversed_value) == canonical.encode(value)
    keys = list(canonical.decode_object(canonical.encode(value)))
    assert keys == sorted(keys)


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES)
def test_canonical_rejects_any_other_spelling(value: Any) -> None:
    data = canonical.encode(value)
    for other in (
        json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True).encode(),
        json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":")).encode(),
        b" " + data,
        data + b"\n",
    ):
        if other != data:
            with pytest.raises(canonical.NotCanonical):
                canonical.decode(other)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_canonical_refuses_floats(number: float) -> None:
    with pytest.raises(canonical.NotCanonical, match="floats"):
        canonical.encode({"x": [number]})
    with pytest.raises(canonical.NotCanonical):
        canonical.decode(json.dumps({"x": number}, separators=(",", ":")).encode())


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1.0", b"1e3", b"[0.5]"])
def test_canonical_refuses_float_literals(literal: bytes) -> None:
    with pytest.raises(canonical.NotCanonical):
        canonical.decode(literal)


@given(st.integers(min_value=2**53).flatmap(lambda n: st.sampled_from([n, -n])))
def test_canonical_refuses_big_integers(number: int) -> None:
    with pytest.raises(canonical.NotCanonical, match="integer out of range"):
        canonical.encode([number])
    with pytest.raises(canonical.NotCanonical):
        canonical.decode(str(number).encode())


@pytest.mark.parametrize(
    "data",
    [
        b'{"b":1,"a":2}',  # keys out of order
        b'{"a":1,"a":1}',  # duplicate key
        b'{"a": 1}',  # white space
        b'"\\u3042"',  # escaped beyond what JSON requires
        b"-0",
        b"01",
        b"1" * 5000,  # beyond Python's integer conversion limit
        b"[" * 100_000,  # nested beyond the recursion limit
        b'"\\ud800"',  # a lone surrogate
        b"\xff",
        b"",
        b"true false",
    ],
)
def test_canonical_refuses_non_canonical_input(data: bytes) -> None:
    with pytest.raises(canonical.NotCanonical):
        canonical.decode(data)


def test_canonical_refuses_unencodable_values() -> None:
    for bad in ({1: "x"}, {"x": b"bytes"}, "\ud800", {"x": (1, 2)}):
        with pytest.raises(canonical.NotCanonical):
            canonical.encode(bad)
    with pytest.raises(canonical.NotCanonical, match="not an object"):
        canonical.decode_object(b"[]")


def test_an_amendment_may_only_take_candidates_off_the_ballot() -> None:
    """Art. 13: a version may withdraw or mark deceased; anything else is refused in the chain."""
    from dataclasses import replace

    from election.package import CandidateStatus, PackageError, amend, check_amendment, verify_chain
    from tests.station import COMMISSION_KEY, make_package

    first = make_package({})
    second = sign_package(amend(first, {("mayor", "mayor-3"): CandidateStatus.DECEASED}),
                          COMMISSION_KEY)
    check_amendment(first, second)
    assert verify_chain([second, first]) == second
    renamed = replace(second.package.contests[0].candidates[0], name="別人")
    contest = replace(second.package.contests[0],
                      candidates=(renamed, *second.package.contests[0].candidates[1:]))
    sneaky = sign_package(replace(second.package, contests=(contest, *second.package.contests[1:])),
                          COMMISSION_KEY)
    with pytest.raises(PackageError, match="mayor-1"):
        verify_chain([first, sneaky])
    new_key = sign_package(replace(second.package, counting_public_key=bytes(1216)), COMMISSION_KEY)
    with pytest.raises(PackageError, match="more than"):
        check_amendment(first, new_key)
    back = sign_package(amend(second, {("mayor", "mayor-3"): CandidateStatus.STANDING}),
                        COMMISSION_KEY)
    with pytest.raises(PackageError, match="return"):
        verify_chain([first, second, back])


STRICT_BREAKS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("upper-case hex", lambda b: b.__setitem__("counting_public_key",
                                              b["counting_public_key"].upper()), "not hex"),
    ("date with a time", lambda b: b.__setitem__("election_day", "2026-11-29T07:00"),
     "YYYY-MM-DD"),
    ("date without zero padding", lambda b: b.__setitem__("valid_from", "2026-1-01"),
     "YYYY-MM-DD"),
    ("unknown top-level field", lambda b: b.__setitem__("note", "x"), "unknown field"),
    ("unknown candidate field", lambda b: b["contests"][0]["candidates"][0].__setitem__(
        "votes", 0), "unknown field"),
    ("unknown settings field", lambda b: b["settings"].__setitem__("debug", True),
     "unknown field"),
    ("candidate id too long for a vote record", lambda b: b["contests"][0]["candidates"][0]
     .__setitem__("candidate_id", "候" * 21), "61 bytes"),
    ("NUL in an id", lambda b: b["machines"][0].__setitem__("machine_id", "M-0\x0001"),
     "NUL"),
    ("short previous fingerprint", lambda b: b.update(version=2, previous_fingerprint="ab"),
     "64 lowercase"),
]


@pytest.mark.parametrize(("what", "breaks", "expected"), STRICT_BREAKS,
                         ids=[w for w, _, _ in STRICT_BREAKS])
def test_reader_is_strict_even_about_what_the_commission_signed(
    v1: SignedPackage, what: str, breaks: Callable[[dict[str, Any]], None], expected: str
) -> None:
    """The spec (docs/media-format.md §4) says MUST; the reference reader enforces it, so an
    independent reader and ours agree on every file, signed or not."""
    body = outer_of(v1)["body"]
    breaks(body)
    with pytest.raises(PackageError, match=expected) as caught:
        load_package(resign(body), COMMISSION_PUB)
    assert bilingual(str(caught.value))


# --- the approved speech set (docs/speech.md, art. 4-1-3) ------------------------------------


def test_a_package_signing_no_speech_set_has_no_such_field_and_keeps_its_fingerprint(
    v1: SignedPackage,
) -> None:
    """The field is omitted when empty, so every package made before it keeps its bytes and
    fingerprint (test vectors, media headers, printed reports)."""
    assert v1.package.speech_manifest_sha256 == ""
    assert "speech_manifest_sha256" not in outer_of(v1)["body"]
    assert speech_source_fingerprint(v1.package) == v1.fingerprint


def test_the_speech_manifest_hash_is_signed_and_read_back(v1: SignedPackage) -> None:
    digest = hashlib.sha256(b"manifest").hexdigest()
    signed = sign_package(replace(v1.package, speech_manifest_sha256=digest), COMMISSION_KEY)
    assert outer_of(signed)["body"]["speech_manifest_sha256"] == digest
    loaded = load_package(signed.to_bytes(), COMMISSION_PUB)
    assert loaded.package.speech_manifest_sha256 == digest
    assert loaded.fingerprint != v1.fingerprint  # the commission signs the set with the package
    assert speech_source_fingerprint(loaded.package) == v1.fingerprint
    forged = outer_of(signed)
    forged["body"]["speech_manifest_sha256"] = hashlib.sha256(b"other").hexdigest()
    with pytest.raises(PackageError, match="not signed by"):
        load_package(canonical.encode(forged), COMMISSION_PUB)


@pytest.mark.parametrize(("value", "expected"), [
    ("", "is empty"),  # absent means none; an empty string is not the canonical form
    ("AB" * 32, "64 lowercase hex"),
    ("ab" * 31, "64 lowercase hex"),
    (32, "must be str"),
])
def test_the_speech_field_is_read_strictly(
    v1: SignedPackage, value: object, expected: str,
) -> None:
    body = outer_of(v1)["body"]
    body["speech_manifest_sha256"] = value
    with pytest.raises(PackageError, match=expected) as caught:
        load_package(resign(body), COMMISSION_PUB)
    assert "speech_manifest_sha256" in str(caught.value) and bilingual(str(caught.value))
