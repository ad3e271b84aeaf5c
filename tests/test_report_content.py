"""The HTML report's content, read back from its tables: what each place's status is and since when, which
findings and changes it lists with what words, and what the feedback trend draws. Two runs recorded from typed
records (the second cannot read the Case Log), no browser."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

import scraper.store as store
from scraper.monitor import record_run
from scraper.read import SectionOutcome
from scraper.records import Case, CaseStatus, Feedback
from scraper.report import render_html, report_data
from scraper.run import AccountRun
from scraper.spec import Spec
from scraper.status import SectionStatus
from scraper.store import open_history

DE = "A1PA6795UKMFR9"


def fb(order: str, day: date, rating: int, comment: str) -> Feedback:
    return Feedback(order, day, rating, comment, None, False)


def ok(section: str, *records: object) -> SectionOutcome:
    return SectionOutcome(section, DE, SectionStatus.OK, tuple(records), "api", 1)


def _table(soup: BeautifulSoup, heading: str) -> list[list[str]]:
    """The rows (cell texts) of the table after the h3 whose text starts with ``heading``."""
    h3 = next(h for h in soup.find_all("h3") if h.get_text().startswith(heading))
    table = h3.find_next_sibling("table")
    assert isinstance(table, Tag), heading
    return [[" ".join(td.get_text(" ").split()) for td in tr.find_all("td")] for tr in table.find_all("tr")[1:]]


@pytest.fixture
def html(spec: Spec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    waiting = Case("10000000001", "Unterlagen angefordert", CaseStatus.NEEDS_ATTENTION, date(2026, 7, 1))
    with open_history(tmp_path / "h.sqlite3") as history:
        first = AccountRun(
            "main",
            [
                ok(
                    "feedback",
                    fb("302-0000001-0000001", date(2026, 7, 3), 1, "kaputt"),
                    fb("302-0000001-0000002", date(2026, 6, 10), 5, "super"),
                ),
                ok("case_log", waiting),
            ],
        )
        monkeypatch.setattr(store, "now_iso", lambda: "2026-07-04T05:00:00+00:00")
        record_run(history, spec, first, today=date(2026, 7, 4))
        second = AccountRun(
            "main",
            [
                ok(
                    "feedback",
                    fb("302-0000001-0000001", date(2026, 7, 3), 1, "kaputt, ausgelaufen"),
                    fb("302-0000001-0000003", date(2026, 7, 20), 2, "zu spät"),
                ),
                SectionOutcome("case_log", DE, SectionStatus.DRIFT, message="[case_log] selector drift at 'x'"),
            ],
        )
        monkeypatch.setattr(store, "now_iso", lambda: "2026-07-21T05:00:00+00:00")
        record_run(history, spec, second, today=date(2026, 7, 21))
        return render_html(report_data(history))


def test_places_checked_say_status_and_since_when(html: str) -> None:
    soup = BeautifulSoup(html, "lxml")
    rows = _table(soup, "Places checked")
    by_place = {(r[0], r[1]): r for r in rows}
    assert set(by_place) == {("Germany (amazon.de)", "Feedback Manager"), ("Germany (amazon.de)", "Case Log")}
    feedback, cases = by_place["Germany (amazon.de)", "Feedback Manager"], by_place["Germany (amazon.de)", "Case Log"]
    assert feedback[2] == "ok"
    assert cases[2] == "drift"
    assert (feedback[3], cases[3]) == ("2026-07-21T05:00:00+00:00", "2026-07-04T05:00:00+00:00")
    assert cases[5] == "[case_log] selector drift at 'x'"
    status_cells = {td.get_text(): td["class"] for td in soup.find_all("td") if td.get_text() in {"ok", "drift"}}
    assert status_cells == {"ok": ["good"], "drift": ["bad"]}
    latest = soup.find("h2").find_next("b")
    assert latest.get_text() == "unreadable"


def test_findings_are_listed_with_severity_and_words(html: str) -> None:
    rows = _table(BeautifulSoup(html, "lxml"), "Findings at each section's latest successful read")
    listed = {(r[0], r[2], r[3]) for r in rows}
    # Feedback findings are events of the latest read: the 2-star feedback that came new. The 1-star one was
    # new at the first read; its changed comment is a change, not a new event. The Case Log was not read in
    # the second run: its standing finding is shown as of its last good read, not dropped.
    assert listed == {
        ("warning", "Feedback Manager", "2-star feedback on order 302-0000001-0000003: zu spät"),
        ("warning", "Case Log", "case 10000000001 waits for your answer: Unterlagen angefordert"),
    }
    runs = {r[2]: r[6] for r in rows}
    assert int(runs["Case Log"]) < int(runs["Feedback Manager"])


def test_changes_show_kind_and_old_and_new_values(html: str) -> None:
    rows = _table(BeautifulSoup(html, "lxml"), "Changes at each section's latest successful read")
    feedback = sorted((r[3], r[4]) for r in rows if r[1] == "Feedback Manager")
    assert [kind for kind, _ in feedback] == ["changed", "new", "resolved"]
    changed = dict(feedback)["changed"]
    assert changed == "comment: kaputt → kaputt, ausgelaufen"


def test_the_feedback_trend_draws_one_point_per_month(html: str) -> None:
    soup = BeautifulSoup(html, "lxml")
    row = next(tr for tr in soup.find_all("tr") if tr.th and tr.th.get_text() == "feedback: average stars per month")
    polyline = row.find("polyline")
    assert polyline is not None
    points = [tuple(map(float, p.split(","))) for p in polyline["points"].split()]
    assert len(points) == 2  # June (5 stars) and July (1 and 2 stars: 1.5)
    assert points[0][1] < points[1][1]  # June's average is higher: drawn nearer the top
    assert re.search(r"1\.5", row.get_text())
