"""The kivy widget at the booth: shows the firmware's current Screen and turns touches (acting on
release) and keypad keys into firmware events. It keeps only presentation state (page, focus,
PIN digits, the voter's display settings) and decides nothing about the election."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from kivy.graphics import InstructionGroup, PopMatrix, PushMatrix, Scale, Translate
from kivy.uix.widget import Widget

from firmware import machine as fw
from firmware.assisted import AssistKind, EnableAssisted
from firmware.keypad import Key, KeyPressed, focus_items
from firmware.screens import AdminMenu, Standby
from ui.assisted_entry import AssistedEntry
from ui.layout import layout
from ui.render import instructions
from ui.theme import DEFAULT_SETTINGS, Panel, Settings
from ui.view import Button, UiAction, UiState, View

ADMIN_ACTIONS: dict[str, Callable[[], fw.Event]] = {
    "zero-check": fw.ZeroCheck,
    "open": fw.OpenPolls,
    "pause": fw.PausePolls,
    "resume": fw.ResumePolls,
    "close": fw.ClosePolls,
    "release-card": fw.ReleaseCard,
    "close-for-night": fw.CloseForNight,
    "reopen-check": fw.ReopenCheck,
    "reprint": fw.ReprintReport,
}

KEYPAD = ("up", "down", "select", "back", "help")


def _identity(screen: object) -> tuple[type, object]:
    """Same screen for paging and focus: same type and, for a contest, the same contest."""
    return type(screen), getattr(screen, "contest_id", None)


class Booth(Widget):
    def __init__(
        self,
        machine: fw.Machine,
        panel: Panel,
        package_source: Callable[[], bytes | None] = lambda: None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.machine = machine
        self.panel = panel
        self.package_source = package_source
        self.settings: Settings = DEFAULT_SETTINGS
        self.state = UiState()
        self._screen: object = None
        self._pressed: Button | None = None
        self.frames = 0
        self.assist: AssistedEntry | None = None  # the art. 7 entry, over the admin menu
        self.view: View = self.refresh()

    # --- state -> picture ----------------------------------------------------------------------

    def refresh(self) -> View:
        screen: object = self.machine.screen
        if self.assist is not None:
            if isinstance(screen, AdminMenu):
                screen = self.assist
            else:  # the admin card left: the entry (poll workers' names) goes with it
                self.assist = None
        if _identity(screen) != _identity(self._screen):
            self.state.page = 0
            self.state.pin = ""
            if self.state.focus is not None:
                self.state.focus = 0
            if isinstance(screen, Standby):
                self.state.focus = None
                self.state.keypad = False
        self._screen = screen
        self.view = layout(screen, self.state, self.settings, self.panel)
        self.canvas.clear()
        self.canvas.add(self._placed(instructions(self.view)))
        self.frames += 1
        return self.view

    def _placed(self, picture: InstructionGroup) -> InstructionGroup:
        """The panel-sized picture drawn over the whole widget, as touches are mapped back
        (``_to_view``): a window the compositor sized otherwise is still filled exactly."""
        group = InstructionGroup()
        group.add(PushMatrix())
        group.add(Translate(self.x, self.y))
        group.add(Scale(float(self.width) / self.panel.width,
                        float(self.height) / self.panel.height, 1.0))
        group.add(picture)
        group.add(PopMatrix())
        return group

    def on_size(self, *_args: Any) -> None:
        if hasattr(self, "view"):  # kivy sets the size before __init__ has a machine
            self.refresh()

    def on_pos(self, *_args: Any) -> None:
        if hasattr(self, "view"):
            self.refresh()

    def set_machine(self, machine: fw.Machine) -> None:
        """After a power cycle: a new Machine over the same storage."""
        self.machine = machine
        self._screen = None
        self.refresh()

    # --- input ---------------------------------------------------------------------------------

    def act(self, action: object) -> None:
        if isinstance(action, UiAction):
            self._ui_action(action)
        else:
            self.machine.handle(action)  # type: ignore[arg-type]
        self.refresh()

    def _ui_action(self, action: UiAction) -> None:
        if action.name == "page":
            self.state.page = int(action.arg)
            self.state.focus = 0 if self.state.focus is not None else None
        elif action.name == "pin-digit" and len(self.state.pin) < 12:
            self.state.pin += action.arg
        elif action.name == "pin-clear":
            self.state.pin = ""
        elif action.name == "pin-enter":
            pin, self.state.pin = self.state.pin, ""
            self.machine.handle(fw.PinEntered(pin))
        elif action.name.startswith("assist-"):
            self._assist_action(action)
        elif action.name == "admin":
            if action.arg == "assisted":
                self.assist = AssistedEntry()
            elif action.arg == "load-package":
                data = self.package_source()
                if data is not None:
                    self.machine.handle(fw.LoadPackage(data))
            else:
                self.machine.handle(ADMIN_ACTIONS[action.arg]())

    def _assist_action(self, action: UiAction) -> None:
        entry = self.assist
        if entry is None:
            return
        if action.name == "assist-kind":
            self.assist = replace(entry, kind=AssistKind(action.arg))
        elif action.name == "assist-edit":
            self.assist = replace(entry, editing=int(action.arg), group=0)
        elif action.name == "assist-group":
            self.assist = replace(entry, group=int(action.arg))
        elif action.name == "assist-key":
            self.assist = entry.typed(action.arg)
        elif action.name == "assist-done":
            self.assist = replace(entry, editing=None)
        elif action.name == "assist-cancel":
            self.assist = None
        elif action.name == "assist-confirm":
            self.assist = None  # the firmware checks the names and answers on the admin menu
            self.machine.handle(EnableAssisted(entry.kind, entry.names))

    def _to_view(self, x: float, y: float) -> tuple[float, float]:
        sx = self.panel.width / max(1.0, float(self.width))
        sy = self.panel.height / max(1.0, float(self.height))
        return (x - self.x) * sx, self.panel.height - (y - self.y) * sy

    def button_at(self, x: float, y: float) -> Button | None:
        vx, vy = self._to_view(x, y)
        for b in self.view.buttons:
            r = b.rect
            if r.x <= vx < r.right and r.y <= vy < r.bottom:
                return b
        return None

    def on_touch_down(self, touch: Any) -> bool:
        self._pressed = self.button_at(touch.x, touch.y)
        return self._pressed is not None

    def on_touch_up(self, touch: Any) -> bool:
        pressed, self._pressed = self._pressed, None
        if pressed is None:
            return False
        released = self.button_at(touch.x, touch.y)
        if released is not None and released.rect == pressed.rect:  # act on release, in place
            self.state.keypad = False  # a touch: pages follow the page buttons, not the focus
            self.act(released.action)
            return True
        return False

    def keypad(self, key: str) -> None:
        """The tactile keypad. On voter screens every key goes to the firmware, which keeps the
        focus and speaks it; on poll-manager screens up/down/select move a focus frame here."""
        if focus_items(self.machine.screen) or key not in ("up", "down", "select", "back"):
            self.state.keypad = True
            self.act(KeyPressed(Key(key)))
            return
        n = len(self.view.buttons)
        if key in ("up", "down") and n:
            if self.state.focus is None:
                self.state.focus = 0 if key == "down" else n - 1
            else:
                step = 1 if key == "down" else -1
                self.state.focus = (self.state.focus + step) % n
            self.refresh()
        elif key == "select" and self.state.focus is not None and n:
            self.act(self.view.buttons[min(self.state.focus, n - 1)].action)
        elif key == "back" and self.state.page > 0:
            self._ui_action(UiAction("page", str(self.state.page - 1)))
            self.refresh()
