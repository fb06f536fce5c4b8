"""The booth (記載台): one voter's session from the card accepted to the vote recorded — the
settings screen, the ballot contest by contest, the review (art. 4-1-3), the cast, ending
without voting — with the tactile keypad, the voice of audio mode and inactivity (alert, then
locked until the poll manager). A session's choices live only in ``VotingSession`` and only
until they are encrypted; the card of a locked session is kept on internal storage so that a
power cycle does not lift the lock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from election.package import Candidate, Contest
from firmware import spoken
from firmware.assisted import AssistedVoting
from firmware.audit import AuditLog
from firmware.audit_events import AuditEvent
from firmware.ballot_box import BallotBox, BallotBoxError
from firmware.booth_screens import InactivityAlert, SessionLocked, VoterSettingsMenu
from firmware.candidate_order import candidate_order
from firmware.card_ledger import LedgerLine
from firmware.display import Display, language_of
from firmware.events import (
    Back,
    BoothEvent,
    Cast,
    ChangeContest,
    EndWithoutVoting,
    Next,
    Select,
    VoterEvent,
)
from firmware.held_cards import HeldCards
from firmware.identity import MachineIdentity
from firmware.inactivity import KeepVoting, Tick, Verdict, seconds_to_lock, verdict
from firmware.interfaces import (
    CardError,
    CardReader,
    Clock,
    InternalStorage,
    MediumError,
    RandomSource,
)
from firmware.keypad import Key, KeyPressed, focus_items, moved
from firmware.polling_day import PollingDay
from firmware.screens import ContestChoice, Notice, Phase, Recorded, Review, ReviewLine, Screen
from firmware.voter_settings import (
    DEFAULT_SETTINGS,
    ChangeSetting,
    InvalidSetting,
    OpenSettings,
    VoterSettings,
    changed,
    cycled,
    stepped,
)
from firmware.voting_card_check import CardRefused, accept_voting_card
from media.counting_key import public_key as counting_public_key
from media.vote_record import BLANK, Choice, encrypt_vote

ABSTAIN = "abstain"
BLANK_CHOICE = "blank"


@dataclass
class VotingSession:
    """One voter's session. Selections live only here, only until the vote is written."""

    card_id: str
    card_contests: tuple[str, ...]
    audio: bool
    contests: list[tuple[Contest, tuple[Candidate, ...]]]
    position: int = 0
    reviewing: bool = False
    selections: dict[str, str] = field(default_factory=dict)
    recorded: bool = False
    ended: bool = False
    settings: VoterSettings = DEFAULT_SETTINGS  # reset with the session
    in_settings: bool = False
    focus: int = 0
    last_input: datetime | None = None
    alerted_at: datetime | None = None


class Booth:
    def __init__(
        self, identity: MachineIdentity, reader: CardReader, storage: InternalStorage,
        clock: Clock, random: RandomSource, audit: AuditLog, ballot_box: BallotBox,
        assisted: AssistedVoting, day: PollingDay, display: Display,
    ) -> None:
        self.identity = identity
        self.reader = reader
        self.storage = storage
        self.clock = clock
        self.random = random
        self.audit = audit
        self.ballot_box = ballot_box
        self.assisted = assisted
        self.day = day
        self.display = display
        self.voice = display.voice
        self.session: VotingSession | None = None
        self.held = HeldCards(storage, audit)

    @property
    def locked_card(self) -> str | None:
        return self.held.locked_card

    def _show(self, screen: Screen) -> Screen:
        return self.display.show(screen)

    @property
    def in_session(self) -> bool:
        return self.session is not None

    # --- the card ----------------------------------------------------------------------------

    def card_inserted(self, admin_present: bool) -> Screen:
        """A voting card (the reader said so): accept it and begin, or say why not."""
        if self.locked_card is not None:
            return self._show(SessionLocked())
        if not self.day.is_open():
            return self._refuse_card(
                "not-open", "現在は投票できません。係員にお知らせください", "Voting is not open now"
            )
        if self.session is not None or admin_present:
            return self.display.screen
        if self.day.network_interfaces():  # art. 4-2: an interface appeared while open
            self.day.set_phase(Phase.PAUSED)
            return self._refuse_card(
                "network", "ネットワーク装置が接続されたため投票を停止しました。係員にお知らせ"
                "ください（第4条の2）", "A network device appeared; voting is stopped (art. 4-2)"
            )
        signed = self.day.package
        assert signed is not None
        machine_id = self.identity.machine_id
        try:
            token = accept_voting_card(self.reader, signed, machine_id, self.ballot_box.ledger,
                                       self.clock, self.audit)
        except CardRefused as refused:
            if refused.completed is not None:
                self.held.completed(refused.completed)
            return self._refuse_card(refused.reason, refused.ja, refused.en)
        self.audit.record(AuditEvent.VOTING_CARD_CHECKED, "success")
        package = signed.package
        index = package.machine_index(machine_id)
        ordered = [
            (c, candidate_order(c, index, self.random))
            for c in package.contests
            if c.contest_id in token.contests
        ]
        try:
            self.ballot_box.reserve(token.card_id, tuple(token.contests))
        except (MediumError, BallotBoxError) as exc:
            return self.day.media_fault(exc)
        self.session = VotingSession(token.card_id, token.contests, token.audio, ordered)
        return self._begin_session(token.audio)

    def _refuse_card(self, reason: str, ja: str, en: str) -> Screen:
        self.audit.record(AuditEvent.VOTING_CARD_CHECKED, "failure", reason=reason)
        return self._show(Notice(ja, en))

    def card_removed(self) -> Screen:
        if self.locked_card is not None:
            return self._show(SessionLocked())  # until the poll manager's card
        if self.session is not None:
            # A session left unfinished: nothing recorded; the card stays locked to this
            # machine, so it can only come back here.
            self.session = None
            self.ballot_box.settle()
        return self._show(self.day.standby())

    def drop_unrecorded(self) -> None:
        """Voting stops (medium pulled, power failing): an unfinished session is dropped with
        its choices, nothing of it recorded; its card stays locked to this machine for the
        poll manager to release. A recorded one waits for its card to be taken."""
        if self.session is not None and not self.session.recorded:
            self.session.selections.clear()
            self.session = None
            self.ballot_box.settle()

    # --- session start and the settings screen -----------------------------------------------

    def _begin_session(self, audio: bool) -> Screen:
        """A card was accepted: settings first (the card's audio flag starts audio mode)."""
        assert self.session is not None
        self.assisted.start_session()  # a count only; the session carries no mark
        s = self.session
        s.settings = VoterSettings(audio=audio)
        self.voice.set_voice(s.settings)  # every voter starts at the default volume and rate
        s.in_settings = True
        s.focus = 0
        s.last_input = self.clock.now()
        return self._settings_menu()

    def _settings_menu(self) -> Screen:
        assert self.session is not None
        s = self.session
        return self._show(VoterSettingsMenu(s.settings, s.focus, len(s.contests)))

    def _current_voter_screen(self) -> Screen:
        s = self.session
        if s is None:
            return self.display.screen
        if s.in_settings:
            return self._settings_menu()
        if s.reviewing:
            return self._review_screen()
        return self._contest_screen()

    def _voter_input(self, event: object) -> Screen | None:
        """Every voter input: note the time, answer an alert, handle the settings screen.
        Returns the screen when the input was used up here, None to carry on."""
        s = self.session
        assert s is not None
        s.last_input = self.clock.now()
        if s.alerted_at is not None:
            s.alerted_at = None
            s.focus = 0
            self.audit.record(AuditEvent.INACTIVITY_RESUMED)
            return self._current_voter_screen()
        if not isinstance(event, Select):
            s.focus = 0
        if s.in_settings:
            if isinstance(event, Next):
                s.in_settings = False
                return self._current_voter_screen()
            if isinstance(event, EndWithoutVoting):
                return None
            return self._settings_menu()
        return None

    # --- the ballot --------------------------------------------------------------------------

    def _contest_screen(self) -> Screen:
        assert self.session is not None
        s = self.session
        contest, candidates = s.contests[s.position]
        return self._show(ContestChoice(
            position=s.position + 1,
            of=len(s.contests),
            contest_id=contest.contest_id,
            title=contest.title,
            title_en=contest.title_en,
            candidates=candidates,
            blank_allowed=contest.blank_allowed,
            selected=s.selections.get(contest.contest_id),
            settings=s.settings,
            focus=s.focus,
        ))

    def _review_screen(self) -> Screen:
        assert self.session is not None
        lines = []
        for contest, _ in self.session.contests:
            selected = self.session.selections[contest.contest_id]
            if selected == ABSTAIN:
                lines.append(ReviewLine(contest.contest_id, contest.title, "棄権 / abstain", "", "きけん"))
            elif selected == BLANK_CHOICE:
                lines.append(ReviewLine(contest.contest_id, contest.title, "白票 / blank", "", "はくひょう"))
            else:
                c = contest.candidate(selected)
                lines.append(ReviewLine(contest.contest_id, contest.title, c.name, c.party, c.kana))
        return self._show(Review(tuple(lines), self.session.settings, self.session.focus))

    def voter_action(self, event: VoterEvent) -> Screen:
        s = self.session
        if s is None or s.recorded or s.ended:
            return self.display.screen
        used = self._voter_input(event)  # inactivity, focus, settings screen
        if used is not None:
            return used
        contest, candidates = s.contests[s.position]
        if isinstance(event, EndWithoutVoting):
            return self._end_without_vote()
        if s.reviewing:
            if isinstance(event, Cast):
                return self._cast()
            if isinstance(event, Back):
                s.reviewing = False
                return self._contest_screen()
            if isinstance(event, ChangeContest):
                ids = [c.contest_id for c, _ in s.contests]
                if event.contest_id in ids:
                    s.reviewing = False
                    s.position = ids.index(event.contest_id)
                    return self._contest_screen()
            return self.display.screen
        if isinstance(event, Select):
            allowed = {c.candidate_id for c in candidates} | {ABSTAIN}
            if contest.blank_allowed:
                allowed.add(BLANK_CHOICE)
            if event.choice in allowed:
                s.selections[contest.contest_id] = event.choice
            return self._contest_screen()
        if isinstance(event, Next):
            if contest.contest_id not in s.selections:
                return self.display.screen
            if s.position + 1 < len(s.contests):
                s.position += 1
                return self._contest_screen()
            s.reviewing = True
            return self._review_screen()
        if isinstance(event, Back) and s.position > 0:
            s.position -= 1
            return self._contest_screen()
        return self.display.screen

    def _cast(self) -> Screen:
        assert self.session is not None and self.day.package is not None
        s = self.session
        package = self.day.package.package
        key = counting_public_key(package.counting_public_key)
        records: dict[str, bytes] = {}
        for contest, _ in s.contests:
            selected = s.selections[contest.contest_id]
            if selected == ABSTAIN:
                continue
            choice = BLANK if selected == BLANK_CHOICE else Choice(selected)
            records[contest.contest_id] = encrypt_vote(
                key, package.election_id, contest.contest_id, choice
            )
        s.selections.clear()  # the plaintext choice exists nowhere once encrypted
        self.audit.record(AuditEvent.VOTE_COMMIT, "start")
        machine_id = self.identity.machine_id
        try:
            self.ballot_box.cast(
                s.card_id, s.card_contests, records,
                lambda: self.reader.consume_voting_card(machine_id),
            )
        except (MediumError, BallotBoxError) as exc:
            self.session = None
            self.audit.record(AuditEvent.VOTE_COMMIT, "failure", reason=type(exc).__name__)
            return self.day.media_fault(exc)
        except CardError:
            # Recorded on both media; the card was pulled (or failed) before it could be
            # marked. It stays locked to this machine, which refuses it by the ledger.
            pass
        # Not in a ``finally``: after a power cut nothing more runs, and recovery finishes it.
        self.ballot_box.settle()  # the ledger line, then the journal cleared
        records.clear()
        s.recorded = True
        self.audit.record(AuditEvent.VOTE_COMMIT, "success")
        self.day.space_warning()
        return self._show(Recorded(s.settings))

    def _end_without_vote(self) -> Screen:
        assert self.session is not None
        s = self.session
        s.selections.clear()
        self.ballot_box.ledger.append(LedgerLine(s.card_id, False, s.card_contests))
        self.ballot_box.settle()
        try:
            self.reader.consume_voting_card(self.identity.machine_id)
        except CardError:
            pass  # the ledger refuses the card on this machine; it is locked to it elsewhere
        s.ended = True
        self.audit.record(AuditEvent.SESSION_ENDED_WITHOUT_VOTE)
        return self._show(
            Notice("投票せずに終了しました。カードをお取りください",
                   "Ended without voting. Please take your card.")
        )

    # --- settings, keypad and inactivity -----------------------------------------------------

    def booth_event(self, event: BoothEvent) -> Screen:
        if isinstance(event, Tick):
            return self._tick()
        s = self.session
        if s is None or s.recorded or s.ended:
            return self.display.screen
        if s.alerted_at is not None:  # any input answers the alert, whatever it was
            return self._voter_input(event) or self.display.screen
        if isinstance(event, KeyPressed):
            return self._keypress(event.key)
        focus = s.focus
        used = self._voter_input(event)
        if used is not None and not isinstance(event, ChangeSetting | OpenSettings):
            return used
        if isinstance(event, ChangeSetting):
            try:
                s.settings = changed(s.settings, event.setting, event.value)
            except InvalidSetting:
                pass
            s.focus = focus  # the voter stays on the setting they changed
        elif isinstance(event, OpenSettings):
            s.in_settings = True
        return self._current_voter_screen()

    def _keypress(self, key: Key) -> Screen:
        s = self.session
        assert s is not None
        if key in (Key.UP, Key.DOWN):
            s.last_input = self.clock.now()
            s.focus = moved(s.focus, len(focus_items(self.display.screen)), key)
            self.voice.next_description = spoken.describe_focus  # only where the focus landed
            return self._current_voter_screen()
        if key in (Key.VOLUME_UP, Key.VOLUME_DOWN, Key.RATE_UP, Key.RATE_DOWN):
            s.last_input = self.clock.now()
            setting = "volume" if key in (Key.VOLUME_UP, Key.VOLUME_DOWN) else "rate"
            delta = 1 if key in (Key.VOLUME_UP, Key.RATE_UP) else -1
            before = s.settings
            s.settings = stepped(s.settings, setting, delta)
            moved_step = s.settings != before
            self.voice.next_description = lambda screen: spoken.describe_adjustment(
                setting, delta, moved_step, language_of(screen))
            return self._current_voter_screen()
        if key is Key.HELP:
            s.last_input = self.clock.now()
            self._speak_screen(self.display.screen)
            return self.display.screen
        if key is Key.BACK:
            if s.in_settings:
                return self._voter_input(KeepVoting()) or self._settings_menu()
            return self.voter_action(Back())
        items = focus_items(self.display.screen)
        if not items:
            return self._voter_input(KeepVoting()) or self.display.screen
        item = items[min(s.focus, len(items) - 1)]
        if item.startswith("setting:"):
            focus = s.focus
            self._voter_input(KeepVoting())
            s.settings = cycled(s.settings, item.removeprefix("setting:"))
            s.focus = focus
            self.voice.next_description = spoken.describe_focus  # the setting, its new value
            return self._settings_menu()
        if item == "continue":
            return self._voter_input(KeepVoting()) or self.display.screen
        if item == "settings":
            return self.booth_event(OpenSettings())
        if item.startswith("choose:"):
            self.voice.next_description = spoken.describe_focus  # 「…選んでいます。」
            return self.voter_action(Select(item.removeprefix("choose:")))
        if item.startswith("change:"):
            return self.voter_action(ChangeContest(item.removeprefix("change:")))
        simple: dict[str, VoterEvent] = {
            "start": Next(), "next": Next(), "back": Back(), "cast": Cast(),
            "end": EndWithoutVoting(),
        }
        return self.voter_action(simple[item])

    def _speak_screen(self, screen: Screen) -> None:
        """Help: say the screen's description again, from the reviewed prompts."""
        assert self.session is not None
        self.voice.speak_screen(screen, self.session.settings)

    def _tick(self) -> Screen:
        s = self.session
        if s is None or s.recorded or s.ended or s.last_input is None or self.day.package is None:
            return self.display.screen
        now = self.clock.now()
        limit = self.day.package.package.settings.inactivity_alert_seconds
        result = verdict(s.last_input, s.alerted_at, now, limit)
        if result is Verdict.ALERT:
            s.alerted_at = now
            s.focus = 0
            self.audit.record(AuditEvent.INACTIVITY_ALERT)
            screen = self._show(InactivityAlert(s.settings, 0, seconds_to_lock(now, now)))
            if s.settings.audio:
                self._speak_screen(screen)
            return screen
        if result is Verdict.LOCK:
            return self._lock_session()
        if s.alerted_at is not None:
            return self._show(InactivityAlert(s.settings, 0, seconds_to_lock(s.alerted_at, now)))
        return self.display.screen

    def _lock_session(self) -> Screen:
        """Abandoned: wipe the selections, record nothing, keep the card locked to this machine
        (it cannot vote elsewhere) and wait for the poll manager."""
        assert self.session is not None
        self.session.selections.clear()
        self.held.lock(self.session.card_id)
        self.session = None
        self.ballot_box.settle()  # the reserved slots are freed; the journal is cleared
        self.audit.record(AuditEvent.SESSION_LOCKED)
        return self._show(SessionLocked())
