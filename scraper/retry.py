"""Bounded retries with exponential backoff and jitter, for page loads and the sections' data calls.

What is worth another try: a timeout, a connection that was refused, reset or dropped, an HTTP 5xx and a
429 (rate limit). Nothing else is retried: a 404, a redirect loop or a body that does not parse will not get
better by asking again, and a sign-in form is never submitted twice (only the GET that opens Seller Central
before signing in is retried). Each pause doubles from ``backoff_ms`` up to ``backoff_max_ms``, with a
random share taken off (jitter), so several runs that failed together do not come back together. A
``Retry-After`` header (seconds or an HTTP date) is honoured: the pause is at least that long, and when the
site asks for more than ``backoff_max_ms`` the tool does not ask again in this run.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response

from scraper.errors import RetryExhaustedError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""HTTP statuses that say "not now" rather than "not here": 429 and the server errors worth another try."""

# Chromium's net:: errors (page loads, the page's own calls) and Node's (APIRequestContext.fetch) that
# mean the connection failed on the way, with the words a seller reads.
_CONNECTION_WORDS: tuple[tuple[str, str], ...] = (
    ("ERR_CONNECTION_REFUSED", "connection refused"),
    ("ECONNREFUSED", "connection refused"),
    ("ERR_CONNECTION_RESET", "connection reset"),
    ("ECONNRESET", "connection reset"),
    ("ERR_CONNECTION_CLOSED", "connection closed"),
    ("ERR_EMPTY_RESPONSE", "connection closed without an answer"),
    ("ERR_CONTENT_LENGTH_MISMATCH", "connection dropped in the middle of the answer"),
    ("ERR_INCOMPLETE_CHUNKED_ENCODING", "connection dropped in the middle of the answer"),
    ("socket hang up", "connection closed without an answer"),
    ("aborted", "connection dropped in the middle of the answer"),
    ("EPIPE", "connection broken"),
    ("ERR_CONNECTION_FAILED", "connection failed"),
    ("ERR_CONNECTION_ABORTED", "connection aborted"),
    ("ERR_NETWORK_CHANGED", "the network changed"),
    ("ERR_INTERNET_DISCONNECTED", "no network"),
    ("ERR_ADDRESS_UNREACHABLE", "address unreachable"),
    ("ERR_NAME_NOT_RESOLVED", "the host name could not be resolved"),
    ("ENOTFOUND", "the host name could not be resolved"),
    ("EAI_AGAIN", "the host name could not be resolved"),
    ("ERR_TIMED_OUT", "connection timed out"),
    ("ETIMEDOUT", "connection timed out"),
    ("ERR_HTTP2_PROTOCOL_ERROR", "connection broken (HTTP/2 protocol error)"),
)

REDIRECT_LOOP = "ERR_TOO_MANY_REDIRECTS"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to try again (settings ``retries``, ``section_retries``, ``backoff_*``)."""

    retries: int = 3
    """Further attempts per request (a page load, a repeated data call) after a transient failure."""
    section_retries: int = 1
    """Further collections of a section whose page's own data call failed for a transient cause."""
    backoff_ms: int = 1000
    """The first pause; each further one doubles."""
    backoff_max_ms: int = 30000
    """No pause is longer; a Retry-After beyond it is not waited for (the next run tries again)."""

    def pause_s(self, attempt: int, retry_after_s: float | None = None) -> float | None:
        """The pause before retry number ``attempt`` (0 = the first retry) in seconds; None: do not retry.

        Exponential with jitter: a random value between half and all of ``backoff_ms * 2**attempt`` (capped),
        and never shorter than the server's Retry-After, which is refused when above the cap.
        """
        if retry_after_s is not None and retry_after_s * 1000 > self.backoff_max_ms:
            return None
        ceiling = min(self.backoff_max_ms, self.backoff_ms * 2 ** min(attempt, 30))
        pause = random.uniform(ceiling / 2, ceiling) / 1000  # spreading retries out; no security role
        if retry_after_s is not None:
            pause = max(pause, retry_after_s)
        return pause


NO_RETRIES = RetryPolicy(retries=0, section_retries=0, backoff_ms=0, backoff_max_ms=0)
"""For callers that must not retry (and for tests of a single attempt)."""


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP date); None if absent or invalid."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def connection_cause(text: str) -> str | None:
    """Words for a connection failure named in a browser or fetch error text; None when it is not one."""
    for marker, words in _CONNECTION_WORDS:
        if marker in text:
            if marker.startswith("ERR_"):
                return f"{words} (net::{marker})"
            return f"{words} ({marker})" if marker.isupper() else words
    return None


def is_timeout(text: str) -> bool:
    """Whether a Playwright error text is a timeout of its own (not a connection that timed out)."""
    return "Timeout" in text and "exceeded" in text


def error_cause(exc: PlaywrightError, timeout_ms: int) -> tuple[str, bool]:
    """(words for what went wrong, whether another try may help) for a failed page load or fetch."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if REDIRECT_LOOP in text:
        return "the URL redirects in a loop (net::ERR_TOO_MANY_REDIRECTS)", False
    if is_timeout(text):
        return f"no answer within {timeout_ms} ms (timeout)", True
    if "interrupted by another navigation" in text:
        # The browser was still busy with a page that failed before (its error page): simply go again.
        return "the page load was interrupted by another navigation", True
    cause = connection_cause(text)
    if cause is not None:
        return cause, True
    return text, False


def status_cause(status: int) -> str:
    """Words for an HTTP status worth naming."""
    if status == 429:
        return "HTTP 429 (rate limited)"
    return f"HTTP {status}"


Sleep = Callable[[float], None]


def settle(page: Page) -> None:
    """Leave a failed page load behind by opening an empty page (best effort)."""
    with contextlib.suppress(PlaywrightError):
        page.goto("about:blank", timeout=5000)


def goto(
    page: Page,
    url: str,
    *,
    timeout_ms: int,
    policy: RetryPolicy,
    retry_statuses: frozenset[int] = RETRY_STATUSES,
    sleep: Sleep = time.sleep,
) -> Response | None:
    """``page.goto`` (a GET that changes nothing), tried again after a timeout, a connection error, 5xx or 429.

    Returns the response when it is not one worth retrying (2xx, 3xx, 404 ...). Raises
    :class:`~scraper.errors.RetryExhaustedError` when the last attempt still failed: no answer (the cause
    named; a dropped connection as such even where the browser only reports the timeout it caused), or a
    5xx/429 (its status; also when a Retry-After asked for longer than ``backoff_max_ms``).
    """
    attempt = 0
    while True:
        failed: list[str] = []

        def note(request: object, failed: list[str] = failed) -> None:
            # The document's own request failing (a connection dropped mid-page) leaves goto waiting for a
            # load that never comes; remember why, so the timeout is named by its cause.
            if getattr(request, "is_navigation_request", lambda: False)() and getattr(request, "failure", None):
                failed.append(str(request.failure))  # type: ignore[attr-defined]

        page.on("requestfailed", note)
        try:
            response = page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
        except PlaywrightError as exc:
            cause, transient = error_cause(exc, timeout_ms)
            if failed and (dropped := connection_cause(failed[-1])):
                cause, transient = dropped, True
            if not transient and REDIRECT_LOOP not in cause:
                raise  # not a failure of the network or the site: the caller's own handling names it
            # A load that timed out or failed is still the browser's pending navigation (or its error page):
            # leave it, or it aborts the next one (net::ERR_ABORTED).
            settle(page)
            pause = policy.pause_s(attempt) if transient and attempt < policy.retries else None
            if pause is None:
                raise RetryExhaustedError(cause, attempt + 1) from None
        else:
            if response is None or response.status not in retry_statuses:
                return response
            wait = retry_after_seconds(response.headers.get("retry-after"))
            pause = policy.pause_s(attempt, wait) if attempt < policy.retries else None
            if pause is None:
                too_long = wait if wait is not None and wait * 1000 > policy.backoff_max_ms else None
                cause = status_cause(response.status)
                if too_long is not None:
                    cause += f", asked to wait {too_long:.0f} s (more than backoff_max_ms)"
                raise RetryExhaustedError(cause, attempt + 1, response.status, too_long)
        finally:
            page.remove_listener("requestfailed", note)
        sleep(pause)
        attempt += 1
