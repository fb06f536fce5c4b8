"""The poll manager's screens as Specs: the PIN pad, the admin menu and the entry of assisted
voting (art. 7) drawn over it."""

from __future__ import annotations

from firmware import machine as fw
from firmware.admin_views import ShowAuditLog, ShowCounts, ShowMedia
from firmware.assisted import AssistKind, CancelAssisted
from firmware.screens import AdminMenu, AdminPin
from ui.assisted_entry import KANA_GROUPS, AssistedEntry
from ui.spec import ButtonSpec, Line, Row, Spec, both, phase_name, say
from ui.theme import Settings
from ui.view import UiAction, UiState

ADMIN_ACTIONS_SHOWN = ("load-package", "zero-check", "open", "pause", "resume", "close",
                       "close-for-night", "reopen-check", "release-card", "reprint", "assisted")


def spec_admin_pin(s: AdminPin, st: UiState, settings: Settings) -> Spec:
    shown = "●" * len(st.pin) if st.pin else "—"
    header = [Line(both("pin.title")), Line(f"{s.holder}（{s.role}）  {shown}")]
    if s.tries_left >= 0:
        header.append(Line(both("pin.tries", n=s.tries_left)))
    digits = [ButtonSpec((Line(d),), UiAction("pin-digit", d)) for d in "1234567890"]
    rows = (
        tuple(digits[0:3]), tuple(digits[3:6]), tuple(digits[6:9]),
        (ButtonSpec((Line(say("pin.clear", settings)),), UiAction("pin-clear")), digits[9],
         ButtonSpec((Line(say("pin.enter", settings)),), UiAction("pin-enter"))),
    )
    return Spec("admin-pin", tuple(header), rows)


def spec_admin_menu(s: AdminMenu, st: UiState, settings: Settings) -> Spec:
    lines: list[Row] = [
        (Line(f"{say('admin.holder', settings)}: {s.holder}（{s.role}）"),),
        (Line(f"{say('admin.phase', settings)}: {phase_name(s.phase, settings)}"),),
    ]
    if s.assisted_pending is not None:  # art. 7: what the next session will be, and its undo
        pending = s.assisted_pending
        first, second = pending.assistants
        lines.append((Line(say("assist.pending", settings, first=first, second=second,
                               kind=say(f"assist.{pending.kind.value}", settings))),
                       ButtonSpec((Line(say("assist.cancel-pending", settings)),),
                                  CancelAssisted())))
    if s.package_fingerprint:
        lines.append((Line(f"{say('admin.fingerprint', settings)}: {s.package_fingerprint}"),))
    for contest_id, n in s.records_per_contest:
        lines.append((Line(f"{say('admin.records', settings)} {contest_id}: {n}"),))
    lines.append((Line(say("admin.sessions", settings, voted=s.sessions_voted,
                           without=s.sessions_without_vote)),))
    if s.message:
        lines.append((Line(s.message),))
    actions = [ButtonSpec((Line(say(f"action.{a}", settings)),), UiAction("admin", a))
               for a in s.actions if a in ADMIN_ACTIONS_SHOWN]
    view_events = {"counts": ShowCounts(), "media": ShowMedia(),
                   "audit-log": ShowAuditLog(0)}
    actions += [ButtonSpec((Line(say(f"action.{v}", settings)),), view_events[v])
                for v in s.views if v in view_events]
    actions.append(ButtonSpec((Line(say("admin.sign-out", settings)),), fw.SignOut()))
    for i in range(0, len(actions), 2):
        lines.append(tuple(actions[i:i + 2]))
    return Spec("admin-menu", (Line(both("admin.title")),), tuple(lines))


def spec_assisted(s: AssistedEntry, st: UiState, settings: Settings) -> Spec:
    """Art. 7: the kind and the two assistants; or, while a name is typed, the kana keyboard."""
    def button(label: str, action: UiAction, selected: bool = False) -> ButtonSpec:
        return ButtonSpec((Line(label),), action, selected)

    if s.editing is None:
        def kind(k: AssistKind) -> ButtonSpec:
            label = say(f"assist.{k.value}", settings)
            if s.kind is k:  # never colour alone: a mark as well
                label = f"✓ {label}"
            return button(label, UiAction("assist-kind", k), s.kind is k)

        names = tuple(  # one line each, so the 7" panel holds the whole entry on one page
            button(f"{i + 1}: {name.strip()}" if name.strip()
                   else say("assist.assistant", settings, n=i + 1),
                   UiAction("assist-edit", str(i)))
            for i, name in enumerate(s.names)
        )
        rows: tuple[Row, ...] = (
            (kind(AssistKind.PROXY), kind(AssistKind.OPERATION)),
            names,
            (button(say("assist.cancel", settings), UiAction("assist-cancel")),
             button(say("assist.confirm", settings), UiAction("assist-confirm"))),
        )
        header: tuple[Line, ...] = (Line(both("assist.title")),
                                    Line(both("assist.hint"), optional=True))
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
         button(say("assist.small", settings), UiAction("assist-key", "小")),
         button(say("assist.space", settings), UiAction("assist-key", " ")),
         button(say("assist.delete", settings), UiAction("assist-key", "⌫"))),
    )
    header = (Line(f"{say('assist.name-of', settings, n=s.editing + 1)}「{typed}」"),)
    return Spec("admin-assisted-kana", header, rows,
                (button(say("assist.done", settings), UiAction("assist-done")),))
