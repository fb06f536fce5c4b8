"""The signed result file and the signed summary carried in the report's QR code.

A fresh Ed25519 key is made for each counting session (never stored; it signs and is dropped).
Its public key is written into the signed file and the QR summary, and its fingerprint is
printed on the PDF above the witnesses' signatures and logged in the session's audit log
(event 2057). Verifying: ``python -m counting verify result.signed.json [--fingerprint F]``
checks the signature with the embedded key and that the key's fingerprint is the one on the
signed paper report; ``verify_summary`` does the same for the QR text."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import qrcode
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from counting.tally import ContestResult
from election import canonical
from election.signature import BadSignature, public_bytes, sign, verify

RESULT_PURPOSE = "counting-result"
SUMMARY_PURPOSE = "counting-summary"
SIGNED_FORMAT = "tohyoki-signed-result/1"
SUMMARY_MAGIC = "TOHYOKI-RESULT/1"


class ResultNotAuthentic(ValueError):
    """A signed result or QR summary does not verify; do not accept the figures it shows."""


def key_fingerprint(public_key: bytes) -> str:
    digest = hashlib.sha256(b"tohyoki/result-key/v1\x00" + public_key).hexdigest()
    return digest


def short(fingerprint: str) -> str:
    return " ".join(fingerprint[i : i + 4] for i in range(0, 16, 4)).upper()


@dataclass(frozen=True)
class SessionSigner:
    """The counting session's result-signing key."""

    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SessionSigner:
        return cls(Ed25519PrivateKey.generate())

    @property
    def public_key(self) -> bytes:
        return public_bytes(self.private_key)

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.public_key)

    def sign_result(self, result: dict[str, Any]) -> str:
        """The signed result file's text (JSON)."""
        signature = sign(self.private_key, RESULT_PURPOSE, canonical.encode(result))
        return json.dumps({
            "format": SIGNED_FORMAT,
            "result": result,
            "public_key": self.public_key.hex(),
            "signature": signature.hex(),
        }, ensure_ascii=False, indent=2) + "\n"

    def sign_summary(self, body: str) -> str:
        signature = sign(self.private_key, SUMMARY_PURPOSE, body.encode("utf-8"))
        return (body + f"k={_b64(self.public_key)}\n" + f"s={_b64(signature)}\n")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_result(text: str, fingerprint: str | None = None) -> dict[str, Any]:
    """Return the verified result; ``fingerprint`` is the one printed on the signed report."""
    try:
        data = json.loads(text)
        if data.get("format") != SIGNED_FORMAT:
            raise ValueError(f"format {data.get('format')!r}")
        public_key = bytes.fromhex(data["public_key"])
        verify(public_key, RESULT_PURPOSE, canonical.encode(data["result"]),
               bytes.fromhex(data["signature"]), "開票結果 / the result")
    except (ValueError, KeyError, TypeError, canonical.NotCanonical, BadSignature) as exc:
        raise ResultNotAuthentic(
            f"署名された開票結果を確認できません / the signed result does not verify: {exc}"
        ) from exc
    _check_fingerprint(public_key, fingerprint)
    result: dict[str, Any] = data["result"]
    return result


def _check_fingerprint(public_key: bytes, fingerprint: str | None) -> None:
    if fingerprint is None:
        return
    wanted = fingerprint.replace(" ", "").lower()
    if not wanted or not key_fingerprint(public_key).startswith(wanted):
        raise ResultNotAuthentic(
            "署名鍵の指紋が報告書に印刷されたものと違います / the signing key is not the one "
            "whose fingerprint is printed on the signed report"
        )


def summary_body(election_id: str, package_fingerprint: str, created_at: str,
                 results: Sequence[ContestResult]) -> str:
    """Compact, line-based text that fits a QR code: per contest each candidate's votes, blank,
    invalid (non-candidate), unreadable and total."""
    lines = [SUMMARY_MAGIC, f"e={election_id}", f"p={package_fingerprint[:32]}",
             f"t={created_at}"]
    for r in results:
        votes = ",".join(f"{c.candidate_id}={c.votes}" for c in r.candidates)
        lines.append(f"c={r.contest_id}|{votes}|blank={r.blank}|invalid={r.invalid}"
                     f"|unreadable={r.unreadable}"
                     + (f"|blank_not_allowed={r.blank_not_allowed}" if r.blank_not_allowed else "")
                     + (f"|paper_invalid={r.paper_invalid}" if r.paper_invalid else "")
                     + f"|total={r.total}")
    return "\n".join(lines) + "\n"


def verify_summary(text: str, fingerprint: str | None = None) -> dict[str, dict[str, int]]:
    """Verify a QR summary; return contest id → {candidate id or blank/invalid/...: count}."""
    try:
        body, _, tail = text.partition("\nk=")
        body += "\n"
        key_line, _, sig_line = tail.partition("\n")
        if not body.startswith(SUMMARY_MAGIC + "\n") or not sig_line.startswith("s="):
            raise ValueError("not a tohyoki result summary")
        public_key = _unb64(key_line.strip())
        verify(public_key, SUMMARY_PURPOSE, body.encode("utf-8"),
               _unb64(sig_line[2:].strip()), "開票結果の要約 / the result summary")
    except (ValueError, BadSignature) as exc:
        raise ResultNotAuthentic(
            f"QRコードの開票結果を確認できません / the QR summary does not verify: {exc}"
        ) from exc
    _check_fingerprint(public_key, fingerprint)
    contests: dict[str, dict[str, int]] = {}
    for line in body.splitlines():
        if line.startswith("c="):
            contest_id, *parts = line[2:].split("|")
            counts: dict[str, int] = {}
            for part in parts:
                for item in part.split(","):
                    name, _, value = item.partition("=")
                    counts[name] = int(value)
            contests[contest_id] = counts
    return contests


def qr_image(text: str, box: int = 4) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box,
                         border=4)
    code.add_data(text.encode("utf-8"))
    code.make(fit=True)
    image: Image.Image = code.make_image(fill_color="black", back_color="white").get_image()
    return image.convert("L")
