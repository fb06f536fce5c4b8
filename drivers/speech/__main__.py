"""``python -m drivers.speech render PACKAGE OUT`` renders every prompt and candidate name of
an election package to WAV with a SHA-256 manifest; ``approve OUT --by NAME...`` records the
officials' approval after they have listened (docs/speech.md)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from drivers.speech.approved import ApprovalRefused, approve, render
from election.package import load_package, speech_source_fingerprint
from firmware.spoken import every_clip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.speech")
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render", help="render every prompt and name to WAV")
    r.add_argument("package", type=Path, help="signed election package (package.json)")
    r.add_argument("out", type=Path)
    r.add_argument("--commission-key", type=Path, required=True,
                   help="the commission's public key (32 raw bytes) to verify the package")
    a = sub.add_parser("approve", help="record the officials' approval of a rendered set")
    a.add_argument("out", type=Path)
    a.add_argument("--by", nargs="+", required=True, help="names of the approving officials")
    args = parser.parse_args(argv)
    if args.command == "render":
        signed = load_package(args.package.read_bytes(), args.commission_key.read_bytes())
        # the package as it is without its speech member: the same whether or not the set
        # was already signed into it (docs/speech.md)
        entries = render(every_clip(signed.package), args.out,
                         speech_source_fingerprint(signed.package))
        wrong = [e for e in entries if e.reading_matches is False]
        for e in entries:
            mark = {True: "✔", False: "✘", None: "耳で確認 / check by ear"}[e.reading_matches]
            print(f"{e.file}  {e.language}  {e.text}  {e.engine_reading or ''}  {mark}")
        print(f"{len(entries)} clips → {args.out}; {len(wrong)} misread")
        return 1 if wrong else 0
    try:
        digest = approve(args.out, args.by)
    except ApprovalRefused as exc:
        print(exc, file=sys.stderr)
        return 1
    print(json.dumps({"manifest_sha256": digest}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
