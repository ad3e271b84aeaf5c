"""From walks to findings, reports and alerts, without a browser: runs are built from typed records."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from datetime import date
from email import message_from_string
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from scraper.alerts import AlertSettings
from scraper.monitor import alert, record_run
from scraper.read import SectionOutcome
from scraper.records import Case, CaseOpener, CaseStatus, Feedback
from scraper.report import export_rows, render_html, report_data, to_csv, to_jsonl
from scraper.run import AccountRun
from scraper.spec import Spec
from scraper.store import open_history

SECRET_PASSWORD = "Pa55-never-in-alerts"
SECRET_TOTP = "JBSWY3DPEHPK3PXP"
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)> Karton & Inhalt'


def fb(order: str, rating: int, comment: str | None, day: int = 27) -> Feedback:
    return Feedback(order, date(2026, 7, day), rating, comment, None, False)


def run_of(*outcomes: SectionOutcome, error: str | None = None, kind: str | None = None) -> AccountRun:
    return AccountRun("main", list(outcomes), error, kind)


def ok(section: str, *records: object) -> SectionOutcome:
    return SectionOutcome(section, "A1PA6795UKMFR9", "ok" if records else "empty", tuple(records), "api", 1)


@pytest.fixture
def db(history_target: str | Path, monkeypatch: pytest.MonkeyPatch) -> str | Path:
    """A new history, on each backend (SQLite and PostgreSQL)."""
    monkeypatch.setenv("SC_WATCH_PASSWORD", SECRET_PASSWORD)
    monkeypatch.setenv("SC_WATCH_TOTP_SECRET", SECRET_TOTP)
    return history_target


def test_two_runs_give_new_changed_resolved_and_findings(spec: Spec, db: Path) -> None:
    case = Case(
        "10000000001",
        "Unterlagen angefordert",
        CaseStatus.WORK_IN_PROGRESS,
        date(2026, 7, 1),
        opened_by=CaseOpener.AMAZON,
    )
    with open_history(db) as history:
        first = record_run(history, spec, run_of(ok("feedback", fb("302-1", 5, "Top")), ok("case_log", case)))
        assert [(s.section, dict(s.changes)) for s in first.sections] == [
            ("feedback", {"new": 1}),
            ("case_log", {"new": 1}),
        ]
        assert [f.rule for _, f in first.new_findings] == ["case_opened_by_amazon"]
        waiting = Case(
            "10000000001",
            "Unterlagen angefordert",
            CaseStatus.NEEDS_ATTENTION,
            date(2026, 7, 1),
            date(2026, 7, 27),
            CaseOpener.AMAZON,
        )
        assert waiting.needs_attention  # follows from the status
        second = record_run(
            history, spec, run_of(ok("feedback", fb("302-2", 1, "Verpackung beschädigt")), ok("case_log", waiting))
        )
    fb_section, case_section = second.sections
    assert dict(fb_section.changes) == {"new": 1, "resolved": 1}
    assert dict(case_section.changes) == {"changed": 1}
    assert sorted((f.rule, f.severity, f.tags) for _, f in second.new_findings) == [
        ("case_needs_reply", "warning", ()),
        # its last change, 2026-07-27, is more than 2 days before any day this test runs on
        ("case_waiting", "warning", ("early warning",)),
        ("feedback_1_stars", "warning", ("packaging", "damage")),
    ]


def test_a_failed_section_does_not_resolve_its_records(spec: Spec, db: Path) -> None:
    with open_history(db) as history:
        record_run(history, spec, run_of(ok("feedback", fb("302-1", 1, "kaputt"))))
        failed = SectionOutcome("feedback", "A1PA6795UKMFR9", "drift", message="selector drift at 'kat-table-row'")
        report = record_run(history, spec, run_of(failed))
        assert report.sections[0].status == "drift"
        assert not report.all_read
        assert report.sections[0].last_success is not None
        assert set(history.active_records("main", "A1PA6795UKMFR9", "feedback")) == {'["302-1"]'}
        again = record_run(history, spec, run_of(ok("feedback", fb("302-1", 1, "kaputt"))))
        assert dict(again.sections[0].changes) == {}
        assert again.new_findings == []  # the 1-star feedback was alerted at the first run already


def test_html_report_escapes_seller_central_text(spec: Spec, db: Path, tmp_path: Path) -> None:
    with open_history(db) as history:
        record_run(history, spec, run_of(ok("feedback", fb("302-1", 1, EVIL, 3), fb("302-2", 4, "gut", 28))))
        data = report_data(history)
        html = render_html(data)
        records = export_rows(history, "records")
        findings = export_rows(history, "findings")
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "Karton &amp; Inhalt" in html
    assert "<svg" in html  # the feedback trend
    assert data["accounts"][0]["trends"]["feedback_by_month"] == {"2026-07": 2.5}
    assert [r["order_id"] for r in records] == ["302-1", "302-2"]
    assert json.loads(to_jsonl(findings).splitlines()[0])["rule"] == "feedback_1_stars"
    assert to_csv(records).splitlines()[0].startswith("account,marketplace,section,key,first_seen,last_seen")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[str, list[str]]]:
    mails: list[str] = []

    class Handler:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            mails.append(envelope.content.decode())  # type: ignore[attr-defined]
            return "250 OK"

    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield f"mailto://127.0.0.1:{port}?from=watch@example.com&to=seller@example.com&mode=insecure", mails
    controller.stop()


def test_digest_reaches_webhook_and_mail_without_secrets(spec: Spec, db: Path, webhook, smtp) -> None:
    mail_url, mails = smtp
    url, received = webhook
    settings = AlertSettings((url, mail_url), "warning")
    with open_history(db) as history:
        report = alert(
            record_run(
                history, spec, run_of(ok("feedback", fb("302-1", 2, "Lieferung zu spät"), fb("302-2", 3, "geht so")))
            ),
            settings,
        )
    assert report.alert_sent is True
    assert len(received) == 1
    hook = received[0]
    assert hook["title"] == "Seller Central [main]: 1 new finding(s)"
    assert (
        "WARNING Germany (amazon.de) Feedback Manager: 2-star feedback on order 302-1: Lieferung zu spät [shipping]"
        in hook["message"]
    )
    assert "302-2" not in hook["message"]  # 3 stars is info, below the configured severity
    deadline = time.monotonic() + 5
    while not mails and time.monotonic() < deadline:
        time.sleep(0.05)
    mail = message_from_string(mails[0])
    assert mail["Subject"] == hook["title"]
    everything = json.dumps(hook) + mails[0]
    assert SECRET_PASSWORD not in everything
    assert SECRET_TOTP not in everything


def test_unreadable_account_always_alerts(spec: Spec, db: Path, webhook) -> None:
    url, received = webhook
    failed = SectionOutcome("feedback", "A1PA6795UKMFR9", "signed_out", message="[main] session expired")
    with open_history(db) as history:
        report = alert(
            record_run(
                history, spec, run_of(failed, error="[main] the saved session has expired", kind="login needed")
            ),
            AlertSettings((url,)),
        )
    assert received[0]["title"] == "Seller Central [main]: could not read 1 place(s)"
    assert "COULD NOT READ" in received[0]["message"]
    assert report.sections[0].status == "login needed"


def test_no_alert_when_nothing_is_new_unless_asked(spec: Spec, db: Path, webhook) -> None:
    url, received = webhook
    with open_history(db) as history:
        quiet = alert(record_run(history, spec, run_of(ok("feedback", fb("302-9", 5, "super")))), AlertSettings((url,)))
        assert quiet.digest is None
        assert received == []
        asked = alert(
            record_run(history, spec, run_of(ok("feedback", fb("302-9", 5, "super")))),
            AlertSettings((url,), notify_when_nothing_new=True),
        )
    assert asked.alert_sent is True
    assert received[0]["title"] == "Seller Central [main]: nothing new"


def test_a_section_cut_at_the_page_limit_says_so(spec: Spec, db: Path) -> None:
    outcome = ok("feedback", fb("302-1", 5, "gut"))
    outcome.truncated = True
    with open_history(db) as history:
        report = record_run(history, spec, run_of(outcome))
        stored = history.query("SELECT message FROM section_runs")[0]["message"]
    assert report.sections[0].message == stored == "stopped at the page limit (settings.max_pages)"


def test_a_read_cut_by_the_page_limit_resolves_nothing_it_did_not_see(spec: Spec, db: Path) -> None:
    """A cut read is not a false green: unseen records stay open, their findings do not come back as new."""
    bad = [fb(f"302-{n}", 1, "Verpackung beschädigt") for n in range(3)]
    with open_history(db) as history:
        first = record_run(history, spec, run_of(ok("feedback", *bad)))
        assert len(first.new_findings) == 3
        cut = ok("feedback", bad[0], fb("302-9", 1, "Karton kaputt"))
        cut.truncated = True
        second = record_run(history, spec, run_of(cut))
        (section,) = second.sections
        assert dict(section.changes) == {"new": 1}  # nothing resolved
        assert "page limit" in (section.message or "")
        assert [f.key for _, f in second.new_findings] == ['["302-9"]']
        assert len(history.active_records("main", "A1PA6795UKMFR9", "feedback")) == 4
        third = record_run(history, spec, run_of(ok("feedback", *bad, fb("302-9", 1, "Karton kaputt"))))
        assert third.new_findings == []
        assert dict(third.sections[0].changes) == {}
