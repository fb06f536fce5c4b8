"""The counting manager's window: the steps of the evening on the left, the current step in
the middle, the running step's progress bar and the last message at the bottom. The window
only draws the evening's state (``counting/app/evening.py``) and hands it the manager's
actions; it polls ten times a second and rebuilds the step's view only when the state it shows
has changed, so typing (a reason, a PIN) is never interrupted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from counting.app import step_views_count, step_views_session
from counting.app.evening import CountingEvening
from counting.app.strings import say
from counting.app.widgets import PROBLEM, TEXT_PX, Progress, button, column, painted, text
from counting.decisions import DecisionRefused
from counting.session import SessionError
from counting.unlock import UnlockRefused
from election.package import PackageError
from media.audit_log import AuditChainBroken
from media.counting_key import CountingKeyError

STEPS = ("open", "receive", "import", "decide", "count", "paper", "result")
VIEWS: dict[str, Callable[[Any], Any]] = {
    "open": step_views_session.open_view,
    "receive": step_views_session.receive_view,
    "import": step_views_session.import_view,
    "decide": step_views_session.decide_view,
    "count": step_views_count.count_view,
    "paper": step_views_count.paper_view,
    "result": step_views_count.result_view,
}
REFUSALS = (SessionError, DecisionRefused, UnlockRefused, PackageError, CountingKeyError,
            AuditChainBroken, OSError, ValueError)


class ManagerWindow(BoxLayout):  # type: ignore[misc]
    def __init__(self, evening: CountingEvening, lang: str = "ja",
                 files: dict[str, Any] | None = None, **kw: Any) -> None:
        super().__init__(orientation="vertical", padding=16, spacing=10, **kw)
        painted(self)
        self.evening = evening
        self.lang = lang
        self.step = "open" if evening.session is None else "receive"
        self.message = ""
        self.message_is_problem = False
        # what a view keeps between rebuilds: the files named on the command line, paper entries
        self.memory: dict[str, Any] = {"files": files or {}}
        self._shown: tuple[Any, ...] = ()
        self._frame: tuple[Any, ...] = ()
        self._step_buttons: dict[str, Any] = {}
        self._views: dict[str, Any] = {}
        self._fields: dict[str, Any] = {}
        self._views_state: tuple[Any, ...] = ()
        self.header = BoxLayout(orientation="horizontal", size_hint_y=None, height=60,
                                spacing=12)
        self.body = BoxLayout(orientation="horizontal", spacing=16)
        self.steps = column()
        nav = BoxLayout(orientation="vertical", size_hint_x=None, width=300)
        nav.add_widget(self.steps)
        nav.add_widget(Widget())  # the steps stay at the top
        # scrolled by its bar (wide enough to touch) or the wheel, not by dragging the content:
        # a tap on a button never moves the view, and no kinetic scroll runs on after it; the
        # bar is drawn the same at every frame (kivy fades it otherwise: pixels by timing)
        self.scroll = ScrollView(do_scroll_x=False, bar_width=24, scroll_type=["bars"],
                                 bar_color=(0.35, 0.35, 0.35, 0.9),
                                 bar_inactive_color=(0.35, 0.35, 0.35, 0.9))
        self.content = column(padding=(0, 0, 32, 0))  # clear of the scroll bar
        self.scroll.add_widget(self.content)
        self.body.add_widget(nav)
        self.body.add_widget(self.scroll)
        self.status = text("", size=TEXT_PX)
        self.progress = Progress()
        self.add_widget(self.header)
        self.add_widget(self.body)
        self.add_widget(self.status)
        self.add_widget(self.progress)
        self.rebuild()
        self._event = Clock.schedule_interval(lambda _dt: self.tick(), 0.1)

    # --- what the views call ---------------------------------------------------------------

    def go(self, step: str) -> None:
        self.step = step
        self.message = ""
        self.rebuild()

    def act(self, action: Callable[[], object], done: str = "", then: str | None = None) -> bool:
        """Run the manager's action; a refusal is shown, never raised into the window."""
        try:
            action()
        except REFUSALS as exc:
            self.message, self.message_is_problem = str(exc), True
            self._views.clear()  # the action may have changed what a view shows
            self.rebuild()
            return False
        self._views.clear()
        self.message, self.message_is_problem = done, False
        if then is not None:
            self.step = then
        self.rebuild()
        return True

    def toggle_language(self) -> None:
        self.lang = "en" if self.lang == "ja" else "ja"
        self.rebuild()

    # --- drawing ---------------------------------------------------------------------------

    def signature(self) -> tuple[Any, ...]:
        e = self.evening
        return (self.step, self.lang, e.session is None, len(e.received), e.progress.running,
                e.progress.error, e.imported is None, len(e.questions), e.holder_call.index,
                e.holder_call.awaiting_pin, len(e.holder_call.read), e.report is None,
                # the worker thread outlives ``progress.running`` by its last progress write:
                # a view built in between (no findings, buttons disabled) is built again
                e.busy)

    def tick(self) -> None:
        p = self.evening.progress
        if p.step:
            name = say("counting" if p.step == "count" else "importing", self.lang)
            figures = (f"{name}  {p.done:,} / {p.total:,}  {100 * p.fraction():5.1f}%  "
                       f"{p.rate():,.0f} /s" if p.total else f"{name}  {say('wait', self.lang)}")
            self.progress.show(p.fraction(), figures if p.running else
                               f"{name}  {p.done:,} / {p.total:,}")
        if self.signature() != self._shown:
            if self._shown and self._shown[4] and not self.evening.progress.running:
                self._finished()
            self.rebuild()

    def _finished(self) -> None:
        """A step has just ended: show its outcome, and where to go next."""
        p = self.evening.progress
        if p.error:
            self.message, self.message_is_problem = p.error, True
        elif p.step == "import":
            self.message, self.message_is_problem = "", False
            if self.evening.questions:
                self.step = "decide"
        elif p.step == "count":
            self.message, self.message_is_problem = "", False
            self.step = "result"

    def rebuild(self) -> None:
        """Draw what changed. The header and the step buttons are made again only for another
        language or a session just opened; a step's view is kept while the evening's state it
        was built from stays the same (going back to a step redraws nothing new, which keeps a
        touch well under 0.1 s while the count runs)."""
        self._shown = self.signature()
        e = self.evening
        frame = (self.lang, e.session is None)
        if frame != self._frame:
            self._frame = frame
            self._views.clear()
            self.header.clear_widgets()
            self.header.add_widget(text(say("title", self.lang), size=30))
            if e.session is not None:
                _, newest = e.newest()
                self.header.add_widget(text(f"{newest.package.title}  "
                                            f"v{newest.package.version} "
                                            f"{newest.short_fingerprint}"))
            self.header.add_widget(button(say("language", self.lang)[:16], self.toggle_language,
                                          size_hint_x=None, width=160))
            self.steps.clear_widgets()
            self._step_buttons = {}
            for step in STEPS:
                widget = button("", lambda s=step: self.go(s))  # type: ignore[misc]
                self._step_buttons[step] = widget
                self.steps.add_widget(widget)
        for step, widget in self._step_buttons.items():
            here = step == self.step
            label = ("▶ " if here else "   ") + say(f"step.{step}", self.lang)
            if widget.text != label:  # only the two buttons that change are drawn again
                widget.text = label
                widget.background_color = (0.55, 0.75, 1, 1) if here else (1, 1, 1, 1)
        state = self._shown[1:]
        if state != self._views_state:
            self._views_state = state
            self._views.clear()
        view = self._views.get(self.step)
        if view is None:
            self.memory["fields"] = {}
            view = self._views[self.step] = VIEWS[self.step](self)
            self._fields[self.step] = self.memory["fields"]
        self.memory["fields"] = self._fields[self.step]  # the fields of the view shown
        self.content.clear_widgets()
        self.content.add_widget(view)
        self.scroll.scroll_y = 1  # a step's view starts at its top
        self.status.text = self.message
        self.status.color = PROBLEM if self.message_is_problem else (0.08, 0.08, 0.08, 1)

    def stop(self) -> None:
        self._event.cancel()
