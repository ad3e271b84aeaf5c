"""The demo with its history on PostgreSQL reads back exactly as with SQLite (issue 12, part 3)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from scraper.cli import EXIT_OK, main
from scraper.store import open_history
from tests.conftest import use_demo_env

pytestmark = pytest.mark.browser


def test_the_demo_on_postgresql_reads_back_as_on_sqlite(
    shared_browser: Browser,
    pg_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_demo_env(tmp_path, monkeypatch)
    # Both histories get the same clock, so everything they hold can be compared, times included.
    monkeypatch.setattr("scraper.store.now_iso", lambda: "2026-07-01T04:00:00+00:00")
    seen = []
    for db in (str(tmp_path / "history.sqlite3"), pg_url):
        capsys.readouterr()
        assert main(["demo", "--quiet", "--db", db]) == EXIT_OK
        summary = capsys.readouterr().out
        out = tmp_path / "report.json"
        assert main(["report", "--format", "json", "--db", db, "--out", str(out)]) == EXIT_OK
        report = json.loads(out.read_text(encoding="utf-8"))
        assert report.pop("db") == (str(tmp_path / "history.sqlite3") if db.endswith("sqlite3") else db)
        report.pop("generated")
        exports = []
        for what in ("records", "findings"):
            target = tmp_path / f"{what}.csv"
            assert main(["export", what, "--format", "csv", "--db", db, "--out", str(target)]) == EXIT_OK
            exports.append(target.read_text(encoding="utf-8"))
        capsys.readouterr()
        assert main(["history", "feedback", "--db", db]) == EXIT_OK
        changes = capsys.readouterr().out
        with open_history(db) as history:
            assert history.query("SELECT id, outcome FROM runs") == [{"id": 1, "outcome": "ok"}]
            statuses = {r["section"]: r["status"] for r in history.query("SELECT section, status FROM section_runs")}
        assert set(statuses.values()) == {"ok"}, statuses
        assert len(statuses) == 6
        seen.append((report, exports, changes, summary.replace(db, "DB")))
    # Each demo serves on a port of its own, and links name it: the rest must be the same.
    sqlite, postgres = (json.loads(re.sub(r"127\.0\.0\.1:\d+", "DEMO", json.dumps(s))) for s in seen)
    for a, b in zip(sqlite[0]["accounts"][0].items(), postgres[0]["accounts"][0].items(), strict=True):
        assert a == b, (a[0], [(x, y) for x, y in zip(a[1], b[1], strict=False) if x != y][:1])
    assert sqlite[0] == postgres[0]  # the whole report: states, findings, changes, tables, trends
    assert sqlite[1] == postgres[1]  # the CSV exports, byte for byte
    assert sqlite[2] == postgres[2]
    assert sqlite[3] == postgres[3]
    (account,) = sqlite[0]["accounts"]
    assert account["findings"]
    assert len(sqlite[1][0].splitlines()) > 20
