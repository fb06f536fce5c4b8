"""Shamir's secret sharing over GF(256) in the SLIP-0039 share format, written from the
specification (https://github.com/satoshilabs/slips/blob/master/slip-0039.md) and checked
against its published test vectors (tests/vectors/slip39.json, tests/test_counting_keys.py).

Why SLIP-0039 and not a home-made layout: every share carries the set identifier, the
thresholds and an RS1024 checksum, so a share of another set, a mistyped or bit-flipped share is
refused by itself; and the digest share (x = 254) makes a *wrong* but well-formed share — a
share from a card that was altered, or a share of the right set whose value was changed —
detected at recovery instead of silently yielding a wrong counting key.

The counting key is shared in one group (group threshold 1, one group) with member threshold k
of n key holders. The master secret is the 96-byte counting private key (SLIP-0039 requires at
least 128 bits and an even number of bytes). It is encrypted with SLIP-0039's Feistel cipher
under the empty passphrase: the passphrase is not a second secret here (the cards' PINs are);
it is kept so that the shares are exactly SLIP-0039 and can be checked by any SLIP-0039 tool.

Python cannot guarantee that intermediate ``bytes`` objects are erased (see counting/unlock.py);
this module returns the recovered secret as a ``bytearray`` the caller wipes.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

RADIX_BITS = 10
ID_BITS = 15
ITERATION_EXP_BITS = 4
CHECKSUM_WORDS = 3
DIGEST_LENGTH = 4
DIGEST_INDEX = 254
SECRET_INDEX = 255
MAX_SHARES = 16
MIN_SECRET_BYTES = 16
BASE_ITERATIONS = 10000
ROUNDS = 4
METADATA_WORDS = 4  # id+ext+e (2 words), group fields, member fields, before the value
MIN_MNEMONIC_WORDS = METADATA_WORDS + CHECKSUM_WORDS + (MIN_SECRET_BYTES * 8 + 9) // 10

_GEN = (0xE0E040, 0x1C1C080, 0x3838100, 0x7070200, 0xE0E0009,
        0x1C0C2412, 0x38086C24, 0x3090FC48, 0x21B1F890, 0x3F3F120)


class ShareError(ValueError):
    """A share or set of shares cannot give the secret; the message says why."""


class ShareFormatError(ShareError):
    """Not a well-formed share: unknown word, wrong length, bad padding."""


class ShareChecksumError(ShareFormatError):
    """The RS1024 checksum fails: the share was mistyped or altered."""


class ShareMismatch(ShareError):
    """Shares of different sets, or with contradicting parameters or indices."""


class NotEnoughShares(ShareError):
    """Fewer shares than the threshold."""


class ShareDigestError(ShareError):
    """Well-formed shares that do not reconstruct the shared secret: at least one is wrong."""


# ---------------------------------------------------------------------------- wordlist


@lru_cache(maxsize=1)
def wordlist() -> tuple[str, ...]:
    words = tuple(
        (Path(__file__).with_name("slip39_wordlist.txt")).read_text("ascii").split()
    )
    if len(words) != 1 << RADIX_BITS or len(set(words)) != len(words):
        raise RuntimeError("SLIP-0039 wordlist is damaged")
    return words


@lru_cache(maxsize=1)
def _word_index() -> dict[str, int]:
    return {w: i for i, w in enumerate(wordlist())}


# ---------------------------------------------------------------------------- RS1024


def _polymod(values: Iterable[int]) -> int:
    chk = 1
    for v in values:
        b = chk >> 20
        chk = (chk & 0xFFFFF) << 10 ^ v
        for i in range(10):
            if (b >> i) & 1:
                chk ^= _GEN[i]
    return chk


def _customization(extendable: bool) -> bytes:
    return b"shamir_extendable" if extendable else b"shamir"


def _checksum(data: Sequence[int], extendable: bool) -> list[int]:
    pm = _polymod([*_customization(extendable), *data, 0, 0, 0]) ^ 1
    return [(pm >> 10 * (2 - i)) & 1023 for i in range(CHECKSUM_WORDS)]


def _checksum_ok(data: Sequence[int], extendable: bool) -> bool:
    return _polymod([*_customization(extendable), *data]) == 1


# ---------------------------------------------------------------------------- GF(256)


def _tables() -> tuple[list[int], list[int]]:
    exp = [0] * 255
    log = [0] * 256
    x = 1
    for i in range(255):
        exp[i] = x
        log[x] = i
        # multiply by the generator 3 = x + 1 modulo x^8 + x^4 + x^3 + x + 1 (0x11B)
        x ^= (x << 1) ^ (0x11B if x & 0x80 else 0)
        x &= 0xFF
    return exp, log


_EXP, _LOG = _tables()


def _interpolate(points: Sequence[tuple[int, bytes | bytearray]], x: int) -> bytearray:
    """Lagrange interpolation at ``x`` of the byte-wise polynomials through ``points``."""
    xs = [p[0] for p in points]
    if len(set(xs)) != len(xs):
        raise ShareMismatch("同じ番号の分割片が重複しています / duplicate share index")
    lengths = {len(p[1]) for p in points}
    if len(lengths) != 1:
        raise ShareMismatch("分割片の長さが揃っていません / shares of different lengths")
    (length,) = lengths
    for xi, yi in points:
        if xi == x:
            return bytearray(yi)
    log_prod = sum(_LOG[xi ^ x] for xi in xs)
    result = bytearray(length)
    for xi, yi in points:
        log_basis = (log_prod - _LOG[xi ^ x] - sum(_LOG[xi ^ xj] for xj in xs)) % 255
        for k, byte in enumerate(yi):
            if byte:
                result[k] ^= _EXP[(_LOG[byte] + log_basis) % 255]
    return result


def _digest(random_part: bytes | bytearray, secret: bytes | bytearray) -> bytes:
    return hmac.new(bytes(random_part), bytes(secret), hashlib.sha256).digest()[:DIGEST_LENGTH]


def _split(threshold: int, count: int, secret: bytes | bytearray,
           random_bytes: Callable[[int], bytes]) -> list[tuple[int, bytearray]]:
    if not 1 <= threshold <= count <= MAX_SHARES:
        raise ShareError(f"threshold {threshold} of {count} is not allowed (1 ≤ k ≤ n ≤ 16)")
    if threshold == 1:
        return [(i, bytearray(secret)) for i in range(count)]
    n = len(secret)
    random_count = threshold - 2
    points: list[tuple[int, bytes | bytearray]] = [
        (i, random_bytes(n)) for i in range(random_count)
    ]
    random_part = random_bytes(n - DIGEST_LENGTH)
    points.append((DIGEST_INDEX, _digest(random_part, secret) + random_part))
    points.append((SECRET_INDEX, secret))
    shares = [(i, bytearray(v)) for i, v in points[:random_count]]
    shares += [(i, _interpolate(points, i)) for i in range(random_count, count)]
    return shares


def _recover(threshold: int, points: Sequence[tuple[int, bytes | bytearray]]) -> bytearray:
    if threshold == 1:
        values = {bytes(v) for _, v in points}
        if len(values) != 1:
            raise ShareDigestError(
                "しきい値1の分割片が一致しません / threshold-1 shares disagree"
            )
        return bytearray(points[0][1])
    secret = _interpolate(points, SECRET_INDEX)
    digest_share = _interpolate(points, DIGEST_INDEX)
    expected = _digest(digest_share[DIGEST_LENGTH:], secret)
    if not hmac.compare_digest(expected, bytes(digest_share[:DIGEST_LENGTH])):
        secret[:] = bytes(len(secret))
        raise ShareDigestError(
            "分割片のダイジェストが一致しません。いずれかの分割片が誤りか改ざんされています / "
            "share digest mismatch: at least one share is wrong or altered"
        )
    return secret


# ---------------------------------------------------------------------------- Feistel cipher


def _round(i: int, passphrase: bytes, e: int, salt: bytes, r: bytes | bytearray) -> bytes:
    return hashlib.pbkdf2_hmac(
        "sha256", bytes([i]) + passphrase, salt + bytes(r),
        (BASE_ITERATIONS << e) // ROUNDS, dklen=len(r),
    )


def _salt(identifier: int, extendable: bool) -> bytes:
    return b"" if extendable else _customization(False) + identifier.to_bytes(2, "big")


def _crypt(data: bytes | bytearray, passphrase: bytes, e: int, identifier: int,
           extendable: bool, order: Iterable[int]) -> bytearray:
    half = len(data) // 2
    left, right = bytearray(data[:half]), bytearray(data[half:])
    salt = _salt(identifier, extendable)
    for i in order:
        f = _round(i, passphrase, e, salt, right)
        left, right = right, bytearray(a ^ b for a, b in zip(left, f, strict=True))
    return right + left


def encrypt(master: bytes | bytearray, passphrase: bytes, e: int, identifier: int,
            extendable: bool) -> bytearray:
    return _crypt(master, passphrase, e, identifier, extendable, range(ROUNDS))


def decrypt(ems: bytes | bytearray, passphrase: bytes, e: int, identifier: int,
            extendable: bool) -> bytearray:
    return _crypt(ems, passphrase, e, identifier, extendable, reversed(range(ROUNDS)))


# ---------------------------------------------------------------------------- shares


@dataclass(frozen=True)
class Share:
    identifier: int
    extendable: bool
    iteration_exponent: int
    group_index: int
    group_threshold: int
    group_count: int
    index: int
    member_threshold: int
    value: bytes

    def words(self) -> list[int]:
        head = (self.identifier << 5 | int(self.extendable) << 4 | self.iteration_exponent)
        fields = (self.group_index << 16 | (self.group_threshold - 1) << 12
                  | (self.group_count - 1) << 8 | self.index << 4 | (self.member_threshold - 1))
        value_words = (len(self.value) * 8 + RADIX_BITS - 1) // RADIX_BITS
        v = int.from_bytes(self.value, "big")
        data = [head >> 10, head & 1023, fields >> 10, fields & 1023]
        data += [(v >> RADIX_BITS * (value_words - 1 - i)) & 1023 for i in range(value_words)]
        return data + _checksum(data, self.extendable)

    def mnemonic(self) -> str:
        wl = wordlist()
        return " ".join(wl[w] for w in self.words())

    def packed(self) -> bytes:
        """The share's 10-bit words packed big-endian into bytes (zero bits pad the last byte):
        the form written to a key holder's card (105 bytes for a 96-byte secret)."""
        words = self.words()
        bits = len(words) * RADIX_BITS
        pad = (-bits) % 8
        n = 0
        for w in words:
            n = n << RADIX_BITS | w
        return (n << pad).to_bytes((bits + pad) // 8, "big")


def share_from_words(words: Sequence[int]) -> Share:
    if len(words) < MIN_MNEMONIC_WORDS:
        raise ShareFormatError(
            f"分割片が短すぎます（{len(words)}語） / share too short ({len(words)} words)"
        )
    extendable = bool(words[1] >> 4 & 1)
    if not _checksum_ok(words, extendable):
        raise ShareChecksumError(
            "分割片の検査符号（RS1024）が合いません。読み誤りか改ざんです / share checksum "
            "(RS1024) fails: misread or altered"
        )
    head = words[0] << 10 | words[1]
    fields = words[2] << 10 | words[3]
    group_threshold = (fields >> 12 & 15) + 1
    group_count = (fields >> 8 & 15) + 1
    if group_threshold > group_count:
        raise ShareFormatError(
            "グループしきい値がグループ数を超えています / group threshold exceeds group count"
        )
    value_words = words[METADATA_WORDS:-CHECKSUM_WORDS]
    padding = len(value_words) * RADIX_BITS % 16
    if padding > 8:
        raise ShareFormatError("分割片の長さが不正です / invalid share length (padding)")
    v = 0
    for w in value_words:
        v = v << RADIX_BITS | w
    byte_len = (len(value_words) * RADIX_BITS - padding) // 8
    if v >> byte_len * 8:
        raise ShareFormatError("分割片の詰め物ビットが0ではありません / non-zero padding bits")
    return Share(
        identifier=head >> 5,
        extendable=extendable,
        iteration_exponent=head & 15,
        group_index=fields >> 16,
        group_threshold=group_threshold,
        group_count=group_count,
        index=fields >> 4 & 15,
        member_threshold=(fields & 15) + 1,
        value=v.to_bytes(byte_len, "big"),
    )


def parse_mnemonic(mnemonic: str) -> Share:
    index = _word_index()
    try:
        words = [index[w] for w in mnemonic.lower().split()]
    except KeyError as exc:
        raise ShareFormatError(f"単語表にない語です / not a SLIP-0039 word: {exc.args[0]}") from exc
    return share_from_words(words)


def unpack_share(packed: bytes | bytearray) -> Share:
    """Inverse of ``Share.packed``."""
    count = len(packed) * 8 // RADIX_BITS
    pad = len(packed) * 8 - count * RADIX_BITS
    n = int.from_bytes(packed, "big")
    if pad >= 8 or n & ((1 << pad) - 1):
        raise ShareFormatError("カード上の分割片の形式が不正です / malformed packed share")
    n >>= pad
    words = [(n >> RADIX_BITS * (count - 1 - i)) & 1023 for i in range(count)]
    return share_from_words(words)


# ---------------------------------------------------------------------------- split / combine


def generate_shares(
    master_secret: bytes | bytearray,
    group_threshold: int,
    groups: Sequence[tuple[int, int]],
    *,
    passphrase: bytes = b"",
    iteration_exponent: int = 0,
    extendable: bool = True,
    random_bytes: Callable[[int], bytes] = os.urandom,
) -> list[list[Share]]:
    """SLIP-0039 GenerateMnemonics: ``groups`` is a list of (member threshold, member count)."""
    n = len(master_secret)
    if n < MIN_SECRET_BYTES or n % 2:
        raise ShareError("秘密は16バイト以上の偶数長が必要です / secret must be ≥16 bytes, even")
    if not 0 <= iteration_exponent < 16:
        raise ShareError("iteration exponent must be 0..15")
    if not 1 <= group_threshold <= len(groups) <= MAX_SHARES:
        raise ShareError("group threshold must be 1 ≤ T ≤ G ≤ 16")
    for t, c in groups:
        if t == 1 and c > 1:
            raise ShareError("a 1-of-n member split (n > 1) is not allowed by SLIP-0039")
    identifier = int.from_bytes(random_bytes(2), "big") >> 1
    ems = encrypt(master_secret, passphrase, iteration_exponent, identifier, extendable)
    result = []
    for gi, group_value in _split(group_threshold, len(groups), ems, random_bytes):
        t, c = groups[gi]
        result.append([
            Share(identifier, extendable, iteration_exponent, gi, group_threshold, len(groups),
                  mi, t, bytes(value))
            for mi, value in _split(t, c, group_value, random_bytes)
        ])
    ems[:] = bytes(len(ems))
    return result


def split_secret(
    secret: bytes | bytearray,
    threshold: int,
    count: int,
    *,
    random_bytes: Callable[[int], bytes] = os.urandom,
    iteration_exponent: int = 0,
) -> list[Share]:
    """k-of-n shares of ``secret`` in one SLIP-0039 group (the counting key's layout)."""
    if threshold == 1 and count > 1:
        raise ShareError("しきい値は2以上にしてください / threshold must be at least 2")
    # extendable = 0: the variant the published vectors cover (salt "shamir" ‖ identifier)
    (group,) = generate_shares(secret, 1, [(threshold, count)], random_bytes=random_bytes,
                               iteration_exponent=iteration_exponent, extendable=False)
    return group


def combine_shares(shares: Iterable[Share], passphrase: bytes = b"") -> bytearray:
    """SLIP-0039 recovery. Returns the master secret (a bytearray the caller should wipe)."""
    unique = list(dict.fromkeys(shares))
    if not unique:
        raise NotEnoughShares("分割片がありません / no shares")
    first = unique[0]
    common = (first.identifier, first.extendable, first.iteration_exponent,
              first.group_threshold, first.group_count, len(first.value))
    for s in unique:
        if (s.identifier, s.extendable) != common[:2]:
            raise ShareMismatch("別の組の分割片が混ざっています / shares from different sets")
        if (s.iteration_exponent, s.group_threshold, s.group_count, len(s.value)) != common[2:]:
            raise ShareMismatch("分割片の設定が一致しません / shares' parameters differ")
    groups: dict[int, list[Share]] = {}
    for s in unique:
        groups.setdefault(s.group_index, []).append(s)
    group_points: list[tuple[int, bytes | bytearray]] = []
    for gi, members in sorted(groups.items()):
        thresholds = {m.member_threshold for m in members}
        if len(thresholds) != 1:
            raise ShareMismatch("メンバーしきい値が一致しません / member thresholds differ")
        indices = [m.index for m in members]
        if len(set(indices)) != len(indices):
            raise ShareMismatch("同じ番号の分割片が重複しています / duplicate member index")
        (threshold,) = thresholds
        if len(members) < threshold:
            continue
        group_points.append((gi, _recover(threshold, [(m.index, m.value) for m in members])))
    if len(group_points) < first.group_threshold:
        have = max((len(m) for m in groups.values()), default=0)
        need = first.member_threshold
        raise NotEnoughShares(
            f"分割片が足りません（{have}枚 / 必要{need}枚） / not enough shares to reach the "
            f"threshold ({have} of {need})"
            if first.group_count == 1 else
            "必要数のグループがそろっていません / insufficient number of complete groups"
        )
    ems = _recover(first.group_threshold, group_points)
    try:
        return decrypt(ems, passphrase, first.iteration_exponent, first.identifier,
                       first.extendable)
    finally:
        ems[:] = bytes(len(ems))
        for _, value in group_points:
            if isinstance(value, bytearray):
                value[:] = bytes(len(value))


def combine_mnemonics(mnemonics: Iterable[str], passphrase: bytes = b"") -> bytearray:
    return combine_shares([parse_mnemonic(m) for m in mnemonics], passphrase)
