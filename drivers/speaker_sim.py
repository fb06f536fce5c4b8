"""A simulated headphone output: keeps what it was asked to say; can be unplugged."""

from __future__ import annotations

from firmware.interfaces import SpeechError


class SimulatedSpeaker:
    def __init__(self) -> None:
        self.plugged_in = True
        self.spoken: list[tuple[str, str]] = []

    def say(self, text: str, language: str) -> None:
        if not self.plugged_in:
            raise SpeechError("ヘッドホンが接続されていません / headphones unplugged")
        self.spoken.append((language, text))
