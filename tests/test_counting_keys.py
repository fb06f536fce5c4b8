"""The counting key: SLIP-0039 sharing against the published vectors, the ceremony onto key
holders' cards, and the unlock — wrong, altered, foreign or missing shares are detected, never a
wrong key; fewer than k holders never unlock."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from counting import shamir
from counting.ceremony import (
    CeremonyError,
    counting_key_fingerprint,
    run_ceremony,
    short_fingerprint,
)
from counting.pin_entry import PinEntryUnavailable, pin_reader
from counting.unlock import (
    BadShare,
    HolderCardFailed,
    TooFewHolders,
    WrongKey,
    combine,
    read_shares,
    unlock,
)
from drivers.card_keyholder_sim import SimulatedKeyHolderCard
from firmware.interfaces import CardRefused
from media.counting_key import generate_private_key, public_key_bytes
from media.counting_key import public_key as load_public_key
from media.vote_record import Choice, decrypt_vote, encrypt_vote

VECTORS = json.loads((Path(__file__).parent / "vectors" / "slip39.json").read_text("utf-8"))
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v[0].split(".")[0])
def test_slip39_published_vectors(vector: list) -> None:
    description, mnemonics, expected = vector
    if expected:
        assert shamir.combine_mnemonics(mnemonics, b"TREZOR").hex() == expected
        for mnemonic in mnemonics:  # our encoder reproduces every valid share word for word
            assert shamir.parse_mnemonic(mnemonic).mnemonic() == mnemonic
    else:
        with pytest.raises(shamir.ShareError):
            shamir.combine_mnemonics(mnemonics, b"TREZOR")


def test_slip39_invalid_vectors_fail_for_the_stated_reason() -> None:
    kinds = {v[0].split(".")[0]: v for v in VECTORS["vectors"]}
    expect = {"2": shamir.ShareChecksumError, "13": shamir.ShareDigestError,
              "32": shamir.ShareDigestError, "5": shamir.NotEnoughShares,
              "6": shamir.ShareMismatch, "11": shamir.ShareMismatch,
              "3": shamir.ShareFormatError, "40": shamir.ShareFormatError}
    for number, error in expect.items():
        with pytest.raises(error):
            shamir.combine_mnemonics(kinds[number][1], b"TREZOR")


def test_vector_file_names_its_source() -> None:
    source = VECTORS["source"]
    assert source["repository"].endswith("trezor/python-shamir-mnemonic")
    assert len(source["commit"]) == 40 and len(VECTORS["vectors"]) == 40


@pytest.mark.parametrize("k,n", [(2, 2), (2, 3), (3, 5), (5, 16)])
def test_split_and_combine_every_quorum(k: int, n: int) -> None:
    rng = random.Random(k * 100 + n)
    secret = rng.randbytes(96)
    shares = shamir.split_secret(secret, k, n, random_bytes=rng.randbytes)
    assert {s.identifier for s in shares} == {shares[0].identifier}
    subsets = [rng.sample(shares, k) for _ in range(6)] + [rng.sample(shares, n)]
    for subset in subsets:
        assert bytes(shamir.combine_shares(subset)) == secret
        assert bytes(shamir.combine_mnemonics([s.mnemonic() for s in subset])) == secret
    with pytest.raises(shamir.NotEnoughShares):
        shamir.combine_shares(shares[: k - 1])


def test_packed_share_round_trip_and_size() -> None:
    shares = shamir.split_secret(bytes(range(96)), 3, 5)
    for s in shares:
        packed = s.packed()
        assert len(packed) == 105
        assert shamir.unpack_share(packed) == s


def test_every_single_bit_flip_of_a_share_is_detected() -> None:
    rng = random.Random(7)
    secret = rng.randbytes(96)
    shares = shamir.split_secret(secret, 2, 3, random_bytes=rng.randbytes)
    packed = shares[0].packed()
    for bit in range(len(packed) * 8):
        flipped = bytearray(packed)
        flipped[bit // 8] ^= 0x80 >> (bit % 8)
        try:
            bad = shamir.unpack_share(flipped)
        except shamir.ShareFormatError:
            continue  # checksum or padding caught it
        with pytest.raises(shamir.ShareError):  # pragma: no cover - RS1024 catches all
            shamir.combine_shares([bad, shares[1]])


def test_altered_share_value_with_valid_checksum_is_caught_by_the_digest() -> None:
    """A forger who recomputes the checksum still cannot make a wrong key come out."""
    rng = random.Random(11)
    secret = rng.randbytes(96)
    shares = shamir.split_secret(secret, 2, 3, random_bytes=rng.randbytes)
    value = bytearray(shares[1].value)
    value[40] ^= 0x01
    forged = shamir.Share(**{**shares[1].__dict__, "value": bytes(value)})
    assert shamir.unpack_share(forged.packed()) == forged  # well-formed, checksum valid
    with pytest.raises(shamir.ShareDigestError):
        shamir.combine_shares([shares[0], forged])


# ------------------------------------------------------------------------ ceremony & unlock


HOLDERS = ("山田 花子", "佐藤 一郎", "鈴木 次郎", "田中 三恵", "高橋 四郎")
PINS = ("1111", "2222", "3333", "4444", "5555")


@pytest.fixture(scope="module")
def ceremony() -> tuple[list[SimulatedKeyHolderCard], bytes, bytes]:
    private = generate_private_key()
    cards = [SimulatedKeyHolderCard.issue(h, p) for h, p in zip(HOLDERS, PINS, strict=True)]
    result = run_ceremony(list(zip(cards, PINS, strict=True)), 3, generate=lambda: private)
    assert result.public_key == public_key_bytes(private)
    assert result.fingerprint == counting_key_fingerprint(result.public_key)
    assert result.short_fingerprint == short_fingerprint(result.fingerprint)
    assert result.holders == HOLDERS and result.threshold == 3
    for card in cards:
        card.remove()
    return cards, result.public_key, private


def _present(cards: list[SimulatedKeyHolderCard], which: list[int],
             pins: tuple[str, ...] = PINS) -> list[tuple[SimulatedKeyHolderCard, str]]:
    for i in which:
        cards[i].insert()
    return [(cards[i], pins[i]) for i in which]


def test_ceremony_puts_one_share_per_card_and_k_cards_unlock(ceremony) -> None:
    cards, public, private = ceremony
    held = []
    for card, pin in _present(cards, [0, 1, 2, 3, 4]):
        card.verify_pin(pin)
        held.append(shamir.unpack_share(card.get_share()))
    assert len({s.index for s in held}) == 5 and {s.member_threshold for s in held} == {3}
    for which in ([0, 1, 2], [2, 3, 4], [4, 0, 2], [0, 1, 2, 3, 4]):
        with unlock(_present(cards, which), public) as key:
            assert bytes(key.raw) == private
            record = encrypt_vote(load_public_key(public), "e1", "c1", Choice("cand-1"))
            assert decrypt_vote(key.private_key(), "e1", "c1", record).candidate_id == "cand-1"
        assert key.wiped


def test_fewer_than_k_holders_never_unlock(ceremony) -> None:
    cards, public, _ = ceremony
    for which in ([0], [3, 4], [1, 1]):
        with pytest.raises((TooFewHolders, BadShare)):
            unlock(_present(cards, which), public)
    with pytest.raises(TooFewHolders):
        unlock([], public)


def test_a_wrong_pin_is_named_and_counted_on_the_card(ceremony) -> None:
    cards, public, _ = ceremony
    presented = _present(cards, [0, 1, 2])
    presented[1] = (cards[1], "9999")
    with pytest.raises(HolderCardFailed) as err:
        unlock(presented, public)
    assert err.value.holder == HOLDERS[1] and "残り2回" in str(err.value)
    cards[1].verify_pin(PINS[1])  # right PIN resets the counter
    assert cards[1].tries_left == 3


def test_altered_share_on_a_card_is_detected_and_the_holder_named(ceremony) -> None:
    cards, public, _ = ceremony
    good = [cards[i].share for i in range(5)]
    try:
        share = shamir.unpack_share(cards[2].share or b"")
        value = bytearray(share.value)
        value[0] ^= 0xFF
        cards[2].share = shamir.Share(**{**share.__dict__, "value": bytes(value)}).packed()
        with pytest.raises(BadShare) as err:  # exactly k: detected, not attributable
            unlock(_present(cards, [0, 1, 2]), public)
        assert "改ざん" in str(err.value)
        with pytest.raises(BadShare) as err:  # more than k: the odd holder is named
            unlock(_present(cards, [0, 1, 2, 3]), public)
        assert err.value.holders == (HOLDERS[2],)
        cards[2].share = (cards[2].share or b"")[:-1] + bytes([(cards[2].share or b"\0")[-1] ^ 4])
        with pytest.raises(BadShare):  # corrupted bytes: checksum
            unlock(_present(cards, [0, 1, 2]), public)
    finally:
        for card, share in zip(cards, good, strict=True):
            card.share = share


def test_share_from_another_ceremony_is_refused(ceremony) -> None:
    cards, public, _ = ceremony
    other = [SimulatedKeyHolderCard.issue(h, p) for h, p in zip(HOLDERS, PINS, strict=True)]
    other_result = run_ceremony(list(zip(other, PINS, strict=True)), 3)
    with pytest.raises(BadShare) as err:
        unlock(_present(cards, [0, 1]) + [(other[2], PINS[2])], public)
    assert HOLDERS[2] in str(err.value)
    with pytest.raises(WrongKey):  # a full quorum of another election's key
        unlock([(other[i], PINS[i]) for i in (0, 1, 2)], public)
    assert other_result.public_key != public


def test_the_same_card_twice_does_not_count_twice(ceremony) -> None:
    cards, public, _ = ceremony
    shares = read_shares(_present(cards, [0, 1]))
    with pytest.raises(BadShare):
        combine(shares + [shares[1]], public)


def test_ceremony_refuses_bad_parameters_and_used_cards(ceremony) -> None:
    cards = [SimulatedKeyHolderCard.issue(h, p) for h, p in zip(HOLDERS, PINS, strict=True)]
    for k, n in ((1, 3), (4, 3), (2, 1)):
        with pytest.raises(CeremonyError):
            run_ceremony(list(zip(cards, PINS, strict=True))[:n], k)
    used, _, _ = ceremony
    with pytest.raises(CeremonyError):
        run_ceremony(_present(used, [0, 1, 2]), 2)
    with pytest.raises(CardRefused):
        used[0].put_share(b"x" * 105)


def test_ceremony_command_line_takes_piped_pins_only_when_told(tmp_path: Path) -> None:
    """The one rule of counting/pin_entry.py, for the ceremony as for the unlock: PINs at the
    terminal; from a pipe only with --pins-from-stdin. Nothing is written when it stops."""
    out = subprocess.run(
        [sys.executable, "-m", "counting.ceremony", "--threshold", "2", "--cards",
         str(tmp_path / "cards"), "--holder", "甲", "--holder", "乙",
         "--public-key-out", str(tmp_path / "pub.hex")],
        input="1234\n2345\n", capture_output=True, text=True, cwd=ROOT,
    )
    assert out.returncode == 2 and "--pins-from-stdin" in out.stderr, out.stderr
    assert not (tmp_path / "cards").exists() and not (tmp_path / "pub.hex").exists()


def test_pins_are_read_in_the_order_the_holders_are_called() -> None:
    ask = pin_reader(True, io.StringIO("1234\n 5678 \r\n"))
    assert [ask("甲"), ask("乙")] == ["1234", "5678"]
    with pytest.raises(PinEntryUnavailable):
        pin_reader(False, io.StringIO("1234\n"))  # not a terminal, and not told


def test_ceremony_command_line_writes_cards_and_public_key(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "counting.ceremony", "--threshold", "2", "--cards",
         str(tmp_path / "cards"), "--holder", "甲", "--holder", "乙", "--holder", "丙",
         "--public-key-out", str(tmp_path / "pub.hex"), "--pins-from-stdin"],
        input="1234\n2345\n3456\n", capture_output=True, text=True, cwd=ROOT, check=True,
    )
    public = bytes.fromhex((tmp_path / "pub.hex").read_text())
    assert counting_key_fingerprint(public) in out.stdout
    cards = [SimulatedKeyHolderCard.load(p) for p in sorted((tmp_path / "cards").iterdir())]
    assert [c.holder_label for c in cards] == ["甲", "乙", "丙"]
    with unlock([(cards[0], "1234"), (cards[2], "3456")], public) as key:
        assert public_key_bytes(bytes(key.raw)) == public
    # no file anywhere in the output holds the private key
    for path in (tmp_path / "cards").iterdir():
        assert len(json.loads(path.read_text())["share"]) == 210


def test_unlock_is_logged_without_any_share_or_key(ceremony, tmp_path: Path) -> None:
    from datetime import datetime

    from counting.decisions import SessionLog
    from firmware.audit_events import AuditEvent

    cards, public, private = ceremony
    log = SessionLog(tmp_path / "session.log", lambda: datetime(2026, 11, 29, 21, 0))
    with pytest.raises(TooFewHolders):
        unlock(_present(cards, [0, 1]), public, log)
    with unlock(_present(cards, [1, 2, 4]), public, log) as key:
        assert bytes(key.raw) == private
    events = [(e.event_id, e.outcome) for e in log.entries()]
    assert events == [
        (AuditEvent.KEY_SHARE_READ.value, "ok"), (AuditEvent.KEY_SHARE_READ.value, "ok"),
        (AuditEvent.COUNTING_KEY_UNLOCK_REFUSED.value, "TooFewHolders"),
        *[(AuditEvent.KEY_SHARE_READ.value, "ok")] * 3,
        (AuditEvent.COUNTING_KEY_UNLOCKED.value, "ok"),
        (AuditEvent.COUNTING_KEY_WIPED.value, "ok")]
    text = (tmp_path / "session.log").read_bytes()
    assert private.hex().encode() not in text and private[:16] not in text
    for card in cards:
        assert (card.share or b"").hex().encode() not in text


def test_our_shares_use_the_variant_the_vectors_cover() -> None:
    shares = shamir.split_secret(bytes(96), 2, 3)
    assert {s.extendable for s in shares} == {False}
    assert {s.iteration_exponent for s in shares} == {0}
    assert {(s.group_threshold, s.group_count) for s in shares} == {(1, 1)}


def test_the_counting_key_fingerprint_is_the_labelled_digest_of_the_key_and_nothing_else() -> None:
    """docs/counting-keys.md §1: SHA-256 over the label, a zero byte and the 1216-byte key. The
    ceremony, the commission's tool and the counting tool all print this one value; a plain
    SHA-256 of the key (what the counting session once recorded) is not it."""
    import hashlib

    from media.counting_key import CountingKeyError, fingerprint

    public = public_key_bytes(generate_private_key())
    assert fingerprint(public) == hashlib.sha256(
        b"tohyoki/counting-public-key/v1" + b"\x00" + public).hexdigest()
    assert fingerprint(public) != hashlib.sha256(public).hexdigest()
    assert counting_key_fingerprint(public) == fingerprint(public)
    with pytest.raises(CountingKeyError):
        fingerprint(public[:-1])
