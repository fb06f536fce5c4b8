"""The speech engines: Open JTalk (pyopenjtalk, Debian's naist-jdic, nothing downloaded) for
Japanese and espeak-ng for English. Used only when rendering clips for approval;
the machine plays the approved WAVs and never synthesises at voting time."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from drivers.speech.wav import Audio, read_wav

DEBIAN_DICTIONARY = "/var/lib/mecab/dic/open-jtalk/naist-jdic"
os.environ.setdefault("OPEN_JTALK_DICT_DIR", DEBIAN_DICTIONARY)


class SpeechEngineMissing(RuntimeError):
    """An engine or its dictionary is not installed."""


def _jtalk() -> Any:
    directory = Path(os.environ["OPEN_JTALK_DICT_DIR"])
    if not (directory / "sys.dic").exists():
        raise SpeechEngineMissing(
            f"Open JTalk の辞書がありません: {directory}（apt install open-jtalk-mecab-naist-jdic）"
            f" / Open JTalk dictionary missing at {directory}"
        )
    import pyopenjtalk

    # pyopenjtalk reads the variable at import and downloads a dictionary when its directory is
    # missing; point it at Debian's even if it was imported first, so it never downloads.
    pyopenjtalk.OPEN_JTALK_DICT_DIR = str(directory).encode()
    return pyopenjtalk


def reading(text: str) -> str:
    """What Open JTalk will say for ``text``, in katakana (g2p with kana=True)."""
    return str(_jtalk().g2p(text, kana=True))


def synthesize_ja(text: str, speed: float = 1.0) -> Audio:
    samples, rate = _jtalk().tts(text, speed=speed)
    return Audio(np.asarray(samples, dtype=np.float64) / 32768.0, int(rate))


def synthesize_en(text: str) -> Audio:
    """English with espeak-ng (22,050 Hz WAV on stdout). Called directly rather than through
    pyttsx3: pyttsx3's espeak driver returns from runAndWait() before its WAV file is written,
    so it left empty or missing files here about one time in three."""
    if shutil.which("espeak-ng") is None:
        raise SpeechEngineMissing("espeak-ng がありません / espeak-ng is not installed")
    result = subprocess.run(
        ["espeak-ng", "-v", "en", "--stdout", "--", text], capture_output=True, check=False,
        timeout=60,
    )
    if result.returncode:
        raise SpeechEngineMissing(f"espeak-ng failed: {result.stderr[:200]!r}")
    return read_wav(_fix_stdout_wav(result.stdout))


def _fix_stdout_wav(data: bytes) -> bytes:
    """espeak-ng cannot seek stdout, so the RIFF and data sizes in its header are 0xFFFFFFFF;
    set them from the actual length."""
    if len(data) < 44 or data[:4] != b"RIFF" or data[36:40] != b"data":
        return data
    body = len(data) - 44
    return (data[:4] + (36 + body).to_bytes(4, "little") + data[8:40]
            + body.to_bytes(4, "little") + data[44:])


def synthesize(text: str, language: str) -> Audio:
    if language == "ja":
        return synthesize_ja(text)
    if language == "en":
        return synthesize_en(text)
    raise ValueError(f"no speech engine for language {language!r}")
