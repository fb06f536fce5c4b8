"""Views as functions of state: ``layout(screen, state, settings, panel) -> View``.

Each firmware Screen type has a spec function (``SPECS``); the layout wraps its text to the
panel's width with the pinned font, sizes everything from the accessibility floor
(ui/theme.py) and pages the body vertically, with a footer row always kept for navigation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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
from ui.text_wrap import wrap
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

    def place_row(row: Row) -> _Placed:
        n = len(row)
        cell = (inner - (n - 1) * gap) // n
        contents = []
        for item in row:
            if isinstance(item, Line):
                contents.append(lines_of((item,), cell))
            else:
                contents.append(lines_of(item.lines, cell - 2 * pad))
        heights = [
            block_height(c) if isinstance(item, Line) else max(target, block_height(c) + pad)
            for item, c in zip(row, contents, strict=True)
        ]
        row_h = max(heights)

        def build(x0: int, y0: int, first_index: int) -> tuple[list[TextLine], list[Button]]:
            texts: list[TextLine] = []
            buttons: list[Button] = []
            for i, (item, c) in enumerate(zip(row, contents, strict=True)):
                x = x0 + i * (cell + gap)
                if isinstance(item, Line):
                    texts += text_block(c, x, y0, cell, pal.text, pal.background)
                    continue
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
        """The footer row of ``page``: the screen's own buttons, then previous and more."""
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

    short = H < 600
    header_lines = tuple(h for h in spec.header if not (short and h.optional))
    header = lines_of(header_lines, inner)
    rows = list(spec.rows)
    body = [place_row(r) for r in rows]
    nav_probe = (*spec.footer, ButtonSpec((Line(say("nav.more", settings) + "（1／9 ページ）"),),
                                          UiAction("page")))
    footer_h = place_row(nav_probe).height
    tallest = max((p.height for p in body), default=0)

    # Pack body rows into pages; a footer row is always reserved for navigation. Enlarged
    # text: it is as tall as the tallest page's real navigation row (a middle page has more
    # buttons, so narrower cells), and a header that leaves no room for the tallest row pages
    # with the body instead, so nothing is drawn over anything else.
    for _ in range(4):
        if enlarged and header and H - block_height(header) - 4 * gap - footer_h < tallest:
            rows = [(line,) for line in header_lines] + rows
            body = [place_row(r) for r in rows]
            header = []
        header_h = block_height(header)
        avail = H - header_h - 3 * gap - footer_h - gap
        pages = paginate(body, avail)
        if len(pages) > 1 and where_h:
            pages = paginate(body, avail - where_h)
        navs = [nav_for(i, len(pages)) for i in range(len(pages))]
        nav_h = max((place_row(tuple(n)).height for n in navs if n), default=0)
        if nav_h <= footer_h or not enlarged:  # default text: laid out as recorded
            break
        footer_h = nav_h
    page = min(state.page, len(pages) - 1)
    if voter_focus is not None:  # keypad: show the page that holds the focused item
        for i, placed_rows in enumerate(pages):
            if any(isinstance(x, ButtonSpec) and x.item == voter_focus
                   for r in (rows[body.index(p)] for p in placed_rows) for x in r):
                page = i

    texts: list[TextLine] = text_block(header, gap, gap, inner, pal.text, pal.background)
    buttons: list[Button] = []
    y = gap + header_h + gap
    for placed in pages[page]:
        t, b = placed.build(gap, y, len(buttons))
        texts += t
        buttons += b
        y += placed.height + gap

    nav = nav_for(page, len(pages))
    if nav:
        footer_row = place_row(tuple(nav))
        t, b = footer_row.build(gap, H - gap - footer_row.height, len(buttons))
        texts += t
        buttons += b
        if where_h and len(pages) > 1:
            where = say("nav.page", settings, page=page + 1, pages=len(pages))
            texts += text_block([(where, base)], gap, H - gap - footer_row.height - where_h,
                                inner, pal.text, pal.background)
    return View(spec.kind, W, H, pal.background, tuple(texts), tuple(buttons), page, len(pages),
                spec.spoken)
