"""A history written by the first release (schema version 1) opens in this one: migrated in place, every row
kept, and the next run diffs against what version 1 stored. The version-1 file is written here by hand, in
the shape the first release wrote it (its tables, its words), not by the code under test."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from scraper.findings import Finding
from scraper.status import SectionStatus
from scraper.store import SCHEMA_VERSION, History, open_history

V1_SCHEMA = """
CREATE TABLE runs (id INTEGER PRIMARY KEY, account TEXT NOT NULL, started TEXT NOT NULL, finished TEXT, outcome TEXT);
CREATE TABLE section_runs (
    run_id INTEGER NOT NULL REFERENCES runs(id), account TEXT NOT NULL, marketplace TEXT NOT NULL,
    section TEXT NOT NULL, status TEXT NOT NULL, message TEXT, record_count INTEGER, summary TEXT,
    read_at TEXT NOT NULL, PRIMARY KEY (run_id, marketplace, section));
CREATE INDEX section_runs_by_section ON section_runs(account, marketplace, section, status);
CREATE TABLE records (
    account TEXT NOT NULL, marketplace TEXT NOT NULL, section TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, first_run INTEGER NOT NULL, last_run INTEGER NOT NULL,
    resolved_run INTEGER, PRIMARY KEY (account, marketplace, section, key));
CREATE TABLE changes (
    id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id), account TEXT NOT NULL,
    marketplace TEXT NOT NULL, section TEXT NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL, fields TEXT NOT NULL,
    data TEXT NOT NULL, at TEXT NOT NULL);
CREATE INDEX changes_by_record ON changes(section, key);
CREATE TABLE findings (
    run_id INTEGER NOT NULL REFERENCES runs(id), account TEXT NOT NULL, marketplace TEXT NOT NULL,
    section TEXT NOT NULL, key TEXT NOT NULL, rule TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL,
    tags TEXT NOT NULL, is_new INTEGER NOT NULL, PRIMARY KEY (run_id, marketplace, section, key, rule));
PRAGMA user_version = 1;
"""

DE = "A1PA6795UKMFR9"
KEY_A, KEY_B = '["302-0000001-0000001"]', '["302-0000001-0000002"]'
A = {"order_id": "302-0000001-0000001", "date": "2026-07-27", "rating": 1, "comment": "Karton kaputt"}
B = {"order_id": "302-0000001-0000002", "date": "2026-07-28", "rating": 5, "comment": "Gut"}


def _version_1(path: Path) -> None:
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    at1, at2 = "2026-07-29T05:00:00+00:00", "2026-07-30T05:00:00+00:00"
    db.execute("INSERT INTO runs VALUES (1, 'main', ?, ?, 'ok')", (at1, at1))
    db.execute("INSERT INTO runs VALUES (2, 'main', ?, ?, 'login needed')", (at2, at2))
    db.execute("INSERT INTO section_runs VALUES (1, 'main', ?, 'feedback', 'ok', NULL, 2, NULL, ?)", (DE, at1))
    db.execute(
        "INSERT INTO section_runs VALUES (2, 'main', ?, 'feedback', 'login needed', 'sign in again', NULL, NULL, ?)",
        (DE, at2),
    )
    for key, data in ((KEY_A, A), (KEY_B, B)):
        db.execute(
            "INSERT INTO records VALUES ('main', ?, 'feedback', ?, ?, ?, ?, 1, 1, NULL)",
            (DE, key, json.dumps(data, sort_keys=True), at1, at1),
        )
        db.execute(
            "INSERT INTO changes (run_id, account, marketplace, section, key, kind, fields, data, at) "
            "VALUES (1, 'main', ?, 'feedback', ?, 'new', '{}', ?, ?)",
            (DE, key, json.dumps(data, sort_keys=True), at1),
        )
    db.execute(
        "INSERT INTO findings VALUES (1, 'main', ?, 'feedback', ?, 'feedback_1_stars', 'warning', ?, ?, 1)",
        (DE, KEY_A, "1-star feedback on order 302-0000001-0000001: Karton kaputt", '["damage"]'),
    )
    db.commit()
    db.close()


def test_a_version_1_history_is_migrated_and_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    _version_1(path)
    history = History(path)
    assert history.schema_version() == SCHEMA_VERSION
    columns = {row[1] for row in history.db.execute("PRAGMA table_info(section_runs)")}
    assert {"counters", "window"} <= columns
    assert "detail" in {row[1] for row in history.db.execute("PRAGMA table_info(findings)")}
    assert "last_in_window" in {row[1] for row in history.db.execute("PRAGMA table_info(records)")}
    # Version 1's rows, read through this version: the words became statuses, nothing was lost.
    (state,) = history.section_states("main")
    assert state.status is SectionStatus.LOGIN_NEEDED
    assert (state.message, state.last_success, state.counters) == ("sign in again", "2026-07-29T05:00:00+00:00", None)
    assert history.active_records("main", DE, "feedback") == {KEY_A: A, KEY_B: B}
    assert [r["kind"] for r in history.changes_for("feedback", KEY_A)] == ["new"]
    outcomes = [r["outcome"] for r in history.query("SELECT outcome FROM runs ORDER BY id")]
    assert outcomes == ["ok", "login needed"]

    # The next run diffs against version 1's records, and version 1's finding is not new again.
    run = history.start_run("main")
    changed_a = {**A, "comment": "Karton kaputt, Flasche ausgelaufen"}
    changes = history.record_section(run, "main", DE, "feedback", SectionStatus.OK, None, {KEY_A: changed_a})
    assert sorted((c.kind, c.key) for c in changes) == [("changed", KEY_A), ("resolved", KEY_B)]
    (change,) = [c for c in changes if c.kind == "changed"]
    assert change.fields == {"comment": ("Karton kaputt", "Karton kaputt, Flasche ausgelaufen")}
    again = Finding("feedback", KEY_A, "feedback_1_stars", "warning", "1-star feedback ...", ("damage",))
    assert history.store_findings(run, "main", DE, "feedback", [again]) == []
    history.finish_run(run, SectionStatus.OK)
    (state,) = history.section_states("main")
    assert state.status is SectionStatus.OK
    assert state.last_success is not None
    assert state.last_success > "2026-07-29T05:00:00+00:00"
    history.close()
    # Opened again: already at the current version, nothing migrates twice.
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    with open_history(path) as reopened:
        assert reopened.active_records("main", DE, "feedback") == {KEY_A: changed_a}
