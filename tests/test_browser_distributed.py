"""The distributed run for real: a private Redis (tests/services.py), real `scraper worker` processes, the demo
Seller Central, one history; and `scraper run --time-limit`, which every task runs under.

Four accounts through two workers: each recorded once and alerted once. A worker killed (SIGKILL of its whole
process group: the machine lost) in the middle of an account: the broker gives that account's task to the
other worker once the visibility timeout has passed, the account is recorded, and the killed attempt stays in
the history as "interrupted". The figures printed here (run with -s) are those of docs/scale.md.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import datetime
from pathlib import Path

import pytest

from scraper.cli import EXIT_OK, EXIT_UNREADABLE, main
from scraper.demo.server import DEMO_EMAIL, DemoOptions, DemoServer
from scraper.store import open_history
from tests.conftest import use_demo_env
from tests.test_browser_kill import Gate

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
DE = "A1PA6795UKMFR9"
ACCOUNTS = ("shop-a", "shop-b", "shop-c", "shop-d")
TIME_LIMIT_S = 30
VISIBILITY_S = 45
"""The least the config accepts for a 30 s limit (30 + 10 grace + 5): a dead worker's task comes back soon."""
WAIT_S = 240
"""Upper bound for all accounts to be recorded on a loaded machine; normally well under a minute."""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_broker: str) -> Path:
    # SC_WATCH_BROKER names the test's own Redis (tests/services.py). The workers are new processes: they see
    # the environment (credentials the documented way), nothing else.
    use_demo_env(tmp_path, monkeypatch)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    return tmp_path


@pytest.fixture
def demo(env: Path) -> Iterator[DemoServer]:
    with DemoServer(DemoOptions()) as server:
        yield server


def write_config(
    env: Path, demo: DemoServer, hook: str, time_limit_s: int = TIME_LIMIT_S, hosts: dict[str, str] | None = None
) -> str:
    """The four accounts on the demo (``hosts``: some on a demo server of their own)."""
    hosts = hosts or {}
    accounts = "".join(
        f"  {name}:\n    host: {hosts.get(name, demo.base_url)}\n    email: {DEMO_EMAIL}\n    marketplaces: [{DE}]\n"
        f"    sections: [case_log]\n    alerts: {{urls: ['{hook}/{name}']}}\n"
        for name in ACCOUNTS
    )
    path = env / "config.yaml"
    path.write_text(
        "settings: {delay_ms: 0, jitter_ms: 0, timeout_ms: 15000, retries: 0, "
        f"queue: {{time_limit_s: {time_limit_s}, visibility_timeout_s: {VISIBILITY_S}}}}}\naccounts:\n{accounts}",
        encoding="utf-8",
    )
    return str(path)


class Workers:
    """`scraper worker` processes, each in its own process group (a kill takes its runs and browsers too)."""

    def __init__(self, env: Path, cfg: str) -> None:
        self.env = env
        self.cfg = cfg
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, count: int) -> None:
        for _ in range(count):
            n = len(self.procs) + 1
            with (self.env / f"worker{n}.log").open("wb") as log:
                self.procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "scraper", "--config", self.cfg, "worker", "--name", f"w{n}@test"],
                        cwd=ROOT,
                        env=dict(os.environ),
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )

    def wait_ready(self) -> None:
        """Until every worker is connected and consuming (its "ready." line)."""
        for n, proc in enumerate(self.procs, 1):
            wait_until(lambda n=n, proc=proc: " ready." in self.log(n) or proc.poll() is not None, f"worker {n}")
            assert proc.poll() is None, self.log(n)

    def log(self, n: int) -> str:
        return (self.env / f"worker{n}.log").read_text(encoding="utf-8", errors="replace")

    def stop(self) -> list[int | None]:
        """Warm shutdown (SIGTERM: running accounts would finish first); the exit codes."""
        for proc in self.procs:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
        codes = []
        for proc in self.procs:
            try:
                codes.append(proc.wait(60))
            except subprocess.TimeoutExpired:
                codes.append(None)
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of this test's own process group
        return codes


@pytest.fixture
def workers(env: Path) -> Iterator[Callable[[str], Workers]]:
    made: list[Workers] = []

    def make(cfg: str) -> Workers:
        made.append(Workers(env, cfg))
        return made[-1]

    yield make
    for group in made:
        group.stop()


def runs(db: str | Path) -> list[tuple[int, str, str | None, str]]:
    """(id, account, outcome, started) of every run."""
    if isinstance(db, Path) and not db.exists():
        return []
    with open_history(db) as history:
        rows = history.query("SELECT id, account, outcome, started FROM runs ORDER BY id")
    return [(r["id"], r["account"], r["outcome"], r["started"]) for r in rows]


def wait_until(check: Callable[[], bool], what: str, timeout: float = WAIT_S) -> float:
    """Poll ``check`` until true; returns the seconds it took."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout, f"timed out waiting for {what}"
        time.sleep(0.2)
    return time.monotonic() - start


def recorded(db: str | Path) -> dict[str, list[str | None]]:
    out: dict[str, list[str | None]] = {}
    for _, account, outcome, _ in runs(db):
        out.setdefault(account, []).append(outcome)
    return out


def all_ok(db: str | Path) -> bool:
    done = recorded(db)
    return all("ok" in done.get(name, []) for name in ACCOUNTS)


def record_counts(db: str | Path) -> dict[str, int]:
    with open_history(db) as history:
        rows = history.query("SELECT account, COUNT(*) AS n FROM records GROUP BY account")
    return {r["account"]: r["n"] for r in rows}


def test_four_accounts_through_two_workers_each_recorded_once(
    demo: DemoServer, env: Path, history_target: str | Path, webhook, workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On each history backend: runs of different accounts write one history side by side."""
    db = history_target
    monkeypatch.setenv("SC_WATCH_DB", str(db))  # the workers' history, as a deployment names it
    url, received = webhook
    cfg = write_config(env, demo, url)
    group = workers(cfg)
    group.start(2)
    group.wait_ready()
    start = time.monotonic()
    assert main(["--config", cfg, "enqueue", "--all"]) == EXIT_OK
    # recorded, then alerted: an account is done when its alert has come
    took = wait_until(lambda: all_ok(db) and len(received) == 4, "all four accounts to be recorded and alerted")
    kind = "PostgreSQL" if isinstance(db, str) else "SQLite"
    print(f"\n4 accounts through 2 workers ({kind}): {took:.1f} s from enqueue to the last one recorded and alerted")
    assert group.stop() == [0, 0]  # a warm shutdown of idle workers
    assert recorded(db) == {name: ["ok"] for name in ACCOUNTS}  # once each: no duplicates, nothing lost
    with open_history(db) as history:
        spans = [(r["started"], r["finished"]) for r in history.query("SELECT started, finished FROM runs")]
    # the two workers wrote the one history side by side (each holds only its own account's lock)
    pairs = [(a, b) for i, a in enumerate(spans) for j, b in enumerate(spans) if i < j]
    assert any(a[0] < b[1] and b[0] < a[1] for a, b in pairs), spans
    assert record_counts(db) == dict.fromkeys(ACCOUNTS, 10)  # case_log/api/de-typical.json: 10 cases each
    assert sorted(r["title"] for r in received) == [f"Seller Central [{n}]: 3 new finding(s)" for n in ACCOUNTS]
    logs = group.log(1) + group.log(2)
    assert logs.count("Task sc_watch.run_account[") >= 4
    assert "Traceback" not in logs
    assert time.monotonic() - start < WAIT_S


def _worker_running(account: str, pgids: set[int]) -> int:
    """The process group (= worker) whose `scraper run --account=NAME` is running now."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError):
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if f"--account={account}".encode() in argv:
                group = os.getpgid(int(entry.name))
                if group in pgids:
                    return group
    raise AssertionError(f"no worker runs {account}")


def test_a_worker_killed_mid_account_and_the_task_is_delivered_again(
    demo: DemoServer, env: Path, pg_url: str, webhook, workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the PostgreSQL history (several workers on one history is what it is for; SQLite's kill -9
    recovery of one account: tests/test_browser_kill.py)."""
    db = pg_url
    monkeypatch.setenv("SC_WATCH_DB", db)
    url, received = webhook
    held = "shop-a"
    with DemoServer(DemoOptions()) as own:  # shop-a alone on this demo: its case list is the one held
        cfg = write_config(env, demo, url, hosts={held: own.base_url})
        group = workers(cfg)
        group.start(2)
        group.wait_ready()
        gate = Gate(own, "POST", "/hill/hillservice/mons-api/SearchForCases")
        try:
            assert main(["--config", cfg, "enqueue", "--all"]) == EXIT_OK
            assert gate.reached.wait(WAIT_S), f"no worker reached {held}'s case log"
            victim = _worker_running(held, {p.pid for p in group.procs})
            os.killpg(victim, signal.SIGKILL)  # the worker, its pool, the run and its Chromium: the machine is gone
            killed_at, killed_wall = time.monotonic(), time.time()
        finally:
            gate.open()
        took = wait_until(lambda: all_ok(db) and len(received) == 4, "every account to be recorded after the kill")
    history = recorded(db)
    assert history[held] == ["interrupted", "ok"], history  # the killed attempt stays visible
    assert {name: outcomes for name, outcomes in history.items() if name != held} == {
        name: ["ok"] for name in ACCOUNTS if name != held
    }
    first, again = (
        datetime.fromisoformat(started).timestamp() for _, account, _, started in runs(db) if account == held
    )
    print(
        f"\nthe killed worker's account {held}: its first run started {killed_wall - first:.0f} s before the kill, "
        f"the second {again - killed_wall:.0f} s after it ({again - first:.0f} s after the first; visibility "
        f"timeout {VISIBILITY_S} s); every account recorded {took:.1f} s after the kill"
    )
    # The visibility clock runs from the task's delivery (just before its first run started): never before it
    # (a task still running must never go twice), and soon after it: kombu looks every tenth of it, and the
    # other worker takes the task when it has finished the account it is on.
    assert VISIBILITY_S - 5 <= again - first <= VISIBILITY_S + 90
    assert record_counts(db) == dict.fromkeys(ACCOUNTS, 10)
    assert sorted(r["title"] for r in received) == [f"Seller Central [{n}]: 3 new finding(s)" for n in ACCOUNTS]
    survivor = next(n for n, p in enumerate(group.procs, 1) if p.pid != victim)
    assert f"Account {held}: run" in group.log(survivor)  # the other worker ran it, from the queue
    assert time.monotonic() - killed_at < WAIT_S


def test_a_task_past_its_time_limit_records_the_account_as_not_read(
    demo: DemoServer, env: Path, webhook, workers
) -> None:
    """settings.queue.time_limit_s reaches the run through the worker: stopped, recorded not read, alerted."""
    url, received = webhook
    cfg = write_config(env, demo, url, time_limit_s=5)
    group = workers(cfg)
    group.start(1)
    group.wait_ready()
    gate = Gate(demo, "POST", "/hill/hillservice/mons-api/SearchForCases")  # the case list never comes
    try:
        assert main(["--config", cfg, "enqueue", "--account", "shop-a"]) == EXIT_OK
        wait_until(lambda: len(received) == 1, "the alert of the stopped run")
    finally:
        gate.open()
    db = env / "history.sqlite3"
    assert recorded(db) == {"shop-a": ["timed out"]}  # never "ok", never missing
    assert [r["title"] for r in received] == ["Seller Central [shop-a]: could not read 1 place(s)"]
    wait_until(lambda: "succeeded in" in group.log(1), "the task to end")
    log = group.log(1)
    assert "not read: the run was stopped after its time limit of 5 s" in log
    assert "account shop-a: not everything was read (exit 3)" in log
    assert group.stop() == [0]


def test_run_time_limit_records_the_account_as_not_read(
    demo: DemoServer, env: Path, webhook, shared_browser, capsys: pytest.CaptureFixture[str]
) -> None:
    """What a worker's task does when an account outlives settings.queue.time_limit_s: the run stops itself,
    records every section not read with the cause, alerts, and exits 3 (never green)."""
    url, received = webhook
    cfg = write_config(env, demo, url)
    gate = Gate(demo, "POST", "/hill/hillservice/mons-api/SearchForCases")
    try:
        started = time.monotonic()
        code = main(["--config", cfg, "run", "--account", "shop-a", "--time-limit", "3"])
        took = time.monotonic() - started
    finally:
        gate.open()
    assert code == EXIT_UNREADABLE
    assert took < 30
    out = capsys.readouterr().out
    assert "not read: the run was stopped after its time limit of 3 s" in out
    db = env / "history.sqlite3"
    assert recorded(db) == {"shop-a": ["timed out"]}
    connection = sqlite3.connect(db)
    try:
        ((status, message),) = connection.execute("SELECT status, message FROM section_runs").fetchall()
    finally:
        connection.close()
    assert status == "error"
    assert message.startswith("[shop-a] not read: the run was stopped after its time limit of 3 s")
    assert [r["title"] for r in received] == ["Seller Central [shop-a]: could not read 1 place(s)"]
    # the next run is not disturbed by the stopped one
    assert main(["--config", cfg, "run", "--account", "shop-a", "--time-limit", "60"]) == 1
    assert recorded(db) == {"shop-a": ["timed out", "ok"]}
