"""The voter's volume and rate steps (VVSG 2.0 ch. 7): rate by WSOLA time-stretching, which
moves whole pitch periods and so keeps the pitch (resampling would raise it with the speed);
volume by gain. Applied to the approved clip at playback, so officials approve one file."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from drivers.speech.wav import Audio
from firmware.voter_settings import DEFAULT_SETTINGS, RATE_SCALES, VOLUME_STEPS

# The steps are the firmware's (firmware/voter_settings.py): the voter's setting travels with
# the screen, the speaker only applies it.
RATE_STEPS = RATE_SCALES
DB_PER_VOLUME_STEP = 4.0  # VVSG 2.0 7.2: steps no more than 10 dB apart
VOLUME_STEPS_DB = (float("-inf"),) + tuple(
    (step - VOLUME_STEPS) * DB_PER_VOLUME_STEP for step in range(1, VOLUME_STEPS + 1)
)  # step 0 is silence; the top step plays the approved clip as rendered (-1 dBFS peak)
DEFAULT_RATE_STEP = DEFAULT_SETTINGS.rate
DEFAULT_VOLUME_STEP = DEFAULT_SETTINGS.volume


def stretch(audio: Audio, rate: float) -> Audio:
    """Play ``rate`` times faster without changing the pitch (WSOLA: overlap-add of 40 ms
    windows, each shifted by up to ±10 ms to line up with the waveform already written)."""
    if rate == 1.0:
        return audio
    if not 0.25 <= rate <= 4.0:
        raise ValueError(f"rate {rate} out of range")
    x = audio.samples
    window_len = int(0.04 * audio.rate) // 2 * 2
    hop_out = window_len // 2
    hop_in = hop_out * rate
    tolerance = int(0.01 * audio.rate)
    window = np.hanning(window_len)
    frames = int(len(x) / hop_in) + 1
    padded = np.concatenate([np.zeros(tolerance), x, np.zeros(window_len * 2 + tolerance * 2)])
    out = np.zeros(frames * hop_out + window_len)
    norm = np.zeros_like(out)
    size = 1 << int(np.ceil(np.log2(window_len + 2 * tolerance + window_len)))
    position = tolerance  # index into padded of the previous frame's start
    for k in range(frames):
        nominal = tolerance + int(round(k * hop_in))
        if k:
            natural = padded[position + hop_out: position + hop_out + window_len]
            region = padded[nominal - tolerance: nominal + tolerance + window_len]
            corr = _correlate(region, natural, size)[: 2 * tolerance + 1]
            position = nominal - tolerance + int(np.argmax(corr))
        else:
            position = nominal
        start = k * hop_out
        out[start: start + window_len] += padded[position: position + window_len] * window
        norm[start: start + window_len] += window
    length = int(round(len(x) / rate))
    result: NDArray[np.float64] = out[:length] / np.maximum(norm[:length], 1e-3)
    return Audio(result, audio.rate)


def _correlate(region: NDArray[np.float64], template: NDArray[np.float64], size: int
               ) -> NDArray[np.float64]:
    """corr[i] = sum(region[i:i+len(template)] * template), by FFT."""
    spectrum = np.fft.rfft(region, size) * np.conj(np.fft.rfft(template, size))
    result: NDArray[np.float64] = np.fft.irfft(spectrum, size)
    return result


def gain(audio: Audio, decibels: float) -> Audio:
    factor = 0.0 if decibels == float("-inf") else 10 ** (decibels / 20)
    return Audio(np.clip(audio.samples * factor, -1.0, 1.0), audio.rate)


def adjust(audio: Audio, volume_step: int, rate_step: int) -> Audio:
    if not 0 <= volume_step < len(VOLUME_STEPS_DB) or not 0 <= rate_step < len(RATE_STEPS):
        raise ValueError("volume or rate step out of range")
    return gain(stretch(audio, RATE_STEPS[rate_step]), VOLUME_STEPS_DB[volume_step])
