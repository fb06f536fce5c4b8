"""Views as functions of state: ``layout(screen, state, settings, panel) -> View``.

A View is plain data (rectangles, lines of text, buttons and the action each button triggers),
laid out in pixels for one panel. The kivy renderer draws it, the tests measure it, and the
screenshot generator walks it; nothing here imports kivy. Text is measured with the pinned font
(Pillow, the same text provider kivy is configured to use), wrapped to the width — text
enlargement pages vertically and never scrolls sideways."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import ImageFont

from firmware import machine as fw
from firmware.admin_screens import AdminCounts, AuditLogView, MediaStatus
from firmware.admin_views import ShowAuditLog, ShowCounts, ShowMedia, ShowMenu
from firmware.assisted import AssistKind
from firmware.audit_events import DESCRIPTIONS as EVENT_DESCRIPTIONS
from firmware.booth_screens import InactivityAlert, SessionLocked, VoterSettingsMenu
from firmware.inactivity import KeepVoting
from firmware.keypad import focus_items
from firmware.screens import (
    AdminMenu,
    AdminPin,
    ContestChoice,
    Notice,
    Phase,
    Recorded,
    Review,
    Standby,
)
from firmware.voter_settings import ChangeSetting, OpenSettings, cycled
from ui import fonts
from ui.assisted_entry import KANA_GROUPS, AssistedEntry
from ui.strings import text
from ui.theme import RGB, Panel, Settings, font_px, gap_px, target_px

LINE_HEIGHT = 1.3  # of the font size; the pinned font's ink spans about 1.0 em


class UnknownScreen(TypeError):
    """The firmware produced a Screen type this UI cannot draw; it must fail loudly."""


@dataclass(frozen=True)
class UiAction:
    """An action handled by the UI itself (paging, PIN digits), never an election decision."""

    name: str
    arg: str = ""


Action = Any  # a firmware event (firmware.machine.Event) or a UiAction


@dataclass(frozen=True)
class Rect:
    x: int
    y: int  # from the top
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h


@dataclass(frozen=True)
class TextLine:
    rect: Rect
    text: str
    size: int
    color: RGB
    background: RGB


@dataclass(frozen=True)
class Button:
    rect: Rect
    lines: tuple[TextLine, ...]
    action: Action
    label: str  # what the button says, first line; tests find buttons by it
    selected: bool
    focused: bool
    fill: RGB
    border: RGB
    item: str = ""  # firmware.keypad.focus_items name, for the keypad focus frame


@dataclass(frozen=True)
class View:
    kind: str
    width: int
    height: int
    background: RGB
    texts: tuple[TextLine, ...]
    buttons: tuple[Button, ...]
    page: int
    pages: int
    spoken: tuple[str, ...] = ()

    def button(self, label: str) -> Button:
        for b in self.buttons:
            if b.label == label or b.label.startswith(label):
                return b
        raise LookupError(f"no button {label!r} on {self.kind}: {[b.label for b in self.buttons]}")


@dataclass
class UiState:
    """Presentation state only: page, keypad focus, PIN digits typed so far."""

    page: int = 0
    focus: int | None = None  # UI-kept focus on admin screens (voter focus is the firmware's)
    pin: str = ""
    keypad: bool = False  # the voter uses the keypad: show the page holding the focus


# --- text measurement ------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(fonts.FONT_PATH), size)


@functools.lru_cache(maxsize=1 << 16)  # wrap measures every prefix; layouts repeat per frame
def text_width(s: str, size: int) -> float:
    return float(_font(size).getlength(s))


def wrap(s: str, size: int, width: int) -> list[str]:
    """Break ``s`` into lines no wider than ``width``: at spaces when a word fits, else between
    characters (Japanese has no spaces)."""
    lines: list[str] = []
    for paragraph in s.split("\n"):
        line = ""
        for token in _tokens(paragraph):
            candidate = line + token
            if text_width(candidate, size) <= width or not line:
                if text_width(candidate, size) <= width:
                    line = candidate
                    continue
                for ch in token:  # a token wider than the line: break it by characters
                    if line and text_width(line + ch, size) > width:
                        lines.append(line)
                        line = ""
                    line += ch
                continue
            lines.append(line.rstrip())
            line = token.lstrip()
        lines.append(line.rstrip())
    return lines


def _tokens(s: str) -> list[str]:
    out: list[str] = []
    word = ""
    for ch in s:
        if ch == " ":
            out.append(word + " ")
            word = ""
        elif ord(ch) > 0x2E80:  # CJK: every character may break
            if word:
                out.append(word)
                word = ""
            out.append(ch)
        else:
            word += ch
    if word:
        out.append(word)
    return out


# --- specs: what a screen asks for, before layout ----------------------------------------------


@dataclass(frozen=True)
class Line:
    text: str
    scale: float = 1.0  # 1.0 is the smallest text; headings larger at the default text size
    optional: bool = False  # dropped from a header when the panel is short


@dataclass(frozen=True)
class ButtonSpec:
    lines: tuple[Line, ...]
    action: Action
    selected: bool = False
    item: str = ""


@dataclass(frozen=True)
class Spec:
    kind: str
    header: tuple[Line, ...]
    rows: tuple[tuple[ButtonSpec | Line, ...], ...]  # body; paged when it does not fit
    footer: tuple[ButtonSpec, ...] = ()
    spoken: tuple[str, ...] = ()


ADMIN_ACTIONS_SHOWN = ("load-package", "zero-check", "open", "pause", "resume", "close",
                       "close-for-night", "reopen-check", "release-card", "reprint", "assisted")


def _t(key: str, settings: Settings, **values: object) -> str:
    return text(key, settings.lang, **values)


def _both(key: str, **values: object) -> str:
    return f"{text(key, 'ja', **values)} / {text(key, 'en', **values)}"


def _phase(phase: Phase, settings: Settings) -> str:
    return _t(f"phase.{phase.value}", settings)


def spec_standby(s: Standby, st: UiState, settings: Settings) -> Spec:
    key = "standby.open" if s.phase is Phase.OPEN else "standby.closed"
    return Spec(
        "standby",
        (Line(text(key, "ja"), 1.3), Line(text(key, "en"), 1.0)),
        ((Line(f"{_both('standby.phase')}: {_phase(s.phase, settings)}"),),),
    )


def spec_notice(s: Notice, st: UiState, settings: Settings) -> Spec:
    first, second = (s.ja, s.en) if settings.lang == "ja" else (s.en, s.ja)
    header = (Line(_both("notice.admin")),) if s.for_admin else ()
    return Spec("notice", header, ((Line(first, 1.2),), (Line(second),)))


def spec_admin_pin(s: AdminPin, st: UiState, settings: Settings) -> Spec:
    shown = "●" * len(st.pin) if st.pin else "—"
    header = [Line(_both("pin.title")), Line(f"{s.holder}（{s.role}）  {shown}")]
    if s.tries_left >= 0:
        header.append(Line(_both("pin.tries", n=s.tries_left)))
    digits = [ButtonSpec((Line(d),), UiAction("pin-digit", d)) for d in "1234567890"]
    rows = (
        tuple(digits[0:3]), tuple(digits[3:6]), tuple(digits[6:9]),
        (ButtonSpec((Line(_t("pin.clear", settings)),), UiAction("pin-clear")), digits[9],
         ButtonSpec((Line(_t("pin.enter", settings)),), UiAction("pin-enter"))),
    )
    return Spec("admin-pin", tuple(header), rows)


def spec_admin_menu(s: AdminMenu, st: UiState, settings: Settings) -> Spec:
    lines: list[tuple[ButtonSpec | Line, ...]] = [
        (Line(f"{_t('admin.holder', settings)}: {s.holder}（{s.role}）"),),
        (Line(f"{_t('admin.phase', settings)}: {_phase(s.phase, settings)}"),),
    ]
    if s.package_fingerprint:
        lines.append((Line(f"{_t('admin.fingerprint', settings)}: {s.package_fingerprint}"),))
    for contest_id, n in s.records_per_contest:
        lines.append((Line(f"{_t('admin.records', settings)} {contest_id}: {n}"),))
    lines.append((Line(_t("admin.sessions", settings, voted=s.sessions_voted,
                          without=s.sessions_without_vote)),))
    if s.message:
        lines.append((Line(s.message),))
    actions = [ButtonSpec((Line(_t(f"action.{a}", settings)),), UiAction("admin", a))
               for a in s.actions if a in ADMIN_ACTIONS_SHOWN]
    view_events = {"counts": ShowCounts(), "media": ShowMedia(),
                   "audit-log": ShowAuditLog(0)}
    actions += [ButtonSpec((Line(_t(f"action.{v}", settings)),), view_events[v])
                for v in s.views if v in view_events]
    actions.append(ButtonSpec((Line(_t("admin.sign-out", settings)),), fw.SignOut()))
    for i in range(0, len(actions), 2):
        lines.append(tuple(actions[i:i + 2]))
    return Spec("admin-menu", (Line(_both("admin.title")),), tuple(lines))


def spec_assisted(s: AssistedEntry, st: UiState, settings: Settings) -> Spec:
    """Art. 7: the kind and the two assistants; or, while a name is typed, the kana keyboard."""
    def button(label: str, action: UiAction, selected: bool = False) -> ButtonSpec:
        return ButtonSpec((Line(label),), action, selected)

    if s.editing is None:
        def kind(k: AssistKind) -> ButtonSpec:
            label = _t(f"assist.{k.value}", settings)
            if s.kind is k:  # never colour alone: a mark as well
                label = f"✓ {label}"
            return button(label, UiAction("assist-kind", k), s.kind is k)

        names = tuple(  # one line each, so the 7" panel holds the whole entry on one page
            button(f"{i + 1}: {name.strip()}" if name.strip()
                   else _t("assist.assistant", settings, n=i + 1),
                   UiAction("assist-edit", str(i)))
            for i, name in enumerate(s.names)
        )
        rows: tuple[tuple[ButtonSpec | Line, ...], ...] = (
            (kind(AssistKind.PROXY), kind(AssistKind.OPERATION)),
            names,
            (button(_t("assist.cancel", settings), UiAction("assist-cancel")),
             button(_t("assist.confirm", settings), UiAction("assist-confirm"))),
        )
        header: tuple[Line, ...] = (Line(_both("assist.title")),
                                    Line(_both("assist.hint"), optional=True))
        return Spec("admin-assisted", header, rows)
    typed = s.names[s.editing]
    groups = tuple(button(g[0], UiAction("assist-group", str(i)), i == s.group)
                   for i, g in enumerate(KANA_GROUPS[:-1]))
    kana = tuple(button(k, UiAction("assist-key", k)) for k in KANA_GROUPS[s.group])
    marks = tuple(button(k, UiAction("assist-key", k)) for k in ("゛", "゜", "ー"))
    last = len(KANA_GROUPS) - 1
    rows = (
        groups,
        kana + marks,
        (button(KANA_GROUPS[last][0], UiAction("assist-group", str(last)), s.group == last),
         button(_t("assist.small", settings), UiAction("assist-key", "小")),
         button(_t("assist.space", settings), UiAction("assist-key", " ")),
         button(_t("assist.delete", settings), UiAction("assist-key", "⌫"))),
    )
    header = (Line(f"{_t('assist.name-of', settings, n=s.editing + 1)}「{typed}」"),)
    return Spec("admin-assisted-kana", header, rows,
                (button(_t("assist.done", settings), UiAction("assist-done")),))


def _choice(label: tuple[Line, ...], action: Action, selected: bool,
            settings: Settings, item: str) -> ButtonSpec:
    if selected:  # never colour alone: a mark and words as well
        label = (Line(f"{_t('choice.selected', settings)}  {label[0].text}", label[0].scale),
                 *label[1:])
    return ButtonSpec(label, action, selected, item)


def _voter_tail(settings: Settings) -> tuple[tuple[ButtonSpec | Line, ...], ...]:
    return ((ButtonSpec((Line(_t("nav.settings", settings)),), OpenSettings(),
                        item="settings"),
             ButtonSpec((Line(_t("nav.end", settings)),), fw.EndWithoutVoting(), item="end")),)


def spec_contest(s: ContestChoice, st: UiState, settings: Settings) -> Spec:
    title = s.title if settings.lang == "ja" else s.title_en
    header = (Line(f"{_t('contest.of', settings, position=s.position, of=s.of)}  {title}", 1.1),
              Line(_t("contest.choose", settings), optional=True))
    rows: list[tuple[ButtonSpec | Line, ...]] = []
    for c in s.candidates:  # art. 5: name large, kana reading, party; in the package's order
        rows.append((_choice((Line(c.name, 1.25), Line(f"{c.kana}　{c.party}")),
                             fw.Select(c.candidate_id), s.selected == c.candidate_id,
                             settings, f"choose:{c.candidate_id}"),))
    if s.blank_allowed:
        rows.append((_choice((Line(_t("choice.blank", settings)),), fw.Select("blank"),
                             s.selected == "blank", settings, "choose:blank"),))
    rows.append((_choice((Line(_t("choice.abstain", settings)),), fw.Select("abstain"),
                         s.selected == "abstain", settings, "choose:abstain"),))
    rows.extend(_voter_tail(settings))
    footer = ([ButtonSpec((Line(_t("nav.back", settings)),), fw.Back(), item="back")]
              if s.position > 1 else [])
    footer.append(ButtonSpec((Line(_t("nav.next", settings)),), fw.Next(), item="next"))
    return Spec("contest", header, tuple(rows), tuple(footer))


def spec_review(s: Review, st: UiState, settings: Settings) -> Spec:
    rows: list[tuple[ButtonSpec | Line, ...]] = []
    for line in s.lines:
        rows.append((Line(line.title),))
        chosen = (Line(line.name, 1.25), Line(f"{line.kana}　{line.party}" if line.party
                                              else line.kana))
        rows.append((ButtonSpec(chosen + (Line(_t("review.change", settings)),),
                                fw.ChangeContest(line.contest_id),
                                item=f"change:{line.contest_id}"),))
    rows.append((ButtonSpec((Line(_t("nav.end", settings)),), fw.EndWithoutVoting(),
                            item="end"),))
    footer = (ButtonSpec((Line(_t("nav.back", settings)),), fw.Back(), item="back"),
              ButtonSpec((Line(_t("review.cast", settings)),), fw.Cast(), item="cast"))
    return Spec("review", (Line(_t("review.title", settings), 1.1),), tuple(rows), footer)


def spec_recorded(s: Recorded, st: UiState, settings: Settings) -> Spec:
    other = "en" if settings.lang == "ja" else "ja"
    return Spec(
        "recorded",
        (Line(_t("recorded.title", settings), 1.3),),
        ((Line(_t("recorded.card", settings), 1.1),),
         (Line(text("recorded.title", other)),), (Line(text("recorded.card", other)),)),
    )


def spec_voter_settings(s: VoterSettingsMenu, st: UiState, settings: Settings) -> Spec:
    v = s.settings
    on_off = {True: _t("settings.on", settings), False: _t("settings.off", settings)}
    values = {
        "text_size": f"{v.text_size + 1}",
        "high_contrast": on_off[v.high_contrast],
        "audio": on_off[v.audio],
        "language": "日本語" if v.language == "ja" else "English",
        "screen_blank": on_off[v.screen_blank],
    }
    rows: list[tuple[ButtonSpec | Line, ...]] = []
    for item in focus_items(s):
        if not item.startswith("setting:"):
            continue
        name = item.split(":", 1)[1]
        new = cycled(v, name)
        rows.append((ButtonSpec((Line(f"{_t('settings.' + name, settings)}: {values[name]}"),),
                                ChangeSetting(name, getattr(new, name)), item=item),))
    rows.extend(((ButtonSpec((Line(_t("nav.end", settings)),), fw.EndWithoutVoting(),
                             item="end"),),))
    footer = (ButtonSpec((Line(_t("settings.start", settings)),), fw.Next(), item="start"),)
    return Spec("voter-settings", (Line(_t("settings.title", settings), 1.1),), tuple(rows),
                footer)


def spec_inactivity(s: InactivityAlert, st: UiState, settings: Settings) -> Spec:
    return Spec(
        "inactivity-alert",
        (Line(_t("alert.title", settings), 1.3),),
        ((Line(_t("alert.lock", settings, seconds=s.seconds_to_lock)),),),
        (ButtonSpec((Line(_t("alert.continue", settings)),), KeepVoting(), item="continue"),),
    )


def spec_locked(s: SessionLocked, st: UiState, settings: Settings) -> Spec:
    return Spec("locked", (Line(text("locked.title", "ja"), 1.3),),
                ((Line(text("locked.title", "en")),), (Line(_both("locked.call")),)))


def _fields(record: object, settings: Settings) -> list[tuple[ButtonSpec | Line, ...]]:
    """An admin view's values, field by field (read-only data for the poll manager), each
    under its label in the poll manager's language (``field.*`` in ui/strings.py)."""
    rows: list[tuple[ButtonSpec | Line, ...]] = []
    for f in dataclasses.fields(record):  # type: ignore[arg-type]
        value = getattr(record, f.name)
        if isinstance(value, tuple):
            rows.extend(_elements(value, settings))
        else:
            rows.append((Line(_field(f.name, value, settings)),))
    return rows


def _field(name: str, value: object, settings: Settings) -> str:
    if name == "event" and isinstance(value, str) and value in EVENT_DESCRIPTIONS:
        ja, en = EVENT_DESCRIPTIONS[value]  # an audit event, by what it means (events.toml)
        value = ja if settings.lang == "ja" else en
    elif name == "outcome" and isinstance(value, str):
        value = _t(f"outcome.{value}", settings)  # firmware/audit.py OUTCOMES, each one here
    elif isinstance(value, bool):
        value = _t(f"value.{str(value).lower()}", settings)
    elif value == "":
        value = _t("value.none", settings)
    return f"{_t(f'field.{name}', settings)}: {value}"


def _elements(values: tuple[object, ...], settings: Settings,
              depth: int = 0) -> list[tuple[ButtonSpec | Line, ...]]:
    """One bulleted line per element: a record's plain fields on its line, then the lines of
    each of its lists indented under it (a medium, then each of its tables), each shown once."""
    bullet = "　" * depth + "・"
    rows: list[tuple[ButtonSpec | Line, ...]] = []
    for element in values:
        if not dataclasses.is_dataclass(element):
            rows.append((Line(f"{bullet}{element}"),))
            continue
        named = [(g.name, getattr(element, g.name)) for g in dataclasses.fields(element)]
        rows.append((Line(bullet + "  ".join(
            _field(name, value, settings) for name, value in named
            if not isinstance(value, tuple))),))
        for _, value in named:
            if isinstance(value, tuple):
                rows.extend(_elements(value, settings, depth + 1))
    return rows


def _admin_view(kind: str, title: str) -> Callable[[Any, UiState, Settings], Spec]:
    def spec(s: Any, st: UiState, settings: Settings) -> Spec:
        footer = [ButtonSpec((Line(_t("admin.menu", settings)),), ShowMenu())]
        if isinstance(s, AuditLogView):
            if s.page + 1 < s.pages:
                footer.append(ButtonSpec((Line(_t("admin.older", settings)),),
                                         ShowAuditLog(s.page + 1)))
            if s.page > 0:
                footer.insert(1, ButtonSpec((Line(_t("admin.newer", settings)),),
                                            ShowAuditLog(s.page - 1)))
        return Spec(kind, (Line(_both(title)),), tuple(_fields(s, settings)), tuple(footer))

    return spec


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
    AdminCounts: _admin_view("admin-counts", "admin.counts"),
    MediaStatus: _admin_view("admin-media", "admin.media"),
    AuditLogView: _admin_view("admin-audit", "admin.audit-log"),
    AssistedEntry: spec_assisted,
}


def spec_for(screen: object, state: UiState, settings: Settings) -> Spec:
    try:
        make = SPECS[type(screen)]
    except KeyError as exc:
        raise UnknownScreen(
            f"画面 {type(screen).__name__} を表示できません / the UI has no view for "
            f"{type(screen).__name__}; add one to ui/views.py SPECS"
        ) from exc
    return make(screen, state, settings)


# --- layout ----------------------------------------------------------------------------------


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

    def place_row(row: tuple[ButtonSpec | Line, ...]) -> _Placed:
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

    short = H < 600
    header = lines_of(tuple(h for h in spec.header if not (short and h.optional)), inner)
    header_h = block_height(header)
    body = [place_row(r) for r in spec.rows]
    nav_probe = (*spec.footer, ButtonSpec((Line(_t("nav.more", settings) + "（1／9 ページ）"),),
                                          UiAction("page")))
    footer_h = place_row(nav_probe).height

    # Pack body rows into pages; a footer row is always reserved for navigation.
    avail = H - header_h - 3 * gap - footer_h - gap
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
    page = min(state.page, len(pages) - 1)
    if voter_focus is not None:  # keypad: show the page that holds the focused item
        for i, rows in enumerate(pages):
            if any(isinstance(x, ButtonSpec) and x.item == voter_focus
                   for r in (spec.rows[body.index(p)] for p in rows) for x in r):
                page = i

    texts: list[TextLine] = text_block(header, gap, gap, inner, pal.text, pal.background)
    buttons: list[Button] = []
    y = gap + header_h + gap
    for placed in pages[page]:
        t, b = placed.build(gap, y, len(buttons))
        texts += t
        buttons += b
        y += placed.height + gap

    nav = list(spec.footer)
    if len(pages) > 1:
        where = _t("nav.page", settings, page=page + 1, pages=len(pages))
        if page > 0:
            nav.insert(0, ButtonSpec((Line(_t("nav.previous", settings)),),
                                     UiAction("page", str(page - 1))))
        if page < len(pages) - 1:
            nav.append(ButtonSpec((Line(f"{_t('nav.more', settings)}（{where}）"),),
                                  UiAction("page", str(page + 1))))
        elif page > 0:
            nav[0] = ButtonSpec((Line(f"{_t('nav.previous', settings)}（{where}）"),),
                                UiAction("page", str(page - 1)))
    if nav:
        footer_row = place_row(tuple(nav))
        t, b = footer_row.build(gap, H - gap - footer_row.height, len(buttons))
        texts += t
        buttons += b
    return View(spec.kind, W, H, pal.background, tuple(texts), tuple(buttons), page, len(pages),
                spec.spoken)
