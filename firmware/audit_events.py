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
    COUNTING_SESSION_OPENED = 2050  # The counting session's log was opened (counting manager and result-signing key fingerprint)
    VALIDITY_DECIDED = 2051  # The counting manager decided a vote's validity after hearing the witnesses (art. 9-4)
    COPY_MEDIUM_DECIDED = 2052  # The counting manager decided to count a machine's copy medium (art. 10-2)
    RECONCILIATION_DECIDED = 2053  # The counting manager decided on a reconciliation mismatch
    PAPER_ENTRY_RECORDED = 2054  # An officer entered the count of a batch of paper ballots
    PAPER_MISMATCH_RESOLVED = 2055  # The counting manager resolved a mismatch between the two entries of a paper batch
    PAPER_MERGED = 2056  # The paper ballot counts were merged into the result
    RESULT_SIGNED = 2057  # The result was signed and the report produced
    MEDIA_SPACE_LOW = 1320  # The poll manager was warned that a medium or slot table is nearly full
    POWER_FAILING = 1321  # The UPS signalled a power failure; voting was suspended safely
    MEDIA_REMOVABLE = 1322  # Seal and audit log were written to both media and read back; they may be removed
    LEDGER_REPAIRED = 1323  # A card-ledger line torn by a power cut was removed at start-up
    INACTIVITY_ALERT = 1750  # After the inactivity limit the voter was alerted and asked to continue
    INACTIVITY_RESUMED = 1751  # The voter answered the inactivity alert and continued
    SESSION_LOCKED = 1752  # No answer to the alert: session abandoned, selections wiped, nothing recorded; locked until the poll manager
    SESSION_UNLOCKED = 1753  # The poll manager unlocked the machine after an abandoned session (nothing was recorded)
    ASSISTED_MODE_ENABLED = 1754  # The poll manager named two assistants and set assisted voting for the next session (art. 7)
    ASSISTED_MODE_CANCELLED = 1755  # The poll manager cancelled a pending assisted voting mode
    ADMIN_VIEW_SHOWN = 1756  # The poll manager viewed the counts, the media status or the audit log
    RESULT_COUNTED = 2058  # Counting finished; the hash of the totals is recorded
    NIGHT_SEALED_MEDIUM_DECIDED = 2059  # The counting manager decided, after hearing the witnesses, about a medium sealed for the night only
    REPORT_REPRINTED = 1050  # The poll manager reprinted the last report
    NETWORK_INTERFACE_FOUND = 1051  # A network interface other than loopback exists; opening the polls was refused (art. 4-2)
    POLLS_CLOSED_FOR_NIGHT = 1052  # Early voting: polls closed for the night and the media sealed (not final)
    REOPEN_CHECK = 1053  # Early voting: next morning, the media were checked against the previous night's seal
    AUDIT_LOG_REPAIRED = 1324  # An audit-log line torn by a power cut was removed at start-up
    KEY_CEREMONY_COMPLETED = 2001  # The counting key was generated and split k-of-n onto key holders' cards (public key fingerprint and threshold recorded)
    KEY_SHARE_READ = 2002  # A key holder's card PIN was checked and the share read (holder and outcome only, never the share)
    COUNTING_KEY_UNLOCKED = 2003  # The counting key was rebuilt in memory from a quorum of key holders' shares and matched the public key
    COUNTING_KEY_UNLOCK_REFUSED = 2004  # The counting key was not rebuilt (too few holders, or a wrong, altered or foreign share)
    COUNTING_KEY_WIPED = 2005  # The counting key was wiped from memory
    MEDIUM_IMPORTED = 2006  # A vote medium was imported and verified (machine, primary or copy, records, outcome)
    IMPORT_COMPLETED = 2007  # Import of all media finished (machines counted, problems, machines without a medium)
    RECONCILIATION_CHECKED = 2008  # Voting cards and sessions were reconciled per polling place and machine (mismatches)
    ADMIN_CARD_AUTHENTICATED = 1120  # An admin card's authenticity was checked with its no-PIN key (commission certificate, election, validity, signature)
    ADMIN_SESSION_EXPIRED = 1121  # An admin session ended at its idle or overall time limit (package settings)
    ADMIN_OPERATION_SIGNED = 1122  # The admin card signed its approval of a management operation (operation; reason on failure)
    CARD_READER_FAULT = 1123  # Card reader or card fault (no reader, two cards, foreign card, malformed answer)
    VOTING_CARD_CONSUMPTION_COMPLETED = 1124  # A card whose vote this machine recorded, still locked here (pulled or power lost before it was marked), was marked used when inserted again
    VOTING_CARD_RELEASE_ARMED = 1520  # The poll manager authorised releasing the next voting card inserted
    ISSUER_LOGIN = 1521  # A poll manager logged in to the reception card issuer (success or failure)
    VOTING_CARD_ISSUED = 1522  # Reception issued a voting card (ballot style only, no voter identity)
    VOTING_CARD_VOIDED = 1523  # Reception voided a spoiled voting card
    ISSUER_COUNTS_PRINTED = 1524  # The card issuer printed its counts for reconciliation (issued, consumed, voided, outstanding)
