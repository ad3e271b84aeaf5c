"""The demo's Regulatory Compliance tab in a real Chromium: the live page's call, pager, hidden copies, accordions."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, Route

from scraper.demo.server import DEMO_EMAIL, DEMO_PASSWORD, DemoOptions, DemoServer
from scraper.demo.site import SECTIONS
from scraper.login import with_params
from scraper.parse import parse_page
from scraper.serialize import to_jsonable
from scraper.spec import Spec
from scraper.walk import expand_groups, snapshot
from tests.demo_data import demo_body

pytestmark = pytest.mark.browser

SECTION = SECTIONS["regulatory_compliance"]
ROW = "[data-testid='ahd-product-policies-table-row']"
NEXT = "#ahd-pp-pagination-katal-control [part='pagination-nav-right']"


@pytest.fixture
def demo() -> Iterator[DemoServer]:
    with DemoServer(DemoOptions(require_mfa=False, default_locale="en_US")) as server:
        yield server


def open_tab(page: Page, server: DemoServer) -> None:
    page.goto(server.base_url + "/")
    page.fill("#ap_email", DEMO_EMAIL)
    page.click("#continue")
    page.fill("#ap_password", DEMO_PASSWORD)
    page.click("#signInSubmit")
    page.wait_for_selector("#sc-content-container", state="attached")
    page.goto(with_params(server.base_url + SECTION.url, mons_sel_locale="en_US"))
    page.wait_for_selector(ROW, state="attached")


def test_the_page_calls_the_endpoint_like_the_live_page_and_pages_with_its_token(page: Page, demo: DemoServer) -> None:
    calls: list[tuple[str, str | None]] = []
    page.on("request", lambda r: calls.append((r.url, r.post_data)) if SECTION.endpoint in r.url else None)
    open_tab(page, demo)
    url, body = calls[0]
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    assert body == "{}"
    assert {k: v[0] for k, v in query.items()} == {
        "metricNames": "REGULATORY_COMPLIANCE",
        "pageSize": str(demo.options.page_size),
        "offset": "0",
        "statuses": "Open",
        "nextPageToken": "",
        "platform": "SELLER_CENTRAL",
    }
    first_token = page.evaluate(
        "u => fetch(u, {method: 'POST', body: '{}'}).then(r => r.json()).then(b => b.nextPageToken)", url
    )
    assert page.locator("#ahd-pp-pagination-katal-control [part='pagination-nav-left']").get_attribute("class") == (
        "nav-control end"
    )
    with page.expect_response(lambda r: SECTION.endpoint in r.url):
        page.locator(f"{NEXT}:not(.end)").click()
    page.wait_for_selector(ROW, state="attached")
    second = parse_qs(urlsplit(calls[-1][0]).query)
    assert (second["offset"], second["nextPageToken"]) == ([str(demo.options.page_size)], [first_token])
    assert "end" in (page.locator(NEXT).get_attribute("class") or "")  # 7 violations: page 2 is the last


def test_the_hidden_copy_has_the_same_test_ids_and_only_css_hides_it(page: Page, demo: DemoServer) -> None:
    open_tab(page, demo)
    rows = page.locator(ROW)
    copy = page.locator(f"{ROW}.ahd-shadow-compare")
    assert copy.count() == 1
    assert copy.get_attribute("style") is None
    assert copy.get_attribute("hidden") is None
    assert copy.evaluate("e => getComputedStyle(e).display") == "none"
    first, hidden = rows.nth(0), rows.nth(1)
    assert first.inner_html() == hidden.inner_html()
    assert first.is_visible()
    assert not hidden.is_visible()


def test_grouped_rows_fold_and_page_their_products(page: Page, demo: DemoServer, spec: Spec) -> None:
    body = demo_body("regulatory_compliance", "en-typical")
    group = body["violations"][2]
    group["affectedEntity"]["asins"] = [f"B0TEST09{n:02d}" for n in range(12)]
    group["affectedEntity"]["skus"] = [f"BIG-{n:02d}" for n in range(12)]

    def big_group(route: Route) -> None:
        route.fulfill(json={"violations": body["violations"][:3], "nextPageToken": None})

    page.route(f"**{SECTION.endpoint}?*", big_group)
    open_tab(page, demo)
    accordion = page.locator(f"{ROW}:not(.ahd-shadow-compare) .ahd-accordion").first
    # Collapsed at first, as on the live page: the walk opens every group before it saves the page.
    assert accordion.locator(".ahd-accordion__button").get_attribute("aria-label") == "expand"
    expand_groups(page, spec.section(SECTION.id), 10000)
    assert accordion.locator(".ahd-accordion__body").is_visible()
    nested = accordion.locator("[data-testid='ahd-nested-product-policy']")
    assert nested.count() == 10  # ten per page, as on the live page
    assert accordion.locator("[data-testid='ahd-nested-pagination-number-input']").get_attribute("max") == "2"
    # The page shows (and a reader finds) the first ten products only: the JSON has all twelve.
    records = parse_page(spec, "regulatory_compliance", "dom", snapshot(page, spec)).records
    (grouped,) = [r for r in to_jsonable(list(records)) if len(r["asins"]) > 1]
    assert grouped["asins"] == [f"B0TEST09{n:02d}" for n in range(10)]
    accordion.locator("[data-testid='ahd-nested-pagination-number-input']").fill("2")
    accordion.locator("[data-testid='ahd-nested-pagination-submit-button']").click()
    assert nested.count() == 2
    button = accordion.locator(".ahd-accordion__button")
    button.click()
    assert button.get_attribute("aria-label") == "expand"
    assert not accordion.locator(".ahd-accordion__body").is_visible()
    button.click()
    assert button.get_attribute("aria-label") == "collapse"


def test_the_empty_tab_shows_its_empty_state(page: Page, demo: DemoServer, spec: Spec) -> None:
    demo.options.empty_sections = frozenset({SECTION.id})
    page.goto(demo.base_url + "/")
    page.fill("#ap_email", DEMO_EMAIL)
    page.click("#continue")
    page.fill("#ap_password", DEMO_PASSWORD)
    page.click("#signInSubmit")
    page.wait_for_selector("#sc-content-container", state="attached")
    page.goto(with_params(demo.base_url + SECTION.url, mons_sel_locale="en_US"))
    page.wait_for_selector(spec.section(SECTION.id).ready, state="attached")
    result = parse_page(spec, SECTION.id, "dom", snapshot(page, spec))
    assert (result.status, result.records) == ("empty", ())
    assert page.locator("[data-testid='ahd-pp-sub-title']").inner_text() == "Violations: 0"
