"""Reading windows (issue 13), offline: where a windowed walk may stop, what a windowed read may resolve, when
the incremental stop is allowed, the weekly full pass, the history's migration and the config."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from scraper.capture import Exchange
from scraper.config import EXAMPLE, load_config
from scraper.demo.big import BigAccount
from scraper.errors import ConfigError
from scraper.parse import parse_page, record_key
from scraper.serialize import to_jsonable
from scraper.spec import Spec
from scraper.store import SCHEMA_VERSION, History
from scraper.windows import WindowPlan, WindowSettings, key_text, plan_windows

TODAY = date(2026, 11, 28)
DE = "A1PA6795UKMFR9"


def feedback_page(rows: list[dict[str, Any]]) -> Exchange:
    body = json.dumps({"feedbacks": rows, "lastEvaluatedKey": None}).encode()
    return Exchange("rows", "https://x/fbmapi/v1/feedbacks?pageNumber=0", "GET", 200, body)


def row(day: date, n: int, text: str = "Fine.") -> dict[str, Any]:
    return {
        "feedbackId": f"F{n}",
        "orderId": f"305-0000000-{n:07d}",
        "feedbackText": text,
        "numericRating": 5,
        "suppressed": False,
        "feedbackDate": f"{day.isoformat()}T10:00:00.000Z",
    }


def known_of(spec: Spec, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    section = spec.section("feedback")
    records = parse_page(spec, "feedback", "api", feedback_page(rows).body or b"").records
    return {key_text(record_key(section.key, r)): to_jsonable(r) for r in records}


def test_edge_is_the_first_page_whose_rows_are_all_older(spec: Spec) -> None:
    plan = WindowPlan("feedback", 90, TODAY)
    section = spec.section("feedback")
    first_day = TODAY - timedelta(days=89)  # the last 90 days: today and the 89 before
    assert plan.since == first_day
    older = first_day - timedelta(days=1)
    assert plan.stop_after(spec, section, feedback_page([row(older, 1), row(older, 2)])) == "edge"
    # one row still inside: page on
    assert plan.stop_after(spec, section, feedback_page([row(first_day, 1), row(older, 2)])) is None
    # an empty or failed page never stops the walk by itself
    assert plan.stop_after(spec, section, feedback_page([])) is None
    assert plan.stop_after(spec, section, Exchange("rows", "u", "GET", 500, None)) is None


def test_incremental_stop_needs_a_whole_page_known_and_unchanged(spec: Spec) -> None:
    section = spec.section("feedback")
    rows = [row(TODAY - timedelta(days=3), n) for n in range(3)]
    incremental = WindowPlan("feedback", 90, TODAY, full=False, known=known_of(spec, rows))
    assert incremental.stop_after(spec, section, feedback_page(rows)) == "known"
    changed = [*rows[:2], {**rows[2], "responseText": "We are sorry."}]
    assert incremental.stop_after(spec, section, feedback_page(changed)) is None
    new = [*rows, row(TODAY, 9)]
    assert incremental.stop_after(spec, section, feedback_page(new)) is None
    # rows past the window's edge are never stored: they do not keep a page from counting as known
    old_row = row(TODAY - timedelta(days=200), 99)
    assert incremental.stop_after(spec, section, feedback_page([*rows, old_row])) == "known"
    # the full pass (first read, weekly) never stops at a known page
    full = WindowPlan("feedback", 90, TODAY, full=True, known=known_of(spec, rows))
    assert full.stop_after(spec, section, feedback_page(rows)) is None


def test_resolvable_is_what_the_read_covered() -> None:
    plan = WindowPlan("feedback", 30, TODAY)
    inside, outside = {"date": (TODAY - timedelta(days=29)).isoformat()}, {"date": (TODAY - timedelta(30)).isoformat()}
    edge = plan.resolvable("edge", [])
    assert (edge(inside), edge(outside), edge({"date": None})) == (True, False, False)
    # stopped at a known page whose oldest row is 5 days old: only newer rows were all seen
    known = plan.resolvable("known", [{"date": (TODAY - timedelta(days=5)).isoformat()}])
    assert known({"date": (TODAY - timedelta(days=4)).isoformat()}) is True
    assert known({"date": (TODAY - timedelta(days=5)).isoformat()}) is False
    assert known(inside) is False
    assert plan.describe(3, "edge") == "feedback: last 30 days, 3 pages"
    assert plan.describe(1, "known") == "feedback: last 30 days, 1 page, stopped at a page already in the history"


def _apply(history: History, run_id: int, records: dict[str, dict[str, Any]], plan: WindowPlan, stop: str) -> list:
    inside = {k: r for k, r in records.items() if plan.inside(r)}
    return history.record_section(
        run_id, "a", DE, "feedback", "ok", None, inside,
        window=plan.to_json(2, stop), resolvable=plan.resolvable(stop, list(records.values())),
    )


def test_records_leaving_the_window_are_not_resolved_and_a_change_inside_is_seen(tmp_path: Path) -> None:
    history = History(tmp_path / "h.db")
    plan = WindowPlan("feedback", 30, TODAY)
    old = {"date": (TODAY - timedelta(days=29)).isoformat(), "order_id": "1", "comment": "ok"}
    mid = {"date": (TODAY - timedelta(days=10)).isoformat(), "order_id": "2", "comment": "late"}
    gone = {"date": (TODAY - timedelta(days=12)).isoformat(), "order_id": "3", "comment": "bad"}
    run1 = history.start_run("a")
    changes = _apply(history, run1, {"1": old, "2": mid, "3": gone}, plan, "edge")
    assert sorted(c.kind for c in changes) == ["new", "new", "new"]
    # Three days later: record 1 has left the window (not read), record 2 got a reply, record 3 was removed.
    later = WindowPlan("feedback", 30, TODAY + timedelta(days=3))
    run2 = history.start_run("a")
    changes = _apply(history, run2, {"2": {**mid, "response": "Sorry"}}, later, "edge")
    assert sorted((c.key, c.kind) for c in changes) == [("2", "changed"), ("3", "resolved")]
    active = history.active_records("a", DE, "feedback")
    assert set(active) == {"1", "2"}
    assert active["1"] == old
    assert active["2"]["response"] == "Sorry"
    rows = {r["key"]: r for r in history.query("SELECT key, last_in_window, last_run FROM records")}
    assert rows["1"]["last_run"] == run1
    assert rows["2"]["last_run"] == run2
    read_at = {r["run_id"]: r["read_at"] for r in history.query("SELECT run_id, read_at FROM section_runs")}
    # when each was last inside a window: record 1 at the first read only
    assert (rows["1"]["last_in_window"], rows["2"]["last_in_window"]) == (read_at[run1], read_at[run2])
    stored = history.query("SELECT window FROM section_runs WHERE run_id = ?", (run2,))[0]["window"]
    assert json.loads(stored) == {"days": 30, "since": "2026-11-02", "full": True, "pages": 2, "stop": "edge"}


def test_migration_4_keeps_an_older_history(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    from scraper.store import MIGRATIONS

    for number, script in enumerate(MIGRATIONS[:3]):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number + 1}; COMMIT;")
    db.execute("INSERT INTO runs(account, started) VALUES ('a', '2026-01-01')")
    db.execute("INSERT INTO records VALUES ('a', 'm', 's', 'k', '{}', 't', 't', 1, 1, NULL)")
    db.commit()
    db.close()
    history = History(path)
    assert history.schema_version() == SCHEMA_VERSION == 4
    (record,) = history.query("SELECT key, last_in_window FROM records")
    assert (record["key"], record["last_in_window"]) == ("k", None)


def _read(history: History, status: str, window: dict[str, Any] | None, day: date, section: str = "feedback") -> None:
    run = history.start_run("a")
    history.record_section(run, "a", DE, section, status, None, {}, window=window)
    when = f"{day.isoformat()}T02:00:00+00:00"
    history.db.execute("UPDATE section_runs SET read_at = ? WHERE run_id = ?", (when, run))


def test_plan_first_read_is_full_then_incremental_until_the_weekly_full_pass(tmp_path: Path) -> None:
    history = History(tmp_path / "h.db")
    settings = WindowSettings(enabled=True)
    plan = plan_windows(history, "a", settings, TODAY)
    first = plan("feedback", DE)
    assert first is not None
    assert first.full
    assert first.days == 90
    assert first.max_pages == 1000  # the whole window may be hundreds of pages; nights keep max_pages
    assert plan("voice_of_customer", DE) is None  # no spec given: the filter is unknown
    assert plan("regulatory_compliance", DE) is None
    full = {"days": 90, "since": "x", "full": True, "pages": 400, "stop": "edge"}
    _read(history, "ok", full, TODAY - timedelta(days=6))
    nightly = plan_windows(history, "a", settings, TODAY)("feedback", DE)
    assert nightly is not None
    assert not nightly.full
    assert nightly.known == {}
    assert nightly.max_pages is None
    # the Case Log never stops at a known page: an old case changes its status anywhere in the list
    _read(history, "ok", {**full, "days": 30}, TODAY - timedelta(days=1), "case_log")
    case_log = plan_windows(history, "a", settings, TODAY)("case_log", DE)
    assert case_log is not None
    assert case_log.full
    # a week after the last full pass: the whole window again
    weekly = plan_windows(history, "a", settings, TODAY + timedelta(days=1))("feedback", DE)
    assert weekly is not None
    assert weekly.full
    # an incomplete read (page limit) leaves a gap: the next read is full
    _read(history, "incomplete", {**full, "full": False}, TODAY)
    assert plan_windows(history, "a", settings, TODAY)("feedback", DE).full  # type: ignore[union-attr]
    # a wider window than the history covered: full; incremental switched off: full; windows off: none
    _read(history, "ok", full, TODAY)
    assert not plan_windows(history, "a", settings, TODAY)("feedback", DE).full  # type: ignore[union-attr]
    wider = WindowSettings(enabled=True, feedback_days=365)
    assert plan_windows(history, "a", wider, TODAY)("feedback", DE).full  # type: ignore[union-attr]
    off = WindowSettings(enabled=True, incremental=False)
    assert plan_windows(history, "a", off, TODAY)("feedback", DE).full  # type: ignore[union-attr]
    assert plan_windows(history, "a", WindowSettings(enabled=False), TODAY)("feedback", DE) is None


def test_config_windows_defaults_and_account_override(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "settings:\n  windows: {enabled: true, case_log_days: 14}\naccounts:\n"
        "  a: {host: https://sellercentral.amazon.de, email: a@b.de, marketplaces: [A1PA6795UKMFR9]}\n"
        "  b: {host: https://sellercentral.amazon.de, email: a@b.de, marketplaces: [A1PA6795UKMFR9],"
        " windows: {feedback_days: 30, incremental: false}}\n"
    )
    config = load_config(path)
    assert config.settings.windows == WindowSettings(enabled=True, case_log_days=14)
    assert config.accounts["a"].windows is None
    assert config.accounts["b"].windows == WindowSettings(
        enabled=True, case_log_days=14, feedback_days=30, incremental=False
    )
    assert WindowSettings() == WindowSettings(True, 90, 90, 30, 7, True, 1000)  # the documented defaults: on
    example = tmp_path / "example.yaml"
    example.write_text(EXAMPLE, encoding="utf-8")
    assert load_config(example).settings.windows == WindowSettings()  # the example config says the same
    path.write_text(
        "settings:\n  windows: {feedback_days: many}\naccounts:\n"
        "  a: {host: https://sellercentral.amazon.de, email: a@b.de, marketplaces: [A1PA6795UKMFR9]}\n"
    )
    with pytest.raises(ConfigError, match=r"settings\.windows"):
        load_config(path)


def test_big_account_is_deterministic_lazy_and_moves_on_by_days() -> None:
    yesterday, today = BigAccount(-1, TODAY), BigAccount(0, TODAY)
    assert len(today.feedback()) == 100_000
    assert len(yesterday.feedback()) == 99_900
    assert len(today.cases()) == 600
    assert len(today.notifications()) == 200
    assert len(today.listings()) == 5_000
    # a row keeps its date from one day to the next; the new day's rows come on top
    assert today.feedback()[100]["feedbackId"] == yesterday.feedback()[0]["feedbackId"]
    assert today.feedback()[100]["feedbackDate"] == yesterday.feedback()[0]["feedbackDate"]
    assert today.feedback()[0]["feedbackDate"].startswith(TODAY.isoformat())
    assert today.cases()[2]["creationDate"] == yesterday.cases()[0]["creationDate"]
    # one day on, the five newest entries of the day before are answered (a change inside the window)
    answered = [r["responseText"] is not None for r in today.feedback()[100:105]]
    assert answered == [True] * 5
    assert all(r["responseText"] is None for r in yesterday.feedback()[0:5])
    assert today.feedback()[12_345] == BigAccount(0, TODAY).feedback()[12_345]
    rows = today.feedback()
    assert rows.index_of(rows[54_321]["feedbackId"]) == 54_321
    assert rows.index_of("nope") is None


# --- Amazon's counters for the window -------------------------------------------------------------------


def _windowed_feedback(spec: Spec, counters: str) -> Any:
    from tests.test_counters import aggregates, body, capture, exchange, html, page, read

    rows = exchange("rows", body("feedback", "de-typical"))
    cap = capture("feedback", page(html("feedback", "de-typical"), rows, aggregates(counters)))
    cap.window_stop = "edge"  # the walk stopped at its window's edge, not at the list's end
    return read(spec, cap)


def test_counters_of_the_window_agree_and_the_lifetime_is_not_judged(spec: Spec) -> None:
    from tests.test_counters import check

    outcome = _windowed_feedback(spec, "agree")
    assert outcome.status == "ok"
    assert check(outcome, "ratings_30_days") == ("agrees", 8, 8, 9)  # the read reached past 30 days
    lifetime = next(c for c in outcome.checks if c.name == "ratings")
    assert lifetime.verdict == "not comparable"
    assert lifetime.note == "the read stopped at its reading window"


def test_counters_of_the_window_that_disagree_make_it_incomplete(spec: Spec) -> None:
    from tests.test_counters import check

    outcome = _windowed_feedback(spec, "short")
    assert outcome.status == "incomplete"
    assert check(outcome, "1_star_ratings_30_days") == ("fewer", 2, 1, 1)
    assert outcome.message == (
        "[feedback] incomplete: Amazon counts more than was read: 1 star ratings 30 days: Amazon counts 2, the read "
        "has 1"
    )


def test_filtered_plan_asks_each_value_from_the_first_offset_and_resolves_nothing(spec: Spec, tmp_path: Path) -> None:
    section = spec.section("voice_of_customer")
    assert section.api is not None
    assert section.api.filter == ("pcxHealth", ("VERY_POOR", "POOR", "FAIR"))
    plan = WindowPlan("voice_of_customer", 0, TODAY, False, filter=section.api.filter)
    first = Exchange("rows", "https://x/pcrHealth/pcrListingSummary?pageOffset=0&pageSize=25&mkid=M", "GET", 200, b"{}")
    urls = [url for url, _ in plan.seeds(section, first)]
    assert urls == [
        f"https://x/pcrHealth/pcrListingSummary?pageOffset=0&pageSize=25&mkid=M&pcxHealth={v}"
        for v in ("VERY_POOR", "POOR", "FAIR")
    ]
    assert plan.resolvable("filter", [])({"cx_health": "POOR"}) is False
    assert plan.inside({"cx_health": "GOOD"}) is True
    assert plan.stop_after(spec, section, first) is None
    assert plan.describe(4, "filter") == "voice_of_customer: pcxHealth VERY_POOR, POOR, FAIR only, 4 pages"
    # nightly filtered after a whole-list read; the whole list again after full_every_days
    history = History(tmp_path / "h.db")
    settings = WindowSettings(enabled=True)
    assert plan_windows(history, "a", settings, TODAY, spec)("voice_of_customer", DE).filter is None  # type: ignore[union-attr]
    whole = {"days": 0, "since": None, "full": True, "pages": 200, "stop": None}
    _read(history, "ok", whole, TODAY, "voice_of_customer")
    nightly = plan_windows(history, "a", settings, TODAY, spec)("voice_of_customer", DE)
    assert nightly is not None
    assert nightly.filter == section.api.filter
    later = plan_windows(history, "a", settings, TODAY + timedelta(days=7), spec)("voice_of_customer", DE)
    assert later is not None
    assert later.filter is None


def test_case_log_is_read_whole_weekly_so_open_cases_older_than_the_window_are_seen(spec: Spec, tmp_path: Path) -> None:
    """The lobby has no status filter in the evidence: the weekly pass reads the whole list, nights the window."""
    history = History(tmp_path / "h.db")
    settings = WindowSettings(enabled=True)
    first = plan_windows(history, "a", settings, TODAY)("case_log", DE)
    assert first is not None
    assert (first.whole, first.days, first.max_pages) == (True, 30, 1000)
    section = spec.section("case_log")
    old = json.dumps(
        {"caseSearchResultList": [{"caseId": "1", "status": "Open", "creationDate": 1700000000}],
         "totalNumberOfResults": 1}
    ).encode()
    page = Exchange("rows", "https://x/hill/hillservice/mons-api/SearchForCases", "POST", 200, old)
    assert first.stop_after(spec, section, page) is None  # a page older than the window: read on
    assert WindowPlan("case_log", 30, TODAY).stop_after(spec, section, page) == "edge"  # a night stops there
    assert first.describe(60, None) == "case_log: the whole list (weekly, past the last 30 days), 60 pages"
    assert first.to_json(60, None)["whole"] is True
    # a whole read that reached the end: nights read the window for full_every_days, then the whole list again
    _read(history, "ok", first.to_json(60, None), TODAY, "case_log")
    night = plan_windows(history, "a", settings, TODAY + timedelta(days=6))("case_log", DE)
    assert night is not None
    assert (night.whole, night.full, night.max_pages) == (False, True, 1000)
    _read(history, "ok", night.to_json(7, "edge"), TODAY + timedelta(days=6), "case_log")
    weekly = plan_windows(history, "a", settings, TODAY + timedelta(days=7))("case_log", DE)
    assert weekly is not None
    assert weekly.whole
    # a whole read cut by the page limit (incomplete) does not count: the next is whole again
    _read(history, "incomplete", weekly.to_json(1000, None), TODAY + timedelta(days=7), "case_log")
    assert plan_windows(history, "a", settings, TODAY + timedelta(days=8))("case_log", DE).whole  # type: ignore[union-attr]


def test_filtered_lists_ask_the_filter_size(spec: Spec, tmp_path: Path) -> None:
    section = spec.section("voice_of_customer")
    assert section.api is not None
    assert section.api.filter_size == 100  # invented (selectors.yaml): only pageSize=25 was seen
    history = History(tmp_path / "h.db")
    _read(history, "ok", {"days": 0, "since": None, "full": True, "pages": 200, "stop": None}, TODAY,
          "voice_of_customer")
    plan = plan_windows(history, "a", WindowSettings(enabled=True), TODAY, spec)("voice_of_customer", DE)
    assert plan is not None
    assert plan.filter_size == 100
    first = Exchange("rows", "https://x/pcrHealth/pcrListingSummary?pageOffset=0&pageSize=25&mkid=M", "GET", 200, b"{}")
    assert [url for url, _ in plan.seeds(section, first)] == [
        f"https://x/pcrHealth/pcrListingSummary?pageOffset=0&pageSize=100&mkid=M&pcxHealth={v}"
        for v in ("VERY_POOR", "POOR", "FAIR")
    ]
