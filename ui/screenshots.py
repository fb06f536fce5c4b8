"""Golden screenshots (trezor style): every screen type in ja and en, normal and high contrast,
on both panels, rendered off-screen by the same routine that draws the window.

    python -m ui.screenshots OUT_DIR [--hashes FILE]

writes ``OUT_DIR/<screen>-<lang>-<normal|high>-<panel>.png`` and prints (or writes) the SHA-256 of
each image. The hash is of the raw RGB pixels (width, height, then bytes), not of the PNG file,
so a different zlib never changes it. The screens come from a real machine driven through a
scripted day on the seeded demo station (ui/simulated_station.py), so they are the firmware's
own Screen values, not hand-made ones."""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from firmware import machine as fw
from firmware.admin_views import ShowAuditLog, ShowCounts, ShowMedia
from firmware.assisted import AssistKind, EnableAssisted, PendingAssist
from firmware.inactivity import Tick
from firmware.screens import AdminMenu, ContestTitle, Phase, Standby
from firmware.voter_settings import TEXT_SCALES, VoterSettings
from ui.assisted_entry import AssistedEntry
from ui.layout import layout
from ui.simulated_station import DEMO_PIN, MACHINE_ID, DemoStation, make_demo_station
from ui.theme import PANELS, Panel, Settings
from ui.view import UiState, View

SEED = 7


def screen_catalogue(seed: int = SEED) -> list[tuple[str, object]]:
    """One of each screen the booth shows, in the order a day meets them."""
    s: DemoStation = make_demo_station(open_polls=False, seed=seed)

    def m() -> fw.Machine:
        return s.machine  # the machine object changes on a power cycle

    shots: list[tuple[str, object]] = [("standby-closed", standby_of(s, loaded=False))]
    shots.append(("admin-pin", s.insert_admin_card()))
    shots.append(("admin-menu-empty", m().handle(fw.PinEntered(DEMO_PIN))))
    m().handle(fw.LoadPackage(s.package.to_bytes()))
    m().handle(fw.ZeroCheck())
    shots.append(("admin-menu-open", m().handle(fw.OpenPolls())))
    s.remove_card()
    shots.append(("standby-open", standby_of(s, loaded=True)))
    shots.append(("voter-settings", s.insert_voting_card()))
    shots.append(("contest", m().handle(fw.Next())))
    shots.append(("contest-selected", m().handle(fw.Select("mayor-1"))))
    shots.append(("contest-2", m().handle(fw.Next())))
    m().handle(fw.Select("abstain"))
    shots.append(("review", m().handle(fw.Next())))
    shots.append(("recorded", m().handle(fw.Cast())))
    card = s.reader.card
    s.remove_card()
    assert card is not None
    shots.append(("notice", s.insert(card)))  # a used card again: refused, with a notice
    s.remove_card()
    s.insert_voting_card()
    m().handle(fw.Next())
    for _ in range(200):
        s.clock.advance(5)
        screen = m().handle(Tick())
        kind = type(screen).__name__
        if kind == "InactivityAlert" and not any(n == "inactivity-alert" for n, _ in shots):
            shots.append(("inactivity-alert", screen))
        if kind == "SessionLocked":
            shots.append(("locked", screen))
            break
    s.remove_card()
    s.insert_admin_card()
    m().handle(fw.PinEntered(DEMO_PIN))
    shots.append(("admin-counts", m().handle(ShowCounts())))
    shots.append(("admin-media", m().handle(ShowMedia())))
    shots.append(("admin-audit-log", m().handle(ShowAuditLog(0))))
    # art. 7: the booth's own entry of the assistants, drawn over the admin menu
    shots.append(("admin-assisted", AssistedEntry(names=("タナカ ハナコ", ""))))
    shots.append(("admin-assisted-kana",
                  AssistedEntry(names=("タナカ ハナコ", "スズキ"), editing=1, group=2)))
    # art. 7 ordered: the menu shows it pending, with its cancel button (last: nothing above
    # sees the order)
    menu = m().handle(EnableAssisted(AssistKind.OPERATION, ("タナカ ハナコ", "スズキ イチロウ")))
    assert isinstance(menu, AdminMenu)
    pending = PendingAssist(AssistKind.OPERATION, ("タナカ ハナコ", "スズキ イチロウ"))
    if menu.assisted_pending is None:  # until the machine fills it, as it will
        menu = dataclasses.replace(menu, assisted_pending=pending)
    assert menu.assisted_pending == pending
    shots.append(("admin-menu-assisted", menu))
    assert m().phase is Phase.OPEN
    return shots


def standby_of(s: DemoStation, loaded: bool) -> Standby:
    """The standby screen with what the machine knows at that point (before the package is
    loaded: its id and the day only). Built here from the station, so the golden set holds it
    whether or not the machine fills these fields yet; when it does, it must agree."""
    screen = s.machine.screen
    assert isinstance(screen, Standby)
    package = s.package.package
    place = next(p.name for p in package.polling_places
                 if p.place_id == package.machine(MACHINE_ID).place_id)
    built = Standby(
        screen.phase,
        contests=tuple(ContestTitle(c.title, c.title_en) for c in package.contests) if loaded
        else (),
        polling_place=place if loaded else "",
        machine_id=MACHINE_ID,
        day=s.clock.now().date(),
    )
    if screen.machine_id:  # the firmware fills the standby: it must be what is drawn here
        assert screen == built, (screen, built)
    return built


def variants() -> Iterator[tuple[str, bool, Panel]]:
    for panel in PANELS:
        for lang in ("ja", "en"):
            for high in (False, True):
                yield lang, high, panel


def view_of(screen: object, lang: str, high: bool, panel: Panel, text_size: int = 0,
            page: int = 0) -> View:
    """The screen as the voter would see it with these settings (voter screens carry their
    settings from the firmware; other screens take the UI's), on ``page``."""
    voter: Any = getattr(screen, "settings", None)
    if isinstance(voter, VoterSettings):
        screen = dataclasses.replace(
            screen, settings=dataclasses.replace(  # type: ignore[type-var]
                voter, language=lang, high_contrast=high, text_size=text_size))
    return layout(screen, UiState(page=page), Settings(lang=lang, high_contrast=high), panel)


def enlarged_views(screen: object, lang: str, high: bool,
                   panel: Panel) -> Iterator[tuple[str, View]]:
    """A voter screen at each enlarged text step up to the largest, every page of it (enlarged
    text pages vertically, so what moves to a later page is in the golden set too)."""
    if not isinstance(getattr(screen, "settings", None), VoterSettings):
        return
    for step in range(1, len(TEXT_SCALES)):
        first = view_of(screen, lang, high, panel, step)
        for page in range(first.pages):
            view = first if page == 0 else view_of(screen, lang, high, panel, step, page)
            yield f"text{step + 1}" + (f"-p{page + 1}" if page else ""), view


def image_hash(image: Any) -> str:
    rgb = image.convert("RGB")
    h = hashlib.sha256(f"{rgb.width}x{rgb.height}\n".encode())
    h.update(rgb.tobytes())
    return h.hexdigest()


def render_all(out: Path | None = None, seed: int = SEED) -> dict[str, str]:
    """Render every screen in every variant, and every voter screen at each enlarged text
    step (a kivy window must exist); returns name → hash."""
    from ui.render import render_image

    hashes: dict[str, str] = {}

    def keep(key: str, view: View) -> None:
        image = render_image(view)
        hashes[key] = image_hash(image)
        if out is not None:
            image.save(out / f"{key}.png")

    for name, screen in screen_catalogue(seed):
        for lang, high, panel in variants():
            tail = f"{lang}-{'high' if high else 'normal'}-{panel.width}x{panel.height}"
            keep(f"{name}-{tail}", view_of(screen, lang, high, panel))
            for step, view in enlarged_views(screen, lang, high, panel):
                keep(f"{name}-{step}-{tail}", view)
    return hashes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.screenshots")
    parser.add_argument("out", type=Path, help="directory for the PNGs")
    parser.add_argument("--hashes", type=Path, help="also write the hashes (JSON) here")
    args = parser.parse_args(argv)
    from ui import kivy_env

    kivy_env.configure()
    from kivy.base import EventLoop

    EventLoop.ensure_window()
    args.out.mkdir(parents=True, exist_ok=True)
    hashes = render_all(args.out)
    text = json.dumps(hashes, indent=1, sort_keys=True) + "\n"
    if args.hashes:
        args.hashes.write_text(text, encoding="utf-8")
    print(text, end="")
    print(f"{len(hashes)} screenshots in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
