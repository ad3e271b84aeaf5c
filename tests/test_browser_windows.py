"""Reading windows against the demo's big account (issue 13): the first run reads each date-sorted list back to
its window's edge, the next night stops at a page the history already holds, records that left the window stay
as they were (not resolved), and a change inside the window is seen."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from scraper.config import Account, Settings
from scraper.credentials import Credentials
from scraper.demo.server import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoOptions, DemoServer
from scraper.monitor import record_run
from scraper.run import RunOptions, run_account
from scraper.spec import Spec
from scraper.store import History
from scraper.windows import WindowSettings, plan_windows, utc_today
from tests.conftest import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shared_browser")]

DE = "A1PA6795UKMFR9"
CREDS = Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, "test")
SETTINGS = Settings(delay_ms=0, jitter_ms=0, timeout_ms=10000, max_pages=30)
SECTIONS = ("feedback", "case_log", "notifications")
OPTIONS = RunOptions(browser_args=tuple(CHROMIUM_ARGS), sections=SECTIONS)
# The first run reads three days of feedback (yesterday's account: 200 entries, 10 pages of 20, the 11th is past
# the edge); the nights read two, so that a day of the first read lies outside the window the next night.
FIRST = WindowSettings(enabled=True, feedback_days=3)
WINDOWS = WindowSettings(enabled=True, feedback_days=2)


@pytest.fixture
def big(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoServer]:
    monkeypatch.setenv("SC_WATCH_HOME", str(tmp_path))
    with DemoServer(DemoOptions(big=True, big_day=-1)) as server:  # yesterday's account first
        yield server


def night(spec: Spec, server: DemoServer, history: History, windows: WindowSettings) -> dict:
    account = Account("big", server.base_url, DEMO_EMAIL, "de_DE", (DE,), SECTIONS)
    plan = plan_windows(history, "big", windows, utc_today(), spec)
    run = run_account(spec, account, SETTINGS, OPTIONS, CREDS, notify=lambda m: None, windows=plan)
    report = record_run(history, spec, run)
    return {s.section: s for s in report.sections}


def test_first_run_reads_the_window_and_the_next_night_stops_at_known_pages(
    spec: Spec, big: DemoServer, tmp_path: Path
) -> None:
    history = History(tmp_path / "history.db")
    first = night(spec, big, history, FIRST)
    assert {s: (r.status, r.message) for s, r in first.items()} == {
        "feedback": ("ok", "feedback: last 3 days, 11 pages"),
        # first read: the whole list (600 cases, 10 a page), so open cases older than 30 days are in the history
        "case_log": ("ok", "case_log: the whole list (weekly, past the last 30 days), 60 pages"),
        "notifications": ("ok", "notifications: last 90 days, 3 pages"),
    }
    assert len(history.active_records("big", DE, "case_log")) == 598  # yesterday's account: two cases fewer
    # Only what lies inside the window went into the history (yesterday's account: 100 entries a day).
    assert len(history.active_records("big", DE, "feedback")) == 200  # yesterday and the day before
    assert first["feedback"].changes == {"new": 200}

    big.options.big_day = 0  # one day on: 100 new entries, yesterday's five newest answered, cases moved on
    second = night(spec, big, history, WINDOWS)
    fb = second["feedback"]
    # 5 pages of new entries, the 6th holds the answered ones (changed), the 7th is all known: stop.
    assert (fb.status, fb.message) == ("ok", "feedback: last 2 days, 7 pages, stopped at a page already in the history")
    assert fb.changes == {"new": 100, "changed": 5}  # nothing resolved: the day that left the window is kept
    active = history.active_records("big", DE, "feedback")
    assert len(active) == 300
    answered = sorted(r["date"] for r in active.values() if r.get("response"))
    yesterday = answered[-1]
    # five answered before the first read (the day before yesterday), five answered since (yesterday's)
    assert answered.count(yesterday) == 5
    assert len(answered) == 10
    left = history.query(
        "SELECT COUNT(*) AS n FROM records WHERE section = 'feedback' AND resolved_run IS NULL AND last_run = 1"
    )[0]["n"]
    # the day before yesterday (100, outside the window now) and yesterday's rows after the known page (60):
    # untouched, none resolved
    assert left == 160
    assert history.query("SELECT COUNT(*) FROM records WHERE resolved_run IS NOT NULL")[0][0] == 0
    outside = history.query(
        "SELECT MAX(last_in_window) AS last FROM records WHERE section = 'feedback' AND last_run = 1"
    )[0]["last"]
    assert outside == history.query("SELECT read_at FROM section_runs WHERE run_id = 1 AND section = 'feedback'")[0][0]
    cases = second["case_log"]
    # the Case Log's window is read whole each night (an old case changes its status anywhere in the list); the
    # older cases, read whole a night ago, wait for the weekly pass and are not resolved meanwhile
    assert cases.message == "case_log: last 30 days, 7 pages"
    assert cases.changes["new"] == 2
    assert "resolved" not in cases.changes
    assert second["notifications"].message == (
        "notifications: last 90 days, 2 pages, stopped at a page already in the history"
    )
    stored = history.query("SELECT section, window FROM section_runs WHERE run_id = 2 ORDER BY section")
    assert {r["section"]: json.loads(r["window"])["stop"] for r in stored} == {
        "case_log": "edge",
        "feedback": "known",
        "notifications": "known",
    }

    # The weekly full pass (here: forced) reads the whole window again, and finds nothing new.
    third = night(spec, big, history, WindowSettings(enabled=True, feedback_days=2, full_every_days=0))
    assert third["feedback"].message == "feedback: last 2 days, 11 pages"
    assert third["feedback"].changes == {}


def test_voice_of_the_customer_reads_its_filtered_lists_between_full_passes(
    spec: Spec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The typical demo: 12 listings, 5 a page; one Very poor, two Poor, two Fair."""
    monkeypatch.setenv("SC_WATCH_HOME", str(tmp_path))
    history = History(tmp_path / "history.db")
    windows = WindowSettings(enabled=True)
    options = RunOptions(browser_args=tuple(CHROMIUM_ARGS), sections=("voice_of_customer",))
    with DemoServer(DemoOptions()) as server:
        account = Account("big", server.base_url, DEMO_EMAIL, "de_DE", (DE,), ("voice_of_customer",))

        def run_once() -> object:
            plan = plan_windows(history, "big", windows, utc_today(), spec)
            run = run_account(spec, account, SETTINGS, options, CREDS, notify=lambda m: None, windows=plan)
            (report,) = record_run(history, spec, run).sections
            return report

        first = run_once()
        assert (first.status, first.message) == ("ok", "voice_of_customer: the whole list, 3 pages")
        assert first.changes == {"new": 12}
        server.request_log.clear()
        second = run_once()
    assert (second.status, second.message) == (
        "ok",
        "voice_of_customer: pcxHealth VERY_POOR, POOR, FAIR only, 4 pages",
    )
    assert second.changes == {}  # nothing resolved: the Good, Excellent and suppressed ones were not asked for
    asked = [p for _, p in server.request_log if p.startswith("/pcrHealth/pcrListingSummary")]
    assert [("pcxHealth=" in p, "pageOffset=0" in p) for p in asked] == [(False, True)] + [(True, True)] * 3
    verdicts = {c.name: c.verdict for c in second.checks}
    assert verdicts["very_poor_listings"] == verdicts["poor_listings"] == verdicts["fair_listings"] == "agrees"
    assert verdicts["good_listings"] == verdicts["listings"] == "not comparable"
    assert len(history.active_records("big", DE, "voice_of_customer")) == 12
