"""The election meeting (選挙会, 公職選挙法79–83条, 95条): the election chief (選挙長) adds up the
signed result of every counting district (開票区) and decides who is elected, in front of the
election witnesses (選挙立会人)::

    python -m counting.meeting --commission-pub F --package P [--package P2 …]
        --result D1/result.signed.json --fingerprint kaihyoku-1=XXXX… [--result … --fingerprint …]
        --chief NAME --witness NAME [--witness …] --place TEXT --out DIR
        [--lot assembly=assembly-2 --drawn-by NAME --watched NAME …]

The fingerprints are read off each district's signed paper report. Nothing is added up while
any district's result is refused (unsigned, altered, twice, another election, missing): the
command lists every problem and stops (exit 3). A tie at the last seat stops it too (exit 4)
until the chief has drawn lots and the drawn result is entered with ``--lot``. Writes the
election minutes (選挙録, 82条) as a PDF and the meeting's own signed result to ``--out``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from counting.meeting_input import MeetingRefused, gather, read_files
from counting.meeting_minutes import MeetingFiles, write_meeting_files
from counting.meeting_record import MeetingRecord
from counting.meeting_tally import (
    ContestOutcome,
    Lot,
    LotNeeded,
    LotRefused,
    decide,
    fraction_text,
    ties,
)
from counting.report_signed import SessionSigner, short
from drivers.clock import SystemClock
from drivers.software_identity import software_hash
from election.package import PackageError, SignedPackage, load_package, verify_chain

ROOT = Path(__file__).resolve().parent.parent


class MeetingArgumentError(ValueError):
    """A command-line value is not in the form the command needs; the message shows the form."""


def hold_meeting(signed: SignedPackage, files: Sequence[tuple[str, str]],
                 fingerprints: Mapping[str, str], lots: Mapping[str, Lot], *, place: str,
                 chief: str, witnesses: Sequence[str], opened_at: datetime, now: datetime
                 ) -> MeetingRecord:
    """The whole meeting as one call (the CLI, the app and the demo use it): raises
    ``MeetingRefused`` (bad or missing district results), ``LotNeeded`` (a tie without a lot)
    or ``LotRefused``; otherwise the record the minutes are written from."""
    if not chief.strip() or not [w for w in witnesses if w.strip()]:
        raise MeetingRefused(["選挙長と選挙立会人の氏名を入力してください（82条の署名者）/ name "
                              "the election chief and the election witnesses (they sign the "
                              "minutes)"])
    districts = gather(files, signed, fingerprints)
    outcomes = decide(signed.package, districts, lots)
    return MeetingRecord(signed, districts, outcomes, place, chief, tuple(witnesses),
                         opened_at.isoformat(timespec="seconds"),
                         now.isoformat(timespec="seconds"), software_hash(ROOT))


def summary(outcomes: Sequence[ContestOutcome]) -> str:
    lines = []
    for o in outcomes:
        t = o.total
        lines.append(f"■ {t.title}（定数 {t.seats}）有効投票 / valid {t.valid:,}　法定得票数 / "
                     f"threshold {fraction_text(t.threshold)}　供託物没収点 / forfeiture line "
                     f"{fraction_text(t.forfeiture_line)}")
        for c in t.candidates:
            mark = "当選" if c in o.elected else "    "
            lines.append(f"  {mark} {c.name}（{c.party}） {c.votes:>7,} 票"
                         + ("  供託物没収 / deposit forfeited" if c.keeps_deposit is False
                            else ""))
        if o.new_election_needed:
            lines.append(f"  ※ 当選人が定数に満たない（不足 {o.seats_unfilled}）: 再選挙 / "
                         "new election needed")
    return "\n".join(lines) + "\n"


def _lots(args: argparse.Namespace, now: datetime) -> dict[str, Lot]:
    lots = {}
    for item in args.lot:
        contest_id, sep, drawn = item.partition("=")
        if not sep or not drawn:
            raise MeetingArgumentError(f"--lot {item!r}: 選挙=候補者[,候補者] の形で / use "
                                       "CONTEST=CANDIDATE[,CANDIDATE]")
        lots[contest_id] = Lot(contest_id, tuple(drawn.split(",")), args.drawn_by,
                               tuple(args.watched), now.isoformat(timespec="seconds"))
    return lots


def _fingerprints(items: Sequence[str]) -> dict[str, str]:
    out = {}
    for item in items:
        district, sep, value = item.partition("=")
        if not sep or not value.strip():
            raise MeetingArgumentError(f"--fingerprint {item!r}: 開票区=指紋 の形で / use "
                                       "DISTRICT=FINGERPRINT")
        out[district] = value
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m counting.meeting",
                                     description="選挙会 / election meeting")
    parser.add_argument("--commission-pub", type=Path, required=True)
    parser.add_argument("--package", type=Path, action="append", required=True,
                        help="選挙データの全版 / every version of the election package")
    parser.add_argument("--result", type=Path, action="append", default=[],
                        help="開票区の署名付き結果 result.signed.json / a district's signed result")
    parser.add_argument("--fingerprint", action="append", default=[], metavar="DISTRICT=FP",
                        help="開票録に印刷された結果署名鍵の指紋 / the key fingerprint printed on "
                        "the district's signed report")
    parser.add_argument("--chief", default="", help="選挙長 / election chief")
    parser.add_argument("--witness", action="append", default=[], help="選挙立会人 / witness")
    parser.add_argument("--place", default="", help="選挙会の場所 / where the meeting is held")
    parser.add_argument("--lot", action="append", default=[], metavar="CONTEST=ID[,ID]",
                        help="くじの結果（95条2項）/ the drawn result of a lot")
    parser.add_argument("--drawn-by", default="", help="くじを引いた者 / who drew the lot")
    parser.add_argument("--watched", action="append", default=[],
                        help="くじに立ち会った選挙立会人 / a witness who watched the lot")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    clock = SystemClock()
    opened = clock.now()
    try:
        commission = bytes.fromhex(args.commission_pub.read_text().strip())
        signed = verify_chain([load_package(p.read_bytes(), commission) for p in args.package])
        now = clock.now()
        record = hold_meeting(signed, read_files(args.result), _fingerprints(args.fingerprint),
                              _lots(args, now), place=args.place, chief=args.chief,
                              witnesses=args.witness, opened_at=opened, now=now)
    except MeetingRefused as exc:
        print(f"エラー / error: {exc}", file=sys.stderr)
        print("合計は出していません。正しい開票結果を受け取ってから選挙会をやり直してください / no "
              "total was produced: obtain the right results and hold the meeting again",
              file=sys.stderr)
        return 3
    except LotNeeded:
        districts = gather(read_files(args.result), signed, _fingerprints(args.fingerprint))
        for waiting in ties(signed.package, districts, _lots(args, now)):
            print(f"くじ / lot needed: {waiting}", file=sys.stderr)
            print(f"  入力 / enter: --lot {waiting.contest_id}=<くじで当選と定まった候補者ID / the "
                  "candidate id(s) the lot elected> --drawn-by <選挙長> --watched <立会人> …",
                  file=sys.stderr)
        return 4
    except (LotRefused, PackageError, OSError, ValueError) as exc:
        print(f"エラー / error: {exc}", file=sys.stderr)
        return 2
    files = write(record, args.out)
    print(summary(record.outcomes), end="")
    print(f"選挙録 / minutes: {files.pdf}")
    print(f"署名付き結果 / signed result: {files.signed}")
    print(f"結果署名鍵の指紋 / result-signing key fingerprint: {short(files.key_fingerprint)}")
    return 0


def write(record: MeetingRecord, out: Path) -> MeetingFiles:
    return write_meeting_files(record, out, SessionSigner.generate())


if __name__ == "__main__":
    sys.exit(main())
