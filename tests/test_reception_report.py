"""The reception desk's signed report (docs/media-format.md §11.4) is read strictly, whoever
signed it: the types the spec names, no unknown field, balanced figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from drivers.clock import JST
from election import canonical
from election.reception_report import (
    RECEPTION_REPORT_PURPOSE,
    ReceptionReport,
    ReceptionReportRefused,
    open_reception_report,
)
from election.signature import sign
from tests.station import issuer_key, make_package

PACKAGE = make_package({})
REPORT = ReceptionReport("tsukuba-2026-11", PACKAGE.fingerprint, "R-p01", "p01",
                         datetime(2026, 11, 29, 20, 5, tzinfo=JST), 10, 7, 1, 2,
                         (("mayor,assembly", 10),))


def signed_body(change: Callable[[dict[str, Any]], None]) -> bytes:
    body = REPORT.to_body()
    change(body)
    signature = sign(issuer_key("R-p01"), RECEPTION_REPORT_PURPOSE, canonical.encode(body))
    return canonical.encode({"body": body, "signature": signature.hex()})


def test_the_desks_report_opens_with_its_figures() -> None:
    assert open_reception_report(REPORT.sign(issuer_key("R-p01")), PACKAGE.package) == REPORT


@pytest.mark.parametrize(("change", "needle"), [
    (lambda b: b.update(extra=1), "unknown field"),
    (lambda b: b.update(issued="10"), "must be int"),
    (lambda b: b.update(voided=True), "must be int"),
    (lambda b: b.update(outstanding=-1), ">= 0"),
    (lambda b: b.update(issued=11), "does not balance"),
    (lambda b: b.update(time="2026-11-29T20:05:00"), "lacks a zone"),
    (lambda b: b.update(by_style={"mayor": "3"}), "whole numbers"),
    (lambda b: b.pop("place_id"), "missing field"),
    (lambda b: b.update(format="tohyoki-reception-report/2"), "not a signed reception report"),
])
def test_a_report_the_desk_really_signed_is_still_read_strictly(change: Any,
                                                                needle: str) -> None:
    with pytest.raises(ReceptionReportRefused, match=needle):
        open_reception_report(signed_body(change), PACKAGE.package)
