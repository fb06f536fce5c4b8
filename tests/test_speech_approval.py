"""The approved speech set signed into the election package (art. 4-1-3, docs/speech.md): the
commission's tool signs the approved manifest's hash into the package; the machine loads a
package only on a speaker whose set that hash names, and otherwise refuses with a message naming
the manifest file, leaving its package as it was (``firmware/speech_approval.py``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from drivers.speech.approved import APPROVAL, FORMAT, MANIFEST, ApprovedSpeaker, MemorySink, approve
from election.__main__ import main as commission_command
from election.package import (
    PackageError,
    SignedPackage,
    load_package,
    sign_package,
    speech_source_fingerprint,
)
from firmware import machine as fw
from firmware.screens import AdminMenu, Phase
from firmware.speech_approval import SpeechSet, check_speech_set
from tests.station import COMMISSION_KEY, SOURCE, Station, fixed_key, issuer_key, make_package
from tests.test_firmware_support import as_manager, audit_entries, events_named, make_station

SIGNED = "5e" * 32
OTHER = "0f" * 32


def _signing(signed: SignedPackage, digest: str) -> SignedPackage:
    return sign_package(replace(signed.package, speech_manifest_sha256=digest), COMMISSION_KEY)


# --- the decision alone ---------------------------------------------------------------------


def test_a_speaker_bound_to_no_set_loads_only_a_package_that_signs_none() -> None:
    plain = make_package({})
    check_speech_set(plain, None)
    with pytest.raises(PackageError, match="承認済みの音声がありません"):
        check_speech_set(_signing(plain, SIGNED), None)


@pytest.mark.parametrize(("digest", "signs", "rendered", "words"), [
    (SIGNED, SIGNED, "source", None),
    (None, SIGNED, "source", "ないか読めません"),  # missing
    (OTHER, SIGNED, "source", "署名したものではありません"),  # changed
    (OTHER, SIGNED, "elsewhere", "署名したものではありません"),  # foreign
    (SIGNED, "", "source", "署名を受けていません"),  # approved, never signed
    (SIGNED, "", "elsewhere", "別の選挙データ用"),
])
def test_the_set_must_be_the_one_the_package_signs(
    digest: str | None, signs: str, rendered: str, words: str | None,
) -> None:
    plain = make_package({})
    signed = _signing(plain, signs) if signs else plain
    source = speech_source_fingerprint(signed.package)
    assert source == plain.fingerprint  # what a set is rendered from: the package without it
    speech = SpeechSet("/srv/speech/manifest.json", digest,
                       source if rendered == "source" else "ab" * 32)
    if words is None:
        check_speech_set(signed, speech)
        return
    with pytest.raises(PackageError) as refused:
        check_speech_set(signed, speech)
    message = str(refused.value)
    assert words in message and "/srv/speech/manifest.json" in message
    assert message.index(words) < message.index(" / ")  # Japanese first, English second


# --- at package load, through the machine ------------------------------------------------------


def _speech_set(directory: Path, rendered_for: str) -> str:
    """A real approved set: a manifest of no clips (the clips' own checks are
    tests/test_speech_render.py's), approved as officials do; returns the manifest's hash."""
    directory.mkdir(parents=True, exist_ok=True)
    manifest = {"format": FORMAT, "package_fingerprint": rendered_for, "clips": []}
    (directory / MANIFEST).write_text(json.dumps(manifest, sort_keys=True) + "\n", "utf-8")
    return approve(directory, ["委員 甲", "委員 乙"])


def _station_with(directory: Path) -> tuple[Station, str]:
    station = make_station()
    assert station.package is not None and station.machine.phase is Phase.SETUP
    digest = _speech_set(directory, station.package.fingerprint)
    speaker = ApprovedSpeaker.from_approval(directory, MemorySink())
    station.plug(speaker=speaker)
    return station, digest


def _load(station: Station, signed: SignedPackage) -> str:
    screens = as_manager(station, fw.LoadPackage(signed.to_bytes()))
    return " ".join(s.message for s in screens if isinstance(s, AdminMenu) and s.message)


def test_the_package_signing_the_set_loads(tmp_path: Path) -> None:
    station, digest = _station_with(tmp_path / "speech")
    assert station.package is not None
    signed = _signing(station.package, digest)
    assert signed.short_fingerprint in _load(station, signed)
    assert station.machine.phase is Phase.PACKAGE_LOADED
    assert station.machine.package == signed


@pytest.mark.parametrize("fault", ["missing", "changed", "foreign", "unsigned"])
def test_a_set_the_package_does_not_sign_is_refused_naming_the_file(
    tmp_path: Path, fault: str,
) -> None:
    station, digest = _station_with(tmp_path / "speech")
    assert station.package is not None
    manifest = tmp_path / "speech" / MANIFEST
    signed = _signing(station.package, digest)
    if fault == "missing":
        manifest.unlink()
    elif fault == "changed":  # edited after the speaker started: it is hashed again at load
        manifest.write_text(manifest.read_text("utf-8").replace("[]", "[ ]"), "utf-8")
    elif fault == "foreign":  # another election's approved set, signed by its package
        signed = _signing(station.package, _speech_set(tmp_path / "other", "cd" * 32))
    else:
        signed = station.package  # the commission signed no set
    message = _load(station, signed)
    assert str(manifest) in message and "選挙データを読み込めません" in message, message
    assert station.machine.phase is Phase.SETUP and station.machine.package is None
    assert station.storage.read(fw.PACKAGE_FILE) is None  # nothing of it was kept
    failures = [e for e in events_named(audit_entries(station), "package_load")
                if e.outcome == "failure"]
    assert len(failures) == 1 and "音声" in failures[0].detail["reason"]


def test_an_amendment_keeps_the_signed_set_and_cannot_change_it(tmp_path: Path) -> None:
    from election.package import CandidateStatus, amend, check_amendment

    station, digest = _station_with(tmp_path / "speech")
    assert station.package is not None
    v1 = _signing(station.package, digest)
    _load(station, v1)
    v2 = sign_package(amend(v1, {("mayor", "mayor-2"): CandidateStatus.WITHDRAWN}),
                      COMMISSION_KEY)
    assert v2.package.speech_manifest_sha256 == digest
    check_speech_set(v2, station.machine.devices.speaker.speech_set)
    swapped = sign_package(replace(v2.package, speech_manifest_sha256=OTHER), COMMISSION_KEY)
    with pytest.raises(PackageError, match="承認済み音声が変わっています"):
        check_amendment(v1, swapped)


# --- the commission's tool --------------------------------------------------------------------


def _keydir(root: Path) -> Path:
    keys = root / "keys"
    assert commission_command(["keygen", str(keys)]) == 0
    assert commission_command(["counting-keygen", str(keys)]) == 0
    for directory, ids, key in (
        ("machines", ("M-001", "M-002", "M-003"), lambda i: fixed_key(f"machine:{i}")),
        ("issuers", ("R-p01", "R-p02"), issuer_key),
    ):
        (keys / directory).mkdir(exist_ok=True)
        for item in ids:
            public = key(item).public_key().public_bytes_raw()
            (keys / directory / f"{item}.pub").write_text(public.hex() + "\n")
    return keys


def test_build_signs_the_approved_manifest_hash_into_the_package(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """The procedure of docs/speech.md: build, render (here a set of no clips), approve,
    build again with --speech; the result signs the manifest, and its fingerprint changes."""
    keys = _keydir(tmp_path)
    commission = bytes.fromhex((keys / "commission.pub").read_text().strip())
    first = tmp_path / "package.json"
    assert commission_command(["build", str(SOURCE), str(keys), str(first)]) == 0
    plain = load_package(first.read_bytes(), commission)
    assert "none" in capsys.readouterr().out
    digest = _speech_set(tmp_path / "speech", plain.fingerprint)
    final = tmp_path / "final.json"
    assert commission_command(["build", str(SOURCE), str(keys), str(final),
                               "--speech", str(tmp_path / "speech")]) == 0
    signed = load_package(final.read_bytes(), commission)
    assert signed.package.speech_manifest_sha256 == digest
    assert digest == hashlib.sha256((tmp_path / "speech" / MANIFEST).read_bytes()).hexdigest()
    assert signed.fingerprint != plain.fingerprint
    assert speech_source_fingerprint(signed.package) == plain.fingerprint
    assert digest in capsys.readouterr().out


@pytest.mark.parametrize(("fault", "words"), [
    ("unapproved", "承認されたもの（approved.json）と違います"),
    ("elsewhere", "この選挙データから作られていません"),
])
def test_build_refuses_a_set_not_approved_or_not_rendered_from_the_package(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fault: str, words: str,
) -> None:
    keys = _keydir(tmp_path)
    first = tmp_path / "package.json"
    assert commission_command(["build", str(SOURCE), str(keys), str(first)]) == 0
    commission = bytes.fromhex((keys / "commission.pub").read_text().strip())
    plain = load_package(first.read_bytes(), commission)
    speech = tmp_path / "speech"
    _speech_set(speech, plain.fingerprint if fault == "unapproved" else "ab" * 32)
    if fault == "unapproved":  # changed after the officials listened
        (speech / MANIFEST).write_text((speech / MANIFEST).read_text("utf-8") + " ", "utf-8")
    capsys.readouterr()
    out = tmp_path / "final.json"
    assert commission_command(["build", str(SOURCE), str(keys), str(out),
                               "--speech", str(speech)]) == 2
    assert words in capsys.readouterr().err and not out.exists()
    assert json.loads((speech / APPROVAL).read_text("utf-8"))["approved_by"]
