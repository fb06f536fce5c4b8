"""A count anyone can repeat (issue 18): from the files ``make demo`` leaves in
``out/demo/observer`` and ``out/demo/media`` alone, read only by their documented formats
(docs/media-format.md §4.7, docs/counting-keys.md §8), an observer rebuilds the counting key
and gets the demo's count."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from counting.importer import import_media
from counting.shamir import combine_mnemonics, wordlist
from counting.tally import tally
from demo.election_day import KEY_HOLDERS, KEY_THRESHOLD, run_day
from election import canonical
from election.package import load_package, verify_chain
from media.counting_key import public_key_bytes
from media.polling_report import CLOSING_FORMAT, REPORT_PURPOSE, ZERO_FORMAT, decode_report
from media.public_key_file import read_public_key_file


def mnemonic_of(packed: bytes) -> str:
    """docs/counting-keys.md §8: the share is its SLIP-0039 words, 10 bits each, big-endian."""
    count = len(packed) * 8 // 10
    n = int.from_bytes(packed, "big") >> (len(packed) * 8 - count * 10)
    words = wordlist()
    return " ".join(words[(n >> 10 * (count - 1 - i)) & 1023] for i in range(count))


def test_an_observer_repeats_the_count_from_the_files_alone(tmp_path: Path) -> None:
    out = tmp_path / "day"
    outcome = run_day(out, voters=30, seed=11, amend_after=15, say=lambda _: None)
    observer = out / "observer"
    readme = (observer / "README.txt").read_text(encoding="utf-8")
    assert readme.startswith("DEMO ONLY")

    commission = read_public_key_file(observer / "commission.pub")
    versions = [load_package((observer / f"package-v{n}.json").read_bytes(), commission)
                for n in (1, 2)]
    newest = verify_chain(versions).package

    cards = sorted((observer / "keyholder-cards").iterdir())
    assert len(cards) == len(KEY_HOLDERS)
    shares = []
    for path, (holder, pin) in zip(cards, KEY_HOLDERS, strict=True):
        card = json.loads(path.read_text(encoding="utf-8"))
        assert card["holder"] == holder and card["holder"] in readme and pin in readme
        salt = bytes.fromhex(card["pin_salt"])
        assert hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, 20_000).hex() == \
            card["pin_check"]
        shares.append(mnemonic_of(bytes.fromhex(card["share"])))
    key = bytes(combine_mnemonics(shares[:KEY_THRESHOLD]))
    assert bytes(combine_mnemonics(shares[-KEY_THRESHOLD:])) == key
    assert public_key_bytes(key) == newest.counting_public_key

    imported = import_media(sorted((out / "media").iterdir()), versions, {})
    assert not imported.problems
    repeated = tally(newest, imported.counted, key)
    assert repeated == outcome.results

    # the machines' printed reports carry exactly the members of their formats (§12, §1.3)
    formats = []
    for booth in outcome.booths:
        key = newest.machine(booth.machine_id).public_key
        for printed in booth.printer.printed:
            if printed.qr_payload is None:
                continue
            kind = canonical.decode_object(printed.qr_payload)["body"]["format"]
            report = decode_report(printed.qr_payload, kind, "report")
            report.verify(key, REPORT_PURPOSE, "report")
            formats.append(kind)
    assert formats.count(ZERO_FORMAT) == formats.count(CLOSING_FORMAT) == len(outcome.booths)
