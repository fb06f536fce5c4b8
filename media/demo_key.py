"""The DEMO-ONLY counting private key file. Until the counting key lives only as k-of-n shares
on key holders' cards, the demo and tests keep it in a file marked so that no one mistakes it
for an election's key; nothing but the demo and the tests may read it."""

from __future__ import annotations

import re

from media.counting_key import PRIVATE_KEY_LENGTH, CountingKeyError

_KEY_HEX = re.compile(f"[0-9a-f]{{{2 * PRIVATE_KEY_LENGTH}}}")
BANNER = "# DEMO ONLY — 模擬選挙専用の開票秘密鍵。実際の選挙では使用禁止 / never for a real election"


def write_demo_private_key(raw: bytes) -> str:
    return f"{BANNER}\n{raw.hex()}\n"


def read_demo_private_key(text: str) -> bytes:
    lines = text.strip().splitlines()
    if len(lines) != 2 or lines[0] != BANNER:
        raise CountingKeyError("模擬選挙用の鍵ファイルではありません / not a demo key file")
    if not _KEY_HEX.fullmatch(lines[1]):
        raise CountingKeyError(
            f"開票鍵は小文字の16進数{2 * PRIVATE_KEY_LENGTH}桁です / the key line must be "
            f"{2 * PRIVATE_KEY_LENGTH} lowercase hex digits (docs/counting-keys.md §8)")
    return bytes.fromhex(lines[1])
