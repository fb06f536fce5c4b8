"""Golden screenshots, the accessibility floor measured from rendered pixels, and `make run`.

Golden hashes: tests/golden/ui_hashes.json holds the SHA-256 of the raw RGB pixels of every
screen (ui/screenshots.py). Rendering under Xvfb + Mesa llvmpipe with the pinned font was
bit-stable across runs here, so the full-resolution pixels are hashed (no downscaling).
Re-record after an intended change with ``UI_GOLDEN_RECORD=1 pytest tests/test_ui_screens.py``
and look at the PNGs from ``python -m ui.screenshots OUT_DIR`` before committing the hashes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from firmware.voter_settings import TEXT_SCALES
from tests.ui_display import kivy_window, xvfb_display
from ui import theme
from ui.theme import MIN_CAP_MM, MIN_GAP_MM, MIN_TARGET_MM, PANEL_7, PANELS, Panel
from ui.view import Rect, TextLine, View

__all__ = ["kivy_window", "xvfb_display"]

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "ui_hashes.json"
RGB = tuple[int, int, int]


@pytest.fixture(scope="module")
def catalogue() -> list[tuple[str, object]]:
    from ui.screenshots import screen_catalogue

    return screen_catalogue()


def test_golden_screenshots(kivy_window: Any) -> None:
    from ui.screenshots import render_all

    hashes = render_all()
    base = [k for k in hashes if "-text" not in k]
    assert len(base) == 20 * 8  # 20 screens × ja/en × normal/high × 2 panels
    # and each voter screen at each enlarged text step up to the largest, in every variant
    voter = {"voter-settings", "contest", "contest-selected", "contest-2", "review",
             "recorded", "inactivity-alert"}
    for key in base:
        name, tail = key.split("-ja-" if "-ja-" in key else "-en-")
        lang = "ja" if "-ja-" in key else "en"
        for step in range(2, 5):
            assert (f"{name}-text{step}-{lang}-{tail}" in hashes) == (name in voter), key
    if os.environ.get("UI_GOLDEN_RECORD"):
        GOLDEN.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    recorded = json.loads(GOLDEN.read_text(encoding="utf-8"))
    changed = sorted(k for k in hashes.keys() | recorded.keys()
                     if hashes.get(k) != recorded.get(k))
    assert not changed, (f"{len(changed)} screenshots differ from {GOLDEN.name}: {changed[:8]}; "
                         "render them with python -m ui.screenshots OUT_DIR, check them, then "
                         "re-record with UI_GOLDEN_RECORD=1")


README_PICTURES = {"booth-standby": "standby-open", "booth-ballot": "contest-selected",
                   "booth-review": "review"}


def test_readme_pictures_are_the_golden_screenshots() -> None:
    """The booth pictures near the top of README.md are golden screenshots, pixel for pixel
    (re-copy them from python -m ui.screenshots when their goldens change)."""
    from PIL import Image

    from ui.screenshots import image_hash

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    recorded = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for picture, screen in README_PICTURES.items():
        assert f"docs/images/{picture}.png" in readme, picture
        image = Image.open(ROOT / "docs" / "images" / f"{picture}.png")
        assert image_hash(image) == recorded[f"{screen}-ja-normal-1280x800"], picture


# --- measuring the floor from pixels -----------------------------------------------------------


def _contrast_of_text(image: Any, line: TextLine) -> float:
    """Contrast between the line's background (the commonest colour in its box) and its ink
    (the drawn pixel that differs most from it)."""
    r = line.rect
    crop = image.crop((r.x, r.y, r.right, r.bottom))
    colours = crop.getcolors(crop.width * crop.height)
    background: RGB = max(colours)[1]
    return max(theme.contrast_ratio(c, background) for _, c in colours)


def _ink_height(image: Any, rect: Rect, background: RGB) -> int:
    """Rows holding ink (a pixel at least half-way from the background to full contrast)."""
    crop = image.crop((rect.x, rect.y, rect.right, rect.bottom))
    px = crop.load()
    rows = [y for y in range(crop.height)
            if any(theme.contrast_ratio(px[x, y], background) > 3.0 for x in range(crop.width))]
    return rows[-1] - rows[0] + 1 if rows else 0


def _button_boxes(image: Any, view: View) -> list[tuple[int, int, int, int]]:
    """Each drawn button's outer box found by walking the pixels from just inside its top-left
    corner: across the fill to the border colour, then across the border to the outside."""
    px = image.load()

    def walk(sx: int, sy: int, border: RGB, dx: int, dy: int) -> int:
        x, y = sx, sy

        def inside() -> bool:
            return 0 <= x + dx < image.width and 0 <= y + dy < image.height

        while inside() and px[x, y] != border:
            x, y = x + dx, y + dy
        while inside() and px[x + dx, y + dy] == border:
            x, y = x + dx, y + dy
        return x if dx else y

    boxes = []
    for b in view.buttons:
        sx, sy = b.rect.x + 9, b.rect.y + 9  # inside the fill, above any text (padding)
        boxes.append((walk(sx, sy, b.border, -1, 0), walk(sx, sy, b.border, 0, -1),
                      walk(sx, sy, b.border, 1, 0) + 1, walk(sx, sy, b.border, 0, 1) + 1))
    return boxes


def _gaps(boxes: list[tuple[int, int, int, int]]) -> list[int]:
    """Distance between each pair of neighbouring boxes (side by side or one above another)."""
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            overlap_x = min(a[2], b[2]) - max(a[0], b[0]) > 0
            overlap_y = min(a[3], b[3]) - max(a[1], b[1]) > 0
            if overlap_y:
                out.append(max(b[0] - a[2], a[0] - b[2]))
            elif overlap_x:
                out.append(max(b[1] - a[3], a[1] - b[3]))
    return out


def measure(views: list[View], panel: Panel) -> dict[str, float]:
    """The floor as drawn: lowest text contrast, smallest cap height (mm, by rendering a capital
    H at the smallest text size used), smallest target side (mm) and smallest gap (mm)."""
    from ui.render import render_image

    contrast, targets, gaps = [], [], []
    for view in views:
        image = render_image(view)
        contrast += [_contrast_of_text(image, t)
                     for t in (*view.texts, *(x for b in view.buttons for x in b.lines)) if t.text]
        boxes = _button_boxes(image, view)
        targets += [min(x1 - x0, y1 - y0) for x0, y0, x1, y1 in boxes]
        gaps += _gaps(boxes)
    smallest = min(t.size for v in views for t in (*v.texts, *(x for b in v.buttons
                                                               for x in b.lines)))
    bg, ink = (255, 255, 255), (0, 0, 0)
    probe_rect = Rect(10, 10, smallest * 3, round(smallest * 1.6))
    probe = View("probe", probe_rect.right + 10, probe_rect.bottom + 10, bg,
                 (TextLine(probe_rect, "HEH", smallest, ink, bg),), (), 0, 1)
    cap = _ink_height(render_image(probe), probe_rect, bg)
    return {
        "contrast": min(contrast),
        "cap_mm": cap / panel.px_per_mm,
        "target_mm": min(targets) / panel.px_per_mm,
        "gap_mm": min(gaps) / panel.px_per_mm,
    }


def _views(catalogue: list[tuple[str, object]], high: bool, panel: Panel) -> list[View]:
    from ui.screenshots import view_of

    return [view_of(screen, "ja", high, panel) for _, screen in catalogue]


@pytest.mark.parametrize("panel", PANELS, ids=[p.name for p in PANELS])
def test_floor_measured_from_pixels(kivy_window: Any, catalogue: Any, panel: Panel) -> None:
    normal = measure(_views(catalogue, False, panel), panel)
    high = measure(_views(catalogue, True, panel), panel)
    print(f"{panel.name}: normal {normal}, high contrast {high}")
    assert normal["contrast"] >= 10.0, normal
    assert high["contrast"] >= 20.0, high
    for m in (normal, high):
        assert m["cap_mm"] >= MIN_CAP_MM, m
        assert m["target_mm"] >= MIN_TARGET_MM, m
        assert m["gap_mm"] >= MIN_GAP_MM, m


def _enlarged(catalogue: list[tuple[str, object]], high: bool, panel: Panel,
              step: int) -> list[View]:
    from ui.screenshots import enlarged_views

    return [view for _, screen in catalogue
            for name, view in enlarged_views(screen, "ja", high, panel)
            if name.split("-")[0] == f"text{step + 1}"]


ENLARGED = [(panel, step) for panel in PANELS for step in range(1, len(TEXT_SCALES))]


@pytest.mark.parametrize(("panel", "step"), ENLARGED,
                         ids=[f"{p.name}-text{s + 1}" for p, s in ENLARGED])
def test_floor_measured_on_enlarged_text(kivy_window: Any, catalogue: Any, panel: Panel,
                                         step: int) -> None:
    """Every page of every voter screen at each enlarged step: the floor still holds, and the
    text really is that many times the floor's cap height (enlargeable, VVSG 2.0 7.1-G)."""
    scale = TEXT_SCALES[step]
    for high in (False, True):
        views = _enlarged(catalogue, high, panel, step)
        assert len(views) >= 7
        m = measure(views, panel)
        print(f"{panel.name} text step {step + 1} (×{scale}) high={high}: {m}")
        assert m["contrast"] >= (20.0 if high else 10.0), m
        assert m["cap_mm"] >= MIN_CAP_MM * scale, m
        assert m["target_mm"] >= MIN_TARGET_MM, m
        assert m["gap_mm"] >= MIN_GAP_MM, m


def _overlaps(view: View) -> list[tuple[Rect, Rect]]:
    boxes = [t.rect for t in view.texts] + [b.rect for b in view.buttons]
    out = [(r, r) for r in boxes if r.x < 0 or r.y < 0 or r.right > view.width
           or r.bottom > view.height]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if min(a.right, b.right) > max(a.x, b.x) and min(a.bottom, b.bottom) > max(a.y, b.y):
                out.append((a, b))
    return out


def _every_page(catalogue: list[tuple[str, object]], panel: Panel,
                lang: str) -> list[View]:
    """Every page of every screen at default text, and every page of each voter screen at
    each enlarged step, on ``panel``."""
    from ui.screenshots import enlarged_views, view_of

    views = []
    for _, screen in catalogue:
        first = view_of(screen, lang, False, panel)
        views += [first] + [view_of(screen, lang, False, panel, 0, p)
                            for p in range(1, first.pages)]
        views += [v for _, v in enlarged_views(screen, lang, False, panel)]
    return views


@pytest.mark.parametrize("panel", PANELS, ids=[p.name for p in PANELS])
def test_text_never_overlaps_or_leaves_the_panel(catalogue: Any, panel: Panel) -> None:
    """No line or button drawn over another or past the panel's edge, no two buttons closer
    than the gap, and no line wider than its box (text pages vertically, never sideways):
    every page of every screen at default text and at every enlarged step, ja and en."""
    from ui.text_wrap import text_width

    views = [v for lang in ("ja", "en") for v in _every_page(catalogue, panel, lang)]
    assert len(views) > 200
    for view in views:
        assert not _overlaps(view), (view.kind, view.page, _overlaps(view)[:2])
        boxes = [(b.rect.x, b.rect.y, b.rect.right, b.rect.bottom) for b in view.buttons]
        assert min(_gaps(boxes), default=theme.gap_px(panel)) >= theme.gap_px(panel), (view.kind, view.page)
        for line in (*view.texts, *(x for b in view.buttons for x in b.lines)):
            assert text_width(line.text, line.size) <= line.rect.w, (view.kind, line.text)


@pytest.mark.parametrize("panel", PANELS, ids=[p.name for p in PANELS])
def test_floor_measured_on_every_later_page(kivy_window: Any, catalogue: Any,
                                            panel: Panel) -> None:
    """The floor from pixels on the later pages at default text too: a middle page's
    navigation has more buttons than the first page's (the goldens hold first pages only)."""
    from ui.screenshots import view_of

    for high in (False, True):
        views = [view_of(screen, lang, high, panel, 0, p) for _, screen in catalogue
                 for lang in ("ja", "en")
                 for p in range(1, view_of(screen, lang, high, panel).pages)]
        assert len(views) >= 10
        m = measure(views, panel)
        print(f"{panel.name} later pages high={high}: {m}")
        assert m["contrast"] >= (20.0 if high else 10.0), m
        assert m["cap_mm"] >= MIN_CAP_MM, m
        assert m["target_mm"] >= MIN_TARGET_MM, m
        assert m["gap_mm"] >= MIN_GAP_MM, m


def test_measurement_fails_on_a_shrunken_grey_theme(
        kivy_window: Any, catalogue: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The measurement is not a restatement of the theme: shrink the theme and grey the text,
    and every figure drops below the floor."""
    from ui import layout as views

    monkeypatch.setattr(views, "font_px", lambda panel, scale=1.0: 18)
    monkeypatch.setattr(views, "target_px", lambda panel: 40)
    monkeypatch.setattr(views, "gap_px", lambda panel: 4)
    grey = theme.Palette(background=(247, 247, 242), text=(150, 150, 150),
                         button=(255, 255, 255), button_text=(150, 150, 150),
                         selected=(214, 232, 255), selected_text=(150, 150, 150),
                         border=(27, 27, 27), disabled_text=(150, 150, 150))
    monkeypatch.setattr(theme, "NORMAL", grey)
    shrunk = measure(_views(catalogue[:8], False, PANEL_7), PANEL_7)
    assert shrunk["contrast"] < 10.0, shrunk
    assert shrunk["cap_mm"] < MIN_CAP_MM, shrunk
    assert shrunk["target_mm"] < MIN_TARGET_MM, shrunk
    assert shrunk["gap_mm"] < MIN_GAP_MM, shrunk


# --- make run ----------------------------------------------------------------------------------


def test_make_run_starts_and_draws_standby(xvfb_display: str) -> None:
    env = dict(os.environ, DISPLAY=xvfb_display, LIBGL_ALWAYS_SOFTWARE="1")
    done = subprocess.run([sys.executable, "-m", "ui", "--smoke"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "standby drawn after" in done.stdout and "standby 800x480" in done.stdout, done.stdout
