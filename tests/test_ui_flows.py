"""Voter and poll-manager flows through the kivy booth under Xvfb, by simulated touch (kivy
MotionEvents through the window) and by the keypad alone, asserting on firmware state."""

from __future__ import annotations

from typing import Any

import pytest

from firmware import machine as fw
from firmware.screens import AdminMenu, ContestChoice, Phase, Recorded, Review, Standby
from tests.station import PIN, Station, make_station
from tests.ui_display import kivy_window, xvfb_display
from ui.theme import DEFAULT_SETTINGS, PANEL_7, font_px

__all__ = ["kivy_window", "xvfb_display"]

# the page buttons: the standard row's, and the compact row's (ui/layout.py)
MORE = ("続きを見る", "More", "続き ▶")
PREVIOUS = ("前を見る", "Previous", "◀ 前へ", "◀ Prev")


class Kiosk:
    """A station, its booth widget in the window, and a voter's hands."""

    def __init__(self, window: Any, open_polls: bool = True) -> None:
        from ui.booth import Booth

        self.window = window
        self.station: Station = make_station()
        if open_polls:
            self.station.open_polls()
        window.size = (PANEL_7.width, PANEL_7.height)
        window.clear()
        for child in list(window.children):
            window.remove_widget(child)
        assert self.station.package is not None
        self.booth = Booth(self.station.machine, PANEL_7,
                           package_source=lambda: self.station.package.to_bytes(),  # type: ignore[union-attr]
                           size=(PANEL_7.width, PANEL_7.height), pos=(0, 0))
        window.add_widget(self.booth)
        self.frame()

    @property
    def screen(self) -> object:
        return self.station.machine.screen

    def frame(self) -> None:
        from kivy.base import EventLoop

        EventLoop.idle()

    def _center(self, label: str) -> tuple[float, float]:
        r = self.booth.view.button(label).rect
        return r.x + r.w / 2, PANEL_7.height - (r.y + r.h / 2)

    def tap(self, label: str) -> None:
        from kivy.tests.common import UnitTestTouch

        touch = UnitTestTouch(*self._center(label))
        touch.touch_down()
        touch.touch_up()
        self.frame()

    def tap_find(self, label: str) -> None:
        """Tap ``label``, paging with the on-screen buttons until it is shown."""
        for _ in range(10):
            if any(b.label.endswith(label) or b.label.startswith(label)
                   for b in self.booth.view.buttons):
                return self.tap(label)
            more = [b.label for b in self.booth.view.buttons if b.label.startswith(MORE)]
            assert more, f"{label!r} not on any page"
            self.tap(more[0])
        raise AssertionError(label)

    def press(self, label: str) -> None:
        """Keypad only: press down until the focus frame is on ``label``, then select."""
        for _ in range(40):
            focused = [b for b in self.booth.view.buttons if b.focused]
            if focused and (focused[0].label.startswith(label)
                            or focused[0].label.endswith(label)):
                self.booth.keypad("select")
                self.frame()
                return
            labels = [b.label for b in self.booth.view.buttons]
            if (focused and focused[0].label.startswith(MORE)
                    and not any(x.startswith(label) or x.endswith(label) for x in labels)):
                self.booth.keypad("select")  # the keypad pages on when the item is further on
                continue
            self.booth.keypad("down")
        raise AssertionError(f"keypad could not reach {label!r}")

    def insert(self, card: Any) -> None:
        self.station.reader.insert(card)
        self.station.machine.handle(fw.CardInserted())
        self.booth.refresh()
        self.frame()

    def remove_card(self) -> None:
        self.station.reader.remove()
        self.station.machine.handle(fw.CardRemoved_())
        self.booth.refresh()
        self.frame()

    def counts(self) -> dict[str, int]:
        return dict(self.station.machine.ballot_box.record_counts())


@pytest.fixture
def kiosk(kivy_window: Any) -> Kiosk:
    return Kiosk(kivy_window)


def test_confirm_then_change_by_touch(kiosk: Kiosk) -> None:
    kiosk.insert(kiosk.station.voting_card(("mayor",)))
    kiosk.tap("投票を始める")
    assert isinstance(kiosk.screen, ContestChoice)
    kiosk.tap_find("筑波 太郎")
    assert isinstance(kiosk.screen, ContestChoice) and kiosk.screen.selected == "mayor-1"
    chosen = [b for b in kiosk.booth.view.buttons if b.selected]
    assert len(chosen) == 1 and chosen[0].label.startswith("✓ 選択中")  # a mark, not colour alone
    kiosk.tap("次へ")
    assert isinstance(kiosk.screen, Review)
    assert [line.name for line in kiosk.screen.lines] == ["筑波 太郎"]
    assert kiosk.counts() == {"mayor": 0, "assembly": 0}  # confirmation screen: nothing yet
    kiosk.tap_find("筑波 太郎")  # the line is the change button for its contest
    assert isinstance(kiosk.screen, ContestChoice)
    kiosk.tap_find("桜川 花子")
    kiosk.tap("次へ")
    assert isinstance(kiosk.screen, Review)
    assert [(x.name, x.party) for x in kiosk.screen.lines] == [("桜川 花子", "学園都市の会")]
    kiosk.tap("投票する")
    assert isinstance(kiosk.screen, Recorded)
    assert kiosk.counts() == {"mayor": 1, "assembly": 0}


def test_two_contests_blank_and_abstain_by_touch(kiosk: Kiosk) -> None:
    kiosk.insert(kiosk.station.voting_card(("mayor", "assembly")))
    kiosk.tap("投票を始める")
    kiosk.tap_find("白票")
    assert isinstance(kiosk.screen, ContestChoice) and kiosk.screen.selected == "blank"
    kiosk.tap("次へ")
    assert isinstance(kiosk.screen, ContestChoice) and kiosk.screen.contest_id == "assembly"
    kiosk.tap("戻る")
    assert isinstance(kiosk.screen, ContestChoice) and kiosk.screen.contest_id == "mayor"
    assert kiosk.screen.selected == "blank"
    kiosk.tap_find("次へ")
    kiosk.tap_find("この選挙は棄権する")
    kiosk.tap("次へ")
    assert isinstance(kiosk.screen, Review)
    assert [x.name for x in kiosk.screen.lines] == ["白票 / blank", "棄権 / abstain"]
    kiosk.tap("投票する")
    assert isinstance(kiosk.screen, Recorded)
    assert kiosk.counts() == {"mayor": 1, "assembly": 0}  # abstention writes no record
    kiosk.remove_card()
    assert isinstance(kiosk.screen, Standby)


def test_two_contests_by_keypad_alone(kiosk: Kiosk) -> None:
    kiosk.insert(kiosk.station.voting_card(("mayor", "assembly")))
    kiosk.press("投票を始める")
    kiosk.press("霞ヶ浦 一郎")
    assert isinstance(kiosk.screen, ContestChoice) and kiosk.screen.selected == "mayor-3"
    kiosk.press("次へ")
    assert isinstance(kiosk.screen, ContestChoice) and kiosk.screen.contest_id == "assembly"
    kiosk.booth.keypad("back")  # the keypad's back key goes to the previous contest
    assert isinstance(kiosk.screen, ContestChoice) and kiosk.screen.contest_id == "mayor"
    kiosk.press("次へ")
    kiosk.press("北条 みどり")
    kiosk.press("次へ")
    assert isinstance(kiosk.screen, Review)
    assert [x.name for x in kiosk.screen.lines] == ["霞ヶ浦 一郎", "北条 みどり"]
    kiosk.press("投票する")
    assert isinstance(kiosk.screen, Recorded)
    assert kiosk.counts() == {"mayor": 1, "assembly": 1}


def _largest_text(kiosk: Kiosk) -> None:
    """On the settings screen, the text size stepped by the keypad up to the largest."""
    from firmware.booth_screens import VoterSettingsMenu
    from firmware.voter_settings import TEXT_SCALES

    for _ in range(len(TEXT_SCALES) - 1):
        kiosk.press("文字の大きさ")
    assert isinstance(kiosk.screen, VoterSettingsMenu)
    assert kiosk.screen.settings.text_scale == TEXT_SCALES[-1]
    assert {t.size for t in kiosk.booth.view.texts} == {font_px(PANEL_7, TEXT_SCALES[-1])}


def test_keypad_reaches_every_item_at_the_largest_text_on_the_7in_panel(kiosk: Kiosk) -> None:
    """At ×2.0 on 800×480 a page holds one candidate; moving the keypad focus through every
    item shows each one, framed, on its page (own buttons end the body there), and the whole
    vote is cast by the keypad alone."""
    from firmware.keypad import focus_items

    kiosk.insert(kiosk.station.voting_card(("mayor", "assembly")))
    _largest_text(kiosk)
    kiosk.press("投票を始める")
    for kind in (ContestChoice, Review):
        if kind is Review:
            kiosk.press("霞ヶ浦 一郎")
            kiosk.press("次へ")
            kiosk.press("北条 みどり")
            kiosk.press("次へ")
        assert isinstance(kiosk.screen, kind)
        items = focus_items(kiosk.screen)
        seen = set()
        for _ in items:
            kiosk.booth.keypad("down")
            kiosk.frame()
            framed = [b for b in kiosk.booth.view.buttons if b.focused]
            assert len(framed) == 1, [b.label for b in kiosk.booth.view.buttons]
            seen.add(framed[0].item)
        assert seen == set(items), set(items) - seen
        assert kiosk.booth.view.pages > 2
    kiosk.press("投票する")
    assert isinstance(kiosk.screen, Recorded)
    assert kiosk.counts() == {"mayor": 1, "assembly": 1}


def test_vote_by_touch_at_the_largest_text_on_the_7in_panel(kiosk: Kiosk) -> None:
    """By touch at ×2.0: the compact page buttons page on to a candidate, then to the
    contest's own 次へ at the end of its pages; 戻る there goes back a contest."""
    kiosk.insert(kiosk.station.voting_card(("mayor", "assembly")))
    _largest_text(kiosk)
    kiosk.tap_find("投票を始める")
    assert isinstance(kiosk.screen, ContestChoice)
    kiosk.tap_find("桜川 花子")
    assert kiosk.screen.selected == "mayor-2"
    assert not any(b.label == "次へ" for b in kiosk.booth.view.buttons)  # one candidate a page
    kiosk.tap_find("次へ")
    assert isinstance(kiosk.screen, ContestChoice) and kiosk.screen.contest_id == "assembly"
    kiosk.tap_find("戻る")
    assert isinstance(kiosk.screen, ContestChoice) and kiosk.screen.contest_id == "mayor"
    assert kiosk.screen.selected == "mayor-2"
    kiosk.tap_find("次へ")
    kiosk.tap_find("この選挙は棄権する")
    kiosk.tap_find("次へ")
    assert isinstance(kiosk.screen, Review)
    kiosk.tap_find("投票する")
    assert isinstance(kiosk.screen, Recorded)
    assert kiosk.counts() == {"mayor": 1, "assembly": 0}


def test_buttons_act_on_release_not_on_press(kiosk: Kiosk) -> None:
    from kivy.tests.common import UnitTestTouch

    kiosk.insert(kiosk.station.voting_card(("mayor",)))
    kiosk.tap("投票を始める")
    first = kiosk.booth.view.buttons[0]
    x, y = first.rect.x + first.rect.w / 2, PANEL_7.height - (first.rect.y + first.rect.h / 2)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    assert isinstance(kiosk.screen, ContestChoice) and kiosk.screen.selected is None
    touch.touch_move(x, 2.0)  # slide off the button, then lift: nothing is chosen
    touch.touch_up()
    assert isinstance(kiosk.screen, ContestChoice) and kiosk.screen.selected is None
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()
    assert isinstance(kiosk.screen, ContestChoice) and kiosk.screen.selected is not None


def test_settings_reset_between_voters(kiosk: Kiosk) -> None:
    from firmware.booth_screens import VoterSettingsMenu
    from firmware.voter_settings import DEFAULT_SETTINGS as FW_DEFAULT

    kiosk.insert(kiosk.station.voting_card(("mayor",)))
    assert isinstance(kiosk.screen, VoterSettingsMenu)
    kiosk.tap_find("白黒反転")
    kiosk.tap_find("言語 Language")
    assert isinstance(kiosk.screen, VoterSettingsMenu)
    assert kiosk.screen.settings.high_contrast and kiosk.screen.settings.language == "en"
    assert kiosk.booth.view.background == (0, 0, 0)  # high contrast drawn
    kiosk.tap("Start voting")
    kiosk.tap_find("Abstain in this contest")
    kiosk.tap("Next")
    kiosk.tap("Cast vote")
    assert isinstance(kiosk.screen, Recorded)
    kiosk.remove_card()
    assert isinstance(kiosk.screen, Standby)
    assert kiosk.booth.view.background == DEFAULT_SETTINGS.palette.background
    kiosk.insert(kiosk.station.voting_card(("mayor",)))
    assert isinstance(kiosk.screen, VoterSettingsMenu) and kiosk.screen.settings == FW_DEFAULT
    assert kiosk.booth.view.texts[0].text == "見やすさ・聞きやすさの設定"  # Japanese again


def test_inactivity_alert_then_lock_until_poll_manager(kiosk: Kiosk) -> None:
    from firmware.booth_screens import InactivityAlert, SessionLocked
    from firmware.inactivity import Tick

    kiosk.insert(kiosk.station.voting_card(("mayor",)))
    kiosk.tap("投票を始める")
    kiosk.tap_find("筑波 太郎")
    for _ in range(60):  # the app sends a Tick every second; the clock runs on
        kiosk.station.clock.advance(10)
        kiosk.booth.act(Tick())
        if isinstance(kiosk.screen, InactivityAlert):
            break
    assert isinstance(kiosk.screen, InactivityAlert)
    assert kiosk.booth.view.kind == "inactivity-alert"
    kiosk.tap("投票を続ける")
    assert isinstance(kiosk.screen, ContestChoice) and kiosk.screen.selected == "mayor-1"
    for _ in range(120):
        kiosk.station.clock.advance(10)
        kiosk.booth.act(Tick())
        if isinstance(kiosk.screen, SessionLocked):
            break
    assert isinstance(kiosk.screen, SessionLocked) and kiosk.booth.view.kind == "locked"
    assert kiosk.counts() == {"mayor": 0, "assembly": 0}
    kiosk.remove_card()
    assert isinstance(kiosk.screen, SessionLocked)  # stays locked without the poll manager


def test_power_pulled_mid_session_records_nothing_and_card_can_be_released(
        kiosk: Kiosk) -> None:
    card = kiosk.station.voting_card(("mayor",))
    kiosk.insert(card)
    kiosk.tap("投票を始める")
    kiosk.tap_find("筑波 太郎")
    kiosk.tap("次へ")
    assert isinstance(kiosk.screen, Review)
    kiosk.station.reboot()  # power pulled: RAM lost, a new Machine over the same storage
    kiosk.booth.set_machine(kiosk.station.machine)
    assert kiosk.counts() == {"mayor": 0, "assembly": 0}
    assert kiosk.booth.view.kind in ("standby", "notice")
    kiosk.insert(card)  # locked to this machine, session gone: the voter cannot just continue
    assert not isinstance(kiosk.screen, ContestChoice) or kiosk.screen.selected is None


def test_poll_manager_pin_and_pause_by_touch(kiosk: Kiosk) -> None:
    kiosk.insert(kiosk.station.manager)
    for digit in PIN:
        kiosk.tap_find(digit)
    assert kiosk.booth.state.pin == PIN
    assert "●●●●" in " ".join(t.text for t in kiosk.booth.view.texts)
    kiosk.tap_find("決定")
    assert isinstance(kiosk.screen, AdminMenu) and kiosk.screen.phase is Phase.OPEN
    kiosk.tap_find("一時停止")
    assert kiosk.station.machine.phase is Phase.PAUSED
    kiosk.tap_find("再開")
    assert kiosk.station.machine.phase is Phase.OPEN
    kiosk.tap_find("終了（サインアウト）")
    assert isinstance(kiosk.screen, Standby)


def test_poll_manager_loads_package_and_opens_by_keypad(kivy_window: Any) -> None:
    kiosk = Kiosk(kivy_window, open_polls=False)
    kiosk.insert(kiosk.station.manager)
    for digit in PIN:
        kiosk.press(digit)
    kiosk.press("決定")
    assert isinstance(kiosk.screen, AdminMenu)
    kiosk.press("選挙データ読込")
    assert kiosk.station.machine.phase is Phase.PACKAGE_LOADED
    assert kiosk.station.package is not None
    assert kiosk.station.package.short_fingerprint in " ".join(
        t.text for t in kiosk.booth.view.texts)
    kiosk.press("ゼロ確認")
    kiosk.press("投票開始")
    assert kiosk.station.machine.phase is Phase.OPEN


def _tap_action(kiosk: Kiosk, action: object) -> None:
    """Tap the button that does ``action`` (kana keys share labels with the row buttons)."""
    from kivy.tests.common import UnitTestTouch

    button = next(b for b in kiosk.booth.view.buttons if b.action == action)
    r = button.rect
    touch = UnitTestTouch(r.x + r.w / 2, PANEL_7.height - (r.y + r.h / 2))
    touch.touch_down()
    touch.touch_up()
    kiosk.frame()


def _type_kana(kiosk: Kiosk, keys: list[tuple[str, str]]) -> None:
    from ui.view import UiAction

    for name, arg in keys:
        _tap_action(kiosk, UiAction(name, arg))


def _sign_in(kiosk: Kiosk) -> None:
    kiosk.insert(kiosk.station.manager)
    for digit in PIN:
        kiosk.tap_find(digit)
    kiosk.tap_find("決定")
    assert isinstance(kiosk.screen, AdminMenu)


def test_poll_manager_turns_assisted_voting_on_by_touch(kiosk: Kiosk) -> None:
    from firmware.assisted import AssistKind, PendingAssist
    from firmware.audit_events import AuditEvent

    _sign_in(kiosk)
    kiosk.tap_find("補助投票の指定")
    assert kiosk.booth.view.kind == "admin-assisted"
    kiosk.tap("操作補助")
    assert kiosk.booth.view.button("✓ 操作補助").selected
    kiosk.tap("補助者1")
    assert kiosk.booth.view.kind == "admin-assisted-kana"
    _type_kana(kiosk, [("assist-group", "3"), ("assist-key", "タ"), ("assist-key", "゛"),
                       ("assist-key", "テ")])
    assert "「ダテ」" in " ".join(t.text for t in kiosk.booth.view.texts)
    kiosk.tap("入力完了")
    kiosk.tap("補助者2")
    _type_kana(kiosk, [("assist-group", "2"), ("assist-key", "サ"), ("assist-group", "3"),
                       ("assist-key", "ト"), ("assist-group", "0"), ("assist-key", "ウ"),
                       ("assist-key", "ウ"), ("assist-key", "⌫")])
    kiosk.tap("入力完了")
    assert [b.label for b in kiosk.booth.view.buttons][2:4] == ["1: ダテ", "2: サトウ"]
    assert kiosk.station.machine.assisted.pending is None  # nothing decided before 指定する
    kiosk.tap("指定する")
    assert isinstance(kiosk.screen, AdminMenu) and kiosk.booth.view.kind == "admin-menu"
    assert kiosk.station.machine.assisted.pending == PendingAssist(
        AssistKind.OPERATION, ("ダテ", "サトウ"))
    assert "操作補助" in kiosk.screen.message
    enabled = [e for e in kiosk.station.machine.audit.entries()
               if e.event_id == AuditEvent.ASSISTED_MODE_ENABLED.value]
    assert [e.detail["assistants"] for e in enabled] == [["ダテ", "サトウ"]]


def test_assisted_entry_with_one_name_is_refused_and_cancel_sends_nothing(
    kiosk: Kiosk,
) -> None:
    _sign_in(kiosk)
    kiosk.tap_find("補助投票の指定")
    kiosk.tap("取消")
    assert kiosk.booth.view.kind == "admin-menu"
    kiosk.tap_find("補助投票の指定")
    kiosk.tap("補助者1")
    _type_kana(kiosk, [("assist-key", "イ")])
    kiosk.tap("入力完了")
    kiosk.tap("指定する")
    assert isinstance(kiosk.screen, AdminMenu) and "異なる2人" in kiosk.screen.message
    assert kiosk.station.machine.assisted.pending is None


def test_close_for_night_reopen_check_and_reprint_by_touch(kiosk: Kiosk) -> None:
    _sign_in(kiosk)
    printed = len(kiosk.station.printer.printed)
    kiosk.tap_find("本日の投票終了（期日前）")
    assert kiosk.station.machine.phase is Phase.NIGHT_CLOSED
    assert len(kiosk.station.printer.printed) == printed + 1
    title = kiosk.station.printer.printed[-1].title
    kiosk.tap_find("報告書の再印刷")
    assert len(kiosk.station.printer.printed) == printed + 2
    assert kiosk.station.printer.printed[-1].title == title
    while kiosk.booth.view.page > 0:
        kiosk.tap(next(b.label for b in kiosk.booth.view.buttons
                       if b.label.startswith(PREVIOUS)))
    kiosk.tap_find("再開確認（期日前）")
    assert kiosk.station.machine.phase is Phase.ZERO_CHECKED
    assert kiosk.station.printer.printed[-1].title.startswith("再開確認報告")


# --- what the machine fills for the UI to draw (issue 17.2, 14.5) ---------------------------
# The fields are defaulted in firmware/screens.py and drawn by ui/; the goldens hold screens
# built from the station (ui/screenshots.py). These two run through the Machine once it fills
# them, and say so while it does not.


def test_standby_names_the_contests_place_machine_and_day(kiosk: Kiosk) -> None:
    screen = kiosk.screen
    assert isinstance(screen, Standby)
    if not screen.machine_id:
        pytest.skip("the machine does not fill Standby's contests/place/machine/day yet")
    package = kiosk.station.package
    assert package is not None
    shown = [t.text for t in kiosk.booth.view.texts]
    assert shown[0] == "投票カードを入れてください"  # the instruction first, Japanese first
    assert screen.machine_id == kiosk.station.machine_id
    assert screen.day == kiosk.station.clock.now().date()
    place_id = package.package.machine(screen.machine_id).place_id
    place = next(p.name for p in package.package.polling_places if p.place_id == place_id)
    assert screen.polling_place == place
    assert [c.title for c in screen.contests] == [c.title for c in package.package.contests]
    text = " ".join(shown)
    for needle in (*(c.title for c in package.package.contests), place, screen.machine_id,
                   f"{screen.day.year}年{screen.day.month}月{screen.day.day}日"):
        assert needle in text, (needle, shown)


def test_poll_manager_sees_and_cancels_a_pending_assisted_order_by_touch(kiosk: Kiosk) -> None:
    from firmware.audit_events import AuditEvent

    _sign_in(kiosk)
    kiosk.tap_find("補助投票の指定")
    kiosk.tap("補助者1")
    _type_kana(kiosk, [("assist-group", "3"), ("assist-key", "タ"), ("assist-key", "゛"),
                       ("assist-key", "テ")])
    kiosk.tap("入力完了")
    kiosk.tap("補助者2")
    _type_kana(kiosk, [("assist-group", "2"), ("assist-key", "サ"), ("assist-group", "3"),
                       ("assist-key", "ト"), ("assist-group", "0"), ("assist-key", "ウ")])
    kiosk.tap("入力完了")
    kiosk.tap("指定する")
    menu = kiosk.screen
    assert isinstance(menu, AdminMenu)
    if menu.assisted_pending is None:
        pytest.skip("the machine does not fill AdminMenu.assisted_pending yet")
    assert menu.assisted_pending == kiosk.station.machine.assisted.pending
    shown = "".join(t.text for t in kiosk.booth.view.texts)  # the line wraps in its cell
    assert "補助投票の指定中: 代理投票（補助者 ダテ・サトウ）" in shown, shown
    kiosk.tap_find("補助投票の指定を取り消す")
    assert kiosk.station.machine.assisted.pending is None
    after = kiosk.screen
    assert isinstance(after, AdminMenu) and after.assisted_pending is None
    assert not any(b.label == "補助投票の指定を取り消す" for b in kiosk.booth.view.buttons)
    cancelled = [e for e in kiosk.station.machine.audit.entries()
                 if e.event_id == AuditEvent.ASSISTED_MODE_CANCELLED.value]
    assert len(cancelled) == 1
