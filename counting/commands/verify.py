"""``python -m counting verify``: check a signed result file, or the signed QR summary printed
on the report (read back with zbarimg)."""

from __future__ import annotations

import argparse
import subprocess

from counting.commands.terminal import CliError
from counting.report_signed import verify_result, verify_summary


def cmd_verify(args: argparse.Namespace) -> int:
    if args.qr:
        read = subprocess.run(["zbarimg", "--raw", "-q", "-Sbinary", str(args.qr)],
                              capture_output=True, timeout=60)
        if read.returncode != 0:
            raise CliError(f"{args.qr}: QRコードを読めません / no QR code found")
        contests = verify_summary(read.stdout.decode("utf-8"), args.fingerprint)
        for contest_id, counts in contests.items():
            print(contest_id, " ".join(f"{k}={v}" for k, v in counts.items()))
    else:
        result = verify_result(args.file.read_text(encoding="utf-8"), args.fingerprint)
        print(f"{result['election_id']}: {len(result['contests'])} contests")
    print("署名を確認しました / the signature verifies")
    return 0
