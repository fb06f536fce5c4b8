"""The software hash shown at boot and printed on reports: SHA-256 over every installed source
file, by path, in a fixed order, so an observer can recompute it from the published release."""

from __future__ import annotations

import hashlib
from pathlib import Path

PACKAGES = ("election", "media", "firmware", "drivers", "counting", "reception", "ui")


def software_hash(root: Path) -> str:
    digest = hashlib.sha256(b"tohyoki/software/v1\x00")
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".toml"):
                relative = path.relative_to(root).as_posix().encode()
                content = path.read_bytes()
                digest.update(len(relative).to_bytes(4, "big") + relative)
                digest.update(len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()


MANIFEST_FORMAT = "tohyoki-release-manifest/1"


def release_manifest(root: Path, version: str) -> dict[str, object]:
    """What the release publishes: the software hash and, per file, its SHA-256, so an observer
    can check both the installed tree and the hash printed (and signed) on every report."""
    files = [
        {
            "path": path.relative_to(root).as_posix(),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
        for package in PACKAGES
        for path in sorted((root / package).rglob("*"))
        if path.is_file() and path.suffix in (".py", ".toml")
    ]
    return {
        "format": MANIFEST_FORMAT,
        "version": version,
        "software_hash": software_hash(root),
        "files": files,
    }


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    parser = argparse.ArgumentParser(
        prog="python -m drivers.software_identity",
        description="ソフトウェアのハッシュ値とリリース一覧 / software hash and release manifest",
    )
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--manifest", type=Path, help="write release-manifest.json here")
    parser.add_argument("--version", default="dev")
    args = parser.parse_args(argv)
    if args.manifest is None:
        print(software_hash(args.root))
        return 0
    manifest = release_manifest(args.root, args.version)
    args.manifest.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    print(manifest["software_hash"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
