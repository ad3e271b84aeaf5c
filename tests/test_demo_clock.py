"""The demo's clock: its packaged data is dated relative to the demo's today, never read from fixtures/."""

from __future__ import annotations

import json
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import pytest

from scraper.capture import Exchange
from scraper.demo.clock import relative, shift_dates
from scraper.demo.data import DATASETS, dataset_document
from scraper.demo.server import DemoOptions, build_parser
from scraper.windows import WindowPlan
from tests.demo_data import demo_body, demo_records


def test_every_kind_of_date_moves_by_the_same_days() -> None:
    document = {
        "_today": "2026-07-29",
        "_note": "2026-07-29 stays",
        "rows": [
            {
                "feedbackDate": "2026-07-27T12:00:00.000Z",
                "creationDate": 1788541111.867,
                "lastModifiedDate": "1782913140.25",
                "created": 1785240300000,
                "impactDate": {"formattedDate": "Apr. 3, 2026"},
                "other": {"formattedDate": "28.02.2026"},
                "may": {"formattedDate": "May 1, 2026"},
                "orderId": "302-0000001-0000101",
                "caseId": "10000000110",
                "broken": "2026-13-45",
                "nothing": None,
            }
        ],
    }
    moved = relative(document, date(2026, 8, 1))  # three days on
    row = moved["rows"][0]
    assert row["feedbackDate"] == "2026-07-30T12:00:00.000Z"
    assert row["creationDate"] == pytest.approx(1788541111.867 + 3 * 86400)
    assert row["lastModifiedDate"] == "1783172340.25"  # text with its own decimals
    assert row["created"] == 1785240300000 + 3 * 86_400_000
    assert row["impactDate"]["formattedDate"] == "Apr. 6, 2026"
    assert row["other"]["formattedDate"] == "03.03.2026"  # across the month's end
    assert row["may"]["formattedDate"] == "May 4, 2026"
    assert (row["orderId"], row["caseId"], row["broken"], row["nothing"]) == (
        "302-0000001-0000101", "10000000110", "2026-13-45", None
    )
    assert moved["_note"] == "2026-07-29 stays"
    assert relative(document, date(2026, 7, 29)) == document  # its own day: as written
    assert shift_dates({"d": {"formattedDate": "Aug. 30, 2026"}}, 31) == {"d": {"formattedDate": "Sept. 30, 2026"}}


def test_a_data_file_without_its_day_is_refused() -> None:
    with pytest.raises(ValueError, match="_today"):
        relative({"rows": []}, date(2026, 1, 1))


def test_the_demo_data_is_package_data_not_the_fixtures() -> None:
    assert resources.files("scraper.demo") / "datasets" == DATASETS
    sections = {"feedback", "notifications", "case_log", "voice_of_customer", "regulatory_compliance",
                "compliance_requests"}
    for section in sections:
        for case in ("de-typical", "en-typical", "edge", "empty"):
            document = json.loads((DATASETS / section / f"{case}.json").read_text(encoding="utf-8"))
            date.fromisoformat(document["_today"])
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"datasets/*/*.json"' in pyproject
    source = "".join(
        (resources.files("scraper.demo") / name).read_text(encoding="utf-8")
        for name in ("server.py", "data.py", "pages.py", "site.py", "big.py")
    )
    assert '"fixtures"' not in source  # no path into the repository's parser goldens


@pytest.mark.parametrize("today", [date(2026, 7, 29), date(2027, 3, 1), date(2031, 12, 31)])
def test_the_newest_feedback_is_two_days_old_on_any_day(today: date) -> None:
    rows = demo_body("feedback", "de-typical", today)["feedbacks"]
    days = sorted(date.fromisoformat(r["feedbackDate"][:10]) for r in rows)
    assert days[-1] == today - timedelta(days=2)  # written 2026-07-27 for 2026-07-29
    assert days[0] == today - timedelta(days=27)  # the whole list lies inside a 90-day window


def test_the_records_carry_the_demo_days(spec) -> None:
    today = date(2030, 1, 15)
    cases = demo_records(spec, "case_log", "de-typical", today)
    newest = max(c["created"] for c in cases)
    assert newest[:10] == (today - timedelta(days=5)).isoformat()  # written 2026-09-04 for 2026-09-09
    notes = demo_records(spec, "notifications", "de-typical", today)
    assert max(n["date"] for n in notes)[:10] == (today - timedelta(days=1)).isoformat()


def test_the_today_option_sets_the_demo_clock() -> None:
    args = build_parser().parse_args(["--today", "2027-02-03"])
    assert args.today == date(2027, 2, 3)
    assert DemoOptions(today=args.today).demo_today() == date(2027, 2, 3)
    assert DemoOptions().demo_today() >= date(2026, 11, 1)  # unset: the real date
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--today", "03.02.2027"])


def test_the_served_body_follows_the_clock_set_while_running() -> None:
    first = dataset_document("notifications", "en-typical", date(2026, 7, 29))
    later = dataset_document("notifications", "en-typical", date(2026, 7, 30))
    moved = [r["content"]["created"] + 86_400_000 for r in first["list"]]
    assert moved == [r["content"]["created"] for r in later["list"]]


@pytest.mark.parametrize("today", [date(2026, 11, 28), date(2029, 2, 28)])
def test_window_boundaries_fall_on_the_same_rows_on_any_day(spec, today: date) -> None:
    """The edge feedback is 2, 3, 5, 9, 26, 28, 29, 30, 31 and 32 days old (written 06-27..07-27 for 07-29):
    a 30-day window (today and the 29 days before) holds the first seven, on any date."""
    records = demo_records(spec, "feedback", "edge", today)
    plan = WindowPlan("feedback", 30, today)
    inside = [r["order_id"] for r in records if plan.inside(r)]
    assert inside == [
        "302-0000002-0000301", "302-0000002-0000302", "302-0000002-0000303", "303-0000002-0000304",
        "303-0000002-0000305", "304-0000002-0000306", "304-0000002-0000307",
    ]
    section = spec.section("feedback")
    body = demo_body("feedback", "edge", today)
    older = {"feedbacks": body["feedbacks"][7:], "lastEvaluatedKey": None}  # 30, 31 and 32 days old
    page = Exchange("rows", "https://x/fbmapi/v1/feedbacks", "GET", 200, json.dumps(older).encode())
    assert plan.stop_after(spec, section, page) == "edge"
    last_inside = {"feedbacks": body["feedbacks"][6:], "lastEvaluatedKey": None}  # 29 days old leads
    page = Exchange("rows", "https://x/fbmapi/v1/feedbacks", "GET", 200, json.dumps(last_inside).encode())
    assert plan.stop_after(spec, section, page) is None
    # Cases 5, 7, 12, 15, 20, 33, 41 ... days old (written for 2026-09-09): five inside the 30-day window.
    cases = demo_records(spec, "case_log", "de-typical", today)
    case_plan = WindowPlan("case_log", 30, today)
    assert [c["case_id"] for c in cases if case_plan.inside(c)] == [
        "10000000110", "10000000109", "10000000108", "10000000107", "10000000106"
    ]
