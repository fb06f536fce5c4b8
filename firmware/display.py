"""What is on the screen now, and the booth's voice that speaks a voter screen as it is shown.
One ``Display`` per machine; the parts that show screens receive it, the rest return theirs."""

from __future__ import annotations

from collections.abc import Callable

from firmware import spoken
from firmware.booth_screens import VoterSettingsMenu
from firmware.interfaces import Speaker, SpeechError
from firmware.screens import ContestChoice, Phase, Recorded, Review, Screen, Standby
from firmware.spoken import Clip
from firmware.voter_settings import DEFAULT_SETTINGS, VoterSettings

Describer = Callable[[Screen], tuple[Clip, ...]]


class BoothVoice:
    """Audio mode (art. 4-1-3 spoken confirmation): voter screens are said from the reviewed
    prompts (firmware/spoken.py) in the voter's language, at the voter's volume and rate."""

    def __init__(self, speaker: Speaker) -> None:
        self.speaker = speaker
        # What the next voter screen shown says instead of its whole description (a keypad key
        # asked for only the focused item or the volume/rate step); None: the whole screen.
        self.next_description: Describer | None = None

    def announce(self, screen: Screen) -> None:
        asked, self.next_description = self.next_description, None
        if not isinstance(screen, VoterSettingsMenu | ContestChoice | Review | Recorded):
            return  # the alert is spoken by the booth's inactivity check; admin screens are not
        if not screen.settings.audio:
            return
        self.speak(asked or spoken.describe, screen, screen.settings)

    def speak(self, describer: Describer, screen: Screen, settings: VoterSettings) -> None:
        try:
            clips = describer(screen)
        except (spoken.UnknownPrompt, ValueError):
            return
        try:
            self.set_voice(settings)
            for clip in clips:
                self.speaker.say(clip.text, clip.language)
        except SpeechError:
            pass  # the screen still shows everything; the voter can ask for help

    def speak_screen(self, screen: Screen, settings: VoterSettings) -> None:
        """Help (or the alert): the screen's whole description, in the voter's language."""

        def describe(shown: Screen) -> tuple[Clip, ...]:
            return spoken.describe(shown, settings.language)

        self.speak(describe, screen, settings)

    def set_voice(self, settings: VoterSettings) -> None:
        try:
            self.speaker.set_voice(settings.volume, settings.rate)
        except SpeechError:
            pass


class Display:
    def __init__(self, voice: BoothVoice) -> None:
        self.voice = voice
        self.screen: Screen = Standby(Phase.UNPROVISIONED)

    def show(self, screen: Screen) -> Screen:
        self.screen = screen
        self.voice.announce(screen)
        return screen


def language_of(screen: Screen) -> str:
    """The voter's language on a voter screen; the default elsewhere."""
    settings = getattr(screen, "settings", None)
    return settings.language if isinstance(settings, VoterSettings) else DEFAULT_SETTINGS.language
