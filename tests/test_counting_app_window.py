"""The counting manager's window under a private Xvfb display: a whole counting by touch and
keys (open, receive, import, decide after hearing named witnesses, the key holders' PINs typed
at the keyboard into a field that draws nothing, the count, paper entered twice, the report),
and golden screenshots of the manager's window and of the witnesses' projector in ja and en.

Golden hashes: tests/golden/counting_app_hashes.json holds the SHA-256 of the raw RGB pixels
(as tests/golden/ui_hashes.json does for the booth). Re-record after an intended change with
``COUNTING_APP_GOLDEN_RECORD=1``; ``COUNTING_APP_SCREENSHOTS=DIR`` writes the PNGs there to look
at (docs/images/counting-app-*.png are from that)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from counting.screens.panels import PROJECTOR
from tests.test_cli import setup, votes_in  # noqa: F401  (module fixture)
from tests.test_counting import expected_counts
from tests.test_counting_app import MANAGER, PIN, WITNESSES, Evening, evening_setup  # noqa: F401
from tests.ui_display import kivy_window, xvfb_display  # noqa: F401  (private Xvfb)

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "counting_app_hashes.json"
SIZE = (1280, 800)


def image_hash(image: Image.Image) -> str:
    from ui.screenshots import image_hash as booth_hash

    return booth_hash(image)


def walk(widget: Any) -> Iterator[Any]:
    yield widget
    for child in reversed(widget.children):
        yield from walk(child)


class Desk:
    """The counting manager at the window: taps, types, and waits with the window live."""

    def __init__(self, window: Any, ev: Evening, tmp: Path) -> None:
        from counting.app.evening import CountingEvening
        from counting.app.key_holders import SimulatedCards
        from counting.app.manager_window import ManagerWindow

        self.window = window
        self.tmp = tmp
        for child in list(window.children):
            window.remove_widget(child)
        window.size = SIZE
        self.evening = CountingEvening(ev.folder, SimulatedCards(ev.cards[1:]), workers=2,
                                       pin_wait=60)
        files = {"commission_pub": str(ev.setup.keydir / "commission.pub"),
                 "packages": [str(ev.setup.v1)], "media": str(ev.folder / "media")}
        self.app = ManagerWindow(self.evening, "ja", files, size_hint=(None, None), size=SIZE,
                                 pos=(0, 0))
        window.add_widget(self.app)
        self.frames(5)
        self.shots: dict[str, str] = {}

    def frames(self, n: int = 3) -> None:
        from kivy.base import EventLoop

        for _ in range(n):
            EventLoop.idle()

    def until(self, check: Callable[[], bool], timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            assert time.monotonic() < deadline, "timed out"
            self.frames(1)
            time.sleep(0.02)
        self.settle()

    def settle(self) -> None:
        """Frames until the window has drawn the evening's state and kept it for 0.3 s (three
        of its polls): what is tapped or photographed is what stays on the screen."""
        quiet = time.monotonic() + 0.3
        while time.monotonic() < quiet:
            if self.app.signature() != self.app._shown:
                quiet = time.monotonic() + 0.3
            self.frames(1)
            time.sleep(0.02)

    def texts(self) -> list[str]:
        return [w.text for w in walk(self.app) if hasattr(w, "text") and isinstance(w.text, str)]

    def _visible(self, widget: Any) -> None:
        if any(widget is w for w in walk(self.app.content)):
            self.app.scroll.scroll_to(widget, padding=20, animate=False)
            self.frames(3)

    def tap(self, starts: str) -> None:
        from kivy.tests.common import UnitTestTouch
        from kivy.uix.button import Button

        self.settle()
        found = [w for w in walk(self.app) if isinstance(w, Button) and w.text.strip(
            " ▶").startswith(starts)]
        assert found, f"no button {starts!r} among {self.texts()}"
        self._touch(found[0], UnitTestTouch)

    def _touch(self, widget: Any, touch_class: Any) -> None:
        self._visible(widget)
        x, y = widget.to_window(*widget.center)
        touch = touch_class(x, y)
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(3)

    def type(self, field: Any, typed: str, enter: bool = False) -> None:
        """Tap the field, then type on the keyboard (key events, as a real keyboard sends).
        ``field``: the field, or its name in the view (looked up once the window is still)."""
        from kivy.tests.common import UnitTestTouch

        self.settle()
        if isinstance(field, str):
            field = self.field(field)
        elif isinstance(field, tuple):  # a paper-ballot cell: (contest, row)
            field = self.field("grid")[field[0]][field[1]]
        self._touch(field, UnitTestTouch)
        assert field.focus, "the field did not take the keyboard"
        for ch in typed:
            if ch == "\n":
                self.window.dispatch("on_key_down", 13, 40, None, [])
                self.window.dispatch("on_key_up", 13, 40)
            else:
                self.window.dispatch("on_key_down", ord(ch), 0, ch, [])
                self.window.dispatch("on_textinput", ch)
                self.window.dispatch("on_key_up", ord(ch), 0)
        if enter:
            self.window.dispatch("on_key_down", 13, 40, None, [])
            self.window.dispatch("on_key_up", 13, 40)
        self.frames(3)

    def field(self, name: str) -> Any:
        return self.app.memory["fields"][name]

    def shot(self, name: str) -> None:
        """The manager's window and the projector, as they are now, in ja and en."""
        from counting.app.projector import projector_panels
        from counting.screens.projector import ProjectorScreen

        for lang in ("ja", "en"):
            if self.app.lang != lang:
                self.app.toggle_language()
            self.settle()
            self._save(f"manager-{name}-{lang}", self.app)
            panels, current = projector_panels(self.evening.folder, lang)
            screen = ProjectorScreen(size_hint=(None, None), size=PROJECTOR, pos=(0, 0))
            self.window.add_widget(screen)
            screen.show(panels[current])
            self.frames(30)
            assert screen.clipped() == []
            self._save(f"projector-{name}-{lang}", screen)
            self.window.remove_widget(screen)
        self.app.toggle_language()
        self.frames(6)

    def _save(self, key: str, widget: Any) -> None:
        path = self.tmp / f"{key}.png"
        widget.export_to_png(str(path))
        image = Image.open(path).convert("RGB")
        assert image.size == tuple(int(v) for v in widget.size)
        histogram = image.convert("L").histogram()
        assert sum(histogram[:100]) > 2000, f"{key} looks blank"
        self.shots[key] = image_hash(image)
        keep = os.environ.get("COUNTING_APP_SCREENSHOTS")
        if keep:
            image.save(Path(keep) / f"counting-app-{key}.png")


@pytest.fixture
def desk(kivy_window: Any, evening_setup: Evening, tmp_path: Path) -> Iterator[Desk]:  # noqa: F811
    made = Desk(kivy_window, evening_setup, tmp_path)
    yield made
    made.app.stop()
    kivy_window.remove_widget(made.app)


def test_a_whole_counting_by_touch_and_keys(desk: Desk, evening_setup: Evening) -> None:  # noqa: F811
    ev = evening_setup
    desk.type("manager", MANAGER)
    desk.type("witnesses", "\n".join(WITNESSES))
    desk.shot("open")
    desk.tap("開票を開始する")
    assert desk.evening.session is not None, desk.app.message
    assert desk.evening.session is not None and desk.app.step == "receive"
    for medium in ev.setup.day.all_media():
        if medium.name != "M-001-primary":
            desk.evening.receive(medium)  # what the udev intake does for each medium
    desk.until(lambda: sum("最終封印 / final seal" in t for t in desk.texts()) == 5, 10)
    desk.tap("3 取込・照合")
    desk.type("issued", str(ev.issued))
    desk.tap("取り込む")
    desk.until(lambda: not desk.evening.busy)
    assert desk.app.step == "decide"  # the problems want decisions
    desk.shot("decide")
    desk.tap("決定を記録する")  # no reason, no witness: refused, shown, nothing recorded
    assert any("理由" in t and "reason" in t for t in desk.texts())
    desk.type("reason", "正本が破損（読み取り不可）")
    desk.tap(WITNESSES[0])
    desk.tap("決定を記録する")
    desk.until(lambda: not desk.evening.busy)
    assert [(q.kind, q.subject) for q in desk.evening.questions] == [("reconciliation", "p02")]
    desk.tap("4 開票管理者の決定")
    desk.type("reason", "カード1枚を選挙人が持ち帰った")
    desk.tap("決定を記録する")
    desk.until(lambda: not desk.evening.busy)
    assert desk.app.step == "import" and desk.evening.blocking() == []
    assert "集計を開始できます / counting may start" in desk.texts()
    desk.shot("import")
    desk.tap("5 鍵保管者・集計")
    desk.tap("鍵保管者を順に呼ぶ")
    for index in range(2):
        desk.until(lambda i=index: desk.evening.holder_call.awaiting_pin  # type: ignore[misc]
                   and desk.evening.holder_call.index == i)
        pin = desk.field("pin")
        assert pin.password and pin.password_mask == " "  # nothing of the PIN is drawn
        if index == 0:
            desk.shot("pin")
        desk.type("pin", PIN, enter=True)
        assert PIN not in " ".join(desk.texts()).replace(str(ev.folder), "")
    desk.until(lambda: not desk.evening.busy)
    assert desk.evening.progress.error == "", desk.evening.progress.error
    assert desk.app.step == "result"
    desk.tap("6 紙の投票")
    desk.type("batch", "absentee-1")
    desk.type("officer", "高橋")
    desk.type(("mayor", "mayor-2"), "2")
    desk.type(("mayor", "blank"), "1")
    desk.type(("mayor", "ballots"), "3")
    desk.tap("1回目の入力を登録")
    desk.type("officer", "伊藤")
    for key, value in (("mayor-2", "1"), ("mayor-1", "1"), ("blank", "1"), ("ballots", "3")):
        desk.type(("mayor", key), value)
    desk.tap("2回目の入力を登録して照合")
    assert "× mayor mayor-2: 2 ≠ 1" in desk.texts()
    desk.shot("paper")
    for key, value in (("mayor-2", "2"), ("blank", "1"), ("ballots", "3")):
        desk.type(("mayor", key), value)
    desk.type("reason", "立会人の前で数え直した")
    desk.tap(WITNESSES[1])
    desk.tap("数え直しを記録")
    assert "absentee-1: 二つの入力が一致しました / both entries agree" in desk.texts()
    desk.tap("7 開票結果")
    want = expected_counts(ev.setup.day)
    want["mayor"].update({"mayor-2": 2, "blank": 1})
    texts = desk.texts()
    assert texts[texts.index("投票総数 / total") + 1] == f"{sum(want['mayor'].values()):,}"
    desk.shot("result")
    out = ev.folder.parent / "report"
    field = desk.field("out")
    field.text = ""
    desk.type(field, str(out))
    desk.tap("報告書を作成する")
    desk.until(lambda: desk.evening.report is not None and not desk.evening.busy)
    assert votes_in(out / "result.json") == want
    decisions = json.loads((out / "result.json").read_text(encoding="utf-8"))["decisions"]
    assert [(d["kind"], d["witnesses_heard"]) for d in decisions] == [
        ("copy_medium", [WITNESSES[0]]), ("reconciliation", []), ("paper", [WITNESSES[1]])]
    check_golden(desk.shots)


def test_a_view_drawn_while_the_worker_ends_is_drawn_again(desk: Desk,  # noqa: F811
                                                            evening_setup: Evening) -> None:  # noqa: F811
    """The worker thread outlives ``progress.running`` by its last progress write. A view drawn
    in that moment has no findings and disabled buttons; once the thread has ended the window
    must draw it again (CI once caught the import step stuck without "counting may start")."""
    import threading

    ev = evening_setup
    desk.type("manager", MANAGER)
    desk.type("witnesses", "\n".join(WITNESSES))
    desk.tap("開票を開始する")
    for medium in ev.setup.day.all_media():
        if medium.name != "M-001-primary":
            desk.evening.receive(medium)
    desk.tap("3 取込・照合")
    desk.type("issued", str(ev.issued))
    desk.tap("取り込む")
    desk.until(lambda: not desk.evening.busy)
    held, release, armed = threading.Event(), threading.Event(), threading.Event()
    write = desk.evening._write_progress

    def last_write_held(force: bool = False) -> None:
        if armed.is_set() and force and not desk.evening.progress.running:
            held.set()
            release.wait(30)
        write(force)

    desk.evening._write_progress = last_write_held  # type: ignore[method-assign]
    for reason, witness in (("正本が破損（読み取り不可）", WITNESSES[0]),
                            ("カード1枚を選挙人が持ち帰った", None)):
        desk.tap("4 開票管理者の決定")
        desk.type("reason", reason)
        if witness:
            desk.tap(witness)
        if len(desk.evening.questions) == 1:  # the last decision: hold the worker's last write
            armed.set()
        desk.tap("決定を記録する")
        if witness:  # not the last: let its import run to the end
            desk.until(lambda: not desk.evening.busy)
    assert held.wait(60), "the import did not end"
    for _ in range(5):  # the window polls, sees the step ended, draws while the thread lives
        desk.frames(1)
        time.sleep(0.12)
    assert desk.evening.busy and desk.app.step == "import"
    release.set()
    desk.until(lambda: not desk.evening.busy)
    assert desk.evening.blocking() == []
    assert "集計を開始できます / counting may start" in desk.texts()


def check_golden(hashes: dict[str, str]) -> None:
    assert len(hashes) == 6 * 2 * 2  # six moments × manager/projector × ja/en
    if os.environ.get("COUNTING_APP_GOLDEN_RECORD"):
        GOLDEN.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    recorded = json.loads(GOLDEN.read_text(encoding="utf-8"))
    changed = sorted(k for k in hashes.keys() | recorded.keys()
                     if hashes.get(k) != recorded.get(k))
    assert not changed, (f"{len(changed)} screenshots differ from {GOLDEN.name}: {changed}; "
                         "look at them with COUNTING_APP_SCREENSHOTS=DIR, then re-record with "
                         "COUNTING_APP_GOLDEN_RECORD=1")
