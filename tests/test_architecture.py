"""Imports point one way (README, "Architecture"): the libraries below know nothing of the
programs above them, and the firmware reaches no hardware, no window system and no clock or
randomness of its own. Read from the source with ``ast``, so a new import that bends the rule
fails here, whatever the code does."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"election", "media", "firmware", "drivers", "counting", "reception", "ui", "demo",
        "bench", "tests"}
# what each of our packages may import of ours (besides itself)
ALLOWED = {
    "election": set(),
    "media": {"election"},
    "firmware": {"election", "media"},
    "drivers": {"firmware", "election", "media"},
    "counting": {"election", "media", "drivers", "firmware"},
    "reception": {"election", "drivers", "firmware"},
    "ui": {"firmware", "election", "media", "drivers"},
}
# third-party or system modules the pure layers must never touch
HARDWARE = {"kivy", "serial", "pyudev", "smartcard", "pyttsx3", "pyopenjtalk", "PIL", "qrcode",
            "socket", "subprocess", "threading", "ctypes"}
PURE = {"election", "media", "firmware"}
# the few places that bend a rule on purpose, each with its reason
EXCEPTIONS = {
    ("election/__main__.py", "media"): "the commission's CLI (a program) makes the counting key "
                                             "and shows its fingerprint",
    ("election/verify_report.py", "subprocess"): "the observer's CLI reads a printed QR code "
                                                 "with zbarimg",
    ("counting/screens/projector.py", "ui"): "the one pinned font (ui/fonts.py) of every screen",
}


def _imports(path: Path) -> set[str]:
    """Top-level names of every module imported anywhere in the file (also inside functions
    and TYPE_CHECKING blocks: a lazy import is still a dependency)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _imports_beyond(package: str, watched: set[str], allowed: set[str]) -> list[str]:
    """Each import in ``package`` of a ``watched`` module it may not use, unless an exception."""
    return sorted({
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in _imports(path) & watched
        if name != package and name not in allowed
        and (path.relative_to(ROOT).as_posix(), name) not in EXCEPTIONS
    })


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_one_way(package: str) -> None:
    wrong = _imports_beyond(package, OURS, ALLOWED[package])
    assert not wrong, wrong


@pytest.mark.parametrize("package", sorted(PURE))
def test_the_pure_layers_reach_no_device_window_or_process(package: str) -> None:
    wrong = _imports_beyond(package, HARDWARE, set())
    assert not wrong, wrong


def test_the_check_sees_a_bent_import(tmp_path: Path) -> None:
    bent = tmp_path / "bent.py"
    bent.write_text("def f():\n    from drivers.medium import DirectoryMedium\n    import kivy\n")
    assert {"drivers", "kivy"} <= _imports(bent)
