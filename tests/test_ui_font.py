"""The one pinned font: its bytes match SHA256SUMS and it covers every name and UI string."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from tests.station import SOURCE
from ui import fonts


def test_font_file_matches_pinned_sha256() -> None:
    assert fonts.file_sha256(fonts.FONT_PATH) == fonts.pinned_sha256()
    assert fonts.verified_font_path() == fonts.FONT_PATH
    face = TTFont(str(fonts.FONT_PATH), lazy=True)
    assert face["name"].getDebugName(4) == "Noto Sans CJK JP"


def test_a_different_font_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / fonts.FONT_NAME
    data = bytearray(fonts.FONT_PATH.read_bytes()[:4096])
    data[100] ^= 1
    other.write_bytes(bytes(data))
    monkeypatch.setattr(fonts, "FONT_PATH", other)
    with pytest.raises(fonts.FontHashMismatch, match="SHA256SUMS|sha256"):
        fonts.verified_font_path()


def _names_in_package_source() -> set[str]:
    source = tomllib.loads(SOURCE.read_text(encoding="utf-8"))
    texts: set[str] = set()
    for contest in source["contests"]:
        texts.update(str(contest.get(k, "")) for k in ("title", "title_en"))
        for candidate in contest["candidates"]:
            texts.update(str(v) for v in candidate.values() if isinstance(v, str))
    return texts


def test_every_candidate_name_and_ui_string_is_in_the_font() -> None:
    from ui.strings import STRINGS

    cmap = TTFont(str(fonts.FONT_PATH), lazy=True).getBestCmap()
    texts = _names_in_package_source()
    texts.update(s for pair in STRINGS.values() for s in pair)
    texts.update(("●", "—", "・", "（", "）", "／", "　"))  # marks the views add
    assert len(texts) > 60
    missing = {f"U+{ord(ch):04X} {ch!r} in {t!r}" for t in texts for ch in t
               if ch not in "\n" and ord(ch) not in cmap}
    assert not missing, sorted(missing)
