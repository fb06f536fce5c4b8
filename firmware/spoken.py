"""What the machine says for each screen: a list of clips, each a reviewed prompt from
``firmware/prompts.toml`` or a name, party or title from the signed package. Candidate names
are spoken only from the package's official kana (Candidate.kana), never read from kanji.

A clip's text is exactly what the speech engine is given; the speaker driver plays only the WAV
officials approved for that text (docs/speech.md). Pure: no engine, no audio here."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from election.package import ElectionPackage
from firmware.admin_screens import AdminCounts, AuditLogView, MediaStatus
from firmware.booth_screens import InactivityAlert, SessionLocked, VoterSettingsMenu
from firmware.keypad import focus_items
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
from firmware.voter_settings import TEXT_SCALES

PROMPTS_FILE = Path(__file__).with_name("prompts.toml")
LANGUAGES = ("ja", "en")
NAME = "candidate_name"
PARTY = "party_name"
TITLE = "contest_title"


class UnknownPrompt(KeyError):
    """A prompt id that is not in the reviewed list; nothing unreviewed is ever spoken."""

    def __init__(self, prompt_id: str) -> None:
        super().__init__(
            f"音声案内 {prompt_id!r} は確認済みの一覧（firmware/prompts.toml）にありません / "
            f"prompt {prompt_id!r} is not in the reviewed list"
        )
        self.prompt_id = prompt_id


class NotKana(ValueError):
    """A candidate's official reading holds something other than kana."""


class NumberOutOfRange(ValueError):
    """A number the reviewed counter table has no reading for."""


@dataclass(frozen=True)
class Clip:
    """One piece of speech. ``text`` goes to the engine for ``language``; ``reading`` is the
    reviewed katakana reading (None for party names and titles, which are checked by ear)."""

    prompt_id: str
    language: str
    text: str
    reading: str | None


@dataclass(frozen=True)
class Prompt:
    prompt_id: str
    ja: str
    kana: str
    en: str
    screen_ja: str = ""

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(re.findall(r"\{(\w+)\}", self.ja)))


@dataclass(frozen=True)
class Counter:
    unit: str
    max: int
    alone: tuple[str, ...]
    compound: tuple[str, ...]
    bare: str


class Catalogue:
    """The reviewed prompt list, loaded once."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.tens: tuple[str, ...] = tuple(data["tens"]["kana"])
        self.counters = {
            unit: Counter(unit, int(c["max"]), tuple(c["alone"]), tuple(c["compound"]), c["bare"])
            for unit, c in data["counter"].items()
        }
        self.prompts = {
            pid: Prompt(pid, p["ja"], p["kana"], p["en"], p.get("screen_ja", ""))
            for pid, p in data["prompt"].items()
        }
        self.by_screen_text = {p.screen_ja: p.prompt_id for p in self.prompts.values()
                               if p.screen_ja}

    @classmethod
    def load(cls, path: Path = PROMPTS_FILE) -> Catalogue:
        with path.open("rb") as f:
            return cls(tomllib.load(f))

    def prompt(self, prompt_id: str) -> Prompt:
        try:
            return self.prompts[prompt_id]
        except KeyError:
            raise UnknownPrompt(prompt_id) from None

    def number_reading(self, n: int, unit: str) -> str:
        counter = self.counters[unit]
        if not 1 <= n <= counter.max:
            raise NumberOutOfRange(
                f"{n}{unit} の読みは一覧にありません（1〜{counter.max}）/ no reviewed reading "
                f"for {n} with counter {unit}"
            )
        if n <= len(counter.alone):
            return counter.alone[n - 1]
        tens, units = divmod(n, 10)
        return self.tens[tens - 1] + (counter.compound[units - 1] if units else counter.bare)

    def clip(self, prompt_id: str, language: str, **numbers: int) -> Clip:
        """A reviewed prompt with its numbers filled in."""
        prompt = self.prompt(prompt_id)
        if set(numbers) != set(prompt.numbers):
            raise ValueError(f"prompt {prompt_id} takes {prompt.numbers}, got {sorted(numbers)}")
        if language == "en":
            return Clip(prompt_id, "en", prompt.en.format(**numbers), None)
        text = prompt.ja.format(**numbers)
        reading = re.sub(
            r"\{(\w+)\|(\w+)\}",
            lambda m: self.number_reading(numbers[m.group(1)], m.group(2)),
            prompt.kana,
        )
        return Clip(prompt_id, "ja", text, reading)


def name_clip(kana: str) -> Clip:
    """A candidate's name from the official kana only (in katakana, which the engine does not
    reinterpret as words or particles the way it can hiragana); always spoken in Japanese."""
    text = to_katakana(kana)
    if not text or not re.fullmatch(r"[\u30a1-\u30fa\u30fc 　・]+", text):
        raise NotKana(
            f"候補者の読み {kana!r} がかなだけではありません。選挙データを直してください / the "
            "official reading must be kana only; names are never read from kanji"
        )
    return Clip(NAME, "ja", text, text)


def party_clip(party: str) -> Clip:
    return Clip(PARTY, "ja", party, None)


def title_clip(title: str, title_en: str, language: str) -> Clip:
    return Clip(TITLE, language, title_en if language == "en" else title, None)


def to_katakana(kana: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in kana)


# --- screens ----------------------------------------------------------------------------------

_CATALOGUE: Catalogue | None = None


def catalogue() -> Catalogue:
    global _CATALOGUE
    if _CATALOGUE is None:
        _CATALOGUE = Catalogue.load()
    return _CATALOGUE


def _standby(screen: Standby, language: str, cat: Catalogue) -> list[Clip]:
    return [cat.clip("standby_open" if screen.phase is Phase.OPEN else "standby_closed",
                     language)]


def _notice(screen: Notice, language: str, cat: Catalogue) -> list[Clip]:
    prompt_id = cat.by_screen_text.get(screen.ja.rstrip("。"))
    if prompt_id is None:
        prompt_id = "notice_call_official" if screen.for_admin else "notice_generic"
    return [cat.clip(prompt_id, language)]


def _admin(screen: object, language: str, cat: Catalogue) -> list[Clip]:
    return [cat.clip("admin_screen", language)]


def _contest(screen: ContestChoice, language: str, cat: Catalogue) -> list[Clip]:
    clips = []
    if screen.of > 1:
        clips.append(cat.clip("contest_position", language, n=screen.position, of=screen.of))
    count = len(screen.candidates)
    clips += [title_clip(screen.title, screen.title_en, language),
              cat.clip("choose_instruction", language, of=count)]
    for i, candidate in enumerate(screen.candidates, start=1):
        clips += [cat.clip("candidate_position", language, n=i, of=count),
                  name_clip(candidate.kana), party_clip(candidate.party)]
    if screen.blank_allowed:
        clips.append(cat.clip("option_blank", language))
    clips.append(cat.clip("option_abstain", language))
    clips += _current_choice(screen, language, cat)
    return clips


def _current_choice(screen: ContestChoice, language: str, cat: Catalogue) -> list[Clip]:
    if screen.selected is None:
        return [cat.clip("nothing_selected", language)]
    clips = [cat.clip("selected_now", language)]
    if screen.selected == "blank":
        return clips + [cat.clip("choice_blank", language)]
    if screen.selected == "abstain":
        return clips + [cat.clip("choice_abstain", language)]
    chosen = [c for c in screen.candidates if c.candidate_id == screen.selected]
    return clips + [name_clip(c.kana) for c in chosen] + [party_clip(c.party) for c in chosen]


def _review(screen: Review, language: str, cat: Catalogue) -> list[Clip]:
    clips = [cat.clip("review_intro", language)]
    for line in screen.lines:
        # The review line carries the contest's Japanese title only; in English the title is
        # spoken as written (it is the package's text), the choice and its instructions in en.
        clips.append(title_clip(line.title, line.title, "ja"))
        clips += _review_line(line, language, cat)
    clips.append(cat.clip("review_instruction", language))
    return clips


def _recorded(screen: Recorded, language: str, cat: Catalogue) -> list[Clip]:
    return [cat.clip("recorded", language)]


def _settings(screen: VoterSettingsMenu, language: str, cat: Catalogue) -> list[Clip]:
    return [cat.clip("settings", language), cat.clip("help", language)]


def _inactivity(screen: InactivityAlert, language: str, cat: Catalogue) -> list[Clip]:
    return [cat.clip("timeout_alert", language)]


def _locked(screen: SessionLocked, language: str, cat: Catalogue) -> list[Clip]:
    return [cat.clip("timeout_locked", language)]


DESCRIBERS: dict[type, Callable[[Any, str, Catalogue], list[Clip]]] = {
    Standby: _standby,
    Notice: _notice,
    AdminPin: _admin,
    AdminMenu: _admin,
    ContestChoice: _contest,
    Review: _review,
    Recorded: _recorded,
    VoterSettingsMenu: _settings,
    InactivityAlert: _inactivity,
    SessionLocked: _locked,
    AdminCounts: _admin,
    MediaStatus: _admin,
    AuditLogView: _admin,
}
"""Every Screen type's spoken description (tests/test_speech_prompts.py checks none is missing)."""


def describe(screen: Screen, language: str | None = None) -> tuple[Clip, ...]:
    """The clips to speak, in order, when ``screen`` is shown to a voter in ``language``
    (by default the voter's own language setting carried by the screen, else Japanese)."""
    if language is None:
        settings = getattr(screen, "settings", None)
        language = settings.language if settings is not None else "ja"
    if language not in LANGUAGES:
        raise ValueError(f"no speech for language {language!r}")
    describer = DESCRIBERS.get(type(screen))
    if describer is None:
        raise UnknownPrompt(type(screen).__name__)
    return tuple(describer(screen, language, catalogue()))


_FOCUS_PROMPTS = {
    "next": "focus_next", "back": "focus_back", "settings": "focus_settings",
    "end": "focus_end", "cast": "focus_cast", "start": "focus_start",
    "continue": "focus_continue",
}


def describe_focus(screen: Screen, language: str | None = None) -> tuple[Clip, ...]:
    """What to say when the keypad focus lands on ``firmware.keypad.focus_items(screen)
    [screen.focus]``: just that item (a candidate as 「n人中m人目」, name from the kana, party)."""
    items = focus_items(screen)
    if not items:
        return describe(screen, language)
    settings = getattr(screen, "settings", None)
    language = language or (settings.language if settings is not None else "ja")
    if language not in LANGUAGES:
        raise ValueError(f"no speech for language {language!r}")
    cat = catalogue()
    item = items[min(int(getattr(screen, "focus", 0)), len(items) - 1)]
    kind, _, value = item.partition(":")
    if item in _FOCUS_PROMPTS:
        return (cat.clip(_FOCUS_PROMPTS[item], language),)
    if kind == "choose" and isinstance(screen, ContestChoice):
        return _focus_choice(screen, value, language, cat)
    if kind == "change" and isinstance(screen, Review):
        line = next(x for x in screen.lines if x.contest_id == value)
        chosen = _review_line(line, language, cat)
        return (title_clip(line.title, line.title, "ja"), *chosen,
                cat.clip("focus_change", language))
    if kind == "setting" and settings is not None:
        clips = [cat.clip(f"setting_{value}", language)]
        if value == "text_size":
            clips.append(cat.clip("text_size_step", language, n=settings.text_size + 1,
                                  of=len(TEXT_SCALES)))
        elif value != "language":
            clips.append(cat.clip("setting_on" if getattr(settings, value) else "setting_off",
                                  language))
        return tuple(clips)
    raise UnknownPrompt(item)


def describe_adjustment(setting: str, delta: int, changed: bool, language: str = "ja"
                        ) -> tuple[Clip, ...]:
    """What the volume and rate keys say: the new direction, or that the end is reached."""
    if setting not in ("volume", "rate") or delta not in (-1, 1):
        raise UnknownPrompt(f"{setting}{delta:+d}")
    if not changed:
        return (catalogue().clip("setting_at_limit", language),)
    return (catalogue().clip(f"{setting}_{'up' if delta > 0 else 'down'}", language),)


def _focus_choice(screen: ContestChoice, value: str, language: str, cat: Catalogue
                  ) -> tuple[Clip, ...]:
    clips: list[Clip]
    if value == "blank":
        clips = [cat.clip("option_blank", language)]
    elif value == "abstain":
        clips = [cat.clip("option_abstain", language)]
    else:
        ids = [c.candidate_id for c in screen.candidates]
        candidate = screen.candidates[ids.index(value)]
        clips = [cat.clip("candidate_position", language, n=ids.index(value) + 1, of=len(ids)),
                 name_clip(candidate.kana), party_clip(candidate.party)]
    if screen.selected == value:
        clips.append(cat.clip("is_selected", language))
    return tuple(clips)


def _review_line(line: ReviewLine, language: str, cat: Catalogue) -> list[Clip]:
    if line.name.startswith("棄権"):
        return [cat.clip("choice_abstain", language)]
    if line.name.startswith("白票"):
        return [cat.clip("choice_blank", language)]
    return [name_clip(line.kana), party_clip(line.party)]


def every_clip(package: ElectionPackage) -> tuple[Clip, ...]:
    """Every clip this package can make the machine say, in both languages: what the render
    command turns into WAV files for officials to approve."""
    cat = catalogue()
    clips: list[Clip] = []
    most = max((len(c.candidates) for c in package.contests), default=1)
    for language in LANGUAGES:
        for prompt in cat.prompts.values():
            clips += _with_numbers(cat, prompt, language, len(package.contests), most)
        for contest in package.contests:
            clips.append(title_clip(contest.title, contest.title_en, language))
    for contest in package.contests:
        clips.append(title_clip(contest.title, contest.title, "ja"))
        for candidate in contest.candidates:
            clips += [name_clip(candidate.kana), party_clip(candidate.party)]
    return tuple(dict.fromkeys(clips))


def _with_numbers(
    cat: Catalogue, prompt: Prompt, language: str, contests: int, most: int
) -> Iterable[Clip]:
    names = prompt.numbers
    if not names:
        return [cat.clip(prompt.prompt_id, language)]
    limit = {"contest_position": contests, "text_size_step": len(TEXT_SCALES)}.get(
        prompt.prompt_id, most
    )
    if names == ("of",):
        return [cat.clip(prompt.prompt_id, language, of=of) for of in range(1, limit + 1)]
    return [
        cat.clip(prompt.prompt_id, language, n=n, of=of)
        for of in range(1, limit + 1)
        for n in range(1, of + 1)
    ]


# --- comparing readings -----------------------------------------------------------------------

_VOWEL_ROWS = {
    "a": "アカガサザタダナハバパマヤラワャァ",
    "i": "イキギシジチヂニヒビピミリィ",
    "u": "ウクグスズツヅヌフブプムユルュゥ",
    "e": "エケゲセゼテデネヘベペメレェ",
    "o": "オコゴソゾトドノホボポモヨロヲョォ",
}
_VOWEL_OF = {kana: vowel for vowel, row in _VOWEL_ROWS.items() for kana in row}
_LENGTHENS = {"a": "ア", "i": "イ", "u": "ウ", "e": "エイ", "o": "オウ"}


def pronunciation(kana: str) -> str:
    """A kana reading in the form Open JTalk's g2p writes it, for comparing: katakana, no spaces
    or punctuation, long vowels as ー (タロウ → タロー, オオホ → オーホ, ケイ → ケー)."""
    out: list[str] = []
    previous = ""
    for char in to_katakana(kana):
        if char in " 　、。，．・":
            continue
        if previous and char in _LENGTHENS.get(previous, ""):
            out.append("ー")
            continue  # the vowel stays the same for a following ー
        out.append(char)
        if char != "ー":
            previous = _VOWEL_OF.get(char, "")
    return "".join(out)
