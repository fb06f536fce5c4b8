"""Views as functions of state: ``layout(screen, state, settings, panel) -> View``.

Each firmware Screen type has a spec function (``SPECS``); the layout wraps its text to the
panel's width with the pinned font, sizes everything from the accessibility floor
(ui/theme.py) and pages the body vertically, with a footer always kept for navigation.

Navigation that fits at every text step (docs/accessibility.md). Enlarged text stays enlarged:
no font is ever shrunk to fit; what changes is the arrangement, in this order of preference:

- standard: the screen's own buttons (戻る, 次へ, 投票する …) and the page buttons
  (前を見る, 続きを見る) in one row; default text and the 10" panel at every step;
- stacked: the own buttons in their row, and under it the compact page controls
  「◀ 前へ」 page number 「続き ▶」, each button in the same place on every page;
- content-last: the compact page controls only, the own buttons ending the body (so on the
  800×480 panel at ×1.5 and ×2.0 a page holds one candidate and 次へ follows the last).

On the 7" panel enlarged text always uses the compact controls, stacked while a page then
still holds a three-line button, else content-last, so every voter screen at one step is
arranged alike. Elsewhere the standard row is kept unless a page's body would reach its own
navigation (a middle page has more buttons); the default-text screens that did are the only
ones arranged otherwise. A row still taller than a page is split, never shrunk: a row of
buttons into a row each, and a button keeps its first and last lines (whom, and what it
does), the rest as text under it. The voice is unchanged: it speaks the firmware's focus
items, and the keypad's focus shows the page holding the focused item."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from firmware.admin_screens import AdminCounts, AuditLogView, MediaStatus
from firmware.booth_screens import InactivityAlert, SessionLocked, VoterSettingsMenu
from firmware.keypad import focus_items
from firmware.screens import (
    AdminMenu,
    AdminPin,
    ContestChoice,
    Notice,
    Recorded,
    Review,
    Standby,
)
from ui.admin_records import admin_record_view
from ui.admin_specs import spec_admin_menu, spec_admin_pin, spec_assisted
from ui.assisted_entry import AssistedEntry
from ui.spec import ButtonSpec, Line, Row, Spec, say
from ui.standby import spec_standby
from ui.text_wrap import text_width, wrap
from ui.theme import RGB, Panel, Settings, font_px, gap_px, target_px
from ui.view import Button, Rect, TextLine, UiAction, UiState, View
from ui.voter_specs import (
    spec_contest,
    spec_inactivity,
    spec_locked,
    spec_notice,
    spec_recorded,
    spec_review,
    spec_voter_settings,
)

LINE_HEIGHT = 1.3  # of the font size; the pinned font's ink spans about 1.0 em


class UnknownScreen(TypeError):
    """The firmware produced a Screen type this UI cannot draw; it must fail loudly."""


SPECS: dict[type, Callable[[Any, UiState, Settings], Spec]] = {
    Standby: spec_standby,
    Notice: spec_notice,
    AdminPin: spec_admin_pin,
    AdminMenu: spec_admin_menu,
    ContestChoice: spec_contest,
    Review: spec_review,
    Recorded: spec_recorded,
    VoterSettingsMenu: spec_voter_settings,
    InactivityAlert: spec_inactivity,
    SessionLocked: spec_locked,
    AdminCounts: admin_record_view("admin-counts", "admin.counts"),
    MediaStatus: admin_record_view("admin-media", "admin.media"),
    AuditLogView: admin_record_view("admin-audit", "admin.audit-log"),
    AssistedEntry: spec_assisted,
}


def spec_for(screen: object, state: UiState, settings: Settings) -> Spec:
    try:
        make = SPECS[type(screen)]
    except KeyError as exc:
        raise UnknownScreen(
            f"画面 {type(screen).__name__} を表示できません / the UI has no view for "
            f"{type(screen).__name__}; add one to ui/layout.py SPECS"
        ) from exc
    return make(screen, state, settings)


@dataclass
class _Placed:
    height: int
    build: Callable[[int, int, int], tuple[list[TextLine], list[Button]]] = field(repr=False)


STANDARD = "standard"  # the screen's own buttons and the page buttons in one row
STACKED = "stacked"  # the screen's own row, the compact page controls under it
CONTENT_LAST = "content-last"  # the compact page controls only; own buttons end the body


@dataclass
class _Plan:
    mode: str
    header: list[tuple[str, int]]
    rows: list[Row]
    body: list[_Placed]
    pages: list[list[_Placed]]
    fits: bool


def settings_for(screen: object, fallback: Settings) -> Settings:
    """The voter's settings travel on the firmware's voter screens; others use ``fallback``."""
    v = getattr(screen, "settings", None)
    if v is None:
        return fallback
    return Settings(lang=v.language, high_contrast=v.high_contrast, text_scale=v.text_scale)


def focused_item(screen: object) -> str | None:
    items = focus_items(screen)
    focus = getattr(screen, "focus", None)
    if not items or focus is None:
        return None
    return items[min(int(focus), len(items) - 1)]


def layout(screen: object, state: UiState, settings: Settings, panel: Panel) -> View:
    settings = settings_for(screen, settings)
    spec = spec_for(screen, state, settings)
    voter_focus = focused_item(screen) if state.keypad else None
    pal = settings.palette
    base = font_px(panel, settings.text_scale)
    gap = gap_px(panel)
    target = target_px(panel)
    pad = gap
    W, H = panel.width, panel.height
    inner = W - 2 * gap

    def size_of(line: Line) -> int:
        # Enlarged text is uniformly large: headings grow no further, so more fits.
        return round(base * line.scale) if settings.text_scale == 1.0 else base

    def lines_of(items: tuple[Line, ...], width: int) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        for line in items:
            size = size_of(line)
            out.extend((t, size) for t in wrap(line.text, size, width))
        return out

    def text_block(items: list[tuple[str, int]], x: int, y: int, width: int, color: RGB,
                   bg: RGB) -> list[TextLine]:
        out = []
        for t, size in items:
            h = round(size * LINE_HEIGHT)
            out.append(TextLine(Rect(x, y, width, h), t, size, color, bg))
            y += h
        return out

    def block_height(items: list[tuple[str, int]]) -> int:
        return sum(round(size * LINE_HEIGHT) for _, size in items)

    def place_row(row: tuple[ButtonSpec | Line | None, ...],
                  spans: tuple[tuple[int, int], ...] | None = None) -> _Placed:
        """A row of equal cells, or of ``spans`` (offset from the row's left, width)."""
        n = len(row)
        cell = (inner - (n - 1) * gap) // n
        spans = spans or tuple((i * (cell + gap), cell) for i in range(n))
        cells = tuple(w for _, w in spans)
        contents: list[list[tuple[str, int]]] = []
        for item, cell in zip(row, cells, strict=True):
            if item is None:
                contents.append([])
            elif isinstance(item, Line):
                contents.append(lines_of((item,), cell))
            else:
                contents.append(lines_of(item.lines, cell - 2 * pad))
        heights = [
            block_height(c) if not isinstance(item, ButtonSpec)
            else max(target, block_height(c) + pad)
            for item, c in zip(row, contents, strict=True)
        ]
        row_h = max(heights)

        def build(x0: int, y0: int, first_index: int) -> tuple[list[TextLine], list[Button]]:
            texts: list[TextLine] = []
            buttons: list[Button] = []
            for item, c, (dx, cell) in zip(row, contents, spans, strict=True):
                x = x0 + dx
                if isinstance(item, Line):  # centred in the row (only the page number shares
                    ty = y0 + (row_h - block_height(c)) // 2  # a row with buttons)
                    texts += text_block(c, x, ty, cell, pal.text, pal.background)
                elif isinstance(item, ButtonSpec):
                    index = first_index + len(buttons)
                    fill = pal.selected if item.selected else pal.button
                    fg = pal.selected_text if item.selected else pal.button_text
                    ty = y0 + (row_h - block_height(c)) // 2
                    lines = text_block(c, x + pad, ty, cell - 2 * pad, fg, fill)
                    focused = (item.item == voter_focus if voter_focus is not None
                               else state.focus == index)
                    buttons.append(Button(Rect(x, y0, cell, row_h), tuple(lines), item.action,
                                          item.lines[0].text, item.selected, focused,
                                          fill, pal.border, item.item))
            return texts, buttons

        return _Placed(row_h, build)

    enlarged = settings.text_scale > 1.0
    where_h = round(base * LINE_HEIGHT) if enlarged else 0  # the page number's own line

    def nav_for(page: int, count: int) -> list[ButtonSpec]:
        """The standard footer row of ``page``: the screen's own buttons, then previous and
        more."""
        nav = list(spec.footer)
        if count > 1:
            # enlarged text: the page number is a line of its own above the row (``where``)
            where = "" if enlarged else say("nav.page", settings, page=page + 1, pages=count)

            def said(key: str) -> str:
                return f"{say(key, settings)}（{where}）" if where else say(key, settings)

            if page > 0:
                nav.insert(0, ButtonSpec((Line(say("nav.previous", settings)),),
                                         UiAction("page", str(page - 1))))
            if page < count - 1:
                nav.append(ButtonSpec((Line(said("nav.more")),), UiAction("page", str(page + 1))))
            elif page > 0:
                nav[0] = ButtonSpec((Line(said("nav.previous")),), UiAction("page", str(page - 1)))
        return nav

    def paging_row(page: int, count: int) -> _Placed:
        """The compact page controls: 「◀ 前へ」 at the left edge, 「続き ▶」 at the right, in the
        same place on every page (an absent one leaves its place empty), and the page number
        centred between them. The buttons give up width to the number down to their own label;
        the number is text, not a target, so it may come closer to them than a gap."""
        labels = (say("nav.page-back", settings), say("nav.page-on", settings))
        left, right = (max(target, math.ceil(text_width(t, base)) + 2 * pad) for t in labels)
        widest = max(math.ceil(text_width(say("nav.page-of", settings, page=n, pages=count),
                                          base)) for n in range(1, count + 1))
        spare = max(0, inner - left - right - widest - 2 * gap) // 2
        left, right = left + spare, right + spare
        number = say("nav.page-of", settings, page=page + 1, pages=count)
        width = math.ceil(text_width(number, base))
        free = inner - left - right
        back = (ButtonSpec((Line(labels[0]),), UiAction("page", str(page - 1)))
                if page > 0 else None)
        on = (ButtonSpec((Line(labels[1]),), UiAction("page", str(page + 1)))
              if page < count - 1 else None)
        return place_row((back, Line(number), on),
                         ((0, left), (left + max(0, free - width) // 2, min(free, width)),
                          (inner - right, right)))

    def footer_rows(mode: str, page: int, count: int) -> list[_Placed]:
        """The rows under the body on ``page``, top to bottom."""
        if mode == STANDARD:
            nav = nav_for(page, count)
            return [place_row(tuple(nav))] if nav else []
        own = [place_row(tuple(spec.footer))] if spec.footer and mode == STACKED else []
        return own + ([paging_row(page, count)] if count > 1 else [])

    def stacked_height(placed: list[_Placed]) -> int:
        return sum(p.height for p in placed) + gap * max(0, len(placed) - 1)

    def paginate(body: list[_Placed], avail: int) -> list[list[_Placed]]:
        pages: list[list[_Placed]] = [[]]
        used = 0
        for placed in body:
            need = placed.height + (gap if pages[-1] else 0)
            if pages[-1] and used + need > avail:
                pages.append([])
                used = 0
                need = placed.height
            pages[-1].append(placed)
            used += need
        return pages

    def fitted(rows: list[Row], avail: int) -> list[Row]:
        """Rows taller than a page made to fit it, never by a smaller font: a row of several
        buttons becomes a row for each; a button still too tall keeps its first and last lines
        (whom it names, what it does) with its middle lines as text right under it, or, if
        that is still too tall, its last line with the others as text above it."""
        out: list[Row] = []
        for row in rows:
            item = row[0]
            if place_row(row).height <= avail:
                out.append(row)
            elif len(row) > 1:
                out.extend(fitted([(x,) for x in row], avail))
            elif isinstance(item, ButtonSpec) and len(item.lines) > 2 and place_row(
                    (replace(item, lines=(item.lines[0], item.lines[-1])),)).height <= avail:
                out.append((replace(item, lines=(item.lines[0], item.lines[-1])),))
                out.extend((line,) for line in item.lines[1:-1])
            elif isinstance(item, ButtonSpec) and len(item.lines) > 1:
                out.extend((line,) for line in item.lines[:-1])
                out.append((replace(item, lines=item.lines[-1:]),))
            else:
                out.append(row)
        return out

    short = H < 600
    header_lines = tuple(h for h in spec.header if not (short and h.optional))

    def plan(mode: str) -> _Plan:
        """Header, body rows and pages for one arrangement of the navigation, and whether every
        page's body ends above its own navigation."""
        header = lines_of(header_lines, inner)
        rows = list(spec.rows)
        if mode == CONTENT_LAST and spec.footer:
            rows.append(tuple(spec.footer))
        body = [place_row(r) for r in rows]
        if mode == STANDARD:
            nav_probe = (*spec.footer, ButtonSpec(
                (Line(say("nav.more", settings) + "（1／9 ページ）"),), UiAction("page")))
            footer_h = place_row(nav_probe).height
        else:
            footer_h = stacked_height(footer_rows(mode, 1, 3))
        tallest = max((p.height for p in body), default=0)
        where = where_h if mode == STANDARD else 0
        # A footer is always reserved for navigation, as tall as the tallest page's (a middle
        # page has more buttons); a header that leaves no room for the tallest row pages with
        # the body instead (enlarged text), so nothing is drawn over anything else.
        source = rows
        for _ in range(12):
            if enlarged and header and H - block_height(header) - 4 * gap - footer_h < tallest:
                source = [(line,) for line in header_lines] + source
                header = []
            avail = H - block_height(header) - 4 * gap - footer_h
            rows = source if mode == STANDARD else fitted(source, avail)
            body = [place_row(r) for r in rows]
            pages = paginate(body, avail)
            if len(pages) > 1 and where:
                pages = paginate(body, avail - where)
            need = max(stacked_height(footer_rows(mode, i, len(pages)))
                       for i in range(len(pages)))
            if need <= footer_h or (mode == STANDARD and not enlarged):
                break  # default text: the standard row as recorded, checked below
            footer_h = need
        room = H - block_height(header) - 4 * gap
        fits = all(
            stacked_height(p) + stacked_height(footer_rows(mode, i, len(pages)))
            + (where if len(pages) > 1 else 0) <= room
            for i, p in enumerate(pages))
        return _Plan(mode, header, rows, body, pages, fits)

    line_h = round(base * LINE_HEIGHT)
    one_line = max(target, line_h + pad)
    if enlarged and short:
        # the same arrangement on every voter screen at this step: own row over the page
        # controls while that leaves a page room for a three-line button (a candidate whose
        # reading wraps), else the own buttons end the body
        stacked_room = H - 5 * gap - 2 * one_line
        modes: tuple[str, ...] = ((STACKED, CONTENT_LAST) if stacked_room >= 3 * line_h + pad
                 else (CONTENT_LAST,))
    else:
        modes = (STANDARD, STACKED, CONTENT_LAST)
    for mode in modes:
        chosen = plan(mode)
        if chosen.fits:
            break
    header, rows, body, pages = chosen.header, chosen.rows, chosen.body, chosen.pages
    page = min(state.page, len(pages) - 1)
    if voter_focus is not None:  # keypad: show the page that holds the focused item
        for i, placed_rows in enumerate(pages):
            if any(isinstance(x, ButtonSpec) and x.item == voter_focus
                   for r in (rows[body.index(p)] for p in placed_rows) for x in r):
                page = i

    header_h = block_height(header)
    texts: list[TextLine] = text_block(header, gap, gap, inner, pal.text, pal.background)
    buttons: list[Button] = []
    y = gap + header_h + gap
    for placed in pages[page]:
        t, b = placed.build(gap, y, len(buttons))
        texts += t
        buttons += b
        y += placed.height + gap

    footer = footer_rows(chosen.mode, page, len(pages))
    y = H - gap - stacked_height(footer)
    if footer and chosen.mode == STANDARD and where_h and len(pages) > 1:
        number = say("nav.page", settings, page=page + 1, pages=len(pages))
        texts += text_block([(number, base)], gap, y - where_h, inner, pal.text, pal.background)
    for placed in footer:
        t, b = placed.build(gap, y, len(buttons))
        texts += t
        buttons += b
        y += placed.height + gap
    return View(spec.kind, W, H, pal.background, tuple(texts), tuple(buttons), page, len(pages),
                spec.spoken)
