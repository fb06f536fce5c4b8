"""The counting centre's application: screen response while the count runs, and the count's
overhead over raw HPKE decryption, measured in the same run.

The generated election of bench/bench_counting.py (the same cache) is opened as a session in
the counting manager's window (kivy, private Xvfb, Mesa llvmpipe), imported, and counted from
the window: 3 of the 5 simulated key holders type their PINs, the tally runs on every core in
worker processes while, every 50 ms, a touch on a step button changes the view and the time
from the touch to the window's next drawn frame is taken (median and p99). Then raw HPKE
decryption of the same records (bench_counting's baseline: whole tables, no checks) on the
same pool type. Overhead = (the count step's re-import + the tally) ÷ raw − 1."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_counting import FULL, QUICK, SEED, _init_raw, _raw_decrypt
from bench.bench_ui import _xvfb
from bench.election_gen import HOLDER_PINS, THRESHOLD, Election, cached
from bench.measurement import Measurement, median, percentile
from counting.importer import import_media, worker_context
from counting.unlock import unlock


def _session(election: Election, work: Path) -> tuple[Path, list[Path]]:
    """Commission key, package and key-holder card files for a session over the cache's
    media (the cards copied: the app saves their PIN counters back)."""
    (work / "commission.pub").write_text(election.commission_public.hex() + "\n")
    packages = []
    for signed in election.versions:
        packages.append(work / f"package-v{signed.package.version}.json")
        packages[-1].write_bytes(signed.to_bytes())
    cards = []
    for path in sorted((election.root / "cards").iterdir())[:THRESHOLD]:
        cards.append(work / path.name)
        shutil.copyfile(path, cards[-1])
    from counting.session import Session

    Session.create(work / "session", work / "commission.pub", packages, [election.media_dir],
                   "開票管理者", ["立会人"])
    return work / "session", cards


def _count_in_the_window(display: str, folder: Path, cards: list[Path], workers: int
                         ) -> tuple[list[float], float, float, int]:
    """Touch-to-frame times during the tally, the count step's import and tally seconds, and
    the records counted."""
    from counting.app.__main__ import configure_kivy

    os.environ["DISPLAY"] = display
    os.environ["LIBGL_ALWAYS_SOFTWARE"] = "1"
    configure_kivy()
    from kivy.base import EventLoop
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    from counting.app.evening import CountingEvening
    from counting.app.key_holders import SimulatedCards
    from counting.app.manager_window import ManagerWindow

    EventLoop.ensure_window()
    Window.size = (1280, 800)
    evening = CountingEvening(folder, SimulatedCards(cards), workers=workers)
    window = ManagerWindow(evening, "ja", size_hint=(None, None), size=(1280, 800), pos=(0, 0))
    Window.add_widget(window)
    evening.start_import()
    while evening.busy:
        EventLoop.idle()
    if evening.blocking():
        raise RuntimeError(f"the generated election does not import: {evening.blocking()}")
    window.go("count")
    flips: list[float] = []
    Window.bind(on_flip=lambda *_: flips.append(time.perf_counter()))
    started = time.perf_counter()
    evening.start_count(len(cards))
    asked_at, answered = None, set()
    while evening.busy and evening.progress.total == 0:
        call = evening.holder_call
        if call.awaiting_pin and call.index not in answered:  # the holder types their PIN
            asked_at = asked_at or time.perf_counter()
            answered.add(call.index)
            evening.submit_pin(HOLDER_PINS[call.index])
        EventLoop.idle()
        time.sleep(0.01)
    imported = (asked_at or time.perf_counter()) - started
    responses = []
    steps = ("receive", "count")
    while evening.busy:
        target = next(b for b in window.steps.children
                      if b.text.strip(" ▶").startswith(
                          {"receive": "2 ", "count": "5 "}[steps[len(responses) % 2]]))
        x, y = target.to_window(*target.center)
        touch = UnitTestTouch(x, y)
        start = time.perf_counter()
        touch.touch_down()
        touch.touch_up()
        EventLoop.idle()  # kivy lays out and draws the changed view and flips
        if flips and flips[-1] >= start:
            responses.append(flips[-1] - start)
        time.sleep(0.05)
        EventLoop.idle()
    if evening.progress.error:
        raise RuntimeError(evening.progress.error)
    tallied = time.perf_counter() - evening.progress.started  # from the tally's start on
    records = evening.progress.done
    window.stop()
    Window.remove_widget(window)
    return responses, imported, tallied, records


def _raw_seconds(election: Election, workers: int) -> float:
    package = election.versions[-1].package
    listing = import_media(election.media(), election.versions, {}, keep_records=False,
                           workers=workers)
    items = [(str(t.file), contest_id, t.offset, t.slots.tolist())
             for m in listing.counted for contest_id, t in m.reading.tables.items()]
    with unlock(election.key_holder_cards()[:THRESHOLD], election.counting_public) as key:
        start = time.perf_counter()
        with worker_context().Pool(workers, _init_raw, (bytes(key.raw),
                                                        package.election_id)) as pool:
            sum(pool.imap_unordered(_raw_decrypt, items, chunksize=1))
        return time.perf_counter() - start


def run(quick: bool, cache: Path | None = None) -> list[Measurement]:
    cache = cache or Path(os.environ.get("TOHYOKI_BENCH_CACHE", "/tmp/tohyoki-bench"))
    workers = os.cpu_count() or 1
    election = cached(cache, seed=SEED, copies=False, workers=workers,
                      **(QUICK if quick else FULL))
    xvfb, display = _xvfb()
    work = Path(tempfile.mkdtemp(prefix="tohyoki-bench-app-"))
    try:
        folder, cards = _session(election, work)
        responses, imported, tallied, records = _count_in_the_window(display, folder, cards,
                                                                     workers)
        raw = _raw_seconds(election, workers)
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    expected = sum(sum(v.values()) for v in election.truth.values())
    overhead = (imported + tallied) / raw - 1
    found: list[Any] = [
        Measurement(f"records counted from the window ({len(election.media())} media, "
                    f"{workers} workers)", records, "records", f"= {expected}",
                    records == expected),
        Measurement("touches answered during the count", len(responses), "touches"),
        Measurement("touch to next frame during the count, median",
                    median(responses) * 1e3, "ms", "<= 100", median(responses) <= 0.1),
        Measurement("touch to next frame during the count, p99",
                    percentile(responses, 0.99) * 1e3, "ms", "<= 100",
                    percentile(responses, 0.99) <= 0.1),
        Measurement("count step: re-import + verify", imported, "s"),
        Measurement("count step: shuffle + re-check + decrypt + tally", tallied, "s"),
        Measurement("raw HPKE decryption of the same records (same run)", records / raw,
                    "records/s"),
        Measurement("count's overhead over raw decryption, with the window live",
                    overhead * 100, "%", "<= 10", overhead <= 0.10),
    ]
    return found
