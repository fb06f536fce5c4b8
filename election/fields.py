"""Strict reading of decoded signed documents, field by field: the type asked for and nothing
else (no coercion of ``"1"`` to 1 or of ``0`` to False), lowercase hex, exact dates, bounded
NUL-free ids, and no unknown fields. Every error names the field and is bilingual."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
LOWER_HEX = re.compile(r"[0-9a-f]*")
FINGERPRINT = re.compile(r"[0-9a-f]{64}")
CANDIDATE_ID_MAX_BYTES = 61  # what a vote record can hold (docs/media-format.md §6.1)


class FieldReader:
    """Reads a decoded dictionary field by field, naming the field in every error."""

    def __init__(
        self, data: Mapping[str, Any], where: str, error: type[Exception] = ValueError
    ) -> None:
        self.error = error
        if not isinstance(data, Mapping):
            raise error(f"{where} がオブジェクトではありません / {where} is not an object")
        self.data = data
        self.where = where
        self.read_keys: set[str] = set()

    def done(self) -> None:
        """Refuse fields this version does not know: a signed field nobody checks is a place to
        hide something."""
        unknown = sorted(set(self.data) - self.read_keys)
        if unknown:
            raise self.error(
                f"{self.where} に未知の項目があります / unknown field(s) in {self.where}: "
                + ", ".join(unknown)
            )

    def _get(self, key: str, kind: type) -> Any:
        if key not in self.data:
            raise self.error(f"{self.where}.{key} がありません / missing field {self.where}.{key}")
        self.read_keys.add(key)
        value = self.data[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            raise self.error(
                f"{self.where}.{key} の型が違います / {self.where}.{key} must be {kind.__name__}"
            )
        return value

    def text(self, key: str, allow_empty: bool = False) -> str:
        value: str = self._get(key, str)
        if not value and not allow_empty:
            raise self.error(f"{self.where}.{key} が空です / {self.where}.{key} is empty")
        return value

    def identifier(self, key: str, max_bytes: int = 255) -> str:
        """An id: non-empty, no NUL (it separates fields in signed inputs), bounded in UTF-8."""
        value = self.text(key)
        if "\x00" in value or len(value.encode("utf-8")) > max_bytes:
            raise self.error(
                f"{self.where}.{key} は NUL を含まず {max_bytes} バイト以内 / must be NUL-free and "
                f"at most {max_bytes} bytes of UTF-8"
            )
        return value

    def integer(self, key: str, minimum: int = 0) -> int:
        value: int = self._get(key, int)
        if value < minimum:
            raise self.error(f"{self.where}.{key} は {minimum} 以上 / must be >= {minimum}")
        return value

    def flag(self, key: str) -> bool:
        value: bool = self._get(key, bool)
        return value

    def day(self, key: str) -> date:
        text = self.text(key)
        if not DATE.fullmatch(text):
            raise self.error(f"{self.where}.{key} は YYYY-MM-DD ではありません / not a date in YYYY-MM-DD")
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            raise self.error(f"{self.where}.{key} は日付ではありません / not a date") from exc

    def hexbytes(self, key: str, length: int | None = None) -> bytes:
        text = self.text(key)
        if not LOWER_HEX.fullmatch(text):
            raise self.error(f"{self.where}.{key} は小文字の16進数ではありません / not hex (lowercase)")
        try:
            value = bytes.fromhex(text)
        except ValueError as exc:
            raise self.error(f"{self.where}.{key} は16進数ではありません / not hex") from exc
        if length is not None and len(value) != length:
            raise self.error(f"{self.where}.{key} の長さが違います / wrong length")
        return value

    def items(self, key: str) -> list[FieldReader]:
        values: list[Any] = self._get(key, list)
        return [FieldReader(v, f"{self.where}.{key}[{i}]", self.error) for i, v in enumerate(values)]

    def texts(self, key: str) -> list[str]:
        values: list[Any] = self._get(key, list)
        if not all(isinstance(v, str) for v in values):
            raise self.error(f"{self.where}.{key} は文字列の列 / must be strings")
        return list(values)

    def enum(self, key: str, kind: type[Enum]) -> Any:
        text = self.text(key)
        try:
            return kind(text)
        except ValueError as exc:
            allowed = ", ".join(str(m.value) for m in kind)
            raise self.error(f"{self.where}.{key}: {text!r} (使える値 / allowed: {allowed})") from exc

    def reader(self, key: str) -> FieldReader:
        return FieldReader(self._get(key, dict), f"{self.where}.{key}", self.error)

    def moment(self, key: str) -> datetime:
        """A time with its zone, in ISO 8601 as ``datetime.isoformat`` writes it."""
        text = self.text(key)
        try:
            value = datetime.fromisoformat(text)
        except ValueError as exc:
            raise self.error(f"{self.where}.{key} は日時ではありません / not a time") from exc
        if value.tzinfo is None:
            raise self.error(f"{self.where}.{key} に時差がありません / time lacks a zone")
        return value

    def digest(self, key: str) -> str:
        """A SHA-256 digest or fingerprint: 64 lowercase hex digits, kept as text."""
        value = self.text(key)
        if not FINGERPRINT.fullmatch(value):
            raise self.error(f"{self.where}.{key} は64桁の小文字16進数 / must be 64 lowercase hex")
        return value

    def mapping(self, key: str) -> dict[str, Any]:
        value: dict[str, Any] = self._get(key, dict)
        return dict(value)


_T = TypeVar("_T")


def whole(reader: FieldReader, value: _T) -> _T:
    """``value``, built from ``reader``, once the reader has refused any field left unread."""
    reader.done()
    return value
