"""期日前投票 (early voting) spans days on the same media: each night the machine seals the media
with ``final = false`` and closing number n; the next morning, before reopening, it checks that
the media still hold exactly what that seal says — the carried-over count replaces the zero of
the zero report. Any difference (a record added, removed or changed overnight, a seal that does
not verify, another night's seal) refuses the reopening."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from election.package import SignedPackage
from election.signature import BadSignature
from firmware.ballot_box import BallotBox, BallotBoxError
from firmware.interfaces import MediumError
from media.layout import SEAL_FILE
from media.seal import SEAL_PURPOSE, Seal, decode_seal
from media.signed_document import DocumentUnreadable
from media.slot import table_digest


class CarriedOverMismatch(BallotBoxError):
    """The media do not hold what last night's seal says: do not reopen; call the commission."""


@dataclass(frozen=True)
class CarriedOver:
    seal: Seal
    records_per_contest: dict[str, int]


def check_carried_over(
    box: BallotBox, machine_id: str, public_key: bytes, closing_number: int
) -> CarriedOver:
    """Both media carry the same verified night seal number ``closing_number``, and the records
    on each medium match its counts and order-free digests; the card ledger matches its
    session counts."""
    seals: list[Seal] = []
    for store in (box.primary, box.copy):
        try:
            seal, document = decode_seal(store.read(SEAL_FILE))
            document.verify(public_key, SEAL_PURPOSE, "封印記録 / seal")
        except FileNotFoundError as exc:
            raise CarriedOverMismatch(
                f"{store.label}: 前夜の封印記録がありません / last night's seal is missing"
            ) from exc
        except (DocumentUnreadable, BadSignature) as exc:
            raise CarriedOverMismatch(
                f"{store.label}: 前夜の封印記録を確認できません / the seal does not verify: {exc}"
            ) from exc
        if seal.machine_id != machine_id or seal.closing_number != closing_number or seal.final:
            raise CarriedOverMismatch(
                f"{store.label}: 封印記録が前夜のもの（第 {closing_number} 回、最終ではない）では"
                f"ありません / the seal is not night close no. {closing_number}"
            )
        try:
            records = box.records(store)
        except MediumError as exc:
            raise CarriedOverMismatch(f"{store.label}: {exc}") from exc
        for table in seal.tables:
            found = records.get(table.contest_id, [])
            if len(found) != table.records or table_digest(found) != table.digest:
                raise CarriedOverMismatch(
                    f"{store.label}: {table.contest_id} の記録（{len(found)} 件）が前夜の封印"
                    f"（{table.records} 件）と一致しません。再開せず選挙管理委員会に連絡してください"
                    f" / records differ from last night's seal; do not reopen, call the commission"
                )
        seals.append(seal)
    if seals[0] != seals[1]:
        raise CarriedOverMismatch("正副の封印記録が違います / primary and copy seals differ")
    lines = box.ledger.lines()
    voted, without = sum(line.voted for line in lines), sum(not line.voted for line in lines)
    if (voted, without) != (seals[0].sessions_voted, seals[0].sessions_without_vote):
        raise CarriedOverMismatch(
            "投票カードの記録が前夜の封印と一致しません / the card ledger differs from the seal"
        )
    return CarriedOver(seals[0], {t.contest_id: t.records for t in seals[0].tables})


def verify_night_close(
    box: BallotBox,
    machine_id: str,
    signed: SignedPackage,
    machine_key: Ed25519PrivateKey,
    closing_number: int,
) -> CarriedOver:
    """Everything ReopenCheck verifies before the morning's reopening — the media are this
    election's, primary and copy agree, and both still hold exactly what night seal
    ``closing_number`` says. The final close straight from a night close (the last day of
    期日前投票 ended the evening before) runs this first, so a final seal never covers
    records that changed overnight. Raises MediumError or BallotBoxError."""
    box.prepare(machine_id, signed, machine_key)
    box.check_mirror()
    return check_carried_over(
        box, machine_id, machine_key.public_key().public_bytes_raw(), closing_number
    )
