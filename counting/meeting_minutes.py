"""The election minutes (選挙録, 公職選挙法82条) as a PDF: the election chief (選挙長) records
the course of the election meeting and signs it with the election witnesses (選挙立会人).

Layout in the order of the meeting: where and when, who sat, each counting district's result
received (with its signing key's fingerprint), each contest's votes per district and in total,
valid and invalid votes by reason, the legal threshold (95条1項), the deposit-forfeiture line
(93条), the elected, any lot drawn (95条2項) or new election needed, then the signature lines.
Drawn with counting/report_pdf.py's pages in the pinned font."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from counting.cdf import from_meeting
from counting.meeting_record import MeetingRecord, record_to_dict, sign_meeting
from counting.meeting_tally import REASON_JA, ContestOutcome, fraction_text
from counting.report import STATUS_JA
from counting.report_pdf import DPI, MARGIN, PAGE, Pages
from counting.report_signed import SessionSigner, short
from election.package import Office

NUM = PAGE[0] - MARGIN
ALWAYS_SHOWN = ("blank", "invalid_non_candidate")  # the others only when there are any (§13.3)
OFFICE_JA = {Office.MAYOR: "長の選挙（定数1）", Office.ASSEMBLY: "議会の議員の選挙"}


def _contest(pages: Pages, o: ContestOutcome, district_ids: list[str]) -> None:
    t = o.total
    pages.heading(f"■ {t.title} / {t.title_en}")
    pages.text(f"{OFFICE_JA[t.office]}　定数 / seats: {t.seats}", 21)
    shown = district_ids[:4]  # the per-district columns that fit; the total is always shown
    span = NUM - 140 - 560
    cols = [MARGIN, *[560 + span * (i + 1) // len(shown) for i in range(len(shown))], NUM]
    pages.row(["候補者 / candidate", *shown, "得票数 / votes"], cols, 18,
              right=(False, *[True] * len(shown), True), rule=True)
    elected = {c.candidate_id for c in o.elected}
    for c in t.candidates:
        mark = "当選 " if c.candidate_id in elected else ""
        pages.row([f"{mark}{c.name}（{c.party}）{STATUS_JA[c.status]}",
                   *[f"{dict(c.by_district)[d]:,}" for d in shown], f"{c.votes:,}"],
                  cols, 21, right=(False, *[True] * len(shown), True),
                  bold=c.candidate_id in elected)
    if len(district_ids) > len(shown):
        pages.text(f"（開票区別の内訳は {len(shown)} 区まで表示、全区は JSON / per-district "
                   "figures beyond these are in the JSON）", 18, fill=60)
    rows = [("有効投票の総数 / valid votes", f"{t.valid:,}", True),
             ("無効投票 / invalid votes", f"{t.invalid_total:,}", True)]
    rows += [(f"　{REASON_JA[key][0]} / {REASON_JA[key][1]}", f"{n:,}", False)
             for key, n in t.invalid if n or key in ALWAYS_SHOWN]
    rows += [("投票総数 / total votes", f"{t.total:,}", True)]
    for label, value, strong in rows:
        pages.row([label, value], [MARGIN, NUM], 21, right=(False, True), bold=strong)
    share = "有効投票の総数の4分の1" if t.office is Office.MAYOR else \
        f"有効投票の総数を定数{t.seats}で除した数の4分の1"
    pages.wrapped(f"法定得票数（公職選挙法95条1項、{share}以上）/ legal threshold (at least): "
                  f"{fraction_text(t.threshold)} 票", 21)
    line_share = "有効投票の総数の10分の1" if t.office is Office.MAYOR else \
        f"有効投票の総数を定数{t.seats}で除した数の10分の1"
    pages.wrapped(f"供託物没収点（93条、{line_share}）/ deposit-forfeiture line: "
                  f"{fraction_text(t.forfeiture_line)} 票", 21)
    for c in t.candidates:
        reach = "達する" if c.reaches_threshold else "達しない"
        deposit = {True: "没収されない / kept", False: "没収 / forfeited",
                   None: "— 候補者でない / no longer a candidate"}[c.keeps_deposit]
        pages.text(f"{c.name}: 法定得票数に{reach}　供託物 {deposit}", 18, x=MARGIN + 20)
    if o.lot is not None:
        pages.wrapped(
            f"くじ（95条2項）: 同数の {'、'.join(o.tied)} について選挙長 {o.lot.drawn_by} が"
            f"選挙立会人 {'、'.join(o.lot.watched)} の前でくじを引き、{'、'.join(o.lot.drawn)} "
            f"を当選人と定めた（{o.lot.time}）/ lot drawn by the election chief in front of the "
            "witnesses", 21)
    names = "、".join(c.name for c in o.elected) or "なし / none"
    pages.text(f"当選人 / elected: {names}", 24)
    if o.new_election_needed:
        if t.office is Office.MAYOR:
            pages.wrapped("法定得票数に達した者がないため当選人はない。再選挙を行う必要がある / "
                          "nobody reached the legal threshold: no one is elected and a new "
                          "election (再選挙) is needed", 24)
        else:
            pages.wrapped(f"法定得票数に達した者が定数に満たない（不足 {o.seats_unfilled}人）。"
                          "再選挙の要否を選挙管理委員会が定める / fewer qualified candidates than "
                          f"seats ({o.seats_unfilled} short): the commission decides on a new "
                          "election", 24)


def draw_minutes(record: MeetingRecord, key_fingerprint: str) -> list[Image.Image]:
    package = record.signed.package
    pages = Pages(f"{package.title} 選挙録 / election minutes — {package.election_id}")
    pages.text("選挙録", 40, gap=8)
    pages.text("Election minutes (公職選挙法82条)", 24, fill=60)
    pages.text(f"{package.title}　{package.municipality}", 24)
    pages.text(f"選挙期日 / election day: {package.election_day.isoformat()}", 21)
    pages.text(f"選挙会の場所 / place: {record.place}", 21)
    pages.text(f"開会 / opened: {record.opened_at}　閉会 / closed: {record.closed_at}", 21)
    pages.text(f"選挙長 / election chief: {record.chief}", 21)
    pages.text(f"選挙立会人 / election witnesses: {'、'.join(record.witnesses)}", 21)

    pages.heading("■ 各開票区の開票結果の受領 / results received from each counting district")
    for d in record.districts:
        pages.wrapped(f"{d.district.district_id} {d.district.name}: 開票管理者 / counting "
                      f"manager {d.counting_manager or '—'}、投票機 / machines "
                      f"{', '.join(d.machines)}、開票 / counted {d.created_at}", 21)
        pages.text(f"署名を確認、結果署名鍵 / signature verified, key {short(d.key_fingerprint)}"
                   f"（開票録の指紋と照合 / matches the district's report）", 18, x=MARGIN + 30,
                   fill=40)
    district_ids = [d.district.district_id for d in record.districts]
    for outcome in record.outcomes:
        _contest(pages, outcome, district_ids)

    pages.heading("■ 指紋 / fingerprints")
    pages.text(f"選挙データ 第{package.version}版 / package v{package.version}: "
               f"{record.signed.short_fingerprint}", 21)
    pages.text("ソフトウェア / software (SHA-256):", 21)
    pages.text(record.software_hash, 18, x=MARGIN + 30, fill=40)
    pages.text(f"選挙会の結果署名鍵 / meeting result-signing key: {short(key_fingerprint)}", 24)
    pages.text(key_fingerprint, 18, x=MARGIN + 30, fill=40)

    pages.heading("■ 署名 / signatures")
    pages.wrapped("上記のとおり選挙会に関する次第を記載し、選挙立会人とともに署名する（公職選挙法82条）"
                  "。 / The election chief records the course of the meeting and signs with the "
                  "election witnesses.", 21)
    signers = [("選挙長 / election chief", record.chief)]
    signers += [(f"選挙立会人 / election witness {i}", name)
                for i, name in enumerate(list(record.witnesses) or ["", ""], start=1)]
    for role, name in signers:
        pages.room(90)
        pages.y += 30
        pages.text(f"{role}　{name}", 21, gap=4)
        pages.draw.line((640, pages.y - 4, NUM, pages.y - 4), fill=0, width=2)
    return pages.finish()


@dataclass(frozen=True)
class MeetingFiles:
    pdf: Path
    json: Path
    signed: Path
    cdf: Path
    pages: tuple[Path, ...]
    key_fingerprint: str


def write_meeting_files(record: MeetingRecord, out: Path, signer: SessionSigner,
                        is_test: bool = False) -> MeetingFiles:
    """The minutes (PDF and page PNGs), the meeting's JSON, its signed result and the NIST CDF
    export, all from one record so they cannot disagree."""
    out.mkdir(parents=True, exist_ok=True)
    data = record_to_dict(record)
    pages = draw_minutes(record, signer.fingerprint)
    files = MeetingFiles(pdf=out / "election-minutes.pdf", json=out / "meeting.json",
                         signed=out / "meeting.signed.json", cdf=out / "meeting-cdf.json",
                         pages=tuple(_pngs(pages, out / "pages")),
                         key_fingerprint=signer.fingerprint)
    first, *rest = [p.convert("RGB") for p in pages]
    first.save(files.pdf, "PDF", resolution=DPI, save_all=True, append_images=rest,
               title="選挙録 / election minutes", creator="tohyoki election meeting")
    files.json.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n",
                          encoding="utf-8")
    files.signed.write_text(sign_meeting(data, signer), encoding="utf-8")
    files.cdf.write_text(json.dumps(from_meeting(record, is_test), ensure_ascii=False,
                                    indent=2) + "\n", encoding="utf-8")
    return files


def _pngs(pages: list[Image.Image], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, page in enumerate(pages, start=1):
        path = folder / f"minutes-page-{number}.png"
        page.save(path)
        paths.append(path)
    return paths
