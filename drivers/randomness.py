"""Randomness: the operating system's for the machine; a seeded generator for simulations and
tests only (it is predictable by design and must never drive a real election)."""

from __future__ import annotations

import random
import secrets


class SystemRandom:
    def below(self, bound: int) -> int:
        return secrets.randbelow(bound)

    def token(self, length: int) -> bytes:
        return secrets.token_bytes(length)


class SeededRandom:
    """Deterministic: the same seed gives the same slots, keys and ids — for tests and demo."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def below(self, bound: int) -> int:
        return self._random.randrange(bound)

    def token(self, length: int) -> bytes:
        return self._random.randbytes(length)
