"""The failed-alert path: an alert endpoint that refuses or cannot be reached. The run is still recorded, the
digest is still built, the summary says in red that it was not delivered, and the exit code still says what
was found; nothing raises."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rich.console import Console

from scraper.alerts import AlertSettings
from scraper.cli import EXIT_FINDINGS, _exit_code
from scraper.monitor import alert, record_run
from scraper.read import SectionOutcome
from scraper.records import Feedback
from scraper.run import AccountRun
from scraper.spec import Spec
from scraper.status import SectionStatus
from scraper.store import open_history
from scraper.summary import print_account_report

DE = "A1PA6795UKMFR9"


class _Refusing(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.server.posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))  # type: ignore[attr-defined]
        self.send_response(500)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def refusing() -> Iterator[tuple[str, list[dict[str, object]]]]:
    """A json:// endpoint that answers every alert with HTTP 500: (url, bodies it was sent)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    server.posts = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"json://127.0.0.1:{server.server_address[1]}/alerts", server.posts  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run() -> AccountRun:
    bad = Feedback("302-0000001-0000001", date(2026, 7, 27), 1, "Karton kaputt", None, False)
    return AccountRun("main", [SectionOutcome("feedback", DE, SectionStatus.OK, (bad,), "api", 1)])


def _summary(report: object) -> str:
    console = Console(record=True, width=200)
    print_account_report(console, report)  # type: ignore[arg-type]
    return console.export_text()


def test_an_endpoint_that_refuses_the_alert(spec: Spec, tmp_path: Path, refusing) -> None:
    url, posts = refusing
    with open_history(tmp_path / "h.sqlite3") as history:
        report = alert(record_run(history, spec, _run()), AlertSettings((url,), "warning"))
        stored = history.query("SELECT rule, is_new FROM findings")
    assert len(posts) == 1  # it was tried, with the digest
    assert posts[0]["title"] == "Seller Central [main]: 1 new finding(s)"
    assert report.digest is not None
    assert report.alert_sent is False
    assert [(r["rule"], r["is_new"]) for r in stored] == [("feedback_1_stars", 1)]
    text = _summary(report)
    assert "alert could not be delivered" in text
    assert "alert sent" not in text
    assert _exit_code([report]) == EXIT_FINDINGS


def test_an_endpoint_that_cannot_be_reached(spec: Spec, tmp_path: Path) -> None:
    url = f"json://127.0.0.1:{_closed_port()}/alerts"
    with open_history(tmp_path / "h.sqlite3") as history:
        report = alert(record_run(history, spec, _run()), AlertSettings((url,), "warning"))
    assert report.alert_sent is False
    assert "alert could not be delivered" in _summary(report)
    assert _exit_code([report]) == EXIT_FINDINGS


def test_one_refusing_endpoint_of_two_is_a_failed_alert(spec: Spec, tmp_path: Path, refusing, webhook) -> None:
    """Delivery counts only when every endpoint took it: one that worked does not hide one that did not."""
    bad, _ = refusing
    good, received = webhook
    with open_history(tmp_path / "h.sqlite3") as history:
        report = alert(record_run(history, spec, _run()), AlertSettings((good, bad), "warning"))
    assert len(received) == 1
    assert report.alert_sent is False
