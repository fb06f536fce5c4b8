"""``python -m counting.app``: the counting centre's application.

    python -m counting.app --session DIR --commission-pub F --package P [--package P2]
                           --media DIR [--issued REPORT] (--reader NAME | --card FILE ...)
                           [--lang en] [--no-projector] [--no-udev]
    python -m counting.app --projector --session DIR [--lang en]

The first form opens the counting manager's window (a new session is opened in it; an existing
one is taken up where it stands) and starts the witnesses' projector as a second, read-only
process. Media are received through udev while the window is open. ``--card``: simulated
key-holder cards for rehearsals; a real count uses ``--reader``."""

from __future__ import annotations

import argparse
import os
import queue
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m counting.app", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--session", type=Path, required=True,
                        help="開票の記録のフォルダ / counting session folder")
    parser.add_argument("--projector", action="store_true",
                        help="開票立会人の画面（読み取り専用） / the witnesses' screen (read-only)")
    parser.add_argument("--commission-pub", type=Path)
    parser.add_argument("--package", type=Path, action="append", default=[])
    parser.add_argument("--media", type=Path, help="記録媒体の写しを置くフォルダ / where the "
                        "received media are copied")
    parser.add_argument("--issued", type=Path, help="受付の交付数の報告 / reception's report")
    parser.add_argument("--reader", help="PC/SC 読取機名の先頭 / PC/SC reader name prefix")
    parser.add_argument("--card", type=Path, action="append", default=[],
                        help="模擬の鍵保管者カード（練習用） / simulated key-holder card")
    parser.add_argument("--lang", choices=("ja", "en"), default="ja")
    parser.add_argument("--no-projector", action="store_true")
    parser.add_argument("--no-udev", action="store_true",
                        help="記録媒体を udev で待たない / do not watch udev for media")
    parser.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)
    return parser


def configure_kivy() -> None:
    """Kivy reads its settings from the environment at import: no argv parsing, no files in
    the home folder, the PIL text engine (the same pixels as the goldens)."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_NO_CONFIG", "1")
    os.environ.setdefault("KIVY_HOME", os.path.join(tempfile.gettempdir(), "tohyoki-kivy-home"))
    os.environ["KIVY_TEXT"] = "pil"
    os.environ.setdefault("KIVY_WINDOW", "sdl2")
    os.environ.setdefault("KIVY_METRICS_DENSITY", "1")
    os.environ.setdefault("KIVY_DPI", "96")


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - opens windows
    args = build_parser().parse_args(argv)
    configure_kivy()
    if args.projector:
        from counting.app.projector import run_projector

        return run_projector(args.session, args.lang, smoke=args.smoke)
    from counting.app.evening import CountingEvening
    from counting.app.key_holders import KeyHolderSource, ReaderCards, SimulatedCards
    from counting.session import SessionError

    if args.reader is not None and args.card:
        print("エラー / error: --reader と --card は同時に使えません / give --reader or --card",
              file=sys.stderr)
        return 2
    cards: KeyHolderSource = (ReaderCards(args.reader, lambda _t: None)
                              if args.reader is not None else SimulatedCards(args.card))
    try:
        evening = CountingEvening(args.session, cards)
    except (SessionError, OSError, ValueError) as exc:
        print(f"エラー / error: {exc}", file=sys.stderr)
        return 2
    if isinstance(cards, ReaderCards):
        cards.say = lambda text: setattr(evening.holder_call, "said", text)
    projector = None
    if not args.no_projector and not args.smoke:
        projector = subprocess.Popen([sys.executable, "-m", "counting.app", "--projector",
                                      "--session", str(args.session), "--lang", args.lang])
    try:
        return _run_manager(evening, args)
    finally:
        if projector is not None:
            projector.terminate()
            projector.wait(timeout=10)


def _run_manager(evening: Any, args: argparse.Namespace) -> int:  # pragma: no cover
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window

    from counting.app.manager_window import ManagerWindow
    from counting.app.media_intake import MediaIntake

    files = {"commission_pub": str(args.commission_pub or ""),
             "packages": [str(p) for p in args.package],
             "media": str(args.media or args.session / "media")}
    work = tempfile.TemporaryDirectory(prefix="tohyoki-counting-")
    intake: list[MediaIntake] = []

    class CountingApp(App):  # type: ignore[misc]
        def build(self) -> Any:
            self.title = "開票管理 / counting manager"
            Window.size = (1280, 800)
            self.window = ManagerWindow(evening, args.lang, files)
            if args.issued:
                self.window.memory["issued"] = str(args.issued)
            Clock.schedule_interval(lambda _dt: self.watch_media(), 0.5)
            if args.smoke:
                Clock.schedule_once(lambda _dt: self.drawn(), 0.5)
            return self.window

        def watch_media(self) -> None:
            if intake or evening.session is None or args.no_udev or args.smoke:
                return
            events: queue.Queue[Any] = queue.Queue()
            intake.append(MediaIntake(evening, events, Path(work.name)).start())

        def drawn(self) -> None:
            print(f"manager drawn: {self.window.step}", flush=True)
            self.stop()

        def on_stop(self) -> None:
            for running in intake:
                running.stop()
            self.window.stop()

    CountingApp().run()
    work.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
