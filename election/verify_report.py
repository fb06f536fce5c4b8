"""Check a polling report's QR code from outside the machine (docs/media-format.md §12).

An observer photographs or scans the QR of a zero report, a reopening check report or a closing
report and runs, on their own computer:

    python -m election.verify_report report.png --manifest release-manifest.json \
        --package package.json --commission-key <hex or file>

The package is verified under the commission's published key; the report's signature under the
machine's key listed in that package (not a key the machine shows about itself); the software hash
in the signed report against the published release manifest. A machine running other software
cannot produce a report that passes: it would have to sign a hash it does not run with a key
that only the provisioned machine holds (Dominion ImageCast X showed a self-attested hash).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from election import canonical
from election.package import PackageError, SignedPackage, load_package
from election.signature import BadSignature, verify

REPORT_PURPOSE = "polling-report"
REPORT_FORMATS = {
    "tohyoki-zero-report/1": "ゼロ確認報告 / zero report",
    "tohyoki-reopen-report/1": "再開確認報告 / reopening check report",
    "tohyoki-closing-report/1": "投票終了報告 / closing report",
}
# each format's body members (docs/media-format.md §12; the same as media/polling_report.py's,
# which the election package may not import: tests/test_vector_rules.py keeps them equal)
_COMMON = frozenset({"format", "machine_id", "time", "software_hash", "package_fingerprint"})
REPORT_MEMBERS = {
    "tohyoki-zero-report/1": _COMMON | {"media", "records"},
    "tohyoki-reopen-report/1": _COMMON | {"media", "previous_closing_number", "records",
                                          "sessions_voted", "sessions_without_vote"},
    "tohyoki-closing-report/1": _COMMON | {"records", "sessions_voted", "sessions_without_vote",
                                           "seal_digests", "closing_number", "final",
                                           "abstentions", "assisted_sessions", "errors"},
}
MANIFEST_FORMAT = "tohyoki-release-manifest/1"
HEX64 = re.compile(r"[0-9a-f]{64}")


class ReportRejected(ValueError):
    """The report does not verify; the message says which check failed."""


@dataclass(frozen=True)
class VerifiedReport:
    kind: str
    body: dict[str, Any]
    release: str


def qr_payload_from_image(image: Path) -> bytes:
    """The QR code's bytes, read with zbar (``zbarimg``) exactly as printed."""
    if shutil.which("zbarimg") is None:
        raise ReportRejected("zbarimg がありません / zbarimg (zbar-tools) is not installed")
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sbinary", "-Sqrcode.enable", str(image)],
        capture_output=True, check=False, timeout=60,
    )
    if result.returncode != 0 or not result.stdout:
        raise ReportRejected(f"QR コードを読めません / no QR code found in {image}")
    data = result.stdout
    return data[:-1] if data.endswith(b"\n") else data


def read_manifest(data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data)
    except ValueError as exc:
        raise ReportRejected(f"リリース一覧が壊れています / manifest is not JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        raise ReportRejected(f"リリース一覧の形式が違います / manifest format is not {MANIFEST_FORMAT}")
    if not isinstance(manifest.get("software_hash"), str) or not HEX64.fullmatch(
        manifest["software_hash"]
    ):
        raise ReportRejected("リリース一覧にソフトウェアのハッシュ値がありません / no software_hash")
    return manifest


def verify_report(
    payload: bytes, manifest: dict[str, Any], signed: SignedPackage
) -> VerifiedReport:
    """Every check an observer makes; raise ``ReportRejected`` at the first that fails."""
    try:
        outer = canonical.decode_object(payload)
        body = outer["body"]
        signature = bytes.fromhex(outer["signature"])
        if set(outer) != {"body", "signature"} or not isinstance(body, dict):
            raise ValueError("shape")
    except (canonical.NotCanonical, KeyError, ValueError, TypeError) as exc:
        raise ReportRejected("QR の内容が報告書の形式ではありません / not a signed report") from exc
    kind = REPORT_FORMATS.get(str(body.get("format")))
    if kind is None:
        raise ReportRejected(f"知らない報告書の形式です / unknown report format {body.get('format')!r}")
    if set(body) != REPORT_MEMBERS[str(body["format"])]:
        unknown = sorted(set(body) - REPORT_MEMBERS[str(body["format"])])
        missing = sorted(REPORT_MEMBERS[str(body["format"])] - set(body))
        raise ReportRejected(
            f"{kind}の項目が違います / {kind}: unknown field(s) {unknown}, missing {missing} "
            "(docs/media-format.md §1.3 rule 3)")
    machine_id = str(body.get("machine_id"))
    try:
        machine = signed.package.machine(machine_id)
    except PackageError as exc:
        raise ReportRejected(
            f"投票機 {machine_id} は選挙データに登録されていません / machine not in the package"
        ) from exc
    try:
        verify(machine.public_key, REPORT_PURPOSE, canonical.encode(body), signature,
               f"投票機 {machine_id} の報告書 / report of machine {machine_id}")
    except BadSignature as exc:
        raise ReportRejected(str(exc)) from exc
    if body.get("package_fingerprint") != signed.fingerprint:
        raise ReportRejected(
            "報告書の選挙データ指紋が公開された選挙データと違います / the report names another "
            "package version"
        )
    if body.get("software_hash") != manifest["software_hash"]:
        raise ReportRejected(
            "ソフトウェアのハッシュ値が公開されたリリースと一致しません。この投票機のソフトウェアは"
            f"公開版ではありません / software hash {str(body.get('software_hash'))[:16]}… is not "
            f"release {manifest.get('version', '?')} ({manifest['software_hash'][:16]}…)"
        )
    return VerifiedReport(kind, body, str(manifest.get("version", "")))


def _commission_key(text: str) -> bytes:
    path = Path(text)
    value = path.read_text(encoding="ascii").strip() if path.exists() else text.strip()
    if not HEX64.fullmatch(value):
        raise ReportRejected("選挙管理委員会の公開鍵は 64 桁の16進数です / commission key: 64 hex")
    return bytes.fromhex(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m election.verify_report",
        description="投票所の報告書の QR を検証する / verify a polling report's QR code",
    )
    parser.add_argument("report", help="QR の画像 (PNG) または QR の内容のファイル / image or payload")
    parser.add_argument("--manifest", required=True, type=Path, help="release-manifest.json")
    parser.add_argument("--package", required=True, type=Path, help="package.json (signed)")
    parser.add_argument("--commission-key", required=True, help="hex or a file holding it")
    args = parser.parse_args(argv)
    try:
        source = Path(args.report)
        raw = source.read_bytes()
        payload = qr_payload_from_image(source) if raw.startswith(b"\x89PNG") else raw.strip()
        signed = load_package(args.package.read_bytes(), _commission_key(args.commission_key))
        result = verify_report(payload, read_manifest(args.manifest.read_bytes()), signed)
    except (ReportRejected, PackageError, OSError) as exc:
        print(f"不合格 / REJECTED: {exc}", file=sys.stderr)
        return 1
    body = result.body
    print(f"合格 / VERIFIED: {result.kind}")
    print(f"  投票機 / machine: {body['machine_id']}  日時 / time: {body.get('time')}")
    print(f"  ソフトウェア / software: {body['software_hash']} = release {result.release}")
    print(f"  選挙データ指紋 / package: {body['package_fingerprint']}")
    if "records" in body:
        print(f"  記録数 / records: {json.dumps(body['records'], ensure_ascii=False)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
