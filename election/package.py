"""The election package (選挙データ): what the commission signs and every machine and the counting
tool trust. docs/media-format.md §4 defines its fields; this module parses and checks them."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from election import canonical
from election.fields import CANDIDATE_ID_MAX_BYTES, FINGERPRINT, FieldReader, whole
from election.signature import BadSignature, sign, verify

PACKAGE_FORMAT = "tohyoki-election-package/1"
SIGNATURE_PURPOSE = "election-package"


class PackageError(ValueError):
    """The package cannot be used; the message says why in Japanese and English."""


class CandidateStatus(StrEnum):
    """Whether a person is still a candidate (art. 13: death or withdrawal after the ballot is set)."""

    STANDING = "standing"
    WITHDRAWN = "withdrawn"
    DECEASED = "deceased"


class OrderRule(StrEnum):
    """How candidates are ordered on screen (art. 5)."""

    FIXED_BY_LOT = "fixed-by-lot"
    ROTATED_PER_MACHINE = "rotated-per-machine"
    SHUFFLED_PER_VOTER = "shuffled-per-voter"


@dataclass(frozen=True)
class Candidate:
    """A candidate (候補者) as the ballot shows them: name, official kana reading, party (党派)."""

    candidate_id: str
    name: str
    kana: str
    party: str
    status: CandidateStatus = CandidateStatus.STANDING


@dataclass(frozen=True)
class Contest:
    """One election (選挙) voted at the same time as others on one card (art. 14)."""

    contest_id: str
    title: str
    title_en: str
    candidates: tuple[Candidate, ...]
    order_rule: OrderRule
    blank_allowed: bool

    def candidate(self, candidate_id: str) -> Candidate:
        for candidate in self.candidates:
            if candidate.candidate_id == candidate_id:
                return candidate
        raise PackageError(
            f"候補者 {candidate_id} は {self.title} にいません / no candidate {candidate_id}"
        )


@dataclass(frozen=True)
class PollingPlace:
    """A polling station (投票所)."""

    place_id: str
    name: str


@dataclass(frozen=True)
class MachineEntry:
    """A voting machine allowed in this election, with the key it signs media with."""

    machine_id: str
    place_id: str
    public_key: bytes


@dataclass(frozen=True)
class CardIssuer:
    """A reception desk's card issuer (受付) whose signature makes a voting card valid."""

    issuer_id: str
    place_id: str
    public_key: bytes


@dataclass(frozen=True)
class Settings:
    """Operational limits the commission decides, carried and signed in the package."""

    slots_per_contest: int
    pin_attempts: int
    inactivity_alert_seconds: int
    admin_session_seconds: int
    voting_card_lifetime_minutes: int


@dataclass(frozen=True)
class ElectionPackage:
    """Everything a machine and the counting tool need to know about one election."""

    election_id: str
    title: str
    municipality: str
    version: int
    previous_fingerprint: str
    election_day: date
    valid_from: date
    valid_until: date
    contests: tuple[Contest, ...]
    polling_places: tuple[PollingPlace, ...]
    machines: tuple[MachineEntry, ...]
    issuers: tuple[CardIssuer, ...]
    admin_certificates: tuple[str, ...]
    counting_public_key: bytes
    settings: Settings
    # SHA-256 of the approved speech manifest (docs/speech.md), or "" when the commission
    # signed none; omitted from the body when "", so packages without it keep their fingerprint
    speech_manifest_sha256: str = ""

    def contest(self, contest_id: str) -> Contest:
        for contest in self.contests:
            if contest.contest_id == contest_id:
                return contest
        raise PackageError(f"選挙 {contest_id} はありません / no contest {contest_id}")

    def machine(self, machine_id: str) -> MachineEntry:
        for machine in self.machines:
            if machine.machine_id == machine_id:
                return machine
        raise PackageError(
            f"投票機 {machine_id} はこの選挙に登録されていません / machine {machine_id} is not "
            "registered in this election"
        )

    def issuer(self, issuer_id: str) -> CardIssuer:
        for issuer in self.issuers:
            if issuer.issuer_id == issuer_id:
                return issuer
        raise PackageError(f"発行機 {issuer_id} は登録されていません / unknown card issuer")

    def machine_index(self, machine_id: str) -> int:
        return [m.machine_id for m in self.machines].index(self.machine(machine_id).machine_id)


@dataclass(frozen=True)
class SignedPackage:
    """A package with the canonical bytes that were signed, so the fingerprint is of those bytes."""

    package: ElectionPackage
    body: bytes
    signature: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.body)

    @property
    def short_fingerprint(self) -> str:
        return short_fingerprint(self.fingerprint)

    def to_bytes(self) -> bytes:
        return canonical.encode(
            {
                "format": PACKAGE_FORMAT,
                "body": canonical.decode_object(self.body),
                "signature": self.signature.hex(),
            }
        )


def fingerprint_of(body: bytes) -> str:
    """SHA-256 of the canonical body, hex: the package's identity everywhere."""
    return hashlib.sha256(b"tohyoki/election-package/v1\x00" + body).hexdigest()


def short_fingerprint(fingerprint: str) -> str:
    """First 80 bits as five groups of four hex digits, to read aloud and compare on paper."""
    head = fingerprint[:20].upper()
    return "-".join(head[i : i + 4] for i in range(0, 20, 4))


# --- dictionary form (the canonical body) --------------------------------------------------


def package_to_dict(package: ElectionPackage) -> dict[str, Any]:
    body = _body_without_speech(package)
    if package.speech_manifest_sha256:
        body["speech_manifest_sha256"] = package.speech_manifest_sha256
    return body


def speech_source_fingerprint(package: ElectionPackage) -> str:
    """The fingerprint of this package without its speech field: the package a speech set is
    rendered from, before the commission signs the set's manifest hash into it."""
    return fingerprint_of(canonical.encode(_body_without_speech(package)))


def _body_without_speech(package: ElectionPackage) -> dict[str, Any]:
    return {
        "election_id": package.election_id,
        "title": package.title,
        "municipality": package.municipality,
        "version": package.version,
        "previous_fingerprint": package.previous_fingerprint,
        "election_day": package.election_day.isoformat(),
        "valid_from": package.valid_from.isoformat(),
        "valid_until": package.valid_until.isoformat(),
        "contests": [
            {
                "contest_id": c.contest_id,
                "title": c.title,
                "title_en": c.title_en,
                "order_rule": c.order_rule.value,
                "blank_allowed": c.blank_allowed,
                "candidates": [
                    {
                        "candidate_id": k.candidate_id,
                        "name": k.name,
                        "kana": k.kana,
                        "party": k.party,
                        "status": k.status.value,
                    }
                    for k in c.candidates
                ],
            }
            for c in package.contests
        ],
        "polling_places": [{"place_id": p.place_id, "name": p.name} for p in package.polling_places],
        "machines": [
            {"machine_id": m.machine_id, "place_id": m.place_id, "public_key": m.public_key.hex()}
            for m in package.machines
        ],
        "issuers": [
            {"issuer_id": i.issuer_id, "place_id": i.place_id, "public_key": i.public_key.hex()}
            for i in package.issuers
        ],
        "admin_certificates": list(package.admin_certificates),
        "counting_public_key": package.counting_public_key.hex(),
        "settings": {
            "slots_per_contest": package.settings.slots_per_contest,
            "pin_attempts": package.settings.pin_attempts,
            "inactivity_alert_seconds": package.settings.inactivity_alert_seconds,
            "admin_session_seconds": package.settings.admin_session_seconds,
            "voting_card_lifetime_minutes": package.settings.voting_card_lifetime_minutes,
        },
    }


class _Reader(FieldReader):
    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        super().__init__(data, where, PackageError)




COUNTING_PUBLIC_KEY_LENGTH = 1184 + 32  # ML-KEM-768 encapsulation key + X25519 public key


def package_from_dict(data: Mapping[str, Any]) -> ElectionPackage:
    r = _Reader(data, "package")
    contests = []
    for c in r.items("contests"):
        candidates = tuple(
            whole(k, Candidate(
                candidate_id=k.identifier("candidate_id", CANDIDATE_ID_MAX_BYTES),
                name=k.text("name"),
                kana=k.text("kana"),
                party=k.text("party"),
                status=k.enum("status", CandidateStatus),
            ))
            for k in c.items("candidates")
        )
        contests.append(
            whole(c, Contest(
                contest_id=c.identifier("contest_id"),
                title=c.text("title"),
                title_en=c.text("title_en"),
                candidates=candidates,
                order_rule=c.enum("order_rule", OrderRule),
                blank_allowed=c.flag("blank_allowed"),
            ))
        )
    s = r.reader("settings")
    package = ElectionPackage(
        election_id=r.identifier("election_id"),
        title=r.text("title"),
        municipality=r.text("municipality"),
        version=r.integer("version", minimum=1),
        previous_fingerprint=r.text("previous_fingerprint", allow_empty=True),
        election_day=r.day("election_day"),
        valid_from=r.day("valid_from"),
        valid_until=r.day("valid_until"),
        contests=tuple(contests),
        polling_places=tuple(
            whole(p, PollingPlace(place_id=p.identifier("place_id"), name=p.text("name")))
            for p in r.items("polling_places")
        ),
        machines=tuple(
            whole(m, MachineEntry(
                machine_id=m.identifier("machine_id"),
                place_id=m.identifier("place_id"),
                public_key=m.hexbytes("public_key", 32),
            ))
            for m in r.items("machines")
        ),
        issuers=tuple(
            whole(i, CardIssuer(
                issuer_id=i.identifier("issuer_id"),
                place_id=i.identifier("place_id"),
                public_key=i.hexbytes("public_key", 32),
            ))
            for i in r.items("issuers")
        ),
        admin_certificates=tuple(r.texts("admin_certificates")),
        counting_public_key=r.hexbytes("counting_public_key", COUNTING_PUBLIC_KEY_LENGTH),
        settings=whole(s, Settings(
            slots_per_contest=s.integer("slots_per_contest", minimum=1),
            pin_attempts=s.integer("pin_attempts", minimum=1),
            inactivity_alert_seconds=s.integer("inactivity_alert_seconds", minimum=1),
            admin_session_seconds=s.integer("admin_session_seconds", minimum=1),
            voting_card_lifetime_minutes=s.integer("voting_card_lifetime_minutes", minimum=1),
        )),
        # optional: absent (never "") when the commission signed no speech set
        speech_manifest_sha256=(r.digest("speech_manifest_sha256")
                                if "speech_manifest_sha256" in r.data else ""),
    )
    r.done()
    if package.previous_fingerprint and not FINGERPRINT.fullmatch(package.previous_fingerprint):
        raise PackageError("package.previous_fingerprint は64桁の小文字16進数 / must be 64 lowercase "
                           "hex digits")
    check_consistency(package)
    return package


def _unique(values: Sequence[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise PackageError(f"{what} {value} が重複しています / duplicate {what} {value}")
        seen.add(value)


def check_consistency(package: ElectionPackage) -> None:
    """Cross-field rules a signature cannot check: unique ids, known places, sane dates."""
    if (package.version == 1) != (package.previous_fingerprint == ""):
        raise PackageError(
            "版数と前版の指紋が合いません / version 1 has no previous fingerprint, later versions do"
        )
    if not package.valid_from <= package.election_day <= package.valid_until:
        raise PackageError("選挙期日が有効期間外です / election day outside the validity period")
    if not package.contests:
        raise PackageError("選挙が一つもありません / the package has no contest")
    if not 120 <= package.settings.inactivity_alert_seconds <= 300:
        raise PackageError(
            "settings.inactivity_alert_seconds は120〜300秒（2〜5分、VVSG 2.0 7.2）/ must be "
            "120..300 seconds (2-5 minutes, VVSG 2.0 7.2)"
        )
    _unique([c.contest_id for c in package.contests], "contest")
    for contest in package.contests:
        if not contest.candidates:
            raise PackageError(f"{contest.title} に候補者がいません / contest has no candidates")
        _unique([k.candidate_id for k in contest.candidates], "candidate")
    _unique([p.place_id for p in package.polling_places], "polling place")
    places = {p.place_id for p in package.polling_places}
    _unique([m.machine_id for m in package.machines], "machine")
    _unique([i.issuer_id for i in package.issuers], "issuer")
    for place_id in [m.place_id for m in package.machines] + [i.place_id for i in package.issuers]:
        if place_id not in places:
            raise PackageError(f"投票所 {place_id} が未定義です / unknown polling place")


# --- signing and loading -------------------------------------------------------------------


def sign_package(package: ElectionPackage, commission_key: Any) -> SignedPackage:
    check_consistency(package)
    body = canonical.encode(package_to_dict(package))
    return SignedPackage(package, body, sign(commission_key, SIGNATURE_PURPOSE, body))


def load_package(data: bytes, commission_public_key: bytes) -> SignedPackage:
    """Parse and verify a signed package file; raise ``PackageError`` naming what is wrong."""
    try:
        outer = canonical.decode_object(data)
    except canonical.NotCanonical as exc:
        raise PackageError(f"選挙データが壊れています / the package file is corrupt: {exc}") from exc
    r = _Reader(outer, "file")
    if r.text("format") != PACKAGE_FORMAT:
        raise PackageError(
            f"選挙データの形式が違います / not an election package ({outer.get('format')!r})"
        )
    body = canonical.encode(r.reader("body").data)
    signature = r.hexbytes("signature", 64)
    try:
        verify(commission_public_key, SIGNATURE_PURPOSE, body, signature, "選挙データ / package")
    except BadSignature as exc:
        raise PackageError(
            "選挙データの署名が選挙管理委員会のものではありません / the package is not signed by "
            "the election commission"
        ) from exc
    return SignedPackage(package_from_dict(outer["body"]), body, signature)


def amend(
    previous: SignedPackage, changes: Mapping[tuple[str, str], CandidateStatus]
) -> ElectionPackage:
    """A new version with candidates' statuses changed (art. 13); the caller signs it."""
    contests = []
    for contest in previous.package.contests:
        candidates = []
        for candidate in contest.candidates:
            status = changes.get((contest.contest_id, candidate.candidate_id), candidate.status)
            candidates.append(replace(candidate, status=status))
        contests.append(replace(contest, candidates=tuple(candidates)))
    known = {(c.contest_id, k.candidate_id) for c in contests for k in c.candidates}
    for key in changes:
        if key not in known:
            raise PackageError(f"候補者 {key[0]}:{key[1]} はいません / unknown candidate")
    return replace(
        previous.package,
        version=previous.package.version + 1,
        previous_fingerprint=previous.fingerprint,
        contests=tuple(contests),
    )


def check_amendment(previous: SignedPackage, new: SignedPackage) -> None:
    """An amendment (art. 13) may only take a standing candidate off the ballot — withdrawn or
    deceased. Anything else (a new candidate, a changed name, key, contest or approved speech
    set, a candidate brought back) is a different election and needs a new package."""
    old, cur = previous.package, new.package
    if cur.version != old.version + 1 or cur.previous_fingerprint != previous.fingerprint:
        raise PackageError(
            f"第{cur.version}版は第{old.version}版の改訂版ではありません / version {cur.version} "
            f"does not amend version {old.version}"
        )
    if cur.speech_manifest_sha256 != old.speech_manifest_sha256:
        raise PackageError("改訂版で承認済み音声が変わっています。音声は新しい選挙データで承認します / "
                           "the amendment changes the approved speech set")
    bare_old = replace(old, version=0, previous_fingerprint="", contests=())
    bare_new = replace(cur, version=0, previous_fingerprint="", contests=())
    if bare_old != bare_new:
        raise PackageError("改訂版で候補者の状態以外が変わっています / the amendment changes more "
                           "than candidates' status")
    if len(old.contests) != len(cur.contests):
        raise PackageError("改訂版で選挙の構成が変わっています / contests changed")
    for before, after in zip(old.contests, cur.contests, strict=True):
        if replace(before, candidates=()) != replace(after, candidates=()) or len(
            before.candidates
        ) != len(after.candidates):
            raise PackageError("改訂版で選挙の構成が変わっています / contests changed")
        for a, b in zip(before.candidates, after.candidates, strict=True):
            if replace(a, status=CandidateStatus.STANDING) != replace(
                b, status=CandidateStatus.STANDING
            ):
                raise PackageError(f"改訂版で候補者 {a.candidate_id} が変わっています / candidate "
                                   "changed")
            if a.status != b.status and a.status is not CandidateStatus.STANDING:
                raise PackageError(f"候補者 {a.candidate_id} は既に候補者ではありません / "
                                   "a candidate cannot return")


def verify_chain(versions: Sequence[SignedPackage]) -> SignedPackage:
    """Check that versions form one amendment chain from version 1; return the newest."""
    if not versions:
        raise PackageError("選挙データがありません / no package given")
    ordered = sorted(versions, key=lambda v: v.package.version)
    for index, signed in enumerate(ordered):
        if signed.package.version != index + 1:
            raise PackageError(f"第{index + 1}版がありません / version {index + 1} is missing")
        if index and signed.package.previous_fingerprint != ordered[index - 1].fingerprint:
            raise PackageError(
                f"第{index + 1}版は前の版を受け継いでいません / version {index + 1} does not amend "
                "the previous version"
            )
        if signed.package.election_id != ordered[0].package.election_id:
            raise PackageError("別の選挙の選挙データです / versions of different elections")
        if index:
            check_amendment(ordered[index - 1], signed)
    return ordered[-1]
