"""Evidence folders without a browser: layout, owner-only modes whatever the umask, pruning, failures that
are noted instead of failing the run, the settings, and the path in the history, alert and summary."""

from __future__ import annotations

import io
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError
from rich.console import Console

from scraper.alerts import AlertSettings
from scraper.capture import CapturedPage, Exchange, SectionCapture
from scraper.config import Settings, load_config
from scraper.errors import ConfigError
from scraper.evidence import Evidence, private_dir, prune, run_folders
from scraper.monitor import alert, record_run
from scraper.read import SectionOutcome
from scraper.run import AccountRun
from scraper.spec import Spec
from scraper.store import open_history
from scraper.summary import print_account_report

DE = "A1PA6795UKMFR9"


@pytest.fixture
def umask() -> Iterator[None]:
    """A careless umask (0000): files and folders must still come out owner-only."""
    old = os.umask(0)
    yield
    os.umask(old)


class FakeTracing:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def start(self, **kwargs: Any) -> None:
        self.calls.append("start")

    def start_chunk(self) -> None:
        self.calls.append("start_chunk")

    def stop_chunk(self, path: str | None = None) -> None:
        self.calls.append("stop_chunk" + (" saved" if path else ""))
        if path:
            Path(path).write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip, written with the default mode


class FakeLocator:
    def __init__(self, page: FakePage) -> None:
        self.page = page

    def evaluate(self, expression: str, timeout: float | None = None) -> str:
        self.page.calls.append("html")
        return "<!DOCTYPE html>\n<html><body>the page</body></html>"


class FakePage:
    """Just what the evidence needs of a page; ``shot`` decides what a screenshot does."""

    def __init__(self, shot: bytes | Exception = b"\x89PNG\r\n\x1a\nfake") -> None:
        self.shot = shot
        self.url = "https://sellercentral.example/feedback"
        self.calls: list[str] = []

    def goto(self, url: str, timeout: float | None = None) -> None:
        self.calls.append(f"goto {url}")

    def screenshot(self, full_page: bool, timeout: float) -> bytes:
        self.calls.append(f"screenshot {timeout:.0f}")
        if isinstance(self.shot, Exception):
            raise self.shot
        return self.shot

    def locator(self, selector: str) -> FakeLocator:
        return FakeLocator(self)


class FakeContext:
    def __init__(self) -> None:
        self.tracing = FakeTracing()


def evidence(tmp_path: Path, page: FakePage | None = None, **settings: Any) -> tuple[Evidence, FakePage, FakeContext]:
    page = page or FakePage()
    context = FakeContext()
    chosen = Settings(**{"evidence_dir": str(tmp_path / "evidence"), **settings})
    made = Evidence(chosen, "main", cast(BrowserContext, context), cast(Page, page))
    return made, page, context


def capture() -> SectionCapture:
    body = b'{"rows": [{"orderId": "302-1"}]}'
    page = CapturedPage(
        "https://sellercentral.example/feedback", "<html>p1</html>", [Exchange("rows", "u", "GET", 200, body)]
    )
    return SectionCapture("feedback", DE, "de_DE", "https://sellercentral.example/feedback", pages=[page])


def failed(section: str = "feedback", status: str = "drift") -> SectionOutcome:
    return SectionOutcome(section, DE, status, message=f"[{section}] page and JSON disagree", capture=capture())  # type: ignore[arg-type]


def modes(root: Path) -> set[tuple[str, int]]:
    return {("d" if p.is_dir() else "f", stat.S_IMODE(p.lstat().st_mode)) for p in [root, *root.rglob("*")]}


def test_a_failed_section_gets_its_folder_owner_only_whatever_the_umask(tmp_path: Path, umask: None) -> None:
    made, page, context = evidence(tmp_path)
    made.begin_section()
    outcome = failed()
    made.end_section(outcome)
    made.close()
    assert outcome.evidence is not None
    assert made.run_dir is not None
    assert outcome.evidence == made.run_dir / DE / "feedback"
    assert made.run_dir.parent == tmp_path / "evidence" / "main"
    names = sorted(p.name for p in outcome.evidence.iterdir())
    assert names == [
        "at-failure.html",
        "capture.json",
        "evidence.json",
        "page-1.html",
        "page-1.rows-1.json",
        "screenshot.png",
        "trace.zip",
    ]
    assert modes(tmp_path / "evidence") == {("d", 0o700), ("f", 0o600)}
    # the trace starts on a blank page (a form filled in before must not be snapshotted), once per run
    assert page.calls[0] == "goto about:blank"
    assert context.tracing.calls == ["start", "stop_chunk saved"]
    index = json.loads((outcome.evidence / "evidence.json").read_text(encoding="utf-8"))
    assert index["status"] == "drift"
    assert index["url"] == page.url
    assert index["notes"] == []
    assert "page and JSON disagree" in (outcome.message or "")


def test_a_section_read_at_the_second_attempt_leaves_nothing(tmp_path: Path) -> None:
    """A lost session renewed: the first attempt's folder goes, and the run folder it made too."""
    made, _, context = evidence(tmp_path)
    made.begin_section()
    first = failed(status="signed_out")
    made.end_section(first)
    assert first.evidence is not None
    assert first.evidence.is_dir()
    made.begin_section()
    made.end_section(SectionOutcome("feedback", DE, "ok"))
    made.begin_section()
    made.end_section(SectionOutcome("case_log", DE, "empty"))
    assert made.run_dir is None
    assert list((tmp_path / "evidence" / "main").iterdir()) == []
    assert context.tracing.calls == [
        "start",
        "stop_chunk saved",
        "start_chunk",
        "stop_chunk",
        "start_chunk",
        "stop_chunk",
    ]


def test_a_screenshot_that_times_out_is_noted_and_the_rest_is_kept(tmp_path: Path) -> None:
    page = FakePage(PlaywrightError("Timeout 10000ms exceeded."))
    made, _, _ = evidence(tmp_path, page, timeout_ms=3000)
    made.begin_section()
    outcome = failed()
    made.end_section(outcome)
    assert outcome.evidence is not None
    names = {p.name for p in outcome.evidence.iterdir()}
    assert "screenshot.png" not in names
    assert "at-failure.html" not in names
    assert {"capture.json", "page-1.html", "trace.zip", "evidence.json"} <= names
    assert "screenshot 3000" in page.calls
    assert "html" not in page.calls
    notes = json.loads((outcome.evidence / "evidence.json").read_text(encoding="utf-8"))["notes"]
    assert notes == [
        "no screenshot: Timeout 10000ms exceeded.",
        "no HTML of the page at the failure: the page did not answer",
    ]


def test_a_closed_browser_is_noted_not_fatal(tmp_path: Path) -> None:
    made, page, _ = evidence(tmp_path, FakePage(PlaywrightError("Target page, context or browser has been closed")))
    made.begin_section()
    outcome = failed(status="error")
    made.end_section(outcome)
    assert outcome.evidence is not None
    notes = json.loads((outcome.evidence / "evidence.json").read_text(encoding="utf-8"))["notes"]
    assert notes == ["no screenshot: Target page, context or browser has been closed"]
    assert "html" in page.calls  # not a timeout: the HTML is still asked for


def test_an_unwritable_evidence_folder_is_said_in_the_message(tmp_path: Path) -> None:
    blocker = tmp_path / "evidence"
    blocker.write_text("a file where the folder should be")
    made, _, context = evidence(tmp_path)
    made.begin_section()
    outcome = failed()
    made.end_section(outcome)
    assert outcome.evidence is None
    assert outcome.message is not None
    assert "; no evidence saved: " in outcome.message
    assert context.tracing.calls == ["start", "stop_chunk"]  # the chunk is closed all the same


def test_evidence_keep_0_traces_nothing_and_writes_nothing(tmp_path: Path) -> None:
    made, page, context = evidence(tmp_path, evidence_keep=0)
    made.begin_section()
    outcome = failed()
    made.end_section(outcome)
    assert made.sign_in_failed(DE, "challenge", "CAPTCHA") is None
    assert outcome.evidence is None
    assert not (tmp_path / "evidence").exists()
    assert page.calls == []
    assert context.tracing.calls == []


def test_evidence_trace_off_keeps_the_rest(tmp_path: Path) -> None:
    made, page, context = evidence(tmp_path, evidence_trace="off")
    made.begin_section()
    outcome = failed()
    made.end_section(outcome)
    assert outcome.evidence is not None
    assert not (outcome.evidence / "trace.zip").exists()
    assert (outcome.evidence / "screenshot.png").exists()
    assert context.tracing.calls == []
    assert "goto about:blank" not in page.calls


def test_a_sign_in_failure_keeps_the_page_without_a_trace(tmp_path: Path, umask: None) -> None:
    made, _, context = evidence(tmp_path)
    folder = made.sign_in_failed(DE, "challenge", "[main] Amazon shows a CAPTCHA")
    assert folder is not None
    assert folder.name == "sign-in"
    assert sorted(p.name for p in folder.iterdir()) == ["at-failure.html", "evidence.json", "screenshot.png"]
    index = json.loads((folder / "evidence.json").read_text(encoding="utf-8"))
    assert (index["status"], index["section"], index["message"]) == ("challenge", None, "[main] Amazon shows a CAPTCHA")
    assert context.tracing.calls == []
    assert modes(tmp_path / "evidence") == {("d", 0o700), ("f", 0o600)}


def stamps(root: Path, *names: str) -> list[Path]:
    for name in names:
        (root / name / DE).mkdir(parents=True)
    return [root / n for n in names]


def test_prune_keeps_the_newest_runs_and_never_the_current(tmp_path: Path) -> None:
    old = stamps(tmp_path, "20260101T010000Z", "20260102T010000Z", "20260102T010000Z-2", "20260102T010000Z-10")
    (tmp_path / "keep-me").mkdir()
    (tmp_path / "20260101T010000Z.txt").write_text("not a run")
    assert run_folders(tmp_path) == old  # -10 sorts after -2
    current = tmp_path / "20250101T000000Z"  # older by name (a clock set back): it stays all the same
    current.mkdir()
    deleted = prune(tmp_path, 2, current)
    assert deleted == old[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "20250101T000000Z",
        "20260101T010000Z.txt",
        "20260102T010000Z-10",
        "keep-me",
    ]
    assert prune(tmp_path, 1, current) == [old[3]]
    assert prune(tmp_path, 1, current) == []


def test_prune_does_not_follow_a_link(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "precious").mkdir(parents=True)
    root = tmp_path / "evidence"
    root.mkdir()
    (root / "20200101T000000Z").symlink_to(outside, target_is_directory=True)
    stamps(root, "20260101T000000Z")
    assert prune(root, 1) == []
    assert (outside / "precious").is_dir()


def test_runs_in_the_same_second_get_their_own_folders(tmp_path: Path) -> None:
    folders = []
    for _ in range(3):
        made, _, _ = evidence(tmp_path, evidence_keep=5)
        made.begin_section()
        outcome = failed()
        made.end_section(outcome)
        assert made.run_dir is not None
        folders.append(made.run_dir)
    assert len(set(folders)) == 3
    assert run_folders(tmp_path / "evidence" / "main") == sorted(folders, key=lambda p: (len(p.name), p.name))


def test_private_dir_tightens_every_new_level(tmp_path: Path, umask: None) -> None:
    made = private_dir(tmp_path / "a" / "b" / "c")
    assert made.is_dir()
    assert {stat.S_IMODE((tmp_path / p).stat().st_mode) for p in ("a", "a/b", "a/b/c")} == {0o700}


# --- settings ---------------------------------------------------------------------------------------------

ACCOUNTS = (
    "accounts:\n  main:\n    host: https://sellercentral.amazon.de\n    email: s@example.com\n"
    "    marketplaces: [A1PA6795UKMFR9]\n"
)


def load(tmp_path: Path, settings: str) -> Settings:
    path = tmp_path / "config.yaml"
    path.write_text(f"settings:\n{settings}{ACCOUNTS}", encoding="utf-8")
    return load_config(path).settings


def test_evidence_settings(tmp_path: Path) -> None:
    defaults = load(tmp_path, "  delay_ms: 0\n")
    assert (defaults.evidence_keep, defaults.evidence_trace, defaults.evidence_dir) == (10, "on_failure", None)
    chosen = load(tmp_path, "  evidence_keep: 0\n  evidence_trace: 'off'\n  evidence_dir: /srv/evidence\n")
    assert (chosen.evidence_keep, chosen.evidence_trace, chosen.evidence_dir) == (0, "off", "/srv/evidence")
    assert (defaults.parallel_browser, load(tmp_path, "  parallel_browser: shared\n").parallel_browser) == (
        "own",
        "shared",
    )


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("  evidence_keep: -1\n", "settings.evidence_keep: expected a whole number from 0 to 10000"),
        ("  evidence_keep: yes\n", "settings.evidence_keep: expected a whole number"),
        ("  evidence_trace: always\n", "settings.evidence_trace: expected one of on_failure, off"),
        ("  evidence_trace: false\n", "settings.evidence_trace: expected one of on_failure, off"),
        ("  evidence_dir: 3\n", "settings.evidence_dir: expected a folder path"),
        ("  parallel_browser: one\n", "settings.parallel_browser: expected one of own, shared"),
    ],
)
def test_bad_evidence_settings_are_named(tmp_path: Path, line: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        load(tmp_path, line)


# --- where the path is shown --------------------------------------------------------------------------------


def test_the_path_reaches_the_history_the_alert_and_the_summary(spec: Spec, tmp_path: Path, webhook) -> None:
    url, received = webhook
    folder = tmp_path / "state" / "evidence" / "main" / "20260101T000000Z" / DE / "feedback"
    outcome = SectionOutcome("feedback", DE, "drift", message="[feedback] page and JSON disagree", evidence=folder)
    run = AccountRun(
        "main", [outcome, SectionOutcome("case_log", DE, "empty", source="api")], evidence=folder.parent.parent
    )
    with open_history(tmp_path / "history.sqlite3") as history:
        report = alert(record_run(history, spec, run), AlertSettings((url,)))
        (row,) = history.query("SELECT message FROM section_runs WHERE section = 'feedback'")
    assert row["message"] == f"[feedback] page and JSON disagree; evidence: {folder}"
    line = f"- Germany (amazon.de) Feedback Manager: [feedback] page and JSON disagree; evidence: {folder}"
    assert line in received[-1]["message"]
    assert report.sections[0].evidence == str(folder)
    assert report.sections[1].evidence is None
    out = io.StringIO()
    print_account_report(Console(file=out, width=60), report)
    # the run folder on one line of its own, however narrow the terminal
    assert f"evidence of what was not read (owner-only): {folder.parent.parent}\n" in out.getvalue()
