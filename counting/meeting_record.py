"""The election meeting's own record: everything the election minutes (選挙録, 公職選挙法82条)
state, as data, and the meeting's signed result file.

Like a counting session, the meeting signs with a fresh key that is never stored; its
fingerprint is printed on the minutes above the chief's and the witnesses' signatures. The
purpose label differs from a district result's, so a meeting result can never be passed off as
a district's count or the other way round."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from counting.meeting_input import DistrictResult
from counting.meeting_tally import REASON_JA, ContestOutcome, fraction_text
from counting.report_signed import SessionSigner, key_fingerprint
from election import canonical
from election.package import SignedPackage
from election.signature import BadSignature, sign, verify

MEETING_PURPOSE = "election-meeting-result"
MEETING_FORMAT = "tohyoki-meeting-result/1"


class MeetingResultNotAuthentic(ValueError):
    """A meeting result file does not verify; do not accept who it says was elected."""


@dataclass(frozen=True)
class MeetingRecord:
    """What happened at the election meeting (選挙会), gathered once for the minutes, the JSON,
    the signed file and the CDF export."""

    signed: SignedPackage
    districts: tuple[DistrictResult, ...]
    outcomes: tuple[ContestOutcome, ...]
    place: str  # 選挙会の場所
    chief: str  # 選挙長
    witnesses: tuple[str, ...]  # 選挙立会人
    opened_at: str
    closed_at: str
    software_hash: str


def record_to_dict(record: MeetingRecord) -> dict[str, Any]:
    package = record.signed.package
    return {
        "format": "tohyoki-meeting/1",
        "election_id": package.election_id,
        "package_fingerprint": record.signed.fingerprint,
        "package_version": package.version,
        "place": record.place, "chief": record.chief, "witnesses": list(record.witnesses),
        "opened_at": record.opened_at, "closed_at": record.closed_at,
        "software_hash": record.software_hash,
        "districts": [
            {"district_id": d.district.district_id, "name": d.district.name,
             "source": d.source, "key_fingerprint": d.key_fingerprint,
             "counted_at": d.created_at, "counting_manager": d.counting_manager,
             "machines": list(d.machines)}
            for d in record.districts],
        "contests": [_outcome(o) for o in record.outcomes],
    }


def _outcome(o: ContestOutcome) -> dict[str, Any]:
    t = o.total
    return {
        "contest_id": t.contest_id, "title": t.title, "office": t.office.value,
        "seats": t.seats, "valid": t.valid, "total": t.total,
        "invalid": [{"reason": key, "reason_ja": REASON_JA[key][0], "votes": n}
                    for key, n in t.invalid],
        # exact fractions as text: canonical JSON has no floats, and none are needed
        "threshold": f"{t.threshold.numerator}/{t.threshold.denominator}",
        "threshold_text": fraction_text(t.threshold),
        "forfeiture_line": f"{t.forfeiture_line.numerator}/{t.forfeiture_line.denominator}",
        "forfeiture_line_text": fraction_text(t.forfeiture_line),
        "candidates": [
            {"candidate_id": c.candidate_id, "name": c.name, "party": c.party,
             "status": c.status.value, "votes": c.votes,
             "by_district": {d: n for d, n in c.by_district},
             "reaches_threshold": c.reaches_threshold, "keeps_deposit": c.keeps_deposit}
            for c in t.candidates],
        "elected": [c.candidate_id for c in o.elected],
        "tied": list(o.tied),
        "lot": None if o.lot is None else {
            "drawn": list(o.lot.drawn), "drawn_by": o.lot.drawn_by,
            "watched": list(o.lot.watched), "time": o.lot.time},
        "seats_unfilled": o.seats_unfilled,
        "new_election_needed": o.new_election_needed,
    }


def sign_meeting(data: dict[str, Any], signer: SessionSigner) -> str:
    """The signed meeting result file's text (JSON)."""
    signature = sign(signer.private_key, MEETING_PURPOSE, canonical.encode(data))
    return json.dumps({"format": MEETING_FORMAT, "result": data,
                       "public_key": signer.public_key.hex(), "signature": signature.hex()},
                      ensure_ascii=False, indent=2) + "\n"


def verify_meeting(text: str, fingerprint: str | None = None) -> dict[str, Any]:
    """The verified meeting result; ``fingerprint`` is the one printed on the minutes."""
    try:
        data = json.loads(text)
        if data.get("format") != MEETING_FORMAT:
            raise ValueError(f"format {data.get('format')!r}")
        public_key = bytes.fromhex(data["public_key"])
        verify(public_key, MEETING_PURPOSE, canonical.encode(data["result"]),
               bytes.fromhex(data["signature"]), "選挙会の結果 / the meeting result")
    except (ValueError, KeyError, TypeError, AttributeError, canonical.NotCanonical,
            BadSignature) as exc:
        raise MeetingResultNotAuthentic(
            f"選挙会の結果の署名を確認できません / the meeting result does not verify: {exc}"
        ) from exc
    if fingerprint is not None:
        wanted = fingerprint.replace(" ", "").lower()
        if len(wanted) < 16 or not key_fingerprint(public_key).startswith(wanted):
            raise MeetingResultNotAuthentic(
                "署名鍵の指紋が選挙録に印刷されたものと違います / the signing key is not the one "
                "printed on the election minutes")
    result: dict[str, Any] = data["result"]
    return result
