"""A generated election for the large counting test and the counting benchmark.

Simulated voters at many machines make their choices (seeded); every choice is encrypted to the
counting key with the real HPKE suite (media/vote_record.py), put into a uniformly random free
slot, and each machine's media are written with the published format's own writers — header,
slot tables, audit log, seal, all signed by that machine's key listed in a commission-signed
package (docs/media-format.md §4–§10). What the voters chose is kept aside (``truth``), so the
count can be compared with it. The counting private key exists only as k-of-n shares on
simulated key-holder cards written by the real ceremony (counting/ceremony.py).

Generation is slow (one HPKE encryption per record, ~0.25 ms): it runs on every core and is cached
in a directory outside the repository (``--cache``), keyed by its parameters.

    python -m bench.election_gen --voters 1000 --machines 500 --cache /tmp/tohyoki-bench
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from counting.ceremony import run_ceremony
from drivers.card_keyholder_sim import SimulatedKeyHolderCard
from election.authoring import author_package, read_source
from election.package import SignedPackage, load_package, sign_package
from media.audit_log import GENESIS, AuditEntry, entry_hash
from media.counting_key import public_key as load_public_key
from media.layout import (
    AUDIT_LOG_FILE,
    DIRECTORY,
    HEADER_FILE,
    HEADER_FORMAT,
    SEAL_FILE,
    SLOT_FILE,
    MediumHeader,
    MediumRole,
    table_entries,
)
from media.seal import Seal, SealedTable
from media.slot import SLOT_SIZE, encode_slot, table_digest
from media.vote_record import BLANK, Choice, encrypt_vote

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "election" / "examples" / "tsukuba.toml"
JST = timezone(timedelta(hours=9))
FORMAT = 5  # bump when the generated layout changes, so stale caches are not reused
HOLDERS = ("鍵保管者A", "鍵保管者B", "鍵保管者C", "鍵保管者D", "鍵保管者E")
HOLDER_PINS = ("2468", "1357", "9753", "8642", "1122")
THRESHOLD = 3
MACHINES_PER_PLACE = 5


def _key(label: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(label.encode()).digest())


def machine_key(seed: int, machine_id: str) -> Ed25519PrivateKey:
    """The generated machine's signing key (tests use it to play a compromised machine)."""
    return _key(f"gen:{seed}:{machine_id}")


def issuer_key(seed: int, issuer_id: str) -> Ed25519PrivateKey:
    """The generated reception desk's key (tests sign the desk's report with it)."""
    return _key(f"gen:{seed}:{issuer_id}")


def machine_ids(machines: int) -> list[str]:
    return [f"G-{i:04d}" for i in range(1, machines + 1)]


def place_of(index: int) -> str:
    return f"g{index // MACHINES_PER_PLACE + 1:03d}"


@dataclass(frozen=True)
class Election:
    root: Path
    versions: tuple[SignedPackage, ...]
    commission_public: bytes
    counting_public: bytes
    truth: dict[str, dict[str, int]]  # contest -> candidate id or "blank" -> votes
    per_machine: dict[str, dict[str, int]]  # machine -> contest -> records
    per_place: dict[str, dict[str, int]]  # place -> the reception desk's issued/voided/outstanding

    @property
    def seed(self) -> int:
        return int(self.versions[0].package.election_id.removeprefix("generated-"))

    @property
    def media_dir(self) -> Path:
        return self.root / "media"

    def media(self) -> list[Path]:
        return sorted(self.media_dir.iterdir())

    def key_holder_cards(self) -> list[tuple[SimulatedKeyHolderCard, str]]:
        cards = sorted((self.root / "cards").iterdir())
        return [(SimulatedKeyHolderCard.load(p), pin)
                for p, pin in zip(cards, HOLDER_PINS, strict=True)]


def make_package(seed: int, machines: int, slots: int, counting_public: bytes,
                 commission: Ed25519PrivateKey) -> SignedPackage:
    source = read_source(SOURCE.read_text(encoding="utf-8"))
    source["election_id"] = f"generated-{seed}"
    source["settings"]["slots_per_contest"] = slots
    ids = machine_ids(machines)
    places = sorted({place_of(i) for i in range(machines)})
    source["polling_places"] = [{"place_id": p, "name": f"第{p[1:]}投票所（生成）"}
                                for p in places]
    source["machines"] = [{"machine_id": m, "place_id": place_of(i)} for i, m in enumerate(ids)]
    source["issuers"] = [{"issuer_id": f"R-{p}", "place_id": p} for p in places]
    package = author_package(
        source,
        machine_keys={m: _key(f"gen:{seed}:{m}").public_key().public_bytes_raw() for m in ids},
        issuer_keys={f"R-{p}": _key(f"gen:{seed}:R-{p}").public_key().public_bytes_raw()
                     for p in places},
        counting_public_key=counting_public,
    )
    return sign_package(package, commission)


def _choose(rng: random.Random, candidates: list[str], blank_allowed: bool) -> str | None:
    if blank_allowed and rng.random() < 0.03:
        return None
    weights = [1.0 / (i + 1) for i in range(len(candidates))]  # a lopsided, realistic race
    return rng.choices(candidates, weights)[0]


_JOB: dict[str, Any] = {}


def _init(job: dict[str, Any]) -> None:
    _JOB.clear()
    _JOB.update(job)


def write_machine(index: int) -> tuple[str, dict[str, Counter[str]], int, int]:
    """Vote and close one machine; write its primary (and copy) medium. Returns what its
    voters chose (for the truth), sessions that voted, and sessions without a vote."""
    job = _JOB
    seed, voters, slots = job["seed"], job["voters"], job["slots"]
    signed: SignedPackage = job["signed"]
    package = signed.package
    machine_id = machine_ids(job["machines"])[index]
    key = _key(f"gen:{seed}:{machine_id}")
    rng = random.Random(f"{seed}:{machine_id}")
    public = load_public_key(package.counting_public_key)
    contests = package.contests
    tables: dict[str, dict[int, bytes]] = {c.contest_id: {} for c in contests}
    chosen: dict[str, Counter[str]] = {c.contest_id: Counter() for c in contests}
    entries: list[bytes] = []
    head = GENESIS
    clock = datetime(2026, 11, 29, 7, 0, tzinfo=JST)

    def log(event_id: int, event: str, detail: dict[str, Any]) -> None:
        nonlocal head, clock
        clock += timedelta(seconds=rng.randint(5, 40))
        line = AuditEntry(len(entries) + 1, clock.isoformat(timespec="seconds"), event_id,
                          event, "done", detail, head).encode()
        entries.append(line)
        head = entry_hash(line)

    log(1301, "media_prepare", {"machine_id": machine_id})
    log(1401, "polls_opened", {})
    without_vote = 0
    for voter in range(voters):
        if voter % 37 == 36:  # some voters end without voting (棄権; the card is consumed)
            without_vote += 1
            log(1503, "session_ended_without_vote", {})
            continue
        mayor_only = voter % 11 == 5  # some cards carry only the first contest
        for n, contest in enumerate(contests):
            if mayor_only and n > 0:
                continue
            candidates = [c.candidate_id for c in contest.candidates]
            pick = _choose(rng, candidates, contest.blank_allowed)
            record = encrypt_vote(public, package.election_id, contest.contest_id,
                                  BLANK if pick is None else Choice(pick))
            free = rng.randrange(slots)
            while free in tables[contest.contest_id]:
                free = rng.randrange(slots)
            tables[contest.contest_id][free] = record
            chosen[contest.contest_id]["blank" if pick is None else pick] += 1
        log(1502, "vote_commit", {})
    log(1404, "polls_closed", {})
    voted = voters - without_vote
    sealed = Seal(
        machine_id=machine_id,
        election_id=package.election_id,
        package_fingerprint=signed.fingerprint,
        closing_number=1,
        final=True,
        tables=tuple(SealedTable(c.contest_id, len(tables[c.contest_id]),
                                 table_digest(list(tables[c.contest_id].values())))
                     for c in contests),
        sessions_voted=voted,
        sessions_without_vote=without_vote,
        audit_log_entries=len(entries),
        audit_log_head=head,
    )
    roles = [MediumRole.PRIMARY] + ([MediumRole.COPY] if job["copies"] else [])
    primary_dir: Path | None = None
    for role in roles:
        medium_id = f"{machine_id}-{role.value}-{rng.getrandbits(32):08x}"
        target = Path(job["media"]) / f"{machine_id}-{role.value}"
        (target / DIRECTORY).mkdir(parents=True)
        header = MediumHeader(
            medium_id=medium_id, role=role, machine_id=machine_id,
            election_id=package.election_id, package_fingerprint=signed.fingerprint,
            tables=table_entries((c.contest_id, slots) for c in contests),
        )
        (target / HEADER_FILE).write_bytes(header.encode(key))
        path = target / SLOT_FILE
        if primary_dir is not None:  # the copy's slot file is identical, slot by slot
            shutil.copyfile(primary_dir / SLOT_FILE, path)
        else:
            with path.open("wb") as out:  # each contest's region in turn (§8.2)
                empty = bytes(SLOT_SIZE)
                for contest in contests:
                    filled = tables[contest.contest_id]
                    for slot in range(slots):
                        out.write(encode_slot(filled[slot]) if slot in filled else empty)
        (target / AUDIT_LOG_FILE).write_bytes(b"".join(line + b"\n" for line in entries))
        (target / SEAL_FILE).write_bytes(sealed.encode(key))
        primary_dir = target
    return machine_id, chosen, voted, without_vote


def generate(root: Path, *, seed: int, machines: int, voters: int, copies: bool = True,
             workers: int | None = None) -> Election:
    """Write the whole election into ``root`` (which must not exist) and return it."""
    tmp = root.with_name(root.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "media").mkdir(parents=True)
    (tmp / "cards").mkdir()
    commission = _key(f"gen:{seed}:commission")
    cards = [SimulatedKeyHolderCard.issue(h, p) for h, p in zip(HOLDERS, HOLDER_PINS,
                                                                 strict=True)]
    ceremony = run_ceremony(list(zip(cards, HOLDER_PINS, strict=True)), THRESHOLD)
    for n, card in enumerate(cards, start=1):
        card.save(tmp / "cards" / f"keyholder-{n}.card")
    slots = voters * 3 // 2 + 16
    signed = make_package(seed, machines, slots, ceremony.public_key, commission)
    job = {"seed": seed, "voters": voters, "slots": slots, "signed": signed,
           "machines": machines, "media": str(tmp / "media"), "copies": copies}
    truth: dict[str, Counter[str]] = {c.contest_id: Counter() for c in signed.package.contests}
    per_machine: dict[str, dict[str, int]] = {}
    per_place: dict[str, dict[str, int]] = {}
    workers = workers or os.cpu_count() or 1
    context = multiprocessing.get_context("forkserver")  # fork can deadlock under threads
    with context.Pool(workers, _init, (job,)) as pool:
        for machine_id, chosen, voted, without in pool.imap_unordered(
                write_machine, range(machines)):
            for contest_id, counts in chosen.items():
                truth[contest_id].update(counts)
            per_machine[machine_id] = {c: sum(v.values()) for c, v in chosen.items()}
            place = signed.package.machine(machine_id).place_id
            row = per_place.setdefault(place, {"issued": 1, "voided": 0, "outstanding": 1})
            # the reception desk's figures: every session's card, one card per machine spoiled
            # and voided at the desk, and one card per place issued but never used or returned
            row["issued"] += voted + without + 1
            row["voided"] += 1
    (tmp / "package.json").write_bytes(signed.to_bytes())
    (tmp / "election.json").write_text(json.dumps({
        "commission_public": commission.public_key().public_bytes_raw().hex(),
        "truth": {c: dict(v) for c, v in truth.items()},
        "per_machine": per_machine,
        "per_place": per_place,
    }, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    tmp.rename(root)
    return load(root)


def load(root: Path) -> Election:
    meta = json.loads((root / "election.json").read_text(encoding="utf-8"))
    commission = bytes.fromhex(meta["commission_public"])
    signed = load_package((root / "package.json").read_bytes(), commission)
    return Election(root, (signed,), commission, signed.package.counting_public_key,
                    meta["truth"], meta["per_machine"], meta["per_place"])


def cached(cache: Path, *, seed: int, machines: int, voters: int, copies: bool = True,
           workers: int | None = None) -> Election:
    """The generated election for these parameters, generated once into ``cache``."""
    # the media's header format is in the key: media of another format are regenerated, not
    # misread
    layout = HEADER_FORMAT.replace("/", "-")
    root = cache / (f"v{FORMAT}-{layout}-s{seed}-m{machines}-v{voters}-"
                    f"{'pc' if copies else 'p'}")
    if (root / "election.json").exists():
        return load(root)
    cache.mkdir(parents=True, exist_ok=True)
    return generate(root, seed=seed, machines=machines, voters=voters, copies=copies,
                    workers=workers)


def main() -> None:
    parser = argparse.ArgumentParser(description="generate a counting test election")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/tohyoki-bench"))
    parser.add_argument("--machines", type=int, default=500)
    parser.add_argument("--voters", type=int, default=1000, help="voters per machine")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-copies", action="store_true")
    args = parser.parse_args()
    election = cached(args.cache, seed=args.seed, machines=args.machines, voters=args.voters,
                      copies=not args.no_copies)
    print(election.root, sum(sum(v.values()) for v in election.truth.values()), "records")


if __name__ == "__main__":
    main()
