"""A benchmark result: a ratio or a figure measured in this run, with the goal it is held to."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Measurement:
    name: str
    value: float
    unit: str
    goal: str = ""  # e.g. "<= 1.5" for a ratio; empty when only reported
    met: bool | None = None

    def line(self) -> str:
        verdict = {None: "", True: "  ✔ met", False: "  ✘ NOT met"}[self.met]
        goal = f"  (goal {self.goal})" if self.goal else ""
        return f"{self.name:<58} {self.value:>12.4g} {self.unit}{goal}{verdict}"


def timings(action: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock seconds of each of ``repeat`` calls."""
    result = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        result.append(time.perf_counter() - start)
    return result


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
