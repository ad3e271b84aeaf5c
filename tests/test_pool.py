"""The worker pool of ``run --parallel``: a worker that dies or raises costs only its own account."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from scraper.config import Account, Settings
from scraper.pool import walk_accounts
from scraper.run import RunOptions

DE = "A1PA6795UKMFR9"


def _account(name: str) -> Account:
    return Account(name, "http://127.0.0.1:9", "seller@example.com", "de_DE", (DE,), ("feedback", "case_log"))


def test_a_killed_worker_and_a_raising_worker_each_cost_only_their_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SC_WATCH_HOME", str(tmp_path))
    # Both workers block reading the selectors file (a FIFO) until the test has killed one of them; the other
    # then reads a broken file and raises.
    fifo = tmp_path / "selectors.yaml"
    os.mkfifo(fifo)
    walk = walk_accounts(str(fifo), [_account("shop-a"), _account("shop-b")], Settings(), RunOptions(), None, 2)

    def workers() -> dict[str, multiprocessing.process.BaseProcess]:
        return {p.name: p for p in multiprocessing.active_children() if p.name.startswith("sc-watch-")}

    # the generator starts the workers on its first step and then waits for one to finish: drive it aside
    collected: list = []
    thread = threading.Thread(target=lambda: collected.extend(walk), daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while len(workers()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert set(workers()) == {"sc-watch-shop-a", "sc-watch-shop-b"}
    pid = workers()["sc-watch-shop-a"].pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    time.sleep(1)
    with fifo.open("w") as writer:  # releases shop-b's worker with a file that is not a selectors file
        writer.write("sections: [\n")
    thread.join(60)
    assert not thread.is_alive()
    results = {done.account.name: done for done in collected}
    killed, raised = results["shop-a"], results["shop-b"]
    assert killed.run.error_kind == "crashed"
    assert "worker process died (exit code -9" in (killed.run.error or "")
    assert raised.run.error_kind == "crashed"
    assert raised.crash is not None
    assert "SpecError" in raised.crash
    for done in (killed, raised):
        # nothing read, every section says so with the cause: never an empty result
        assert [(o.section, o.status) for o in done.run.outcomes] == [("feedback", "error"), ("case_log", "error")]
        assert all(o.message == done.run.error for o in done.run.outcomes)
        assert not done.run.all_read
    assert not workers()


def test_windows_judged_ahead_cross_the_process_boundary(tmp_path) -> None:
    """--parallel: the parent judges each (section, marketplace)'s window; the worker gets them pickled."""
    import pickle
    from datetime import date

    from scraper.store import History
    from scraper.windows import WindowSettings, plan_ahead, plan_windows, planned_windows

    history = History(tmp_path / "h.db")
    plan = plan_windows(history, "a", WindowSettings(), date(2026, 11, 28))
    plans = plan_ahead(plan, ["feedback", "case_log", "compliance_requests"], ["M1", "M2"])
    assert set(plans) == {(s, m) for s in ("feedback", "case_log", "compliance_requests") for m in ("M1", "M2")}
    windows = planned_windows(pickle.loads(pickle.dumps(plans)))
    feedback = windows("feedback", "M2")
    assert feedback is not None
    assert (feedback.days, feedback.full) == (90, True)
    case_log = windows("case_log", "M1")
    assert case_log is not None
    assert case_log.whole
    assert windows("compliance_requests", "M1") is None  # read whole, as before
    assert windows("feedback", "M3") is None  # a marketplace not planned: read whole


def test_a_worker_past_its_time_limit_reports_its_account_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """run --parallel N --time-limit S: each worker stops itself and its account is reported not read (the
    worker here hangs reading its selectors file, a FIFO nobody writes)."""
    monkeypatch.setenv("SC_WATCH_HOME", str(tmp_path))
    fifo = tmp_path / "selectors.yaml"
    os.mkfifo(fifo)
    started = time.monotonic()
    (done,) = list(walk_accounts(str(fifo), [_account("shop-a")], Settings(), RunOptions(), None, 2, 1))
    assert time.monotonic() - started < 30
    assert done.crash is None
    assert done.run.error_kind == "timed out"
    assert done.run.error == "[shop-a] not read: the run was stopped after its time limit of 1 s " + (
        "(settings.queue.time_limit_s or --time-limit)"
    )
    assert [(o.section, o.status, o.message) for o in done.run.outcomes] == [
        ("feedback", "error", done.run.error),
        ("case_log", "error", done.run.error),
    ]
