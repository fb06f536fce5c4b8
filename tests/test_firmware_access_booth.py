"""The accessible booth, firmware side (issue #3): the voter's settings at the start of a session,
reset for the next voter; the tactile keypad reaching every voter function; English; audio."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from firmware import machine as fw
from firmware.booth_screens import VoterSettingsMenu
from firmware.keypad import Key, KeyPressed, focus_items
from firmware.screens import ContestChoice, Notice, Recorded, Review, Standby
from firmware.spoken import to_katakana
from firmware.voter_settings import DEFAULT_SETTINGS, RATE_SCALES, TEXT_SCALES, VOLUME_STEPS
from tests.station import Station
from tests.test_firmware_support import (
    Insert,
    Pull,
    Step,
    assert_mirrored,
    audit_entries,
    decrypted,
    events_named,
    ledger,
    open_station,
    run_flow,
    voter_flow,
)

DOWN, UP, SELECT = KeyPressed(Key.DOWN), KeyPressed(Key.UP), KeyPressed(Key.SELECT)


def focused(screen: Any) -> str:
    return focus_items(screen)[screen.focus]


def press_to(station: Station, item: str) -> Any:
    """Move the focus down to ``item`` with the keypad alone, then press select."""
    screen = station.machine.screen
    for _ in range(len(focus_items(screen))):
        if focused(screen) == item:
            return station.machine.handle(SELECT)
        screen = station.machine.handle(DOWN)
    raise AssertionError(f"{item} not reachable on {screen!r}")


def keys(station: Station, items: Sequence[str]) -> list[Any]:
    return [press_to(station, item) for item in items]


# --- settings ------------------------------------------------------------------------------


def test_settings_come_first_and_are_carried_on_every_voter_screen() -> None:
    station = open_station()
    card = station.voting_card()
    large_en = lambda s: s.settings.text_size == 2 and s.settings.language == "en"  # noqa: E731
    run_flow(station, [
        (Insert(card), VoterSettingsMenu,
         lambda s: s.settings == DEFAULT_SETTINGS and s.contests == 2),
        (fw.ChangeSetting("text_size", 2), VoterSettingsMenu, lambda s: s.settings.text_size == 2),
        (fw.ChangeSetting("high_contrast", True), VoterSettingsMenu,
         lambda s: s.settings.high_contrast),
        (fw.ChangeSetting("language", "en"), VoterSettingsMenu, large_en),
        (fw.ChangeSetting("language", "fr"), VoterSettingsMenu, large_en),  # not offered
        (fw.ChangeSetting("text_size", len(TEXT_SCALES)), VoterSettingsMenu, large_en),
        (fw.ChangeSetting("screen_blank", True), VoterSettingsMenu,
         lambda s: not s.settings.screen_blank),  # only in audio mode
        (fw.Select("mayor-1"), VoterSettingsMenu),  # no choosing before the settings are done
        (fw.Next(), ContestChoice, large_en, lambda s: s.selected is None),
        (fw.Select("mayor-1"), ContestChoice, large_en),
        (fw.OpenSettings(), VoterSettingsMenu, large_en),  # back to the settings mid-way
        (fw.ChangeSetting("text_size", 3), VoterSettingsMenu),
        (fw.Next(), ContestChoice, lambda s: s.settings.text_scale == TEXT_SCALES[3]
         and s.selected == "mayor-1" and s.contest_id == "mayor"),
        (fw.Next(), ContestChoice, lambda s: s.settings.high_contrast),
        (fw.Select("assembly-2"), ContestChoice),
        (fw.Next(), Review, lambda s: s.settings.language == "en"),
        (fw.Cast(), Recorded, lambda s: s.settings.language == "en" and s.settings.text_size == 3),
        (Pull(), Standby),
    ])
    assert decrypted(station) == {"mayor": ["mayor-1"], "assembly": ["assembly-2"]}


def test_settings_reset_between_voters() -> None:
    station = open_station()
    run_flow(station, [
        (Insert(station.voting_card()), VoterSettingsMenu),
        (fw.ChangeSetting("language", "en"), VoterSettingsMenu),
        (fw.ChangeSetting("audio", True), VoterSettingsMenu),
        (fw.ChangeSetting("screen_blank", True), VoterSettingsMenu,
         lambda s: s.settings.screen_blank),
        (KeyPressed(Key.VOLUME_UP), VoterSettingsMenu, lambda s: s.settings.volume == 6),
        (fw.EndWithoutVoting(), Notice),
        (Pull(), Standby),
        (Insert(station.voting_card()), VoterSettingsMenu, lambda s: s.settings == DEFAULT_SETTINGS),
        (fw.Next(), ContestChoice, lambda s: s.settings == DEFAULT_SETTINGS),
    ])
    # Nothing about a voter's settings was written anywhere.
    assert not any(b"screen_blank" in v or b'"en"' in v for v in station.storage.files.values())


def test_a_card_with_the_audio_flag_starts_audio_mode_and_the_screen_can_be_blanked() -> None:
    station = open_station()
    audio = lambda s: s.settings.audio  # noqa: E731
    run_flow(station, [
        (Insert(station.voting_card(audio=True)), VoterSettingsMenu, audio,
         lambda s: "setting:screen_blank" in focus_items(s)),
        (fw.ChangeSetting("screen_blank", True), VoterSettingsMenu,
         lambda s: s.settings.screen_blank),
        (fw.Next(), ContestChoice, audio, lambda s: s.settings.screen_blank),
        (fw.OpenSettings(), VoterSettingsMenu),
        (fw.ChangeSetting("audio", False), VoterSettingsMenu,
         lambda s: not s.settings.audio and not s.settings.screen_blank),  # never blank+silent
    ])


def test_volume_and_rate_change_in_steps_and_stop_at_the_ends() -> None:
    station = open_station()
    run_flow(station, [(Insert(station.voting_card(audio=True)), VoterSettingsMenu)])
    for _ in range(VOLUME_STEPS + 3):
        screen = station.machine.handle(KeyPressed(Key.VOLUME_UP))
    assert screen.settings.volume == VOLUME_STEPS
    screen = station.machine.handle(KeyPressed(Key.VOLUME_DOWN))
    assert screen.settings.volume == VOLUME_STEPS - 1
    for _ in range(len(RATE_SCALES) + 2):
        screen = station.machine.handle(KeyPressed(Key.RATE_DOWN))
    assert screen.settings.rate == 0 and screen.settings.rate_scale == RATE_SCALES[0]
    screen = station.machine.handle(KeyPressed(Key.RATE_UP))
    assert screen.settings.rate_scale == RATE_SCALES[1]
    assert isinstance(screen, VoterSettingsMenu)  # the voter stays where they were


# --- the keypad alone ------------------------------------------------------------------------


def test_keypad_alone_votes_two_contests_with_change_from_review() -> None:
    station = open_station()
    card = station.voting_card()
    run_flow(station, [(Insert(card), VoterSettingsMenu)])
    # settings by keypad: larger text, English
    screen = press_to(station, "setting:text_size")
    assert screen.settings.text_size == 1 and focused(screen) == "setting:text_size"
    screen = press_to(station, "setting:language")
    assert screen.settings.language == "en"
    screen = press_to(station, "start")
    assert isinstance(screen, ContestChoice) and screen.contest_id == "mayor"
    assert screen.settings.language == "en" and screen.focus == 0
    # UP from the first item wraps to the last (end without voting), DOWN comes back
    assert focused(station.machine.handle(UP)) == "end"
    assert focused(station.machine.handle(DOWN)) == focus_items(screen)[0]
    screen = press_to(station, "choose:mayor-2")
    assert screen.selected == "mayor-2" and focused(screen) == "choose:mayor-2"
    screen = press_to(station, "next")
    assert screen.contest_id == "assembly" and "back" in focus_items(screen)
    screen = press_to(station, "back")  # back to the first contest, choice kept
    assert screen.contest_id == "mayor" and screen.selected == "mayor-2"
    screen = press_to(station, "next")
    screen = press_to(station, "choose:blank")
    assert screen.selected == "blank"
    screen = press_to(station, "next")
    assert isinstance(screen, Review)
    assert [line.name for line in screen.lines] == ["桜川 花子", "白票 / blank"]
    screen = press_to(station, "change:assembly")  # change from the review
    assert isinstance(screen, ContestChoice) and screen.contest_id == "assembly"
    screen = press_to(station, "choose:assembly-4")
    screen = press_to(station, "next")
    assert isinstance(screen, Review) and screen.lines[1].name != "白票 / blank"
    screen = station.machine.handle(KeyPressed(Key.BACK))  # the back key, from the review
    assert isinstance(screen, ContestChoice) and screen.contest_id == "assembly"
    screen = press_to(station, "next")
    screen = press_to(station, "cast")
    assert isinstance(screen, Recorded) and screen.settings.language == "en"
    run_flow(station, [(Pull(), Standby)])
    assert decrypted(station) == {"mayor": ["mayor-2"], "assembly": ["assembly-4"]}
    assert_mirrored(station)
    assert [line.voted for line in ledger(station)] == [True]


def test_keypad_alone_abstains_and_ends_without_voting() -> None:
    station = open_station()
    run_flow(station, [(Insert(station.voting_card()), VoterSettingsMenu)])
    keys(station, ["start", "choose:abstain", "next", "choose:assembly-1", "next"])
    screen = station.machine.screen
    assert isinstance(screen, Review) and screen.lines[0].name.startswith("棄権")
    screen = press_to(station, "cast")
    assert isinstance(screen, Recorded)
    run_flow(station, [(Pull(), Standby), (Insert(station.voting_card()), VoterSettingsMenu)])
    screen = press_to(station, "end")  # end without voting, from the settings screen
    assert isinstance(screen, Notice)
    run_flow(station, [(Pull(), Standby)])
    assert decrypted(station) == {"mayor": [], "assembly": ["assembly-1"]}
    assert [line.voted for line in ledger(station)] == [True, False]
    assert len(events_named(audit_entries(station), "session_ended_without_vote")) == 1


def test_every_voter_function_has_a_keypad_item() -> None:
    station = open_station()
    menu = run_flow(station, [(Insert(station.voting_card()), VoterSettingsMenu)])[0]
    first = station.machine.handle(fw.Next())
    assert isinstance(first, ContestChoice)
    second = run_flow(station, [(fw.Select("mayor-1"), ContestChoice),
                                (fw.Next(), ContestChoice)])[-1]
    review = run_flow(station, [(fw.Select("abstain"), ContestChoice), (fw.Next(), Review)])[-1]
    items = set(focus_items(menu)) | set(focus_items(first)) | set(focus_items(second)) \
        | set(focus_items(review))
    needed = {"setting:text_size", "setting:high_contrast", "setting:audio", "setting:language",
              "start", "choose:abstain", "choose:blank", "next", "back", "settings",
              "change:mayor", "change:assembly", "cast", "end"}
    assert needed <= items
    assert {f"choose:{c.candidate_id}" for c in first.candidates} <= items


def test_help_key_speaks_the_screen_in_the_voters_language() -> None:
    station = open_station()
    steps: list[Step] = [(Insert(station.voting_card(audio=True)), VoterSettingsMenu),
                         (fw.ChangeSetting("language", "en"), VoterSettingsMenu),
                         (fw.Next(), ContestChoice)]
    run_flow(station, steps)
    before = len(station.speaker.spoken)
    screen = station.machine.handle(KeyPressed(Key.HELP))
    assert isinstance(screen, ContestChoice)
    said = station.speaker.spoken[before:]
    assert said and any(language == "en" for language, _ in said)
    # candidate names are always the official kana (katakana), spoken as Japanese
    for candidate in screen.candidates:
        assert ("ja", to_katakana(candidate.kana)) in said
    assert not any(c.name in text for c in screen.candidates for _, text in said)


def test_voter_flow_helper_goes_through_the_settings_screen() -> None:
    station = open_station()
    screens = run_flow(station, voter_flow(station.voting_card(("mayor",)), {"mayor": "mayor-3"}))
    assert isinstance(screens[0], VoterSettingsMenu)
    assert decrypted(station)["mayor"] == ["mayor-3"]
