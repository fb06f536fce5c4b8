"""docs/conformance.md stays true: every test file and test it names exists (a ``::name`` right
after a named file belongs to that file)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "docs" / "conformance.md"
NAMED = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`|`::(\w+)`")


def named_tests(text: str) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for row in (line for line in text.splitlines() if line.startswith("| ")):
        current = None
        for file, test, following in NAMED.findall(row):
            if file:
                current = file
            if current is not None:
                found.append((current, test or following or None))
    return found


def test_every_test_the_conformance_table_names_exists() -> None:
    missing = [
        f"{file}::{test}" if test else file
        for file, test in named_tests(TABLE.read_text("utf-8"))
        if not (ROOT / file).exists()
        or (test and f"def {test}(" not in (ROOT / file).read_text("utf-8"))
    ]
    assert not missing, missing


def test_the_check_reads_a_following_name_as_the_previous_file() -> None:
    row = "| x | y | `tests/test_architecture.py::a`, `::b`; `tests/test_ui_kiosk.py` | met |"
    assert named_tests(row) == [("tests/test_architecture.py", "a"),
                                ("tests/test_architecture.py", "b"),
                                ("tests/test_ui_kiosk.py", None)]
