"""Every event the machine takes: a person's touch or key, a card or medium moving, the UPS.
The UI and the drivers build these; ``firmware.machine.Machine.handle`` routes each one to the
part of the machine that owns it (firmware/machine.py says which)."""

from __future__ import annotations

from dataclasses import dataclass

from firmware.admin_views import AdminViewEvent, ShowAuditLog, ShowCounts, ShowMedia, ShowMenu
from firmware.assisted import CancelAssisted, EnableAssisted
from firmware.inactivity import KeepVoting, Tick
from firmware.keypad import KeyPressed
from firmware.voter_settings import ChangeSetting, OpenSettings

# --- cards and the poll manager ------------------------------------------------------------


@dataclass(frozen=True)
class CardInserted:
    """A card is in the reader (admin or voting; the machine asks the reader which)."""


@dataclass(frozen=True)
class CardRemoved_:
    """The card left the reader."""


@dataclass(frozen=True)
class PinEntered:
    pin: str


@dataclass(frozen=True)
class SignOut:
    pass


# --- the polling day (the poll manager's operations) ---------------------------------------


@dataclass(frozen=True)
class LoadPackage:
    data: bytes


@dataclass(frozen=True)
class ZeroCheck:
    pass


@dataclass(frozen=True)
class OpenPolls:
    pass


@dataclass(frozen=True)
class PausePolls:
    pass


@dataclass(frozen=True)
class ResumePolls:
    pass


@dataclass(frozen=True)
class ClosePolls:
    pass


@dataclass(frozen=True)
class ReleaseCard:
    """Poll manager releases the voting card in the reader whose vote was not recorded."""


@dataclass(frozen=True)
class CloseForNight:
    """期日前投票: end the day, sealing the media with ``final = false``; reopen tomorrow."""


@dataclass(frozen=True)
class ReopenCheck:
    """期日前投票, next morning: check the media against last night's seal; print the report."""


@dataclass(frozen=True)
class ReprintReport:
    """Print the last report again (kept in internal storage: paper out, or another copy)."""


# --- the voter's ballot --------------------------------------------------------------------


@dataclass(frozen=True)
class Select:
    """A candidate id, ``"blank"`` (白票, where allowed) or ``"abstain"`` (棄権 in this contest)."""

    choice: str


@dataclass(frozen=True)
class Next:
    pass


@dataclass(frozen=True)
class Back:
    pass


@dataclass(frozen=True)
class ChangeContest:
    contest_id: str


@dataclass(frozen=True)
class Cast:
    pass


@dataclass(frozen=True)
class EndWithoutVoting:
    pass


# --- devices -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PowerFailing:
    """The UPS reports that mains power failed (drivers/ups.py): suspend voting safely."""


@dataclass(frozen=True)
class MediaChanged:
    """udev saw a vote medium inserted or removed (drivers/media_bay.py, through the main loop):
    check both media now instead of at the next vote (art. 4-1-5)."""


VoterEvent = Select | Next | Back | ChangeContest | Cast | EndWithoutVoting
BoothEvent = Tick | KeyPressed | ChangeSetting | OpenSettings | KeepVoting
AdminEvent = (
    LoadPackage | ZeroCheck | OpenPolls | PausePolls | ResumePolls | ClosePolls | ReleaseCard
    | CloseForNight | ReopenCheck | ReprintReport | AdminViewEvent
)
Event = (
    CardInserted | CardRemoved_ | PinEntered | SignOut | PowerFailing | MediaChanged
    | VoterEvent | BoothEvent | AdminEvent
)

BOOTH_EVENTS = (Tick, KeyPressed, ChangeSetting, OpenSettings, KeepVoting)
ADMIN_VIEW_EVENTS = (ShowCounts, ShowMedia, ShowAuditLog, ShowMenu, EnableAssisted,
                     CancelAssisted)
ADMIN_EVENTS = (LoadPackage, ZeroCheck, OpenPolls, PausePolls, ResumePolls, ClosePolls, ReleaseCard,
                CloseForNight, ReopenCheck, ReprintReport, *ADMIN_VIEW_EVENTS)
