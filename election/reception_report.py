"""The reception desk's signed report (受付の投票カード交付報告, docs/media-format.md §11.4): the
figures the counting centre reconciles against the machines' seals, signed so they cannot be
typed in, altered or brought from another desk or election unnoticed.

The desk signs with its card issuer key. The commission certifies that key in the signed
election package (``issuers[]``: issuer id, polling place, public key), so a report verifies only
under the key the commission listed for that desk, and its figures are bound to the polling
place the package gives that desk — not to whatever place the report names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from election import canonical
from election.fields import FieldReader, whole
from election.package import ElectionPackage, PackageError
from election.signature import BadSignature, sign, verify

RECEPTION_REPORT_FORMAT = "tohyoki-reception-report/1"
RECEPTION_REPORT_PURPOSE = "reception-report"


class ReceptionReportRefused(ValueError):
    """The report cannot be used for reconciliation; the message says why."""


@dataclass(frozen=True)
class ReceptionReport:
    """One desk's counts at one moment: cards issued, returned used, voided, outstanding."""

    election_id: str
    package_fingerprint: str
    issuer_id: str
    place_id: str
    time: datetime
    issued: int
    consumed: int
    voided: int
    outstanding: int
    by_style: tuple[tuple[str, int], ...]

    def to_body(self) -> dict[str, Any]:
        return {
            "format": RECEPTION_REPORT_FORMAT,
            "election_id": self.election_id,
            "package_fingerprint": self.package_fingerprint,
            "issuer_id": self.issuer_id,
            "place_id": self.place_id,
            "time": self.time.isoformat(),
            "issued": self.issued,
            "consumed": self.consumed,
            "voided": self.voided,
            "outstanding": self.outstanding,
            "by_style": {style: n for style, n in self.by_style},
        }

    def sign(self, issuer_key: Ed25519PrivateKey) -> bytes:
        """Canonical ``{"body": …, "signature": hex}`` (docs/media-format.md §3)."""
        body = self.to_body()
        signature = sign(issuer_key, RECEPTION_REPORT_PURPOSE, canonical.encode(body))
        return canonical.encode({"body": body, "signature": signature.hex()})


def _decode(data: bytes) -> tuple[dict[str, Any], bytes, bytes]:
    try:
        outer = canonical.decode_object(data)
        body, signature = outer["body"], outer["signature"]
        if set(outer) != {"body", "signature"} or not isinstance(body, dict) or not isinstance(
                signature, str) or len(signature) != 128:
            raise ValueError("shape")
        if body.get("format") != RECEPTION_REPORT_FORMAT:
            raise ValueError(f"format {body.get('format')!r}")
        return body, canonical.encode(body), bytes.fromhex(signature)
    except (canonical.NotCanonical, KeyError, ValueError, TypeError) as exc:
        raise ReceptionReportRefused(
            f"署名付きの受付の報告ではありません / not a signed reception report: {exc}") from exc


def is_reception_report(data: bytes) -> bool:
    """Whether the bytes claim to be a signed reception report (checked fully when opened)."""
    try:
        _decode(data)
    except ReceptionReportRefused:
        return False
    return True


def open_reception_report(data: bytes, package: ElectionPackage) -> ReceptionReport:
    """Verify a desk's report against the package: the desk's listed key, this election, the
    desk's own polling place, and figures that balance."""
    body, body_bytes, signature = _decode(data)
    r = FieldReader(body, "reception report", ReceptionReportRefused)
    r.text("format")
    styles = r.mapping("by_style")
    report = whole(r, ReceptionReport(
        election_id=r.identifier("election_id"),
        package_fingerprint=r.digest("package_fingerprint"),
        issuer_id=r.identifier("issuer_id"),
        place_id=r.identifier("place_id"),
        time=r.moment("time"),
        issued=r.integer("issued"),
        consumed=r.integer("consumed"),
        voided=r.integer("voided"),
        outstanding=r.integer("outstanding"),
        by_style=tuple(sorted((str(k), v) for k, v in styles.items())),
    ))
    if report.election_id != package.election_id:
        raise ReceptionReportRefused(
            f"{report.issuer_id}: 別の選挙（{report.election_id}）の受付の報告です / a reception "
            "report of another election")
    try:
        issuer = package.issuer(report.issuer_id)
        verify(issuer.public_key, RECEPTION_REPORT_PURPOSE, body_bytes, signature,
               "受付の報告 / reception report")
    except (PackageError, BadSignature) as exc:
        raise ReceptionReportRefused(
            f"{report.issuer_id}: この受付の報告は選挙データに登録された受付の署名ではありません（偽造"
            f"または改ざん）/ not signed by the registered reception desk {report.issuer_id} "
            "(forged or altered)") from exc
    if report.place_id != issuer.place_id:
        raise ReceptionReportRefused(
            f"{report.issuer_id}: 報告の投票所 {report.place_id} はこの受付の投票所 "
            f"{issuer.place_id} ではありません / the report names a polling place other than "
            "its desk's")
    if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for _, v in report.by_style):
        raise ReceptionReportRefused(f"{report.issuer_id}: by_style は0以上の整数 / counts "
                                     "must be whole numbers")
    if report.issued != report.consumed + report.voided + report.outstanding:
        raise ReceptionReportRefused(
            f"{report.issuer_id}: 発行 {report.issued} ≠ 使用 {report.consumed} + 無効 "
            f"{report.voided} + 未返却 {report.outstanding} / the report does not balance")
    return report
