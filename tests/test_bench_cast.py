"""``make bench``'s cast benchmark runs (small) and judges its goal, so it cannot rot unnoticed.
That the timed confirm → durable path writes only the media is shown by
``tests/test_firmware_cast_journal.py``."""

from __future__ import annotations

from bench import bench_cast
from drivers import mount as mounting
from tests.media_images import can_mount


def test_cast_benchmark_runs_at_small_scale() -> None:
    measurements = {m.name: m for m in bench_cast.run(quick=True)}
    durable = [m for name, m in measurements.items() if "confirm → durable on both media, median"
               in name]
    raw = [m for name, m in measurements.items() if "two raw fsync'd writes, median" in name]
    assert len(durable) == len(raw) >= 2  # one and two contests, at least on the temp dir
    assert all(m.value > 0 and m.unit == "ms" for m in durable + raw)
    floors = [m for name, m in measurements.items() if "floor: the required steps" in name]
    assert len(floors) == len(durable) and all(m.value > 0 for m in floors)
    goals = [m for m in measurements.values() if m.goal]
    # judged for a one- and a two-contest ballot, whatever this host gives
    assert len(goals) == len(durable) and all(m.met is not None for m in goals)
    assert measurements["records per MiB of slot table (one contest)"].value == 819
    if can_mount(mounting.EXFAT):  # and on two exFAT images, each through its own driver
        on_images = [m for m in durable if m.name.startswith("[exFAT images, exfat-fuse")]
        assert len(on_images) == 2, [m.name for m in durable]
