"""The DEMO-ONLY counting private key file. Until the counting key lives only as k-of-n shares
on key holders' cards, the demo and tests keep it in a file marked so that no one mistakes it
for an election's key; nothing but the demo and the tests may read it."""

from __future__ import annotations

from media.counting_key import PRIVATE_KEY_LENGTH, CountingKeyError

BANNER = "# DEMO ONLY — 模擬選挙専用の開票秘密鍵。実際の選挙では使用禁止 / never for a real election"


def write_demo_private_key(raw: bytes) -> str:
    return f"{BANNER}\n{raw.hex()}\n"


def read_demo_private_key(text: str) -> bytes:
    lines = text.strip().splitlines()
    if len(lines) != 2 or lines[0] != BANNER:
        raise CountingKeyError("模擬選挙用の鍵ファイルではありません / not a demo key file")
    raw = bytes.fromhex(lines[1])
    if len(raw) != PRIVATE_KEY_LENGTH:
        raise CountingKeyError("開票鍵の長さが違います / wrong counting key length")
    return raw
