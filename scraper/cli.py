"""Command line of the Seller Central watcher.

Exit codes of ``run`` and ``demo`` (and, where they apply, the other commands):
0 everything was read and nothing is new; 1 everything was read and there are new findings;
2 usage or configuration error: bad arguments (an unknown section), a config or selectors file that is
invalid or not UTF-8, a keyring backend that cannot be loaded, a ``--db`` in a folder that does not exist
or cannot be written, an ``--out`` that cannot be written, a file to import that cannot be read;
3 something could not be read (a changed page, a login that is needed, a CAPTCHA, a field error),
whatever else was found; 4 another run holds the history database; 5 crashed (an unexpected error; the
traceback is saved owner-only under the state folder's ``crashes/``, the run is recorded as "crashed");
6 the history could not be written while the run was recorded (disk full, I/O error): nothing of the run
was kept, an alert says so, and the next run compares with the last recorded state; 7 the history could
not be read (not a history database, damaged, or a schema newer than this tool): nothing was started.
``config``, ``credentials`` and ``session`` do not read selectors.yaml: they work while it is broken.
A run killed before it finished (kill -9, power loss) shows as "interrupted" in the report and is marked
so by the next run.
``doctor``: 0 nothing to fix, 1 a checked fix is proposed, 2 usage, 3 some problem has no safe fix.
``enqueue``, ``worker``, ``beat`` (the distributed run, scraper/distributed.py): 0 done, 2 no broker configured
or no scale extra, 3 the broker cannot be reached; a run that outlives ``--time-limit`` exits 3.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeAlias

from rich.console import Console
from rich.markup import escape
from rich.status import Status
from rich.table import Table

from scraper import __version__, paths
from scraper.backends import is_url
from scraper.browser import shared_chromium
from scraper.capture import is_capture_dir, load_capture
from scraper.config import EXAMPLE, MAX_TIME_LIMIT_S, Account, Config, Settings, load_config
from scraper.counters import count_text
from scraper.credentials import (
    Credentials,
    delete_credentials,
    keyring_usable,
    store_credentials,
)
from scraper.demo.faults import add_fault_arguments
from scraper.demo.faults import catalogue as demo_catalogue
from scraper.errors import (
    AuthError,
    BrokerError,
    BrowserNotFoundError,
    CredentialsError,
    FileCheckError,
    HistoryError,
    HistoryWriteError,
    LockedError,
    PageError,
    PathError,
    ScraperError,
    TimeLimitExceeded,
    UsageError,
)
from scraper.findings import FindingRules
from scraper.monitor import AccountReport, alert, record_run
from scraper.parse import ParseResult, Source, parse_page, parse_summary_api
from scraper.paths import path_problem
from scraper.read import SectionOutcome, read_section
from scraper.records import RECORD_TYPES
from scraper.report import export_rows, to_csv, to_jsonl, write_report
from scraper.run import AccountRun, RunOptions, capture_account, login_account, run_account
from scraper.serialize import dumps, to_jsonable
from scraper.session import storage_state_problem
from scraper.spec import DEFAULT_SPEC_PATH, Spec, load_spec
from scraper.status import READ_OK, SectionStatus
from scraper.store import History, open_history
from scraper.summary import print_account_report, print_records, records_table
from scraper.timelimit import time_limit, timed_out_run
from scraper.unrecorded import alert_unrecorded, unrecorded_report
from scraper.windows import PlanWindow, plan_ahead, plan_windows, utc_today

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_UNREADABLE = 3
EXIT_LOCKED = 4
EXIT_CRASHED = 5
"""An unexpected error: never 1, which means "read, new findings" to a timer or a cron job."""
EXIT_HISTORY = 6
"""The history could not be written while a run was recorded (disk full, I/O error): nothing of it was kept."""
EXIT_HISTORY_UNREADABLE = 7
"""The history could not be read (not a history database, damaged, a newer schema): nothing was started."""

SPEC_FREE_COMMANDS = frozenset({"config", "credentials", "session"})
"""Commands that never read selectors.yaml, so they still work (to fix a setup) while the file is broken."""


def result_json(result: ParseResult) -> dict[str, Any]:
    """The stable JSON form of a parse result (used by golden files too)."""
    return {
        "section": result.section,
        "source": result.source,
        "status": result.status,
        "locale": result.locale,
        "next_page": result.next_page,
        "total": result.total,
        "summary": to_jsonable(result.summary),
        "records": to_jsonable(list(result.records)),
    }


def _titles(spec: Spec, locale: str) -> dict[str, str]:
    return {sid: s.title[locale[:2]] for sid, s in spec.sections.items()}


# --- parse --------------------------------------------------------------------------------------------


def outcome_json(outcome: SectionOutcome) -> dict[str, Any]:
    """The stable JSON form of a section read from a capture (used by the capture fixtures' goldens too)."""
    return {
        "section": outcome.section,
        "marketplace": outcome.marketplace,
        "status": outcome.status,
        "source": outcome.source,
        "message": outcome.message,
        "notices": list(outcome.notices),
        "pages": outcome.pages,
        "truncated": outcome.truncated,
        "duplicates": outcome.duplicates,
        "summary": to_jsonable(outcome.summary),
        "counted": outcome.counted,
        "verification": outcome.verification,
        "checks": [c.to_json() for c in outcome.checks],
        "records": to_jsonable(list(outcome.records)),
    }


def _replay_capture(
    args: argparse.Namespace, spec: Spec, console: Console, directory: Path, section: str | None
) -> int:
    capture = load_capture(directory)
    if section is not None and section != capture.section:
        console.print(f"[red]{escape(str(directory))} is a capture of {capture.section}, not {section}[/red]")
        return EXIT_USAGE
    outcome = read_section(spec, spec.section(capture.section), capture)
    if args.format == "json":
        sys.stdout.write(dumps(outcome_json(outcome)))
    else:
        caption = (
            f"{outcome.status}, {len(outcome.records)} record(s), source {outcome.source or '-'}, "
            f"{outcome.pages} page(s), marketplace {outcome.marketplace}"
        )
        console.print(records_table(outcome.records, f"{capture.section} ({directory})", caption))
        if outcome.summary is not None:
            console.print(f"summary: {escape(str(to_jsonable(outcome.summary)))}")
        console.print(f"Amazon's count: {escape(count_text(outcome.counted, outcome.checks))}")
        if outcome.message:
            console.print(f"[bold red]{escape(outcome.message)}[/bold red]")
        for notice in outcome.notices:
            console.print(f"[yellow]{escape(notice)}[/yellow]")
    return EXIT_OK if outcome.status in READ_OK else EXIT_UNREADABLE


def _cmd_parse(args: argparse.Namespace, spec: Spec, console: Console) -> int:
    if len(args.target) > 2:
        console.print("[red]usage: scraper parse [SECTION] FILE|CAPTURE_DIR[/red]")
        return EXIT_USAGE
    section: str | None = args.target[0] if len(args.target) == 2 else None
    path = Path(args.target[-1])
    if is_capture_dir(path):
        return _replay_capture(args, spec, console, path, section)
    if section is None:
        console.print(f"[red]{escape(str(path))} is not a capture directory; use: parse SECTION FILE[/red]")
        return EXIT_USAGE
    try:
        payload = path.read_bytes()
    except OSError as exc:
        console.print(f"[red]cannot read {escape(str(path))}: {exc.strerror}[/red]")
        return EXIT_USAGE
    if args.summary:
        sys.stdout.write(dumps(parse_summary_api(spec, spec.section(section), payload)))
        return EXIT_OK
    source: Source = args.source or ("api" if path.suffix.lower() == ".json" else "dom")
    result = parse_page(spec, section, source, payload, locale=args.locale)
    if args.format == "json":
        sys.stdout.write(dumps(result_json(result)))
        return EXIT_OK
    caption = f"{result.status}, {len(result.records)} record(s), source {result.source}, locale {result.locale or '?'}"
    console.print(records_table(result.records, f"{section} ({path.name})", caption))
    if result.summary is not None:
        console.print(f"summary: {escape(str(to_jsonable(result.summary)))}")
    return EXIT_OK


# --- browser commands -----------------------------------------------------------------------------------


def _config(args: argparse.Namespace) -> Config:
    return load_config(Path(args.config) if args.config else paths.config_file())


def _run_options(args: argparse.Namespace, headed: bool) -> RunOptions:

    return RunOptions(
        headed=headed,
        interactive=headed,
        via_menu=getattr(args, "via_menu", False),
        sections=tuple(args.sections) if getattr(args, "sections", None) else None,
    )


def _cmd_login(args: argparse.Namespace, spec: Spec, console: Console) -> int:

    config = _config(args)
    account = config.account(args.account)
    session = login_account(
        spec, account, config.settings, _run_options(args, not args.headless), notify=lambda m: console.print(escape(m))
    )
    console.print(f"[green]signed in; session saved to {escape(str(session))} (mode 0600)[/green]")
    return EXIT_OK


def _db_path(args: argparse.Namespace) -> Path | str:
    """``--db``, else SC_WATCH_DB, else the per-user history: a ``postgresql://`` URL or a SQLite path."""
    named = getattr(args, "db", None) or os.environ.get("SC_WATCH_DB")
    if named and is_url(named):
        return str(named)
    return Path(args.db) if getattr(args, "db", None) else paths.history_file()


def _run_db(args: argparse.Namespace) -> Path | str:
    """The history a run writes. A folder named by --db or SC_WATCH_DB must exist: a mistyped path would
    otherwise start a new, empty history and report everything as new (the default folder is created)."""
    db = _db_path(args)
    if isinstance(db, str):
        return db  # PostgreSQL: the server says whether the database is there
    if (getattr(args, "db", None) or os.environ.get("SC_WATCH_DB")) and not db.parent.exists():
        named = "--db" if getattr(args, "db", None) else "SC_WATCH_DB"
        raise PathError(f"the folder of the history {db} does not exist ({db.parent}); create it or fix {named}")
    return db


def _write_out(path: Path, write: Callable[[], object]) -> None:
    """Run ``write`` for a file the user named; PathError (one line, exit 2) when it cannot be written."""
    try:
        write()
    except OSError as exc:
        raise PathError(f"cannot write {path}: {path_problem(path, exc)}") from None


def _stopped(exc: BaseException) -> SectionStatus:
    """The outcome of a run that an exception stopped: interrupted by Ctrl-C or SIGTERM, crashed otherwise."""
    return SectionStatus.INTERRUPTED if isinstance(exc, KeyboardInterrupt) else SectionStatus.CRASHED


def _exit_code(reports: list[AccountReport]) -> int:
    if not all(r.all_read for r in reports):
        return EXIT_UNREADABLE
    return EXIT_FINDINGS if any(r.new_findings for r in reports) else EXIT_OK


def _monitored_runs(
    args: argparse.Namespace,
    spec: Spec,
    console: Console,
    accounts: list[Account],
    settings: Settings,
    rules: FindingRules,
    options: RunOptions,
    credentials: Credentials | None = None,
    failures: list[HistoryWriteError] | None = None,
) -> list[tuple[AccountRun, AccountReport]]:
    """Walk each account (with a progress line), store it in the history, alert, print the summary.

    Each account's run is a row in the history from its start, so a run that is killed shows as
    "interrupted" (the next run marks it); its history write is one transaction, so the history holds all
    of a run or nothing of it. A write that fails (disk full) is alerted, the other accounts still run, and
    the error is raised at the end (exit 6).
    """
    db = _run_db(args)
    reports = []
    unwritten: list[HistoryWriteError] = []
    names = [account.name for account in accounts]
    # Per account: runs of other accounts may write this history meanwhile (another process, a worker).
    with open_history(db) as history, history.account_locks(names):
        for stale in history.mark_interrupted(names):
            console.print(
                f"[yellow]run {stale['id']} of {escape(stale['account'])} (started {stale['started']}) did not "
                "finish (killed, or the machine stopped) and recorded nothing: marked interrupted[/yellow]"
            )

        def record(account: Account, run_id: int, run: AccountRun) -> None:
            if getattr(args, "show_records", False):
                print_records(console, run, _titles(spec, account.locale))
            try:
                # One transaction for the whole account: findings and the alert are worked out from all of
                # it, so a write cut short must leave nothing (the next run then finds the same news).
                with history.transaction():
                    recorded = record_run(history, spec, run, rules, run_id=run_id)
                report = alert(recorded, account.alerts)
            except HistoryWriteError as exc:
                history.settle_run(run_id, SectionStatus.NOT_RECORDED)
                unwritten.append(exc)
                report = alert_unrecorded(unrecorded_report(run, run_id, exc), account.alerts)
            print_account_report(console, report)
            for outcome in run.outcomes:
                # Recorded and alerted: the raw pages are no longer needed, and a night of many accounts must
                # not keep every account's pages in memory (benchmarks/bench_speed.py --leak).
                outcome.capture = None
            reports.append((run, report))

        workers = getattr(args, "parallel", None) or 1
        if workers > 1 and len(accounts) > 1:
            _parallel_runs(args, console, history, accounts, settings, options, credentials, workers, record)
            order = {account.name: n for n, account in enumerate(accounts)}
            reports.sort(key=lambda pair: order[pair[0].account])  # recorded as they finished; listed as configured
        else:
            for account in accounts:
                run_id = history.start_run(account.name)
                try:
                    with console.status(f"[{account.name}] starting Chromium") as status:

                        def progress(message: str, line: Status = status) -> None:
                            line.update(escape(message))

                        # Big accounts: date-sorted lists within their windows, judged from this history.
                        own = account.windows or settings.windows
                        windows = plan_windows(history, account.name, own, utc_today(), spec)
                        try:
                            with time_limit(getattr(args, "time_limit", None)):
                                if settings.section_tabs > 1:
                                    status.update(f"[{escape(account.name)}] reading in {settings.section_tabs} tabs")
                                    run = _run_in_tabs(args, console, account, settings, options, credentials, windows)
                                else:
                                    run = run_account(
                                        spec, account, settings, options, credentials, notify=progress, windows=windows
                                    )
                        except TimeLimitExceeded as exc:  # recorded and alerted as not read, never green
                            run = timed_out_run(account, options, exc.seconds)
                    record(account, run_id, run)
                except BaseException as exc:
                    history.settle_run(run_id, _stopped(exc))
                    raise
    if unwritten:
        if failures is None:
            raise unwritten[0]
        failures.extend(unwritten)
    return reports


def _parallel_runs(
    args: argparse.Namespace,
    console: Console,
    history: History,
    accounts: list[Account],
    settings: Settings,
    options: RunOptions,
    credentials: Credentials | None,
    workers: int,
    record: Callable[[Account, int, AccountRun], None],
) -> None:
    """Walk the accounts in up to ``workers`` processes (scraper.pool) and record each as it finishes.

    Every account's run row exists from the start, so a run stopped midway leaves them "interrupted"; the
    history is written here only, one account (one transaction) at a time. A worker that crashed or died is
    that account's run "crashed", its traceback saved under crashes/; the other accounts go on.
    """
    from scraper.pool import walk_accounts

    run_ids = {account.name: history.start_run(account.name) for account in accounts}
    # Reading windows are judged here, from the history, before any walk: the workers have no history.
    spec = load_spec(args.spec)
    plans = {
        account.name: plan_ahead(
            plan_windows(history, account.name, account.windows or settings.windows, utc_today(), spec),
            options.sections or account.sections,
            account.marketplaces,
        )
        for account in accounts
    }
    try:
        with (
            console.status(f"walking {len(accounts)} accounts, {workers} at a time"),
            _browser_for_workers(settings, options) as options,
        ):
            limit = getattr(args, "time_limit", None)
            for done in walk_accounts(args.spec, accounts, settings, options, credentials, workers, limit, plans):
                if done.crash is not None:
                    saved = _crash_text(done.crash, done.account.name)
                    console.print(f"[red]{escape(done.run.error or '')} (traceback: {escape(str(saved))})[/red]")
                record(done.account, run_ids[done.account.name], done.run)
    except BaseException as exc:
        for run_id in run_ids.values():
            history.settle_run(run_id, _stopped(exc))
        raise


def _run_in_tabs(
    args: argparse.Namespace,
    console: Console,
    account: Account,
    settings: Settings,
    options: RunOptions,
    credentials: Credentials | None,
    windows: PlanWindow,
) -> AccountRun:
    """One account read in ``settings.section_tabs`` workers (scraper.tabs) within its reading windows; a
    crashed tab's traceback is saved under crashes/ like a crashed account's."""
    from scraper.tabs import run_in_tabs

    planned = plan_ahead(windows, options.sections or account.sections, account.marketplaces)
    run, crashes = run_in_tabs(args.spec, account, settings, options, credentials, settings.section_tabs, planned)
    for crash in crashes:
        saved = _crash_text(crash, account.name)
        console.print(f"[red][{escape(account.name)}] a tab crashed (traceback: {escape(str(saved))})[/red]")
    return run


@contextmanager
def _browser_for_workers(settings: Settings, options: RunOptions) -> Iterator[RunOptions]:
    """The run options for the pool: with ``parallel_browser: shared``, pointing at one Chromium started here."""
    if settings.parallel_browser != "shared":
        yield options
        return
    with shared_chromium(options.headed, settings.chromium_path, list(options.browser_args)) as endpoint:
        yield dataclasses.replace(options, browser_endpoint=endpoint)


def _cmd_run(args: argparse.Namespace, spec: Spec, console: Console) -> int:
    config = _config(args)
    accounts = list(config.accounts.values()) if args.all else [config.account(args.account)]
    unwritten: list[HistoryWriteError] = []
    if args.format == "json":
        # stdout is the JSON document alone, for scripts: the progress and the summary go to stderr.
        console = Console(stderr=True, soft_wrap=True, width=console.width)
    pairs = _monitored_runs(
        args, spec, console, accounts, config.settings, config.rules, _run_options(args, args.headed), None, unwritten
    )
    if args.format == "json":
        sys.stdout.write(
            dumps(
                [
                    {
                        "account": run.account,
                        "error": run.error,
                        "sections": [
                            {
                                "section": o.section,
                                "marketplace": o.marketplace,
                                "status": o.status,
                                "message": o.message,
                                "source": o.source,
                                "pages": o.pages,
                                "counted": o.counted,
                                "verification": o.verification,
                                "checks": [c.to_json() for c in o.checks],
                                "records": to_jsonable(list(o.records)),
                                "summary": to_jsonable(o.summary),
                                "evidence": str(o.evidence) if o.evidence is not None else None,
                            }
                            for o in run.outcomes
                        ],
                    }
                    for run, _ in pairs
                ]
            )
        )
    if unwritten:
        raise unwritten[0]  # after the summary and the JSON: one line on stderr, exit 6
    return _exit_code([report for _, report in pairs])


def _existing_db(args: argparse.Namespace, console: Console) -> Path | str | None:
    """The history to read, or None (said) when there is none: reading must not create an empty one."""
    db = _db_path(args)
    if isinstance(db, Path) and not db.exists():
        console.print(f"[red]no history at {escape(str(db))} yet; run `scraper run` first[/red]")
        return None
    return db


def _cmd_report(args: argparse.Namespace, spec: Spec, console: Console) -> int:

    db = _existing_db(args, console)
    if db is None:
        return EXIT_USAGE
    out = Path(args.out or ("report.json" if args.format == "json" else "report.html"))
    config_path = Path(args.config) if args.config else paths.config_file()
    # The charts draw the configured thresholds; a report needs no configuration, so the defaults stand in.
    rules = load_config(config_path).rules if config_path.exists() else FindingRules()
    with open_history(db, create=False) as history:
        running = history.running_accounts()
        _write_out(out, lambda: write_report(history, out, args.format, running, spec, rules))
    console.print(f"wrote {escape(str(out))}")
    return EXIT_OK


def _cmd_export(args: argparse.Namespace, spec: Spec, console: Console) -> int:

    db = _existing_db(args, console)
    if db is None:
        return EXIT_USAGE
    with open_history(db, create=False) as history:
        rows = export_rows(history, args.what, args.section, args.latest)
    text = to_csv(rows) if args.format == "csv" else to_jsonl(rows)
    if args.out:
        out = Path(args.out)  # buyer comments and order ids: owner-only
        _write_out(out, lambda: paths.write_private(out, text.encode("utf-8")))
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _cmd_history(args: argparse.Namespace, spec: Spec, console: Console) -> int:

    spec.section(args.section)
    db = _existing_db(args, console)
    if db is None:
        return EXIT_USAGE
    with open_history(db, create=False) as history:
        rows = history.changes_for(args.section, args.key)
        stopped = history.stopped_runs(history.running_accounts())
    table = Table(title=escape(f"{args.section}{' ' + args.key if args.key else ''}: {len(rows)} change(s)"))
    for column in ("run", "when", "marketplace", "record", "change", "fields"):
        table.add_column(column, overflow="fold")
    for row in rows:
        fields = json.loads(row["fields"])
        text = "; ".join(f"{k}: {v[0]} -> {v[1]}" for k, v in fields.items())
        table.add_row(str(row["run_id"]), row["at"], row["marketplace"], escape(row["key"]), row["kind"], escape(text))
    console.print(table)
    if stopped:
        runs = ", ".join(f"{r['id']} ({r['started']})" for r in stopped)
        console.print(f"[yellow]interrupted before they finished, recorded nothing: run {runs}[/yellow]")
    return EXIT_OK


def _cmd_capture(args: argparse.Namespace, spec: Spec, console: Console) -> int:
    config = _config(args)
    account = config.account(args.account)
    out = Path(args.out)
    _write_out(out, lambda: _writable_folder(out))  # before any browser starts
    outcome, written = capture_account(
        spec,
        account,
        config.settings,
        _run_options(args, args.headed),
        args.section,
        args.marketplace or account.marketplaces[0],
        Path(args.out),
        notify=lambda m: console.print(escape(m)),
        max_pages=args.max_pages,
    )
    for path in written:
        console.print(f"wrote {escape(str(path))}")
    console.print(
        f"section status: {outcome.status}, {len(outcome.records)} record(s) {escape(outcome.message or '')}"
    )
    for notice in outcome.notices:
        console.print(f"[yellow]{escape(notice)}[/yellow]")
    return EXIT_OK if outcome.status in READ_OK else EXIT_UNREADABLE


def _writable_folder(path: Path) -> None:
    """Create ``path`` (and its parents) as needed; OSError unless files can be created in it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not os.access(path, os.W_OK | os.X_OK):
        raise PermissionError(13, "Permission denied", str(path))


def _cmd_doctor(args: argparse.Namespace, spec: Spec, console: Console) -> int:
    from scraper.doctor.command import run

    return run(args, spec, console)


def _cmd_config(args: argparse.Namespace, spec: Spec | None, console: Console) -> int:
    if args.action == "example":
        sys.stdout.write(EXAMPLE)
    elif args.action == "path":
        sys.stdout.write(f"{Path(args.config) if args.config else paths.config_file()}\n")
    else:
        config = _config(args)
        console.print(
            f"{escape(str(config.path))}: {len(config.accounts)} account(s): {escape(', '.join(config.accounts))}"
        )
    return EXIT_OK


def _cmd_credentials(args: argparse.Namespace, spec: Spec | None, console: Console) -> int:
    name = _config(args).account(args.account).name
    if args.action == "delete":
        console.print("removed" if delete_credentials(name) else "nothing stored for this account")
        return EXIT_OK
    if not keyring_usable():  # say so before asking for anything
        store_credentials(name, "", None)
    password = getpass.getpass(f"Seller Central password for {name}: ")
    if not password:
        console.print("[red]no password given; nothing stored[/red]")
        return EXIT_USAGE
    totp = getpass.getpass("TOTP secret from Amazon's authenticator-app setup (empty to skip): ").strip() or None
    store_credentials(name, password, totp)
    console.print(f"stored in the keyring for account {escape(name)}")
    return EXIT_OK


def _cmd_session(args: argparse.Namespace, spec: Spec | None, console: Console) -> int:
    name = _config(args).account(args.account).name
    session = paths.session_file(name)
    if args.action == "path":
        console.print(str(session))
    elif args.action == "export":
        if not session.exists():
            console.print(f"[red]no saved session for {escape(name)}; run `scraper login` first[/red]")
            return EXIT_USAGE
        target = Path(args.file)
        data = session.read_bytes()
        _write_out(target, lambda: paths.write_private(target, data))
        console.print(f"exported to {escape(args.file)} (mode 0600); copy it to the server and `session import` it")
    else:
        try:
            data = Path(args.file).read_bytes()
        except OSError as exc:
            console.print(f"[red]cannot read {escape(args.file)}: {escape(exc.strerror or str(exc))}[/red]")
            return EXIT_USAGE
        problem = storage_state_problem(data)
        if problem is not None:
            console.print(f"[red]{escape(args.file)} is not a saved session: {escape(problem)}; nothing imported[/red]")
            return EXIT_USAGE
        paths.write_private(session, data)
        console.print(f"imported into {escape(str(session))}")
    return EXIT_OK


@contextmanager
def _private_home() -> Iterator[Path]:
    """A throw-away SC_WATCH_HOME, so the demo never touches the user's real sessions."""
    old = os.environ.get("SC_WATCH_HOME")
    home = Path(tempfile.mkdtemp(prefix="sc-watch-demo-"))
    os.environ["SC_WATCH_HOME"] = str(home)
    try:
        yield home
    finally:
        if old is None:
            os.environ.pop("SC_WATCH_HOME", None)
        else:
            os.environ["SC_WATCH_HOME"] = old
        shutil.rmtree(home, ignore_errors=True)


def _cmd_demo(args: argparse.Namespace, spec: Spec, console: Console) -> int:
    """Start the bundled demo Seller Central, sign in to it with Chromium and walk all six sections."""
    from scraper.demo.faults import fault_options
    from scraper.demo.server import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoOptions, DemoServer

    locale = "de_DE" if args.locale == "de" else "en_US"
    marketplaces = tuple(args.marketplaces.split(",")) if args.marketplaces else ("A1PA6795UKMFR9",)
    options = DemoOptions(
        latency_ms=args.latency_ms, default_locale=locale, marketplaces=marketplaces, **fault_options(args)
    )
    with DemoServer(options) as server, _private_home():
        console.print(f"[bold]Demo Seller Central[/bold] at {server.base_url} (sign in as {DEMO_EMAIL})")
        sections = tuple(args.sections or spec.sections)
        account = Account("demo", server.base_url, DEMO_EMAIL, locale, marketplaces, sections)
        # Short pauses: the demo answers at once, and a fault should show in seconds, not minutes.
        settings = Settings(
            delay_ms=args.delay_ms,
            jitter_ms=0,
            timeout_ms=args.timeout_ms,
            human_timeout_s=120,
            max_pages=args.max_pages,
            backoff_ms=200,
            backoff_max_ms=5000,
            evidence_dir=args.evidence_dir,
        )
        creds = Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, "demo")
        args.show_records = not args.quiet
        pairs = _monitored_runs(
            args,
            spec,
            console,
            [account],
            settings,
            FindingRules(),
            RunOptions(headed=args.headed, interactive=args.headed, via_menu=args.via_menu),
            creds,
        )
    if not args.evidence_dir and any(report.evidence for _, report in pairs):
        console.print("(the demo's evidence folder is deleted as the demo ends; keep it with --evidence-dir DIR)")
    # The demo data is meant to have findings; only a section that could not be read fails the demo.
    return EXIT_OK if all(report.all_read for _, report in pairs) else EXIT_UNREADABLE


# --- distributed run (scraper/distributed.py; needs the scale extra) --------------------------------------


def _cmd_queue(args: argparse.Namespace, spec: Spec, console: Console) -> int:
    """enqueue, worker and beat: Celery is imported here only, so the single-machine path never needs it."""
    try:
        from scraper import distributed
    except ImportError as exc:
        if exc.name not in {"celery", "kombu", "redis", "billiard"}:
            raise
        raise BrokerError(
            f"scraper {args.command} needs the scale extra ({exc.name} is not installed): "
            "pip install 'sc-watch-scraper[scale]'",
            usage=True,
        ) from None
    command = {"enqueue": distributed.cmd_enqueue, "worker": distributed.cmd_worker, "beat": distributed.cmd_beat}
    return command[args.command](args, console)


# --- wiring -----------------------------------------------------------------------------------------------


def _bounded(low: int, high: int) -> Any:
    def check(text: str) -> int:
        if not text.isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {text!r}")
        return int(text)

    return check


def _demo_marketplaces(text: str) -> str:
    from scraper.demo.site import MARKETPLACES

    ids = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in ids if m not in MARKETPLACES]
    if not ids or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown marketplace id(s) {', '.join(unknown) or '(none)'}; known: {', '.join(MARKETPLACES)}"
        )
    return ",".join(ids)


Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What ``add_subparsers`` returns: each ``_add_*_command`` adds its command to it."""


def _add_parse_command(sub: Subcommands) -> None:
    """parse: a saved page, JSON body or capture directory."""
    p = sub.add_parser("parse", help="parse a saved page or JSON body and print the records or the error")
    p.add_argument(
        "target",
        nargs="+",
        metavar="[SECTION] PATH",
        help="a capture directory (scraper capture), or a section id and a saved HTML page or JSON body",
    )
    p.add_argument("--source", choices=["dom", "api"], help="default: api for .json files, else dom")
    p.add_argument("--format", choices=["json", "table"], default="table")
    p.add_argument("--locale", help="override the page's language, e.g. de_DE or en_US")
    p.add_argument("--summary", action="store_true", help="the file is the section's summary body (pcrKpi)")
    p.set_defaults(func=_cmd_parse)


def _add_demo_command(sub: Subcommands) -> None:
    """demo: the bundled demo Seller Central, walked with Chromium."""
    d = sub.add_parser(
        "demo",
        help="start the bundled demo Seller Central and walk it with Chromium",
        epilog=demo_catalogue(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d.add_argument("--headed", action="store_true", help="show the browser (needs a display, e.g. xvfb-run -a)")
    d.add_argument("--locale", choices=["de", "en"], default="de")
    d.add_argument("--via-menu", action="store_true", help="open sections by clicking through the menu")
    d.add_argument("--latency-ms", type=int, default=0, help="demo server delay per request")
    d.add_argument("--delay-ms", type=int, default=0, help="pause between page loads")
    d.add_argument("--quiet", action="store_true", help="summary only, no record tables")
    d.add_argument("--db", help="keep the demo's history here (default: a throw-away folder)")
    d.add_argument("--evidence-dir", help="keep the evidence of unread sections here (default: a throw-away folder)")
    d.add_argument(
        "--sections", nargs="+", metavar="SECTION", choices=list(RECORD_TYPES), help="only these sections"
    )
    d.add_argument(
        "--marketplaces", type=_demo_marketplaces, help="comma-separated marketplace ids (default A1PA6795UKMFR9)"
    )
    d.add_argument("--timeout-ms", type=_bounded(1000, 3_600_000), default=15000, help="settings.timeout_ms")
    d.add_argument("--max-pages", type=_bounded(1, 100_000), default=20, help="settings.max_pages")
    add_fault_arguments(d)
    d.set_defaults(func=_cmd_demo)


def _add_login_command(sub: Subcommands) -> None:
    """login: sign in with a visible browser."""
    lg = sub.add_parser("login", help="sign in with a visible browser and save the session")
    lg.add_argument("--account")
    lg.add_argument("--headless", action="store_true", help="no window (only with password and TOTP secret)")
    lg.set_defaults(func=_cmd_login)


def _add_run_command(sub: Subcommands) -> None:
    """run: read an account's sections, record, alert."""
    r = sub.add_parser("run", help="read the sections of an account (headless by default)")
    r.add_argument("--account")
    r.add_argument("--all", action="store_true", help="every configured account")
    r.add_argument("--headed", action="store_true")
    r.add_argument("--via-menu", action="store_true")
    r.add_argument(
        "--sections",
        nargs="+",
        metavar="SECTION",
        choices=list(RECORD_TYPES),
        help=f"only these ({', '.join(RECORD_TYPES)})",
    )
    r.add_argument("--format", choices=["table", "json"], default="table")
    r.add_argument("--show-records", action="store_true")
    r.add_argument("--db", help="history database (default: SC_WATCH_DB or the per-user data folder)")
    r.add_argument(
        "--parallel",
        type=_bounded(1, 32),
        default=1,
        metavar="N",
        help="with --all: walk up to N accounts at once, each in its own process and browser (default 1)",
    )
    r.add_argument(
        "--time-limit",
        type=_bounded(1, MAX_TIME_LIMIT_S),
        metavar="SECONDS",
        help="stop an account's run after this long and record it as not read (exit 3; default: no limit)",
    )
    r.set_defaults(func=_cmd_run)


def _add_queue_commands(sub: Subcommands) -> None:
    """enqueue, worker, beat: the distributed run on Celery (docs/scale.md)."""
    eq = sub.add_parser("enqueue", help="distributed run: queue one task per account for the workers (docs/scale.md)")
    chosen = eq.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--all", action="store_true", help="every configured account")
    chosen.add_argument("--account", nargs="+", metavar="NAME", help="these accounts")
    eq.add_argument("--sections", nargs="+", metavar="SECTION", choices=list(RECORD_TYPES), help="only these")
    eq.add_argument("--via-menu", action="store_true")
    eq.set_defaults(func=_cmd_queue)

    wk = sub.add_parser("worker", help="distributed run: a Celery worker that runs the queued accounts")
    wk.add_argument(
        "--concurrency", type=_bounded(1, 32), default=1, metavar="N", help="accounts at once (default 1)"
    )
    wk.add_argument("--beat", action="store_true", help="also queue every account on settings.queue.nightly")
    wk.add_argument("--name", help="the worker's node name (default sc-watch-PID@HOST)")
    wk.add_argument("--db", help="history database (default: SC_WATCH_DB or the per-user data folder)")
    wk.add_argument("--loglevel", choices=["DEBUG", "INFO", "WARNING", "ERROR"], default="INFO")
    wk.set_defaults(func=_cmd_queue)

    bt = sub.add_parser("beat", help="distributed run: queue every account on settings.queue.nightly")
    bt.add_argument("--loglevel", choices=["DEBUG", "INFO", "WARNING", "ERROR"], default="INFO")
    bt.set_defaults(func=_cmd_queue)


def _add_report_command(sub: Subcommands) -> None:
    """report: the HTML or JSON report."""
    rp = sub.add_parser("report", help="write the HTML (or JSON) report from the history")
    rp.add_argument("--format", choices=["html", "json"], default="html")
    rp.add_argument("--out", help="file to write (default report.html / report.json)")
    rp.add_argument("--db")
    rp.set_defaults(func=_cmd_report)


def _add_export_command(sub: Subcommands) -> None:
    """export: records or findings as CSV or JSON Lines."""
    ex = sub.add_parser("export", help="current records, or the findings log, as CSV or JSON Lines")
    ex.add_argument("what", choices=["records", "findings"])
    ex.add_argument("--format", choices=["csv", "jsonl"], default="jsonl")
    ex.add_argument("--section")
    ex.add_argument(
        "--latest", action="store_true", help="findings: only those of each section's latest successful read"
    )
    ex.add_argument("--out")
    ex.add_argument("--db")
    ex.set_defaults(func=_cmd_export)


def _add_history_command(sub: Subcommands) -> None:
    """history: how a section's records changed."""
    h = sub.add_parser("history", help="how the records of a section (or one record) changed over time")
    h.add_argument("section")
    h.add_argument("key", nargs="?", help="a record key as shown by export, e.g. '[\"302-0000001-0000001\"]'")
    h.add_argument("--db")
    h.set_defaults(func=_cmd_history)


def _add_capture_command(sub: Subcommands) -> None:
    """capture: a live section saved as fixture candidates."""
    c = sub.add_parser("capture", help="save a live section's pages and JSON, redacted, as fixture candidates")
    c.add_argument("section")
    c.add_argument("--account")
    c.add_argument("--marketplace")
    c.add_argument("--headed", action="store_true")
    c.add_argument("--out", default="captures", help="writes OUT/<marketplace>/<section>/ (replay: scraper parse DIR)")
    c.add_argument("--max-pages", type=int, default=3)
    c.set_defaults(func=_cmd_capture)


def _add_doctor_command(sub: Subcommands) -> None:
    """doctor: find where the data moved and propose a spec diff."""
    dr = sub.add_parser(
        "doctor",
        help="when Seller Central changed: find where the data moved and propose a checked selectors.yaml diff",
    )
    dr.add_argument("captures", nargs="*", metavar="CAPTURE_DIR", help="saved captures, or folders holding them")
    dr.add_argument("--account", help="walk this account's sections live instead (keeps every JSON call)")
    dr.add_argument("--sections", nargs="+", metavar="SECTION", choices=list(RECORD_TYPES), help="only these")
    dr.add_argument("--marketplace")
    dr.add_argument("--headed", action="store_true")
    dr.add_argument("--via-menu", action="store_true")
    dr.add_argument("--max-pages", type=int, default=3)
    dr.add_argument("--save", metavar="DIR", help="live: also save the captures (redacted) under DIR")
    dr.add_argument("--write", metavar="FILE", help="write the patched copy of selectors.yaml to FILE")
    dr.add_argument("--diff-only", action="store_true", help="print only the unified diff")
    dr.set_defaults(func=_cmd_doctor)


def _add_config_command(sub: Subcommands) -> None:
    """config: example, path, check."""
    cf = sub.add_parser("config", help="print an example accounts file, where it is read from, or check it")
    cf.add_argument("action", choices=["example", "path", "check"])
    cf.set_defaults(func=_cmd_config)


def _add_credentials_command(sub: Subcommands) -> None:
    """credentials: set or delete (keyring)."""
    cr = sub.add_parser("credentials", help="store or delete an account's password and TOTP secret (keyring)")
    cr.add_argument("action", choices=["set", "delete"])
    cr.add_argument("--account")
    cr.set_defaults(func=_cmd_credentials)


def _add_session_command(sub: Subcommands) -> None:
    """session: path, export, import."""
    s = sub.add_parser("session", help="show, export or import an account's saved session")
    s.add_argument("action", choices=["path", "export", "import"])
    s.add_argument("file", nargs="?")
    s.add_argument("--account")
    s.set_defaults(func=_cmd_session)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `scraper` command."""
    parser = argparse.ArgumentParser(prog="scraper", description="Watch the six Seller Central places.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--spec", default=str(DEFAULT_SPEC_PATH), help="selectors file (default: the one shipped in the package)"
    )
    parser.add_argument("--config", help="accounts file (default: SC_WATCH_CONFIG or the per-user config)")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (
        _add_parse_command,
        _add_demo_command,
        _add_login_command,
        _add_run_command,
        _add_queue_commands,
        _add_report_command,
        _add_export_command,
        _add_history_command,
        _add_capture_command,
        _add_doctor_command,
        _add_config_command,
        _add_credentials_command,
        _add_session_command,
    ):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "session" and args.action in {"export", "import"} and not args.file:
        parser.error(f"session {args.action} needs a FILE")
    console = Console()
    err = Console(stderr=True, soft_wrap=True)
    stopped, restore = _stop_on_sigterm()
    try:
        spec = None if args.command in SPEC_FREE_COMMANDS else load_spec(args.spec)
        return int(args.func(args, spec, console))
    except FileCheckError as exc:
        err.print(f"[red]configuration error:[/red] {escape(str(exc))}", highlight=False)
        return EXIT_USAGE
    except (UsageError, CredentialsError, BrowserNotFoundError, PathError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        return EXIT_USAGE
    except LockedError as exc:
        err.print(f"[red]not started:[/red] {escape(str(exc))}", highlight=False)
        return EXIT_LOCKED
    except BrokerError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        return EXIT_USAGE if exc.usage else EXIT_UNREADABLE
    except HistoryWriteError as exc:
        err.print(f"[red]history not written:[/red] {escape(str(exc))}", highlight=False)
        return EXIT_HISTORY
    except HistoryError as exc:
        err.print(f"[red]history not read:[/red] {escape(str(exc))}", highlight=False)
        return EXIT_HISTORY_UNREADABLE
    except sqlite3.DatabaseError as exc:
        # The history is the only SQLite file: a read that fails after it opened (a damaged page, an I/O
        # error) is the history's, not a crash. SQL the tool got wrong stays a crash with its traceback.
        if isinstance(exc, sqlite3.ProgrammingError | sqlite3.IntegrityError):
            return _crashed(exc, err)
        err.print(f"[red]history not read:[/red] {escape(f'{_db_path(args)}: {exc}')}", highlight=False)
        return EXIT_HISTORY_UNREADABLE
    except (PageError, AuthError) as exc:
        err.print(f"[red]cannot read:[/red] {escape(str(exc))}", highlight=False)
        return EXIT_UNREADABLE
    except ScraperError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        return EXIT_UNREADABLE
    except KeyboardInterrupt:
        err.print("interrupted by SIGTERM" if stopped else "interrupted")
        return EXIT_UNREADABLE
    except Exception as exc:  # the last guard: a crash must not exit 1 ("new findings") with a bare traceback
        return _crashed(exc, err)
    finally:
        restore()


def _crashed(exc: Exception, err: Console) -> int:
    """Say that the tool crashed, with the owner-only file that holds the traceback."""
    where = _crash_log(exc)
    err.print(
        f"[red]crashed:[/red] {type(exc).__name__}: {escape(str(exc))} (traceback in {escape(str(where))})",
        highlight=False,
    )
    return EXIT_CRASHED


def _stop_on_sigterm() -> tuple[list[int], Callable[[], None]]:
    """Treat SIGTERM like Ctrl-C, so a stopped run closes its browser and is recorded "interrupted" at once.

    systemd (a TimeoutStartSec that ran out, a shutdown) and `kill` send SIGTERM; by default Python dies
    without unwinding, leaving Chromium behind and the run for the next run to mark. Returns the signals
    seen and a function that puts the previous handler back (main() may run inside another program).
    """
    seen: list[int] = []

    def stop(signum: int, frame: object) -> None:
        seen.append(signum)
        raise KeyboardInterrupt("SIGTERM")

    if threading.current_thread() is not threading.main_thread():  # handlers live in the main thread only
        return seen, lambda: None
    previous = signal.signal(signal.SIGTERM, stop)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return seen, restore


def _crash_text(text: str, account: str) -> Path:
    """Write a worker's traceback owner-only under the state folder's crashes/; returns its path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = paths.state_dir() / "crashes" / f"crash-{stamp}-{account}.txt"
    paths.write_private(path, text.encode("utf-8"))
    return path


def _crash_log(exc: BaseException) -> Path:
    """Write the traceback owner-only under the state folder, for a bug report; returns its path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = paths.state_dir() / "crashes" / f"crash-{stamp}.txt"
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    paths.write_private(path, text.encode("utf-8"))
    return path


if __name__ == "__main__":
    sys.exit(main())
