"""Walking one section in a signed-in page: open it, wait for its data, collect HTML and JSON, page on.

The walk only navigates and collects; it returns a :class:`~scraper.capture.SectionCapture` and parses
nothing (records come from :func:`scraper.read.read_section`). Before a page is saved, every element a person
cannot see is marked ``data-sc-hidden``, so the reader ignores Amazon's hidden duplicate rows exactly as it
would on the saved file. Clicks are limited to menu entries and "Next" controls: nothing that changes the
account. Where the pager cannot be clicked (closed shadow root), the walk repeats the page's own request
with the next offset, read-only like the page's own call.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlparse, urlunparse

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response

from scraper.capture import CapturedPage, CaptureProblem, Exchange, ExchangeRole, SectionCapture
from scraper.errors import HttpStatusError, PageError, SelectorDriftError, SignedOutError
from scraper.extract import HIDDEN_MARK
from scraper.jsonpath import MISSING, resolve
from scraper.login import with_params
from scraper.spec import Paging, SectionSpec, Spec


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


# Marks what a person cannot see, and serializes the page with the open shadow roots of the hosts that
# selectors.yaml names (page.shadow_hosts) inlined as <template shadowrootmode="open">. Off-screen means
# left of or above the document (hidden panels), not below the fold, which a person reaches by scrolling.
_SNAPSHOT_JS = """
([mark, hosts]) => {
  const roots = [];
  const hidden = (el) => {
    if (el.hidden || el.getAttribute('aria-hidden') === 'true') return true;
    const style = getComputedStyle(el);
    if (style.display === 'contents') return false;
    if (style.display === 'none' || style.visibility === 'hidden' || style.visibility === 'collapse') return true;
    if (el.getClientRects().length === 0) return true;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0 && style.overflow !== 'visible') return true;
    return r.right + scrollX <= 0 || r.bottom + scrollY <= 0;
  };
  const visit = (root) => {
    for (const old of root.querySelectorAll('[' + mark + ']')) old.removeAttribute(mark);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
    let el = walker.nextNode();
    while (el) {
      if (el.shadowRoot && el.shadowRoot.mode === 'open') {
        if (hosts && el.matches(hosts)) roots.push(el.shadowRoot);
        visit(el.shadowRoot);
      }
      if (!['HEAD', 'SCRIPT', 'STYLE', 'TEMPLATE'].includes(el.tagName) && hidden(el)) {
        el.setAttribute(mark, '1');
        let next = walker.nextSibling();
        while (!next && walker.parentNode()) next = walker.nextSibling();
        el = next;
        continue;
      }
      el = walker.nextNode();
    }
  };
  visit(document.body || document.documentElement);
  const html = document.documentElement;
  const body = (roots.length && typeof html.getHTML === 'function')
    ? html.getHTML({ shadowRoots: roots }) : html.innerHTML;
  const lang = html.getAttribute('lang');
  return '<!DOCTYPE html>\\n<html' + (lang ? ' lang="' + lang.replace(/"/g, '') + '"' : '') + '>' + body + '</html>';
}
"""


def snapshot(page: Page, spec: Spec) -> str:
    """The page's HTML as a person sees it: invisible elements marked, chosen shadow roots inlined."""
    return str(page.evaluate(_SNAPSHOT_JS, [HIDDEN_MARK, spec.shadow_hosts]))


MAX_OTHER_BODY = 2_000_000
"""Bytes of another JSON call's body kept at most (``all_json``); larger ones are listed without their body."""


class _Collector:
    """Keeps the responses of the section's endpoints that the page fetched since the last reset."""

    def __init__(self, section: SectionSpec, other_host: str | None = None) -> None:
        self.rows_pattern = section.api.url_pattern if section.api else None
        summary = section.summary.api if section.summary else None
        self.summary_pattern = summary.url_pattern if summary else None
        # The call a page makes for its counters only (Feedback Manager's aggregates), where selectors.yaml names one.
        self.counters_pattern = section.counters.url_pattern if section.counters else None
        self.other_host = other_host
        """When set, every other JSON response from this host is kept too (role "other"): `scraper doctor`
        looks for a moved endpoint among them."""
        self.seen: list[tuple[ExchangeRole, Response]] = []

    def __call__(self, response: Response) -> None:
        if self.rows_pattern is not None and self.rows_pattern.search(response.url):
            self.seen.append(("rows", response))
        elif self.summary_pattern is not None and self.summary_pattern.search(response.url):
            self.seen.append(("summary", response))
        elif self.counters_pattern is not None and self.counters_pattern.search(response.url):
            self.seen.append(("counters", response))
        elif (
            self.other_host is not None
            and urlparse(response.url).netloc == self.other_host
            and "json" in response.headers.get("content-type", "")
        ):
            self.seen.append(("other", response))

    def take(self) -> list[Exchange]:
        """The exchanges since the last call, with their bodies (None where the browser evicted one)."""
        taken = []
        for role, response in self.seen:
            body: bytes | None = None
            # Only a 2xx body is read: the status says all about a failed call, and Playwright can wait
            # forever for the body of an error response the page itself never consumed.
            if 200 <= response.status < 300:
                try:
                    body = response.body()
                except PlaywrightError:  # evicted after a navigation; recorded, the reader decides
                    body = None
                if role == "other" and body is not None and len(body) > MAX_OTHER_BODY:
                    body = None
            request = response.request
            taken.append(Exchange(role, response.url, request.method, response.status, body, request.post_data))
        self.seen.clear()
        return taken

    @property
    def has_rows(self) -> bool:
        return any(role == "rows" for role, _ in self.seen)


def _open(
    page: Page, spec: Spec, section: SectionSpec, base_url: str, locale: str, via_menu: bool, timeout_ms: int
) -> str:
    if not via_menu:
        url = with_params(f"{base_url}{section.url}", mons_sel_locale=locale)
        response = page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
        if response is not None and response.status >= 400:
            raise HttpStatusError(section.id, response.status, urlparse(response.url).path)
        return url
    home = with_params(f"{base_url}/home", mons_sel_locale=locale)
    page.goto(home, wait_until="domcontentloaded", timeout=timeout_ms)
    labels = section.menu[locale[:2]]
    nav = page.locator(spec.menu).first
    for label in labels[:-1]:
        nav.get_by_text(label, exact=True).first.click(timeout=timeout_ms)
    with page.expect_navigation(wait_until="domcontentloaded", timeout=timeout_ms):
        nav.get_by_role("link", name=labels[-1], exact=True).first.click(timeout=timeout_ms)
    return home


def _wait_ready(page: Page, spec: Spec, section: SectionSpec, collector: _Collector, timeout_ms: int) -> bool:
    """Wait for the data (rows or the empty state), not for network idle, which these SPAs never reach.

    False when the page never showed it but its JSON arrived: the reader then reads the JSON and reports
    the page's selectors as in need of maintenance, instead of losing a section whose data is there.
    """
    signin = f"{spec.signin.selectors['email']}, {spec.signin.selectors['other_account']}"
    try:
        page.wait_for_selector(f"{section.ready}, {signin}", state="attached", timeout=timeout_ms)
    except PlaywrightError as exc:
        if "Timeout" not in str(exc):
            raise
        if collector.has_rows:
            return False
        raise SelectorDriftError(
            section.id, "dom", section.ready, f"the page showed neither data nor its empty state within {timeout_ms} ms"
        ) from None
    if page.locator(signin).count() and not page.locator(section.ready).count():
        raise SignedOutError(section.id, "dom")
    return True


def _label(page: Page, spec: Spec) -> str | None:
    """The switcher label's text, kept in the capture for a person; the reader checks the saved HTML."""
    for key in ("marketplace_regional", "marketplace_label"):
        label = page.locator(spec.signin.selectors[key]).first
        try:
            text = " ".join((label.text_content(timeout=1000) or "").split()) if label.count() else ""
        except PlaywrightError:
            text = ""
        if text:
            return text
    return None


MAX_EXPAND = 200
"""Collapsed groups opened per page at most (a bound, so a control that never changes cannot loop)."""


def expand_groups(page: Page, section: SectionSpec, timeout_ms: int) -> None:
    """Open collapsed groups (dom.expand), so their rows are in the saved page as a person would see them."""
    if section.dom.expand is None:
        return
    controls = page.locator(section.dom.expand).filter(visible=True)
    for _ in range(MAX_EXPAND):
        if not controls.count():
            return
        control = controls.first.element_handle(timeout=timeout_ms)
        control.click(timeout=timeout_ms)
        # The opened control stops matching (its label turns to "collapse"); wait for that before the next.
        page.wait_for_function(
            "([el, sel]) => !el.isConnected || !el.matches(sel)", arg=[control, section.dom.expand], timeout=timeout_ms
        )


def _next_href(page: Page, section: SectionSpec) -> str | None:
    """The live page's "Next" control: its href ("" for a control without one), or None on the last page."""
    if section.dom.next_page is None:
        return None
    # Only a control a person can see: hidden copies of the pager (Amazon renders some) cannot be clicked.
    control = page.locator(section.dom.next_page).filter(visible=True).first
    if not control.count():
        return None
    return control.get_attribute("href") or ""


JSON_WAIT_MS = 5000
"""How long an in-place "Next" waits for the section's endpoint before it relies on the rows changing."""


def _click_next(page: Page, section: SectionSpec, href: str, collector: _Collector, timeout_ms: int) -> None:
    if href:
        page.goto(urljoin(page.url, href), wait_until="domcontentloaded", timeout=timeout_ms)
        return
    # A "Next" control without a link re-renders in place: wait for the data it fetches (when the section
    # has an endpoint) and for the first row to change, so the DOM read next is the new page, not the old.
    assert section.dom.next_page is not None
    control = page.locator(section.dom.next_page).filter(visible=True).first
    rows = page.locator(section.dom.rows).first
    before = rows.inner_html() if rows.count() else ""
    pattern = collector.rows_pattern
    if pattern is not None:
        try:
            with page.expect_response(lambda r: bool(pattern.search(r.url)), timeout=min(timeout_ms, JSON_WAIT_MS)):
                control.click(timeout=timeout_ms)
        except PlaywrightError as exc:
            # The page may fetch from elsewhere now (the reader then says the endpoint moved): the rows decide.
            if "Timeout" not in str(exc):
                raise
    else:
        control.click(timeout=timeout_ms)
    page.wait_for_function(
        "([sel, before]) => { const r = document.querySelector(sel); return !r || r.innerHTML !== before; }",
        arg=[section.dom.rows, before],
        timeout=timeout_ms,
    )


def _advance(value: Any, paging: Paging, rows: int) -> int:
    current = int(value) if value not in (None, "") else paging.start
    return current + (rows if paging.unit == "row" else 1)


def replay_request(section: SectionSpec, last: Exchange) -> tuple[str, str | None] | None:
    """The URL and post data of the page's own request for the page after ``last``; None when it was the last.

    Only the paging parameter changes: the request is the page's own, read-only search call. Whether a
    next page exists is decided from the row count and the announced total, not from the records.
    """
    api = section.api
    if api is None or api.paging is None or last.body is None:
        return None
    paging = api.paging
    try:
        document = json.loads(last.body)
    except (ValueError, RecursionError):
        return None  # the reader names what is wrong with the body
    rows = resolve(document, api.rows)
    if not isinstance(rows, list) or not rows:
        return None
    total = resolve(document, api.total) if api.total else MISSING
    token = None
    if paging.token_param is not None and paging.token_path is not None:
        token = resolve(document, paging.token_path)
        if token in (MISSING, None, ""):
            return None  # the endpoint says this was the last page
    if paging.location == "query":
        parts = urlparse(last.url)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        size = int(query.get(paging.size_param) or paging.size)
        position = _advance(query.get(paging.page_param), paging, len(rows))
        query[paging.page_param] = str(position)
        if token is not None and paging.token_param is not None:
            query[paging.token_param] = str(token)
        url, post = urlunparse(parts._replace(query=urlencode(query))), last.post_data
    else:
        try:
            body = json.loads(last.post_data or "{}")
        except ValueError:
            return None
        size = int(body.get(paging.size_param) or paging.size)
        position = _advance(body.get(paging.page_param), paging, len(rows))
        body[paging.page_param] = position
        if token is not None and paging.token_param is not None:
            body[paging.token_param] = token
        url, post = last.url, json.dumps(body)
    if token is not None:
        return url, post  # a token is the endpoint's own word that more follows
    if isinstance(total, int) and not isinstance(total, bool):
        done = position if paging.unit == "row" else (position - paging.start) * size
        if done >= total:
            return None
    elif len(rows) < size:
        return None
    return url, post


def _last_rows(capture: SectionCapture) -> Exchange | None:
    ok = [x for x in capture.exchanges("rows") if x.ok]
    return ok[-1] if ok else None


RETRY_STATUSES = frozenset({429, 503})
BACKOFF_S = (1, 2, 4, 8)
"""Seller Central answers bursts with 429; a live worker backs off 1-2-4-8 s (reference 9b, rate limits)."""


def _replay(page: Page, section: SectionSpec, last: Exchange, timeout_ms: int) -> Exchange | None:
    target = replay_request(section, last)
    if target is None:
        return None
    url, post = target
    for pause in (*BACKOFF_S, None):
        response = page.request.fetch(
            url,
            method=last.method,
            data=post if last.method != "GET" else None,
            headers={"content-type": "application/json"} if post is not None else None,
            timeout=timeout_ms,
        )
        if response.status not in RETRY_STATUSES or pause is None:
            break
        time.sleep(pause)
    return Exchange("rows", url, last.method, response.status, response.body(), post, replayed=True)


SIDE_CALL_WAIT_MS = 3000
"""How long the walk waits, once it has every page, for a summary or counters call the page has not answered
yet: a page may fire them after its list, and their numbers judge whether the read is complete."""


def _late_side_calls(page: Page, capture: SectionCapture, collector: _Collector) -> None:
    """Keep summary and counters answers that came after the last page was saved (they belong to the section)."""
    wanted = {
        role
        for role, pattern in (("summary", collector.summary_pattern), ("counters", collector.counters_pattern))
        if pattern is not None
    }
    if not wanted or not capture.pages:
        return
    had = {x.role for p in capture.pages for x in p.exchanges}
    deadline = time.monotonic() + SIDE_CALL_WAIT_MS / 1000
    while wanted - had - {role for role, _ in collector.seen} and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    # Rows answers that came after the last saved page belong to no page the reader can pair them with.
    collector.seen = [(role, response) for role, response in collector.seen if role != "rows"]
    capture.pages[-1].exchanges.extend(collector.take())


def collect_section(
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
    all_json: bool = False,
) -> SectionCapture:
    """Collect every page of one section; never raises for page problems, it records them in the capture.

    ``all_json`` keeps every other JSON call of the site's own host too (role "other"), for ``scraper capture``
    and ``scraper doctor``; a run does not need them."""
    pacer = pacer or Pacer()
    collector = _Collector(section, urlparse(base_url).netloc if all_json else None)
    started = time.monotonic()
    capture = SectionCapture(
        section.id, marketplace, locale, f"{base_url}{section.url}", started=datetime.now(UTC).isoformat()
    )
    page.on("response", collector)
    try:
        capture.requested_url = _open(page, spec, section, base_url, locale, via_menu, timeout_ms)
        replaying = False
        while True:
            href: str | None = None
            if replaying:
                last = _last_rows(capture)
                fetched = _replay(page, section, last, timeout_ms) if last is not None else None
                if fetched is None:
                    break
                capture.pages.append(CapturedPage(page.url, None, [fetched]))
                if not fetched.ok:
                    break  # the reader reports the failed page; asking again for the same page loops
            else:
                t0 = time.monotonic()
                ready = _wait_ready(page, spec, section, collector, timeout_ms)
                expand_groups(page, section, timeout_ms)
                html = snapshot(page, spec)
                elapsed = int((time.monotonic() - t0) * 1000)
                captured = CapturedPage(page.url, html, collector.take(), _label(page, spec), elapsed, ready)
                capture.pages.append(captured)
                calls = [x for x in captured.exchanges if x.role == "rows"]
                if calls and not any(x.ok for x in calls):
                    break  # the page's data call failed: paging on would only repeat the failure
                href = _next_href(page, section)
                if href is None:
                    paging = section.api.paging if section.api else None
                    if paging is None or not paging.replay or _last_rows(capture) is None:
                        break
                    replaying = True
            if len(capture.pages) >= max_pages:
                last = _last_rows(capture)
                capture.truncated = href is not None or (
                    replaying and last is not None and replay_request(section, last) is not None
                )
                break
            pacer.wait()
            if href is not None:
                _click_next(page, section, href, collector, timeout_ms)
        _late_side_calls(page, capture, collector)
    except SignedOutError as exc:
        capture.problem = CaptureProblem("signed_out", str(exc))
    except SelectorDriftError as exc:
        capture.problem = CaptureProblem("drift", str(exc))
    except PageError as exc:
        capture.problem = CaptureProblem("error", str(exc))
    except PlaywrightError as exc:
        capture.problem = CaptureProblem("error", f"[{section.id}] browser: {str(exc).splitlines()[0]}")
    finally:
        page.remove_listener("response", collector)
        capture.elapsed_ms = int((time.monotonic() - started) * 1000)
    return capture
