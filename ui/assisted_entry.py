"""The poll manager's entry of assisted voting (法第7条): the kind (代理投票 art. 7-2 or 操作補助
art. 7-4) and the two assistants (補助者) named from the poll workers. Presentation state only,
kept by the booth while the admin menu is up; the firmware decides on ``fw.EnableAssisted``
(firmware/assisted.py checks two different, non-empty names). Names are typed in katakana on
an on-screen keyboard grouped by the gojūon rows."""

from __future__ import annotations

from dataclasses import dataclass, replace

from firmware.assisted import AssistKind

KANA_GROUPS = ("アイウエオ", "カキクケコ", "サシスセソ", "タチツテト", "ナニヌネノ",
               "ハヒフヘホ", "マミムメモ", "ヤユヨ", "ラリルレロ", "ワヲン")
DAKUTEN = dict(zip("カキクケコサシスセソタチツテトハヒフヘホウ",
                   "ガギグゲゴザジズゼゾダヂヅデドバビブベボヴ", strict=True))
HANDAKUTEN = dict(zip("ハヒフヘホ", "パピプペポ", strict=True))
SMALL = dict(zip("アイウエオツヤユヨワ", "ァィゥェォッャュョヮ", strict=True))
MARKS = {"゛": DAKUTEN, "゜": HANDAKUTEN, "小": SMALL}
MAX_NAME = 16  # characters; a poll worker's name in katakana with a space


@dataclass(frozen=True)
class AssistedEntry:
    kind: AssistKind = AssistKind.PROXY
    names: tuple[str, str] = ("", "")
    editing: int | None = None  # which assistant the keyboard types into (0 or 1)
    group: int = 0  # the KANA_GROUPS row shown on the keyboard

    def typed(self, key: str) -> AssistedEntry:
        """``key``: a kana, "゛", "゜", "小" (mark the last kana), " ", or "⌫" (delete)."""
        if self.editing is None:
            return self
        name = self.names[self.editing]
        if key == "⌫":
            name = name[:-1]
        elif key in MARKS:
            table = MARKS[key]
            if name and name[-1] in table:
                name = name[:-1] + table[name[-1]]
        elif key == " ":
            if name and not name.endswith(" "):
                name += " "
        elif len(name) < MAX_NAME:
            name += key
        names = (name, self.names[1]) if self.editing == 0 else (self.names[0], name)
        return replace(self, names=names)
