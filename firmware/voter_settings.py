"""A voter's own settings for one session (VVSG 2.0 ch. 7): text size, high contrast, audio,
language, volume and rate, and the blanked screen in audio mode. They live in the voting session
only and are never written anywhere, so nothing carries over to the next voter."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

TEXT_SCALES: Final = (1.0, 1.25, 1.5, 2.0)
"""Text size steps, as multiples of the default cap height (≥ 4.8 mm at step 0)."""
VOLUME_STEPS: Final = 10
"""Volume 0..10; 0 is silent, each step about 4 dB (the speech driver applies it)."""
RATE_SCALES: Final = (0.75, 0.875, 1.0, 1.25, 1.5)
"""Speech rate steps as multiples of the normal rate, changed without changing pitch."""
LANGUAGES: Final = ("ja", "en")
SETTING_NAMES: Final = (
    "text_size", "high_contrast", "audio", "language", "volume", "rate", "screen_blank"
)


@dataclass(frozen=True)
class VoterSettings:
    """Text size step, contrast, audio, language, volume step, rate step, screen blank."""

    text_size: int = 0
    high_contrast: bool = False
    audio: bool = False
    language: str = "ja"
    volume: int = 5
    rate: int = 2
    screen_blank: bool = False

    @property
    def text_scale(self) -> float:
        return TEXT_SCALES[self.text_size]

    @property
    def rate_scale(self) -> float:
        return RATE_SCALES[self.rate]


DEFAULT_SETTINGS: Final = VoterSettings()


class InvalidSetting(ValueError):
    """A setting name or value the booth does not offer."""


def changed(settings: VoterSettings, setting: str, value: int | bool | str) -> VoterSettings:
    """``settings`` with one setting set to ``value``; raises InvalidSetting if not offered."""
    if setting in ("high_contrast", "audio", "screen_blank"):
        if not isinstance(value, bool):
            raise InvalidSetting(f"{setting} は入/切 / {setting} takes on or off")
        if setting == "screen_blank" and value and not settings.audio:
            raise InvalidSetting("画面を消せるのは音声案内のときだけです / screen blank needs audio")
        if setting == "audio":
            return replace(settings, audio=value, screen_blank=settings.screen_blank and value)
        if setting == "high_contrast":
            return replace(settings, high_contrast=value)
        return replace(settings, screen_blank=value)
    if setting == "language":
        if value not in LANGUAGES:
            raise InvalidSetting(f"言語 {value!r} はありません / no language {value!r}")
        return replace(settings, language=str(value))
    limits = {"text_size": len(TEXT_SCALES) - 1, "volume": VOLUME_STEPS,
              "rate": len(RATE_SCALES) - 1}
    if setting not in limits:
        raise InvalidSetting(f"設定 {setting!r} はありません / no setting {setting!r}")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limits[setting]:
        raise InvalidSetting(
            f"{setting} は 0〜{limits[setting]} の段階です / {setting} takes steps 0..{limits[setting]}"
        )
    if setting == "text_size":
        return replace(settings, text_size=value)
    if setting == "volume":
        return replace(settings, volume=value)
    return replace(settings, rate=value)


def cycled(settings: VoterSettings, setting: str) -> VoterSettings:
    """The next value of a setting, wrapping around: what one press of Select does on it."""
    if setting == "language":
        return changed(settings, setting, LANGUAGES[(LANGUAGES.index(settings.language) + 1) % 2])
    if setting == "text_size":
        return changed(settings, setting, (settings.text_size + 1) % len(TEXT_SCALES))
    current = getattr(settings, setting)
    if not isinstance(current, bool):
        raise InvalidSetting(f"{setting} は段階で変えます / {setting} changes in steps")
    return changed(settings, setting, not current)


def stepped(settings: VoterSettings, setting: str, delta: int) -> VoterSettings:
    """Volume or rate one step up or down, stopping at the ends."""
    limit = VOLUME_STEPS if setting == "volume" else len(RATE_SCALES) - 1
    value = min(limit, max(0, int(getattr(settings, setting)) + delta))
    return changed(settings, setting, value)


@dataclass(frozen=True)
class ChangeSetting:
    """The voter sets one setting (touch); ``value`` as in ``changed``."""

    setting: str
    value: int | bool | str


@dataclass(frozen=True)
class OpenSettings:
    """Back to the settings screen from a contest, keeping every choice made."""
