"""The poll manager's read-only admin views: every value once, under a label in the poll
manager's language (Japanese first). No kivy needed: the spec is what the kiosk lays out."""

from __future__ import annotations

import dataclasses

from firmware import admin_screens
from firmware.admin_screens import MediaStatus, MediumStatus, TableStatus
from ui.layout import spec_for
from ui.spec import Line
from ui.strings import STRINGS
from ui.theme import DEFAULT_SETTINGS
from ui.view import UiState

TABLES = (TableStatus("mayor", 3, 97), TableStatus("assembly", 2, 98))
SCREEN = MediaStatus(
    media=(MediumStatus("primary", "正本 / primary", "0a1b2c3d4e5f6071", TABLES, 4096),
           MediumStatus("copy", "副本 / copy", "8190a0b0c0d0e0f0", TABLES, 8192,
                        problem="読めません / unreadable")),
    mirrored=True,
)


def _texts(settings: object) -> list[str]:
    spec = spec_for(SCREEN, UiState(), settings)  # type: ignore[arg-type]
    return [item.text for row in spec.rows for item in row if isinstance(item, Line)]


def test_media_status_shows_each_table_of_each_medium_once() -> None:
    """Free slots per contest are what warns the poll manager before a table is full
    (art. 4-1-5): each medium's line, then each of its tables under it, nothing twice."""
    assert _texts(DEFAULT_SETTINGS) == [
        "・種別: primary  記録媒体: 正本 / primary  識別子: 0a1b2c3d4e5f6071  空き容量（バイト）: "
        "4096  問題: なし",
        "　・選挙: mayor  記録: 3  空き: 97",
        "　・選挙: assembly  記録: 2  空き: 98",
        "・種別: copy  記録媒体: 副本 / copy  識別子: 8190a0b0c0d0e0f0  空き容量（バイト）: 8192"
        "  問題: 読めません / unreadable",
        "　・選挙: mayor  記録: 3  空き: 97",
        "　・選挙: assembly  記録: 2  空き: 98",
        "正本と副本が一致: はい",
    ]


def test_media_status_in_english_for_a_poll_manager_who_chose_it() -> None:
    english = dataclasses.replace(DEFAULT_SETTINGS, lang="en")
    assert _texts(english)[1:3] == ["　・Contest: mayor  Records: 3  Free slots: 97",
                                    "　・Contest: assembly  Records: 2  Free slots: 98"]
    assert _texts(english)[-1] == "Primary and copy agree: yes"


def test_every_field_of_every_admin_view_has_a_label_in_both_languages() -> None:
    views = [v for v in vars(admin_screens).values()
             if isinstance(v, type) and dataclasses.is_dataclass(v)]
    assert len(views) >= 6
    for view in views:
        for field in dataclasses.fields(view):
            if str(field.type).startswith("tuple["):
                continue  # a list: shown as its elements' lines, without a label
            ja, en = STRINGS[f"field.{field.name}"]
            assert ja and en and ja != en, (view.__name__, field.name)


def test_audit_log_lines_name_each_event_by_what_it_means() -> None:
    from firmware.admin_screens import AuditLine, AuditLogView

    screen = AuditLogView((AuditLine(7, "2026-11-29T07:04:00+09:00", "polls_opened", "done", "{}"),),
                          page=0, pages=1, total=1)
    for settings, meaning in ((DEFAULT_SETTINGS, "事象: 投票を開始した  結果: 完了"),
                              (dataclasses.replace(DEFAULT_SETTINGS, lang="en"),
                               "Event: Polls were opened  Outcome: done")):
        line = [item.text for row in spec_for(screen, UiState(), settings).rows
                for item in row if isinstance(item, Line)][0]
        assert meaning in line and "polls_opened" not in line, line


def test_every_audit_outcome_has_a_label_in_both_languages() -> None:
    from firmware.audit import OUTCOMES

    for outcome in OUTCOMES:
        ja, en = STRINGS[f"outcome.{outcome}"]
        assert ja and en and ja != en, outcome
