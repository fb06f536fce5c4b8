"""The electronic ballot box (投票箱): the primary and copy media kept as mirrors, written so a
crash at any point leaves each vote either recorded on both or not recorded at all (art. 4-1-4,
4-1-5), with a journal on internal storage that says which (docs/media-format.md §7.5). Its
parts: headers (``medium_headers``), card ledger (``card_ledger``), journal (``cast_journal``),
recovery (``cast_recovery``), space warnings (``media_space``) and the seal at a close
(``sealing``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from election.package import SignedPackage
from firmware.ballot_box_errors import (
    BallotBoxError,
    MediaDisagree,
    MediaNotEmpty,
    MediumFromAnotherElection,
)
from firmware.card_ledger import CardLedger, LedgerLine
from firmware.cast_journal import (
    CARD_OFFSET,
    JOURNAL_FILE,
    JOURNAL_SIZE,
    Reservation,
    ReservedSlot,
    decode_card,
    decode_journal,
    encode_card,
    encode_journal,
    is_clear,
)
from firmware.cast_recovery import RecoveryOutcome, resolve_reservation
from firmware.interfaces import (
    InternalStorage,
    MediumError,
    MediumIOError,
    MediumReplaced,
    MediumStore,
    MediumWriteNotStarted,
    RandomSource,
)
from firmware.media_space import space_warning
from firmware.medium_headers import initialise_medium, replaced_medium, verified_header
from firmware.sealing import build_seal, write_seal
from media.layout import (
    HEADER_FILE,
    SEAL_FILE,
    SLOT_FILE,
    MediumHeader,
    MediumRole,
    TableEntry,
)
from media.seal import Seal
from media.slot import (
    EMPTY_SLOT,
    SLOT_SIZE,
    Damaged,
    Empty,
    Filled,
    decode_slot,
    encode_slot,
    split_table,
)

# What the machine and the other parts import from here, besides the ballot box itself.
__all__ = [
    "BallotBox",
    "BallotBoxError",
    "LedgerLine",
    "MediaDisagree",
    "MediaNotEmpty",
    "MediumFromAnotherElection",
    "RecoveryOutcome",
]


class BallotBox:
    def __init__(
        self,
        primary: MediumStore,
        copy: MediumStore,
        storage: InternalStorage,
        random: RandomSource,
    ) -> None:
        self.primary = primary
        self.copy = copy
        self._storage = storage
        self._random = random
        self.ledger = CardLedger(storage)
        self.header: MediumHeader | None = None
        self.copy_header: MediumHeader | None = None
        self._header_bytes: dict[str, bytes] = {}
        self.ledger_repaired = False
        self._free: dict[str, list[int]] | None = None
        self._journal_ready = False
        self._reservation: Reservation | None = None
        self._card_id = ""  # the reserved card: in memory; on storage only while it is cast
        self._written = False  # the reserved card's vote is on both media (or it abstained)
        self._used: set[str] = set()
        self._unresolved = False  # a cast failed and could not be taken back: see recover()

    # --- preparing -----------------------------------------------------------------------

    def prepare(
        self,
        machine_id: str,
        signed: SignedPackage,
        machine_key: Ed25519PrivateKey,
        initialise: bool = False,
    ) -> bool:
        """Verify media already initialised for this election, or — only while the machine is
        being set up (``initialise``) — initialise blank ones. Once a vote may exist, a blank
        medium is never silently turned into an empty ballot box: it is refused, so a primary or
        copy swapped for a blank one mid-day cannot hide the votes it should hold (art. 10).
        Returns True when the media were newly initialised."""
        public_key = machine_key.public_key().public_bytes_raw()
        created = False
        headers = []
        for store, role in ((self.primary, MediumRole.PRIMARY), (self.copy, MediumRole.COPY)):
            if not store.exists(HEADER_FILE):
                if not initialise:
                    raise MediumFromAnotherElection(
                        f"{store.label}: 初期化されていない記録媒体です。投票開始後は交換できません"
                        " / this medium is blank; media cannot be replaced once the election is "
                        "set up"
                    )
                initialise_medium(store, role, self._random.token(8).hex(), machine_id, signed,
                                  machine_key)
                created = True
            header = verified_header(store, role, machine_id, signed.package.election_id,
                                     public_key)
            self._header_bytes[store.label] = store.read(HEADER_FILE)
            headers.append(header)
        self.header, self.copy_header = headers
        if [t for t in self.header.tables] != [t for t in self.copy_header.tables]:
            raise MediaDisagree("正副の記録媒体の構成が違います / primary and copy layouts differ")
        return created

    def check_identity(self) -> None:
        """The media in the slots are still the ones verified at start-up: same header bytes,
        so same ``medium_id`` (§8.2). A medium swapped mid-day — blank, another machine's, or
        another medium of this one — stops voting with ``MediumReplaced``."""
        for store in (self.primary, self.copy):
            self._check_medium(store)

    def _check_medium(self, store: MediumStore) -> None:
        expected = self.header if store is self.primary else self.copy_header
        if expected is None:
            raise BallotBoxError("記録媒体が準備されていません / media are not prepared")
        try:
            current = store.read(HEADER_FILE)
        except FileNotFoundError:
            current = b""
        if current != self._header_bytes.get(store.label):
            raise replaced_medium(store, expected, current)

    def space_warning(self, audit_bytes: int) -> str | None:
        """A warning for the poll manager well before a medium or a slot table is full."""
        return space_warning(self._tables(), self.free_slots, (self.primary, self.copy),
                             audit_bytes)

    def _tables(self) -> tuple[TableEntry, ...]:
        if self.header is None:
            raise BallotBoxError("記録媒体が準備されていません / media are not prepared")
        return self.header.tables

    # --- reading ---------------------------------------------------------------------------

    def slot_position(self, contest_id: str, index: int = 0) -> tuple[str, int]:
        """(file, byte offset) of slot ``index`` of a contest's table on either medium — with
        ``index`` 0, where the table's region starts. The one place a slot's position is worked
        out: from the verified header's table entry (§8.2), never from the journal."""
        self._tables()  # prepared, so the header is there
        assert self.header is not None
        try:
            return SLOT_FILE, self.header.table(contest_id).slot_offset(index)
        except (KeyError, IndexError):
            raise BallotBoxError(
                f"記録媒体に {contest_id} の記録位置 {index} はありません / the media have no "
                f"slot {index} for contest {contest_id}"
            ) from None

    def _read_tables(self, store: MediumStore) -> dict[str, bytes]:
        """Each contest's table region, from one read of the slot file."""
        data = store.read(SLOT_FILE)
        return {entry.contest_id: data[entry.offset : entry.end] for entry in self._tables()}

    def read_tables(self, store: MediumStore) -> dict[str, list[Empty | Filled | Damaged]]:
        """Each contest's slots, decoded, from one read of the slot file."""
        return {contest_id: [decode_slot(s) for s in split_table(region)]
                for contest_id, region in self._read_tables(store).items()}

    def records(self, store: MediumStore) -> dict[str, list[bytes]]:
        """Every record per contest; a damaged slot stops with an error naming the medium."""
        result: dict[str, list[bytes]] = {}
        for contest_id, slots in self.read_tables(store).items():
            found = []
            for slot in slots:
                if isinstance(slot, Damaged):
                    raise MediumIOError(
                        f"{store.label}: 記録が壊れています / a damaged record ({slot.reason})"
                    )
                if isinstance(slot, Filled):
                    found.append(slot.record)
            result[contest_id] = found
        return result

    def record_counts(self) -> dict[str, int]:
        return {c: len(r) for c, r in self.records(self.primary).items()}

    def zero_problems(self) -> list[str]:
        """What is not empty, in words for the zero report; an empty list means zero."""
        problems = []
        for store in (self.primary, self.copy):
            if store.exists(SEAL_FILE):
                problems.append(f"{store.label}: 封印記録があります / a seal is present")
            for contest_id, slots in self.read_tables(store).items():
                used = sum(not isinstance(s, Empty) for s in slots)
                if used:
                    problems.append(
                        f"{store.label}: {contest_id} に {used} 件の記録があります / "
                        f"{used} slots are not empty"
                    )
        return problems

    # --- casting ---------------------------------------------------------------------------

    def check_mirror(self) -> None:
        """Primary and copy must hold the same records; called at boot and before sealing."""
        primary = self.records(self.primary)
        copy = self.records(self.copy)
        for contest_id, records in primary.items():
            if sorted(records) != sorted(copy[contest_id]):
                raise MediaDisagree(
                    "正副の記録媒体の内容が一致しません / primary and copy hold different records"
                )

    def _free_lists(self) -> dict[str, list[int]]:
        """Slot indexes empty on both media, per contest: read from the media once after
        start-up or recovery, then kept as slots are reserved, used and given back."""
        if self._free is None:
            free: dict[str, list[int]] = {}
            on_primary, on_copy = self._read_tables(self.primary), self._read_tables(self.copy)
            for entry in self._tables():
                # decode_slot calls a slot Empty exactly when it is EMPTY_SLOT, so comparing raw
                # bytes picks the same slots without hashing every filled one.
                primary = split_table(on_primary[entry.contest_id])
                copy = split_table(on_copy[entry.contest_id])
                free[entry.contest_id] = [
                    i for i, (p, c) in enumerate(zip(primary, copy, strict=True))
                    if p == EMPTY_SLOT and c == EMPTY_SLOT
                ]
            self._free = free
        return self._free

    @property
    def free_slots(self) -> dict[str, int]:
        """Free slots per contest, once the tables have been read since start-up (else {})."""
        return {c: len(f) for c, f in (self._free or {}).items()}

    def _give_back(self, slots: list[ReservedSlot]) -> None:
        if self._free is None:
            return  # recomputed from the media when next needed
        for slot in slots:
            self._free[slot.contest_id].append(slot.index)

    def _journal(self, data: bytes) -> None:
        if not self._journal_ready:
            existing = self._storage.read(JOURNAL_FILE)
            if decode_journal(existing) is not None:
                raise BallotBoxError(
                    "中断された投票が未解決です。投票を再開してください / an interrupted vote is "
                    "not resolved yet; resume polls first"
                )
            if existing is None or len(existing) != JOURNAL_SIZE:
                self._storage.create(JOURNAL_FILE, JOURNAL_SIZE)
            self._journal_ready = True
        self._storage.write_at(JOURNAL_FILE, 0, data)

    def _pick(self, free: list[int]) -> int:
        """Take a uniformly random free slot, so a slot's position says nothing about when its
        vote was cast (secrecy: tests/test_firmware_secrecy.py measures it)."""
        return free.pop(self._random.below(len(free)))

    def reserve(self, card_id: str, card_contests: tuple[str, ...]) -> Reservation:
        """When a voting card is accepted, before the ballot is shown: choose a uniformly random
        slot, empty on both media, for each contest on the card, and make the journal say so
        durably — the slots, not the card (§14). Confirming then writes the media, and the card
        to the journal while the primary is written (§7.5)."""
        if self._unresolved:
            raise BallotBoxError(
                "中断された投票が未解決です。投票を再開してください / an interrupted vote is not "
                "resolved yet; resume polls first"
            )
        self.settle()
        self.check_identity()
        free = self._free_lists()
        if any(not free[c] for c in card_contests):
            raise BallotBoxError(
                "記録領域がいっぱいです。投票機を替えてください / the slot table is full"
            )
        slots = []
        for contest in card_contests:
            index = self._pick(free[contest])
            slots.append(ReservedSlot(contest, index))
        reservation = Reservation(tuple(card_contests), tuple(slots))
        try:
            for slot in slots:
                file, offset = self.slot_position(slot.contest_id, slot.index)
                for store in (self.primary, self.copy):
                    if store.read_at(file, offset, SLOT_SIZE) != EMPTY_SLOT:
                        raise MediaDisagree(
                            f"{store.label}: 空のはずの記録位置に書き込みがあります / a slot this "
                            "machine never wrote is not empty"
                        )
            self._journal(encode_journal(reservation))
        except BaseException:
            self._give_back(slots)
            raise
        self._reservation = reservation
        self._card_id = card_id
        self._written = False
        return reservation

    def cast(
        self,
        card_id: str,
        card_contests: tuple[str, ...],
        records: Mapping[str, bytes],
        consume_card: Callable[[], None],
    ) -> None:
        """Write the vote into the slots reserved for the card: the primary, then the copy, each
        synced and read back from the device, then consume the card. The card id goes to the
        journal while the primary is written, and the copy waits for it, so recovery knows whose
        vote the copy holds. The vote is recorded once the copy holds it; ``settle`` then writes
        the ledger line and clears the journal."""
        reservation = self._reservation
        if reservation is None or self._card_id != card_id or self._written:
            reservation = self.reserve(card_id, card_contests)  # checks the media's identity
        try:
            plan = [
                (*self.slot_position(slot.contest_id, slot.index),
                 encode_slot(records[slot.contest_id]))
                for slot in reservation.slots if slot.contest_id in records
            ]
        except KeyError as exc:
            raise BallotBoxError(f"contest {exc} is not on the card") from None
        if len(plan) != len(records):
            raise BallotBoxError("a record for a contest that is not on the card")
        self._used = {c for c in records}
        card_part = encode_card(card_id, reservation) if plan else None

        def before_copy() -> None:
            self._check_medium(self.copy)
            if card_part is not None:
                self._journal_card(card_part)

        failed: dict[str, MediumError] = {}
        try:
            # Each medium first checks that it is still the medium verified at start-up (the
            # voter may have taken minutes), then writes every slot, syncs once and reads the
            # slots back from its device, all under its deadline; the copy starts only once the
            # primary's slots are durable, and is written while the primary is read back (§7.5).
            # The copy's writer first makes the card's part of the journal durable, while the
            # primary is being written: the copy never holds a vote whose card recovery cannot
            # name, and the card id sits beside the slots only for the cast (§14).
            primary = self.primary.start_write_verified(
                plan, guard=lambda: self._check_medium(self.primary))
            copy = self.copy.start_write_verified(plan, after=primary, guard=before_copy)
            for store, write in ((self.copy, copy), (self.primary, primary)):  # copy ends last
                try:
                    write.wait()
                except MediumError as exc:
                    failed[store.label] = exc
            if failed:  # the primary's failure, if any, is the cause of the copy's
                raise failed.get(self.primary.label) or failed[self.copy.label]
        except MediumError:
            # The machine is alive and knows the vote did not reach both media: take it back
            # from wherever it landed, so it is plainly not recorded and the card can be
            # released. If even that fails, the journal stays and recovery resolves it. A
            # medium found replaced was not written, and is not touched now: it may be another
            # machine's, holding its votes.
            self._undo(plan, skip={label for label, exc in failed.items()
                                   if isinstance(exc, MediumReplaced)})
            raise
        if not plan:  # every contest abstained: nothing on the media says the card voted
            self.ledger.append(LedgerLine(card_id, True, reservation.contests))
        self._written = True
        consume_card()

    def _journal_card(self, part: bytes) -> None:
        """The card's part of the journal, on the copy's writer before it writes: if internal
        storage fails, the copy is not written and the vote is taken back from the primary."""
        try:
            self._storage.write_at(JOURNAL_FILE, CARD_OFFSET, part)
        except OSError as exc:
            raise MediumWriteNotStarted(
                f"{self.copy.label}: 投票機の内部記憶に書けないため書き込んでいません / not written: "
                f"the machine's internal storage failed ({exc})"
            ) from exc

    def settle(self) -> None:
        """After a cast (the card consumed, or pulled) or a session that ended: make the card's
        ledger line durable, then clear the journal (the card's part with it: a card id and slot
        positions are together on the machine from the confirmation to here, §14). Unused slots
        are freed."""
        reservation = self._reservation
        if reservation is None or self._unresolved:
            return
        if self._written:
            self.ledger.append(LedgerLine(self._card_id, True, reservation.contests))
        self._storage.write_at(JOURNAL_FILE, 0, bytes(JOURNAL_SIZE))
        unused = [s for s in reservation.slots if not (self._written and s.contest_id in self._used)]
        self._reservation = None
        self._card_id = ""
        self._written = False
        self._used = set()
        self._give_back(unused)

    def _undo(self, plan: list[tuple[str, int, bytes]], skip: set[str]) -> None:
        try:
            for store in (self.primary, self.copy):
                if store.label in skip:
                    continue  # its identity check stopped it before any write
                for file, offset, _ in plan:
                    if store.read_at(file, offset, SLOT_SIZE) != EMPTY_SLOT:
                        store.write_at(file, offset, EMPTY_SLOT)
        except MediumError:
            self._unresolved = True  # the journal stays; recovery resolves the vote
            return
        self._written = False
        self.settle()

    def recover(self) -> RecoveryOutcome | None:
        """Resolve a vote the journal says may have been under way; None when none was written.

        The vote is recorded exactly when the copy holds it (``cast_recovery``); otherwise it is
        taken back from both media. Then the journal is cleared."""
        self.ledger_repaired = self.ledger.repair() or self.ledger_repaired
        self._free = None
        self._reservation = None
        self._card_id = ""
        self._written = False
        self._unresolved = False
        raw = self._storage.read(JOURNAL_FILE)
        self._journal_ready = raw is not None and len(raw) == JOURNAL_SIZE
        entry = decode_journal(raw)
        if entry is None:
            if self._journal_ready and not is_clear(raw):
                # an entry torn while being written: no medium was written after it
                self._storage.write_at(JOURNAL_FILE, 0, bytes(JOURNAL_SIZE))
            return None
        outcome = resolve_reservation(entry, decode_card(raw, entry), self.slot_position,
                                      self.primary, self.copy, self.ledger)
        self._storage.write_at(JOURNAL_FILE, 0, bytes(JOURNAL_SIZE))
        return outcome

    # --- closing ---------------------------------------------------------------------------

    def seal(
        self,
        machine_id: str,
        signed: SignedPackage,
        machine_key: Ed25519PrivateKey,
        closing_number: int,
        final: bool,
        audit_log: bytes,
        audit_entries: int,
        audit_head: str,
    ) -> Seal:
        """Check the mirror, then write the same seal and audit log to both media."""
        self.check_mirror()
        seal = build_seal(machine_id, signed, self.records(self.primary), self.ledger.lines(),
                          closing_number, final, audit_entries, audit_head)
        write_seal((self.primary, self.copy), seal, machine_key, audit_log)
        return seal
