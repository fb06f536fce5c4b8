"""The poll manager's read-only views (counts, media status, audit log) as Specs: every field of
the firmware's record once, under its label in the poll manager's language (``field.*`` in
ui/strings.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from firmware.admin_screens import AuditLogView
from firmware.admin_views import ShowAuditLog, ShowMenu
from firmware.audit_events import DESCRIPTIONS as EVENT_DESCRIPTIONS
from ui.spec import ButtonSpec, Line, Row, Spec, both, say
from ui.theme import Settings
from ui.view import UiState


def _fields(record: object, settings: Settings) -> list[Row]:
    """A view's values, field by field, each under its label."""
    rows: list[Row] = []
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
        value = say(f"outcome.{value}", settings)  # firmware/audit.py OUTCOMES, each one here
    elif isinstance(value, bool):
        value = say(f"value.{str(value).lower()}", settings)
    elif value == "":
        value = say("value.none", settings)
    return f"{say(f'field.{name}', settings)}: {value}"


def _elements(values: tuple[object, ...], settings: Settings, depth: int = 0) -> list[Row]:
    """One bulleted line per element: a record's plain fields on its line, then the lines of
    each of its lists indented under it (a medium, then each of its tables), each shown once."""
    bullet = "　" * depth + "・"
    rows: list[Row] = []
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


def admin_record_view(kind: str, title: str) -> Callable[[Any, UiState, Settings], Spec]:
    """The spec function for one read-only view: its fields, then back to the menu (and, for
    the audit log, older and newer pages)."""
    def spec(s: Any, st: UiState, settings: Settings) -> Spec:
        footer = [ButtonSpec((Line(say("admin.menu", settings)),), ShowMenu())]
        if isinstance(s, AuditLogView):
            if s.page + 1 < s.pages:
                footer.append(ButtonSpec((Line(say("admin.older", settings)),),
                                         ShowAuditLog(s.page + 1)))
            if s.page > 0:
                footer.insert(1, ButtonSpec((Line(say("admin.newer", settings)),),
                                            ShowAuditLog(s.page - 1)))
        return Spec(kind, (Line(both(title)),), tuple(_fields(s, settings)), tuple(footer))

    return spec
