"""How the counting tools ask a key holder's PIN: one rule for the key ceremony
(``python -m counting.ceremony``) and the unlock (``python -m counting unlock|count``).

A PIN is typed at the terminal without echo. It is read from standard input, one line per
holder in the order the holders are called, only when the operator says so with
``--pins-from-stdin`` (rehearsals, tests). Without that flag and without a terminal the tool
stops instead of guessing where the PINs come from. A PIN is never a command-line argument: it
would stay in the shell history and the process list."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from typing import TextIO


class PinEntryUnavailable(Exception):
    """No terminal to type the PIN at, and ``--pins-from-stdin`` was not given."""


FLAG_HELP = ("暗証番号を標準入力から1行ずつ読む（練習・試験用）/ read the PINs from standard "
             "input, one line per holder (rehearsals, tests)")


def pin_reader(from_stdin: bool, stdin: TextIO) -> Callable[[str], str]:
    """A function asking the PIN of the named holder, by the rule above."""
    if from_stdin:
        return lambda holder: stdin.readline().strip()
    if not stdin.isatty():
        raise PinEntryUnavailable(
            "暗証番号は端末で入力します。練習・試験で標準入力から読むときは --pins-from-stdin を"
            "付けてください / PINs are typed at a terminal; give --pins-from-stdin to read them "
            "from standard input"
        )
    return lambda holder: getpass.getpass(f"{holder} の暗証番号 / PIN for {holder}: ")
