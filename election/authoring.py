"""Turning the commission's readable election file (TOML) and the public keys gathered from
machines, reception desks and the counting-key ceremony into an unsigned ``ElectionPackage``."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any

from election.package import ElectionPackage, PackageError, package_from_dict


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
