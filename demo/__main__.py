"""``make demo``: run the simulated day and check the count against the voters' own choices."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from demo.election_day import DemoFailure, run_day
from demo.meeting import MeetingFailure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo")
    parser.add_argument("--voters", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path("out/demo"))
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        outcome = run_day(args.out, voters=args.voters, seed=args.seed)
    except (DemoFailure, MeetingFailure) as exc:
        print(f"失敗 / FAILED: {exc}", file=sys.stderr)
        return 1
    print()
    print(outcome.report_text, end="")
    print(f"\n結果ファイル / result files: {outcome.result_dir}")
    if outcome.meeting is not None:
        print(f"\n選挙会 / election meeting ({outcome.meeting.files.pdf.parent}):")
        print(outcome.meeting.text, end="")
    if outcome.matches():
        print("✔ 投票者の選択と一致しました / the count matches what the voters chose")
        return 0
    print("✘ 投票者の選択と一致しません / the count does NOT match what the voters chose")
    for result in outcome.results:
        print(f"  {result.contest_id}: expected {dict(outcome.expected[result.contest_id])}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
