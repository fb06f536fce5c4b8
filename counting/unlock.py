"""Unlocking the counting key in front of the witnesses (開票鍵の復元).

Each key holder inserts their card and enters their PIN; the share is read from the card. Only
when shares of at least k distinct holders are present, all of the same set, is the key
reconstructed — in memory only — and checked against the counting public key of the election
package. A wrong, altered or foreign share is detected (RS1024 checksum, set identifier, SLIP-0039
digest, then the public key) and named; it never gives a wrong key. Fewer than k: no unlock.

What "in memory only, wiped after" means in Python — honestly:

- The reconstructed key is kept in one ``bytearray`` that ``UnlockedKey.wipe`` (called on leaving
  the ``with`` block, and by ``__del__``) overwrites with zeros. Intermediate values of the
  interpolation are bytearrays wiped the same way.
- But Python makes copies we cannot reach: ``bytes(...)`` conversions handed to
  ``cryptography`` (which needs ``bytes``), slices, and the key objects inside OpenSSL. OpenSSL
  clears private key material when the key object is freed; the ``bytes`` copies are freed by
  the garbage collector and their memory is not zeroed. The process must therefore be treated
  as holding the key until it exits: run the counting tool on the offline counting PC with swap
  disabled (or encrypted), and this module disables core dumps (RLIMIT_CORE = 0) before the key
  exists. The key is never written to any file, log or report.
"""

from __future__ import annotations

import itertools
import resource
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType

from cryptography.hazmat.primitives import hpke

from counting import shamir
from counting.ceremony import KeyHolderCard
from counting.importer import EventLog
from firmware.audit_events import AuditEvent
from firmware.interfaces import CardBlocked, CardError, WrongPin
from media.counting_key import PRIVATE_KEY_LENGTH, private_key, public_key_bytes


class UnlockRefused(Exception):
    """The counting key was not reconstructed; the message names the holder and the reason."""


class TooFewHolders(UnlockRefused):
    pass


class BadShare(UnlockRefused):
    """A card's share is malformed, of another set, or inconsistent with the others."""

    def __init__(self, message: str, holders: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.holders = holders


class HolderCardFailed(UnlockRefused):
    """A holder's card refused: wrong PIN, blocked, removed."""

    def __init__(self, message: str, holder: str) -> None:
        super().__init__(message)
        self.holder = holder


class WrongKey(UnlockRefused):
    """Consistent shares that rebuild a key which is not this election's counting key."""


@dataclass(frozen=True)
class PresentedShare:
    holder: str
    share: shamir.Share


class UnlockedKey:
    """The reconstructed counting private key. Use as a context manager; wiped on exit."""

    def __init__(self, raw: bytearray, holders: tuple[str, ...],
                 log: EventLog | None = None) -> None:
        self._raw = raw
        self.holders = holders
        self._log = log

    @property
    def raw(self) -> bytearray:
        if not any(self._raw):
            raise UnlockRefused("鍵は既に消去されています / the key has been wiped")
        return self._raw

    def private_key(self) -> hpke.MLKEM768X25519PrivateKey:
        return private_key(bytes(self.raw))

    def wipe(self) -> None:
        was_live = any(self._raw)
        self._raw[:] = bytes(len(self._raw))
        if was_live and self._log is not None:
            self._log.append(AuditEvent.COUNTING_KEY_WIPED, "ok")

    @property
    def wiped(self) -> bool:
        return not any(self._raw)

    def __enter__(self) -> UnlockedKey:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.wipe()

    def __del__(self) -> None:
        self.wipe()


def _no_core_dumps() -> None:
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):  # pragma: no cover - platform refuses; documented above
        pass


def in_turn(present: Callable[[int], tuple[KeyHolderCard, str]], count: int,
            done: Callable[[int], None]) -> Iterator[tuple[KeyHolderCard, str]]:
    """Holders one after another at one reader: each card's share is read (``read_shares``
    takes one holder at a time) before the next holder is asked for theirs."""
    for index in range(count):
        yield present(index)
        done(index)


def read_shares(presented: Iterable[tuple[KeyHolderCard, str]],
                log: EventLog | None = None) -> list[PresentedShare]:
    """Verify each holder's PIN on their card and read and parse their share."""
    result = []
    for card, pin in presented:
        try:
            result.append(_read_share(card, pin))
        except HolderCardFailed as exc:
            if log is not None:
                log.append(AuditEvent.KEY_SHARE_READ, "failed", holder=exc.holder,
                           reason=type(exc.__cause__).__name__)
            raise
        except BadShare as exc:
            if log is not None:
                log.append(AuditEvent.KEY_SHARE_READ, "bad_share", holder=", ".join(exc.holders))
            raise
        if log is not None:
            log.append(AuditEvent.KEY_SHARE_READ, "ok", holder=result[-1].holder)
    return result


def _read_share(card: KeyHolderCard, pin: str) -> PresentedShare:
    try:
        holder = card.holder_id()
    except CardError as exc:
        raise HolderCardFailed(f"カードを読めません / cannot read the card: {exc}", "?") from exc
    try:
        card.verify_pin(pin)
        packed = card.get_share()
    except WrongPin as exc:
        raise HolderCardFailed(
            f"{holder}: 暗証番号が違います（残り{exc.remaining}回） / wrong PIN "
            f"({exc.remaining} tries left)", holder) from exc
    except CardBlocked as exc:
        raise HolderCardFailed(
            f"{holder}: カードが閉塞しています / the card is blocked", holder) from exc
    except CardError as exc:
        raise HolderCardFailed(f"{holder}: {type(exc).__name__}: {exc}", holder) from exc
    try:
        share = shamir.unpack_share(packed)
    except shamir.ShareError as exc:
        raise BadShare(
            f"{holder}: カードの分割片が壊れているか改ざんされています / the card's share "
            f"is damaged or altered: {exc}", (holder,)) from exc
    return PresentedShare(holder, share)


def _culprits(shares: Sequence[PresentedShare], threshold: int) -> tuple[str, ...]:
    """With more than k shares, find the holders outside every subset that passes the digest."""
    good: set[str] = set()
    for subset in itertools.combinations(shares, threshold):
        try:
            secret = shamir.combine_shares([p.share for p in subset])
        except shamir.ShareError:
            continue
        secret[:] = bytes(len(secret))
        good.update(p.holder for p in subset)
    if not good:
        return ()
    return tuple(p.holder for p in shares if p.holder not in good)


def combine(shares: Sequence[PresentedShare], counting_public_key: bytes,
            log: EventLog | None = None) -> UnlockedKey:
    try:
        key = _combine(shares, counting_public_key)
    except UnlockRefused as exc:
        if log is not None:
            log.append(AuditEvent.COUNTING_KEY_UNLOCK_REFUSED, type(exc).__name__,
                       holders=[p.holder for p in shares], reason=str(exc))
        raise
    if log is not None:
        log.append(AuditEvent.COUNTING_KEY_UNLOCKED, "ok", holders=list(key.holders))
        key._log = log
    return key


def _combine(shares: Sequence[PresentedShare], counting_public_key: bytes) -> UnlockedKey:
    if not shares:
        raise TooFewHolders("鍵保管者カードがありません / no key holder card presented")
    distinct: dict[bytes, PresentedShare] = {}
    holders_seen: set[str] = set()
    for p in shares:
        if p.holder in holders_seen:
            raise BadShare(f"{p.holder}: 同じ鍵保管者が二度提示されました / the same holder "
                           "presented twice", (p.holder,))
        holders_seen.add(p.holder)
        distinct.setdefault(p.share.packed(), p)
    unique = list(distinct.values())
    if len(unique) != len(shares):
        raise BadShare("同一の分割片が複数のカードにあります / two cards hold the same share")
    identifiers = {p.share.identifier for p in unique}
    if len(identifiers) > 1:
        majority = max(identifiers, key=lambda i: sum(p.share.identifier == i for p in unique))
        odd = tuple(p.holder for p in unique if p.share.identifier != majority)
        raise BadShare(
            f"別の組（別の選挙）の分割片です: {', '.join(odd)} / share(s) from another set",
            odd)
    threshold = unique[0].share.member_threshold
    if len(unique) < threshold:
        raise TooFewHolders(
            f"鍵保管者が足りません（{len(unique)}人 / 必要{threshold}人）。開票鍵は復元しません / "
            f"only {len(unique)} of the required {threshold} key holders: no unlock"
        )
    _no_core_dumps()
    try:
        secret = shamir.combine_shares([p.share for p in unique])
    except shamir.ShareDigestError as exc:
        culprits = _culprits(unique, threshold) if len(unique) > threshold else ()
        named = f"（{', '.join(culprits)}）" if culprits else ""
        raise BadShare(
            f"分割片が一致しません{named}。誤ったまたは改ざんされた分割片があります。鍵は復元"
            f"しません / the shares are inconsistent: a share is wrong or altered; no key", culprits
        ) from exc
    except shamir.ShareError as exc:
        raise BadShare(f"分割片を組み合わせられません / cannot combine the shares: {exc}") from exc
    if len(secret) != PRIVATE_KEY_LENGTH or public_key_bytes(bytes(secret)) != counting_public_key:
        secret[:] = bytes(len(secret))
        raise WrongKey(
            "復元した鍵はこの選挙の開票公開鍵と一致しません / the rebuilt key does not match this "
            "election's counting public key"
        )
    return UnlockedKey(secret, tuple(p.holder for p in unique))


def unlock(presented: Iterable[tuple[KeyHolderCard, str]], counting_public_key: bytes,
           log: EventLog | None = None) -> UnlockedKey:
    """Read the presented holders' shares and rebuild the counting key (see module doc)."""
    return combine(read_shares(presented, log), counting_public_key, log)
