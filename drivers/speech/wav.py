"""Mono 16-bit PCM WAV in and out, and the measurements the tests and the bench make on it."""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

SILENCE = 10 ** (-40 / 20)  # a sample below -40 dBFS is silence


@dataclass(frozen=True)
class Audio:
    samples: NDArray[np.float64]  # mono, in [-1, 1]
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


class NotAWav(ValueError):
    """The bytes are not a mono 16-bit PCM WAV."""


def write_wav(audio: Audio) -> bytes:
    pcm = np.clip(np.round(audio.samples * 32767.0), -32768, 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(audio.rate)
        w.writeframes(pcm.tobytes())
    return out.getvalue()


def read_wav(data: bytes) -> Audio:
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            if w.getnchannels() != 1 or w.getsampwidth() != 2:
                raise NotAWav("WAV は 16 ビット単音声のみ / only mono 16-bit PCM")
            frames = w.readframes(w.getnframes())
            rate = w.getframerate()
    except (wave.Error, EOFError) as exc:
        raise NotAWav(f"WAV として読めません / not a WAV file: {exc}") from exc
    return Audio(np.frombuffer(frames, dtype="<i2").astype(np.float64) / 32768.0, rate)


def first_sound(audio: Audio) -> float:
    """Seconds until the first sample louder than -40 dBFS (inf when all silent)."""
    loud = np.flatnonzero(np.abs(audio.samples) > SILENCE)
    return float(loud[0]) / audio.rate if loud.size else float("inf")


def trim(audio: Audio, keep: float = 0.02) -> Audio:
    """Drop leading and trailing silence, keeping ``keep`` seconds each side, and normalise the
    peak to -1 dBFS so every approved clip plays at the same level before the voter's volume."""
    loud = np.flatnonzero(np.abs(audio.samples) > SILENCE)
    if not loud.size:
        return audio
    pad = int(keep * audio.rate)
    samples = audio.samples[max(0, loud[0] - pad): loud[-1] + pad + 1]
    peak = float(np.max(np.abs(samples)))
    return Audio(samples * (10 ** (-1 / 20) / peak), audio.rate)


def rms_dbfs(audio: Audio) -> float:
    rms = float(np.sqrt(np.mean(np.square(audio.samples)))) if audio.samples.size else 0.0
    return 20 * float(np.log10(max(rms, 1e-12)))


def fundamental(audio: Audio, low: float = 60.0, high: float = 800.0) -> float:
    """The voice's fundamental frequency in Hz, by autocorrelation over the voiced frames
    (the median of per-frame estimates, so a few octave errors do not move it)."""
    frame = int(0.04 * audio.rate)
    x = audio.samples
    energy = [float(np.sum(np.square(x[i:i + frame]))) for i in range(0, len(x) - frame, frame)]
    if not energy:
        raise ValueError("too short to estimate a pitch")
    threshold = 0.3 * max(energy)
    shortest, longest = int(audio.rate / high), int(audio.rate / low)
    estimates = []
    for index, e in enumerate(energy):
        if e < threshold:
            continue
        seg = x[index * frame: index * frame + frame]
        seg = seg - seg.mean()
        spectrum = np.fft.rfft(seg, 2 * frame)
        corr = np.fft.irfft(spectrum * np.conj(spectrum))[:frame]
        if corr[0] <= 0:
            continue
        normalised = corr[shortest:longest] / corr[0]
        best = float(np.max(normalised))
        if best < 0.5:  # unvoiced
            continue
        # the shortest lag nearly as good as the best: a multiple of the period scores as well
        # as the period itself, and would halve the estimate
        inner = normalised[1:-1]
        peaks = np.flatnonzero(
            (inner >= normalised[:-2]) & (inner > normalised[2:]) & (inner >= 0.9 * best)
        )
        if peaks.size:
            estimates.append(audio.rate / (shortest + 1 + int(peaks[0])))
    if not estimates:
        raise ValueError("no voiced frame found")
    return float(np.median(estimates))
