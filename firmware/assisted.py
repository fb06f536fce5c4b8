"""Assisted voting (法第7条). At the voter's request the poll manager (投票管理者), after hearing
the polling witnesses, names two assistants (補助者) from the poll workers: for proxy voting
(代理投票, art. 7-1/7-2) one operates the machine for the voter's choice and the other watches;
for operating help (操作補助, art. 7-3/7-4) one advises and helps — never records the choice —
and the other watches.

The machine keeps only a count per kind, for the closing report. The session that uses the
mode gets no mark: nothing in the card ledger, on the media or in the audit log says which
session (or vote) was assisted."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from election import canonical
from firmware.interfaces import InternalStorage

ASSISTED_FILE = "assisted.json"


class AssistKind(StrEnum):
    PROXY = "proxy"  # 代理投票 (art. 7-2)
    OPERATION = "operation"  # 操作補助 (art. 7-4)


@dataclass(frozen=True)
class EnableAssisted:
    """The poll manager turns assisted mode on for the next voter session."""

    kind: AssistKind
    assistants: tuple[str, ...]


@dataclass(frozen=True)
class CancelAssisted:
    """The poll manager turns a pending assisted mode off before a session used it."""


class AssistantsInvalid(ValueError):
    """Art. 7 needs exactly two different assistants, named."""


@dataclass(frozen=True)
class PendingAssist:
    kind: AssistKind
    assistants: tuple[str, str]


class AssistedVoting:
    """The pending assisted mode (memory only) and the counts (internal storage)."""

    def __init__(self, storage: InternalStorage) -> None:
        self._storage = storage
        self.pending: PendingAssist | None = None
        saved = storage.read(ASSISTED_FILE)
        data = canonical.decode_object(saved) if saved else {}
        self._counts = {kind: int(data.get(kind.value, 0)) for kind in AssistKind}

    @property
    def counts(self) -> dict[AssistKind, int]:
        return dict(self._counts)

    @property
    def sessions(self) -> int:
        return sum(self._counts.values())

    def enable(self, kind: AssistKind, assistants: tuple[str, ...]) -> PendingAssist:
        names = tuple(name.strip() for name in assistants)
        if len(names) != 2 or not all(names) or names[0] == names[1]:
            raise AssistantsInvalid(
                "補助者は投票事務従事者から異なる2人を指定してください（法第7条）/ name two "
                "different assistants from the poll workers (art. 7)"
            )
        self.pending = PendingAssist(AssistKind(kind), (names[0], names[1]))
        return self.pending

    def start_session(self) -> bool:
        """A voter session begins: count it if assisted mode was pending, then clear it."""
        if self.pending is None:
            return False
        self._counts[self.pending.kind] += 1
        self.pending = None
        self._storage.write_atomic(
            ASSISTED_FILE, canonical.encode({k.value: n for k, n in self._counts.items()})
        )
        return True
