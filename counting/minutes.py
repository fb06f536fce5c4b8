"""The counting minutes (開票録, 公職選挙法70条) as a PDF: the counting manager (開票管理者)
records the course of the count and signs it with the counting witnesses (開票立会人).

In the order of the evening: where and when; who sat; every medium received, counted or refused
with the reason; each decision with the witnesses heard (art. 9-4, 10-2); per contest the valid
votes, the invalid votes by reason (art. 9-3; 白票 is one line of 無効投票, docs/media-format.md
§13.3), the paper ballots merged (art. 9-5) and each candidate's votes; the fingerprints; the
signature lines. Drawn from the same ``CountingRecord`` as the result report, so they agree."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from counting.decisions import KIND_JA
from counting.importer import STATUS_JA
from counting.report import STATUS_JA as CANDIDATE_STATUS_JA
from counting.report import CountingRecord
from counting.report_pdf import MARGIN, PAGE, Pages
from counting.report_signed import short
from counting.tally import ContestResult

NUM = PAGE[0] - MARGIN
BLANK = "＿＿＿＿＿＿＿＿"  # a field the counting manager fills in by hand


@dataclass(frozen=True)
class MinutesContext:
    """What the minutes state that the count itself does not know."""

    place: str = ""  # 開票所
    opened_at: str = ""  # 開票開始 (the session's first log entry)
    closed_at: str = ""  # 開票終了


def invalid_lines(result: ContestResult) -> list[tuple[str, int]]:
    """無効投票の内訳, in the order docs/media-format.md §13.3 fixes: 白票 and votes for a
    non-candidate always; the two no conforming machine writes only when there are any."""
    lines = [("うち白票 / of which blank", result.blank),
             ("うち候補者でない者への投票（法第9条第3項・第13条）/ of which for a non-candidate",
              result.invalid)]
    if result.blank_not_allowed:
        lines.append(("うち白票を認めない選挙の白票（法第9条第4項で決定）/ of which blank where "
                      "none is offered", result.blank_not_allowed))
    if result.unreadable:
        lines.append(("うち読めない記録（法第9条第4項で決定）/ of which unreadable records",
                      result.unreadable))
    return lines


def _media(pages: Pages, record: CountingRecord) -> None:
    pages.heading("■ 記録媒体の受領 / media received")
    findings = record.imported.findings
    if not findings:
        for m in record.imported.counted:
            pages.text(f"{m.machine_id}（{m.role.value}）: 集計対象 / counted", 21)
    for f in findings:
        status = f"{STATUS_JA.get(f.status, f.status)} / {f.status}"
        who = f"{f.machine_id or '—'} {f.role.value if f.role else ''}".strip()
        pages.wrapped(f"{f.path.name}（{who}）: {status}", 21)
        if f.status != "counted" and f.message:
            pages.wrapped(f"理由 / reason: {f.message}", 18, x=MARGIN + 30)
    package = record.signed.package
    districts = {package.district_of_place(package.machine(m.machine_id).place_id).district_id
                 for m in record.imported.counted}
    elsewhere = [m for m in record.imported.missing_machines if len(districts) == 1 and
                 package.district_of_place(package.machine(m).place_id).district_id
                 not in districts]
    for note in record.imported.notes:
        if not any(note.startswith(f"{m}: ") for m in elsewhere):
            pages.wrapped(f"注 / note: {note}", 18)
    if elsewhere:  # counted in their own district's session, not missing here
        pages.wrapped(f"他の開票区の投票機（この開票区では数えない）/ machines of other counting "
                      f"districts: {', '.join(elsewhere)}", 18)


def _decisions(pages: Pages, record: CountingRecord) -> None:
    pages.heading("■ 開票管理者の決定 / decisions (立会人の意見を聴いて / after hearing witnesses)")
    if not record.decisions:
        pages.text("決定を要する事項はなかった / no decision was needed", 21)
    for d in record.decisions:
        heard = "、".join(d.witnesses_heard) or "—"
        pages.wrapped(f"{d.sequence}. {d.time}　{KIND_JA[d.kind]}　対象 / subject {d.subject}　"
                      f"決定 / ruling {d.ruling}", 21)
        pages.wrapped(f"理由 / reason: {d.reason}　決定者 / by {d.decided_by}　意見を聴いた開票"
                      f"立会人 / witnesses heard: {heard}", 18, x=MARGIN + 30)
    for note in record.reconciliation_notes:
        pages.wrapped(f"照合の不一致 / reconciliation mismatch: {note}", 18)


def _contest(pages: Pages, record: CountingRecord, result: ContestResult) -> None:
    pages.heading(f"■ {result.title} / {result.title_en}")
    for label, value, strong in (("投票総数 / total votes", result.total, True),
                                 ("有効投票 / valid votes", result.valid, True),
                                 ("無効投票 / invalid votes", result.total - result.valid, True),
                                 *[(f"　{t}", n, False) for t, n in invalid_lines(result)]):
        pages.row([label, f"{value:,}"], [MARGIN, NUM], 21, right=(False, True), bold=strong)
    for line in record.paper:
        if line.contest_id == result.contest_id:
            pages.text(f"紙の投票を合算 / paper ballots merged（法第9条第5項）: {line.batch_id}"
                       f"（{line.kind}）{line.votes:,} 票", 21)
    pages.row(["候補者 / candidate", "党派 / party", "得票数 / votes"], [MARGIN, 620, NUM], 18,
              right=(False, False, True), rule=True)
    for c in result.candidates:  # ballot order, as the law's forms list them
        pages.row([f"{c.name}{CANDIDATE_STATUS_JA[c.status]}", c.party, f"{c.votes:,}"],
                  [MARGIN, 620, NUM], 24, right=(False, False, True))


def draw_counting_minutes(record: CountingRecord, context: MinutesContext,
                          key_fingerprint: str) -> list[Image.Image]:
    package = record.signed.package
    pages = Pages(f"{package.title} 開票録 / counting minutes — {package.election_id}")
    pages.text("開票録", 40, gap=8)
    pages.text("Counting minutes (公職選挙法70条)", 24, fill=60)
    pages.text(f"{package.title}　{package.municipality}", 24)
    pages.text(f"選挙期日 / election day: {package.election_day.isoformat()}", 21)
    pages.text(f"開票所 / counting place: {context.place or BLANK}", 21)
    pages.text(f"開票開始 / opened: {context.opened_at or BLANK}　開票終了 / closed: "
               f"{context.closed_at or record.created_at}", 21)
    pages.text(f"開票管理者 / counting manager: {record.counting_manager or BLANK}", 21)
    pages.text(f"開票立会人 / counting witnesses: {'、'.join(record.witnesses) or BLANK}", 21)
    pages.wrapped("電子計算機による開票（法第9条）: 開票鍵は鍵保管者のカードで立会人の前で復元 / "
                  "counted by computer; the counting key rebuilt from the key holders' cards in "
                  "front of the witnesses", 18)
    _media(pages, record)
    _decisions(pages, record)
    for result in record.results:
        _contest(pages, record, result)
    pages.heading("■ 指紋 / fingerprints")
    pages.text(f"選挙データ 第{package.version}版 / package v{package.version}: "
               f"{record.signed.short_fingerprint}", 21)
    pages.text("ソフトウェア / software (SHA-256):", 21)
    pages.text(record.software_hash, 18, x=MARGIN + 30, fill=40)
    if key_fingerprint:
        pages.text(f"結果署名鍵の指紋（選挙会で照合）/ result-signing key, checked at the election "
                   f"meeting: {short(key_fingerprint)}", 21)
    pages.heading("■ 署名 / signatures")
    pages.wrapped("上記のとおり開票に関する次第を記載し、開票立会人とともに署名する（公職選挙法70条）"
                  "。 / The counting manager records the course of the count and signs with the "
                  "counting witnesses.", 21)
    signers = [("開票管理者 / counting manager", record.counting_manager)]
    signers += [(f"開票立会人 / counting witness {i}", name)
                for i, name in enumerate(list(record.witnesses) or ["", "", ""], start=1)]
    for role, name in signers:
        pages.room(90)
        pages.y += 30
        pages.text(f"{role}　{name}", 21, gap=4)
        pages.draw.line((640, pages.y - 4, NUM, pages.y - 4), fill=0, width=2)
    return pages.finish()
