"""Command line for the counting centre (開票所). A counting session lives in one folder
(``--session DIR``): its settings, its own hash-chained audit log with every decision, the
paper-ballot entries and the counted totals. Steps, in the order of the day::

    python -m counting import  --session S --commission-pub F --package P [--package P2]
                               --media DIR [--media DIR ...] [--manager NAME] [--witness NAME ...]
    python -m counting reconcile --session S --issued ISSUER-REPORT.json
    python -m counting decide  --session S copy|night-seal M-001 --reason TEXT --by NAME --heard NAME
    python -m counting paper   --session S --batch ID --kind absentee --first F1 --second F2
    python -m counting unlock  --session S --reader "" --holders K   (the real cards, in turn)
    python -m counting count   --session S --reader "" --holders K [--out DIR]
                               (--card FILE ... instead: simulated cards for rehearsals;
                                PINs at the terminal, or --pins-from-stdin: one per line)
    python -m counting report  --session S --out DIR
    python -m counting verify  result.signed.json [--fingerprint XXXX] | --qr result-qr.png

The one-shot form without a subcommand (``--commission-pub … --demo-private-key F --out DIR``)
counts a demo day in one go."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from counting.commands.count import cmd_count
from counting.commands.decide import cmd_decide
from counting.commands.import_media import cmd_import
from counting.commands.one_shot import one_shot
from counting.commands.paper import cmd_paper
from counting.commands.paper_resolve import cmd_paper_resolve
from counting.commands.reconcile import cmd_reconcile
from counting.commands.report import cmd_report
from counting.commands.unlock import cmd_unlock
from counting.commands.verify import cmd_verify
from counting.decisions import DecisionRefused
from counting.paper import PaperError, PaperKind
from counting.pin_entry import FLAG_HELP
from counting.report_signed import ResultNotAuthentic
from counting.session import SessionError
from counting.tally import CountInterrupted, RecordChangedSinceImport
from counting.unlock import UnlockRefused
from election.package import PackageError
from media.audit_log import AuditChainBroken
from media.counting_key import CountingKeyError

SUBCOMMANDS = ("import", "reconcile", "decide", "paper", "paper-resolve", "unlock", "count",
               "report", "verify")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m counting", description="開票 / counting")
    sub = parser.add_subparsers(dest="command", required=True)

    def session(p: argparse.ArgumentParser) -> None:
        p.add_argument("--session", type=Path, required=True, help="開票の記録のフォルダ / counting session folder")

    p = sub.add_parser("import", help="取込 / import and verify every medium")
    session(p)
    p.add_argument("--commission-pub", type=Path, required=True)
    p.add_argument("--package", type=Path, action="append", required=True)
    p.add_argument("--media", type=Path, action="append", required=True)
    p.add_argument("--manager", default="", help="開票管理者 / counting manager")
    p.add_argument("--witness", action="append", default=[], help="開票立会人 / witness")
    p.set_defaults(run=cmd_import)

    p = sub.add_parser("reconcile", help="照合 / reconcile cards issued with votes")
    session(p)
    p.add_argument("--issued", type=Path, required=True,
                   help="受付の投票カード発行数の報告（JSON または CSV） / the card "
                   "issuers' report of cards issued per place")
    p.set_defaults(run=cmd_reconcile)

    p = sub.add_parser("decide", help="決定 / record a decision of the counting manager")
    session(p)
    p.add_argument("kind", choices=("copy", "night-seal", "validity", "reconciliation"))
    p.add_argument("subject", help="投票機ID・投票所IDなど決定の対象 / machine id, place id, or "
                   "what the decision is about")
    p.add_argument("--ruling", default="", help="効力: valid（有効）|invalid（無効） / validity: valid|invalid")
    p.add_argument("--reason", required=True)
    p.add_argument("--by", required=True, help="開票管理者の氏名 / the counting manager's name")
    p.add_argument("--heard", action="append", default=[],
                   help="意見を聴いた開票立会人（法第9条第4項） / a witness heard (art. 9-4)")
    p.set_defaults(run=cmd_decide)

    p = sub.add_parser("paper", help="紙の投票 / two officers' entries of a paper batch")
    session(p)
    p.add_argument("--batch", required=True)
    p.add_argument("--kind", choices=[k.value for k in PaperKind], required=True)
    p.add_argument("--first", type=Path, required=True)
    p.add_argument("--second", type=Path, required=True)
    p.set_defaults(run=cmd_paper)

    p = sub.add_parser("paper-resolve", help="紙の投票の数え直し / recount of a paper batch")
    session(p)
    p.add_argument("--batch", required=True)
    p.add_argument("--recount", type=Path, required=True)
    p.add_argument("--reason", required=True)
    p.add_argument("--by", required=True)
    p.add_argument("--heard", action="append", default=[])
    p.set_defaults(run=cmd_paper_resolve)

    def key_holders(p: argparse.ArgumentParser) -> None:
        p.add_argument("--reader", help="PC/SC 読取機名の先頭（本番の鍵保管者カードを1枚ずつ）/ "
                       "PC/SC reader name prefix: the real cards, one holder after another")
        p.add_argument("--holders", type=int, default=0,
                       help="--reader で鍵を出す鍵保管者の人数 / how many holders present "
                       "their card at the reader")
        p.add_argument("--card", type=Path, action="append", default=[],
                       help="模擬の鍵保管者カードのファイル（練習用） / a simulated key-holder "
                       "card file (rehearsals)")
        p.add_argument("--pins-from-stdin", action="store_true", help=FLAG_HELP)

    p = sub.add_parser("unlock", help="鍵の確認 / check that the key holders present can unlock")
    session(p)
    key_holders(p)
    p.set_defaults(run=cmd_unlock)

    p = sub.add_parser("count", help="集計 / unlock with the holders' cards and count")
    session(p)
    key_holders(p)
    p.add_argument("--demo-private-key", type=Path,
                   help="デモ専用の鍵ファイル（本番は鍵保管者のカード） / DEMO ONLY key file "
                   "instead of cards")
    p.add_argument("--out", type=Path, help="報告書もここに書く / also write the report here")
    p.set_defaults(run=cmd_count)

    p = sub.add_parser("report", help="報告書 / signed report, PDF, JSON, CSV, QR")
    session(p)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(run=cmd_report)

    p = sub.add_parser("verify", help="署名の確認 / verify a signed result or its QR code")
    p.add_argument("file", type=Path, nargs="?")
    p.add_argument("--qr", type=Path)
    p.add_argument("--fingerprint", help="署名付き報告書に印刷された鍵の指紋 / the key "
                   "fingerprint printed on the signed report")
    p.set_defaults(run=cmd_verify)
    return parser



def build_one_shot_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m counting", description="開票 / counting")
    parser.add_argument("--commission-pub", type=Path, required=True)
    parser.add_argument("--package", type=Path, action="append", required=True,
                        help="選挙データの全版（変更版も） / every version of the election package")
    parser.add_argument("--media", type=Path, action="append", required=True,
                        help="記録媒体のフォルダ / a medium image directory, or a folder of them")
    parser.add_argument("--demo-private-key", type=Path, required=True,
                        help="デモ専用の開票鍵ファイル（本番は k-of-n の鍵保管者カード） / DEMO ONLY "
                        "counting private key file (k-of-n cards replace it)")
    parser.add_argument("--use-copy", action="append", default=[], metavar="MACHINE=REASON",
                        help="副本を数える開票管理者の決定（法第10条） / counting manager's decision to "
                        "count a machine's copy (art. 10)")
    parser.add_argument("--out", type=Path, required=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help"):
        return one_shot(build_one_shot_parser().parse_args(argv))
    args = build_parser().parse_args(argv)
    try:
        result: int = args.run(args)
        return result
    except (SessionError, OSError, ValueError, PackageError, CountingKeyError, DecisionRefused,
            PaperError, ResultNotAuthentic, AuditChainBroken, RecordChangedSinceImport,
            CountInterrupted) as exc:
        print(f"エラー / error: {exc}", file=sys.stderr)
        return 2
    except UnlockRefused as exc:
        print(f"エラー / error: {exc}", file=sys.stderr)
        return 5


if __name__ == "__main__":
    sys.exit(main())
