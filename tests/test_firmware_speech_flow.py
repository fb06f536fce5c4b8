"""What the machine says in audio mode (issue #3, speech integration): every voter screen from
the reviewed prompts of firmware/spoken.py in the voter's language, only the focused item on the
keypad's up/down, only the step on the volume/rate keys — at the voter's volume and rate, back to
the defaults for the next voter. Nothing is spoken when audio is off."""

from __future__ import annotations

from firmware import machine as fw
from firmware import spoken
from firmware.booth_screens import VoterSettingsMenu
from firmware.keypad import Key, KeyPressed
from firmware.screens import ContestChoice, Recorded, Review
from firmware.voter_settings import DEFAULT_SETTINGS, RATE_SCALES, VOLUME_STEPS
from tests.test_firmware_support import Insert, open_station, run_flow, voter_flow


def _clips(clips: tuple[spoken.Clip, ...]) -> list[tuple[str, str]]:
    return [(clip.language, clip.text) for clip in clips]


def test_every_voter_screen_is_spoken_whole_from_the_reviewed_prompts() -> None:
    station = open_station()
    card = station.voting_card(audio=True)
    said_on: list[tuple[object, list[tuple[str, str]]]] = []
    for step in voter_flow(card, {"mayor": "mayor-2", "assembly": "blank"}):
        before = len(station.speaker.spoken)
        screen = run_flow(station, [step])[0]
        said_on.append((screen, station.speaker.spoken[before:]))
    voiced = [(s, said) for s, said in said_on
              if isinstance(s, VoterSettingsMenu | ContestChoice | Review | Recorded)]
    assert {type(s) for s, _ in voiced} == {VoterSettingsMenu, ContestChoice, Review, Recorded}
    for screen, said in voiced:
        assert said == _clips(spoken.describe(screen)), type(screen).__name__
    assert station.speaker.voices and set(station.speaker.voices) == {
        (DEFAULT_SETTINGS.volume, DEFAULT_SETTINGS.rate)}


def test_keypad_up_down_speaks_only_the_focused_item() -> None:
    station = open_station()
    run_flow(station, [(Insert(station.voting_card(audio=True)), VoterSettingsMenu),
                       (fw.Next(), ContestChoice)])
    whole = len(spoken.describe(station.machine.screen))
    for key in (Key.DOWN, Key.DOWN, Key.UP):
        before = len(station.speaker.spoken)
        screen = station.machine.handle(KeyPressed(key))
        said = station.speaker.spoken[before:]
        assert said == _clips(spoken.describe_focus(screen))
        assert 0 < len(said) < whole
    # select on a candidate: its item again, now 「…選んでいます。」, not the whole screen
    before = len(station.speaker.spoken)
    screen = station.machine.handle(KeyPressed(Key.SELECT))
    assert isinstance(screen, ContestChoice) and screen.selected is not None
    assert station.speaker.spoken[before:] == _clips(spoken.describe_focus(screen))


def test_volume_and_rate_keys_say_the_step_and_reach_the_speaker() -> None:
    station = open_station()
    run_flow(station, [(Insert(station.voting_card(audio=True)), VoterSettingsMenu),
                       (fw.Next(), ContestChoice)])
    speaker = station.speaker
    before = len(speaker.spoken)
    station.machine.handle(KeyPressed(Key.VOLUME_UP))
    assert speaker.spoken[before:] == _clips(spoken.describe_adjustment("volume", 1, True))
    assert speaker.voices[-1] == (DEFAULT_SETTINGS.volume + 1, DEFAULT_SETTINGS.rate)
    before = len(speaker.spoken)
    station.machine.handle(KeyPressed(Key.RATE_DOWN))
    assert speaker.spoken[before:] == _clips(spoken.describe_adjustment("rate", -1, True))
    assert speaker.voices[-1] == (DEFAULT_SETTINGS.volume + 1, DEFAULT_SETTINGS.rate - 1)
    for _ in range(len(RATE_SCALES)):
        station.machine.handle(KeyPressed(Key.RATE_DOWN))
    assert speaker.spoken[-1:] == _clips(spoken.describe_adjustment("rate", -1, False))
    assert speaker.voices[-1][1] == 0
    for _ in range(VOLUME_STEPS):
        station.machine.handle(KeyPressed(Key.VOLUME_UP))
    assert speaker.volume == VOLUME_STEPS and speaker.rate == 0


def test_the_next_voter_starts_at_the_default_volume_and_rate() -> None:
    station = open_station()
    first = voter_flow(station.voting_card(("mayor",), audio=True), {"mayor": "mayor-1"})
    run_flow(station, first[:2])
    for key in (Key.VOLUME_DOWN, Key.VOLUME_DOWN, Key.RATE_UP):
        station.machine.handle(KeyPressed(key))
    assert (station.speaker.volume, station.speaker.rate) == (
        DEFAULT_SETTINGS.volume - 2, DEFAULT_SETTINGS.rate + 1)
    run_flow(station, first[2:])
    assert (station.speaker.volume, station.speaker.rate) == (
        DEFAULT_SETTINGS.volume - 2, DEFAULT_SETTINGS.rate + 1)  # the first voter's, until...
    before = len(station.speaker.spoken)
    run_flow(station, [(Insert(station.voting_card(("mayor",), audio=True)), VoterSettingsMenu)])
    assert len(station.speaker.spoken) > before
    assert set(station.speaker.voices[before:]) == {(DEFAULT_SETTINGS.volume,
                                                     DEFAULT_SETTINGS.rate)}


def test_english_voter_hears_english_prompts_and_a_visual_voter_hears_nothing() -> None:
    station = open_station()
    run_flow(station, [(Insert(station.voting_card(audio=True)), VoterSettingsMenu),
                       (fw.ChangeSetting("language", "en"), VoterSettingsMenu)])
    before = len(station.speaker.spoken)
    screen = run_flow(station, [(fw.Next(), ContestChoice)])[0]
    said = station.speaker.spoken[before:]
    assert said == _clips(spoken.describe(screen, "en"))
    assert any(language == "en" for language, _ in said)
    quiet = open_station()
    run_flow(quiet, voter_flow(quiet.voting_card(), {"mayor": "mayor-1", "assembly": "blank"}))
    quiet.machine.handle(KeyPressed(Key.DOWN))
    assert quiet.speaker.spoken == []
