"""The audit-log event catalogue has one source, firmware/events.toml: the generated constants
(with the descriptions the audit-log screen shows) and docs/audit-events.md must match it."""

from __future__ import annotations

from firmware import event_catalogue
from firmware.audit_events import DESCRIPTIONS, AuditEvent


def test_the_generated_files_are_those_of_events_toml() -> None:
    assert event_catalogue.main([]) == 0, "run: python -m firmware.event_catalogue --write"


def test_every_event_has_a_description_in_both_languages() -> None:
    assert set(DESCRIPTIONS) == {event.name.lower() for event in AuditEvent}
    for name, (ja, en) in DESCRIPTIONS.items():
        assert ja and en and ja != en, name
