"""The approved speech set at package load (docs/speech.md, art. 4-1-3): the machine plays only a
speech set whose manifest the commission signed into the election package, so a set nobody
signed, changed after approval or made for another election is refused at load, naming its file,
and the loaded package stays as it was."""

from __future__ import annotations

from dataclasses import dataclass

from election.package import PackageError, SignedPackage, speech_source_fingerprint


@dataclass(frozen=True)
class SpeechSet:
    """What a speaker plays from, as it reports it: its manifest file, that file's SHA-256 as
    read now (None: missing or unreadable) and the package fingerprint the manifest names as the
    one it was rendered from."""

    manifest_file: str
    manifest_sha256: str | None
    rendered_for: str


def check_speech_set(signed: SignedPackage, speech: SpeechSet | None) -> None:
    """Raise ``PackageError`` unless the speaker's set is the one ``signed`` signs. ``speech``
    None: the speaker plays no approved set (a simulator that says any text), which only a
    package signing no set accepts."""
    signs = signed.package.speech_manifest_sha256
    if speech is None:
        if signs:
            raise PackageError(
                f"この投票機には承認済みの音声がありません。選挙データが署名した音声一覧（SHA-256 "
                f"{signs[:16]}…）を入れてください / this machine has no approved speech set; "
                f"install the one the package signs (manifest SHA-256 {signs[:16]}…)"
            )
        return
    where = speech.manifest_file
    if not signs:
        if speech.rendered_for not in (signed.fingerprint, speech_source_fingerprint(signed.package)):
            raise PackageError(
                f"この投票機の音声 {where} は別の選挙データ用に承認されたものです / the approved "
                f"speech on this machine ({where}) was rendered for another package"
            )
        raise PackageError(
            f"選挙データに承認済み音声の指定がありません。音声 {where} は選挙管理委員会の署名を受けて"
            f"いません / the package signs no speech set, so {where} is not signed by the "
            "commission"
        )
    if speech.manifest_sha256 is None:
        raise PackageError(
            f"音声一覧 {where} がないか読めません。選挙データが署名した音声一覧（SHA-256 "
            f"{signs[:16]}…）を入れてください / the speech manifest {where} is missing or "
            f"unreadable; install the set the package signs (SHA-256 {signs[:16]}…)"
        )
    if speech.manifest_sha256 != signs:
        raise PackageError(
            f"音声一覧 {where} は選挙データが署名したものではありません（SHA-256 "
            f"{speech.manifest_sha256[:16]}…、署名は {signs[:16]}…）。承認後に変更されたか、別の"
            f"選挙データ用です / {where} is not the speech manifest the package signs (SHA-256 "
            f"{speech.manifest_sha256[:16]}…, signed {signs[:16]}…): changed since approval, or "
            "made for another package"
        )
