"""History: diff semantics, failed reads change nothing, findings are new once, schema migration, lock."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scraper.diff import diff_records
from scraper.errors import HistoryError, LockedError
from scraper.findings import Finding
from scraper.lock import lock_held, run_lock
from scraper.store import SCHEMA_VERSION, History, open_history


def rec(**fields: object) -> dict[str, object]:
    return dict(fields)


def test_diff_kinds() -> None:
    active = {"[1]": rec(x=1, y="a"), "[2]": rec(x=2)}
    gone = {"[3]": rec(x=3)}
    current = {"[1]": rec(x=1, y="b"), "[3]": rec(x=3), "[4]": rec(x=4)}
    changes = {c.key: c for c in diff_records(active, gone, current)}
    assert {k: c.kind for k, c in changes.items()} == {
        "[1]": "changed",
        "[3]": "reappeared",
        "[4]": "new",
        "[2]": "resolved",
    }
    assert changes["[1]"].fields == {"y": ("a", "b")}
    assert changes["[2]"].data == {"x": 2}


def test_unchanged_records_give_no_changes() -> None:
    assert diff_records({"[1]": rec(x=1)}, {}, {"[1]": rec(x=1)}) == []


@pytest.fixture
def history(history_target: str | Path):
    with open_history(history_target) as h:
        yield h


def read(history: History, status: str, records: dict | None, section: str = "feedback") -> list:
    run = history.start_run("main")
    changes = history.record_section(run, "main", "DE", section, status, None if status == "ok" else "broken", records)
    history.finish_run(run, "ok")
    return changes


def test_failed_section_resolves_nothing_and_next_diff_is_against_the_last_good_read(history: History) -> None:
    assert [c.kind for c in read(history, "ok", {"[1]": rec(r=1), "[2]": rec(r=2)})] == ["new", "new"]
    assert read(history, "drift", None) == []
    assert read(history, "login needed", None) == []
    assert set(history.active_records("main", "DE", "feedback")) == {"[1]", "[2]"}
    changes = read(history, "ok", {"[1]": rec(r=5)})
    assert sorted((c.kind, c.key) for c in changes) == [("changed", "[1]"), ("resolved", "[2]")]
    assert [c.kind for c in read(history, "ok", {"[1]": rec(r=5), "[2]": rec(r=2)})] == ["reappeared"]


def test_empty_read_resolves_everything(history: History) -> None:
    read(history, "ok", {"[1]": rec(r=1)})
    assert [c.kind for c in read(history, "empty", {})] == ["resolved"]


def test_section_states_say_since_when_a_section_was_not_read(history: History) -> None:
    read(history, "ok", {"[1]": rec(r=1)})
    good = history.section_states("main")[0].read_at
    read(history, "drift", None)
    state = history.section_states("main")[0]
    assert (state.status, state.last_success) == ("drift", good)
    read(history, "error", None, section="case_log")
    case_state = next(s for s in history.section_states("main") if s.section == "case_log")
    assert case_state.last_success is None


def finding(key: str, rule: str = "r") -> Finding:
    return Finding("feedback", key, rule, "warning", f"finding {key}")


def test_findings_are_new_only_the_first_time(history: History) -> None:
    run1 = history.start_run("main")
    history.record_section(run1, "main", "DE", "feedback", "ok", None, {"[1]": rec()})
    assert [f.key for f in history.store_findings(run1, "main", "DE", "feedback", [finding("[1]")])] == ["[1]"]
    run2 = history.start_run("main")
    history.record_section(run2, "main", "DE", "feedback", "drift", "x", None)
    run3 = history.start_run("main")
    history.record_section(run3, "main", "DE", "feedback", "ok", None, {"[1]": rec(), "[2]": rec()})
    new = history.store_findings(run3, "main", "DE", "feedback", [finding("[1]"), finding("[2]")])
    assert [f.key for f in new] == ["[2]"]


def test_change_history_of_one_record(history: History) -> None:
    read(history, "ok", {'["A"]': rec(status="OPEN")})
    read(history, "ok", {'["A"]': rec(status="ANSWERED")})
    rows = history.changes_for("feedback", '["A"]')
    assert [r["kind"] for r in rows] == ["new", "changed"]
    assert json.loads(rows[1]["fields"]) == {"status": ["OPEN", "ANSWERED"]}


def test_schema_is_versioned_and_a_newer_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with open_history(path) as h:
        assert h.schema_version() == SCHEMA_VERSION
    with open_history(path) as h:  # opening again migrates nothing and keeps the data
        assert h.schema_version() == SCHEMA_VERSION
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(HistoryError, match="newer than this tool"):
        History(path)


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    path.write_text("this is not sqlite" * 100)
    with pytest.raises(HistoryError, match="not a usable history database"):
        History(path)


def test_lock_refuses_a_second_concurrent_run(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from scraper.lock import run_lock\n"
            f"with run_lock(Path({str(db)!r}), 'demo'):\n    print('locked', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockedError, match=f"pid {holder.pid}.*for account demo"), run_lock(db, "demo"):
            pass
        with run_lock(db, "other"):  # another account of the same history goes ahead meanwhile
            assert lock_held(db, "demo")
            assert lock_held(db, "other")
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    deadline = time.monotonic() + 5
    while True:  # the kernel drops the lock with the process: no stale lock after a crash
        try:
            with run_lock(db, "demo"):
                break
        except LockedError:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_copy_to_makes_a_consistent_sqlite_copy(tmp_path: Path) -> None:
    with open_history(tmp_path / "h.sqlite3") as h:
        read(h, "ok", {"[1]": rec(x=1)})
        h.copy_to(tmp_path / "copy.sqlite3")
    with open_history(tmp_path / "copy.sqlite3") as copy:
        assert copy.active_records("main", "DE", "feedback") == {"[1]": rec(x=1)}
        assert copy.schema_version() == SCHEMA_VERSION
