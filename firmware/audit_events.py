"""Audit-log event ids. GENERATED from firmware/events.toml — do not edit."""

from enum import IntEnum


class AuditEvent(IntEnum):
    """Every event the machine logs; the id is fixed forever."""

    MACHINE_BOOTED = 1001  # The machine started; the software hash is recorded
    MACHINE_PROVISIONED = 1002  # The machine was given its id and a new signing key
    ADMIN_CARD_INSERTED = 1101  # An admin card was inserted and its certificate checked
    ADMIN_PIN_CHECKED = 1102  # An admin card PIN was checked (success or failure, never the PIN)
    ADMIN_SESSION_ENDED = 1103  # An admin session ended (card removed or signed out)
    ADMIN_ACTION_REFUSED = 1104  # A management action was refused for lack of a session or role
    PACKAGE_LOAD = 1201  # An election package was loaded and its signature checked
    MEDIA_PREPARE = 1301  # The primary and copy media were initialised or verified
    ZERO_CHECK = 1302  # The media were checked to hold no vote (zero check)
    MEDIA_ERROR = 1303  # A media fault was detected
    MEDIA_SEAL = 1304  # The seal was written to both media
    RECOVERY = 1305  # An interrupted vote was resolved at start-up
    POLLS_OPENED = 1401  # Polls were opened
    POLLS_PAUSED = 1402  # Polls were paused
    POLLS_RESUMED = 1403  # Polls were resumed
    POLLS_CLOSED = 1404  # Polls were closed; no more votes can be cast
    VOTING_CARD_CHECKED = 1501  # A voting card was checked (accepted or refused)
    VOTE_COMMIT = 1502  # A vote was recorded on both media (its content is never logged)
    SESSION_ENDED_WITHOUT_VOTE = 1503  # A session ended without a vote; the card was consumed
    VOTING_CARD_RELEASED = 1504  # The poll manager released a card whose vote was not recorded
    REPORT_PRINTED = 1601  # A report was printed
