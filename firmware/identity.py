"""The machine's identity on internal storage: its id, its signing key and the commission's
public key, given once by ``provision`` (new keys per election, brief §8) and read at every
start. Every other part receives the one ``MachineIdentity`` it needs."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from firmware.assisted import ASSISTED_FILE
from firmware.cast_journal import JOURNAL_FILE
from firmware.interfaces import InternalStorage, RandomSource

MACHINE_ID_FILE = "machine.id"
MACHINE_KEY_FILE = "machine.key"
COMMISSION_KEY_FILE = "commission.pub"
PACKAGE_FILE = "package.json"
STATE_FILE = "state.json"
LAST_REPORT_FILE = "last-report.json"
LOCKED_FILE = "locked.json"


@dataclass(frozen=True)
class MachineIdentity:
    machine_id: str  # "" when not provisioned
    key: Ed25519PrivateKey | None  # None when not provisioned
    commission_key: bytes

    @classmethod
    def read(cls, storage: InternalStorage) -> MachineIdentity:
        machine_id = storage.read(MACHINE_ID_FILE)
        key = storage.read(MACHINE_KEY_FILE)
        return cls(
            machine_id.decode() if machine_id else "",
            Ed25519PrivateKey.from_private_bytes(key) if key else None,
            storage.read(COMMISSION_KEY_FILE) or b"",
        )

    @property
    def signing_key(self) -> Ed25519PrivateKey:
        """The key, for the operations that only run once a package is loaded (which needs a
        provisioned machine)."""
        assert self.key is not None, "not provisioned"
        return self.key


def provision(
    storage: InternalStorage, machine_id: str, commission_public_key: bytes, random: RandomSource
) -> bytes:
    """Give a machine its id, the commission's public key and a new signing key (new keys per
    election, brief §8). Returns the machine's public key for the election package."""
    key = Ed25519PrivateKey.from_private_bytes(random.token(32))
    storage.write_atomic(MACHINE_ID_FILE, machine_id.encode())
    storage.write_atomic(MACHINE_KEY_FILE, key.private_bytes_raw())
    storage.write_atomic(COMMISSION_KEY_FILE, commission_public_key)
    for stale in (PACKAGE_FILE, STATE_FILE, JOURNAL_FILE, "cards.log", "audit.log",
                  ASSISTED_FILE, LOCKED_FILE):
        storage.delete(stale)
    return key.public_key().public_bytes_raw()
