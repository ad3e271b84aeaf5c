"""A time limit on one account's run: past it the run is stopped and recorded as not read, never as green.

The limit is a real-time timer (SIGALRM) in the process that walks the account: its handler raises
TimeLimitExceeded wherever the walk is, which unwinds it as Ctrl-C or SIGTERM do (the browser is closed on
the way out; tests/test_browser_kill.py shows that unwinding for SIGTERM). Then the account's run is recorded
with every section "error" and the cause, and alerted, as a crashed worker is (scraper.pool.crashed_run).
Used by ``scraper run --time-limit`` and so by every task of the distributed run (scraper/distributed.py).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from scraper.config import Account
from scraper.errors import TimeLimitExceeded
from scraper.run import AccountRun, RunOptions, unread_run
from scraper.status import SectionStatus

TIMED_OUT = SectionStatus.TIMED_OUT
"""The run's outcome in the history (runs.outcome) when its time limit stopped it."""


@contextmanager
def time_limit(seconds: int | None) -> Iterator[None]:
    """Raise TimeLimitExceeded inside the block once ``seconds`` have passed (None: no limit).

    Needs the main thread (signal handlers live there): elsewhere a limit is refused rather than silently
    not kept.
    """
    if not seconds:
        yield
        return
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("a time limit needs the main thread")

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeLimitExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def timed_out_run(account: Account, options: RunOptions, seconds: int) -> AccountRun:
    """The run of an account stopped by its time limit: every section not read, with the cause."""
    message = (
        f"[{account.name}] not read: the run was stopped after its time limit of {seconds} s "
        "(settings.queue.time_limit_s or --time-limit)"
    )
    return unread_run(account, options, message, TIMED_OUT)
