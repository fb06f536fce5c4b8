"""The accessible booth, as part of the Machine: the voter's settings screen, the tactile keypad,
inactivity (alert, then lock until the poll manager) and the count of assisted sessions.
``Machine`` inherits this; the attributes and methods declared here are the Machine's."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from election import canonical
from firmware.assisted import AssistedVoting
from firmware.audit_events import AuditEvent
from firmware.booth_screens import InactivityAlert, SessionLocked, VoterSettingsMenu
from firmware.inactivity import KeepVoting, Tick, Verdict, seconds_to_lock, verdict
from firmware.interfaces import InternalStorage
from firmware.keypad import Key, KeyPressed, focus_items, moved
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

if TYPE_CHECKING:
    from election.package import SignedPackage
    from firmware.audit import AuditLog
    from firmware.ballot_box import BallotBox
    from firmware.interfaces import Clock
    from firmware.machine import Devices, Event, VotingSession
    from firmware.screens import Screen
    from firmware.spoken import Clip

LOCKED_FILE = "locked.json"
BOOTH_EVENTS = (Tick, KeyPressed, ChangeSetting, OpenSettings, KeepVoting)


class BoothMixin:
    # What the next voter screen shown says instead of its whole description (a keypad key
    # asked for only the focused item or the volume/rate step); None: the whole screen.
    _speech_next: Callable[[Screen], tuple[Clip, ...]] | None = None

    if TYPE_CHECKING:
        session: VotingSession | None
        screen: Screen
        devices: Devices

        def _show(self, screen: Screen) -> Screen: ...

        def _contest_screen(self) -> Screen: ...

        def _review_screen(self) -> Screen: ...

        def _voter_action(self, event: Event) -> Screen: ...

        clock: Clock
        audit: AuditLog
        package: SignedPackage | None
        ballot_box: BallotBox

    def _init_booth(self, storage: InternalStorage) -> None:
        self.assisted = AssistedVoting(storage)
        self._booth_storage = storage
        # The card of a session locked for inactivity: kept on internal storage, so a power
        # cycle does not lift the lock — only the poll manager's card does.
        saved = storage.read(LOCKED_FILE)
        self.locked_card: str | None = (
            str(canonical.decode_object(saved)["card_id"]) if saved else None
        )

    # --- session start and the settings screen -----------------------------------------------

    def _begin_session(self, audio: bool) -> Screen:
        """A card was accepted: settings first (the card's audio flag starts audio mode)."""
        assert self.session is not None
        self.assisted.start_session()  # a count only; the session carries no mark
        s = self.session
        s.settings = VoterSettings(audio=audio)
        self._set_voice(s.settings)  # every voter starts at the default volume and rate
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
            return self.screen
        if s.in_settings:
            return self._settings_menu()
        if s.reviewing:
            return self._review_screen()
        return self._contest_screen()

    def _voter_input(self, event: Any) -> Screen | None:
        """Every voter input: note the time, answer an alert, handle the settings screen.
        Returns the screen when the input was used up here, None to carry on."""
        from firmware import machine as fw

        s = self.session
        assert s is not None
        s.last_input = self.clock.now()
        if s.alerted_at is not None:
            s.alerted_at = None
            s.focus = 0
            self.audit.record(AuditEvent.INACTIVITY_RESUMED)
            return self._current_voter_screen()
        if not isinstance(event, fw.Select):
            s.focus = 0
        if s.in_settings:
            if isinstance(event, fw.Next):
                s.in_settings = False
                return self._current_voter_screen()
            if isinstance(event, fw.EndWithoutVoting):
                return None
            return self._settings_menu()
        return None

    # --- booth events ------------------------------------------------------------------------

    def _booth_event(self, event: Any) -> Screen:
        if isinstance(event, Tick):
            return self._tick()
        s = self.session
        if s is None or s.recorded or s.ended:
            return self.screen
        if s.alerted_at is not None:  # any input answers the alert, whatever it was
            return self._voter_input(event) or self.screen
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
        from firmware import machine as fw
        from firmware import spoken

        s = self.session
        assert s is not None
        if key in (Key.UP, Key.DOWN):
            s.last_input = self.clock.now()
            s.focus = moved(s.focus, len(focus_items(self.screen)), key)
            self._speech_next = spoken.describe_focus  # only the item the focus landed on
            return self._current_voter_screen()
        if key in (Key.VOLUME_UP, Key.VOLUME_DOWN, Key.RATE_UP, Key.RATE_DOWN):
            s.last_input = self.clock.now()
            setting = "volume" if key in (Key.VOLUME_UP, Key.VOLUME_DOWN) else "rate"
            delta = 1 if key in (Key.VOLUME_UP, Key.RATE_UP) else -1
            before = s.settings
            s.settings = stepped(s.settings, setting, delta)
            moved_step = s.settings != before
            self._speech_next = lambda screen: spoken.describe_adjustment(
                setting, delta, moved_step, _language(screen))
            return self._current_voter_screen()
        if key is Key.HELP:
            s.last_input = self.clock.now()
            self._speak_screen(self.screen)
            return self.screen
        if key is Key.BACK:
            if s.in_settings:
                return self._voter_input(KeepVoting()) or self._settings_menu()
            return self._voter_action(fw.Back())
        items = focus_items(self.screen)
        if not items:
            return self._voter_input(KeepVoting()) or self.screen
        item = items[min(s.focus, len(items) - 1)]
        if item.startswith("setting:"):
            focus = s.focus
            self._voter_input(KeepVoting())
            s.settings = cycled(s.settings, item.removeprefix("setting:"))
            s.focus = focus
            self._speech_next = spoken.describe_focus  # the setting with its new value
            return self._settings_menu()
        if item == "continue":
            return self._voter_input(KeepVoting()) or self.screen
        if item == "settings":
            return self._booth_event(OpenSettings())
        if item.startswith("choose:"):
            self._speech_next = spoken.describe_focus  # 「…選んでいます。」
            return self._voter_action(fw.Select(item.removeprefix("choose:")))
        if item.startswith("change:"):
            return self._voter_action(fw.ChangeContest(item.removeprefix("change:")))
        simple: dict[str, Event] = {
            "start": fw.Next(), "next": fw.Next(), "back": fw.Back(), "cast": fw.Cast(),
            "end": fw.EndWithoutVoting(),
        }
        return self._voter_action(simple[item])

    def _speak_screen(self, screen: Screen) -> None:
        """Help: say the screen's description again, from the reviewed prompts."""
        from firmware import spoken

        assert self.session is not None
        settings = self.session.settings
        self._speak(lambda shown: spoken.describe(shown, settings.language), screen, settings)

    def _announce(self, screen: Screen) -> None:
        """Every screen shown: in audio mode a voter screen is spoken from the reviewed
        prompts (firmware/spoken.py) in the voter's language — the whole screen, or only what
        the keypad key asked for — at the voter's volume and rate."""
        from firmware import spoken
        from firmware.screens import ContestChoice, Recorded, Review

        asked, self._speech_next = self._speech_next, None
        if not isinstance(screen, VoterSettingsMenu | ContestChoice | Review | Recorded):
            return  # the alert is spoken by _tick; admin screens are not spoken
        if not screen.settings.audio:
            return
        self._speak(asked or spoken.describe, screen, screen.settings)

    def _speak(self, describer: Callable[[Screen], tuple[Clip, ...]], screen: Screen,
               settings: VoterSettings) -> None:
        from firmware import spoken
        from firmware.interfaces import SpeechError

        try:
            clips = describer(screen)
        except (spoken.UnknownPrompt, ValueError):
            return
        try:
            self._set_voice(settings)
            for clip in clips:
                self.devices.speaker.say(clip.text, clip.language)
        except SpeechError:
            pass  # the screen still shows everything; the voter can ask for help

    def _set_voice(self, settings: VoterSettings) -> None:
        from firmware.interfaces import SpeechError

        try:
            self.devices.speaker.set_voice(settings.volume, settings.rate)
        except SpeechError:
            pass

    # --- inactivity --------------------------------------------------------------------------

    def _tick(self) -> Screen:
        s = self.session
        if s is None or s.recorded or s.ended or s.last_input is None or self.package is None:
            return self.screen
        now = self.clock.now()
        limit = self.package.package.settings.inactivity_alert_seconds
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
        return self.screen

    def _lock_session(self) -> Screen:
        """Abandoned: wipe the selections, record nothing, keep the card locked to this machine
        (it cannot vote elsewhere) and wait for the poll manager."""
        assert self.session is not None
        self.session.selections.clear()
        self.locked_card = self.session.card_id
        self._booth_storage.write_atomic(
            LOCKED_FILE, canonical.encode({"card_id": self.locked_card})
        )
        self.session = None
        self.ballot_box.settle()  # the reserved slots are freed; the journal is cleared
        self.audit.record(AuditEvent.SESSION_LOCKED)
        return self._show(SessionLocked())

    def _after_admin_login(self) -> str:
        """The poll manager's card unlocks an abandoned session; says what became of it."""
        if self.locked_card is None:
            return ""
        card = self.locked_card
        self.locked_card = None
        self._booth_storage.delete(LOCKED_FILE)
        self.audit.record(AuditEvent.SESSION_UNLOCKED)
        return (
            f"無操作で中断された投票は記録されていません（カード {card[:8]}）。カードを解放できます"
            f" / the abandoned session recorded nothing (card {card[:8]}); its card can be released"
        )


def _language(screen: Screen) -> str:
    settings = getattr(screen, "settings", None)
    return settings.language if isinstance(settings, VoterSettings) else DEFAULT_SETTINGS.language
