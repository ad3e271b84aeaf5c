"""The demo Feedback Manager behaves like the live one: two overlapping calls per page, key continuation, a
pager that re-renders in place, a hidden duplicate row only the computed style hides."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from scraper.config import Account, Settings
from scraper.credentials import Credentials
from scraper.demo.server import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoOptions, DemoServer
from scraper.parse import parse_page
from scraper.run import RunOptions, run_account
from scraper.serialize import to_jsonable
from scraper.spec import Spec, load_spec
from tests.conftest import CHROMIUM_ARGS, signed_in_page
from tests.demo_data import demo_records, demo_run_records

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shared_browser")]

DE = "A1PA6795UKMFR9"
CREDS = Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, "test")
SETTINGS = Settings(delay_ms=0, jitter_ms=0, timeout_ms=10000)
OPTIONS = RunOptions(browser_args=tuple(CHROMIUM_ARGS), sections=("feedback",))


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoServer]:
    monkeypatch.setenv("SC_WATCH_HOME", str(tmp_path))
    with DemoServer(DemoOptions()) as server:
        yield server


def account(server: DemoServer) -> Account:
    return Account("demo", server.base_url, DEMO_EMAIL, "de_DE", (DE,), ("feedback",))


def golden() -> list[dict]:
    return demo_records(load_spec(), "feedback")


def test_each_page_asks_twice_and_continues_by_key(spec: Spec, demo: DemoServer) -> None:
    run = run_account(spec, account(demo), SETTINGS, OPTIONS, CREDS, notify=lambda m: None)
    (outcome,) = run.outcomes
    assert (outcome.status, outcome.source, outcome.pages) == ("ok", "api", 3)
    # overlapping bodies, each order once; Amazon's note, which only the page shows, from the page
    assert to_jsonable(list(outcome.records)) == demo_run_records(spec, "feedback")
    calls = [
        {k: v[-1] for k, v in parse_qs(urlsplit(path).query, keep_blank_values=True).items()}
        for method, path in demo.request_log
        if urlsplit(path).path == "/fbmapi/v1/feedbacks"
    ]
    by_page: dict[str, set[tuple[str, bool]]] = {}
    for call in calls:
        by_page.setdefault(call["pageNumber"], set()).add((call["excludeTTRFeedback"], bool(call["lastEvaluatedKey"])))
    assert by_page == {
        "0": {("true", False), ("false", False)},  # the first page sends an empty lastEvaluatedKey
        "1": {("true", True), ("false", True)},
        "2": {("true", True), ("false", True)},
    }
    assert outcome.capture is not None
    assert len(outcome.capture.exchanges("rows")) == 6


def test_the_hidden_duplicate_row_is_hidden_by_style_only(spec: Spec, demo: DemoServer) -> None:
    acct = account(demo)
    with signed_in_page(spec, acct) as page:
        section = spec.section("feedback")
        page.goto(f"{demo.base_url}{section.url}?mons_sel_locale=de_DE")
        page.wait_for_selector(section.ready, state="attached")
        rows = page.locator(section.dom.rows)
        assert rows.count() == demo.options.page_size + 1
        hidden = [i for i in range(rows.count()) if not rows.nth(i).is_visible()]
        assert len(hidden) == 1
        copy = rows.nth(hidden[0])
        assert copy.get_attribute("style") is None
        assert copy.get_attribute("hidden") is None
        assert copy.evaluate("el => getComputedStyle(el).display") == "none"
        # Marked as the browser layer marks what nobody sees, the copy is not read.
        copy.evaluate("el => el.setAttribute('data-sc-hidden', '1')")
        records = parse_page(spec, "feedback", "dom", page.content()).records
        assert len(records) == demo.options.page_size
        # The pager: Previous disabled by class on page one, Next usable; a click re-renders in place.
        assert page.locator(".pagination-nav-previous.pagination-nav-disabled").count() == 1
        url = page.url
        page.locator(section.dom.next_page).first.click()
        page.wait_for_selector(".pagination-nav-previous:not(.pagination-nav-disabled)")
        assert page.url == url


def test_compliance_requests_empty_state_in_the_browser(
    spec: Spec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's empty list shows the real strings, and the walk calls that empty (not drift)."""
    monkeypatch.setenv("SC_WATCH_HOME", str(tmp_path))
    options = RunOptions(browser_args=tuple(CHROMIUM_ARGS), sections=("compliance_requests",))
    with DemoServer(DemoOptions(empty_sections=frozenset({"compliance_requests"}), default_locale="en_US")) as server:
        acct = Account("demo", server.base_url, DEMO_EMAIL, "en_US", (DE,), ("compliance_requests",))
        run = run_account(spec, acct, SETTINGS, options, CREDS, notify=lambda m: None)
    (outcome,) = run.outcomes
    assert (outcome.status, outcome.records) == ("empty", ())
    assert outcome.capture is not None
    assert 'header="Zero Product Compliance Document Requests"' in outcome.capture.html_pages[0]
    assert "Requests: 0" in outcome.capture.html_pages[0]
