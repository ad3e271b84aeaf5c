"""The distributed run: one Celery task per account, Redis as the broker, workers on as many machines as needed.

``scraper enqueue`` puts one message per account on the queue; ``scraper worker`` runs a Celery worker whose
task is the very command a single machine runs, ``scraper run --account NAME --time-limit S``, in a process of
its own: the same sign-in, walk, history write (one transaction per account), findings and alerts, the same
exit codes. ``scraper beat`` (or ``worker --beat``) queues every account on the schedule of
``settings.queue.nightly``. See docs/scale.md.

What crosses the broker is the account's name and the run's options (sections, via the menu), nothing else:
credentials and sessions stay on the worker machines, read there as ``scraper run`` reads them (environment
variables, the keyring backend of that machine, the state folder's sessions).

Delivery: a task is acknowledged only when its run has ended (``acks_late``), so the broker gives the task of a
worker that died (killed, machine lost) to another worker: at once when only the pool process died
(``reject_on_worker_lost``), after the Redis ``visibility_timeout`` when the whole worker is gone. The dead
attempt's run row stays open and the next run of that account marks it "interrupted", as on one machine. The
visibility timeout is checked to exceed the time limit plus its grace (scraper.config), or Redis would hand a
task that is still running to a second worker. One task per pool process is reserved at a time
(``worker_prefetch_multiplier`` 1): a reserved task's visibility clock runs while it waits. No result backend:
the outcome of every task is in the history, and in the worker's log.

This module imports Celery; nothing on the single-machine path imports it (pip install '.[scale]').
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import random
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celery import Celery, Task  # type: ignore[import-untyped]
from celery.schedules import crontab  # type: ignore[import-untyped]
from kombu.exceptions import OperationalError

from scraper import paths
from scraper.config import QueueSettings, load_config, time_limit_grace_s
from scraper.errors import BrokerError, UsageError

QUEUE = "sc-watch"
"""The queue the account tasks travel on (its own name, so one Redis can serve other applications too)."""
RUN_TASK = "sc_watch.run_account"
ENQUEUE_TASK = "sc_watch.enqueue_all"
BROKER_ENV = "SC_WATCH_BROKER"

EXIT_LOCKED = 4
"""``scraper run``'s exit code when another run holds the history (scraper.cli.EXIT_LOCKED)."""
EXIT_CRASHED = 5
LOCKED_RETRY_S = 5
"""A task whose history is held by another run (an SQLite history is one run at a time) is tried again after
this many seconds, plus up to as many again at random so that waiting tasks do not step in together."""
LOCKED_GIVE_UP_S = 12 * 3600
"""After waiting this long for the history, a task gives up with an error in the worker's log."""

log = logging.getLogger("sc_watch.distributed")


@dataclass(frozen=True)
class WorkerSetup:
    """What a worker's own command line names; every run it starts uses these, never anything from a message."""

    spec: str
    config: str | None = None
    db: str | None = None


def broker_url(settings: QueueSettings) -> str:
    """SC_WATCH_BROKER, else settings.queue.broker; BrokerError (usage) when neither is set."""
    url = os.environ.get(BROKER_ENV) or settings.broker
    if not url:
        raise BrokerError(
            f"no broker configured: set {BROKER_ENV} (e.g. redis://redis.internal:6379/0) or settings.queue.broker "
            "in the config file",
            usage=True,
        )
    if "://" not in url:
        raise BrokerError(f"{BROKER_ENV} or settings.queue.broker is not a broker URL like redis://host:6379/0", True)
    return url


def _restore_interval(visibility_timeout_s: int) -> int:
    # Kombu looks for tasks of dead workers every interval x throttle seconds (100 by default): with the
    # throttle at 1, a tenth of the visibility timeout (1 to 60 s) bounds the extra delay of a redelivery.
    return max(1, min(60, visibility_timeout_s // 10))


def make_app(settings: QueueSettings, setup: WorkerSetup | None = None) -> Celery:
    """The Celery application for these settings; with ``setup``, a worker's (tasks bound to that setup)."""
    url = broker_url(settings)
    app = Celery("sc_watch", broker=url, set_as_current=False)
    minute, hour, day, month, weekday = settings.nightly.split()
    app.conf.update(
        task_default_queue=QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout_s,
            "unacked_restore_interval": _restore_interval(settings.visibility_timeout_s),
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=False,
        worker_hijack_root_logger=True,
        timezone=settings.timezone,
        enable_utc=True,
        beat_schedule={
            "nightly": {
                "task": ENQUEUE_TASK,
                "schedule": crontab(
                    minute=minute, hour=hour, day_of_month=day, month_of_year=month, day_of_week=weekday
                ),
                "options": {"queue": QUEUE},
            }
        },
    )
    if setup is not None:
        _register_tasks(app, settings, setup)
    return app


def safe_url(app: Celery) -> str:
    """The broker URL with any password masked, for messages."""
    with app.connection_for_write() as connection:
        return str(connection.as_uri())


def check_broker(app: Celery) -> None:
    """BrokerError, one line, when the broker cannot be reached (a couple of seconds at most)."""
    with app.connection_for_write() as connection:
        try:
            connection.ensure_connection(max_retries=1)
        except OperationalError as exc:
            raise BrokerError(f"cannot reach the broker {connection.as_uri()}: {exc}") from None


def run_options(sections: Sequence[str] | None, via_menu: bool) -> dict[str, Any]:
    """A task's keyword arguments: the run's options, and only those (the account's name is the argument)."""
    return {"sections": list(sections) if sections else None, "via_menu": via_menu}


def enqueue(app: Celery, accounts: Sequence[str], sections: Sequence[str] | None, via_menu: bool) -> list[str]:
    """Queue one run task per account; returns the task ids. BrokerError when the broker cannot be reached."""
    check_broker(app)
    ids: list[str] = []
    with app.connection_for_write() as connection:
        for name in accounts:
            try:
                result = app.send_task(
                    RUN_TASK,
                    args=[name],
                    kwargs=run_options(sections, via_menu),
                    queue=QUEUE,
                    connection=connection,
                    retry=False,
                )
            except OperationalError as exc:
                queued = f" ({len(ids)} of {len(accounts)} queued before)" if ids else ""
                raise BrokerError(f"the broker {connection.as_uri()} failed while queueing{queued}: {exc}") from None
            ids.append(str(result.id))
    return ids


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: SIGTERM when the worker process that started it dies. Else a
    # pool process killed alone would leave its run going while the broker hands the task to another worker.
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def run_command(
    setup: WorkerSetup, account: str, time_limit_s: int, sections: Sequence[str] | None, via_menu: bool
) -> list[str]:
    """The ``scraper run`` command line a task runs for one account."""
    argv = [sys.executable, "-m", "scraper", "--spec", setup.spec]
    if setup.config:
        argv += ["--config", setup.config]
    # --account=NAME: a name from a message can never be read as another option
    argv += ["run", f"--account={account}", "--time-limit", str(time_limit_s)]
    if setup.db:
        argv += ["--db", setup.db]
    if sections:
        argv += ["--sections", *sections]
    if via_menu:
        argv.append("--via-menu")
    return argv


def run_account(
    setup: WorkerSetup, settings: QueueSettings, account: str, sections: Sequence[str] | None, via_menu: bool
) -> int:
    """Run ``scraper run --account`` for one account in its own process; returns its exit code.

    The run stops itself at its time limit (recorded as not read, alerted, exit 3); should it hang past
    the limit plus its grace (closing the browser, writing the history, alerting), it is killed here and the
    run row is left for the account's next run to mark "interrupted": exit 5.
    """
    argv = run_command(setup, account, settings.time_limit_s, sections, via_menu)
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
    deadline = settings.time_limit_s + time_limit_grace_s(settings.time_limit_s)
    try:
        return process.wait(deadline)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        log.error("account %s: the run did not end within %s s of its start and was killed", account, deadline)
        return EXIT_CRASHED
    finally:
        if process.poll() is None:  # the task itself was stopped (worker shutdown): the run stops with it
            process.terminate()
            process.wait()


_FAILED = {
    2: "not run: a usage or configuration error on this worker (its config file, history or keyring backend; "
    "the line above says which)",
    5: "the run crashed; its traceback is in this worker's state folder (crashes/)",
    6: "the history could not be written; nothing of the run was kept, an alert said so",
}
"""What a task's exit code other than 0, 1 and 3 means, for the worker's log (scraper.cli's exit codes)."""


def _valid_message(account: object, sections: object, via_menu: object) -> str | None:
    """Why a task's arguments are not a run's (None: they are); a message is checked before anything runs."""
    if not isinstance(account, str) or not account or account.startswith("-"):
        return "the account is not a name"
    if sections is not None and (not isinstance(sections, list) or not all(isinstance(s, str) for s in sections)):
        return "sections is not a list of names"
    if not isinstance(via_menu, bool):
        return "via_menu is not true or false"
    return None


def _register_tasks(app: Celery, settings: QueueSettings, setup: WorkerSetup) -> None:
    @app.task(name=RUN_TASK, bind=True, max_retries=None, shared=False)  # type: ignore[untyped-decorator]
    def run_account_task(self: Task, account: str, sections: list[str] | None = None, via_menu: bool = False) -> int:
        problem = _valid_message(account, sections, via_menu)
        if problem is not None:
            log.error("task %s refused: %s", self.request.id, problem)
            return 2
        code = run_account(setup, settings, account, sections, via_menu)
        if code == EXIT_LOCKED:
            waited = self.request.retries * LOCKED_RETRY_S
            if waited < LOCKED_GIVE_UP_S:
                log.info("account %s: the history is in use by another run; trying again shortly", account)
                raise self.retry(countdown=LOCKED_RETRY_S + random.uniform(0, LOCKED_RETRY_S))
            log.error("account %s: not run, the history was in use for %s s", account, waited)
        elif code == 3:
            log.warning("account %s: not everything was read (exit 3); the history and the alert say what", account)
        elif code not in (0, 1):
            log.error("account %s: %s (exit %s)", account, _FAILED.get(code, "the run failed"), code)
        return code

    @app.task(name=ENQUEUE_TASK, shared=False)  # type: ignore[untyped-decorator]
    def enqueue_all_task() -> int:
        config = load_config(Path(setup.config) if setup.config else paths.config_file())
        for name in config.accounts:
            app.send_task(RUN_TASK, args=[name], kwargs=run_options(None, False), queue=QUEUE)
        log.info("queued %s account(s) for the nightly run", len(config.accounts))
        return len(config.accounts)


def _setup(args: argparse.Namespace) -> WorkerSetup:
    config = str(Path(args.config).resolve()) if args.config else None
    return WorkerSetup(str(Path(args.spec).resolve()), config, args.db)


def _settings(args: argparse.Namespace) -> tuple[list[str], QueueSettings]:
    config = load_config(Path(args.config) if args.config else paths.config_file())
    return list(config.accounts), config.settings.queue


def cmd_enqueue(args: argparse.Namespace, out: Any) -> int:
    """``scraper enqueue``: queue one run task per named account (or every account with --all)."""
    names, settings = _settings(args)
    if args.all:
        chosen = names
    else:
        unknown = [n for n in args.account if n not in names]
        if unknown:
            raise UsageError(f"no such account: {', '.join(unknown)} (known: {', '.join(names)})")
        chosen = list(dict.fromkeys(args.account))
    app = make_app(settings)
    ids = enqueue(app, chosen, args.sections, args.via_menu)
    out.print(
        f"queued {len(ids)} account(s) on {safe_url(app)} (queue {QUEUE}): {', '.join(chosen)}",
        soft_wrap=True,
        highlight=False,
        markup=False,
    )
    return 0


def cmd_worker(args: argparse.Namespace, out: Any) -> int:
    """``scraper worker``: a Celery worker running the account tasks (and the schedule with --beat)."""
    _, settings = _settings(args)
    setup = _setup(args)
    app = make_app(settings, setup)
    check_broker(app)  # one line now, rather than a worker retrying in its log
    name = args.name or f"sc-watch-{os.getpid()}@{socket.gethostname()}"
    worker = app.Worker(
        hostname=name,
        concurrency=args.concurrency,
        queues=[QUEUE],
        loglevel=args.loglevel,
        beat=args.beat,
        schedule_filename=str(paths.state_dir() / "celerybeat-schedule"),
        without_gossip=True,
        without_mingle=True,
        optimization="fair",
    )
    worker.start()
    return int(worker.exitcode or 0)


def cmd_beat(args: argparse.Namespace, out: Any) -> int:
    """``scraper beat``: queue every account on the schedule of settings.queue.nightly (one per deployment)."""
    _, settings = _settings(args)
    app = make_app(settings)
    check_broker(app)
    out.print(
        f"scraper beat: every account queued at '{settings.nightly}' ({settings.timezone}) on {safe_url(app)}",
        soft_wrap=True,
        highlight=False,
        markup=False,
    )
    beat = app.Beat(schedule=str(paths.state_dir() / "celerybeat-schedule"), loglevel=args.loglevel)
    beat.run()
    return 0
