"""Turning the commission's readable election file (TOML) and the public keys gathered from
machines, reception desks and the counting-key ceremony into an unsigned ``ElectionPackage``;
and, once officials approved its speech set, the package carrying that set's manifest hash."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from election.package import (
    ElectionPackage,
    PackageError,
    package_from_dict,
    speech_source_fingerprint,
)

SPEECH_FORMAT = "tohyoki-speech/1"  # drivers/speech/approved.py writes it (docs/speech.md)


def read_source(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PackageError(
            f"選挙定義ファイルが読めません / cannot read the election file: {exc}"
        ) from exc


def author_package(
    source: Mapping[str, Any],
    machine_keys: Mapping[str, bytes],
    issuer_keys: Mapping[str, bytes],
    counting_public_key: bytes,
    admin_certificates: tuple[str, ...] = (),
) -> ElectionPackage:
    """Fill in keys and defaults; every missing key is named in the error."""
    body = dict(source)
    body.setdefault("version", 1)
    body.setdefault("previous_fingerprint", "")
    contests = []
    for contest in body.get("contests", []):
        contest = dict(contest)
        contest["candidates"] = [
            {"status": "standing", **candidate} for candidate in contest.get("candidates", [])
        ]
        contests.append(contest)
    body["contests"] = contests
    machines = []
    for machine in body.get("machines", []):
        key = machine_keys.get(machine.get("machine_id", ""))
        if key is None:
            raise PackageError(f"投票機 {machine.get('machine_id')} の公開鍵がありません / "
                               "missing machine public key")
        machines.append({**machine, "public_key": key.hex()})
    body["machines"] = machines
    issuers = []
    for issuer in body.get("issuers", []):
        key = issuer_keys.get(issuer.get("issuer_id", ""))
        if key is None:
            raise PackageError(f"受付 {issuer.get('issuer_id')} の公開鍵がありません / "
                               "missing card issuer public key")
        issuers.append({**issuer, "public_key": key.hex()})
    body["issuers"] = issuers
    body["counting_public_key"] = counting_public_key.hex()
    body["admin_certificates"] = list(admin_certificates)
    return package_from_dict(body)


def attach_speech(package: ElectionPackage, manifest: bytes, approval: Mapping[str, Any]
                  ) -> ElectionPackage:
    """``package`` with the SHA-256 of the approved speech manifest, for the commission to sign
    (art. 4-1-3): only if the officials' approval (``approved.json``) names this very manifest,
    and the manifest was rendered from this package as it is without the field."""
    digest = hashlib.sha256(manifest).hexdigest()
    try:
        rendered = json.loads(manifest)
        rendered_for = rendered["package_fingerprint"] if isinstance(rendered, dict) else None
    except (ValueError, KeyError):
        rendered, rendered_for = None, None
    if not isinstance(rendered, dict) or rendered.get("format") != SPEECH_FORMAT:
        raise PackageError(f"音声一覧の形式が違います / not a {SPEECH_FORMAT} manifest")
    if approval.get("manifest_sha256") != digest:
        raise PackageError(
            "音声一覧が承認されたもの（approved.json）と違います。聴いて承認し直してください / the "
            "speech manifest is not the one the officials approved; listen and approve it again"
        )
    if rendered_for != speech_source_fingerprint(package):
        raise PackageError(
            "音声はこの選挙データから作られていません。この選挙データから作り直してください / the "
            "speech set was not rendered from this package; render it again from this package"
        )
    return replace(package, speech_manifest_sha256=digest)
