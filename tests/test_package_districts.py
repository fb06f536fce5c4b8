"""Counting districts (開票区) and each contest's office and seats in the election package: what
the election meeting needs, added without changing any package that does not use them."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from election import canonical
from election.package import (
    Office,
    PackageError,
    load_package,
    package_from_dict,
    package_to_dict,
)
from tests.meeting_support import meeting_package
from tests.station import COMMISSION_PUB, make_package


def test_districts_office_and_seats_round_trip() -> None:
    signed = meeting_package()
    loaded = load_package(signed.to_bytes(), COMMISSION_PUB)
    package = loaded.package
    assert loaded.fingerprint == signed.fingerprint
    assert [(d.district_id, d.place_ids) for d in package.districts()] == [
        ("kaihyoku-1", ("p01",)), ("kaihyoku-2", ("p02",))]
    assert package.district_of_place("p02").name == "第2開票区（竹園）"
    assert [(c.office, c.seats) for c in package.contests] == [(Office.MAYOR, 1),
                                                             (Office.ASSEMBLY, 3)]


def test_a_package_without_them_keeps_its_bytes_and_has_one_district() -> None:
    signed = make_package({})
    body = canonical.decode_object(signed.body)
    assert "counting_districts" not in body
    assert all("office" not in c and "seats" not in c for c in body["contests"])
    assert canonical.encode(package_to_dict(signed.package)) == signed.body
    [whole] = signed.package.districts()
    assert whole.district_id == "whole" and whole.place_ids == ("p01", "p02")


def body_with(change: Any) -> dict[str, Any]:
    body = canonical.decode_object(meeting_package().body)
    changed = copy.deepcopy(body)
    change(changed)
    return changed


@pytest.mark.parametrize(("change", "needle"), [
    (lambda b: b["counting_districts"][1]["place_ids"].append("p01"), "two counting districts"),
    (lambda b: b["counting_districts"].pop(), "in no counting district: p02"),
    (lambda b: b["counting_districts"][0]["place_ids"].append("p99"), "unknown polling place"),
    (lambda b: b["counting_districts"][0].update(place_ids=[]), "has no polling place"),
    (lambda b: b["counting_districts"][1].update(district_id="kaihyoku-1"), "duplicate"),
    (lambda b: b.update(counting_districts=[]), "is empty"),
    (lambda b: b["counting_districts"][0].update(extra=1), "unknown field"),
    (lambda b: b["contests"][0].update(seats=2), "one seat"),
    (lambda b: b["contests"][1].pop("seats"), "seats"),
    (lambda b: b["contests"][1].update(seats=0), ">= 1"),
    (lambda b: b["contests"][1].update(office="governor"), "allowed: mayor, assembly"),
])
def test_district_and_seat_rules_are_enforced(change: Any, needle: str) -> None:
    with pytest.raises(PackageError, match=needle):
        package_from_dict(body_with(change))

