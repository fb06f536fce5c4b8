"""Reads firmware/events.toml and generates the constants module and the documentation from it,
so an event is declared in one place only. ``python -m firmware.event_catalogue --write``."""

from __future__ import annotations

import argparse
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "firmware" / "events.toml"
CONSTANTS = ROOT / "firmware" / "audit_events.py"
DOCUMENT = ROOT / "docs" / "audit-events.md"
TYPES = ("system", "admin", "package", "media", "polls", "voting", "report", "counting")


@dataclass(frozen=True)
class EventSpec:
    event_id: int
    name: str
    type: str
    ja: str
    en: str


def load() -> list[EventSpec]:
    data = tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))
    specs = [
        EventSpec(e["id"], e["name"], e["type"], e["ja"], e["en"]) for e in data["event"]
    ]
    ids = [s.event_id for s in specs]
    names = [s.name for s in specs]
    if len(set(ids)) != len(ids) or len(set(names)) != len(names):
        raise ValueError("event ids and names must be unique")
    for spec in specs:
        if spec.type not in TYPES or not spec.name.isidentifier():
            raise ValueError(f"bad event {spec}")
    return specs


def render_constants(specs: list[EventSpec]) -> str:
    lines = [
        '"""Audit-log event ids. GENERATED from firmware/events.toml — do not edit."""',
        "",
        "from enum import IntEnum",
        "",
        "",
        "class AuditEvent(IntEnum):",
        '    """Every event the machine logs; the id is fixed forever."""',
        "",
    ]
    for spec in specs:
        lines.append(f"    {spec.name.upper()} = {spec.event_id}  # {spec.en}")
    lines += [
        "",
        "",
        "# What each event means, Japanese first, for the poll manager's audit-log screen",
        "DESCRIPTIONS: dict[str, tuple[str, str]] = {",
    ]
    for spec in specs:
        lines.append(f"    {spec.name!r}: ({spec.ja!r}, {spec.en!r}),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_document(specs: list[EventSpec]) -> str:
    lines = [
        "# 監査ログの事象一覧 / Audit-log events",
        "",
        "Generated from `firmware/events.toml` by `python -m firmware.event_catalogue --write`;",
        "do not edit by hand. Every entry also carries an `outcome`: `start`, `success` or",
        "`failure` for long actions, `done` for instantaneous ones. No entry ever holds a vote,",
        "a choice, a slot position or a link between a card and a record.",
        "",
        "| id | name | type | 意味 | meaning |",
        "|---|---|---|---|---|",
    ]
    for s in specs:
        lines.append(f"| {s.event_id} | `{s.name}` | {s.type} | {s.ja} | {s.en} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="write the generated files")
    args = parser.parse_args(argv)
    specs = load()
    outputs = {CONSTANTS: render_constants(specs), DOCUMENT: render_document(specs)}
    stale = [p for p, text in outputs.items() if not p.exists() or p.read_text("utf-8") != text]
    if args.write:
        for path, text in outputs.items():
            path.write_text(text, encoding="utf-8")
        return 0
    for path in stale:
        print(f"stale: {path.relative_to(ROOT)}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
