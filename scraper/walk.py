"""Walking one section in a signed-in page: open it, wait for its data, collect HTML and JSON, page on.

The walk only navigates and collects; records come from :func:`scraper.parse.parse_page`. It keeps the
JSON bodies the page itself fetched from the section's endpoint (selectors.yaml ``api.url_pattern``) and
prefers their records; where both exist, DOM and API keys must agree, else the section is reported as
drift. Clicks are limited to menu entries and "Next" controls: nothing that changes the account.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urljoin

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response

from scraper.errors import PageError, SelectorDriftError, SignedOutError
from scraper.login import with_params
from scraper.parse import ParseResult, merge_pages, parse_page, parse_summary_api, record_key
from scraper.spec import SectionSpec, Spec

Status = Literal["ok", "empty", "drift", "signed_out", "error"]


@dataclass(frozen=True)
class Pacer:
    """A pause between page loads (delay plus random jitter), so a real account is not hammered."""

    delay_ms: int = 0
    jitter_ms: int = 0

    def wait(self) -> None:
        """Sleep for the delay plus a random share of the jitter."""
        pause = self.delay_ms + random.uniform(0, self.jitter_ms)  # pacing only; no security role
        if pause > 0:
            time.sleep(pause / 1000)


@dataclass
class SectionOutcome:
    """What reading one section in one marketplace gave: records, or why there are none."""

    section: str
    marketplace: str
    status: Status
    records: tuple[Any, ...] = ()
    source: str | None = None
    """"api" when the page's JSON was used, "dom" otherwise."""
    pages: int = 0
    message: str | None = None
    truncated: bool = False
    """The page limit was reached before the last page."""
    summary: Any = None
    html_pages: list[str] = field(default_factory=list, repr=False)
    api_bodies: list[bytes] = field(default_factory=list, repr=False)


class _Collector:
    """Keeps the responses of the section's endpoints that the page fetched since the last reset."""

    def __init__(self, section: SectionSpec) -> None:
        self.rows_pattern = section.api.url_pattern if section.api else None
        summary = section.summary.api if section.summary else None
        self.summary_pattern = summary.url_pattern if summary else None
        self.rows: list[Response] = []
        self.summaries: list[Response] = []

    def __call__(self, response: Response) -> None:
        if self.rows_pattern is not None and self.rows_pattern.search(response.url):
            self.rows.append(response)
        elif self.summary_pattern is not None and self.summary_pattern.search(response.url):
            self.summaries.append(response)

    def reset(self) -> None:
        self.rows.clear()
        self.summaries.clear()


def _open(
    page: Page, spec: Spec, section: SectionSpec, base_url: str, locale: str, via_menu: bool, timeout_ms: int
) -> None:
    if not via_menu:
        page.goto(
            with_params(f"{base_url}{section.url}", mons_sel_locale=locale),
            wait_until="domcontentloaded",
            timeout=timeout_ms,
        )
        return
    page.goto(
        with_params(f"{base_url}/home", mons_sel_locale=locale), wait_until="domcontentloaded", timeout=timeout_ms
    )
    labels = section.menu[locale[:2]]
    nav = page.locator(spec.menu).first
    for label in labels[:-1]:
        nav.get_by_text(label, exact=True).first.click(timeout=timeout_ms)
    with page.expect_navigation(wait_until="domcontentloaded", timeout=timeout_ms):
        nav.get_by_role("link", name=labels[-1], exact=True).first.click(timeout=timeout_ms)


def _wait_ready(page: Page, spec: Spec, section: SectionSpec, timeout_ms: int) -> None:
    """Wait for the data (rows or the empty state), not for network idle, which these SPAs never reach."""
    signin = spec.signin.selectors["email"]
    try:
        page.wait_for_selector(f"{section.ready}, {signin}", state="attached", timeout=timeout_ms)
    except PlaywrightError as exc:
        if "Timeout" not in str(exc):
            raise
        raise SelectorDriftError(
            section.id, "dom", section.ready, f"the page showed neither data nor its empty state within {timeout_ms} ms"
        ) from None
    if page.locator(signin).count() and not page.locator(section.ready).count():
        raise SignedOutError(section.id, "dom")


def _bodies(responses: list[Response]) -> list[bytes]:
    bodies = []
    for response in responses:
        if response.ok:
            try:
                bodies.append(response.body())
            except PlaywrightError:  # evicted after a navigation; the DOM still has the data
                continue
    return bodies


def _next(page: Page, section: SectionSpec, href: str, collector: _Collector, timeout_ms: int) -> None:
    if href:
        page.goto(urljoin(page.url, href), wait_until="domcontentloaded", timeout=timeout_ms)
        return
    # A "Next" control without a link re-renders in place: wait for the data it fetches (when the section
    # has an endpoint) and for the first row to change, so the DOM read next is the new page, not the old.
    assert section.dom.next_page is not None
    control = page.locator(section.dom.next_page).first
    before = page.locator(section.dom.rows).first.inner_html()
    pattern = collector.rows_pattern
    if pattern is not None:
        with page.expect_response(lambda r: bool(pattern.search(r.url)), timeout=timeout_ms):
            control.click(timeout=timeout_ms)
    else:
        control.click(timeout=timeout_ms)
    page.wait_for_function(
        "([sel, before]) => { const r = document.querySelector(sel); return !r || r.innerHTML !== before; }",
        arg=[section.dom.rows, before],
        timeout=timeout_ms,
    )


def walk_section(
    page: Page,
    spec: Spec,
    section: SectionSpec,
    base_url: str,
    marketplace: str,
    locale: str,
    *,
    via_menu: bool = False,
    max_pages: int = 20,
    timeout_ms: int = 30000,
    pacer: Pacer | None = None,
) -> SectionOutcome:
    """Read every page of one section; never raises for page problems, it reports them in the outcome."""
    pacer = pacer or Pacer()
    collector = _Collector(section)
    page.on("response", collector)
    dom_pages: list[ParseResult] = []
    api_pages: list[ParseResult] = []
    outcome = SectionOutcome(section.id, marketplace, "error")
    summary = None
    try:
        _open(page, spec, section, base_url, locale, via_menu, timeout_ms)
        while True:
            _wait_ready(page, spec, section, timeout_ms)
            html = page.content()
            outcome.html_pages.append(html)
            bodies = _bodies(collector.rows)
            outcome.api_bodies.extend(bodies)
            api_pages.extend(parse_page(spec, section.id, "api", b) for b in bodies)
            for body in _bodies(collector.summaries):
                summary = parse_summary_api(spec, section, body)
            dom = parse_page(spec, section.id, "dom", html)
            dom_pages.append(dom)
            if dom.next_page is None:
                break
            if len(dom_pages) >= max_pages:
                outcome.truncated = True
                break
            pacer.wait()
            collector.reset()
            _next(page, section, dom.next_page, collector, timeout_ms)
    except SignedOutError as exc:
        outcome.status, outcome.message = "signed_out", str(exc)
        return outcome
    except SelectorDriftError as exc:
        outcome.status, outcome.message = "drift", str(exc)
        return outcome
    except PageError as exc:
        outcome.status, outcome.message = "error", str(exc)
        return outcome
    except PlaywrightError as exc:
        outcome.status, outcome.message = "error", f"[{section.id}] browser: {str(exc).splitlines()[0]}"
        return outcome
    finally:
        page.remove_listener("response", collector)

    merged_dom = merge_pages(section, dom_pages)
    outcome.pages = len(dom_pages)
    outcome.summary = summary if summary is not None else merged_dom.summary
    if api_pages:
        merged_api = merge_pages(section, api_pages)
        outcome.records, outcome.source = merged_api.records, "api"
        dom_keys = {record_key(section.key, r) for r in merged_dom.records}
        api_keys = {record_key(section.key, r) for r in merged_api.records}
        if dom_keys != api_keys:
            outcome.status = "drift"
            outcome.message = (
                f"[{section.id}] page and JSON disagree: {len(dom_keys - api_keys)} record(s) only on "
                f"the page, {len(api_keys - dom_keys)} only in the JSON"
            )
            return outcome
    else:
        outcome.records, outcome.source = merged_dom.records, "dom"
        if section.api is not None:
            # Read, but from the page: say so, since the spec's endpoint no longer matches what the page calls.
            outcome.message = (
                f"[{section.id}] the page did not call {section.api.url_pattern.pattern!r}; records "
                "were read from the page (check api.url_pattern in selectors.yaml)"
            )
    outcome.status = "ok" if outcome.records else "empty"
    return outcome
