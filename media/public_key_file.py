"""The file that carries an Ed25519 public key out of band — the commission's key that every
reader of a package needs (docs/media-format.md §4.7): 64 lowercase hex digits and one line
feed, nothing else, so that two readers never disagree on which key a file holds."""

from __future__ import annotations

import re
from pathlib import Path

PUBLIC_KEY_LENGTH = 32
_FILE = re.compile(rb"[0-9a-f]{64}\n")


class PublicKeyFileUnreadable(ValueError):
    """The file is not exactly one public key in the published form."""


def encode_public_key_file(public_key: bytes) -> bytes:
    if len(public_key) != PUBLIC_KEY_LENGTH:
        raise ValueError(f"an Ed25519 public key is {PUBLIC_KEY_LENGTH} bytes")
    return public_key.hex().encode("ascii") + b"\n"


def decode_public_key_file(data: bytes) -> bytes:
    if not _FILE.fullmatch(data):
        raise PublicKeyFileUnreadable(
            "公開鍵ファイルの形式が違います（小文字の16進数64桁と改行1つだけ） / not a public key "
            "file: exactly 64 lowercase hex digits and one line feed")
    return bytes.fromhex(data[:64].decode("ascii"))


def read_public_key_file(path: Path) -> bytes:
    """The key in ``path``; the message names the file for the official."""
    try:
        return decode_public_key_file(path.read_bytes())
    except PublicKeyFileUnreadable as exc:
        raise PublicKeyFileUnreadable(f"{path}: {exc}") from exc
