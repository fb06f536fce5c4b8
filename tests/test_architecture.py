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


# --- the shape of the code (issue #14): no import circle, no file too long to read ----------

MAX_LINES = 500  # "about 500": a file a newcomer can read in one sitting
LENGTH_CHECKED = ("firmware", "counting", "drivers", "ui")


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _module_imports(path: Path, module: str, known: set[str]) -> set[str]:
    """The modules of ``known`` that ``path`` imports anywhere (a lazy import inside a function
    still makes a circle); ``from package import name`` counts the submodule when it is one."""
    found = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in known:
                    found.add(sub)
                elif base in known:
                    found.add(base)
    found.discard(module)
    return found


def import_circles(root: Path, package: str) -> list[list[str]]:
    """Every strongly connected group of more than one module (or a module importing itself)
    in ``package``'s import graph, each as a sorted list of module names."""
    paths = {_module_name(p, root): p for p in sorted((root / package).rglob("*.py"))}
    graph = {name: _module_imports(path, name, set(paths)) for name, path in paths.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return circles


def long_files(root: Path, packages: tuple[str, ...], limit: int = MAX_LINES) -> list[str]:
    found = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            lines = len(path.read_text("utf-8").splitlines())
            if lines > limit:
                found.append(f"{path.relative_to(root)}: {lines} lines")
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_no_import_circle(package: str) -> None:
    circles = import_circles(ROOT, package)
    assert not circles, circles


@pytest.mark.parametrize("package", LENGTH_CHECKED)
def test_no_file_is_too_long_to_read(package: str) -> None:
    found = long_files(ROOT, (package,))
    assert not found, found


def test_the_check_sees_an_import_circle(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("from pkg.b import thing\n")
    (tmp_path / "pkg" / "b.py").write_text("def f():\n    from pkg import c\n")
    (tmp_path / "pkg" / "c.py").write_text("from . import a\n")
    (tmp_path / "pkg" / "d.py").write_text("from pkg import a\n")  # on the circle's edge only
    assert import_circles(tmp_path, "pkg") == [["pkg.a", "pkg.b", "pkg.c"]]
    (tmp_path / "pkg" / "c.py").write_text("import json\n")  # the circle broken
    assert import_circles(tmp_path, "pkg") == []


def test_the_check_sees_a_long_file(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "short.py").write_text("x = 1\n" * MAX_LINES)
    (tmp_path / "pkg" / "long.py").write_text("x = 1\n" * (MAX_LINES + 1))
    assert long_files(tmp_path, ("pkg",)) == [f"pkg/long.py: {MAX_LINES + 1} lines"]


def test_the_old_machine_had_a_circle_the_check_finds(tmp_path: Path) -> None:
    """The shape before issue #14: booth.py imported machine.py lazily, machine.py imported
    booth.py at the top."""
    (tmp_path / "firmware").mkdir()
    (tmp_path / "firmware" / "__init__.py").write_text("")
    (tmp_path / "firmware" / "booth.py").write_text(
        "def _voter_input(self):\n    from firmware import machine as fw\n")
    (tmp_path / "firmware" / "machine.py").write_text("from firmware.booth import BoothMixin\n")
    assert import_circles(tmp_path, "firmware") == [["firmware.booth", "firmware.machine"]]
