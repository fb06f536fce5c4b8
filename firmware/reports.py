"""The polling station's printed reports, computed from the media, the seal and the card ledger —
never from separate counters — and signed by the machine for the QR code (docs/media-format.md
§12). ゼロ確認報告 (zero report, before opening), 再開確認報告 (reopening check, the next morning
of early voting) and 投票終了報告 (closing report, nightly or final). None ever shows a candidate
total: the machine cannot know one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from election.package import SignedPackage
from firmware.interfaces import PrintedDocument
from media.seal import Seal
from media.signed_document import encode_signed

REPORT_PURPOSE = "polling-report"
SIGNATURES = (
    "投票管理者 署名 / Poll manager:",
    "",
    "______________________________",
    "投票立会人 署名 / Witness 1:",
    "",
    "______________________________",
    "投票立会人 署名 / Witness 2:",
    "",
    "______________________________",
)


@dataclass(frozen=True)
class ReportContext:
    """What every report names: which machine, which software, which election, when."""

    machine_id: str
    software_hash: str
    signed: SignedPackage
    now: datetime
    machine_key: Ed25519PrivateKey


def _head(ctx: ReportContext) -> list[str]:
    h = ctx.software_hash
    return [
        f"投票機 / Machine: {ctx.machine_id}",
        f"日時 / Time: {ctx.now.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"選挙 / Election: {ctx.signed.package.election_id}",
        "ソフトウェアのハッシュ値 / Software SHA-256:",
        f"  {h[0:16]} {h[16:32]}",
        f"  {h[32:48]} {h[48:64]}",
        "選挙データ指紋 / Package fingerprint:",
        f"  {ctx.signed.short_fingerprint}",
    ]


def _media(media_ids: tuple[str, str]) -> list[str]:
    return [f"正本媒体 / Primary medium: {media_ids[0]}", f"副本媒体 / Copy medium: {media_ids[1]}"]


def _document(title: str, lines: list[str], body: dict[str, Any], ctx: ReportContext) -> PrintedDocument:
    body = {
        **body,
        "machine_id": ctx.machine_id,
        "time": ctx.now.isoformat(timespec="seconds"),
        "software_hash": ctx.software_hash,
        "package_fingerprint": ctx.signed.fingerprint,
    }
    lines = lines + ["", "下の QR コードは投票機の署名付き要約です。", "QR: the machine-signed summary.",
                     ""] + list(SIGNATURES)
    return PrintedDocument(title, tuple(lines), encode_signed(body, ctx.machine_key, REPORT_PURPOSE))


def zero_report(
    ctx: ReportContext, media_ids: tuple[str, str], records_per_contest: Mapping[str, int]
) -> PrintedDocument:
    """Every contest and candidate with its count, which is zero because no record exists on
    either medium (the caller refuses to print when anything is not empty, VVSG 1.1.3-B)."""
    lines = _head(ctx) + _media(media_ids) + ["", "記録媒体は空です / Both media are empty:"]
    for contest in ctx.signed.package.contests:
        total = records_per_contest[contest.contest_id]
        lines.append(f"■ {contest.title} / {contest.title_en}")
        lines.append(f"  記録数 / records: {total}")
        for candidate in contest.candidates:
            lines.append(f"  {candidate.name}（{candidate.party}） {total}")
    body = {"format": "tohyoki-zero-report/1", "media": list(media_ids),
            "records": dict(records_per_contest)}
    return _document("ゼロ確認報告 / Zero report", lines, body, ctx)


def reopen_report(
    ctx: ReportContext,
    media_ids: tuple[str, str],
    previous: Seal,
    records_per_contest: Mapping[str, int],
    sessions_voted: int,
    sessions_without_vote: int,
) -> PrintedDocument:
    """期日前投票 next morning: the records on the media are exactly those sealed last night, so
    the count carried over is shown instead of zero."""
    lines = _head(ctx) + _media(media_ids) + [
        "",
        f"期日前投票 {previous.closing_number + 1} 日目の開始前確認",
        f"Early voting, day {previous.closing_number + 1}: check before reopening",
        f"前回の封印 / last seal: 第 {previous.closing_number} 回 / no. {previous.closing_number}",
        "  署名と記録を確認済み / signature and records verified",
        "記録媒体の記録数 = 前回の封印の数 / records on media = last seal:",
    ]
    for contest in ctx.signed.package.contests:
        sealed = previous.table(contest.contest_id)
        now = records_per_contest[contest.contest_id]
        lines.append(f"■ {contest.title} / {contest.title_en}")
        lines.append(f"  繰越 / carried over: {now}（封印 / sealed {sealed.records}）")
    lines.append(f"使用済み投票カード / Cards used so far: {sessions_voted + sessions_without_vote}")
    body = {
        "format": "tohyoki-reopen-report/1",
        "media": list(media_ids),
        "previous_closing_number": previous.closing_number,
        "records": dict(records_per_contest),
        "sessions_voted": sessions_voted,
        "sessions_without_vote": sessions_without_vote,
    }
    return _document("再開確認報告 / Reopening check", lines, body, ctx)


@dataclass(frozen=True)
class ClosingFigures:
    """Everything the closing report states, each taken from the seal, the ledger or the log."""

    seal: Seal
    eligible_per_contest: Mapping[str, int]  # ledger: cards that voted and carried the contest
    assisted_sessions: int  # firmware/assisted.py counts, by kind, never linked to a vote
    errors: int  # audit-log entries with outcome "failure"


def closing_report(ctx: ReportContext, figures: ClosingFigures) -> PrintedDocument:
    """Ballots cast and abstentions per contest, cards consumed — never candidate totals."""
    seal = figures.seal
    cards = seal.sessions_voted + seal.sessions_without_vote
    if seal.final:
        title = "投票終了報告 / Closing report"
        kind = ["最終の投票終了。この投票機では以後投票できません。",
                "Final close: no more votes on this machine, ever."]
    else:
        title = "本日の投票終了報告 / Closing for the night"
        kind = [f"期日前投票 {seal.closing_number} 日目の終了（最終ではありません）",
                f"Early voting day {seal.closing_number} closed; not final."]
    lines = _head(ctx) + [""] + kind + [
        f"封印番号 / Seal no.: {seal.closing_number}",
        f"使用済み投票カード / Cards consumed: {cards}",
        f"  投票あり / with a vote: {seal.sessions_voted}",
        f"  投票せず終了 / ended without voting: {seal.sessions_without_vote}",
        f"補助投票 / Assisted sessions: {figures.assisted_sessions}",
        f"異常の記録 / Errors logged: {figures.errors}",
    ]
    for table in seal.tables:
        contest = ctx.signed.package.contest(table.contest_id)
        abstained = figures.eligible_per_contest[table.contest_id] - table.records
        lines.append(f"■ {contest.title} / {contest.title_en}")
        lines.append(f"  投票数 / ballots: {table.records}  棄権 / abstentions: {abstained}")
        lines.append(f"  封印 / seal: {table.digest[:16]}")
        lines.append(f"    {table.digest[16:32]}")
    lines.append("候補者別の得票は開票所でのみ集計します。")
    lines.append("No candidate totals: counted only at the counting centre.")
    body = {
        "format": "tohyoki-closing-report/1",
        "closing_number": seal.closing_number,
        "final": seal.final,
        "records": {t.contest_id: t.records for t in seal.tables},
        "abstentions": {
            t.contest_id: figures.eligible_per_contest[t.contest_id] - t.records
            for t in seal.tables
        },
        "sessions_voted": seal.sessions_voted,
        "sessions_without_vote": seal.sessions_without_vote,
        "assisted_sessions": figures.assisted_sessions,
        "errors": figures.errors,
        "seal_digests": {t.contest_id: t.digest for t in seal.tables},
    }
    return _document(title, lines, body, ctx)
