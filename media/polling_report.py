"""The polling reports' QR payloads as a reader takes them (docs/media-format.md §12): a signed
document whose body has exactly the members of its format — none missing, none unknown
(§1.3 rule 3) — so that a field no reader checks cannot ride along under the machine's
signature."""

from __future__ import annotations

from media.signed_document import DocumentUnreadable, SignedDocument, decode_signed

REPORT_PURPOSE = "polling-report"
ZERO_FORMAT = "tohyoki-zero-report/1"
CLOSING_FORMAT = "tohyoki-closing-report/1"
REOPEN_FORMAT = "tohyoki-reopen-report/1"
_COMMON = frozenset({"format", "machine_id", "time", "software_hash", "package_fingerprint"})
MEMBERS = {
    ZERO_FORMAT: _COMMON | {"media", "records"},
    CLOSING_FORMAT: _COMMON | {"records", "sessions_voted", "sessions_without_vote",
                               "seal_digests", "closing_number", "final", "abstentions",
                               "assisted_sessions", "errors"},
    REOPEN_FORMAT: _COMMON | {"media", "previous_closing_number", "records", "sessions_voted",
                              "sessions_without_vote"},
}


def decode_report(data: bytes, expected_format: str, what: str) -> SignedDocument:
    """The report's signed document, its members checked; the caller verifies the signature
    with the machine's key from the package."""
    document = decode_signed(data, expected_format, what)
    members = set(document.body)
    missing, unknown = MEMBERS[expected_format] - members, members - MEMBERS[expected_format]
    if missing or unknown:
        raise DocumentUnreadable(
            f"{what}の項目が違います / {what}: "
            + ", ".join([*(f"missing {m}" for m in sorted(missing)),
                         *(f"unknown field {u}" for u in sorted(unknown))]))
    return document
