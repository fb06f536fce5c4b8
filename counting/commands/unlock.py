"""``python -m counting unlock``: check that the key holders present can rebuild the counting
key (k of n), then wipe it again."""

from __future__ import annotations

import argparse

from counting.commands.key_holders import unlock_with_holders
from counting.session import Session


def cmd_unlock(args: argparse.Namespace) -> int:
    session = Session.open(args.session)
    _, newest = session.versions()
    with unlock_with_holders(session, args, newest.package.counting_public_key) as key:
        holders = "、".join(key.holders)
    print(f"開票の鍵を復元できます（{holders}）。鍵はメモリから消去しました / the counting key can "
          "be rebuilt; it was wiped from memory again")
    return 0
