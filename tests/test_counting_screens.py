"""The counting-centre projector screens under a private Xvfb display: each panel is drawn in
large text, the screenshot is not blank, and the numbers the witnesses read are the labels in
the widget tree, equal to the count."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from counting.importer import import_media
from counting.report import ReconciliationLine
from counting.screens.panels import (
    MIN_TEXT_PX,
    PROJECTOR,
    Panel,
    import_panel,
    problems_panel,
    reconciliation_panel,
    result_panel,
    unlock_panel,
)
from counting.tally import tally
from tests.station import COUNTING_PRIVATE
from tests.test_counting import Day, day  # noqa: F401  (module fixture)
from tests.ui_display import kivy_window, xvfb_display  # noqa: F401  (private Xvfb)


@pytest.fixture
def projector(kivy_window: Any) -> Any:  # noqa: F811
    from counting.screens.projector import ProjectorScreen

    for child in list(kivy_window.children):
        kivy_window.remove_widget(child)
    screen = ProjectorScreen(size_hint=(None, None), size=PROJECTOR, pos=(0, 0))
    kivy_window.add_widget(screen)
    yield screen
    kivy_window.remove_widget(screen)


def shot(screen: Any, panel: Panel, path: Path) -> Image.Image:
    from kivy.base import EventLoop

    screen.show(panel)
    for _ in range(30):  # wrapped texts resize their rows over a few frames
        EventLoop.idle()
    assert screen.clipped() == []
    screen.export_to_png(str(path))
    return Image.open(path).convert("L")


def assert_drawn(image: Image.Image) -> None:
    assert image.size == PROJECTOR
    histogram = image.histogram()
    ink = sum(histogram[:100])
    paper = sum(histogram[200:])
    assert ink > 20_000 and paper > 0.5 * PROJECTOR[0] * PROJECTOR[1], (ink, paper)


def test_result_panels_show_the_count_in_large_text(day: Day, projector: Any,  # noqa: F811
                                                    tmp_path: Path) -> None:
    imported = import_media(day.all_media(), day.versions, {})
    results = tally(day.versions[-1].package, imported.counted, COUNTING_PRIVATE,
                    random.Random(3))
    for result in results:
        image = shot(projector, result_panel(result), tmp_path / f"{result.contest_id}.png")
        assert_drawn(image)
        texts = projector.texts()
        assert texts[0] == result.title
        for c in result.candidates:
            label = next(t for t in texts if t.startswith(c.name))
            assert texts[texts.index(label) + 1] == f"{c.votes:,} 票"
        assert texts[texts.index("投票総数 / total") + 1] == f"{result.total:,}"
        assert projector.smallest_text() >= MIN_TEXT_PX


def test_import_problems_unlock_and_reconciliation_panels(day: Day, projector: Any,  # noqa: F811
                                                          tmp_path: Path) -> None:
    media = [p for p in day.all_media() if p.name != "M-003-primary"]
    imported = import_media(media, day.versions, {})
    assert imported.problems
    image = shot(projector, import_panel(imported, len(media), len(media)), tmp_path / "i.png")
    assert_drawn(image)
    assert f"{len(media)} / {len(media)} 媒体 media" in projector.texts()
    shot(projector, problems_panel(imported), tmp_path / "p.png")
    texts = projector.texts()
    assert any("art. 10" in t for t in texts) and "× 要対応" in texts
    shot(projector, unlock_panel(2, ["鍵保管者A", "鍵保管者B", "鍵保管者C"], ["鍵保管者B"], False),
         tmp_path / "u.png")
    texts = projector.texts()
    assert "鍵保管者 1 / 2 人 — あと 1 人 / 1 of 2 key holders" in texts
    assert texts[texts.index("鍵保管者B") + 1] == "カード確認済 / card read"
    image = shot(projector, reconciliation_panel(
        [ReconciliationLine("p01", "交付カード = 投票 + 棄権", 5, 4)]), tmp_path / "r.png")
    assert_drawn(image)
    assert "不一致 1 件 / 1 mismatches" in projector.texts()
