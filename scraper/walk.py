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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlparse, urlunparse

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Request, Response

from scraper.capture import CapturedPage, CaptureProblem, Exchange, ExchangeRole, SectionCapture
from scraper.errors import (
    ChallengePageError,
    HttpStatusError,
    InterstitialError,
    PageError,
    RedirectLoopError,
    RetryExhaustedError,
    SelectorDriftError,
    SignedOutError,
    TransientPageError,
)
from scraper.extract import HIDDEN_MARK
from scraper.jsonpath import MISSING, resolve
from scraper.login import with_params
from scraper.retry import (
    NO_RETRIES,
    REDIRECT_LOOP,
    RETRY_STATUSES,
    RetryPolicy,
    Sleep,
    connection_cause,
    error_cause,
    retry_after_seconds,
    status_cause,
)
from scraper.retry import goto as retrying_goto
from scraper.spec import Paging, SectionSpec, Spec
from scraper.status import SectionStatus
from scraper.text import squash

PageSeeds = Callable[[Exchange], list[tuple[str, str | None]]]
"""Given the first page's data call, the first requests of the filtered lists a big account reads instead of the
whole list (scraper/windows.py: URL and post data each)."""
PageStop = Callable[[Exchange], str | None]
"""Asked with a page's data call whether a windowed walk may stop after it (a reason, or None to page on)."""


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
    """Follows the requests of the section's endpoints that the page made since the last :meth:`take`.

    Besides the answers it keeps which calls are still under way and which failed without a complete answer
    (connection dropped, closed without an answer), so a stalled or broken call is named, not waited for.
    """

    def __init__(self, page: Page, section: SectionSpec, timeout_ms: int, other_host: str | None = None) -> None:
        self.page, self.timeout_ms = page, timeout_ms
        self.rows_pattern = section.api.url_pattern if section.api else None
        summary = section.summary.api if section.summary else None
        self.summary_pattern = summary.url_pattern if summary else None
        # The call a page makes for its counters only (Feedback Manager's aggregates), where selectors.yaml names one.
        self.counters_pattern = section.counters.url_pattern if section.counters else None
        self.other_host = other_host
        """When set, every other JSON response from this host is kept too (role "other"): `scraper doctor`
        looks for a moved endpoint among them."""
        self.seen: list[tuple[ExchangeRole, Response]] = []
        self.pending: dict[Request, ExchangeRole] = {}
        """Calls not finished yet (an error answer whose body the page never reads stays here for good)."""
        self.answered: dict[Request, int] = {}
        self.finished: set[Request] = set()
        self.failures: dict[Request, tuple[ExchangeRole, str]] = {}
        self.retry_after_s: float | None = None
        """The longest Retry-After a 429/5xx of the page's own calls asked for."""
        self._failed_since: float | None = None

    def role(self, url: str) -> ExchangeRole | None:
        if self.rows_pattern is not None and self.rows_pattern.search(url):
            return "rows"
        if self.summary_pattern is not None and self.summary_pattern.search(url):
            return "summary"
        if self.counters_pattern is not None and self.counters_pattern.search(url):
            return "counters"
        return None

    def attach(self) -> None:
        self.page.on("request", self._request)
        self.page.on("response", self._response)
        self.page.on("requestfinished", self._finished)
        self.page.on("requestfailed", self._failed)

    def detach(self) -> None:
        self.page.remove_listener("request", self._request)
        self.page.remove_listener("response", self._response)
        self.page.remove_listener("requestfinished", self._finished)
        self.page.remove_listener("requestfailed", self._failed)

    def _request(self, request: Request) -> None:
        role = self.role(request.url)
        if role is not None:
            self.pending[request] = role

    def _response(self, response: Response) -> None:
        role = self.role(response.url)
        if role is None:
            if (
                self.other_host is not None
                and urlparse(response.url).netloc == self.other_host
                and "json" in response.headers.get("content-type", "")
            ):
                self.seen.append(("other", response))
            return
        self.seen.append((role, response))
        self.answered[response.request] = response.status
        if response.status in RETRY_STATUSES:
            wait = retry_after_seconds(response.headers.get("retry-after"))
            if wait is not None:
                self.retry_after_s = max(wait, self.retry_after_s or 0.0)

    def _finished(self, request: Request) -> None:
        if self.pending.pop(request, None) is not None:
            self.finished.add(request)

    def _failed(self, request: Request) -> None:
        role = self.pending.pop(request, None)
        if role is not None:  # a call from before the last take() (aborted by a navigation) is not ours
            text = request.failure or "failed"
            self.failures[request] = (role, connection_cause(text) or text)

    def _complete(self, request: Request) -> bool:
        """Wait (bounded) until a call's body has fully arrived; False when it did not finish."""
        deadline = time.monotonic() + self.timeout_ms / 1000
        while True:
            if request in self.finished:
                return True
            if request in self.failures:
                return False
            if request not in self.pending:
                return True  # not followed from its start: read the body if the browser has it
            if time.monotonic() >= deadline:
                return False
            self.page.wait_for_timeout(50)

    def take(self) -> list[Exchange]:
        """The exchanges since the last call, with their bodies (None where none came complete)."""
        taken = []
        answered = set()
        for role, response in self.seen:
            request = response.request
            answered.add(request)
            body: bytes | None = None
            error = self.failures[request][1] if request in self.failures else None
            # Only a complete 2xx body is read: the status says all about a failed call, and Playwright can
            # wait forever for the body of an error response the page never consumed, or of a stalled one.
            if 200 <= response.status < 300 and error is None:
                if self._complete(request):
                    try:
                        body = response.body()
                    except PlaywrightError:
                        # Evicted: the browser keeps no body above about 10 MB, nor one read after a navigation.
                        body, error = self._again(request, response)
                else:
                    error = f"the answer did not finish within {self.timeout_ms} ms"
            if role == "other" and body is not None and len(body) > MAX_OTHER_BODY:
                body = None
            taken.append(
                Exchange(role, response.url, request.method, response.status, body, request.post_data, error=error)
            )
        for request, (role, error) in self.failures.items():
            if request not in answered:  # no answer at all: status 0
                taken.append(Exchange(role, request.url, request.method, 0, None, request.post_data, error=error))
        self.seen.clear()
        self.pending.clear()
        self.answered.clear()
        self.finished.clear()
        self.failures.clear()
        self._failed_since = None
        return taken

    def _again(self, request: Request, response: Response) -> tuple[bytes | None, str | None]:
        """The body of a call the browser did not keep, by repeating the page's own (read-only) request."""
        size = response.headers.get("content-length", "")
        if size.isdigit() and int(size) > MAX_BODY_BYTES:
            limit = MAX_BODY_BYTES // 10**6
            return None, f"its body of {int(size) / 1e6:.0f} MB is {TOO_LARGE} {limit} MB the tool reads"
        try:
            again = self.page.request.fetch(
                request.url,
                method=request.method,
                data=request.post_data if request.method != "GET" else None,
                headers={"content-type": "application/json"} if request.post_data is not None else None,
                timeout=self.timeout_ms,
            )
            if 200 <= again.status < 300:
                return again.body(), None
            return None, f"the browser did not keep its body, and asking again answered HTTP {again.status}"
        except PlaywrightError as exc:
            cause = error_cause(exc, self.timeout_ms)[0]
            return None, f"the browser did not keep its body, and asking again failed: {cause}"

    @property
    def has_rows(self) -> bool:
        return any(role == "rows" for role, _ in self.seen)

    def pending_rows(self) -> list[Request]:
        """The data calls still waiting for their answer, or for the rest of a successful one."""
        return [
            r
            for r, role in self.pending.items()
            if role == "rows" and (r not in self.answered or 200 <= self.answered[r] < 300)
        ]

    def data_call_failed(self) -> bool:
        """A data call of the page failed (error status, no complete answer) and none is under way any more.

        Held for a short grace first, so a page that asks again by itself is not cut short.
        """
        failed = any(
            role == "rows" and not (200 <= r.status < 300 and r.request not in self.failures) for role, r in self.seen
        ) or any(role == "rows" for role, _ in self.failures.values())
        if not failed or self.pending_rows():
            self._failed_since = None
            return False
        now = time.monotonic()
        if self._failed_since is None:
            self._failed_since = now
        return now - self._failed_since >= FAILED_GRACE_S


MAX_BODY_BYTES = 100 * 10**6
"""The largest data-call body the walk fetches again when the browser did not keep it (memory bound)."""
TOO_LARGE = "more than the"

FAILED_GRACE_S = 0.5
"""How long a failed data call must stay the page's last word before the walk stops waiting for its data."""


def _load(page: Page, section: SectionSpec, url: str, timeout_ms: int, policy: RetryPolicy) -> None:
    """Open a page of the section (a GET), tried again on a timeout, connection error, 5xx or 429."""
    path = urlparse(url).path
    try:
        response = retrying_goto(page, url, timeout_ms=timeout_ms, policy=policy)
    except RetryExhaustedError as exc:
        if exc.status is not None:
            raise HttpStatusError(section.id, exc.status, path, exc.attempts, exc.retry_after_s) from None
        if REDIRECT_LOOP in exc.cause:
            raise RedirectLoopError(section.id, path) from None
        raise TransientPageError(section.id, "page", f"the page {path}", exc.cause, exc.attempts) from None
    if response is not None and response.status >= 400:
        raise HttpStatusError(section.id, response.status, urlparse(response.url).path)


def _open(
    page: Page,
    spec: Spec,
    section: SectionSpec,
    base_url: str,
    locale: str,
    via_menu: bool,
    timeout_ms: int,
    policy: RetryPolicy = NO_RETRIES,
) -> str:
    if not via_menu:
        url = with_params(f"{base_url}{section.url}", **{spec.locale_param: locale})
        _load(page, section, url, timeout_ms, policy)
        return url
    home = with_params(f"{base_url}{spec.home}", **{spec.locale_param: locale})
    _load(page, section, home, timeout_ms, policy)
    labels = section.menu[locale[:2]]
    nav = page.locator(spec.menu).first
    for label in labels[:-1]:
        nav.get_by_text(label, exact=True).first.click(timeout=timeout_ms)
    with page.expect_navigation(wait_until="domcontentloaded", timeout=timeout_ms):
        nav.get_by_role("link", name=labels[-1], exact=True).first.click(timeout=timeout_ms)
    return home


def _title(page: Page) -> str:
    try:
        return squash(page.title())[:120]
    except PlaywrightError:
        return ""


def _wait_ready(page: Page, spec: Spec, section: SectionSpec, collector: _Collector, timeout_ms: int) -> bool:
    """Wait for the data (rows or the empty state), not for network idle, which these SPAs never reach.

    False when the page never showed it but its JSON arrived, or when its data call failed (the reader
    names the failure): the reader then reads the JSON and reports the page's selectors as in need of
    maintenance, instead of losing a section whose data is there. A sign-in page, a CAPTCHA, a call that
    never answers and a page that is not the section's are each named, never reported as drift.
    """
    sel = spec.signin.selectors
    signin = f"{sel['email']}, {sel['other_account']}"
    watch = f"{section.ready}, {signin}, {sel['captcha']}"
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            found = page.locator(watch).count() > 0
        except PlaywrightError as exc:  # the page navigated while it was looked at: look again
            if "Target" in str(exc) and "closed" in str(exc):
                raise
            found = False
        if found:
            break
        path = urlparse(page.url).path
        if any(path.startswith(p) for p in spec.signin.paths["captcha"]):
            raise ChallengePageError(section.id, "a CAPTCHA")
        if any(path.startswith(p) for p in spec.signin.paths["challenge"]):
            raise ChallengePageError(section.id, "an identity verification")
        if collector.data_call_failed():
            return False
        if time.monotonic() >= deadline:
            stalled = collector.pending_rows()
            if stalled:
                call = stalled[0]
                raise TransientPageError(
                    section.id,
                    "api",
                    f"the page's data call {call.method} {urlparse(call.url).path}",
                    f"no answer within {timeout_ms} ms (timeout)",
                )
            if collector.has_rows:
                return False
            title = _title(page)
            if path != urlparse(section.url).path:
                raise InterstitialError(section.id, path, title)
            raise SelectorDriftError(
                section.id,
                "dom",
                section.ready,
                f"the page (titled {title!r}) showed neither data nor its empty state within {timeout_ms} ms",
            )
        page.wait_for_timeout(100)
    if page.locator(section.ready).count():
        return True
    if page.locator(sel["captcha"]).count():
        raise ChallengePageError(section.id, "a CAPTCHA")
    raise SignedOutError(section.id, "dom")


def _label(page: Page, spec: Spec) -> str | None:
    """The switcher label's text, kept in the capture for a person; the reader checks the saved HTML."""
    for key in ("marketplace_regional", "marketplace_label"):
        label = page.locator(spec.signin.selectors[key]).first
        try:
            text = squash(label.text_content(timeout=1000) or "") if label.count() else ""
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


def _click_next(
    page: Page, section: SectionSpec, href: str, collector: _Collector, timeout_ms: int, policy: RetryPolicy
) -> None:
    if href:
        _load(page, section, urljoin(page.url, href), timeout_ms, policy)
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


def _raw_rows(section: SectionSpec, exchange: Exchange) -> list[str] | None:
    """The rows of a data call's body as canonical JSON text (None where it cannot tell)."""
    if section.api is None or exchange.body is None:
        return None
    try:
        rows = resolve(json.loads(exchange.body), section.api.rows)
        return [json.dumps(r, sort_keys=True) for r in rows] if isinstance(rows, list) else None
    except (ValueError, RecursionError, TypeError):
        return None


def _nothing_new(section: SectionSpec, capture: SectionCapture, fetched: Exchange) -> bool:
    """True when a page the walk asked for itself holds no row the earlier pages did not (an empty page, or an
    endpoint that ignores the page number, pages by a key the spec does not declare, and repeats itself)."""
    rows = _raw_rows(section, fetched)
    if rows is None:
        return False
    known = {r for x in capture.exchanges("rows") for r in (_raw_rows(section, x) or [])}
    return not set(rows) - known


def _last_rows(capture: SectionCapture) -> Exchange | None:
    ok = [x for x in capture.exchanges("rows") if x.ok]
    return ok[-1] if ok else None


def _replay(
    page: Page, section: SectionSpec, last: Exchange, timeout_ms: int, policy: RetryPolicy, sleep: Sleep = time.sleep
) -> Exchange | None:
    """The page after ``last`` by repeating the page's own request, tried again on transient failures."""
    target = replay_request(section, last)
    if target is None:
        return None
    url, post = target
    return _fetch(page, url, last.method, post, timeout_ms, policy, sleep)


def _fetch(
    page: Page, url: str, method: str, post: str | None, timeout_ms: int, policy: RetryPolicy, sleep: Sleep = time.sleep
) -> Exchange:
    """The page's own (read-only) data call with ``url``/``post``, tried again on transient failures."""
    attempt = 0
    while True:
        try:
            response = page.request.fetch(
                url,
                method=method,
                data=post if method != "GET" else None,
                headers={"content-type": "application/json"} if post is not None else None,
                timeout=timeout_ms,
            )
        except PlaywrightError as exc:
            cause, transient = error_cause(exc, timeout_ms)
            pause = policy.pause_s(attempt) if transient and attempt < policy.retries else None
            if pause is None:
                tries = f" ({attempt + 1} attempts)" if attempt else ""
                return Exchange("rows", url, method, 0, None, post, replayed=True, error=cause + tries)
        else:
            if response.status not in RETRY_STATUSES:
                break
            wait = retry_after_seconds(response.headers.get("retry-after"))
            pause = policy.pause_s(attempt, wait) if attempt < policy.retries else None
            if pause is None:
                break
        sleep(pause)
        attempt += 1
    body = response.body() if 200 <= response.status < 300 else None
    error = f"{status_cause(response.status)} ({attempt + 1} attempts)" if attempt and body is None else None
    return Exchange("rows", url, method, response.status, body, post, replayed=True, error=error)


def _collect_seeded(
    page: Page,
    section: SectionSpec,
    capture: SectionCapture,
    targets: list[tuple[str, str | None]],
    method: str,
    max_pages: int,
    timeout_ms: int,
    pacer: Pacer,
    policy: RetryPolicy,
) -> None:
    """Each filtered list from its first page to its end, by the page's own request; the page limit cuts it."""
    for n, (url, post) in enumerate(targets):
        fetched: Exchange | None = _fetch(page, url, method, post, timeout_ms, policy)
        while fetched is not None:
            capture.pages.append(CapturedPage(page.url, None, [fetched]))
            if not fetched.ok:
                return  # the reader reports the failed page
            if len(capture.pages) >= max_pages:
                capture.truncated = replay_request(section, fetched) is not None or n + 1 < len(targets)
                return
            pacer.wait()
            fetched = _replay(page, section, fetched, timeout_ms, policy)


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
    retry: RetryPolicy = NO_RETRIES,
    all_json: bool = False,
    sleep: Sleep = time.sleep,
    stop: PageStop | None = None,
    seeds: PageSeeds | None = None,
) -> SectionCapture:
    """Collect every page of one section; never raises for page problems, it records them in the capture.

    Page loads and repeated data calls are tried again by themselves (``retry.retries``). A section whose
    page's own data call failed for a transient cause (HTTP 5xx or 429, a connection failure, no answer in
    time), which the walk cannot repeat alone, is collected again from its first page, up to
    ``retry.section_retries`` times after a backoff that honours the call's Retry-After. ``all_json`` keeps
    every other JSON call of the site's own host too (role "other"), for ``scraper capture`` and ``scraper
    doctor``; a run does not need them. ``stop`` (a pure judge, scraper/windows.py) is asked after each page
    with its data call whether the walk may stop there: the window's edge, or a page the history holds.
    ``seeds`` (Voice of the Customer between full passes) turns the first page's data call into the first
    requests of the page's own filtered lists, each read to its end instead of the whole list.
    """
    started = time.monotonic()
    attempt = 0
    while True:
        walk = _SectionWalk(
            page,
            spec,
            section,
            base_url,
            marketplace,
            locale,
            via_menu,
            max_pages,
            timeout_ms,
            pacer or Pacer(),
            retry,
            urlparse(base_url).netloc if all_json else None,
            stop,
            seeds,
        )
        capture, cause, retry_after_s = walk.collect_once()
        if cause is None or attempt >= retry.section_retries:
            break
        pause = retry.pause_s(attempt, retry_after_s)
        if pause is None:
            break
        sleep(pause)
        attempt += 1
    capture.attempts = attempt + 1
    capture.elapsed_ms = int((time.monotonic() - started) * 1000)
    return capture


def _in_page_failure(capture: SectionCapture) -> str | None:
    """The transient cause when a data call of the page itself failed (the walk cannot repeat it alone)."""
    for page in capture.pages:
        for x in page.exchanges:
            if x.role != "rows" or x.replayed:
                continue
            if x.status in RETRY_STATUSES:
                return status_cause(x.status)
            if x.error is not None and TOO_LARGE not in x.error:  # a body too large stays too large
                return x.error
    return None


def _problem(section: SectionSpec, exc: Exception) -> tuple[CaptureProblem, str | None]:
    """What stopped a collection, as the capture's problem, and the transient cause worth another collection."""
    if isinstance(exc, SignedOutError):
        return CaptureProblem(SectionStatus.SIGNED_OUT, str(exc)), None
    if isinstance(exc, ChallengePageError):
        return CaptureProblem(SectionStatus.CHALLENGE, str(exc)), None
    if isinstance(exc, SelectorDriftError):
        return CaptureProblem(SectionStatus.DRIFT, str(exc)), None
    if isinstance(exc, TransientPageError):
        # The page's own call stalled: only loading the page again repeats it.
        return CaptureProblem(SectionStatus.ERROR, str(exc)), exc.cause if exc.source == "api" else None
    if isinstance(exc, PageError):
        return CaptureProblem(SectionStatus.ERROR, str(exc)), None
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    # A connection lost while clicking or waiting is worth another collection; a click that timed out more
    # likely misses a control that changed (the message keeps the browser's words for that).
    return CaptureProblem(SectionStatus.ERROR, f"[{section.id}] browser: {text}"), connection_cause(text)


@dataclass
class _SectionWalk:
    """One section's collection: where it is, how far it may page, and the hooks of its reading window."""

    page: Page
    spec: Spec
    section: SectionSpec
    base_url: str
    marketplace: str
    locale: str
    via_menu: bool
    max_pages: int
    timeout_ms: int
    pacer: Pacer
    policy: RetryPolicy
    other_host: str | None = None
    stop: PageStop | None = None
    seeds: PageSeeds | None = None

    def collect_once(self) -> tuple[SectionCapture, str | None, float | None]:
        """One collection of the section: the capture, a transient cause worth another collection, Retry-After."""
        collector = _Collector(self.page, self.section, self.timeout_ms, self.other_host)
        started = time.monotonic()
        capture = SectionCapture(
            self.section.id,
            self.marketplace,
            self.locale,
            f"{self.base_url}{self.section.url}",
            started=datetime.now(UTC).isoformat(),
        )
        transient: str | None = None
        collector.attach()
        try:
            capture.requested_url = _open(
                self.page,
                self.spec,
                self.section,
                self.base_url,
                self.locale,
                self.via_menu,
                self.timeout_ms,
                self.policy,
            )
            self._pages(capture, collector)
            _late_side_calls(self.page, capture, collector)
            transient = _in_page_failure(capture)
        except (SignedOutError, ChallengePageError, SelectorDriftError, PageError, PlaywrightError) as exc:
            capture.problem, transient = _problem(self.section, exc)
        finally:
            collector.detach()
            capture.elapsed_ms = int((time.monotonic() - started) * 1000)
        return capture, transient, collector.retry_after_s

    def _pages(self, capture: SectionCapture, collector: _Collector) -> None:
        """Every page in turn: rendered ones by clicking Next, then (where the pager ends early or the spec says
        so) further pages by replaying the data call, until the list, the window or the page limit ends."""
        replaying = False
        while True:
            href: str | None = None
            if replaying:
                if not self._replayed_page(capture):
                    break
            else:
                go_on, href, replaying = self._rendered_page(capture, collector)
                if not go_on:
                    break
            if self.stop is not None and (href is not None or replaying):
                last = _last_rows(capture)
                if last is not None and last in capture.pages[-1].exchanges:
                    capture.window_stop = self.stop(last)
                    if capture.window_stop is not None:
                        break
            if len(capture.pages) >= self.max_pages:
                last = _last_rows(capture)
                capture.truncated = href is not None or (
                    replaying and last is not None and replay_request(self.section, last) is not None
                )
                break
            self.pacer.wait()
            if href is not None:
                _click_next(self.page, self.section, href, collector, self.timeout_ms, self.policy)

    def _replayed_page(self, capture: SectionCapture) -> bool:
        """Fetch the next page by replaying the last data call; False when the list ends here."""
        last = _last_rows(capture)
        fetched = _replay(self.page, self.section, last, self.timeout_ms, self.policy) if last is not None else None
        if fetched is None:
            return False
        probing = capture.pager_probe and capture.pages[-1].html is not None
        if probing and _nothing_new(self.section, capture, fetched):
            # The list ended with a full page (the pager was right), or this endpoint cannot be paged by
            # its page number alone: either way the probe learnt nothing, and says nothing.
            capture.pager_probe = False
            return False
        capture.pages.append(CapturedPage(self.page.url, None, [fetched]))
        return fetched.ok  # the reader reports a failed page; asking again for the same page loops

    def _rendered_page(self, capture: SectionCapture, collector: _Collector) -> tuple[bool, str | None, bool]:
        """Snapshot the page shown: (go on, the Next control's href, replay from here on)."""
        section = self.section
        t0 = time.monotonic()
        ready = _wait_ready(self.page, self.spec, section, collector, self.timeout_ms)
        expand_groups(self.page, section, self.timeout_ms)
        html = snapshot(self.page, self.spec)
        elapsed = int((time.monotonic() - t0) * 1000)
        captured = CapturedPage(self.page.url, html, collector.take(), _label(self.page, self.spec), elapsed, ready)
        capture.pages.append(captured)
        calls = [x for x in captured.exchanges if x.role == "rows"]
        if calls and not any(x.ok for x in calls):
            return False, None, False  # the page's data call failed: paging on would only repeat the failure
        first = _last_rows(capture) if self.seeds is not None else None
        if self.seeds is not None and first is not None:
            # A big account's nightly read: the filtered lists instead of the whole one.
            capture.window_stop = "filter"
            _collect_seeded(
                self.page,
                section,
                capture,
                self.seeds(first),
                first.method,
                self.max_pages,
                self.timeout_ms,
                self.pacer,
                self.policy,
            )
            return False, None, False
        href = _next_href(self.page, section)
        if href is not None:
            return True, href, False
        paging = section.api.paging if section.api else None
        last = _last_rows(capture)
        if paging is None or last is None:
            return False, None, False
        if not paging.replay:
            # No Next control, yet the page's data call came back full and did not say it was the
            # last: a pager selector that no longer matches would end the list here in silence (a
            # false green). Ask for the next page as the page would; the reader says what happened.
            if section.dom.next_page is None or replay_request(section, last) is None:
                return False, None, False
            capture.pager_probe = True
        return True, None, True
