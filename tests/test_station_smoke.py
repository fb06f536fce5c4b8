from __future__ import annotations

from firmware.screens import Recorded
from tests.station import make_station


def test_station_votes_and_records_on_both_media() -> None:
    station = make_station()
    station.open_polls()
    assert isinstance(station.vote({"mayor": "mayor-1", "assembly": "assembly-2"}), Recorded)
    counts = station.machine.ballot_box.record_counts()
    assert counts == {"mayor": 1, "assembly": 1}
    copy = station.machine.ballot_box.records(station.copy)
    assert {c: len(r) for c, r in copy.items()} == counts
