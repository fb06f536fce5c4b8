"""What every subcommand prints the same way: the import's findings, the problems that stop a
count, and a progress bar redrawn in place on stderr."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TextIO

from counting.importer import STATUS_JA, ImportResult
from counting.reconciliation import Mismatch
from counting.session import SessionError


class CliError(SessionError):
    """Stops the command with a bilingual message and exit status 2."""


class Progress:
    """``取込 / import  123/500  24.6%  41.0 media/s`` on stderr, redrawn in place."""

    def __init__(self, label: str, stream: TextIO = sys.stderr) -> None:
        self.label = label
        self.stream = stream
        self.start = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int, path: Path) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.2:
            return
        self.last = now
        rate = done / max(now - self.start, 1e-6)
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total} {100 * done / max(total, 1):5.1f}%"
                          f" {rate:,.1f} 媒体/秒 media/s")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


def import_progress() -> Progress:
    return Progress("取込 / import")


def print_import(imported: ImportResult) -> None:
    for finding in imported.findings:
        status = f"{STATUS_JA.get(finding.status, finding.status)} / {finding.status}"
        print(f"  {finding.path.name}: [{status}] {finding.message}")
    for note in imported.notes:
        print(f"  注 / note: {note}")


def print_problems(imported: ImportResult) -> int:
    print("開票を開始できません / counting cannot start:", file=sys.stderr)
    for problem in imported.problems:
        print(f"  - {problem}", file=sys.stderr)
    return 3


def print_open_mismatches(still: list[Mismatch]) -> int:
    """Print reconciliation mismatches without a decision; their number (0: may count)."""
    for m in still:
        print(f"  - 照合の不一致（決定が必要） / mismatch needing a decision: {m.message}",
              file=sys.stderr)
    return len(still)
