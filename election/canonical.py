"""Canonical JSON: the one byte form that is signed and hashed (docs/media-format.md §2).

Signatures are over bytes, so every signed object has exactly one encoding: UTF-8 JSON with keys
sorted by code point, no insignificant white space, no floats, and strings not escaped beyond what
JSON requires. A reader rejects any input that is not already in this form, so two readers can
never disagree about what was signed.
"""

from __future__ import annotations

import json
from typing import Any


class NotCanonical(ValueError):
    """The bytes are not canonical JSON of the expected shape."""


def _check_value(value: Any, path: str) -> None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if abs(value) > 2**53 - 1:
            raise NotCanonical(f"整数が大きすぎます / integer out of range at {path}")
        return
    if isinstance(value, float):
        raise NotCanonical(f"小数は使えません / floats are not allowed at {path}")
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_value(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotCanonical(f"キーは文字列のみ / keys must be strings at {path}")
            _check_value(item, f"{path}.{key}")
        return
    raise NotCanonical(f"使えない型です / unsupported type {type(value).__name__} at {path}")


def encode(value: Any) -> bytes:
    """Encode a JSON value canonically."""
    _check_value(value, "$")
    try:
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate has no UTF-8 form
        raise NotCanonical(f"UTF-8にできない文字です / not encodable as UTF-8: {exc}") from exc


def decode(data: bytes) -> Any:
    """Decode canonical JSON, refusing anything that would re-encode differently."""
    try:
        value = json.loads(data.decode("utf-8"), parse_float=_refuse_float)
    except NotCanonical:
        raise
    except (ValueError, RecursionError) as exc:  # also over-long integers, too-deep nesting
        raise NotCanonical(f"JSONとして読めません / not valid JSON: {exc}") from exc
    if encode(value) != data:
        raise NotCanonical("正規形ではありません / not in canonical form")
    return value


def decode_object(data: bytes) -> dict[str, Any]:
    """Decode canonical JSON whose top level must be an object."""
    value = decode(data)
    if not isinstance(value, dict):
        raise NotCanonical("JSONオブジェクトではありません / top level is not an object")
    return value


def _refuse_float(text: str) -> float:
    raise NotCanonical(f"小数は使えません / floats are not allowed: {text}")
