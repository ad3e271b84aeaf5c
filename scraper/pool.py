"""Several accounts walked at once: a bounded pool of worker processes, one browser each.

Each worker process runs scraper.run.run_account for one account at a time, with its own Playwright
instance, Chromium, context, session file, credentials and pacing; the parent keeps the history and the
alerts, so history writes stay in one process, one account's write one transaction (scraper.cli).

Processes, not threads: Playwright's sync API is not thread-safe (one instance per thread would work, but a
crash or a hung page in one thread could still take the others with it), and a process that dies (a
Chromium or driver crash, the OOM killer) costs only its own account. One browser per worker by default;
``settings.parallel_browser: shared`` has every worker connect over CDP to one Chromium the parent started
(scraper.browser.shared_chromium), which saves memory (docs/performance.md) but is one failure point for
every account and opens a DevTools port on 127.0.0.1 for the run.
"""

from __future__ import annotations

import multiprocessing
import signal
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess

from scraper.config import Account, Settings
from scraper.credentials import Credentials
from scraper.errors import TimeLimitExceeded
from scraper.run import AccountRun, RunOptions, run_account, unread_run
from scraper.spec import load_spec
from scraper.status import SectionStatus
from scraper.text import quiet
from scraper.timelimit import time_limit, timed_out_run
from scraper.windows import Planned, planned_windows

MAX_PARALLEL = 32
"""The largest pool ``--parallel`` accepts: each worker is a Chromium (about 0.3-0.5 GB)."""


@dataclass(frozen=True)
class Finished:
    """One account's walk as the pool hands it back: the run, or why the worker failed."""

    account: Account
    run: AccountRun
    crash: str | None = None
    """The worker's traceback when it raised or died (the run then says "crashed")."""


def _ignore_sigint() -> None:
    # Ctrl-C reaches the whole process group: the parent decides (it stops the workers and records the runs
    # as interrupted); a worker that died of it first would look like a crash.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _walk(
    spec_path: str,
    account: Account,
    settings: Settings,
    options: RunOptions,
    credentials: Credentials | None,
    limit: int | None = None,
    plans: Planned | None = None,
) -> AccountRun:
    """The worker's job: one account's whole run (the spec is read again here; it holds compiled
    functions that do not cross a process boundary) within the windows the parent judged from the history,
    stopped and reported not read after ``limit`` seconds (reading the spec included)."""
    try:
        with time_limit(limit):
            spec = load_spec(spec_path)
            windows = planned_windows(plans) if plans is not None else None
            return run_account(spec, account, settings, options, credentials, notify=quiet, windows=windows)
    except TimeLimitExceeded as exc:
        return timed_out_run(account, options, exc.seconds)


def crashed_run(account: Account, options: RunOptions, reason: str) -> AccountRun:
    """The run of an account whose worker raised or died: every section not read, with the cause."""
    return unread_run(account, options, f"[{account.name}] the walk crashed: {reason}", SectionStatus.CRASHED)


def _child(
    connection: Connection,
    spec_path: str,
    account: Account,
    settings: Settings,
    options: RunOptions,
    credentials: Credentials | None,
    limit: int | None = None,
    plans: Planned | None = None,
) -> None:
    _ignore_sigint()
    try:
        result: tuple[AccountRun | None, str | None, str | None] = (
            _walk(spec_path, account, settings, options, credentials, limit, plans),
            None,
            None,
        )
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        result = (None, first, "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    connection.send(result)
    connection.close()


def walk_accounts(
    spec_path: str,
    accounts: Sequence[Account],
    settings: Settings,
    options: RunOptions,
    credentials: Credentials | None,
    workers: int,
    time_limit_s: int | None = None,
    plans: Mapping[str, Planned] | None = None,
) -> Iterator[Finished]:
    """Walk ``accounts`` with at most ``workers`` at a time, each in its own process; yields each account
    as it finishes (not in order).

    One process per account rather than a reused pool: a worker that dies (killed, out of memory, a
    driver crash) then costs only its own account, which is reported crashed with the cause, where
    Python's ProcessPoolExecutor would fail every account still queued. Leaving the generator early
    (Ctrl-C) terminates the workers still running. ``time_limit_s``: each walk is stopped after this long
    and its account reported not read (scraper.timelimit). ``plans``: each account's reading windows by
    name, judged by the parent from the history before the walks (scraper.windows.plan_ahead).
    """
    # spawn, not fork: the parent may hold threads (the progress line, a webhook) and an open SQLite
    # connection, neither of which survives a fork safely.
    context = multiprocessing.get_context("spawn")
    queued = list(accounts)
    running: dict[Connection, tuple[Account, BaseProcess]] = {}
    process: BaseProcess
    try:
        while queued or running:
            while queued and len(running) < max(1, workers):
                account = queued.pop(0)
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(
                    target=_child,
                    args=(
                        sender,
                        spec_path,
                        account,
                        settings,
                        options,
                        credentials,
                        time_limit_s,
                        (plans or {}).get(account.name),
                    ),
                    name=f"sc-watch-{account.name}",
                )
                process.start()
                sender.close()  # the child holds the only writer: EOF then means it died
                running[receiver] = (account, process)
            for ready in wait(list(running)):
                assert isinstance(ready, Connection)
                account, process = running.pop(ready)
                try:
                    run, reason, trace = ready.recv()
                except EOFError:
                    process.join()
                    reason = f"its worker process died (exit code {process.exitcode}: killed, or out of memory)"
                    run, trace = None, reason
                finally:
                    ready.close()
                process.join()
                if run is None:
                    yield Finished(account, crashed_run(account, options, reason or "unknown"), trace)
                else:
                    yield Finished(account, run)
    finally:
        for _, process in running.values():
            process.terminate()
        for _, process in running.values():
            process.join(5)
