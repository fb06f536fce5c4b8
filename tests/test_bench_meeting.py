"""``make bench``'s election-meeting benchmark runs (small) and judges its goal, so it cannot rot
unnoticed."""

from __future__ import annotations

from bench import bench_meeting


def test_meeting_benchmark_runs_at_small_scale() -> None:
    measurements = {m.name: m for m in bench_meeting.run(quick=True)}
    judged = [m for m in measurements.values() if m.met is not None]
    assert len(judged) == 1 and judged[0].met, judged
    assert all(m.value > 0 for m in measurements.values())
