"""The election commission's command-line tool (選挙管理委員会用).

  python -m election keygen KEYDIR              commission signing key (commission.key/.pub)
  python -m election counting-keygen KEYDIR     counting key pair (public + DEMO-ONLY private)
  python -m election issuer-keygen KEYDIR ID    a reception desk's card-issuer key
  python -m election build SOURCE.toml KEYDIR OUT [--speech DIR]
                                                author + sign; prints the fingerprint; with
                                                --speech, signs in the approved speech set's
                                                manifest hash (DIR: manifest.json, approved.json)
  python -m election fingerprint PACKAGE KEYDIR     verify and print the fingerprint
  python -m election amend PACKAGE KEYDIR OUT --status CONTEST:CANDIDATE=withdrawn|deceased

KEYDIR layout: commission.key, commission.pub, counting.pub, machines/<id>.pub,
issuers/<id>.pub (a machine's .pub comes from provisioning it)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from election.authoring import attach_speech, author_package, read_source
from election.package import (
    CandidateStatus,
    PackageError,
    SignedPackage,
    amend,
    load_package,
    short_fingerprint,
    sign_package,
)
from election.signature import private_from_hex, private_to_hex, public_bytes
from media.counting_key import fingerprint as counting_key_fingerprint
from media.counting_key import generate_private_key, public_key_bytes
from media.demo_key import write_demo_private_key


def _write_secret(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def write_signing_key(directory: Path, name: str) -> bytes:
    key = Ed25519PrivateKey.generate()
    _write_secret(directory / f"{name}.key", private_to_hex(key) + "\n")
    (directory / f"{name}.pub").write_text(public_bytes(key).hex() + "\n")
    return public_bytes(key)


def read_public(path: Path) -> bytes:
    return bytes.fromhex(path.read_text().strip())


def read_private(path: Path) -> Ed25519PrivateKey:
    return private_from_hex(path.read_text())


def _keys_in(directory: Path) -> dict[str, bytes]:
    if not directory.is_dir():
        return {}
    return {p.stem: read_public(p) for p in sorted(directory.glob("*.pub"))}


def build(source: Path, keydir: Path, out: Path, speech: Path | None = None) -> SignedPackage:
    """Author and sign the package; with ``speech`` (a rendered set the officials approved,
    docs/speech.md) the package also signs that set's manifest hash."""
    package = author_package(
        read_source(source.read_text(encoding="utf-8")),
        machine_keys=_keys_in(keydir / "machines"),
        issuer_keys=_keys_in(keydir / "issuers"),
        counting_public_key=read_public(keydir / "counting.pub"),
    )
    if speech is not None:
        approval = json.loads((speech / "approved.json").read_text("utf-8"))
        if not isinstance(approval, dict):
            raise PackageError(f"{speech / 'approved.json'}: 承認記録ではありません / not an approval")
        package = attach_speech(package, (speech / "manifest.json").read_bytes(), approval)
    signed = sign_package(package, read_private(keydir / "commission.key"))
    out.write_bytes(signed.to_bytes())
    return signed


def print_counting_key(signed: SignedPackage) -> None:
    """The package's counting key as the key ceremony printed it, so the commission checks,
    before the package goes out, that the votes will be sealed to the key its holders hold."""
    key = counting_key_fingerprint(signed.package.counting_public_key)
    print(f"開票鍵の指紋 / counting key fingerprint: {short_fingerprint(key)}")
    print(f"開票鍵 SHA-256 / counting key SHA-256: {key}")


def print_speech(signed: SignedPackage) -> None:
    """The approved speech set the package signs, to compare with the officials' minutes."""
    speech = signed.package.speech_manifest_sha256
    print(f"承認済み音声一覧 SHA-256 / approved speech manifest SHA-256: {speech or 'なし / none'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m election", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("keygen").add_argument("keydir", type=Path)
    sub.add_parser("counting-keygen").add_argument("keydir", type=Path)
    issuer = sub.add_parser("issuer-keygen")
    issuer.add_argument("keydir", type=Path)
    issuer.add_argument("issuer_id")
    b = sub.add_parser("build")
    b.add_argument("source", type=Path)
    b.add_argument("keydir", type=Path)
    b.add_argument("out", type=Path)
    b.add_argument("--speech", type=Path, metavar="DIR",
                   help="the approved speech set (python -m drivers.speech render/approve)")
    f = sub.add_parser("fingerprint")
    f.add_argument("package", type=Path)
    f.add_argument("keydir", type=Path)
    a = sub.add_parser("amend")
    a.add_argument("package", type=Path)
    a.add_argument("keydir", type=Path)
    a.add_argument("out", type=Path)
    a.add_argument("--status", action="append", required=True,
                   metavar="CONTEST:CANDIDATE=withdrawn|deceased")
    args = parser.parse_args(argv)
    try:
        if args.command == "keygen":
            write_signing_key(args.keydir, "commission")
            print(f"選挙管理委員会の鍵 / commission key: {args.keydir / 'commission.pub'}")
        elif args.command == "counting-keygen":
            private = generate_private_key()
            args.keydir.mkdir(parents=True, exist_ok=True)
            (args.keydir / "counting.pub").write_text(public_key_bytes(private).hex() + "\n")
            _write_secret(args.keydir / "counting-private.DEMO-ONLY.key",
                          write_demo_private_key(private))
            print("開票鍵（模擬専用の秘密鍵つき） / counting key (with DEMO-ONLY private key)")
        elif args.command == "issuer-keygen":
            write_signing_key(args.keydir / "issuers", args.issuer_id)
        elif args.command == "build":
            signed = build(args.source, args.keydir, args.out, args.speech)
            print(f"指紋 / fingerprint: {signed.short_fingerprint}")
            print_counting_key(signed)
            print_speech(signed)
        elif args.command == "fingerprint":
            signed = load_package(args.package.read_bytes(),
                                  read_public(args.keydir / "commission.pub"))
            print(f"第{signed.package.version}版 / version {signed.package.version}")
            print(f"指紋 / fingerprint: {signed.short_fingerprint}")
            print(f"SHA-256: {signed.fingerprint}")
            print_counting_key(signed)
            print_speech(signed)
        else:
            previous = load_package(args.package.read_bytes(),
                                    read_public(args.keydir / "commission.pub"))
            changes = {}
            for item in args.status:
                target, _, status = item.partition("=")
                contest, _, candidate = target.partition(":")
                changes[(contest, candidate)] = CandidateStatus(status)
            signed = sign_package(amend(previous, changes),
                                  read_private(args.keydir / "commission.key"))
            args.out.write_bytes(signed.to_bytes())
            print(f"第{signed.package.version}版 指紋 / fingerprint: {signed.short_fingerprint}")
    except (OSError, ValueError, PackageError) as exc:
        print(f"エラー / error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
