"""The errors a vote's write-and-verify raises on any medium, real or simulated, in the words
the poll manager sees (docs/media-format.md §7.5)."""

from __future__ import annotations

from firmware.interfaces import MediumCorrupted, MediumWriteNotStarted


def corrupted(label: str) -> MediumCorrupted:
    return MediumCorrupted(
        f"{label}: 書き込んだ記録を読み戻すと違っています（媒体の不良）。記録媒体を交換してください"
        " / read-back differs from what was written (failing medium)"
    )


def not_started(label: str, cause: BaseException) -> MediumWriteNotStarted:
    return MediumWriteNotStarted(
        f"{label}: 先の書き込みが終わらなかったため書き込んでいません / not written, because the "
        f"write it follows did not complete ({cause})"
    )
