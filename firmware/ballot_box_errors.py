"""Why the ballot box cannot use its media as they are: each error's message tells the poll
manager what to do (art. 4-1-5). A medium's own faults (pulled, full, slow) are
``firmware.interfaces.MediumError``; these are about what the media hold."""

from __future__ import annotations


class BallotBoxError(Exception):
    """The media cannot be used as they are; the message tells the poll manager what to do."""


class MediumFromAnotherElection(BallotBoxError):
    pass


class MediaNotEmpty(BallotBoxError):
    pass


class MediaDisagree(BallotBoxError):
    pass
