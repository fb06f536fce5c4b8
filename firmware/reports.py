"""The zero report (ゼロ確認) and the closing report (投票終了報告), computed from the media and
the card ledger — never from separate counters — and signed for the QR code."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from election.package import SignedPackage
from firmware.interfaces import PrintedDocument
from media.signed_document import encode_signed

REPORT_PURPOSE = "polling-report"


def _qr(body: dict[str, Any], machine_key: Ed25519PrivateKey) -> bytes:
    return encode_signed(body, machine_key, REPORT_PURPOSE)


def zero_report(
    machine_id: str,
    software_hash: str,
    signed: SignedPackage,
    media_ids: tuple[str, str],
    records_per_contest: Mapping[str, int],
    now: datetime,
    machine_key: Ed25519PrivateKey,
) -> PrintedDocument:
    """Every contest and candidate with its count, which is zero because no record exists."""
    package = signed.package
    lines = [
        f"投票機 / Machine: {machine_id}",
        f"日時 / Time: {now.isoformat(timespec='seconds')}",
        f"ソフトウェア / Software: {software_hash[:16]}",
        f"選挙データ指紋 / Package: {signed.short_fingerprint}",
        f"正本媒体 / Primary medium: {media_ids[0]}",
        f"副本媒体 / Copy medium: {media_ids[1]}",
    ]
    for contest in package.contests:
        total = records_per_contest[contest.contest_id]
        lines.append(f"■ {contest.title} / {contest.title_en}: 記録 {total} 票")
        for candidate in contest.candidates:
            lines.append(f"  {candidate.name}（{candidate.party}） {total} 票")
    lines += ["投票管理者 署名 / Poll manager: ____________", "立会人 署名 / Witness: ____________"]
    body = {
        "format": "tohyoki-zero-report/1",
        "machine_id": machine_id,
        "time": now.isoformat(timespec="seconds"),
        "software_hash": software_hash,
        "package_fingerprint": signed.fingerprint,
        "media": list(media_ids),
        "records": dict(records_per_contest),
    }
    return PrintedDocument("ゼロ確認報告 / Zero report", tuple(lines), _qr(body, machine_key))


def closing_report(
    machine_id: str,
    software_hash: str,
    signed: SignedPackage,
    records_per_contest: Mapping[str, int],
    eligible_per_contest: Mapping[str, int],
    sessions_voted: int,
    sessions_without_vote: int,
    seal_digests: Mapping[str, str],
    now: datetime,
    machine_key: Ed25519PrivateKey,
) -> PrintedDocument:
    """Ballots cast and abstentions per contest, cards consumed — never candidate totals."""
    lines = [
        f"投票機 / Machine: {machine_id}",
        f"日時 / Time: {now.isoformat(timespec='seconds')}",
        f"ソフトウェア / Software: {software_hash[:16]}",
        f"選挙データ指紋 / Package: {signed.short_fingerprint}",
        f"使用済み投票カード / Cards consumed: {sessions_voted + sessions_without_vote}",
        f"  投票あり / with a vote: {sessions_voted}",
        f"  投票せず終了 / ended without voting: {sessions_without_vote}",
    ]
    for contest in signed.package.contests:
        cast = records_per_contest[contest.contest_id]
        abstained = eligible_per_contest[contest.contest_id] - cast
        lines.append(f"■ {contest.title} / {contest.title_en}")
        lines.append(f"  投票数 / ballots: {cast}  棄権 / abstentions: {abstained}")
        lines.append(f"  封印 / seal: {seal_digests[contest.contest_id][:16]}")
    lines += ["投票管理者 署名 / Poll manager: ____________", "立会人 署名 / Witness: ____________"]
    body = {
        "format": "tohyoki-closing-report/1",
        "machine_id": machine_id,
        "time": now.isoformat(timespec="seconds"),
        "software_hash": software_hash,
        "package_fingerprint": signed.fingerprint,
        "records": dict(records_per_contest),
        "sessions_voted": sessions_voted,
        "sessions_without_vote": sessions_without_vote,
        "seal_digests": dict(seal_digests),
    }
    return PrintedDocument("投票終了報告 / Closing report", tuple(lines), _qr(body, machine_key))
