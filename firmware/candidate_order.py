"""The order candidates are shown in (art. 5), so no candidate gains from always being first."""

from __future__ import annotations

from election.package import Candidate, Contest, OrderRule
from firmware.interfaces import RandomSource


def candidate_order(
    contest: Contest, machine_index: int, random: RandomSource
) -> tuple[Candidate, ...]:
    """Withdrawn and deceased candidates are not offered (art. 13)."""
    standing = [c for c in contest.candidates if c.status.value == "standing"]
    if contest.order_rule is OrderRule.FIXED_BY_LOT:
        return tuple(standing)
    if contest.order_rule is OrderRule.ROTATED_PER_MACHINE:
        shift = machine_index % len(standing) if standing else 0
        return tuple(standing[shift:] + standing[:shift])
    shuffled = list(standing)
    for i in range(len(shuffled) - 1, 0, -1):  # Fisher–Yates with the machine's randomness
        j = random.below(i + 1)
        shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
    return tuple(shuffled)
