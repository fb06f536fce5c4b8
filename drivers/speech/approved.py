"""Approved speech: the rendered clips with their SHA-256 manifest, and the speaker that plays
only clips whose file hash is in the manifest officials approved (docs/speech.md)."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import subprocess
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from drivers.speech.adjust import (
    DEFAULT_RATE_STEP,
    DEFAULT_VOLUME_STEP,
    RATE_STEPS,
    VOLUME_STEPS_DB,
    adjust,
)
from drivers.speech.wav import Audio, read_wav, write_wav
from firmware.interfaces import SpeechError
from firmware.screens import Screen
from firmware.speech_approval import SpeechSet
from firmware.spoken import NAME, Clip, describe, pronunciation
from firmware.voter_settings import VoterSettings

MANIFEST = "manifest.json"
APPROVAL = "approved.json"
FORMAT = "tohyoki-speech/1"


class UnapprovedClip(SpeechError):
    """The machine was asked to say something no official approved; it says nothing."""


class TamperedClip(SpeechError):
    """A clip's file differs from the approved hash (changed, damaged or swapped)."""


class ApprovalRefused(ValueError):
    """The rendered set cannot be approved as it is; the message says which clip and why."""


def clip_file(language: str, text: str) -> str:
    return f"{language}-{hashlib.sha256(text.encode()).hexdigest()[:20]}.wav"


@dataclass(frozen=True)
class Entry:
    prompt_id: str
    language: str
    text: str
    expected_reading: str | None  # reviewed reading; None when checked by ear only
    engine_reading: str | None  # what Open JTalk's g2p says it will read (ja only)
    file: str
    sha256: str
    seconds: float

    @property
    def reading_matches(self) -> bool | None:
        if self.expected_reading is None or self.engine_reading is None:
            return None
        return pronunciation(self.engine_reading) == pronunciation(self.expected_reading)


def _render_one(clip: Clip) -> tuple[bytes, float, str | None]:
    from drivers.speech import engine
    from drivers.speech.wav import trim

    audio = trim(engine.synthesize(clip.text, clip.language))
    reading = engine.reading(clip.text) if clip.language == "ja" else None
    return write_wav(audio), audio.seconds, reading


def render(clips: Iterable[Clip], out: Path, package_fingerprint: str) -> list[Entry]:
    """Synthesise every clip to ``out`` (one process per core) and write the manifest (file
    hashes, readings). The same text always gives the same file, so a re-render is checkable."""
    out.mkdir(parents=True, exist_ok=True)
    todo = list(clips)
    workers = max(1, min(len(todo), os.cpu_count() or 1))
    context = multiprocessing.get_context("spawn")  # no inherited engine state or threads
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        results = list(pool.map(_render_one, todo, chunksize=max(1, len(todo) // (4 * workers))))
    entries = []
    for clip, (data, seconds, reading) in zip(todo, results, strict=True):
        name = clip_file(clip.language, clip.text)
        (out / name).write_bytes(data)
        entries.append(Entry(
            clip.prompt_id, clip.language, clip.text, clip.reading, reading,
            name, hashlib.sha256(data).hexdigest(), round(seconds, 3),
        ))
    manifest = {
        "format": FORMAT,
        "package_fingerprint": package_fingerprint,
        "clips": [entry.__dict__ for entry in entries],
    }
    (out / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8"
    )
    return entries


def load_manifest(directory: Path) -> tuple[str, list[Entry]]:
    """The manifest's own SHA-256 (what officials approve) and its entries."""
    data = (directory / MANIFEST).read_bytes()
    manifest = json.loads(data)
    if manifest.get("format") != FORMAT:
        raise ApprovalRefused(f"音声一覧の形式が違います / not a {FORMAT} manifest")
    return hashlib.sha256(data).hexdigest(), [Entry(**c) for c in manifest["clips"]]


def approve(directory: Path, officials: list[str]) -> str:
    """Check every file against the manifest and every reading against the reviewed list, then
    record the manifest's hash as approved by ``officials`` (after they have listened)."""
    digest, entries = load_manifest(directory)
    if not officials:
        raise ApprovalRefused("承認者の氏名が必要です / name the approving officials")
    for entry in entries:
        data = (directory / entry.file).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            raise ApprovalRefused(f"{entry.file}: ファイルが一覧と違います / file differs")
        if entry.reading_matches is False:
            raise ApprovalRefused(
                f"「{entry.text}」の読みが違います: 期待 {entry.expected_reading}、"
                f"音声合成 {entry.engine_reading} / misread, reword the prompt"
            )
    (directory / APPROVAL).write_text(
        json.dumps({"manifest_sha256": digest, "approved_by": officials}, ensure_ascii=False)
        + "\n", "utf-8",
    )
    return digest


class AudioSink(Protocol):
    def play(self, audio: Audio) -> None: ...


class MemorySink:
    """The simulated headphones: keeps what was played; can be unplugged like the real jack."""

    def __init__(self) -> None:
        self.plugged_in = True
        self.played: list[Audio] = []

    def play(self, audio: Audio) -> None:
        if not self.plugged_in:
            raise SpeechError("ヘッドホンが接続されていません / headphones unplugged")
        self.played.append(audio)


class AplaySink:
    """The real headphone output through ALSA's ``aplay``."""

    def __init__(self, device: str = "default") -> None:
        if shutil.which("aplay") is None:
            raise SpeechError("aplay がありません（alsa-utils）/ aplay not installed")
        self.device = device

    def play(self, audio: Audio) -> None:
        result = subprocess.run(
            ["aplay", "-q", "-D", self.device, "-"], input=write_wav(audio), check=False,
            capture_output=True,
        )
        if result.returncode:
            raise SpeechError(f"音声を再生できません / playback failed: {result.stderr[:200]!r}")


class ApprovedSpeaker:
    """``firmware.interfaces.Speaker`` that plays exactly the approved clips, at the voter's
    volume and rate steps; anything not approved, or changed since, is refused."""

    def __init__(self, directory: Path, approved_sha256: str, sink: AudioSink) -> None:
        digest, entries = load_manifest(directory)
        if digest != approved_sha256:
            raise TamperedClip(
                "音声一覧が承認されたものと違います / the speech manifest is not the approved one"
            )
        self.directory = directory
        self.sink = sink
        self._clips = {(e.language, e.text): e for e in entries}
        manifest = json.loads((directory / MANIFEST).read_text("utf-8"))
        self.rendered_for = str(manifest["package_fingerprint"])
        self.volume_step = DEFAULT_VOLUME_STEP
        self.rate_step = DEFAULT_RATE_STEP

    @property
    def speech_set(self) -> SpeechSet:
        """``firmware.interfaces.Speaker``: the manifest as it is on disk now (hashed again, so
        a file removed or changed since start-up shows at the next package load)."""
        path = self.directory / MANIFEST
        try:
            digest: str | None = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digest = None
        return SpeechSet(str(path), digest, self.rendered_for)

    @classmethod
    def from_approval(cls, directory: Path, sink: AudioSink) -> ApprovedSpeaker:
        approval = json.loads((directory / APPROVAL).read_text("utf-8"))
        return cls(directory, str(approval["manifest_sha256"]), sink)

    def load(self, text: str, language: str) -> Audio:
        """The approved clip for ``text``, checked against its hash."""
        entry = self._clips.get((language, text))
        if entry is None:
            raise UnapprovedClip(f"承認されていない音声です / not an approved clip: {text!r}")
        data = (self.directory / entry.file).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            raise TamperedClip(f"{entry.file}: 承認後に変更されています / changed since approval")
        return read_wav(data)

    def say(self, text: str, language: str) -> None:
        self.sink.play(adjust(self.load(text, language), self.volume_step, self.rate_step))

    def say_clip(self, clip: Clip) -> None:
        self.say(clip.text, clip.language)

    def step_volume(self, delta: int) -> bool:
        """Move one volume step; False at the end of the range (say ``setting_at_limit``)."""
        new = self.volume_step + delta
        if not 0 <= new < len(VOLUME_STEPS_DB):
            return False
        self.volume_step = new
        return True

    def step_rate(self, delta: int) -> bool:
        new = self.rate_step + delta
        if not 0 <= new < len(RATE_STEPS):
            return False
        self.rate_step = new
        return True

    def set_voice(self, volume: int, rate: int) -> None:
        """``firmware.interfaces.Speaker``: the voter's volume and rate steps for what follows."""
        if not (0 <= volume < len(VOLUME_STEPS_DB) and 0 <= rate < len(RATE_STEPS)):
            raise ValueError(f"音量・速さの段階が範囲外です / voice step out of range: {volume}, {rate}")
        self.volume_step, self.rate_step = volume, rate

    def apply(self, settings: VoterSettings) -> None:
        """Take the voter's volume and rate from the firmware's settings for this session."""
        self.volume_step, self.rate_step = settings.volume, settings.rate

    def say_screen(self, screen: Screen) -> None:
        """Speak a screen's description (firmware/spoken.py) in the voter's language, at the
        voter's volume and rate when the screen carries their settings."""
        settings = getattr(screen, "settings", None)
        if isinstance(settings, VoterSettings):
            self.apply(settings)
        for clip in describe(screen):
            self.say_clip(clip)

    def reset(self) -> None:
        """Back to the defaults for the next voter (settings reset after each voter)."""
        self.volume_step = DEFAULT_VOLUME_STEP
        self.rate_step = DEFAULT_RATE_STEP

    def names(self) -> list[Entry]:
        return [e for e in self._clips.values() if e.prompt_id == NAME]
