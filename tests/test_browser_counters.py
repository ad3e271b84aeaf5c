"""Amazon's own counters through the demo site and the nightly command: incomplete, drift, not verified.

The demo serves counts that agree with its lists unless told otherwise (DemoOptions.counter_skew: Amazon
counts more or fewer than the page lists; counters_missing: the page shows no count). Expected numbers are
counted by hand in the fixtures: case_log/api/de-typical.json has 10 cases; compliance_requests 12 requests;
feedback 12 entries, 2 of them struck through (so Amazon's lifetime count is 10).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from scraper.cli import EXIT_OK, EXIT_UNREADABLE, main
from scraper.config import Account
from scraper.demo.server import DEMO_EMAIL, DemoOptions, DemoServer
from scraper.read import read_section
from scraper.spec import Spec
from scraper.store import open_history
from scraper.walk import SIDE_CALL_WAIT_MS, collect_section
from tests.conftest import signed_in_page, use_demo_env

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shared_browser")]
DE = "A1PA6795UKMFR9"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_demo_env(tmp_path, monkeypatch, columns=300)


@pytest.fixture
def demo(env: Path) -> Iterator[DemoServer]:
    with DemoServer(DemoOptions()) as server:
        yield server


def config(env: Path, server: DemoServer, hook: str, sections: str, settings: str = "") -> str:
    path = env / "config.yaml"
    path.write_text(
        f"settings: {{delay_ms: 0, jitter_ms: 0, timeout_ms: 10000{settings}}}\n"
        f"accounts:\n  demo:\n    host: {server.base_url}\n    email: {DEMO_EMAIL}\n    marketplaces: [{DE}]\n"
        f"    sections: {sections}\n    alerts: {{urls: ['{hook}'], min_severity: warning}}\n",
        encoding="utf-8",
    )
    return str(path)


def section_run(env: Path, section: str) -> dict:
    with open_history(env / "history.sqlite3") as history:
        row = history.query(
            "SELECT status, message, record_count, counters FROM section_runs WHERE section = ? ORDER BY run_id DESC",
            (section,),
        )[0]
    return {**dict(row), "counters": json.loads(row["counters"]) if row["counters"] else None}


def test_amazon_counting_more_than_the_list_is_incomplete_then_verified(
    demo: DemoServer, env: Path, webhook, capsys: pytest.CaptureFixture[str]
) -> None:
    hook, received = webhook
    # no incremental stop: the second night reads the feedback window to the list's end, so Amazon's lifetime
    # count judges it (a night stopped at a known page is "not comparable" there: tests/test_windows.py)
    cfg = config(env, demo, hook, "[case_log, feedback]", ", windows: {incremental: false}")
    demo.options.counter_skew = {"case_log": 2}  # Amazon says 12 cases; the lobby lists 10
    demo.options.counters_missing = frozenset({"feedback"})  # no aggregates call, no total on the page

    assert main(["--config", cfg, "run"]) == EXIT_UNREADABLE
    out = " ".join(capsys.readouterr().out.split())
    assert "INCOMPLETE" in out
    assert "cases: Amazon counts 12, the read has 10" in out
    assert "not verified" in out  # feedback: read, but nothing to judge it by
    case_log = section_run(env, "case_log")
    assert (case_log["status"], case_log["record_count"]) == ("incomplete", 10)
    assert without_evidence(case_log["message"]) == (
        "case_log: the whole list (weekly, past the last 30 days), 1 page; "  # its reading window
        "[case_log] incomplete: Amazon counts more than was read: cases: Amazon counts 12, the read has 10; "
        "cases shown: Amazon counts 12, the read has 10"
    )
    assert case_log["counters"]["verification"] == "disagrees"
    feedback = section_run(env, "feedback")
    assert (feedback["status"], feedback["record_count"]) == ("ok", 12)
    assert feedback["counters"]["verification"] == "not verified"
    alert = received[-1]
    assert alert["title"] == "Seller Central [demo]: 1 place(s) read only in part"
    assert "INCOMPLETE" in alert["message"]
    assert "cases: Amazon counts 12, the read has 10" in alert["message"]

    demo.options.counter_skew = {}
    demo.options.counters_missing = frozenset()
    # Everything agrees now; the cases read in part last night were applied then, so nothing is new.
    assert main(["--config", cfg, "run"]) == EXIT_OK
    out = " ".join(capsys.readouterr().out.split())
    assert "INCOMPLETE" not in out
    assert section_run(env, "case_log")["counters"]["verification"] == "verified"
    feedback = section_run(env, "feedback")
    assert (feedback["status"], feedback["counters"]["counted"]) == ("ok", 10)
    assert feedback["counters"]["verification"] == "verified"
    assert "10 ratings: verified" in out  # 12 entries, 2 struck through
    assert "10 cases: verified" in out


def without_evidence(message: str) -> str:
    """The message without the evidence folder it ends with (a section not fully read leaves one), after
    checking that the folder is there."""
    text, _, folder = message.partition("; evidence: ")
    assert folder, message
    assert Path(folder).is_dir(), message
    return text


def test_more_than_amazon_counts_is_drift(demo: DemoServer, env: Path, webhook) -> None:
    hook, received = webhook
    demo.options.counter_skew = {"compliance_requests": -1}  # Amazon says 11; the list holds 12
    assert main(["--config", config(env, demo, hook, "[compliance_requests]"), "run"]) == EXIT_UNREADABLE
    row = section_run(env, "compliance_requests")
    assert row["status"] == "drift"
    assert without_evidence(row["message"]) == (
        "[compliance_requests] more than Amazon counts (the read holds something the page does not list): "
        "requests: Amazon counts 11, the read has 12; requests shown: Amazon counts 11, the read has 12"
    )
    assert "could not read 1 place(s)" in received[-1]["title"]


def test_a_read_cut_at_the_page_limit_is_incomplete_with_amazons_count(
    demo: DemoServer, env: Path, webhook, capsys: pytest.CaptureFixture[str]
) -> None:
    hook, _ = webhook
    # an unwindowed read (a windowed first read may read full_max_pages): the page limit cuts it
    cfg = config(env, demo, hook, "[feedback]", ", max_pages: 1, windows: {enabled: false}")
    assert main(["--config", cfg, "run"]) == EXIT_UNREADABLE
    row = section_run(env, "feedback")
    # One page of 5 entries; Amazon's lifetime count is 10 (12 entries, 2 struck through).
    assert (row["status"], row["record_count"]) == ("incomplete", 5)
    assert without_evidence(row["message"]) == (
        "[feedback] incomplete: stopped at the page limit (settings.max_pages) after 1 page(s) with 5 record(s); "
        "Amazon counts 10"
    )
    assert "INCOMPLETE" in " ".join(capsys.readouterr().out.split())


def test_a_counters_answer_that_comes_after_the_list_is_still_collected(spec: Spec, demo: DemoServer) -> None:
    """Feedback Manager's page does not wait for its aggregates: the walk keeps what arrives after the last page."""
    demo.options.page_size = 20  # one page: the walk is done long before the answer comes
    demo.options.slow_paths = {"/fbmapi/v1/aggregates": SIDE_CALL_WAIT_MS // 2}
    acct = Account("demo", demo.base_url, DEMO_EMAIL, "de_DE", (DE,), ("feedback",))
    with signed_in_page(spec, acct) as page:
        capture = collect_section(page, spec, spec.section("feedback"), acct.host, DE, acct.locale, timeout_ms=10000)
    assert [x.role for p in capture.pages for x in p.exchanges].count("counters") == 1
    outcome = read_section(spec, spec.section("feedback"), capture)
    assert (outcome.status, outcome.pages, outcome.counted, outcome.verification) == ("ok", 1, 10, "verified")
