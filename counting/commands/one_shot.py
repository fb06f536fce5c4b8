"""The one-shot form without a subcommand: a demo day counted in one go with a DEMO ONLY key
file (``make demo``); a real count uses the session subcommands and the key holders' cards."""

from __future__ import annotations

import argparse
import sys

from counting.commands.count import DEMO_KEY_WARNING
from counting.commands.terminal import import_progress, print_problems
from counting.importer import import_media
from counting.report import render_text, to_csv, to_json
from counting.session import SessionError, check_counting_key, find_media, load_versions
from counting.tally import tally
from election.package import PackageError
from media.counting_key import CountingKeyError
from media.demo_key import read_demo_private_key


def one_shot(args: argparse.Namespace) -> int:
    """The whole count in one command, for the demo (a demo key file instead of cards)."""
    try:
        versions, newest = load_versions(args.commission_pub, args.package)
        private = read_demo_private_key(args.demo_private_key.read_text())
        print(DEMO_KEY_WARNING, file=sys.stderr)
        check_counting_key(newest, None, private)
        paths = find_media(args.media)
        decisions = {}
        for item in args.use_copy:
            machine_id, sep, reason = item.partition("=")
            if not sep or not machine_id or not reason.strip():
                raise ValueError(f"--use-copy {item!r}: 投票機=理由 の形で / use MACHINE=REASON")
            decisions[machine_id] = reason
    except (SessionError, OSError, ValueError, PackageError, CountingKeyError) as exc:
        print(f"エラー / error: {exc}", file=sys.stderr)
        return 2
    imported = import_media(paths, versions, decisions, progress=import_progress())
    if imported.problems:
        return print_problems(imported)
    results = tally(newest.package, imported.counted, private)
    args.out.mkdir(parents=True, exist_ok=True)
    text = render_text(newest, imported, results)
    (args.out / "result.txt").write_text(text, encoding="utf-8")
    (args.out / "result.json").write_text(to_json(newest, imported, results), encoding="utf-8")
    (args.out / "result.csv").write_text(to_csv(results), encoding="utf-8")
    print(text, end="")
    return 0
