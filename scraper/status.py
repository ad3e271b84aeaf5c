"""The one status vocabulary: how a section read ended, and how an account's run ended.

The values are the exact words the history (SQLite), the JSON output, the report and the goldens have
always held, so existing histories keep their meaning; a StrEnum compares and serialises as its value.
"""

from __future__ import annotations

from enum import StrEnum


class SectionStatus(StrEnum):
    """How reading a section ended (and, for the run-level words, how an account's run ended).

    The reader (scraper/read.py) gives OK, EMPTY, INCOMPLETE, DRIFT, SIGNED_OUT, WRONG_MARKETPLACE, ERROR or
    CHALLENGE. The history records SIGNED_OUT as the run's reason (LOGIN_NEEDED, CHALLENGE, UNREACHABLE,
    CRASHED). A run's outcome is OK, UNREADABLE or one of those reasons, and INTERRUPTED, CRASHED or
    NOT_RECORDED when it stopped early; RUNNING is a run still under way (the report's word).
    """

    OK = "ok"
    EMPTY = "empty"
    INCOMPLETE = "incomplete"
    """Read, but not all of it (the page limit cut it, or Amazon's own count is higher): what was read is kept,
    nothing unseen is resolved, and it is never reported as green."""
    DRIFT = "drift"
    SIGNED_OUT = "signed_out"
    """The reader's word for a page that asked to sign in; the history records the run's reason instead."""
    LOGIN_NEEDED = "login needed"
    CHALLENGE = "challenge"
    """A CAPTCHA or an identity check (at sign-in or in the middle of the walk)."""
    WRONG_MARKETPLACE = "wrong marketplace"
    ERROR = "error"
    UNREACHABLE = "unreachable"
    CRASHED = "crashed"
    TIMED_OUT = "timed out"
    """A run stopped by its time limit (``run --time-limit``, the distributed run's settings.queue)."""
    INTERRUPTED = "interrupted"
    NOT_RECORDED = "not recorded"
    UNREADABLE = "unreadable"
    RUNNING = "running"


READ_OK: tuple[SectionStatus, ...] = (SectionStatus.OK, SectionStatus.EMPTY)
"""Statuses that count as a successful read."""

APPLIED: tuple[SectionStatus, ...] = (SectionStatus.OK, SectionStatus.EMPTY, SectionStatus.INCOMPLETE)
"""Statuses whose records go into the history: an incomplete read is applied in part (nothing it did not see
is resolved), and is never counted as a successful read."""

STOPPED_EARLY: tuple[SectionStatus, ...] = (
    SectionStatus.INTERRUPTED,
    SectionStatus.CRASHED,
    SectionStatus.NOT_RECORDED,
)
"""Run outcomes of a run that stopped before it finished and recorded nothing."""


def sql_in(statuses: tuple[SectionStatus, ...]) -> str:
    """The statuses as an SQL ``IN`` list of literals (constants of this module, never user input)."""
    return "(" + ", ".join("'" + str(s) + "'" for s in statuses) + ")"
