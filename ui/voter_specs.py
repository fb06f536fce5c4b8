"""The voter's screens as Specs: the ballot (art. 5: name large, kana reading, party, in the
firmware's order), the confirmation (art. 4-1-3), recorded, the voter's own settings, the
inactivity alert and the locked session; and a notice for whoever is at the machine."""

from __future__ import annotations

from firmware import machine as fw
from firmware.booth_screens import InactivityAlert, SessionLocked, VoterSettingsMenu
from firmware.inactivity import KeepVoting
from firmware.keypad import focus_items
from firmware.screens import ContestChoice, Notice, Recorded, Review
from firmware.voter_settings import ChangeSetting, OpenSettings, cycled
from ui.spec import ButtonSpec, Line, Row, Spec, both, say
from ui.strings import text
from ui.theme import Settings
from ui.view import Action, UiState


def spec_notice(s: Notice, st: UiState, settings: Settings) -> Spec:
    first, second = (s.ja, s.en) if settings.lang == "ja" else (s.en, s.ja)
    header = (Line(both("notice.admin")),) if s.for_admin else ()
    return Spec("notice", header, ((Line(first, 1.2),), (Line(second),)))


def _choice(label: tuple[Line, ...], action: Action, selected: bool,
            settings: Settings, item: str) -> ButtonSpec:
    if selected:  # never colour alone: a mark and words as well
        label = (Line(f"{say('choice.selected', settings)}  {label[0].text}", label[0].scale),
                 *label[1:])
    return ButtonSpec(label, action, selected, item)


def _voter_tail(settings: Settings) -> tuple[Row, ...]:
    return ((ButtonSpec((Line(say("nav.settings", settings)),), OpenSettings(),
                        item="settings"),
             ButtonSpec((Line(say("nav.end", settings)),), fw.EndWithoutVoting(), item="end")),)


def spec_contest(s: ContestChoice, st: UiState, settings: Settings) -> Spec:
    title = s.title if settings.lang == "ja" else s.title_en
    header = (Line(f"{say('contest.of', settings, position=s.position, of=s.of)}  {title}", 1.1),
              Line(say("contest.choose", settings), optional=True))
    rows: list[Row] = []
    for c in s.candidates:  # art. 5: name large, kana reading, party; in the package's order
        rows.append((_choice((Line(c.name, 1.25), Line(f"{c.kana}　{c.party}")),
                             fw.Select(c.candidate_id), s.selected == c.candidate_id,
                             settings, f"choose:{c.candidate_id}"),))
    if s.blank_allowed:
        rows.append((_choice((Line(say("choice.blank", settings)),), fw.Select("blank"),
                             s.selected == "blank", settings, "choose:blank"),))
    rows.append((_choice((Line(say("choice.abstain", settings)),), fw.Select("abstain"),
                         s.selected == "abstain", settings, "choose:abstain"),))
    rows.extend(_voter_tail(settings))
    footer = ([ButtonSpec((Line(say("nav.back", settings)),), fw.Back(), item="back")]
              if s.position > 1 else [])
    footer.append(ButtonSpec((Line(say("nav.next", settings)),), fw.Next(), item="next"))
    return Spec("contest", header, tuple(rows), tuple(footer))


def spec_review(s: Review, st: UiState, settings: Settings) -> Spec:
    rows: list[Row] = []
    for line in s.lines:
        rows.append((Line(line.title),))
        chosen = (Line(line.name, 1.25), Line(f"{line.kana}　{line.party}" if line.party
                                              else line.kana))
        rows.append((ButtonSpec(chosen + (Line(say("review.change", settings)),),
                                fw.ChangeContest(line.contest_id),
                                item=f"change:{line.contest_id}"),))
    rows.append((ButtonSpec((Line(say("nav.end", settings)),), fw.EndWithoutVoting(),
                            item="end"),))
    footer = (ButtonSpec((Line(say("nav.back", settings)),), fw.Back(), item="back"),
              ButtonSpec((Line(say("review.cast", settings)),), fw.Cast(), item="cast"))
    return Spec("review", (Line(say("review.title", settings), 1.1),), tuple(rows), footer)


def spec_recorded(s: Recorded, st: UiState, settings: Settings) -> Spec:
    other = "en" if settings.lang == "ja" else "ja"
    return Spec(
        "recorded",
        (Line(say("recorded.title", settings), 1.3),),
        ((Line(say("recorded.card", settings), 1.1),),
         (Line(text("recorded.title", other)),), (Line(text("recorded.card", other)),)),
    )


def spec_voter_settings(s: VoterSettingsMenu, st: UiState, settings: Settings) -> Spec:
    v = s.settings
    on_off = {True: say("settings.on", settings), False: say("settings.off", settings)}
    values = {
        "text_size": f"{v.text_size + 1}",
        "high_contrast": on_off[v.high_contrast],
        "audio": on_off[v.audio],
        "language": "日本語" if v.language == "ja" else "English",
        "screen_blank": on_off[v.screen_blank],
    }
    rows: list[Row] = []
    for item in focus_items(s):
        if not item.startswith("setting:"):
            continue
        name = item.split(":", 1)[1]
        new = cycled(v, name)
        rows.append((ButtonSpec((Line(f"{say('settings.' + name, settings)}: {values[name]}"),),
                                ChangeSetting(name, getattr(new, name)), item=item),))
    rows.extend(((ButtonSpec((Line(say("nav.end", settings)),), fw.EndWithoutVoting(),
                             item="end"),),))
    footer = (ButtonSpec((Line(say("settings.start", settings)),), fw.Next(), item="start"),)
    return Spec("voter-settings", (Line(say("settings.title", settings), 1.1),), tuple(rows),
                footer)


def spec_inactivity(s: InactivityAlert, st: UiState, settings: Settings) -> Spec:
    return Spec(
        "inactivity-alert",
        (Line(say("alert.title", settings), 1.3),),
        ((Line(say("alert.lock", settings, seconds=s.seconds_to_lock)),),),
        (ButtonSpec((Line(say("alert.continue", settings)),), KeepVoting(), item="continue"),),
    )


def spec_locked(s: SessionLocked, st: UiState, settings: Settings) -> Spec:
    return Spec("locked", (Line(text("locked.title", "ja"), 1.3),),
                ((Line(text("locked.title", "en")),), (Line(both("locked.call")),)))
