"""Draw a View with kivy: the window's canvas and an off-screen Fbo share one drawing routine,
so screenshots are exactly what the voter sees."""

from __future__ import annotations

from kivy.core.text import Label as CoreLabel
from kivy.graphics import (
    ClearBuffers,
    ClearColor,
    Color,
    Fbo,
    InstructionGroup,
    Rectangle,
)
from PIL import Image

from ui import fonts
from ui.view import View

BORDER = 3
FOCUS_BORDER = 8  # keypad focus: a thick frame, not a colour


def _rgb(c: tuple[int, int, int]) -> tuple[float, float, float, float]:
    return (c[0] / 255, c[1] / 255, c[2] / 255, 1.0)


_textures: dict[tuple[str, int, tuple[int, int, int]], object] = {}


def _texture(text: str, size: int, color: tuple[int, int, int]) -> object:
    key = (text, size, color)
    texture = _textures.get(key)
    if texture is None:
        label = CoreLabel(text=text, font_name=str(fonts.FONT_PATH), font_size=size,
                          color=_rgb(color))
        label.refresh()
        texture = label.texture
        if len(_textures) >= 2000:  # bounded: forget the others, keep this one
            _textures.clear()
        _textures[key] = texture
    return texture


def instructions(view: View) -> InstructionGroup:
    """Kivy canvas instructions for ``view`` (kivy's y axis points up; the View's down)."""
    g = InstructionGroup()
    H = view.height

    def rect(x: int, y: int, w: int, h: int, color: tuple[int, int, int]) -> None:
        g.add(Color(*_rgb(color)))
        g.add(Rectangle(pos=(x, H - y - h), size=(w, h)))

    rect(0, 0, view.width, view.height, view.background)
    for b in view.buttons:
        r = b.rect
        bw = FOCUS_BORDER if b.focused else BORDER
        rect(r.x, r.y, r.w, r.h, b.border)
        rect(r.x + bw, r.y + bw, r.w - 2 * bw, r.h - 2 * bw, b.fill)
    for t in (*view.texts, *(line for b in view.buttons for line in b.lines)):
        if not t.text:
            continue
        tex = _texture(t.text, t.size, t.color)
        tw, th = tex.size  # type: ignore[attr-defined]
        y = t.rect.y + (t.rect.h - th) // 2
        g.add(Color(1, 1, 1, 1))
        g.add(Rectangle(texture=tex, pos=(t.rect.x, H - y - th), size=(tw, th)))
    return g


_fbos: dict[tuple[int, int], Fbo] = {}  # one off-screen buffer per size, reused


def render_image(view: View) -> Image.Image:
    """Render off-screen at the view's own size (independent of the window) to an RGB image."""
    size = (view.width, view.height)
    fbo = _fbos.get(size)
    if fbo is None:
        fbo = _fbos[size] = Fbo(size=size)
    fbo.clear()
    with fbo:
        ClearColor(0, 0, 0, 1)
        ClearBuffers()
    fbo.add(instructions(view))
    fbo.draw()
    image = Image.frombytes("RGBA", (view.width, view.height), fbo.pixels)
    return image.transpose(Image.Transpose.FLIP_TOP_BOTTOM).convert("RGB")
