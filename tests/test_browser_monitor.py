"""The nightly job end to end: demo site, Chromium, history, findings, alerts and every exit code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from scraper.cli import EXIT_FINDINGS, EXIT_LOCKED, EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE, main
from scraper.demo.server import DEMO_EMAIL, DemoOptions, DemoServer
from scraper.lock import run_lock
from scraper.spec import load_spec
from scraper.store import open_history
from tests.conftest import use_demo_env
from tests.demo_data import demo_records

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shared_browser")]
DE = "A1PA6795UKMFR9"


@pytest.fixture
def hook(webhook: tuple[str, list[dict]]) -> str:
    return webhook[0]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_demo_env(tmp_path, monkeypatch, columns=250)


@pytest.fixture
def demo(env: Path) -> Iterator[DemoServer]:
    with DemoServer(DemoOptions()) as server:
        yield server


def config(env: Path, server: DemoServer, hook: str, sections: str = "[feedback, case_log]") -> str:
    path = env / "config.yaml"
    path.write_text(
        "settings: {delay_ms: 0, jitter_ms: 0, timeout_ms: 10000, backoff_ms: 20}\n"
        f"accounts:\n  demo:\n    host: {server.base_url}\n    email: {DEMO_EMAIL}\n    marketplaces: [{DE}]\n"
        f"    sections: {sections}\n    alerts: {{urls: ['{hook}'], min_severity: warning}}\n",
        encoding="utf-8",
    )
    return str(path)


def golden(section: str, case: str) -> dict[str, dict]:
    keys = {"feedback": ("order_id",), "case_log": ("case_id",)}[section]
    return {json.dumps([r[k] for k in keys]): r for r in demo_records(load_spec(), section, case)}


def expected_changes(section: str, before: str, after: str) -> dict[str, int]:
    old, new = golden(section, before), golden(section, after)
    counts = {
        "new": len(new.keys() - old.keys()),
        "resolved": len(old.keys() - new.keys()),
        "changed": sum(1 for k in new.keys() & old.keys() if new[k] != old[k]),
    }
    return {k: v for k, v in counts.items() if v}


def test_two_runs_with_changed_data(
    demo: DemoServer, env: Path, hook: str, webhook, capsys: pytest.CaptureFixture[str]
) -> None:
    received = webhook[1]
    cfg = config(env, demo, hook)
    assert main(["--config", cfg, "run"]) == EXIT_FINDINGS  # first sight: every open item is new
    first_alert = received[-1]
    assert first_alert["title"].startswith("Seller Central [demo]:")
    assert "new finding(s)" in first_alert["title"]

    assert main(["--config", cfg, "run"]) == EXIT_OK  # same data again: nothing new, no alert
    assert len(received) == 1

    demo.options.data = {"feedback": "edge", "case_log": "edge"}
    code = main(["--config", cfg, "run"])
    with open_history(env / "history.sqlite3") as history:
        last_run = history.query("SELECT MAX(id) AS id FROM runs")[0]["id"]
        for section in ("feedback", "case_log"):
            rows = history.query(
                "SELECT kind, COUNT(*) AS n FROM changes WHERE run_id = ? AND section = ? GROUP BY kind",
                (last_run, section),
            )
            assert {r["kind"]: r["n"] for r in rows} == expected_changes(section, "de-typical", "edge"), section
        new_findings = history.query(
            "SELECT section, rule, key FROM findings WHERE run_id = ? AND is_new = 1", (last_run,)
        )
    out = capsys.readouterr().out
    assert "14 new finding(s)" in out  # the list below, as the demo's dates are relative to today
    # checked by hand against fixtures/{case_log,feedback}/api/edge.expected.json
    assert sorted((f["section"], f["rule"], f["key"]) for f in new_findings) == [
        ("case_log", "case_needs_reply", '["10000000302"]'),  # Amazon's new case waits for a reply
        ("case_log", "case_needs_reply", '["10000000309"]'),
        ("case_log", "case_opened_by_amazon", '["10000000302"]'),  # only the edge body says who opened it
        ("case_log", "case_opened_by_amazon", '["10000000308"]'),
        ("case_log", "case_status_unknown", '["10000000307"]'),  # PendingThirdPartyAction
        # waiting since their last change (86 and 3 days before the demo's today: the edge data's 2026-06-15 and
        # 2026-09-06, written for 2026-09-09), more than 2 days
        ("case_log", "case_waiting", '["10000000302"]'),
        ("case_log", "case_waiting", '["10000000309"]'),
        ("feedback", "feedback_1_stars", '["302-0000002-0000301"]'),
        ("feedback", "feedback_1_stars", '["303-0000002-0000305"]'),  # struck through by Amazon: info
        ("feedback", "feedback_1_stars", '["305-0000002-0000308"]'),  # Amazon's note only: info
        ("feedback", "feedback_2_stars", '["302-0000002-0000303"]'),
        ("feedback", "feedback_2_stars", '["305-0000002-0000309"]'),
        ("feedback", "feedback_2_stars", '["306-0000002-0000310"]'),  # struck through: info
        ("feedback", "feedback_3_stars", '["303-0000002-0000304"]'),
    ]
    assert code == EXIT_FINDINGS
    assert received[-1]["title"].endswith("new finding(s)")


def test_exit_code_for_a_section_that_cannot_be_read(demo: DemoServer, env: Path, hook: str, webhook) -> None:
    received = webhook[1]
    demo.options.captcha = True
    assert main(["--config", config(env, demo, hook), "run"]) == EXIT_UNREADABLE
    assert "could not read" in received[-1]["title"]


def test_exit_code_for_a_bad_configuration(env: Path) -> None:
    path = env / "config.yaml"
    path.write_text("accounts:\n  demo:\n    host: nowhere\n", encoding="utf-8")
    assert main(["--config", str(path), "run"]) == EXIT_USAGE


def test_exit_code_when_another_run_holds_the_lock(demo: DemoServer, env: Path, hook: str) -> None:
    with run_lock(env / "history.sqlite3"):
        assert main(["--config", config(env, demo, hook), "run"]) == EXIT_LOCKED


def test_report_after_runs(demo: DemoServer, env: Path, hook: str) -> None:
    cfg = config(env, demo, hook, "[feedback, voice_of_customer]")
    main(["--config", cfg, "run"])
    main(["--config", cfg, "run"])
    out = env / "report.html"
    assert main(["report", "--out", str(out)]) == EXIT_OK
    html = out.read_text(encoding="utf-8")
    assert "Voice of the Customer" in html  # sections by title
    assert "Germany (amazon.de)" in html
    # B0DEMO0005: NCX 3.1 % over its category's 1.5 % + 1.2 % (the demo's VoC data)
    assert "Before Amazon acts" in html
    assert "B0DEMO0005 / DEMO-TRUF-100: NCX rate 3.1 % is 1.3 standard deviations above similar offers" in html
    # feedback by month + five CX health lines + the negative share + one NCX chart per listing (12)
    assert html.count("<svg") >= 6 + 1 + 12


def test_a_changed_page_with_its_json_intact_is_read_with_a_maintenance_notice(
    demo: DemoServer, env: Path, hook: str, webhook
) -> None:
    """The JSON is the record source; a page whose rows no longer match is a notice, not a lost section."""
    received = webhook[1]
    cfg = config(env, demo, hook)
    assert main(["--config", cfg, "run"]) == EXIT_FINDINGS
    demo.options.faults = {"feedback": "markup_changed"}
    assert main(["--config", cfg, "run"]) == EXIT_OK
    digest = received[-1]
    assert digest["title"] == "Seller Central [demo]: everything read; 1 maintenance notice(s)"
    assert "MAINTENANCE" in digest["message"]
    assert "kat-table-row" in digest["message"]
    assert digest["message"].count("maintenance:") == 1
    with open_history(env / "history.sqlite3") as history:
        run_id = history.query("SELECT MAX(id) AS id FROM runs")[0]["id"]
        row = history.query(
            "SELECT status, message FROM section_runs WHERE run_id = ? AND section = 'feedback'", (run_id,)
        )[0]
        assert row["status"] == "ok"
        assert "maintenance: the page no longer matches" in row["message"]
        assert history.query("SELECT * FROM changes WHERE run_id = ?", (run_id,)) == []
        assert len(history.active_records("demo", DE, "feedback")) == len(golden("feedback", "de-typical"))


def test_page_and_json_that_disagree_are_drift(demo: DemoServer, env: Path, hook: str) -> None:
    demo.options.faults = {"feedback": "extra_dom_row"}
    assert main(["--config", config(env, demo, hook), "run"]) == EXIT_UNREADABLE
    with open_history(env / "history.sqlite3") as history:
        row = history.query("SELECT status, message FROM section_runs WHERE section = 'feedback'")[0]
    assert row["status"] == "drift"
    assert "row(s) only on the page, 0 only in the JSON" in row["message"]


def test_all_accounts_each_with_its_own_session_and_alerts(demo: DemoServer, env: Path, webhook) -> None:
    url, received = webhook
    path = env / "config.yaml"
    accounts = "".join(
        f"  {name}:\n    host: {demo.base_url}\n    email: {DEMO_EMAIL}\n    marketplaces: [{DE}]\n"
        f"    sections: [case_log]\n    alerts: {{urls: ['{url}/{name}']}}\n"
        for name in ("shop-a", "shop-b")
    )
    path.write_text(f"settings: {{delay_ms: 0, jitter_ms: 0, timeout_ms: 10000}}\naccounts:\n{accounts}")
    assert main(["--config", str(path), "run", "--all"]) == EXIT_FINDINGS
    assert sorted((env / "state" / "sessions").iterdir()) == [
        env / "state" / "sessions" / "shop-a.json",
        env / "state" / "sessions" / "shop-b.json",
    ]
    # case_log/api/de-typical.json: 10 cases, 3 of them PendingSellerAction; the body names no opener
    assert sorted(r["title"] for r in received) == [
        "Seller Central [shop-a]: 3 new finding(s)",
        "Seller Central [shop-b]: 3 new finding(s)",
    ]
    with open_history(env / "history.sqlite3") as history:
        rows = history.query("SELECT account, COUNT(*) AS n FROM records GROUP BY account ORDER BY account")
    assert [(r["account"], r["n"]) for r in rows] == [("shop-a", 10), ("shop-b", 10)]


def test_capture_command_writes_a_redacted_capture_that_replays(
    demo: DemoServer, env: Path, hook: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = env / "captures"
    assert main(["--config", config(env, demo, hook), "capture", "feedback", "--out", str(out)]) == EXIT_OK
    capture_dir = out / DE / "feedback"
    pages = sorted(capture_dir.glob("page-*.html"))
    bodies = sorted(capture_dir.glob("page-*.rows-*.json"))
    assert len(pages) == 3  # 12 rows at 5 per page
    assert len(bodies) == 2 * len(pages)  # Feedback Manager asks twice per page (excludeTTRFeedback true/false)
    assert "302-0000001-0000101" not in pages[0].read_text(encoding="utf-8")  # order ids are replaced
    assert "000-0000000-0000001" in pages[0].read_text(encoding="utf-8")
    capsys.readouterr()
    # the whole section replays offline, and single files still parse on their own
    assert main(["parse", str(capture_dir), "--format", "json"]) == EXIT_OK
    replayed = json.loads(capsys.readouterr().out)
    assert (replayed["status"], replayed["source"], len(replayed["records"])) == ("ok", "api", 12)
    assert main(["parse", "feedback", str(pages[0])]) == EXIT_OK
    assert main(["parse", "feedback", str(bodies[0])]) == EXIT_OK


def test_login_command_saves_the_session(
    demo: DemoServer, env: Path, hook: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", config(env, demo, hook), "login", "--headless"]) == EXIT_OK
    assert "session saved to" in capsys.readouterr().out
    assert (env / "state" / "sessions" / "demo.json").exists()
    before = demo.sign_in_requests()
    assert main(["--config", config(env, demo, hook), "run", "--sections", "feedback"]) == EXIT_FINDINGS
    assert demo.sign_in_requests() == before


def test_an_unreachable_site_is_recorded_alerted_and_exits_unreadable(
    demo: DemoServer, env: Path, hook: str, webhook, capsys: pytest.CaptureFixture[str]
) -> None:
    """The site refuses connections during sign-in: not a crash, not "log in again", not exit 1."""
    received = webhook[1]
    cfg = config(env, demo, hook)
    demo.stop()
    assert main(["--config", cfg, "run"]) == EXIT_UNREADABLE
    assert "could not be reached" in capsys.readouterr().out
    assert received[-1]["title"] == "Seller Central [demo]: could not read 2 place(s)"
    assert "could not be reached" in received[-1]["message"]
    with open_history(env / "history.sqlite3") as history:
        (run,) = history.query("SELECT outcome FROM runs")
        assert run["outcome"] == "unreachable"
        statuses = {r["section"]: r["status"] for r in history.query("SELECT section, status FROM section_runs")}
    assert statuses == {"feedback": "error", "case_log": "error"}


def test_a_site_answering_503_is_named_not_log_in_again(
    demo: DemoServer, env: Path, hook: str, webhook, capsys: pytest.CaptureFixture[str]
) -> None:
    received = webhook[1]
    demo.options.http_status = {"/home": 503}
    assert main(["--config", config(env, demo, hook), "run"]) == EXIT_UNREADABLE
    assert "HTTP 503" in received[-1]["message"]
    assert "log in again" not in received[-1]["message"]
    with open_history(env / "history.sqlite3") as history:
        assert history.query("SELECT outcome FROM runs")[0]["outcome"] == "unreachable"


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_section_endpoint_error_is_named_and_the_other_sections_are_read(
    demo: DemoServer, env: Path, hook: str, status: int
) -> None:
    demo.options.http_status = {"/fbmapi/": status}
    assert main(["--config", config(env, demo, hook), "run"]) == EXIT_UNREADABLE
    with open_history(env / "history.sqlite3") as history:
        rows = {r["section"]: r for r in history.query("SELECT section, status, message FROM section_runs")}
    assert rows["feedback"]["status"] == "error"
    assert f"HTTP {status}" in rows["feedback"]["message"]
    assert "drift" not in rows["feedback"]["message"]
    assert rows["case_log"]["status"] == "ok"
