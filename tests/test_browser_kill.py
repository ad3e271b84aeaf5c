"""kill -9 at three points of a real run, and two runs at once on one history.

The killed run is the real command in a subprocess (`python -m scraper run`) against the demo site. The
test places the kill by holding one demo request until the process is dead (sign-in, mid-walk), or, inside
the history write, with tests/kill_points.py (the same command, paused after the first section's rows are
written). After each kill: the database passes `PRAGMA integrity_check`, the lock is free (the kernel
dropped it; the file keeps the dead pid), the report says "interrupted", and the next run works, records
normally and marks the killed run interrupted. The next runs go in-process on the shared browser, to keep
these tests short.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from scraper.cli import EXIT_FINDINGS, EXIT_LOCKED, EXIT_OK, main
from scraper.demo.server import DEMO_EMAIL, DemoOptions, DemoServer
from scraper.lock import lock_held, lock_path
from scraper.session import storage_state_problem
from tests.conftest import use_demo_env

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shared_browser")]
ROOT = Path(__file__).resolve().parent.parent
DE = "A1PA6795UKMFR9"
WAIT_S = 90
"""Upper bound for a subprocess to reach its kill point (a loaded CI machine); normally a few seconds."""


class Gate:
    """Holds the first demo request that matches until opened, so a test can act while it hangs."""

    def __init__(self, demo: DemoServer, method: str, prefix: str) -> None:
        self.reached = threading.Event()
        self._open = threading.Event()
        original = demo._record

        def record(seen_method: str, path: str) -> None:
            original(seen_method, path)
            if seen_method == method and path.startswith(prefix) and not self.reached.is_set():
                self.reached.set()
                self._open.wait(WAIT_S)

        demo._record = record  # type: ignore[method-assign]

    def open(self) -> None:
        self._open.set()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_demo_env(tmp_path, monkeypatch, columns=200)


@pytest.fixture
def demo(env: Path) -> Iterator[DemoServer]:
    with DemoServer(DemoOptions()) as server:
        yield server


def config(env: Path, demo: DemoServer, timeout_ms: int = 10000) -> str:
    path = env / "config.yaml"
    path.write_text(
        f"settings: {{delay_ms: 0, jitter_ms: 0, timeout_ms: {timeout_ms}}}\n"
        f"accounts:\n  demo:\n    host: {demo.base_url}\n    email: {DEMO_EMAIL}\n    marketplaces: [{DE}]\n"
        "    sections: [case_log, feedback]\n",
        encoding="utf-8",
    )
    return str(path)


def start(env: Path, *argv: str, module: str = "scraper") -> subprocess.Popen[bytes]:
    """The command in its own session (so its browser can be cleaned up by group), output to files."""
    name = f"{module}-{time.monotonic_ns()}"
    with (env / f"{name}.out").open("wb") as out, (env / f"{name}.err").open("wb") as err:  # the child keeps its copy
        return subprocess.Popen(
            [sys.executable, "-m", module, *argv],
            cwd=ROOT,
            env=dict(os.environ),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )


def kill_9(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the run itself (nothing of it can clean up), then wait until its children are gone."""
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(10) == -signal.SIGKILL
    deadline = time.monotonic() + 10
    with suppress(ProcessLookupError):
        while time.monotonic() < deadline:  # Playwright's driver and Chromium notice their pipe closing
            os.killpg(proc.pid, 0)
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGKILL)  # what is left of this test's own process group


def query(db: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple]:
    connection = sqlite3.connect(db)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def after_the_kill(db: Path, pid: int) -> None:
    """The history is intact and the dead run's lock is not in anyone's way."""
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    assert lock_path(db, "demo").read_text() == str(pid)  # the stale file stays, naming the dead run
    assert not lock_held(db, "demo")  # but the kernel dropped its flock with the process


def outcomes(db: Path) -> dict[int, str | None]:
    return dict(query(db, "SELECT id, outcome FROM runs ORDER BY id"))  # type: ignore[arg-type]


def statuses(db: Path, run_id: int) -> dict[str, str]:
    return dict(query(db, "SELECT section, status FROM section_runs WHERE run_id = ?", (run_id,)))  # type: ignore[arg-type]


def reported_run(env: Path) -> dict:
    out = env / "report.json"
    assert main(["report", "--format", "json", "--out", str(out)]) == EXIT_OK
    (account,) = json.loads(out.read_text(encoding="utf-8"))["accounts"]
    return account


def next_run_works(env: Path, cfg: str, killed: int, capsys: pytest.CaptureFixture[str], code: int) -> str:
    capsys.readouterr()
    assert main(["--config", cfg, "run"]) == code
    out = capsys.readouterr().out
    assert f"run {killed} of demo" in out
    assert "marked interrupted" in out
    db = env / "history.sqlite3"
    latest = max(outcomes(db))
    assert outcomes(db)[killed] == "interrupted"
    assert outcomes(db)[latest] == "ok"
    assert statuses(db, latest) == {"case_log": "ok", "feedback": "ok"}
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    return out


def test_kill_9_during_sign_in(demo: DemoServer, env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = config(env, demo)
    gate = Gate(demo, "POST", "/ap/signin")
    proc = start(env, "--config", cfg, "run")
    try:
        assert gate.reached.wait(WAIT_S), "the run never reached the sign-in form"
        kill_9(proc)
    finally:
        gate.open()
    db = env / "history.sqlite3"
    after_the_kill(db, proc.pid)
    assert outcomes(db) == {1: None}
    assert statuses(db, 1) == {}
    assert not (env / "state" / "sessions" / "demo.json").exists()  # no half-signed-in session was saved
    assert reported_run(env)["run"]["outcome"] == "interrupted"
    next_run_works(env, cfg, 1, capsys, EXIT_FINDINGS)


def test_kill_9_mid_walk(demo: DemoServer, env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = config(env, demo)
    gate = Gate(demo, "GET", "/fbmapi/")  # case_log has been read; feedback's data call hangs
    proc = start(env, "--config", cfg, "run")
    try:
        assert gate.reached.wait(WAIT_S), "the run never reached the feedback section"
        kill_9(proc)
    finally:
        gate.open()
    db = env / "history.sqlite3"
    after_the_kill(db, proc.pid)
    assert outcomes(db) == {1: None}
    assert statuses(db, 1) == {}  # what was read before the kill is read again by the next run, not half-kept
    session = env / "state" / "sessions" / "demo.json"
    assert storage_state_problem(session.read_bytes()) is None  # saved at sign-in, whole (atomic replace)
    assert reported_run(env)["run"]["outcome"] == "interrupted"
    sign_ins = demo.sign_in_requests()
    next_run_works(env, cfg, 1, capsys, EXIT_FINDINGS)
    assert demo.sign_in_requests() == sign_ins  # the killed run's saved session is reused


def test_kill_9_inside_the_history_write(demo: DemoServer, env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = config(env, demo)
    db = env / "history.sqlite3"
    assert main(["--config", cfg, "run"]) == EXIT_FINDINGS  # run 1: the last complete state
    first = query(db, "SELECT section, key, rule FROM findings WHERE run_id = 1 ORDER BY 1, 2, 3")
    assert first
    demo.options.data = {"feedback": "edge", "case_log": "edge"}  # run 2 sees news, and is killed writing it
    marker = env / "paused"
    proc = start(env, str(marker), "--", "--config", cfg, "run", module="tests.kill_points")
    deadline = time.monotonic() + WAIT_S
    while not marker.exists():
        assert proc.poll() is None, (env / "paused").exists()
        assert time.monotonic() < deadline, "the run never reached the history write"
        time.sleep(0.05)
    kill_9(proc)
    assert marker.read_text() == "in transaction"  # killed with the first section written, uncommitted
    assert Path(f"{db}-journal").exists()  # the write was under way (a hot journal is rolled back on open)
    after_the_kill(db, proc.pid)
    assert outcomes(db) == {1: "ok", 2: None}
    assert statuses(db, 2) == {}  # all of the run's write or nothing: nothing
    assert query(db, "SELECT COUNT(*) FROM changes WHERE run_id = 2") == [(0,)]
    report = reported_run(env)
    assert report["run"]["outcome"] == "interrupted"
    assert report["last_complete_run"]["id"] == 1
    assert sorted((f["section"], f["key"], f["rule"]) for f in report["findings"]) == first  # not "None", not blank
    out = next_run_works(env, cfg, 2, capsys, EXIT_FINDINGS)
    # what run 2 saw and lost with the kill is news again now: nothing lost (the 12 of the edge data, and its
    # two cases waiting since their last change, more than 2 days ago)
    assert "14 new finding(s)" in out, out


def test_two_runs_at_once(demo: DemoServer, env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = config(env, demo, timeout_ms=60000)  # the first run waits at the gate meanwhile
    gate = Gate(demo, "GET", "/fbmapi/")
    first = start(env, "--config", cfg, "run")
    try:
        assert gate.reached.wait(WAIT_S), "the first run never reached the feedback section"
        second = subprocess.run(
            [sys.executable, "-m", "scraper", "--config", cfg, "run"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=WAIT_S,
            check=False,
        )
        assert second.returncode == EXIT_LOCKED
        assert second.stderr.strip() == (
            f"not started: another run (pid {first.pid}) is using {env / 'history.sqlite3'} for account demo; "
            "try again when it has finished"
        )
        assert "Traceback" not in second.stdout
        # another history is another lock: a run on it goes ahead while the first still walks
        assert main(["--config", cfg, "run", "--db", str(env / "other.sqlite3")]) == EXIT_FINDINGS
        assert first.poll() is None
    finally:
        gate.open()
    assert first.wait(WAIT_S) == EXIT_FINDINGS  # the first run is unaffected
    db = env / "history.sqlite3"
    assert outcomes(db) == {1: "ok"}  # the refused run left no trace
    assert statuses(db, 1) == {"case_log": "ok", "feedback": "ok"}
    assert outcomes(env / "other.sqlite3") == {1: "ok"}
    same = "SELECT section, key, rule FROM findings ORDER BY 1, 2, 3"
    assert query(db, same) == query(env / "other.sqlite3", same)


def test_sigterm_mid_walk_closes_the_browser_and_records_the_run_interrupted(
    demo: DemoServer, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """systemd stops a run that outlived its timeout with SIGTERM: the run unwinds like Ctrl-C (browser
    closed, the run row settled "interrupted" by the run itself), exits 3, and the next run works."""
    cfg = config(env, demo)
    gate = Gate(demo, "GET", "/fbmapi/")
    proc = start(env, "--config", cfg, "run")
    try:
        assert gate.reached.wait(WAIT_S), "the run never reached the feedback section"
        os.kill(proc.pid, signal.SIGTERM)
        code = proc.wait(WAIT_S)
    finally:
        gate.open()
    assert code == 3
    (err,) = env.glob("scraper-*.err")
    assert err.read_text(encoding="utf-8").strip().endswith("interrupted by SIGTERM")
    # No traceback of ours. Playwright's dispatcher or asyncio may log their own when the signal abandoned a
    # command mid-flight ("Error occurred in event listener", "Exception in callback"): the stop's echo.
    text = err.read_text(encoding="utf-8")
    ours = re.split(r"Error occurred in event listener|Exception in callback", text)[0]
    assert "Traceback" not in ours
    with pytest.raises(ProcessLookupError):  # Chromium and Playwright's driver went with the run
        os.killpg(proc.pid, 0)
    db = env / "history.sqlite3"
    assert outcomes(db) == {1: "interrupted"}  # said by the run itself, not left for the next one
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    capsys.readouterr()
    assert main(["--config", cfg, "run"]) == EXIT_FINDINGS
    assert "marked interrupted" not in capsys.readouterr().out
    assert outcomes(db) == {1: "interrupted", 2: "ok"}
