"""Ed25519 signatures with a purpose label, so a signature made for one thing never verifies as
another (a seal is never mistaken for a package). docs/media-format.md §3."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class BadSignature(ValueError):
    """A signature does not verify under the key that should have made it."""


def signed_message(purpose: str, message: bytes) -> bytes:
    """The exact bytes that are signed: ``tohyoki/<purpose>/v1`` NUL ``message``."""
    return f"tohyoki/{purpose}/v1".encode("ascii") + b"\x00" + message


def sign(private_key: Ed25519PrivateKey, purpose: str, message: bytes) -> bytes:
    return private_key.sign(signed_message(purpose, message))


def verify(public_key: bytes, purpose: str, message: bytes, signature: bytes, what: str) -> None:
    """Raise ``BadSignature`` naming ``what`` when the signature does not verify."""
    try:
        key = Ed25519PublicKey.from_public_bytes(public_key)
        key.verify(signature, signed_message(purpose, message))
    except (InvalidSignature, ValueError) as exc:
        raise BadSignature(
            f"{what}の署名が正しくありません / the signature on {what} is invalid"
        ) from exc


def public_bytes(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes_raw()


def private_from_hex(text: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(text.strip()))


def private_to_hex(private_key: Ed25519PrivateKey) -> str:
    return private_key.private_bytes_raw().hex()
