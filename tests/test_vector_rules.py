"""The rule vectors (tests/vectors/media_rules.json, docs/media-format.md §13.2) against the
project's own reader: every medium the spec says to refuse, to hold for the counting manager's
decision, or to count with a note gets exactly that verdict from ``counting.importer``, and the
counted ones tally as the vector says. Regenerate with
``.venv/bin/python -m tests.vectors.generate_rules``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from counting.importer import ImportResult, import_media
from counting.shamir import NotEnoughShares, combine_shares, unpack_share
from counting.tally import ContestResult, tally
from drivers.card_keyholder_sim import SimulatedKeyHolderCard
from election.package import PackageError, SignedPackage, load_package
from firmware.interfaces import WrongPin
from media.counting_key import fingerprint, public_key_bytes
from media.public_key_file import PublicKeyFileUnreadable, decode_public_key_file
from tests.vectors import generate_keyholder_cards, generate_rules

VECTORS = Path(__file__).resolve().parent / "vectors"
RULES = json.loads((VECTORS / "media_rules.json").read_text(encoding="utf-8"))
MEDIUM = json.loads((VECTORS / "medium.json").read_text(encoding="utf-8"))
PACKAGES = json.loads((VECTORS / "package.json").read_text(encoding="utf-8"))
COUNTING_PRIVATE = bytes.fromhex(MEDIUM["counting_private_key_hex"])
CASES = {case["id"]: case for case in RULES["cases"]}


def versions() -> list[SignedPackage]:
    key = bytes.fromhex(PACKAGES["commission_public_key_hex"])
    return [load_package(bytes.fromhex(v["file_hex"]), key) for v in PACKAGES["versions"]]


def build(case: dict[str, Any], root: Path) -> list[Path]:
    """Each medium of the case as a directory, as the vector file describes it."""
    paths = []
    for spec in case["media"]:
        files = {name: bytearray(bytes.fromhex(data))
                 for name, data in MEDIUM["media"][spec["base"]]["files"].items()}
        for name, data in spec["files"].items():
            files[name] = bytearray(bytes.fromhex(data))
        for patch in spec["patches"]:
            data = bytes.fromhex(patch["hex"])
            files[patch["file"]][patch["offset"]:patch["offset"] + len(data)] = data
        path = root / spec["name"]
        for name, content in files.items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_bytes(bytes(content))
        paths.append(path)
    return paths


def tallied(results: tuple[ContestResult, ...]) -> dict[str, dict[str, int]]:
    return {r.contest_id: {**{c.candidate_id: c.votes for c in r.candidates},
                           "valid": r.valid, "invalid": r.invalid_total, "blank": r.blank,
                           "invalid_non_candidate": r.invalid,
                           "blank_not_allowed": r.blank_not_allowed,
                           "unreadable": r.unreadable, "total": r.total}
            for r in results}


def check_counted(result: ImportResult, expected: dict[str, Any]) -> None:
    assert [[m.machine_id, m.role.value] for m in result.counted] == expected["counted"]
    if "tally" in expected:
        assert tallied(tally(versions()[-1].package, result.counted, COUNTING_PRIVATE)) == \
            expected["tally"]


def test_every_rule_of_the_spec_has_a_case() -> None:
    """§13.2's rules 1-7 and the terms of §13.3 each have at least one case."""
    sections = " ".join(case["section"] for case in RULES["cases"])
    for rule in range(1, 8):
        assert f"§13.2 rule {rule}" in sections, rule
    assert "§13.3" in sections and "§10" in sections


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_the_reader_gives_the_verdict_of_the_spec(case_id: str, tmp_path: Path) -> None:
    case = CASES[case_id]
    expected = case["expect"]
    paths = build(case, tmp_path)
    result = import_media(paths, versions(), {})
    found = {f.path.name: f for f in result.findings}
    assert found.keys() == expected["media"].keys()
    for name, verdict in expected["media"].items():
        assert found[name].status == verdict["status"], (name, found[name].message)
        if "problem" in verdict:
            assert found[name].problem == verdict["problem"], found[name].message
        if "machine_id" in verdict:
            assert found[name].machine_id == verdict["machine_id"]
    check_counted(result, expected)
    assert list(result.missing_machines) == expected["missing_machines"]
    blocked = any(v["status"] in ("held", "rejected") for v in expected["media"].values())
    assert bool(result.problems) is blocked
    differing = {c: list(s) for f in result.findings for c, s in f.differing_slots}
    assert differing == expected.get("differing_slots", {})
    if "with_copy_decision" in expected:
        decided = import_media(paths, versions(), {RULES["machine_id"]: "正本破損のため"})
        check_counted(decided, expected["with_copy_decision"])
    if "with_night_seal_decision" in expected:
        decided = import_media(paths, versions(), {},
                               night_seal_decisions={RULES["machine_id"]: "期日前投票の夜間封印"})
        check_counted(decided, expected["with_night_seal_decision"])


@pytest.mark.parametrize("case", RULES["package_files"], ids=lambda c: c["id"])
def test_package_file_rules(case: dict[str, Any]) -> None:
    key = bytes.fromhex(PACKAGES["commission_public_key_hex"])
    data = bytes.fromhex(case["file_hex"])
    assert case["valid"] is False
    with pytest.raises(PackageError, match="unknown field"):
        load_package(data, key)


@pytest.mark.parametrize("case", RULES["public_key_files"], ids=lambda c: c["id"])
def test_public_key_file_rules(case: dict[str, Any]) -> None:
    data = bytes.fromhex(case["file_hex"])
    if case["valid"]:
        assert decode_public_key_file(data).hex() == case["public_key_hex"]
    else:
        with pytest.raises(PublicKeyFileUnreadable):
            decode_public_key_file(data)


def test_the_generator_reproduces_the_file() -> None:
    """Deterministic: regenerating gives the committed bytes (the one HPKE record is reused)."""
    assert generate_rules.build() == (VECTORS / "media_rules.json").read_text(encoding="utf-8")


CARDS = json.loads((VECTORS / "keyholder_cards.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("quorum", CARDS["quorums"], ids=str)
def test_the_card_files_give_the_counting_key(quorum: list[int], tmp_path: Path) -> None:
    """The files behind ``count --card`` (docs/counting-keys.md §8), read by the project's
    simulated card: each releases its share after its PIN, and any quorum rebuilds the key."""
    shares = []
    for index in quorum:
        vector = CARDS["cards"][index]
        path = tmp_path / f"{index}.card.json"
        path.write_bytes(bytes.fromhex(vector["file_hex"]))
        assert path.read_text(encoding="utf-8") == vector["file"]
        card = SimulatedKeyHolderCard.load(path)
        assert card.holder_id() == vector["holder"]
        with pytest.raises(WrongPin):
            card.verify_pin("0000")
        card.verify_pin(vector["pin"])
        share = unpack_share(card.get_share())
        assert share.packed().hex() == vector["share_packed_hex"]
        assert share.mnemonic() == vector["share_mnemonic"]
        shares.append(share)
    key = bytes(combine_shares(shares))
    assert key.hex() == CARDS["counting_private_key_hex"]
    assert fingerprint(public_key_bytes(key)) == CARDS["counting_key_fingerprint"]
    with pytest.raises(NotEnoughShares):
        combine_shares(shares[:1])


def test_the_card_generator_reproduces_the_file() -> None:
    assert generate_keyholder_cards.build() == (VECTORS / "keyholder_cards.json").read_text(
        encoding="utf-8")


def test_both_report_readers_know_the_same_members() -> None:
    """The observer's checker (election/, which may not import media/) and the counting tool's
    reader name the same members for every report format (docs/media-format.md §12)."""
    from election.verify_report import REPORT_FORMATS, REPORT_MEMBERS
    from media.polling_report import MEMBERS

    assert REPORT_MEMBERS == MEMBERS and set(REPORT_FORMATS) == set(MEMBERS)
