"""The software hash shown at boot and printed on reports: SHA-256 over every installed source
file, by path, in a fixed order, so an observer can recompute it from the published release."""

from __future__ import annotations

import hashlib
from pathlib import Path

PACKAGES = ("election", "media", "firmware", "drivers", "counting", "ui")


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
