"""A simulated headphone output: keeps what it was asked to say, at which volume and rate step;
can be unplugged."""

from __future__ import annotations

from firmware.interfaces import SpeechError
from firmware.speech_approval import SpeechSet
from firmware.voter_settings import DEFAULT_SETTINGS, RATE_SCALES, VOLUME_STEPS


class SimulatedSpeaker:
    def __init__(self) -> None:
        self.plugged_in = True
        self.spoken: list[tuple[str, str]] = []
        self.voices: list[tuple[int, int]] = []  # (volume, rate) each utterance was said at
        self.volume = DEFAULT_SETTINGS.volume
        self.rate = DEFAULT_SETTINGS.rate
        # says any text: bound to no approved set unless a test gives it one to report
        self.speech_set: SpeechSet | None = None

    def say(self, text: str, language: str) -> None:
        if not self.plugged_in:
            raise SpeechError("ヘッドホンが接続されていません / headphones unplugged")
        self.spoken.append((language, text))
        self.voices.append((self.volume, self.rate))

    def set_voice(self, volume: int, rate: int) -> None:
        if not (0 <= volume <= VOLUME_STEPS and 0 <= rate < len(RATE_SCALES)):
            raise ValueError(f"音量・速さの段階が範囲外です / voice step out of range: {volume}, {rate}")
        self.volume, self.rate = volume, rate
