"""The counting key: a post-quantum hybrid HPKE key pair (docs/media-format.md §5).

ML-KEM-768 + X25519 so that records kept for years stay secret if either problem falls; the
private key is 96 bytes (the 64-byte ML-KEM seed, then the X25519 scalar)."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

PUBLIC_KEY_LENGTH = 1184 + 32
PRIVATE_KEY_LENGTH = 64 + 32

FINGERPRINT_LABEL = b"tohyoki/counting-public-key/v1\x00"

SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


class CountingKeyError(ValueError):
    """A counting key is malformed or does not match."""


def generate_private_key() -> bytes:
    return (
        mlkem.MLKEM768PrivateKey.generate().private_bytes_raw()
        + x25519.X25519PrivateKey.generate().private_bytes_raw()
    )


def private_key(raw: bytes) -> hpke.MLKEM768X25519PrivateKey:
    if len(raw) != PRIVATE_KEY_LENGTH:
        raise CountingKeyError("開票鍵の長さが違います / counting private key has the wrong length")
    return hpke.MLKEM768X25519PrivateKey(
        mlkem.MLKEM768PrivateKey.from_seed_bytes(raw[:64]),
        x25519.X25519PrivateKey.from_private_bytes(raw[64:]),
    )


def public_key_bytes(private_raw: bytes) -> bytes:
    """Encapsulation key: ML-KEM-768 public key (1184 bytes) then X25519 public key (32)."""
    kem = mlkem.MLKEM768PrivateKey.from_seed_bytes(private_raw[:64]).public_key()
    dh = x25519.X25519PrivateKey.from_private_bytes(private_raw[64:]).public_key()
    return kem.public_bytes_raw() + dh.public_bytes_raw()


def public_key(raw: bytes) -> hpke.MLKEM768X25519PublicKey:
    if len(raw) != PUBLIC_KEY_LENGTH:
        raise CountingKeyError("開票公開鍵の長さが違います / counting public key has the wrong length")
    return hpke.MLKEM768X25519PublicKey(
        mlkem.MLKEM768PublicKey.from_public_bytes(raw[:1184]),
        x25519.X25519PublicKey.from_public_bytes(raw[1184:]),
    )


def fingerprint(public_raw: bytes) -> str:
    """The counting public key's identity for people: SHA-256 over ``FINGERPRINT_LABEL`` ‖ key,
    hex (docs/counting-keys.md §1). The key ceremony prints it, the commission's tool shows it
    for the package it signs, the counting tool when a session opens: one value to compare on
    paper at each step."""
    if len(public_raw) != PUBLIC_KEY_LENGTH:
        raise CountingKeyError("開票公開鍵の長さが違います / counting public key has the wrong length")
    return hashlib.sha256(FINGERPRINT_LABEL + public_raw).hexdigest()
