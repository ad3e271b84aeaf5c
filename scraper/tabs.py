"""One account's sections read side by side (``settings.section_tabs``), each group in a tab of its own.

A "tab" is a worker process of scraper.pool with its own browser context restoring the account's saved
session, reading a share of the sections; the results are put back together into one run, in the configured
order, so the history, the summary and the alerts cannot tell the difference. Opt-in and off by default:
every tab paces itself (``delay_ms``), so N tabs ask Seller Central for pages about N times as often, which
is what gets a real account challenged.

Processes rather than pages of one context: Playwright's sync API drives one page at a time per thread, and
the pool already keeps a crashed worker to its own share (those sections are reported not read).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from scraper import paths
from scraper.config import Account, Settings
from scraper.credentials import Credentials
from scraper.pool import Finished, walk_accounts
from scraper.run import AccountRun, RunOptions
from scraper.session import storage_state_problem
from scraper.windows import Planned


def split_sections(sections: Sequence[str], tabs: int) -> list[tuple[str, ...]]:
    """The sections dealt round-robin into at most ``tabs`` non-empty groups, each in configured order."""
    count = max(1, min(tabs, len(sections)))
    return [tuple(sections[i::count]) for i in range(count) if sections[i::count]]


def merge_runs(account: Account, sections: Sequence[str], parts: Sequence[AccountRun]) -> AccountRun:
    """The tabs' runs as one run of the account: outcomes in marketplace, then section order (as a run in
    one tab lists them), the first reason any tab stopped for, sign-ins and evidence summed up."""
    order = {(m, s): n for n, (m, s) in enumerate((m, s) for m in account.marketplaces for s in sections)}
    outcomes = [o for part in parts for o in part.outcomes]
    outcomes.sort(key=lambda o: order.get((o.marketplace, o.section), len(order)))
    stopped = next((part for part in parts if part.error is not None), None)
    return AccountRun(
        account.name,
        outcomes,
        error=stopped.error if stopped else None,
        error_kind=stopped.error_kind if stopped else None,
        sign_ins=sum(part.sign_ins for part in parts),
        evidence=next((part.evidence for part in parts if part.evidence is not None), None),
    )


def _session_saved(account: Account) -> bool:
    # Looked at, not loaded: a damaged file is moved aside (and said) by the worker that finds it.
    path = paths.session_file(account.name)
    return path.exists() and storage_state_problem(path.read_bytes()) is None


def run_in_tabs(
    spec_path: str,
    account: Account,
    settings: Settings,
    options: RunOptions,
    credentials: Credentials | None,
    tabs: int,
    plans: Planned | None = None,
) -> tuple[AccountRun, list[str]]:
    """Read the account's sections in up to ``tabs`` workers at once; returns the merged run and the
    tracebacks of workers that crashed (their sections are in the run as not read, with the cause).

    Without a usable saved session the first share is read alone first: its sign-in saves the session the
    other tabs then restore, instead of every tab signing in (and answering a one-time code) at once.
    ``plans``: the account's reading windows, judged from the history by the caller (the workers have none).
    """
    sections = list(options.sections or account.sections)
    groups = split_sections(sections, tabs)
    jobs = [dataclasses.replace(account, sections=group) for group in groups]
    single = dataclasses.replace(options, sections=None)
    finished: list[Finished] = []
    by_name = {account.name: plans} if plans is not None else None
    if not _session_saved(account) and len(jobs) > 1:
        finished += walk_accounts(spec_path, jobs[:1], settings, single, credentials, 1, plans=by_name)
        jobs = jobs[1:]
    finished += walk_accounts(spec_path, jobs, settings, single, credentials, len(jobs), plans=by_name)
    crashes = [done.crash for done in finished if done.crash is not None]
    return merge_runs(account, sections, [done.run for done in finished]), crashes
