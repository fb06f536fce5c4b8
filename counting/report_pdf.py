"""The result report (開票結果報告書) as a PDF, Japanese first and English second.

Pages are drawn with Pillow in the pinned Noto Sans CJK JP font and saved as a multi-page PDF
(Pillow's PDF writer). Why not reportlab: it embeds only TrueType-outline fonts and the pinned
Noto CJK font has CFF outlines, so it would need a second, unpinned font; raster pages also look
exactly like the PNGs reviewers look at. The pages are A4 at 150 dpi."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from counting.decisions import KIND_JA
from counting.report import STATUS_JA, CountingRecord, breakdown
from counting.report_signed import short

ROOT = Path(__file__).resolve().parent.parent
PINNED_FONT = ROOT / "assets" / "fonts" / "NotoSansCJKjp-Regular.otf"
SYSTEM_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
DPI = 150
PAGE = (1240, 1754)  # A4 at 150 dpi
MARGIN = 90
BOTTOM = PAGE[1] - 110


class FontMissing(RuntimeError):
    """The pinned Japanese font is not installed; the report cannot be drawn."""


def font_path() -> Path:
    for path in (PINNED_FONT, SYSTEM_FONT):
        if path.exists():
            return path
    raise FontMissing(
        f"日本語フォントがありません / the Japanese font is missing: {PINNED_FONT}"
    )


class Pages:
    """A simple top-to-bottom flow over A4 page images with page numbers and a running head."""

    def __init__(self, head: str) -> None:
        path = str(font_path())
        self._fonts = {size: ImageFont.truetype(path, size) for size in (18, 21, 24, 30, 40)}
        self.head = head
        self.pages: list[Image.Image] = []
        self._new_page()

    def _new_page(self) -> None:
        self.page = Image.new("L", PAGE, 255)
        self.draw = ImageDraw.Draw(self.page)
        self.pages.append(self.page)
        self.draw.text((MARGIN, 40), self.head, font=self._fonts[18], fill=90)
        self.y = 90

    def room(self, height: int) -> None:
        if self.y + height > BOTTOM:
            self._new_page()

    def text(self, text: str, size: int = 24, x: int = MARGIN, gap: int = 10,
             fill: int = 0) -> None:
        self.room(size + gap)
        self.draw.text((x, self.y), text, font=self._fonts[size], fill=fill)
        self.y += size + gap

    def wrapped(self, text: str, size: int = 21, x: int = MARGIN) -> None:
        """Break long Japanese/English text at the right margin (by character width)."""
        font = self._fonts[size]
        width = PAGE[0] - MARGIN - x
        line = ""
        for char in text:
            if font.getlength(line + char) > width:
                self.text(line, size, x, gap=6)
                line = ""
            line += char
        if line:
            self.text(line, size, x, gap=6)

    def heading(self, text: str) -> None:
        self.room(110)
        self.y += 16
        self.draw.text((MARGIN, self.y), text, font=self._fonts[30], fill=0)
        self.y += 42
        self.draw.line((MARGIN, self.y, PAGE[0] - MARGIN, self.y), fill=0, width=2)
        self.y += 12

    def row(self, cells: Sequence[str], columns: Sequence[int], size: int = 24,
            right: Sequence[bool] = (), rule: bool = False, bold: bool = False) -> None:
        """One table row; ``columns`` are the cells' x (left edge, or right edge if right)."""
        self.room(size + 14)
        font = self._fonts[size]
        for index, (cell, x) in enumerate(zip(cells, columns, strict=True)):
            at = x - font.getlength(cell) if index < len(right) and right[index] else x
            self.draw.text((at, self.y), cell, font=font, fill=0)
            if bold:
                self.draw.text((at + 1, self.y), cell, font=font, fill=0)
        self.y += size + 14
        if rule:
            self.draw.line((MARGIN, self.y - 6, PAGE[0] - MARGIN, self.y - 6), fill=160, width=1)

    def image(self, image: Image.Image, x: int) -> None:
        self.room(image.height + 10)
        self.page.paste(image, (x, self.y))
        self.y += image.height + 10

    def finish(self) -> list[Image.Image]:
        total = len(self.pages)
        for number, page in enumerate(self.pages, start=1):
            label = f"{number} / {total} 頁"
            draw = ImageDraw.Draw(page)
            font = self._fonts[18]
            draw.text((PAGE[0] - MARGIN - font.getlength(label), PAGE[1] - 70), label,
                      font=font, fill=90)
        return self.pages


def draw_report(record: CountingRecord, qr: Image.Image | None = None,
                key_fingerprint: str = "") -> list[Image.Image]:
    package = record.signed.package
    pages = Pages(f"{package.title} 開票結果報告書 / counting result report — "
                  f"{package.election_id}")
    pages.text("開票結果報告書", 40, gap=8)
    pages.text("Counting result report (art. 9, 10)", 24, fill=60)
    pages.text(f"{package.title}　{package.municipality}", 24)
    pages.text(f"選挙期日 / election day: {package.election_day.isoformat()}　"
               f"作成 / produced: {record.created_at}", 21)
    if record.counting_manager:
        pages.text(f"開票管理者 / counting manager: {record.counting_manager}", 21)

    num = (PAGE[0] - MARGIN,)
    for result in record.results:
        pages.heading(f"■ {result.title} / {result.title_en}")
        pages.row(["候補者 / candidate", "党派 / party", "得票数 / votes"],
                  [MARGIN, 620, num[0]], 21, right=(False, False, True), rule=True)
        for c in sorted(result.candidates, key=lambda c: (-c.votes, c.candidate_id)):
            pages.row([f"{c.name}{STATUS_JA[c.status]}", c.party, f"{c.votes:,}"],
                      [MARGIN, 620, num[0]], 24, right=(False, False, True))
        for label, value, strong in (
            ("有効投票 / valid votes", result.valid, True),
            ("無効投票 / invalid votes", result.invalid_total, True),
            *[(f"　{text}", n, False) for text, n in breakdown(result)],
            ("投票総数 / total votes", result.total, True),
        ):
            pages.row([label, f"{value:,}"], [MARGIN, num[0]], 21, right=(False, True),
                      bold=strong)
        for line in record.paper:
            if line.contest_id == result.contest_id:
                pages.text(f"うち紙の投票 / of which paper: {line.batch_id}（{line.kind}） "
                           f"{line.votes:,} 票", 21, x=MARGIN + 20)

    pages.heading("■ 投票所別・投票機別 / per polling place and machine")
    contests = [c.contest_id for c in package.contests]
    cols = [MARGIN, 640, 800, 980, num[0]]
    pages.row(["投票所 / place", "投票機 / machines",
               *[f"{c} 記録数" for c in contests[:2]], "使用カード / cards"], cols, 18,
              right=(False, True, True, True, True), rule=True)
    for place_id, name, machines, records, sessions in record.place_rows():
        pages.row([f"{place_id} {name}", str(machines),
                   *[f"{records.get(c, 0):,}" for c in contests[:2]], f"{sessions:,}"], cols, 21,
                  right=(False, True, True, True, True))
    pages.y += 10
    cols = [MARGIN, 330, 700, 860, 1010, num[0]]
    pages.row(["投票機 / machine", "媒体 / medium", *[f"{c} 記録数" for c in contests[:2]],
               "投票 / voted", "投票なし / none"], cols, 18,
              right=(False, False, True, True, True, True), rule=True)
    role_ja = {"primary": "正本 primary", "copy": "副本 copy"}
    for place_id, machine_id, role, records, voted, without in record.machine_rows():
        pages.row([f"{machine_id}（{place_id}）", role_ja.get(role, role),
                   *[f"{records.get(c, 0):,}" for c in contests[:2]], f"{voted:,}",
                   f"{without:,}"], cols, 21, right=(False, False, True, True, True, True))
    for note in record.imported.notes:
        pages.wrapped(f"注 / note: {note}", 18)

    pages.heading("■ 投票者数の照合 / reconciliation")
    if not record.reconciliation and not record.reconciliation_notes:
        pages.text("照合の記録はありません / no reconciliation was entered", 21)
    for note in record.reconciliation_notes:
        pages.wrapped(f"※ 不一致 / mismatch: {note}", 21)
    for r in record.reconciliation:
        mark = "一致 / OK" if r.ok else "※ 不一致 / MISMATCH（決定欄を参照 / see decisions）"
        pages.wrapped(f"{r.subject}: {r.label}  {r.expected:,} = {r.found:,}  → {mark}", 21)

    pages.heading("■ 開票管理者の決定 / decisions of the counting manager")
    if not record.decisions:
        pages.text("決定はありません / no decisions were needed", 21)
    for d in record.decisions:
        heard = "、".join(d.witnesses_heard) or "—"
        pages.wrapped(f"{d.sequence}. {d.time}  {KIND_JA[d.kind]}  対象 / subject: {d.subject}"
                      f"  決定 / ruling: {d.ruling}", 21)
        pages.wrapped(f"理由 / reason: {d.reason}　決定者 / by: {d.decided_by}　"
                      f"意見を聴いた立会人 / witnesses heard: {heard}", 18, x=MARGIN + 30)

    pages.heading("■ ソフトウェアと選挙データの指紋 / fingerprints")
    for v in record.versions:
        pages.text(f"選挙データ 第{v.package.version}版 / package v{v.package.version}: "
                   f"{v.short_fingerprint}", 21)
        pages.text(v.fingerprint, 18, x=MARGIN + 30, fill=40)
    pages.text("ソフトウェア / software (SHA-256):", 21)
    pages.text(record.software_hash, 18, x=MARGIN + 30, fill=40)
    pages.text("依存パッケージ（requirements.txt） / pinned packages:", 21)
    pages.text(record.dependencies_hash, 18, x=MARGIN + 30, fill=40)
    pages.text("開票作業記録の末尾 / session audit log head:", 21)
    pages.text(record.session_log_head, 18, x=MARGIN + 30, fill=40)
    if key_fingerprint:
        pages.text(f"結果署名鍵の指紋 / result-signing key: {short(key_fingerprint)}", 24)
        pages.text(key_fingerprint, 18, x=MARGIN + 30, fill=40)

    if qr is not None:
        pages.heading("■ 署名付き要約（QRコード） / signed summary (QR code)")
        pages.image(qr, MARGIN)

    pages.heading("■ 署名 / signatures")
    pages.wrapped("上記のとおり、開票立会人とともに電子計算機を用いて集計した結果を報告します"
                  "（法第9条第4項・第5項）。 / We report the result counted by computer "
                  "together with the counting witnesses.", 21)
    signers = [("開票管理者 / counting manager", record.counting_manager)]
    witnesses = list(record.witnesses) or ["", "", ""]
    signers += [(f"開票立会人 / counting witness {i}", name)
                for i, name in enumerate(witnesses, start=1)]
    for role, name in signers:
        pages.room(90)
        pages.y += 30
        pages.text(f"{role}　{name}", 21, gap=4)
        pages.draw.line((640, pages.y - 4, PAGE[0] - MARGIN, pages.y - 4), fill=0, width=2)
        pages.draw.text((PAGE[0] - MARGIN - 30, pages.y - 36), "印", font=pages._fonts[21],
                        fill=120)
    return pages.finish()


def write_pdf(pages: Sequence[Image.Image], path: Path) -> None:
    first, *rest = [p.convert("RGB") for p in pages]
    first.save(path, "PDF", resolution=DPI, save_all=True, append_images=rest,
               title="開票結果報告書 / counting result report", creator="tohyoki counting")


def write_pngs(pages: Sequence[Image.Image], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, page in enumerate(pages, start=1):
        path = folder / f"report-page-{number}.png"
        page.save(path)
        paths.append(path)
    return paths
