"""Every spoken prompt is read by Open JTalk exactly as the reviewed list expects, names come
only from the official kana, and every screen type has a spoken description."""

from __future__ import annotations

import re
import typing
from dataclasses import replace

import pytest

from drivers.speech import engine
from firmware import spoken
from firmware.admin_screens import AdminCounts, AuditLogView, MediaStatus
from firmware.booth_screens import InactivityAlert, SessionLocked, VoterSettingsMenu
from firmware.screens import (
    AdminMenu,
    AdminPin,
    ContestChoice,
    Notice,
    Phase,
    Recorded,
    Review,
    ReviewLine,
    Screen,
    Standby,
)
from tests.station import make_package

CATALOGUE = spoken.catalogue()


def _same(text: str, expected: str) -> None:
    said = engine.reading(text)
    assert spoken.pronunciation(said) == spoken.pronunciation(expected), (
        f"{text!r}: engine reads {said}, reviewed list expects {expected}"
    )


@pytest.mark.parametrize("prompt_id", sorted(CATALOGUE.prompts))
def test_every_prompt_is_read_as_the_reviewed_list_expects(prompt_id: str) -> None:
    prompt = CATALOGUE.prompt(prompt_id)
    if not prompt.numbers:
        _same(prompt.ja, prompt.kana)
        return
    for of in range(1, 10):  # つ goes to 9; 人 and 番 are checked to 99 below
        for n in range(1, of + 1):
            numbers = {"of": of, "n": n} if "n" in prompt.numbers else {"of": of}
            clip = CATALOGUE.clip(prompt_id, "ja", **numbers)
            assert clip.reading is not None
            _same(clip.text, clip.reading)


@pytest.mark.parametrize("unit", ["人", "番"])
def test_every_number_up_to_99_is_read_as_the_counter_table_says(unit: str) -> None:
    for n in range(1, CATALOGUE.counters[unit].max + 1):
        _same(f"{n}{unit}", CATALOGUE.number_reading(n, unit))
        _same(f"{n}{unit}目", CATALOGUE.number_reading(n, unit) + "メ")  # 人目, 番目


def test_the_list_guards_against_real_misreadings() -> None:
    """The engine does misread: the check above is not vacuous."""
    assert spoken.pronunciation(engine.reading("下ボタン")) != "シタボタン"  # シモボタン
    assert spoken.pronunciation(engine.reading("3件")) != "サンケン"  # サンゲン
    assert spoken.pronunciation(engine.reading("画面の上")) != "ガメンノウエ"  # ジョー
    with pytest.raises(AssertionError):
        _same("下ボタン", "シタボタン")


def test_english_prompts_exist_for_every_japanese_one() -> None:
    for prompt in CATALOGUE.prompts.values():
        assert prompt.en and not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", prompt.en)
        assert set(re.findall(r"\{(\w+)\}", prompt.en)) == set(prompt.numbers)


def test_unknown_prompt_and_unreviewed_number_are_refused() -> None:
    with pytest.raises(spoken.UnknownPrompt):
        CATALOGUE.clip("say_anything", "ja")
    with pytest.raises(spoken.NumberOutOfRange):
        CATALOGUE.clip("candidate_position", "ja", n=1, of=100)
    with pytest.raises(ValueError):
        CATALOGUE.clip("candidate_position", "ja", n=1)


def test_candidate_names_are_spoken_from_the_official_kana_only() -> None:
    package = make_package({}).package
    for contest in package.contests:
        screen = ContestChoice(1, 1, contest.contest_id, contest.title, contest.title_en,
                               contest.candidates, True, contest.candidates[0].candidate_id)
        for language in spoken.LANGUAGES:
            clips = spoken.describe(screen, language)
            names = [c for c in clips if c.prompt_id == spoken.NAME]
            assert [c.text for c in names[:-1]] == [
                spoken.to_katakana(c.kana) for c in contest.candidates
            ]
            assert names[-1].text == spoken.to_katakana(contest.candidates[0].kana)  # selected
            assert all(c.language == "ja" for c in names)
            assert not any(c.name in clip.text for c in contest.candidates for clip in clips)
        for candidate in contest.candidates:
            _same(spoken.name_clip(candidate.kana).text, candidate.kana)
    for not_kana in ("筑波 たろう", "Tsukuba Taro", ""):
        with pytest.raises(spoken.NotKana):
            spoken.name_clip(not_kana)


def test_contest_screen_says_position_as_n_nin_chu_m_ninme() -> None:
    contest = make_package({}).package.contests[1]
    screen = ContestChoice(2, 2, contest.contest_id, contest.title, contest.title_en,
                           contest.candidates, True, None)
    texts = [c.text for c in spoken.describe(screen)]
    assert texts[0] == "2つの選挙のうち、2番目の選挙です。"
    assert "5人中1人目。" in texts and "5人中5人目。" in texts
    assert texts[-1] == CATALOGUE.prompt("nothing_selected").ja
    english = [c.text for c in spoken.describe(screen, "en")]
    assert "Candidate 3 of 5." in english and contest.title_en in english


def _one_of_each() -> list[Screen]:
    contest = make_package({}).package.contests[0]
    c = contest.candidates[0]
    return [
        Standby(Phase.OPEN), Standby(Phase.CLOSED), Notice("この投票カードは使用済みです", "used"),
        Notice("何か", "something", True), AdminPin("holder", "poll-manager", 3),
        AdminMenu("holder", "poll-manager", Phase.OPEN, "AB12", (), 0, 0, ()),
        ContestChoice(1, 1, contest.contest_id, contest.title, contest.title_en,
                      contest.candidates, False, "abstain"),
        Review((ReviewLine(contest.contest_id, contest.title, c.name, c.party, c.kana),
                ReviewLine("x", "議会", "白票 / blank", "", "はくひょう"))),
        Recorded(), VoterSettingsMenu(), InactivityAlert(), SessionLocked(),
        AdminCounts(0, 0, 0, ()), MediaStatus((), True), AuditLogView((), 0, 1, 0),
    ]


def test_every_screen_type_has_a_spoken_description() -> None:
    screen_types = set(typing.get_args(Screen))
    missing = screen_types - set(spoken.DESCRIBERS)
    assert not missing, f"screens with no spoken description: {missing}"
    screens = _one_of_each()
    assert {type(s) for s in screens} == screen_types
    for screen in screens:
        for language in spoken.LANGUAGES:
            clips = spoken.describe(screen, language)
            assert clips and all(c.text for c in clips)


def test_notices_map_to_their_specific_prompt_and_unknown_ones_to_a_generic_one() -> None:
    assert spoken.describe(Notice("この投票カードは使用済みです", "x"))[0].prompt_id == "card_used"
    assert spoken.describe(Notice("別の文", "x"))[0].prompt_id == "notice_generic"
    assert spoken.describe(Notice("別の文", "x", True))[0].prompt_id == "notice_call_official"


def test_review_reads_each_choice_by_kana_and_party() -> None:
    screen = next(s for s in _one_of_each() if isinstance(s, Review))
    clips = spoken.describe(screen)
    line = screen.lines[0]
    texts = [c.text for c in clips]
    assert texts.index(spoken.to_katakana(line.kana)) + 1 == texts.index(line.party)
    assert "白票。" in texts and texts[-1] == CATALOGUE.prompt("review_instruction").ja


def test_keypad_focus_says_only_the_focused_item() -> None:
    from firmware.keypad import focus_items
    from firmware.voter_settings import VoterSettings

    contest = make_package({}).package.contests[1]
    chosen = contest.candidates[3]
    screens: list[Screen] = [
        ContestChoice(2, 2, contest.contest_id, contest.title, contest.title_en,
                      contest.candidates, True, chosen.candidate_id),
        VoterSettingsMenu(VoterSettings(audio=True, text_size=2)),
        InactivityAlert(),
        next(s for s in _one_of_each() if isinstance(s, Review)),
    ]
    for screen in screens:
        items = focus_items(screen)
        assert items
        for focus in range(len(items)):
            for language in spoken.LANGUAGES:
                clips = spoken.describe_focus(replace(screen, focus=focus), language)
                assert clips and all(c.text for c in clips), items[focus]
    focused = spoken.describe_focus(replace(screens[0], focus=3))
    assert [c.text for c in focused] == [
        "5人中4人目。", spoken.to_katakana(chosen.kana), chosen.party, "選んでいます。"
    ]
    assert spoken.describe_focus(replace(screens[0], focus=0))[-1].prompt_id != "is_selected"
    size = spoken.describe_focus(replace(screens[1], focus=0))
    assert [c.text for c in size] == ["文字の大きさ。", "4つのうち、3番目の大きさです。"]
    audio = spoken.describe_focus(replace(screens[1], focus=2))
    assert [c.prompt_id for c in audio] == ["setting_audio", "setting_on"]


def test_volume_and_rate_keys_say_what_changed_or_that_the_end_is_reached() -> None:
    assert spoken.describe_adjustment("volume", 1, True)[0].text == "音量を大きくしました。"
    assert spoken.describe_adjustment("rate", -1, True, "en")[0].text == "Slower speech."
    assert spoken.describe_adjustment("rate", 1, False)[0].prompt_id == "setting_at_limit"
    with pytest.raises(spoken.UnknownPrompt):
        spoken.describe_adjustment("pitch", 1, True)
