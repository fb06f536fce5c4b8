"""What the election meeting (選挙会) decides from the districts' results: each candidate's
total, the legal threshold (法定得票数, 公職選挙法95条1項), the elected (当選人) in order of
votes, a tie at the last seat left to the election chief's lot (くじ, 95条2項), and the
deposit-forfeiture line (供託物没収点, 93条).

All arithmetic is exact (``Fraction``): the law says "以上" (at least) for the threshold, so a
candidate exactly at it qualifies, and "に達しない" (does not reach) for forfeiture, so a
candidate exactly at the line keeps the deposit. The software never decides a tie: it stops and
asks for the lot drawn in front of the witnesses, then records who drew and who watched."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from counting.meeting_input import INVALID_REASONS, OTHER_INVALID, DistrictResult
from election.package import CandidateStatus, Contest, ElectionPackage, Office, PackageError

THRESHOLD_SHARE = Fraction(1, 4)  # 95条1項3号・4号
FORFEITURE_SHARE = Fraction(1, 10)  # 93条1項 (市町村長・市町村議会議員)
REASON_JA = {key: (ja, en) for key, ja, en in (*INVALID_REASONS, OTHER_INVALID)}


class LotNeeded(ValueError):
    """Candidates tie at the last seat: the election chief draws lots (95条2項) before the
    meeting can go on. Nothing is decided here."""

    def __init__(self, total: ContestTotal, tied: Sequence[CandidateTotal],
                 seats_left: int) -> None:
        self.contest_id = total.contest_id
        self.tied = tuple(c.candidate_id for c in tied)
        self.seats_left = seats_left
        names = "、".join(c.name for c in tied)
        super().__init__(
            f"{total.title}: {names} が同数で最後の{seats_left}議席を争います。選挙長が立会人の前で"
            f"くじを引き、当選人を入力してください（公職選挙法95条2項）/ a tie for the last "
            f"{seats_left} seat(s) among {', '.join(self.tied)}: the election chief draws lots in front "
            "of the witnesses and enters the result")


class LotRefused(ValueError):
    """An entered lot does not fit the tie it is meant to decide."""


@dataclass(frozen=True)
class Lot:
    """The result of a lot (くじ) drawn by the election chief, as entered, with who watched."""

    contest_id: str
    drawn: tuple[str, ...]  # the candidate ids the lot made elected, in the order drawn
    drawn_by: str
    watched: tuple[str, ...]  # the election witnesses (選挙立会人) present
    time: str


@dataclass(frozen=True)
class CandidateTotal:
    candidate_id: str
    name: str
    party: str
    status: CandidateStatus
    votes: int
    by_district: tuple[tuple[str, int], ...]
    reaches_threshold: bool
    keeps_deposit: bool | None  # reaches the forfeiture line (93条); None: no longer standing


@dataclass(frozen=True)
class ContestTotal:
    contest_id: str
    title: str
    title_en: str
    office: Office
    seats: int
    candidates: tuple[CandidateTotal, ...]  # by votes, most first (then ballot order)
    valid: int
    invalid: tuple[tuple[str, int], ...]
    total: int
    threshold: Fraction  # 法定得票数
    forfeiture_line: Fraction  # 供託物没収点

    @property
    def invalid_total(self) -> int:
        return sum(n for _, n in self.invalid)


@dataclass(frozen=True)
class ContestOutcome:
    total: ContestTotal
    elected: tuple[CandidateTotal, ...]  # in order of votes; lot winners in the order drawn
    lot: Lot | None
    tied: tuple[str, ...]  # who drew lots (empty without a tie)

    @property
    def seats_unfilled(self) -> int:
        return self.total.seats - len(self.elected)

    @property
    def new_election_needed(self) -> bool:
        """再選挙: a mayor not elected, or an assembly with seats nobody qualified for."""
        return self.seats_unfilled > 0


def fraction_text(value: Fraction) -> str:
    """``1,234 1/4`` — exact, as the minutes print it."""
    whole, rest = divmod(value.numerator, value.denominator)
    return f"{whole:,}" + (f" {rest}/{value.denominator}" if rest else "")


def contest_total(contest: Contest, districts: Sequence[DistrictResult]) -> ContestTotal:
    if contest.office is None:
        raise PackageError(f"{contest.title}: 選挙データに選挙の種類と定数がありません（選挙会に必要"
                           "）/ the package does not state the office and seats of this contest")
    parts = [d.contest(contest.contest_id) for d in districts]
    valid = sum(p.valid for p in parts)
    invalid: dict[str, int] = {}
    for part in parts:
        for key, n in part.invalid:
            invalid[key] = invalid.get(key, 0) + n
    # 95条1項: 長は有効投票の総数の1/4以上; 議員は有効投票の総数を定数で除した数の1/4以上
    per_seat = Fraction(valid, contest.seats)
    threshold = per_seat * THRESHOLD_SHARE
    line = per_seat * FORFEITURE_SHARE  # 93条: 同じく1/10
    order = {k.candidate_id: i for i, k in enumerate(contest.candidates)}
    candidates = []
    for k in contest.candidates:
        by_district = tuple(
            (d.district.district_id,
             next(c.votes for c in d.contest(contest.contest_id).candidates
                  if c.candidate_id == k.candidate_id))
            for d in districts)
        votes = sum(n for _, n in by_district)
        # no vote is no 得票: a contest without valid votes elects nobody (threshold 0)
        qualifies = k.status is CandidateStatus.STANDING and votes > 0 and votes >= threshold
        standing = k.status is CandidateStatus.STANDING
        candidates.append(CandidateTotal(k.candidate_id, k.name, k.party, k.status, votes,
                                         by_district, qualifies,
                                         votes >= line if standing else None))
    candidates.sort(key=lambda c: (-c.votes, order[c.candidate_id]))
    known = [key for key, _, _ in INVALID_REASONS] + [OTHER_INVALID[0]]
    return ContestTotal(contest.contest_id, contest.title, contest.title_en, contest.office,
                        contest.seats, tuple(candidates), valid,
                        tuple((key, invalid[key]) for key in known if key in invalid),
                        sum(p.total for p in parts), threshold, line)


def elect(total: ContestTotal, lot: Lot | None) -> ContestOutcome:
    """当選人: the qualified in order of votes for the seats (95条1項); a tie at the last seat
    needs ``lot`` (95条2項), otherwise ``LotNeeded``."""
    qualified = [c for c in total.candidates if c.reaches_threshold]
    if len(qualified) <= total.seats:
        if lot is not None:
            raise LotRefused(f"{total.title}: 同数はありません。くじは不要です / there is no tie to "
                             "draw lots for")
        return ContestOutcome(total, tuple(qualified), None, ())
    last = qualified[total.seats - 1].votes
    above = [c for c in qualified if c.votes > last]
    at = [c for c in qualified if c.votes == last]
    seats_left = total.seats - len(above)
    if len(at) == seats_left:
        if lot is not None:
            raise LotRefused(f"{total.title}: 同数はありません。くじは不要です / there is no tie to "
                             "draw lots for")
        return ContestOutcome(total, tuple(above + at), None, ())
    tied = tuple(c.candidate_id for c in at)
    if lot is None:
        raise LotNeeded(total, at, seats_left)
    if len(lot.drawn) != seats_left or len(set(lot.drawn)) != seats_left or not set(
            lot.drawn) <= set(tied):
        raise LotRefused(f"{total.title}: くじで選ぶのは同数の {', '.join(tied)} から"
                         f"{seats_left}人です / the lot must name {seats_left} of the tied "
                         f"candidates {', '.join(tied)}")
    if not lot.drawn_by.strip() or not [w for w in lot.watched if w.strip()]:
        raise LotRefused("くじを引いた選挙長と立ち会った選挙立会人の氏名が必要です / the lot needs "
                         "the name of who drew it and of the witnesses who watched")
    by_id = {c.candidate_id: c for c in at}
    return ContestOutcome(total, tuple(above) + tuple(by_id[c] for c in lot.drawn), lot, tied)


def decide(package: ElectionPackage, districts: Sequence[DistrictResult],
           lots: Mapping[str, Lot]) -> tuple[ContestOutcome, ...]:
    """Every contest's outcome; raises ``LotNeeded`` for the first tie without a lot."""
    unknown = set(lots) - {c.contest_id for c in package.contests}
    if unknown:
        raise LotRefused(f"くじの選挙がありません / no contest {', '.join(sorted(unknown))}")
    return tuple(elect(contest_total(c, districts), lots.get(c.contest_id))
                 for c in package.contests)


def ties(package: ElectionPackage, districts: Sequence[DistrictResult],
         lots: Mapping[str, Lot]) -> tuple[LotNeeded, ...]:
    """Every tie still waiting for a lot (the app shows them all at once)."""
    waiting = []
    for contest in package.contests:
        try:
            elect(contest_total(contest, districts), lots.get(contest.contest_id))
        except LotNeeded as exc:
            waiting.append(exc)
    return tuple(waiting)
