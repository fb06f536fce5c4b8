"""Rendering every clip of a package to WAV, the officials' approval, and the speaker that plays
only approved files (hash-checked) at the voter's volume and rate without changing the pitch.
The station package is rendered once per module (about 15 s) and reused."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from drivers.speech import engine
from drivers.speech.__main__ import main as speech_command
from drivers.speech.adjust import (
    DEFAULT_RATE_STEP,
    DEFAULT_VOLUME_STEP,
    RATE_STEPS,
    VOLUME_STEPS_DB,
    stretch,
)
from drivers.speech.approved import (
    APPROVAL,
    MANIFEST,
    ApprovalRefused,
    ApprovedSpeaker,
    Entry,
    MemorySink,
    TamperedClip,
    UnapprovedClip,
    approve,
    load_manifest,
)
from drivers.speech.wav import Audio, first_sound, fundamental, read_wav, rms_dbfs, trim
from firmware import spoken
from firmware.keypad import focus_items
from firmware.screens import ContestChoice
from firmware.voter_settings import VoterSettings
from tests.station import COMMISSION_PUB, make_package

PACKAGE = make_package({})


@pytest.fixture(scope="module")
def rendered() -> Iterator[tuple[Path, list[Entry]]]:
    """The officials' command, run once: python -m drivers.speech render PACKAGE OUT.
    (A private temporary directory: pytest prunes its shared base directory when other
    sessions run in the same tree, which removed the set under a running test.)"""
    with tempfile.TemporaryDirectory(prefix="speech-") as tmp:
        yield _render(Path(tmp))


def _render(work: Path) -> tuple[Path, list[Entry]]:
    (work / "package.json").write_bytes(PACKAGE.to_bytes())
    (work / "commission.pub").write_bytes(COMMISSION_PUB)
    out = work / "out"
    assert speech_command([
        "render", str(work / "package.json"), str(out),
        "--commission-key", str(work / "commission.pub"),
    ]) == 0
    digest, entries = load_manifest(out)
    manifest = json.loads((out / MANIFEST).read_text("utf-8"))
    assert manifest["package_fingerprint"] == PACKAGE.fingerprint
    return out, entries


def test_approve_command_records_the_manifest_hash_and_the_officials(
    rendered: tuple[Path, list[Entry]], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    directory = tmp_path / "set"
    shutil.copytree(rendered[0], directory)
    assert speech_command(["approve", str(directory), "--by", "委員 甲", "委員 乙"]) == 0
    digest, _ = load_manifest(directory)
    assert json.loads(capsys.readouterr().out)["manifest_sha256"] == digest
    approval = json.loads((directory / APPROVAL).read_text("utf-8"))
    assert approval == {"manifest_sha256": digest, "approved_by": ["委員 甲", "委員 乙"]}
    (directory / rendered[1][0].file).write_bytes(b"RIFF")
    assert speech_command(["approve", str(directory), "--by", "委員 甲"]) == 1


@pytest.fixture()
def approved(rendered: tuple[Path, list[Entry]], tmp_path: Path) -> Path:
    directory = tmp_path / "approved"
    shutil.copytree(rendered[0], directory)
    approve(directory, ["選挙管理委員 甲", "選挙管理委員 乙"])
    return directory


def test_every_clip_is_rendered_non_silent_with_a_plausible_duration(
    rendered: tuple[Path, list[Entry]],
) -> None:
    out, entries = rendered
    assert {(e.language, e.text) for e in entries} == {
        (c.language, c.text) for c in spoken.every_clip(PACKAGE.package)
    }
    for entry in entries:
        audio = read_wav((out / entry.file).read_bytes())
        assert rms_dbfs(audio) > -30, entry.text
        assert first_sound(audio) < 0.05, entry.text
        chars = len(entry.text)
        per_char = (0.04, 0.4) if entry.language == "ja" else (0.02, 0.2)
        assert per_char[0] * chars <= audio.seconds <= per_char[1] * chars + 0.3, entry.text


def test_every_japanese_reading_matches_and_each_name_is_synthesised_from_its_kana(
    rendered: tuple[Path, list[Entry]],
) -> None:
    _, entries = rendered
    assert all(e.reading_matches is not False for e in entries)
    names = {e.text: e for e in entries if e.prompt_id == spoken.NAME}
    for contest in PACKAGE.package.contests:
        for candidate in contest.candidates:
            entry = names[spoken.to_katakana(candidate.kana)]  # the engine was given the kana
            assert entry.engine_reading is not None
            assert spoken.pronunciation(entry.engine_reading) == spoken.pronunciation(
                candidate.kana
            )
            assert not any(candidate.name in e.text for e in entries)


def test_every_clip_a_screen_asks_for_is_approved(approved: Path) -> None:
    sink = MemorySink()
    speaker = ApprovedSpeaker.from_approval(approved, sink)
    for position, contest in enumerate(PACKAGE.package.contests, start=1):
        screen = ContestChoice(position, 2, contest.contest_id, contest.title, contest.title_en,
                               contest.candidates, contest.blank_allowed, "blank")
        for language in spoken.LANGUAGES:
            for clip in spoken.describe(screen, language):
                speaker.say(clip.text, clip.language)
            for focus in range(len(focus_items(screen))):  # the keypad's focus speech too
                for clip in spoken.describe_focus(replace(screen, focus=focus), language):
                    speaker.say(clip.text, clip.language)
    assert len(sink.played) > 20 and all(rms_dbfs(a) > -60 for a in sink.played)
    # a whole screen at the voter's slowest rate takes 1/0.75 as long; English is spoken too
    screen = ContestChoice(1, 1, contest.contest_id, contest.title, contest.title_en,
                           contest.candidates, True, None, settings=VoterSettings())
    played = len(sink.played)
    speaker.say_screen(screen)
    normal = sum(a.seconds for a in sink.played[played:])
    played = len(sink.played)
    speaker.say_screen(replace(screen, settings=VoterSettings(rate=0)))
    slow = sum(a.seconds for a in sink.played[played:])
    assert slow == pytest.approx(normal * RATE_STEPS[DEFAULT_RATE_STEP] / RATE_STEPS[0], rel=0.02)
    played = len(sink.played)
    speaker.say_screen(replace(screen, settings=VoterSettings(language="en")))
    assert len(sink.played) - played == len(spoken.describe(screen, "en"))


def test_unknown_text_and_changed_files_are_refused(approved: Path) -> None:
    speaker = ApprovedSpeaker.from_approval(approved, MemorySink())
    with pytest.raises(UnapprovedClip):
        speaker.say("ヤマダ タロウ", "ja")  # not a candidate of this package
    digest, entries = load_manifest(approved)
    victim = approved / entries[0].file
    data = bytearray(victim.read_bytes())
    data[-1] ^= 1
    victim.write_bytes(bytes(data))
    with pytest.raises(TamperedClip):
        speaker.say(entries[0].text, entries[0].language)
    speaker.say(entries[1].text, entries[1].language)  # the others still play
    manifest = json.loads((approved / MANIFEST).read_text("utf-8"))
    manifest["clips"][0]["sha256"] = "0" * 64
    (approved / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(TamperedClip):
        ApprovedSpeaker(approved, digest, MemorySink())


def test_approval_refuses_a_misread_or_changed_set(approved: Path) -> None:
    manifest = json.loads((approved / MANIFEST).read_text("utf-8"))
    for clip in manifest["clips"]:
        if clip["prompt_id"] == "standby_open":
            clip["expected_reading"] = "トーヒョーカードヲサシコンデクダサイマセ"
    (approved / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(ApprovalRefused, match="読みが違います"):
        approve(approved, ["甲"])
    with pytest.raises(ApprovalRefused):
        approve(approved, [])


def _vowel() -> Audio:
    return trim(engine.synthesize("あー、えー", "ja"))


def test_rate_steps_change_duration_but_not_pitch() -> None:
    audio = _vowel()
    base = fundamental(audio)
    for rate in RATE_STEPS:
        changed = stretch(audio, rate)
        assert changed.seconds == pytest.approx(audio.seconds / rate, rel=0.02)
        assert fundamental(changed) == pytest.approx(base, rel=0.1), rate
    # resampling instead (the mistake this guards against) moves the pitch with the speed
    index = np.arange(0, len(audio.samples) - 1, 1.5)
    resampled = Audio(np.interp(index, np.arange(len(audio.samples)), audio.samples), audio.rate)
    assert fundamental(resampled) > 1.3 * base


def test_volume_steps_are_at_most_10_db_apart_and_keep_the_pitch(approved: Path) -> None:
    sink = MemorySink()
    speaker = ApprovedSpeaker.from_approval(approved, sink)
    text = spoken.catalogue().prompt("recorded").ja
    while speaker.step_volume(-1):
        pass
    speaker.say(text, "ja")
    assert not np.any(sink.played[-1].samples)  # step 0 is silence
    speaker.step_volume(+1)
    levels = []
    while True:
        speaker.say(text, "ja")
        levels.append(rms_dbfs(sink.played[-1]))
        if not speaker.step_volume(+1):
            break
    assert len(levels) == len(VOLUME_STEPS_DB) - 1
    steps = np.diff(levels)
    assert all(0 < s <= 10 for s in steps)
    assert fundamental(sink.played[1]) == pytest.approx(fundamental(sink.played[-1]), rel=0.02)
    speaker.step_rate(+3)
    speaker.reset()
    assert (speaker.volume_step, speaker.rate_step) == (DEFAULT_VOLUME_STEP, DEFAULT_RATE_STEP)


def test_audio_starts_within_half_a_second(approved: Path) -> None:
    """Processor time (not wall time, which other tests' load would distort; bench_speech
    measures wall time) to load, hash-check and stretch the longest clip at the slowest rate,
    plus the silence before its first audible sample."""
    speaker = ApprovedSpeaker.from_approval(approved, MemorySink())
    _, entries = load_manifest(approved)
    longest = max(entries, key=lambda e: e.seconds)
    speaker.rate_step = 0  # slowest rate: the most processing before the first sample
    start = time.process_time()
    audio = speaker.load(longest.text, longest.language)
    played = stretch(audio, RATE_STEPS[speaker.rate_step])
    latency = time.process_time() - start + first_sound(played)
    assert latency < 0.5


def test_rendering_is_reproducible_so_anyone_can_check_the_approved_set(
    rendered: tuple[Path, list[Entry]],
) -> None:
    from drivers.speech.approved import _render_one

    _, entries = rendered
    for language in spoken.LANGUAGES:
        entry = next(e for e in entries if e.language == language and e.prompt_id == "recorded")
        data, _, _ = _render_one(spoken.Clip(entry.prompt_id, language, entry.text, None))
        assert hashlib.sha256(data).hexdigest() == entry.sha256


def test_a_whole_audio_voter_through_the_machine_hears_only_approved_clips(
    approved: Path,
) -> None:
    """The machine with the real approved speaker: every screen, every keypad focus, the
    volume/rate keys, help, the inactivity alert and English — nothing is refused
    (UnapprovedClip), and the voter's volume and rate steps reach the speaker."""
    from firmware import machine as fw
    from firmware.booth_screens import InactivityAlert, VoterSettingsMenu
    from firmware.keypad import Key, KeyPressed
    from firmware.screens import Recorded, Review, Standby
    from tests.test_firmware_support import Insert, Pull, decrypted, open_station, run_flow

    station = open_station()
    sink = MemorySink()
    speaker = ApprovedSpeaker.from_approval(approved, sink)
    refused: list[str] = []  # the machine carries on past a SpeechError; record every refusal

    class Watched:
        def say(self, text: str, language: str) -> None:
            try:
                speaker.say(text, language)
            except UnapprovedClip:
                refused.append(text)
                raise

        def set_voice(self, volume: int, rate: int) -> None:
            speaker.set_voice(volume, rate)

    station.plug(speaker=Watched())
    machine = station.machine

    def walk_focus() -> None:  # hear every item of the screen with the keypad
        for _ in range(len(focus_items(machine.screen))):
            machine.handle(KeyPressed(Key.DOWN))
        machine.handle(KeyPressed(Key.UP))

    for language in spoken.LANGUAGES:
        played = len(sink.played)
        run_flow(station, [(Insert(station.voting_card(audio=True)), VoterSettingsMenu)])
        if language != "ja":
            run_flow(station, [(fw.ChangeSetting("language", language), VoterSettingsMenu)])
        walk_focus()
        run_flow(station, [(fw.Next(), ContestChoice)])
        for key in (Key.VOLUME_UP, Key.RATE_DOWN, Key.HELP):
            machine.handle(KeyPressed(key))
        assert (speaker.volume_step, speaker.rate_step) == (
            DEFAULT_VOLUME_STEP + 1, DEFAULT_RATE_STEP - 1)
        for _ in range(len(RATE_STEPS)):
            machine.handle(KeyPressed(Key.RATE_UP))  # up to the end: 「これ以上は…」
        for contest in ("mayor", "assembly"):
            walk_focus()
            choice = f"{contest}-1" if language == "ja" else "blank"
            run_flow(station, [(fw.Select(choice), ContestChoice)])
            screen = run_flow(station, [(fw.Next(), ContestChoice | Review)])[0]
        station.clock.advance(PACKAGE.package.settings.inactivity_alert_seconds + 1)
        assert isinstance(machine.handle(fw.Tick()), InactivityAlert)
        assert isinstance(machine.handle(fw.KeepVoting()), Review)
        walk_focus()
        run_flow(station, [(fw.Cast(), Recorded), (Pull(), Standby)])
        assert isinstance(screen, Review)
        assert len(sink.played) - played > 30
    assert refused == []
    votes = decrypted(station)
    assert {c: sorted(v) for c, v in votes.items()} == {"mayor": ["blank", "mayor-1"],
                                                         "assembly": ["assembly-1", "blank"]}


def test_the_approved_set_names_its_package_and_a_machine_refuses_another(approved: Path) -> None:
    """Speech rendered for one package must not serve another election: loading a package the
    clips were not made for is refused (its names would be missing or wrong)."""
    from firmware import machine as fw
    from firmware.screens import Phase
    from tests.test_firmware_support import as_manager, make_station

    speaker = ApprovedSpeaker.from_approval(approved, MemorySink())
    assert speaker.speech_set.rendered_for == PACKAGE.fingerprint
    station = make_station()
    assert station.package is not None and station.package.fingerprint != PACKAGE.fingerprint
    station.plug(speaker=speaker)
    screens = as_manager(station, fw.LoadPackage(station.package.to_bytes()))
    assert station.machine.phase is Phase.SETUP
    assert any("別の選挙データ用" in getattr(s, "message", "") for s in screens), screens
    station.speaker.speech_set = None  # bound to no set: the package signs none either
    station.plug(speaker=station.speaker)
    as_manager(station, fw.LoadPackage(station.package.to_bytes()))
    assert station.machine.phase is Phase.PACKAGE_LOADED
