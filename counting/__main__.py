"""Command line: ``python -m counting --commission-pub F --package P [--package P2] --media DIR
[--media DIR ...] --demo-private-key F [--use-copy MACHINE=REASON] --out DIR``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from counting.importer import import_media
from counting.report import render_text, to_csv, to_json
from counting.tally import tally
from election.package import PackageError, load_package, verify_chain
from media.counting_key import CountingKeyError
from media.demo_key import read_demo_private_key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m counting", description="開票 / counting")
    parser.add_argument("--commission-pub", type=Path, required=True)
    parser.add_argument("--package", type=Path, action="append", required=True,
                        help="every version of the election package (amendments too)")
    parser.add_argument("--media", type=Path, action="append", required=True,
                        help="a medium image directory, or a folder of them")
    parser.add_argument("--demo-private-key", type=Path, required=True,
                        help="DEMO ONLY counting private key file (k-of-n cards replace it)")
    parser.add_argument("--use-copy", action="append", default=[], metavar="MACHINE=REASON",
                        help="counting manager's decision to count a machine's copy (art. 10)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        commission = bytes.fromhex(args.commission_pub.read_text().strip())
        versions = [load_package(p.read_bytes(), commission) for p in args.package]
        newest = verify_chain(versions)
        private = read_demo_private_key(args.demo_private_key.read_text())
    except (OSError, ValueError, PackageError, CountingKeyError) as exc:
        print(f"エラー / error: {exc}", file=sys.stderr)
        return 2
    paths: list[Path] = []
    try:
        for given in args.media:
            if (given / "TOHYOKI").is_dir():
                found = [given]
            else:
                found = sorted(p for p in given.iterdir() if (p / "TOHYOKI").is_dir())
            if not found:  # a mistyped folder must not become an official zero result
                raise ValueError(f"{given} に記録媒体がありません / no vote medium in {given}")
            paths += found
        decisions = {}
        for item in args.use_copy:
            machine_id, sep, reason = item.partition("=")
            if not sep or not machine_id or not reason.strip():
                raise ValueError(f"--use-copy {item!r}: 投票機=理由 の形で / use MACHINE=REASON")
            decisions[machine_id] = reason
    except (OSError, ValueError) as exc:
        print(f"エラー / error: {exc}", file=sys.stderr)
        return 2
    imported = import_media(paths, versions, decisions)
    if imported.problems:
        print("開票を開始できません / counting cannot start:", file=sys.stderr)
        for problem in imported.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 3
    results = tally(newest.package, imported.counted, private)
    args.out.mkdir(parents=True, exist_ok=True)
    text = render_text(newest, imported, results)
    (args.out / "result.txt").write_text(text, encoding="utf-8")
    (args.out / "result.json").write_text(to_json(newest, imported, results), encoding="utf-8")
    (args.out / "result.csv").write_text(to_csv(results), encoding="utf-8")
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
