"""Trust at night (issue 8): every fault of the demo's catalogue, run the way the nightly job runs it.

Each scenario runs `scraper run` against the demo with one fault switched on and checks what the seller gets:
the section's status and message (the real cause named), the exit code, the alert, and the history
afterwards (integrity check, the run's outcome, and a following run without the fault that reads again).
One demo server serves the whole module and a signed-in session is handed from test to test, so most runs
need no sign-in; timeouts and backoffs are small (the figures in the docstrings are with these settings).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scraper import paths
from scraper.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, main
from scraper.demo.server import DEMO_EMAIL, DemoOptions, DemoServer
from tests.conftest import _WebhookServer, use_demo_env

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shared_browser")]

DE, UK = "A1PA6795UKMFR9", "A1F83G8C2ARO7P"
TIMEOUT_MS = 2000
LOBBY = "/cu/case-lobby"
CASES_CALL = "/hill/hillservice/mons-api/SearchForCases"
VOC_PAGE_2 = (
    "/pcrHealth/pcrListingSummary?searchText=&sortColumn=ORDERS_COUNT&sortDirection=DESCENDING"
    "&insufficientFeedback=false&pageOffset=5"
)
"""The Voice of the Customer call for its second page, which the walk repeats itself (the page's pager is
out of reach): a fault on this prefix hits the walk's own request, not the page's."""

_session: dict[str, bytes] = {}
"""A signed-in session of the module's demo, handed from test to test (saves a sign-in per test)."""


@pytest.fixture(scope="module")
def site() -> Iterator[DemoServer]:
    with DemoServer(DemoOptions()) as server:
        yield server


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_demo_env(tmp_path, monkeypatch, columns=250)


@pytest.fixture
def demo(site: DemoServer, env: Path) -> Iterator[DemoServer]:
    site.options = DemoOptions()
    session = paths.session_file("demo")
    if "demo" in _session:
        paths.write_private(session, _session["demo"])
    yield site
    site.options = DemoOptions()
    if session.exists():
        _session["demo"] = session.read_bytes()


@pytest.fixture(scope="module")
def hook_server() -> Iterator[_WebhookServer]:
    """One alert receiver for the module (quick to stop, unlike one per test)."""
    server = _WebhookServer()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def webhook(hook_server: _WebhookServer) -> tuple[str, list[dict]]:
    """(Apprise json:// URL, the alerts received during this test)."""
    hook_server.received = []
    return f"json://127.0.0.1:{hook_server.server_address[1]}/alerts", hook_server.received


@pytest.fixture
def received(webhook: tuple[str, list[dict]]) -> list[dict]:
    return webhook[1]


def config(
    env: Path,
    server: DemoServer,
    hook: str,
    sections: str = "[case_log, voice_of_customer]",
    marketplaces: str = DE,
    **settings: int | str,
) -> str:
    values: dict[str, int | str] = {"delay_ms": 0, "jitter_ms": 0, "timeout_ms": TIMEOUT_MS, "retries": 2}
    values["backoff_ms"] = 20
    values["backoff_max_ms"] = 3000
    values.update(settings)
    path = env / "config.yaml"
    path.write_text(
        f"settings: {{{', '.join(f'{k}: {v}' for k, v in values.items())}}}\n"
        f"accounts:\n  demo:\n    host: {server.base_url}\n    email: {DEMO_EMAIL}\n"
        f"    marketplaces: [{marketplaces}]\n    sections: {sections}\n"
        f"    alerts: {{urls: ['{hook}'], min_severity: warning}}\n",
        encoding="utf-8",
    )
    return str(path)


def hits(demo: DemoServer, before: int, prefix: str) -> int:
    """Requests under ``prefix`` since the request log had ``before`` entries."""
    return sum(1 for _, path in demo.request_log[before:] if path.startswith(prefix))


def run(cfg: str, *extra: str) -> int:
    return main(["--config", cfg, "run", *extra])


def last_run(env: Path) -> tuple[str, dict[tuple[str, str], dict[str, Any]]]:
    """The history after the run: integrity checked; the latest run's outcome and its sections by (mk, id)."""
    db = sqlite3.connect(env / "history.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        run_id, outcome = db.execute("SELECT id, outcome FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        rows = db.execute(
            "SELECT marketplace, section, status, message FROM section_runs WHERE run_id = ?", (run_id,)
        ).fetchall()
    finally:
        db.close()
    return outcome, {(r["marketplace"], r["section"]): dict(r) for r in rows}


def assert_next_run_reads(env: Path, demo: DemoServer, cfg: str, section: str = "case_log") -> None:
    """Without the fault the following run reads the section again (0 or 1: findings may be new)."""
    demo.options = DemoOptions(marketplaces=demo.options.marketplaces)
    assert run(cfg, "--sections", section) in {EXIT_OK, EXIT_FINDINGS}
    outcome, sections = last_run(env)
    assert outcome == "ok"
    assert {s["status"] for s in sections.values()} <= {"ok", "empty"}


def problem(received: list[dict]) -> str:
    """The last alert's text, which must say what could not be read."""
    digest = received[-1]
    assert digest["title"] == "Seller Central [demo]: could not read 1 place(s)"
    assert "COULD NOT READ" in digest["message"]
    return str(digest["message"])


# --- HTTP status per path, with and without Retry-After, failing N times ----------------------------------


def test_a_page_answering_503_twice_is_read_on_the_third_attempt(demo: DemoServer, env: Path, webhook, received):
    """Per-request retry of the page load: 503, 503, then the page (figure: ~0.1 s of backoff here)."""
    demo.options.http_status = {LOBBY: "503x2"}
    cfg = config(env, demo, webhook[0], sections="[case_log]")
    before = len(demo.request_log)
    assert run(cfg) == EXIT_FINDINGS  # everything read; the case lobby's open cases are new
    assert hits(demo, before, LOBBY) == 3
    outcome, sections = last_run(env)
    assert outcome == "ok"
    assert sections[(DE, "case_log")]["status"] == "ok"
    assert received[-1]["title"] == "Seller Central [demo]: 3 new finding(s)"  # nothing "could not read"


def test_a_page_answering_500_every_time_is_named_with_its_status_and_attempts(
    demo: DemoServer, env: Path, webhook, received
):
    demo.options.http_status = {LOBBY: 500}
    cfg = config(env, demo, webhook[0])
    before = len(demo.request_log)
    assert run(cfg) == EXIT_UNREADABLE
    assert hits(demo, before, LOBBY) == 3  # retries: 2
    outcome, sections = last_run(env)
    assert outcome == "unreadable"
    case_log = sections[(DE, "case_log")]
    assert case_log["status"] == "error"
    assert "answered HTTP 500 (/cu/case-lobby, 3 attempts)" in case_log["message"]
    assert "drift" not in case_log["message"]
    assert sections[(DE, "voice_of_customer")]["status"] == "ok"  # the other section is still read
    assert "Case Log: [case_log/page] the page answered HTTP 500" in problem(received)
    assert_next_run_reads(env, demo, cfg)


def test_the_page_own_data_call_answering_429_with_retry_after_is_waited_for_and_read(
    demo: DemoServer, env: Path, webhook, received
):
    """Section-level retry: the page's own call got 429 with Retry-After: 1; the page is loaded again after
    at least that second and read (figure: the section costs ~1.3 s instead of ~0.2 s)."""
    demo.options.http_status = {CASES_CALL: "429:1x1"}
    cfg = config(env, demo, webhook[0], sections="[case_log]")
    started, before = time.monotonic(), len(demo.request_log)
    assert run(cfg) == EXIT_FINDINGS
    assert time.monotonic() - started >= 1.0
    assert hits(demo, before, CASES_CALL) == 2
    outcome, sections = last_run(env)
    assert (outcome, sections[(DE, "case_log")]["status"]) == ("ok", "ok")
    assert received[-1]["title"] == "Seller Central [demo]: 3 new finding(s)"


def test_a_data_call_rate_limited_without_retry_after_is_named_after_the_section_retry(
    demo: DemoServer, env: Path, webhook, received
):
    demo.options.http_status = {CASES_CALL: 429}
    cfg = config(env, demo, webhook[0], sections="[case_log]")
    assert run(cfg) == EXIT_UNREADABLE
    outcome, sections = last_run(env)
    assert outcome == "unreadable"
    message = sections[(DE, "case_log")]["message"]
    assert sections[(DE, "case_log")]["status"] == "error"
    assert f"data call POST {CASES_CALL} answered HTTP 429 (rate limited)" in message
    assert "(the section was collected 2 times)" in message
    assert "HTTP 429 (rate limited)" in problem(received)
    assert_next_run_reads(env, demo, cfg)


def test_a_retry_after_longer_than_backoff_max_is_not_waited_for(demo: DemoServer, env: Path, webhook, received):
    """Retry-After: 3600 on the page: the tool does not wait an hour in the night, it says so at once."""
    demo.options.http_status = {LOBBY: "429:3600"}
    cfg = config(env, demo, webhook[0], sections="[case_log]")
    started = time.monotonic()
    assert run(cfg) == EXIT_UNREADABLE
    assert time.monotonic() - started < 30
    _, sections = last_run(env)
    message = sections[(DE, "case_log")]["message"]
    assert "answered HTTP 429 (/cu/case-lobby)" in message  # one attempt only
    assert "it asked to wait 3600 s, longer than settings.backoff_max_ms" in message
    assert "rate-limiting" in problem(received)
    assert_next_run_reads(env, demo, cfg)


def test_the_walks_own_repeated_call_is_retried_and_named(demo: DemoServer, env: Path, webhook, received):
    """The replayed page 2 of Voice of the Customer: 503 once is retried; 500 every time is named."""
    demo.options.http_status = {VOC_PAGE_2: "503x1"}
    # unwindowed: the whole list each run, so the replayed page 2 is asked every time (a windowed night reads
    # the pcxHealth-filtered lists instead)
    cfg = config(env, demo, webhook[0], sections="[voice_of_customer]", windows="{enabled: false}")
    before = len(demo.request_log)
    assert run(cfg) == EXIT_FINDINGS
    assert hits(demo, before, VOC_PAGE_2) == 2
    assert last_run(env)[1][(DE, "voice_of_customer")]["status"] == "ok"

    demo.options.http_status = {VOC_PAGE_2: 500}
    assert run(cfg) == EXIT_UNREADABLE
    outcome, sections = last_run(env)
    assert outcome == "unreadable"
    message = sections[(DE, "voice_of_customer")]["message"]
    assert "page 2: the page's data call GET /pcrHealth/pcrListingSummary answered HTTP 500 (3 attempts)" in message
    assert "HTTP 500 (3 attempts)" in problem(received)
    assert_next_run_reads(env, demo, cfg, "voice_of_customer")


def test_opening_seller_central_is_retried_before_signing_in(demo: DemoServer, env: Path, webhook, received):
    """The GET that opens Seller Central (before any form) answers 503 twice: retried, the run reads."""
    demo.options.http_status = {"/home": "503x2"}
    cfg = config(env, demo, webhook[0], sections="[case_log]")
    assert run(cfg) == EXIT_FINDINGS
    assert last_run(env)[0] == "ok"
    assert demo.options.http_status["/home"].times == 0  # both failures were served


# --- latency, hangs, dropped connections, bodies -----------------------------------------------------------


def test_a_slow_section_within_the_timeout_is_read(demo: DemoServer, env: Path, webhook, received):
    demo.options.faults = {"case_log": "slow:500"}
    cfg = config(env, demo, webhook[0], sections="[case_log]")
    started = time.monotonic()
    assert run(cfg) == EXIT_FINDINGS
    assert time.monotonic() - started >= 1.0  # the page and its data call were each half a second late
    assert last_run(env)[1][(DE, "case_log")]["status"] == "ok"


def test_a_page_that_never_answers_is_a_timeout_after_bounded_retries(demo: DemoServer, env: Path, webhook, received):
    """Figure: with timeout_ms 2000 and retries 1 the hung section costs ~4 s; the run goes on."""
    demo.options.faults = {"case_log": "hang:8"}
    cfg = config(env, demo, webhook[0], sections="[case_log]", retries=1)
    started = time.monotonic()
    assert run(cfg) == EXIT_UNREADABLE
    assert time.monotonic() - started < 4 * TIMEOUT_MS / 1000 + 6
    outcome, sections = last_run(env)
    assert outcome == "unreadable"
    message = sections[(DE, "case_log")]["message"]
    assert f"the page /cu/case-lobby: no answer within {TIMEOUT_MS} ms (timeout) (2 attempts)" in message
    assert "(timeout)" in problem(received)
    assert_next_run_reads(env, demo, cfg)


def test_a_data_call_that_never_answers_is_a_timeout_not_drift(demo: DemoServer, env: Path, webhook, received):
    demo.options.faults = {"case_log": "api_hang:8"}
    cfg = config(env, demo, webhook[0], sections="[case_log]")
    assert run(cfg) == EXIT_UNREADABLE
    outcome, sections = last_run(env)
    message = sections[(DE, "case_log")]["message"]
    assert (outcome, sections[(DE, "case_log")]["status"]) == ("unreadable", "error")
    assert f"the page's data call POST {CASES_CALL}: no answer within {TIMEOUT_MS} ms (timeout)" in message
    assert "(the section was collected 2 times)" in message
    assert "drift" not in message
    assert "no answer within" in problem(received)
    assert_next_run_reads(env, demo, cfg)


def test_a_connection_dropped_mid_answer_is_named_and_retried(demo: DemoServer, env: Path, webhook, received):
    demo.options.faults = {"case_log": "api_drop"}
    cfg = config(env, demo, webhook[0])
    assert run(cfg) == EXIT_UNREADABLE
    outcome, sections = last_run(env)
    message = sections[(DE, "case_log")]["message"]
    assert (outcome, sections[(DE, "case_log")]["status"]) == ("unreadable", "error")
    assert "answered HTTP 200, then connection dropped in the middle of the answer" in message
    assert "(the section was collected 2 times)" in message
    assert sections[(DE, "voice_of_customer")]["status"] == "ok"
    assert "connection dropped" in problem(received)

    demo.options.faults = {"case_log": "api_dropx1"}  # once only: the section's second collection reads it
    assert run(cfg, "--sections", "case_log") in {EXIT_OK, EXIT_FINDINGS}
    assert last_run(env)[1][(DE, "case_log")]["status"] == "ok"


def test_a_cut_or_malformed_body_fails_its_section_once_and_names_the_parse_error(
    demo: DemoServer, env: Path, webhook, received
):
    cfg = config(env, demo, webhook[0], sections="[case_log]")
    for fault, words in (
        ("api_truncated", "the body is not JSON: Unterminated string"),
        ("api_malformed", "the body is not JSON: Expecting value at position 0"),
    ):
        demo.options.faults = {"case_log": fault}
        assert run(cfg) == EXIT_UNREADABLE
        outcome, sections = last_run(env)
        assert (outcome, sections[(DE, "case_log")]["status"]) == ("unreadable", "error")
        assert words in sections[(DE, "case_log")]["message"]
        assert "(the section was collected" not in sections[(DE, "case_log")]["message"]  # not transient: once
        assert words in problem(received)
    assert_next_run_reads(env, demo, cfg)


def test_a_huge_body_is_read(demo: DemoServer, env: Path, webhook, received):
    """40 MB of JSON: the browser keeps no body that large, so the walk asks again itself (figure: ~2-4 s)."""
    demo.options.faults = {"case_log": "api_huge:40"}
    cfg = config(env, demo, webhook[0], sections="[case_log]", timeout_ms=10000)
    assert run(cfg) == EXIT_FINDINGS
    outcome, sections = last_run(env)
    assert (outcome, sections[(DE, "case_log")]["status"]) == ("ok", "ok")
    db = sqlite3.connect(env / "history.sqlite3")
    try:
        assert db.execute("SELECT COUNT(*) FROM records WHERE section = 'case_log'").fetchone()[0] == 10
    finally:
        db.close()
    assert received[-1]["title"] == "Seller Central [demo]: 3 new finding(s)"


# --- the session, challenges and pages that are not the section --------------------------------------------


def test_a_session_that_expires_mid_walk_is_renewed_and_everything_read(
    demo: DemoServer, env: Path, webhook, received
):
    cfg = config(env, demo, webhook[0], sections="[voice_of_customer, case_log]")
    demo.options.faults = {"case_log": "session_expired"}  # the second section's page ends the session
    before = demo.sign_in_requests()
    assert run(cfg) == EXIT_FINDINGS
    assert demo.sign_in_requests() > before
    outcome, sections = last_run(env)
    assert outcome == "ok"
    assert {s["status"] for s in sections.values()} == {"ok"}
    assert "could not read" not in received[-1]["title"]


def test_a_captcha_mid_walk_stops_the_account_as_a_challenge(demo: DemoServer, env: Path, webhook, received):
    demo.options.faults = {"case_log": "captcha"}
    cfg = config(env, demo, webhook[0], sections="[voice_of_customer, case_log]")
    assert run(cfg) == EXIT_UNREADABLE
    outcome, sections = last_run(env)
    assert outcome == "challenge"
    assert sections[(DE, "voice_of_customer")]["status"] == "ok"  # read before the CAPTCHA came
    assert sections[(DE, "case_log")]["status"] == "challenge"
    assert "Amazon asks for a CAPTCHA in the middle of the walk" in sections[(DE, "case_log")]["message"]
    assert "scraper login" in problem(received)
    assert_next_run_reads(env, demo, cfg)


def test_an_unknown_interstitial_page_is_named_never_nothing_found(demo: DemoServer, env: Path, webhook, received):
    demo.options.faults = {"case_log": "interstitial"}
    cfg = config(env, demo, webhook[0], sections="[case_log]")
    assert run(cfg) == EXIT_UNREADABLE
    outcome, sections = last_run(env)
    case_log = sections[(DE, "case_log")]
    assert (outcome, case_log["status"]) == ("unreadable", "error")
    assert "showed another page instead of the section: /notices/terms-update" in case_log["message"]
    assert "'Wir haben unsere Bedingungen aktualisiert'" in case_log["message"]
    assert "another page instead of the section" in problem(received)
    assert_next_run_reads(env, demo, cfg)


def test_a_redirect_loop_is_named_at_once(demo: DemoServer, env: Path, webhook, received):
    demo.options.faults = {"case_log": "redirect_loop"}
    cfg = config(env, demo, webhook[0])
    started = time.monotonic()
    assert run(cfg) == EXIT_UNREADABLE
    assert time.monotonic() - started < 15  # no timeout waited for, no retries
    outcome, sections = last_run(env)
    assert (outcome, sections[(DE, "case_log")]["status"]) == ("unreadable", "error")
    assert "the page /cu/case-lobby redirects in a loop" in sections[(DE, "case_log")]["message"]
    assert sections[(DE, "voice_of_customer")]["status"] == "ok"  # the browser's error page did not spill over
    assert "redirects in a loop" in problem(received)
    assert_next_run_reads(env, demo, cfg)


def test_a_marketplace_switch_that_is_ignored_files_nothing_wrongly(demo: DemoServer, env: Path, webhook, received):
    demo.options = DemoOptions(marketplaces=(DE, UK), switch_fails=True)
    cfg = config(env, demo, webhook[0], sections="[case_log]", marketplaces=f"{DE}, {UK}")
    assert run(cfg) == EXIT_UNREADABLE
    outcome, sections = last_run(env)
    assert outcome == "wrong marketplace"
    assert sections[(DE, "case_log")]["status"] == "ok"
    assert sections[(UK, "case_log")]["status"] == "wrong marketplace"
    message = sections[(UK, "case_log")]["message"]
    assert f"the page shows marketplace {DE}, not {UK}: the switch did not take" in message
    db = sqlite3.connect(env / "history.sqlite3")
    try:
        assert db.execute("SELECT COUNT(*) FROM records WHERE marketplace = ?", (UK,)).fetchone()[0] == 0
    finally:
        db.close()
    assert "the switch did not take" in problem(received)
    assert_next_run_reads(env, demo, cfg)


def test_more_rows_than_the_page_limit_reads_what_it_may_and_says_so(demo: DemoServer, env: Path, webhook, received):
    """45 cases, ten a page, a limit of two pages: 20 cases read and kept, the section "incomplete" with Amazon's
    count (never green), nothing it did not see resolved."""
    demo.options.rows = {"case_log": 45}  # five pages of ten
    # unwindowed: a windowed first read is the whole list up to full_max_pages
    cfg = config(env, demo, webhook[0], sections="[case_log]", max_pages=2, windows="{enabled: false}")
    assert run(cfg) == EXIT_UNREADABLE
    outcome, sections = last_run(env)
    assert outcome == "unreadable"
    assert sections[(DE, "case_log")]["status"] == "incomplete"
    message, _, evidence = sections[(DE, "case_log")]["message"].partition("; evidence: ")
    assert message == (
        "[case_log] incomplete: stopped at the page limit (settings.max_pages) after 2 page(s) with 20 record(s); "
        "Amazon counts 45"
    )
    assert Path(evidence).is_dir()
    db = sqlite3.connect(env / "history.sqlite3")
    try:
        assert db.execute("SELECT COUNT(*) FROM records WHERE section = 'case_log'").fetchone()[0] == 20
    finally:
        db.close()
    assert "read only in part" in received[-1]["title"]


# --- a server that dies in the middle of the walk ------------------------------------------------------------


def test_a_server_that_dies_mid_walk_is_connection_refused_not_drift(
    env: Path, webhook, received, monkeypatch: pytest.MonkeyPatch
):
    with DemoServer(DemoOptions()) as server:
        cfg = config(env, server, webhook[0], sections="[case_log, voice_of_customer]")
        import scraper.cli

        real = scraper.cli.run_account

        def dying(*args: Any, notify: Any, **kwargs: Any) -> Any:
            def hook(message: str) -> None:
                if message.endswith("reading voice_of_customer"):
                    server.stop()
                notify(message)

            return real(*args, notify=hook, **kwargs)

        monkeypatch.setattr(scraper.cli, "run_account", dying)
        assert run(cfg) == EXIT_UNREADABLE
        outcome, sections = last_run(env)
        assert outcome == "unreadable"
        assert sections[(DE, "case_log")]["status"] == "ok"
        message = sections[(DE, "voice_of_customer")]["message"]
        assert "connection refused (net::ERR_CONNECTION_REFUSED) (3 attempts)" in message
        assert "drift" not in message
        assert "connection refused" in problem(received)

        monkeypatch.setattr(scraper.cli, "run_account", real)
        server.start()  # the same port again: the next night the site is back
        assert_next_run_reads(env, server, cfg)


# --- the same faults from the command line ---------------------------------------------------------------------


def test_scraper_demo_takes_faults_from_the_command_line(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`scraper demo` with a fault: the section is named as not read (why, in words) and the demo exits 3."""
    argv = ["demo", "--quiet", "--sections", "case_log", "voice_of_customer", "--timeout-ms", "3000"]
    argv += ["--fault", "case_log=redirect_loop", "--http-status", f"{VOC_PAGE_2}=503x1"]
    assert main(argv) == EXIT_UNREADABLE
    out = capsys.readouterr().out
    assert "redirects in a loop" in out
    row = next(line for line in out.splitlines() if " Voice of the Customer " in line)
    assert " read" in row, row  # its 503 once was retried
