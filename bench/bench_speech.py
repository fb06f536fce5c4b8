"""Speech: time from a request to the first audible sample of an approved clip (VVSG 2.0 7.2-N: ≤ 0.5 s)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.measurement import Measurement, median, percentile
from drivers.speech.adjust import RATE_STEPS
from drivers.speech.approved import ApprovedSpeaker, MemorySink, approve, load_manifest, render
from drivers.speech.wav import first_sound
from firmware import spoken
from firmware.screens import ContestChoice
from tests.station import make_package

GOAL = 0.5


def run(quick: bool) -> list[Measurement]:
    signed = make_package({})
    contest = signed.package.contests[-1]
    screen = ContestChoice(1, 1, contest.contest_id, contest.title, contest.title_en,
                           contest.candidates, True, None)
    clips = spoken.describe(screen, "ja") + spoken.describe(screen, "en")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        render(dict.fromkeys(clips), out, signed.fingerprint)
        approve(out, ["bench"])
        _, entries = load_manifest(out)
        sink = MemorySink()
        speaker = ApprovedSpeaker.from_approval(out, sink)
        results: dict[int, list[float]] = {}
        rounds = 3 if quick else 20
        for step in (0, len(RATE_STEPS) // 2, len(RATE_STEPS) - 1):
            speaker.rate_step = step
            latencies = []
            for _ in range(rounds):
                for entry in entries:
                    start = time.perf_counter()
                    speaker.say(entry.text, entry.language)  # read, hash-check, decode, stretch
                    latencies.append(time.perf_counter() - start + first_sound(sink.played[-1]))
                    sink.played.clear()
            results[step] = latencies
    measurements = []
    for step, latencies in results.items():
        worst = max(latencies)
        measurements += [
            Measurement(f"audio start, rate ×{RATE_STEPS[step]}, median", median(latencies), "s"),
            Measurement(f"audio start, rate ×{RATE_STEPS[step]}, p99", percentile(latencies, 0.99),
                        "s"),
            Measurement(f"audio start, rate ×{RATE_STEPS[step]}, worst of {len(latencies)}",
                        worst, "s", f"<= {GOAL}", worst <= GOAL),
        ]
    return measurements
