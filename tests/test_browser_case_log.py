"""The demo's case lobby in a real Chromium: the lobby's own request, real-shape JSON rendered as the UI shows
it (days, status words, the "Cases 1 to 10 of N" counter) and a duplicate row that only CSS hides."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pyotp
import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Page

from scraper.demo.server import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoOptions, DemoServer
from scraper.errors import SelectorDriftError
from scraper.extract import HIDDEN_MARK
from scraper.parse import parse_page
from scraper.serialize import to_jsonable
from scraper.spec import Spec
from scraper.walk import snapshot
from tests.conftest import FIXTURES
from tests.demo_data import demo_records

WRITTEN = date(2026, 9, 9)
"""The day the demo's case data is dated for (scraper/demo/datasets/case_log/*.json: _today)."""

pytestmark = pytest.mark.browser

@pytest.fixture
def demo() -> Iterator[DemoServer]:
    # The demo's clock on the day its case data was written for: it shows the dates of the hand-made
    # DOM fixtures, cell for cell.
    with DemoServer(DemoOptions(today=WRITTEN)) as server:
        yield server


def sign_in(page: Page, server: DemoServer) -> None:
    page.goto(server.base_url + "/")
    page.fill("#ap_email", DEMO_EMAIL)
    page.click("#continue")
    page.fill("#ap_password", DEMO_PASSWORD)
    page.click("#signInSubmit")
    page.wait_for_selector("#auth-mfa-otpcode")
    page.fill("#auth-mfa-otpcode", pyotp.TOTP(DEMO_TOTP_SECRET).now())
    page.click("#auth-signin-button")
    page.wait_for_selector("#sc-content-container", state="attached")


def open_lobby(page: Page, server: DemoServer, spec: Spec, locale: str) -> dict[str, Any]:
    """Open the lobby; the JSON body the page posted to SearchForCases."""
    section = spec.section("case_log")
    with page.expect_request(lambda r: "SearchForCases" in r.url) as request:
        page.goto(f"{server.base_url}{section.url}?mons_sel_locale={locale}")
    page.wait_for_selector(section.ready, state="attached", timeout=10000)
    return json.loads(request.value.post_data or "{}")


def cells(page: Page, column: str) -> list[str]:
    selector = (
        f"kat-table.case-lobby-table kat-table-body kat-table-row:not(.case-row-compare) [data-column='{column}']"
    )
    return [" ".join(t.split()) for t in page.locator(selector).all_inner_texts()]


def fixture_cells(name: str, column: str) -> list[str]:
    """The visible cells of one column in a DOM fixture, as the reader sees them."""
    soup = BeautifulSoup((FIXTURES / "case_log" / "dom" / name).read_text(encoding="utf-8"), "lxml")
    rows = soup.select(f"kat-table.case-lobby-table kat-table-body kat-table-row:not([{HIDDEN_MARK}])")
    return [" ".join(r.select_one(f"[data-column='{column}']").get_text(" ").split()) for r in rows]


def test_the_lobby_asks_for_ten_and_shows_days_and_status_words(page: Page, demo: DemoServer, spec: Spec) -> None:
    sign_in(page, demo)
    sent = open_lobby(page, demo, spec, "en_US")
    assert sent["page"] == 0
    assert sent["searchPageSize"] == 10  # the lobby's own page size (9b)
    assert (sent["sortBy"], sent["sortByOrder"], sent["caseFilters"]) == (
        "CreationDate",
        "DESC",
        {"caseOwner": "MerchantCases"},
    )
    # Epoch seconds shown as the (UTC) day, status codes as the UI's words: as the hand-made fixture shows them.
    assert cells(page, "created") == fixture_cells("en-typical.html", "created")
    assert cells(page, "status") == fixture_cells("en-typical.html", "status")
    assert cells(page, "created")[0] == "09/03/2026"  # 1788459760.512 = 2026-09-03 18:22:40.512 UTC
    assert cells(page, "status")[:3] == ["Needs your attention", "In review", "Open"]
    assert page.locator(".case-lobby-count").inner_text() == "Cases 1 to 8 of 8"
    assert page.locator("[data-column='last_updated'], [data-column='opened_by']").count() == 0  # never seen


def test_german_lobby_counter_and_one_full_page(page: Page, demo: DemoServer, spec: Spec) -> None:
    sign_in(page, demo)
    open_lobby(page, demo, spec, "de_DE")
    assert page.locator(".case-lobby-count").inner_text() == "Fälle 1 bis 10 von 10"
    assert cells(page, "created") == fixture_cells("de-typical.html", "created")
    assert cells(page, "status") == fixture_cells("de-typical.html", "status")
    result = parse_page(spec, "case_log", "dom", snapshot(page, spec))
    assert result.next_page is None


def test_the_duplicate_row_is_hidden_only_by_its_computed_style(page: Page, demo: DemoServer, spec: Spec) -> None:
    sign_in(page, demo)
    open_lobby(page, demo, spec, "de_DE")
    copy = page.locator("kat-table-row.case-row-compare")
    assert copy.count() == 1
    assert copy.get_attribute("style") is None
    assert copy.get_attribute("hidden") is None
    assert copy.evaluate("el => getComputedStyle(el).display") == "none"
    first_id = page.locator("kat-table.case-lobby-table kat-table-body kat-table-row").first.get_attribute(
        "data-case-id"
    )
    assert copy.get_attribute("data-case-id") == first_id
    # Unmarked, the copy reads exactly like its row: refused loudly; saved as the walk saves it, it is gone.
    with pytest.raises(SelectorDriftError, match="read exactly alike"):
        parse_page(spec, "case_log", "dom", page.content())
    marked = parse_page(spec, "case_log", "dom", snapshot(page, spec))
    assert to_jsonable(list(marked.records)) == demo_records(spec, "case_log", "de-typical", WRITTEN)


def test_edge_data_renders_to_the_edge_records(page: Page, demo: DemoServer, spec: Spec) -> None:
    """Mixed code spellings, numeric-string and null timestamps, the never-seen columns: the page reads as the
    JSON does."""
    demo.options.data = {"case_log": "edge"}
    sign_in(page, demo)
    open_lobby(page, demo, spec, "de_DE")
    assert page.locator("kat-table-head [data-column='last_updated']").count() == 1
    assert page.locator("kat-table-head [data-column='opened_by']").count() == 1
    result = parse_page(spec, "case_log", "dom", snapshot(page, spec))
    assert to_jsonable(list(result.records)) == demo_records(spec, "case_log", "edge", WRITTEN)
    assert cells(page, "status")[2] == "PendingThirdPartyAction"  # a code without a word is shown raw
