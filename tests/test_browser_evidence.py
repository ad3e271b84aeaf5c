"""Evidence of every section that was not read, end to end: demo faults, Chromium, history, alert, summary."""

from __future__ import annotations

import json
import stat
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from scraper.capture import CapturedPage, SectionCapture
from scraper.cli import EXIT_UNREADABLE, main
from scraper.config import Settings
from scraper.demo.server import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoOptions, DemoServer
from scraper.evidence import Evidence
from scraper.read import SectionOutcome
from scraper.store import open_history
from tests.conftest import use_demo_env

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shared_browser")]
DE = "A1PA6795UKMFR9"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_demo_env(tmp_path, monkeypatch, columns=250)


@pytest.fixture
def demo(env: Path) -> Iterator[DemoServer]:
    with DemoServer(DemoOptions()) as server:
        yield server


def config(env: Path, server: DemoServer, hook: str, extra: str = "", timeout_ms: int = 10000) -> str:
    path = env / "config.yaml"
    path.write_text(
        f"settings: {{delay_ms: 0, jitter_ms: 0, timeout_ms: {timeout_ms}{extra}}}\n"
        f"accounts:\n  demo:\n    host: {server.base_url}\n    email: {DEMO_EMAIL}\n    marketplaces: [{DE}]\n"
        f"    sections: [feedback, case_log]\n    alerts: {{urls: ['{hook}'], min_severity: warning}}\n",
        encoding="utf-8",
    )
    return str(path)


def evidence_root(env: Path) -> Path:
    return env / "state" / "evidence" / "demo"


def assert_owner_only(root: Path) -> None:
    """Every folder 0700 and every file 0600 from ``root`` down, and nothing else (no links, no fifos)."""
    assert stat.S_IMODE(root.stat().st_mode) == 0o700, root
    for path in root.rglob("*"):
        mode = path.lstat().st_mode
        if stat.S_ISDIR(mode):
            assert stat.S_IMODE(mode) == 0o700, path
        else:
            assert stat.S_ISREG(mode), path
            assert stat.S_IMODE(mode) == 0o600, path


def assert_no_secrets(root: Path) -> None:
    """The password and the TOTP secret reach no evidence file (cookies may: owner-only, documented)."""
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            blobs = [data]
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as archive:
                    blobs += [archive.read(n) for n in archive.namelist()]
            for blob in blobs:
                assert DEMO_PASSWORD.encode() not in blob, path
                assert DEMO_TOTP_SECRET.encode() not in blob, path


def test_a_section_that_was_not_read_leaves_its_evidence(
    demo: DemoServer, env: Path, webhook: tuple[str, list[dict]], capsys: pytest.CaptureFixture[str]
) -> None:
    """Drift on feedback: screenshot, the page at the failure, the pages and JSON seen, a trace; nothing for
    case_log, which was read; the folder is named in the history, the alert and the printed summary."""
    hook, received = webhook
    demo.options.faults = {"feedback": "extra_dom_row"}
    cfg = config(env, demo, hook)
    assert main(["--config", cfg, "run"]) == EXIT_UNREADABLE
    out = capsys.readouterr().out

    (run_dir,) = evidence_root(env).iterdir()
    assert [p.name for p in (run_dir / DE).iterdir()] == ["feedback"]  # case_log was read: no evidence
    folder = run_dir / DE / "feedback"
    names = {p.name for p in folder.iterdir()}
    assert {"evidence.json", "screenshot.png", "at-failure.html", "capture.json", "trace.zip"} <= names
    pages = sorted(folder.glob("page-*.html"))
    bodies = sorted(folder.glob("page-*.rows-*.json"))
    assert pages
    assert len(bodies) >= len(pages)
    shot = (folder / "screenshot.png").read_bytes()
    assert shot.startswith(PNG)
    assert len(shot) > 1000
    with zipfile.ZipFile(folder / "trace.zip") as trace:
        assert trace.testzip() is None
        assert "trace.trace" in trace.namelist()
    # unredacted for the seller's own diagnosis: the real order ids are there (12 rows, 5 per page)
    assert "302-0000001-0000101" in pages[0].read_text(encoding="utf-8")
    assert "306-0000001-0000113" in (folder / "at-failure.html").read_text(encoding="utf-8")  # the last page
    index = json.loads((folder / "evidence.json").read_text(encoding="utf-8"))
    assert (index["account"], index["marketplace"], index["section"], index["status"]) == (
        "demo",
        DE,
        "feedback",
        "drift",
    )
    assert "only on the page" in index["message"]
    assert index["notes"] == []
    assert_owner_only(env / "state" / "evidence")
    assert_no_secrets(env / "state" / "evidence")

    # named in the alert, the history and the summary
    assert received[-1]["title"] == "Seller Central [demo]: could not read 1 place(s)"
    assert f"evidence: {folder}" in received[-1]["message"]
    with open_history(env / "history.sqlite3") as history:
        rows = {r["section"]: r for r in history.query("SELECT section, status, message FROM section_runs")}
    assert rows["feedback"]["status"] == "drift"
    assert rows["feedback"]["message"].endswith(f"evidence: {folder}")
    assert rows["case_log"]["status"] == "ok"
    assert "evidence" not in (rows["case_log"]["message"] or "")
    assert f"evidence of what was not read (owner-only): {run_dir}" in out

    # the evidence replays offline as the same drift
    assert main(["parse", str(folder), "--format", "json"]) == EXIT_UNREADABLE
    assert json.loads(capsys.readouterr().out)["status"] == "drift"


def test_an_endpoint_error_leaves_evidence_and_old_runs_are_pruned(
    demo: DemoServer, env: Path, webhook: tuple[str, list[dict]], capsys: pytest.CaptureFixture[str]
) -> None:
    """HTTP 500 on the feedback endpoint: evidence without a body for the failed call; with evidence_keep: 2
    only the newest earlier run folder stays beside this one; folders not named like a run are left alone."""
    hook, received = webhook
    root = evidence_root(env)
    for old in ("20200101T000000Z", "20200102T000000Z", "20200103T000000Z"):
        (root / old / DE / "feedback").mkdir(parents=True)
    (root / "notes-of-mine").mkdir()
    demo.options.http_status = {"/fbmapi/": 500}
    # the page waits for data that never comes until the timeout: a short one keeps the test quick
    cfg = config(env, demo, hook, ", evidence_keep: 2", timeout_ms=3000)
    assert main(["--config", cfg, "run"]) == EXIT_UNREADABLE
    capsys.readouterr()
    kept = {"20200103T000000Z", "notes-of-mine"}
    (current,) = (p for p in root.iterdir() if p.name not in kept)  # the two oldest runs went
    assert {p.name for p in root.iterdir()} == kept | {current.name}
    folder = current / DE / "feedback"
    capture = json.loads((folder / "capture.json").read_text(encoding="utf-8"))
    calls = [x for page in capture["pages"] for x in page["exchanges"]]
    assert calls
    assert all(x["status"] == 500 and x["body"] is None for x in calls if x["role"] == "rows")
    assert (folder / "screenshot.png").read_bytes().startswith(PNG)
    assert zipfile.is_zipfile(folder / "trace.zip")
    assert "HTTP 500" in received[-1]["message"]
    assert f"evidence: {folder}" in received[-1]["message"]


def test_evidence_keep_0_writes_nothing(
    demo: DemoServer, env: Path, webhook: tuple[str, list[dict]], capsys: pytest.CaptureFixture[str]
) -> None:
    hook, received = webhook
    demo.options.faults = {"feedback": "extra_dom_row"}
    assert main(["--config", config(env, demo, hook, ", evidence_keep: 0"), "run"]) == EXIT_UNREADABLE
    assert not (env / "state" / "evidence").exists()
    assert "evidence" not in received[-1]["message"]
    assert "evidence" not in capsys.readouterr().out
    with open_history(env / "history.sqlite3") as history:
        (row,) = history.query("SELECT status, message FROM section_runs WHERE section = 'feedback'")
    assert row["status"] == "drift"
    assert "evidence" not in row["message"]


def test_a_sign_in_that_stops_the_account_leaves_the_page_it_stopped_on(
    demo: DemoServer, env: Path, webhook: tuple[str, list[dict]], capsys: pytest.CaptureFixture[str]
) -> None:
    """A CAPTCHA headless: no section is read; the sign-in folder shows the CAPTCHA page, without a trace
    (sign-in is never traced) and without the password that was typed before it."""
    hook, received = webhook
    demo.options.captcha = True
    assert main(["--config", config(env, demo, hook), "run"]) == EXIT_UNREADABLE
    out = capsys.readouterr().out
    (run_dir,) = evidence_root(env).iterdir()
    folder = run_dir / DE / "sign-in"
    assert sorted(p.name for p in folder.iterdir()) == ["at-failure.html", "evidence.json", "screenshot.png"]
    assert (folder / "screenshot.png").read_bytes().startswith(PNG)
    assert "captcha" in (folder / "at-failure.html").read_text(encoding="utf-8").lower()
    index = json.loads((folder / "evidence.json").read_text(encoding="utf-8"))
    assert (index["status"], index["section"]) == ("challenge", None)
    assert_owner_only(env / "state" / "evidence")
    assert_no_secrets(env / "state" / "evidence")
    # every unread section names it, in the alert and the history
    assert received[-1]["message"].count(f"evidence: {folder}") == 2
    with open_history(env / "history.sqlite3") as history:
        messages = [r["message"] for r in history.query("SELECT message FROM section_runs")]
    assert len(messages) == 2
    assert all(m.endswith(f"evidence: {folder}") for m in messages)
    assert str(run_dir) in out


def test_a_page_that_no_longer_answers_does_not_hang_the_evidence(browser: Browser, tmp_path: Path) -> None:
    """A renderer stuck in a script: the screenshot gives up within the run's timeout, the HTML is not
    waited for a second time, and the capture is still saved."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content("<p>rows</p><script>setTimeout(() => { for (;;) {} }, 100)</script>")
        page.wait_for_timeout(300)
        settings = Settings(timeout_ms=1000, evidence_trace="off", evidence_dir=str(tmp_path))
        made = Evidence(settings, "demo", context, page)
        capture = SectionCapture("feedback", DE, "de_DE", "http://127.0.0.1/feedback", pages=[CapturedPage("u", "<p>")])
        outcome = SectionOutcome("feedback", DE, "error", message="[feedback] browser: Timeout", capture=capture)
        started = time.monotonic()
        made.end_section(outcome)
        assert time.monotonic() - started < 5
    finally:
        context.close()
    assert outcome.evidence is not None
    assert sorted(p.name for p in outcome.evidence.iterdir()) == ["capture.json", "evidence.json", "page-1.html"]
    notes = json.loads((outcome.evidence / "evidence.json").read_text(encoding="utf-8"))["notes"]
    assert notes[0].startswith("no screenshot: ")
    assert "Timeout 1000ms exceeded" in notes[0]
    assert notes[1] == "no HTML of the page at the failure: the page did not answer"


def test_a_form_filled_before_a_section_never_reaches_its_trace(browser: Browser, tmp_path: Path) -> None:
    """A trace snapshots the page it starts on, typed values included: the section's trace starts on a blank
    page, so a password typed before (a sign-in, a renewal) is not in it."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content("<form><input type=email id=e><input type=password id=p></form>")
        page.fill("#e", DEMO_EMAIL)
        page.fill("#p", DEMO_PASSWORD)
        made = Evidence(Settings(evidence_dir=str(tmp_path)), "demo", context, page)
        made.begin_section()
        page.set_content("<main><p>the section</p></main>")
        capture = SectionCapture("feedback", DE, "de_DE", "http://127.0.0.1/feedback")
        outcome = SectionOutcome("feedback", DE, "drift", message="[feedback] drift", capture=capture)
        made.end_section(outcome)
    finally:
        context.close()
    assert outcome.evidence is not None
    with zipfile.ZipFile(outcome.evidence / "trace.zip") as trace:
        data = b"".join(trace.read(n) for n in trace.namelist())
    assert b"the section" in data
    assert DEMO_PASSWORD.encode() not in data
    assert_owner_only(tmp_path)
