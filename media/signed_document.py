"""A signed document on a medium: canonical JSON ``{"body": {...}, "signature": hex}`` where the
signature is the machine's Ed25519 signature over the canonical body (docs/media-format.md §3)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from election import canonical
from election.signature import sign, verify


class DocumentUnreadable(ValueError):
    """A medium's file is not a well-formed signed document of the expected kind."""


@dataclass(frozen=True)
class SignedDocument:
    body: dict[str, Any]
    body_bytes: bytes
    signature: bytes

    def verify(self, public_key: bytes, purpose: str, what: str) -> None:
        verify(public_key, purpose, self.body_bytes, self.signature, what)


SIGNATURE_HEX = re.compile(r"[0-9a-f]{128}")


def encode_signed(body: dict[str, Any], key: Ed25519PrivateKey, purpose: str) -> bytes:
    body_bytes = canonical.encode(body)
    signature = sign(key, purpose, body_bytes)
    return canonical.encode({"body": body, "signature": signature.hex()})


def decode_signed(data: bytes, expected_format: str, what: str) -> SignedDocument:
    try:
        outer = canonical.decode_object(data)
        body = outer["body"]
        if not isinstance(outer["signature"], str) or not SIGNATURE_HEX.fullmatch(
            outer["signature"]
        ):
            raise ValueError("signature is not 128 lowercase hex digits")
        signature = bytes.fromhex(outer["signature"])
        if not isinstance(body, dict) or set(outer) != {"body", "signature"}:
            raise ValueError("shape")
    except (canonical.NotCanonical, KeyError, ValueError, TypeError) as exc:
        raise DocumentUnreadable(f"{what}が壊れています / {what} is corrupt") from exc
    if body.get("format") != expected_format:
        raise DocumentUnreadable(
            f"{what}の形式が違います / {what} has format {body.get('format')!r}, "
            f"expected {expected_format!r}"
        )
    return SignedDocument(body, canonical.encode(body), signature)
