"""The demo Seller Central server: sign-in, sessions, the six section pages and their JSON endpoints.

Standard library HTTP only (plus pyotp for the one-time codes), bound to the loopback interface. It
mirrors the behaviour the scraper must cope with on the real site (shared/reference/seller-central.md):
signed-out requests for app pages answer 200 with the sign-in form rather than a redirect, sign-in may
ask for a CAPTCHA, an identity check and a TOTP code, accounts with several marketplaces see a picker,
and the section pages are single-page apps that fetch same-origin JSON with the session cookie.

Run it by hand with ``python -m scraper.demo.server`` (``--help`` lists the options).
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import secrets
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pyotp

from scraper.demo import pages
from scraper.demo.big import BIG_SECTIONS, BigAccount, feedback_star_counts
from scraper.demo.big import PAGE_SIZES as BIG_PAGE_SIZES
from scraper.demo.clock import real_today
from scraper.demo.data import (
    Dataset,
    FixtureMissingError,
    account_summary,
    adjust_counts,
    big_aggregates,
    feedback_aggregates,
    feedback_body,
    grow_dataset,
    load_dataset,
    page_body,
    page_token,
    token_page_body,
    voc_summary,
)
from scraper.demo.faults import (
    Fault,
    HttpFault,
    add_fault_arguments,
    catalogue,
    check_faults,
    check_rows,
    check_statuses,
    fault_options,
)
from scraper.demo.site import LOCALES, MARKETPLACES, SECTIONS, WRITE_ACTIONS, Section, labels_for, lang_of

__all__ = [
    "CAPTCHA_ANSWER",
    "CVF_CODE",
    "DEMO_EMAIL",
    "DEMO_PASSWORD",
    "DEMO_TOTP_SECRET",
    "MARKETPLACES",
    "DemoOptions",
    "DemoServer",
    "main",
]

DEMO_EMAIL = "seller@demo.example"
DEMO_PASSWORD = "demo-password"
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
"""Base32 secret of the demo account's authenticator app.

The well-known example key JBSWY3DPEHPK3PXP written twice: pyotp (2.12) refuses secrets shorter than
112 bits, and the 80-bit original is one of those.
"""
CAPTCHA_ANSWER = "DEMO42"
CVF_CODE = "123456"
"""The code the identity check "sends by e-mail"."""

STATIC_DIR = Path(__file__).resolve().parent / "static"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

SESSION_COOKIE = "session-token"
FLOW_COOKIE = "ap-signin-flow"
CLAIM_COOKIE = "ax-claim"
"""The identifier typed on /ax/claim, kept while the passkey prompt is shown (demo only)."""
DEVICE_COOKIE = "ap-remembered-device"
LOCALE_COOKIE = "lc-main"
YEAR_S = 365 * 24 * 3600

SIGNIN_PREFIXES = ("/ap/", "/ax/", "/errors/validateCaptcha", "/authorization/select-account", "/account-switcher/")
"""Paths that count as sign-in traffic for :meth:`DemoServer.sign_in_requests`."""


INTERSTITIAL_PATH = "/notices/terms-update"
"""Where the "interstitial" fault sends a section's page (an invented path, like the notice itself)."""

MOVED_SUFFIX = "V2"
"""Appended to an endpoint's path by the "endpoint_moved" fault, so the spec's url_pattern no longer matches."""

RENAMED_FIELDS: dict[str, tuple[str, str]] = {
    "notifications": ("id", "notificationId"),
    "voice_of_customer": ("asin", "listingAsin"),
    "case_log": ("caseId", "caseID"),
    "regulatory_compliance": ("reason", "violationReason"),
    "compliance_requests": ("grain", "grainId"),
    "feedback": ("numericRating", "starRating"),
}
"""The "json_field_renamed" fault: a row field the endpoint sends under a new name (old, new), which the
page's own script reads under its new name (scraper doctor finds it by the values the page shows)."""


@dataclass
class DemoOptions:
    """How the demo behaves; the fields may be changed while the server runs."""

    latency_ms: int = 0
    """Added to every response."""
    default_locale: str = "de_DE"
    """The user's language setting; ``mons_sel_locale`` overrides it."""
    marketplaces: tuple[str, ...] = ("A1PA6795UKMFR9",)
    """More than one shows the account picker after sign-in."""
    require_mfa: bool = True
    captcha: bool = False
    """Every sign-in shows a CAPTCHA page until it is solved."""
    identity_check: bool = False
    """Every sign-in shows an identity-verification page (/ap/cvf/...)."""
    claim: bool = False
    """/ap/signin sends to the identifier-first page /ax/claim, which asks for a passkey after the e-mail;
    its "sign in with another account" link leads to the password form (as seen on consumer Amazon sites)."""
    switch_fails: bool = False
    """Marketplace switches (mons_sel_mkid, the picker) are ignored: the session stays where it is, while the
    URL still carries the requested id, as when a real switch fails silently."""
    page_size: int = 5
    """Rows per page the section apps request, so that pagination is exercised (except where the real page
    asks for its own size: see :meth:`page_size_of`)."""
    data: dict[str, str] = field(default_factory=dict)
    """Section id -> fixture case name, e.g. {"feedback": "edge"}; default "<lang>-typical"."""
    empty_sections: frozenset[str] = frozenset()
    """These sections show their empty state."""
    http_status: dict[str, HttpFault] = field(default_factory=dict)
    """Path prefix -> an HTTP status every request under it answers with (500, 503, 429 ...), optionally with
    Retry-After and only the first N times (scraper.demo.faults.HttpFault). A bare status (503) or its text
    ("429:2x1") is accepted and converted."""
    faults: dict[str, Fault] = field(default_factory=dict)
    """Section id -> a fault of the catalogue (scraper.demo.faults.SECTION_FAULTS), as a Fault or its text
    ("api_hang", "slow:1500", "api_dropx1" for the first time only). Unknown names and sections are refused."""
    rows: dict[str, int] = field(default_factory=dict)
    """Section id -> how many rows it has (copies of the case's rows with new ids), to page beyond max_pages."""

    def __setattr__(self, name: str, value: Any) -> None:
        # Checked on every assignment (tests change faults while the server runs): an unknown fault name
        # must fail where it is set, not show up as a healthy page.
        if name == "faults":
            value = check_faults(value)
        elif name == "http_status":
            value = check_statuses(value)
        elif name == "rows":
            value = check_rows(value)
        super().__setattr__(name, value)

    counter_skew: dict[str, int] = field(default_factory=dict)
    """Section id -> a number added to every count Amazon sends or shows of its list (body totals, the
    regulatory summary and sub-title, the feedback aggregates' five-star counts), while the list itself stays
    as it is: positive, Amazon counts more than it lists; negative, fewer. Paging follows the real list."""
    slow_paths: dict[str, int] = field(default_factory=dict)
    """Path prefix -> milliseconds added to every request under it (a call that answers after the list)."""
    counters_missing: frozenset[str] = frozenset()
    """Sections whose pages send and show no count of their list (body totals left out, no counter text, no
    aggregates call), as a page that changed its counters would."""

    big: bool = False
    """The big account (scraper/demo/big.py): 100,000 feedback entries, 5,000 listings, 600 cases and 200
    notifications, generated a page at a time, in the real pages' own page sizes."""
    big_day: int = 0
    """Days the big account has moved on (new rows at the top, a few changed), for "the next night"; -1 is the
    account as it was yesterday (its newest rows dated yesterday)."""
    today: date | None = None
    """The demo's today, the day its data is dated relative to (scraper/demo/clock.py); None: the real UTC date.
    Set it for a test that needs the same dates on any day."""

    def demo_today(self) -> date:
        """The day the demo's dates count back from."""
        return self.today or real_today()

    def page_size_of(self, section_id: str) -> int:
        """Rows per page the app of this section requests: the real page's own size where known (the case
        lobby asks for 10), else ``page_size``."""
        if self.big and section_id in BIG_PAGE_SIZES:
            return BIG_PAGE_SIZES[section_id]
        return SECTIONS[section_id].page_size or self.page_size


@dataclass
class _Flow:
    """A sign-in in progress, between a correct password and the session."""

    email: str
    return_to: str
    remember_me: bool
    captcha_done: bool = False
    cvf_done: bool = False
    mfa_done: bool = False


@dataclass
class _Session:
    marketplace: str
    locale: str | None = None
    """The language picked with mons_sel_locale in this session, if any."""
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))


@dataclass
class _Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def html(cls, text: str, status: int = 200) -> _Response:
        return cls(status, text.encode("utf-8"))

    @classmethod
    def json(cls, document: Any, status: int = 200) -> _Response:
        return cls(status, json.dumps(document, ensure_ascii=False).encode("utf-8"), "application/json;charset=UTF-8")

    @classmethod
    def redirect(cls, location: str) -> _Response:
        return cls(302, b"", headers=[("Location", location)])

    def cookie(self, name: str, value: str, *, http_only: bool = True, max_age: int | None = None) -> _Response:
        morsel = SimpleCookie()
        morsel[name] = value
        morsel[name]["path"] = "/"
        morsel[name]["samesite"] = "Lax"
        if http_only:
            morsel[name]["httponly"] = True
        if max_age is not None:
            morsel[name]["max-age"] = max_age
        self.headers.append(("Set-Cookie", morsel[name].OutputString()))
        return self


def _parse_cookies(header: str | None) -> dict[str, str]:
    """Cookies of a request; tolerant of values SimpleCookie would reject (browsers send anything)."""
    cookies: dict[str, str] = {}
    for part in (header or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            cookies.setdefault(name, value.strip('"'))
    return cookies


def _normal_locale(value: str | None) -> str | None:
    """de_DE or en_US for any German or English tag; None for anything else."""
    if not value:
        return None
    lowered = value.replace("-", "_").lower()
    if lowered.startswith("de"):
        return "de_DE"
    if lowered.startswith("en"):
        return "en_US"
    return None


def _pack(text: str) -> str:
    """A cookie-safe form of ``text`` (browsers and SimpleCookie disagree on quoting "@" and friends)."""
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii")


def _unpack(value: str) -> str:
    try:
        return base64.urlsafe_b64decode(value.encode("ascii")).decode("utf-8")
    except (ValueError, UnicodeError):
        return ""


def _marketplace_id(value: str) -> str:
    """The bare id of "A1PA6795UKMFR9" or "amzn1.mp.o.A1PA6795UKMFR9"."""
    return value.rsplit(".", 1)[-1]


def _without_param(path: str, name: str) -> str:
    parts = urlsplit(path)
    query = [(k, v) for k, v in parse_qs(parts.query, keep_blank_values=True).items() if k != name]
    return urlunsplit(("", "", parts.path, urlencode(query, doseq=True), ""))


def _with_param(path: str, name: str, value: str) -> str:
    parts = urlsplit(path)
    query = {k: v for k, v in parse_qs(parts.query, keep_blank_values=True).items() if k != name}
    query[name] = [value]
    return urlunsplit(("", "", parts.path, urlencode(query, doseq=True), ""))


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    demo: DemoServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet when the browser hung up first (a fault's doing, or a walk that gave up waiting)."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """One request; all state lives in the DemoServer."""

    server: _HTTPServer
    server_version = "Server"  # the real site does not advertise its software either
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet by default; ``--verbose`` on the command line turns the access log on."""
        if self.server.demo.verbose:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    def do_GET(self) -> None:
        """Serve a GET."""
        self._handle("GET")

    def do_POST(self) -> None:
        """Serve a POST."""
        self._handle("POST")

    def _handle(self, method: str) -> None:
        demo = self.server.demo
        demo._record(method, self.path)
        latency = demo.options.latency_ms
        latency += next((ms for prefix, ms in demo.options.slow_paths.items() if self.path.startswith(prefix)), 0)
        if latency > 0:
            time.sleep(latency / 1000)
        body = b""
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
        fault = demo._fault_for(method, self.path)
        if fault is not None and fault.name in {"hang", "api_hang"}:
            # Never answer: hold the request (bounded; stop() releases it), then close without a word.
            demo._stopping.wait(fault.value)
            self.close_connection = True
            return
        if fault is not None and fault.name == "slow":
            time.sleep((fault.value or 0) / 1000)
        forced = next(
            (f for prefix, f in demo.options.http_status.items() if self.path.startswith(prefix) and f.fire()), None
        )
        try:
            if forced is not None:
                raise _Forced(forced)
            # The "endpoint_moved" fault serves every endpoint under a renamed path as well.
            route, sep, query = self.path.partition("?")
            path = route.removesuffix(MOVED_SUFFIX) + sep + query
            request = _Request(demo, method, path, self.headers.get("Cookie"), self.headers.get("Host"), body)
            response = request.page_fault(fault) if fault is not None else None
            if response is None:
                response = request()
        except _Forced as forced_status:
            response = forced_status.response()
        except Exception as exc:  # a demo bug must show as a 500 page, not as a dropped connection
            response = _Response.html(f"<h1>500</h1><pre>{type(exc).__name__}: {exc}</pre>", 500)
            if demo.verbose:
                traceback.print_exc()
        if fault is not None and fault.kind.target == "api" and forced is None:
            response = _api_fault(response, fault)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if fault is not None and fault.name == "api_drop":
            # Half the announced body, then the connection goes away, as a proxy or a crashed worker does.
            self.wfile.write(response.body[: len(response.body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.wfile.write(response.body)


HUGE_KEY = "demoPadding"


def _api_fault(response: _Response, fault: Fault) -> _Response:
    """The data call's answer as the fault spoils it (only a successful JSON answer is spoiled)."""
    if response.status != 200 or "json" not in response.content_type:
        return response
    if fault.name == "api_truncated":
        response.body = response.body[: len(response.body) // 2]
    elif fault.name == "api_malformed":
        response.body = b"<html><body><h1>Service temporarily unavailable</h1></body></html>"
    elif fault.name == "api_huge":
        # The same rows, plus a filler field: the body is large, its records are the usual ones.
        size = (fault.value or 0) * 1_000_000
        pad = b',"' + HUGE_KEY.encode() + b'":"' + b"x" * max(0, size - len(response.body)) + b'"}'
        response.body = response.body.rstrip()[:-1] + pad
    return response


class _Forced(Exception):
    """A status the demo was told to answer with (DemoOptions.http_status)."""

    def __init__(self, fault: HttpFault) -> None:
        super().__init__(fault.status)
        self.fault = fault

    def response(self) -> _Response:
        code = self.fault.status
        word = {429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}.get(code, "Error")
        response = _Response.html(f"<h1>{code}</h1><p>{word}</p>", code)
        if self.fault.retry_after is not None:
            response.headers.append(("Retry-After", self.fault.retry_after))
        return response


class _Request:
    """Routing and page logic of one request."""

    def __init__(
        self, demo: DemoServer, method: str, raw_path: str, cookie_header: str | None, host: str | None, body: bytes
    ) -> None:
        self.demo, self.options, self.method = demo, demo.options, method
        parts = urlsplit(raw_path)
        self.raw_path = raw_path
        self.path = parts.path
        self.query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.cookies = _parse_cookies(cookie_header)
        self.host = host or ""
        self.body = body
        self.session_token = self.cookies.get(SESSION_COOKIE, "")
        self.session = demo._session(self.session_token)

    # --- helpers -----------------------------------------------------------------------------------------

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True).items()}

    def locale(self) -> str:
        """The UI language: this request's mons_sel_locale, the session's choice, the cookie, the user's setting."""
        return (
            _normal_locale(self.query.get("mons_sel_locale"))
            or (self.session.locale if self.session else None)
            or _normal_locale(self.cookies.get(LOCALE_COOKIE))
            or _normal_locale(self.options.default_locale)
            or LOCALES[0]
        )

    def signin_locale(self) -> str:
        return (
            _normal_locale(self.query.get("language"))
            or _normal_locale(self.cookies.get(LOCALE_COOKIE))
            or _normal_locale(self.options.default_locale)
            or LOCALES[0]
        )

    def safe_return(self, value: str | None) -> str:
        """A same-site path to go back to after sign-in; anything else becomes /home."""
        if not value:
            return "/home"
        parts = urlsplit(value)
        if parts.scheme or parts.netloc:
            if parts.netloc != self.host:
                return "/home"
            value = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        if not value.startswith("/") or value.startswith("//") or "\\" in value:
            return "/home"
        return value

    def flow(self) -> _Flow | None:
        return self.demo._flow(self.cookies.get(FLOW_COOKIE, ""))

    def signed_out(self, return_to: str | None = None) -> _Response:
        """What the real SPA paths answer without a session: 200 and the sign-in form."""
        locale = self.signin_locale()
        target = self.safe_return(return_to or (self.raw_path if self.method == "GET" else "/home"))
        if self.options.claim:
            # This variant sends the browser through /ap/signin, which forwards to /ax/claim.
            return _Response.redirect("/ap/signin?" + urlencode({"openid.return_to": target}))
        return _Response.html(pages.signin_email_page(lang_of(locale), locale, target))

    # --- faults ------------------------------------------------------------------------------------------

    def render_fault(self, section_id: str) -> str | None:
        """The fault static/app.js acts out on the section's page (markup_changed, ...), if any."""
        fault = self.options.faults.get(section_id)
        return fault.name if fault is not None and fault.kind.target == "render" else None

    def page_fault(self, fault: Fault) -> _Response | None:
        """The answer a page fault gives instead of the section's page; None to serve the page as usual."""
        if fault.name == "session_expired":
            # The session ends on this request: the page answers as for anyone signed out.
            self.demo._drop_session(self.session_token)
            self.session = None
        elif fault.name == "captcha":
            return _Response.html(pages.captcha_page(lang_of(self.signin_locale()), self.signin_locale()))
        elif fault.name == "interstitial":
            return _Response.redirect(INTERSTITIAL_PATH + "?" + urlencode({"returnTo": self.raw_path}))
        elif fault.name == "redirect_loop":
            return _Response.redirect(self.raw_path)
        return None

    def interstitial(self) -> _Response:
        """A notice that is neither a section nor sign-in (invented wording; no marker the spec knows)."""
        locale = self.locale()
        return _Response.html(
            pages.interstitial_page(lang_of(locale), locale, self.safe_return(self.query.get("returnTo")))
        )

    # --- routing -----------------------------------------------------------------------------------------

    def __call__(self) -> _Response:
        path, method = self.path, self.method
        if path.startswith("/demo-static/"):
            return self.static(path.removeprefix("/demo-static/"))
        if path == "/favicon.ico":
            return _Response(204, content_type="image/x-icon")
        if path.startswith("/demo-write/") and method == "POST":
            return self.write_action(path.removeprefix("/demo-write/"))
        if path == "/":
            if self.session:
                return _Response.redirect("/home")
            return _Response.redirect("/ap/signin?" + urlencode({"openid.return_to": "/home"}))
        auth = {
            "/ap/signin": self.signin,
            "/ax/claim": self.claim,
            "/account-switcher/default/merchantMarketplace": self.picker,
            "/ap/signout": self.signout,
            "/errors/validateCaptcha": self.captcha,
            "/ap/cvf/verify": self.cvf,
            "/ap/mfa": self.mfa,
            "/authorization/select-account": self.picker,
        }
        if path in auth:
            return auth[path]()
        if path == INTERSTITIAL_PATH:
            return self.interstitial()
        if path.startswith("/ap/cvf"):
            return _Response.redirect("/ap/cvf/verify")
        if path == SECTIONS["regulatory_compliance"].endpoint:
            return self.api_regulatory()
        if path == urlsplit(SECTIONS["regulatory_compliance"].extra["summary"]).path:
            return self.api_account_summary()
        for section in SECTIONS.values():
            if path == section.endpoint:
                return self.api(section)
        if path == SECTIONS["voice_of_customer"].extra["summary"]:
            return self.api_summary()
        if path == urlsplit(SECTIONS["feedback"].extra["counters"]).path:
            return self.api_aggregates()
        if method != "GET":
            return _Response.json({"message": "Not Found"}, 404) if self.session else self.signed_out()
        return self.app_page()

    def static(self, name: str) -> _Response:
        if name == "captcha.svg":
            return _Response(200, pages.captcha_svg().encode(), "image/svg+xml")
        types = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
        file = STATIC_DIR / name
        if "/" in name or file.suffix not in types or not file.is_file():
            return _Response(404, b"not found", "text/plain")
        return _Response(200, file.read_bytes(), types[file.suffix])

    def write_action(self, action: str) -> _Response:
        self.demo._record_write(action)
        return _Response.json({"status": "RECORDED", "message": "Demo: nothing was sent or changed."})

    # --- sign-in -----------------------------------------------------------------------------------------

    def signin(self) -> _Response:
        locale = self.signin_locale()
        lang = lang_of(locale)
        if self.method == "GET":
            return_to = self.safe_return(self.query.get("openid.return_to"))
            if self.options.claim and not self.query.get("claimSkip"):
                return _Response.redirect("/ax/claim?" + urlencode({"openid.return_to": return_to}))
            claimed = _unpack(self.cookies.get(CLAIM_COOKIE, "")) if self.query.get("claimSkip") else ""
            if claimed:
                return _Response.html(pages.signin_password_page(lang, locale, claimed, return_to))
            return _Response.html(pages.signin_email_page(lang, locale, return_to))
        form = self.form()
        return_to = self.safe_return(form.get("openid.return_to"))
        email = form.get("email", "").strip()
        if "password" not in form:
            if not email:
                return _Response.html(pages.signin_email_page(lang, locale, return_to, pages.TEXT[lang]["no_email"]))
            return _Response.html(pages.signin_password_page(lang, locale, email, return_to))
        if email.lower() != DEMO_EMAIL or form["password"] != DEMO_PASSWORD:
            return _Response.html(
                pages.signin_password_page(lang, locale, email, return_to, pages.TEXT[lang]["bad_password"])
            )
        flow = _Flow(email=DEMO_EMAIL, return_to=return_to, remember_me=bool(form.get("rememberMe")))
        token = self.demo._new_flow(flow)
        return self.next_step(flow, token)

    def claim(self) -> _Response:
        """The identifier-first page: e-mail first, then a passkey prompt with a way out to the password."""
        locale = self.signin_locale()
        lang = lang_of(locale)
        if self.method == "GET":
            return_to = self.safe_return(self.query.get("openid.return_to"))
            return _Response.html(pages.claim_page(lang, locale, return_to))
        form = self.form()
        return_to = self.safe_return(form.get("openid.return_to"))
        email = form.get("email", "").strip()
        if not email:
            return _Response.html(pages.claim_page(lang, locale, return_to, pages.TEXT[lang]["no_email"]))
        response = _Response.html(pages.passkey_page(lang, locale, email, return_to))
        return response.cookie(CLAIM_COOKIE, _pack(email))

    def next_step(self, flow: _Flow, token: str | None = None) -> _Response:
        """The next challenge this sign-in still owes, or the session when none is left."""
        if self.options.captcha and not flow.captcha_done:
            response = _Response.redirect("/errors/validateCaptcha")
        elif self.options.identity_check and not flow.cvf_done:
            response = _Response.redirect("/ap/cvf/verify")
        elif (
            self.options.require_mfa
            and not flow.mfa_done
            and not self.demo._device_known(self.cookies.get(DEVICE_COOKIE, ""))
        ):
            response = _Response.redirect("/ap/mfa")
        else:
            return self.finish(flow)
        if token is not None:
            response.cookie(FLOW_COOKIE, token)
        return response

    def finish(self, flow: _Flow) -> _Response:
        marketplaces = self.options.marketplaces
        requested = parse_qs(urlsplit(flow.return_to).query).get("mons_sel_mkid", [""])[-1]
        start = _marketplace_id(requested) if _marketplace_id(requested) in marketplaces else marketplaces[0]
        token = self.demo._new_session(_Session(marketplace=start))
        self.demo._drop_flow(self.cookies.get(FLOW_COOKIE, ""))
        if len(marketplaces) > 1:
            target = "/authorization/select-account?" + urlencode(
                {"returnTo": _without_param(flow.return_to, "mons_sel_mkid"), "mons_redirect": "remedy_url"}
            )
        else:
            target = flow.return_to
        max_age = YEAR_S if flow.remember_me else None
        response = _Response.redirect(target)
        response.cookie(SESSION_COOKIE, token, max_age=max_age)
        response.cookie("sess-at-main", secrets.token_urlsafe(24), max_age=max_age)
        response.cookie("at-main", secrets.token_urlsafe(32), max_age=max_age)
        response.cookie(
            "session-id",
            f"262-{secrets.randbelow(10**7):07d}-{secrets.randbelow(10**7):07d}",
            http_only=False,
            max_age=max_age,
        )
        response.cookie(
            "ubid-main",
            f"131-{secrets.randbelow(10**7):07d}-{secrets.randbelow(10**7):07d}",
            http_only=False,
            max_age=YEAR_S,
        )
        response.cookie(FLOW_COOKIE, "", max_age=0)
        return response

    def signout(self) -> _Response:
        self.demo._drop_session(self.session_token)
        response = _Response.redirect("/ap/signin?" + urlencode({"openid.return_to": "/home"}))
        return response.cookie(SESSION_COOKIE, "", max_age=0)

    def _flow_or_restart(self) -> _Flow | _Response:
        flow = self.flow()
        if flow is None:
            return _Response.redirect("/ap/signin?" + urlencode({"openid.return_to": "/home"}))
        return flow

    def captcha(self) -> _Response:
        flow = self._flow_or_restart()
        if isinstance(flow, _Response):
            return flow
        locale = self.signin_locale()
        lang = lang_of(locale)
        if self.method == "GET":
            return _Response.html(pages.captcha_page(lang, locale))
        if self.form().get("guess", "").strip().upper() != CAPTCHA_ANSWER:
            return _Response.html(pages.captcha_page(lang, locale, pages.TEXT[lang]["captcha_wrong"]))
        flow.captcha_done = True
        return self.next_step(flow)

    def cvf(self) -> _Response:
        flow = self._flow_or_restart()
        if isinstance(flow, _Response):
            return flow
        locale = self.signin_locale()
        lang = lang_of(locale)
        if self.method == "GET":
            return _Response.html(pages.cvf_page(lang, locale, flow.email))
        if self.form().get("code", "").strip() != CVF_CODE:
            return _Response.html(pages.cvf_page(lang, locale, flow.email, pages.TEXT[lang]["cvf_wrong"]))
        flow.cvf_done = True
        return self.next_step(flow)

    def mfa(self) -> _Response:
        flow = self._flow_or_restart()
        if isinstance(flow, _Response):
            return flow
        locale = self.signin_locale()
        lang = lang_of(locale)
        if self.method == "GET":
            return _Response.html(pages.mfa_page(lang, locale))
        form = self.form()
        code = "".join(form.get("otpCode", "").split())
        if not (code.isdigit() and pyotp.TOTP(DEMO_TOTP_SECRET).verify(code, valid_window=1)):
            return _Response.html(pages.mfa_page(lang, locale, pages.TEXT[lang]["mfa_wrong"]))
        flow.mfa_done = True
        response = self.next_step(flow)
        if form.get("rememberDevice"):
            response.cookie(DEVICE_COOKIE, self.demo._new_device(), max_age=YEAR_S)
        return response

    def picker(self) -> _Response:
        if self.session is None:
            return self.signed_out("/home")
        locale = self.locale()
        marketplaces = self.options.marketplaces
        if self.method == "GET":
            return_to = self.safe_return(self.query.get("returnTo"))
            return _Response.html(
                pages.picker_page(lang_of(locale), locale, marketplaces, self.session.marketplace, return_to)
            )
        form = self.form()
        return_to = self.safe_return(form.get("returnTo"))
        mkid = _marketplace_id(form.get("mkid", ""))
        if mkid not in marketplaces:
            page = pages.picker_page(lang_of(locale), locale, marketplaces, self.session.marketplace, return_to)
            return _Response.html(page, 400)
        if not self.options.switch_fails:
            self.session.marketplace = mkid
        return _Response.redirect(_with_param(return_to, "mons_sel_mkid", mkid))

    # --- signed-in pages ---------------------------------------------------------------------------------

    def app_page(self) -> _Response:
        if self.session is None:
            return self.signed_out()
        session = self.session
        response = _Response()
        chosen = _normal_locale(self.query.get("mons_sel_locale"))
        if chosen:
            session.locale = chosen
            response.cookie(LOCALE_COOKIE, chosen, http_only=False, max_age=YEAR_S)
        mkid = _marketplace_id(self.query.get("mons_sel_mkid", ""))
        if mkid in self.options.marketplaces and not self.options.switch_fails:
            session.marketplace = mkid
        locale = self.locale()
        lang = lang_of(locale)
        section = next((s for s in SECTIONS.values() if self.is_page_of(s)), None)
        if self.path == "/home":
            title, content, config = pages.TEXT[lang]["home_title"], pages.home_content(lang), None
        elif section is not None:
            title, content, config = (
                section.title[lang],
                pages.section_content(lang, section),
                self.app_config(section, locale),
            )
        else:
            title, content, config = pages.TEXT[lang]["missing_title"], pages.missing_content(lang), None
            response.status = 404
        response.body = pages.shell_page(
            lang, locale, session.marketplace, self.options.marketplaces, title, content, session.csrf, config
        ).encode("utf-8")
        return response

    def is_page_of(self, section: Section) -> bool:
        """Whether this request is the section's page: its path, and the query its URL names (a page tab)."""
        parts = urlsplit(section.url)
        wanted = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        return parts.path == self.path and all(self.query.get(k) == v for k, v in wanted.items())

    def app_config(self, section: Section, locale: str) -> dict[str, Any]:
        """What static/app.js needs to know to fetch and render a section."""
        lang = lang_of(locale)
        return {
            "section": section.id,
            "locale": locale,
            "lang": lang,
            "pageSize": self.options.page_size_of(section.id),
            "endpoint": section.endpoint + (MOVED_SUFFIX if self.render_fault(section.id) == "endpoint_moved" else ""),
            "method": section.method,
            "params": section.params,
            "paging": {
                "where": section.paging.where,
                "pageParam": section.paging.page_param,
                "start": section.paging.start,
                "sizeParam": section.paging.size_param,
                "unit": section.paging.unit,
                "tokenParam": section.paging.token,
            },
            "rows": section.rows,
            "total": section.total,
            "summary": section.extra.get("summary"),
            "counters": None if section.id in self.options.counters_missing else section.extra.get("counters"),
            "showCounts": section.id not in self.options.counters_missing,
            "countSkew": self.options.counter_skew.get(section.id, 0),
            "labels": labels_for(lang),
            "fault": self.render_fault(section.id),
            "renamed": RENAMED_FIELDS[section.id]
            if self.render_fault(section.id) == "json_field_renamed"
            else None,
            "writeLabels": {action: pair[0 if lang == "de" else 1] for action, pair in WRITE_ACTIONS.items()},
        }

    # --- JSON endpoints ----------------------------------------------------------------------------------

    def _case(self, section_id: str) -> str:
        return self.options.data.get(section_id) or f"{lang_of(self.locale())}-typical"

    def _dataset(self, section: Section, case: str) -> Dataset:
        """The case's rows, grown to DemoOptions.rows where a row count is set."""
        dataset = load_dataset(section, case, self.options.demo_today())
        if self.options.big and section.id in BIG_SECTIONS:
            big = BigAccount(self.options.big_day, self.options.today)
            return Dataset(big.rows(section.id), dataset.body)  # type: ignore[arg-type]
        count = self.options.rows.get(section.id)
        return dataset if count is None else grow_dataset(section.id, dataset, count)

    def api(self, section: Section) -> _Response:
        if self.session is None:
            return self.signed_out("/home")
        if self.method != section.method:
            return _Response.json({"message": f"{self.method} not allowed"}, 405)
        params: dict[str, Any] = self.query
        if section.paging.where == "body":
            try:
                params = json.loads(self.body or b"{}")
            except json.JSONDecodeError:
                return _Response.json({"message": "malformed JSON body"}, 400)
            if not isinstance(params, dict):
                return _Response.json({"message": "the body must be a JSON object"}, 400)
        try:
            page_value = int(params.get(section.paging.page_param, section.paging.start))
            size = int(params.get(section.paging.size_param, self.options.page_size_of(section.id)))
        except (TypeError, ValueError):
            return _Response.json({"message": "page and size must be whole numbers"}, 400)
        size = max(1, min(size, 1000))
        case = self._case(section.id)
        try:
            dataset = self._dataset(section, case)
        except FixtureMissingError as exc:
            return _Response.json({"message": str(exc)}, 404)
        empty = section.id in self.options.empty_sections
        health = params.get("pcxHealth") if section.id == "voice_of_customer" else None
        if health:  # the page's own filter (seen as a query parameter: VERY_POOR, POOR)
            dataset = Dataset([r for r in dataset.rows if r.get("pcxHealth") == health], dataset.body)
        if section.id == "feedback":
            last_key = str(params.get("lastEvaluatedKey") or "")
            body, total = feedback_body(section, dataset, page_value, size, empty, last_key)
        else:
            body, total = page_body(section, dataset, page_value, size, empty)
        body = adjust_counts(
            section.id, body, self.options.counter_skew.get(section.id, 0), section.id in self.options.counters_missing
        )
        if self.render_fault(section.id) == "json_field_renamed":
            old_name, new_name = RENAMED_FIELDS[section.id]
            rows: Any = body
            for part in section.rows.split("."):
                rows = rows.get(part) if isinstance(rows, dict) else None
            for row in rows or []:
                if isinstance(row, dict) and old_name in row:
                    row[new_name] = row.pop(old_name)
        response = _Response.json(body)
        # Not every real endpoint reports a total; the demo app needs one to know where the last page is.
        response.headers.append(("X-Demo-Total-Count", str(total)))
        return response

    def _summary_of(self, section_id: str, build: Callable[[str, Dataset, bool, date], Any]) -> _Response:
        """A summary endpoint's body, built from the section's case like its rows."""
        if self.session is None:
            return self.signed_out("/home")
        section = SECTIONS[section_id]
        case = self._case(section.id)
        empty = section.id in self.options.empty_sections
        try:
            dataset = self._dataset(section, case)
            return _Response.json(build(case, dataset, empty, self.options.demo_today()))
        except FixtureMissingError as exc:
            return _Response.json({"message": str(exc)}, 404)

    def api_summary(self) -> _Response:
        """/pcrHealth/pcrKpi: the Voice of the Customer health tiles."""
        return self._summary_of("voice_of_customer", voc_summary)

    def api_regulatory(self) -> _Response:
        """The product-policies pagination endpoint: POST, body {}, offset/pageSize/nextPageToken in the query."""
        section = SECTIONS["regulatory_compliance"]
        if self.session is None:
            return self.signed_out("/home")
        if self.method != section.method:
            return _Response.json({"message": f"{self.method} not allowed"}, 405)
        try:
            document = json.loads(self.body or b"{}")
        except json.JSONDecodeError:
            return _Response.json({"message": "malformed JSON body"}, 400)
        if not isinstance(document, dict):
            return _Response.json({"message": "the body must be a JSON object"}, 400)
        paging = section.paging
        try:
            offset = int(self.query.get(paging.page_param, paging.start))
            size = int(self.query.get(paging.size_param, self.options.page_size))
        except ValueError:
            return _Response.json({"message": "offset and pageSize must be whole numbers"}, 400)
        size = max(1, min(size, 1000))
        assert paging.token is not None
        if offset > 0 and self.query.get(paging.token) != page_token(offset):
            # Like the live call, a later page needs the token the previous body handed out.
            return _Response.json({"message": "nextPageToken does not belong to this offset"}, 400)
        if self.query.get("metricNames") != section.params["metricNames"]:
            return _Response.json({section.rows: [], paging.token: None})  # the other tabs: none in the demo
        case = self._case(section.id)
        try:
            dataset = self._dataset(section, case)
        except FixtureMissingError as exc:
            return _Response.json({"message": str(exc)}, 404)
        empty = section.id in self.options.empty_sections
        body, total = token_page_body(section, dataset, offset, size, empty)
        response = _Response.json(body)
        response.headers.append(("X-Demo-Total-Count", str(total)))
        return response

    def api_account_summary(self) -> _Response:
        """/performance/api/summary, cut to what the regulatory tab uses (its listingLevelMetrics)."""
        sid = "regulatory_compliance"
        skew, missing = self.options.counter_skew.get(sid, 0), sid in self.options.counters_missing

        def build(case: str, data: Dataset, empty: bool, today: date) -> Any:
            return adjust_counts(sid, account_summary(case, data, empty, today), skew, missing)

        return self._summary_of(sid, build)

    def api_aggregates(self) -> _Response:
        """/fbmapi/v1/aggregates: Feedback Manager's star counts per period, counted from the case's rows today."""
        sid = "feedback"
        if sid in self.options.counters_missing and self.session is not None:
            return _Response.json({"message": "Not Found"}, 404)
        skew = self.options.counter_skew.get(sid, 0)
        today = self.options.demo_today()
        if self.options.big and self.session is not None:
            counts = feedback_star_counts(self.options.big_day, today)
            return _Response.json(big_aggregates(counts, skew))
        return self._summary_of(sid, lambda _c, data, empty, _t: feedback_aggregates(data, today, empty, skew))


class DemoServer:
    """The demo Seller Central on a free loopback port; use as a context manager or start()/stop()."""

    def __init__(
        self,
        options: DemoOptions | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if host not in LOOPBACK:
            raise ValueError(f"the demo only listens on the loopback interface, not {host!r}")
        self.options = options or DemoOptions()
        self.host, self.port = host, port
        self.base_url = ""
        self.verbose = False
        self.request_log: list[tuple[str, str]] = []
        """(method, path with query) of every request, in arrival order."""
        self._lock = threading.Lock()
        self._writes: list[str] = []
        self._sessions: dict[str, _Session] = {}
        self._flows: dict[str, _Flow] = {}
        self._devices: set[str] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        """Set by stop(): releases requests held by a "hang" fault."""

    # --- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> str:
        """Start serving in a background thread; returns the base URL ("http://127.0.0.1:PORT")."""
        if self._httpd is not None:
            return self.base_url
        self._stopping.clear()
        httpd = _HTTPServer((self.host, self.port), _Handler)
        httpd.demo = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.base_url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="demo-seller-central", daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and close the port; safe to call twice."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- what tests look at ------------------------------------------------------------------------------

    def sign_in_requests(self) -> int:
        """How many requests went to the sign-in pages (/ap/*, the CAPTCHA) or the account picker."""
        with self._lock:
            return sum(1 for _, path in self.request_log if path.startswith(SIGNIN_PREFIXES))

    def write_actions(self) -> list[str]:
        """Every write the pages were asked to do (reply, appeal, submit, ...), in order."""
        with self._lock:
            return list(self._writes)

    def expire_sessions(self) -> None:
        """Make every existing session cookie invalid, as when Amazon ends sessions."""
        with self._lock:
            self._sessions.clear()
            self._flows.clear()

    # --- state, for the handler --------------------------------------------------------------------------

    def _fault_for(self, method: str, raw_path: str) -> Fault | None:
        """The section fault that applies to this request (its use counted), if any.

        Page faults act on a GET of the section's page path, data-call faults on its rows endpoint (also
        under the "endpoint_moved" name); faults the browser acts out (render) are not the server's.
        """
        path = urlsplit(raw_path).path
        for section_id, fault in self.options.faults.items():
            section = SECTIONS[section_id]
            target = fault.kind.target
            is_page = method == "GET" and path == urlsplit(section.url).path
            is_api = path in {section.endpoint, section.endpoint + MOVED_SUFFIX}
            applies = (
                (target in {"page", "both"} and is_page) or (target in {"api", "both"} and is_api)
            )
            if applies and fault.fire():
                return fault
        return None

    def _record(self, method: str, path: str) -> None:
        with self._lock:
            self.request_log.append((method, path))

    def _record_write(self, action: str) -> None:
        with self._lock:
            self._writes.append(action)

    def _session(self, token: str) -> _Session | None:
        with self._lock:
            return self._sessions.get(token) if token else None

    def _new_session(self, session: _Session) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[token] = session
        return token

    def _drop_session(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)

    def _flow(self, token: str) -> _Flow | None:
        with self._lock:
            return self._flows.get(token) if token else None

    def _new_flow(self, flow: _Flow) -> str:
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._flows[token] = flow
        return token

    def _drop_flow(self, token: str) -> None:
        with self._lock:
            self._flows.pop(token, None)

    def _new_device(self) -> str:
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._devices.add(token)
        return token

    def _device_known(self, token: str) -> bool:
        with self._lock:
            return bool(token) and token in self._devices


def _marketplace_list(text: str) -> tuple[str, ...]:
    ids = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [mkid for mkid in ids if mkid not in MARKETPLACES]
    if not ids or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown marketplace id(s) {', '.join(unknown) or '(none)'}; known: {', '.join(MARKETPLACES)}"
        )
    return ids


def _data_case(text: str) -> tuple[str, str]:
    section, sep, case = text.partition("=")
    if not sep or section not in SECTIONS or not case:
        raise argparse.ArgumentTypeError(
            f"expected SECTION=CASE with a section of {', '.join(SECTIONS)}, got {text!r}"
        )
    return section, case


def _skew(text: str) -> tuple[str, int]:
    section, sep, value = text.partition("=")
    if not sep or section not in SECTIONS or not re.fullmatch(r"-?\d+", value):
        raise argparse.ArgumentTypeError(f"expected SECTION=N with a whole number, such as case_log=2, got {text!r}")
    return section, int(value)


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of ``python -m scraper.demo.server``."""
    parser = argparse.ArgumentParser(
        prog="python -m scraper.demo.server",
        description="Serve the demo Seller Central until Ctrl-C.",
        epilog=catalogue(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay added to every response")
    parser.add_argument("--locale", choices=LOCALES, default="de_DE", help="the user's UI language")
    parser.add_argument(
        "--marketplaces", type=_marketplace_list, default=("A1PA6795UKMFR9",), help="comma-separated ids"
    )
    parser.add_argument("--no-mfa", action="store_true", help="no two-step verification")
    parser.add_argument("--captcha", action="store_true", help="sign-in shows a CAPTCHA")
    parser.add_argument("--identity-check", action="store_true", help="sign-in asks for an e-mailed code")
    parser.add_argument(
        "--claim", action="store_true", help="sign-in goes through the identifier-first /ax/claim passkey page"
    )
    parser.add_argument(
        "--page-size", type=int, default=5, help="rows per page in the section apps (the case lobby keeps its own 10)"
    )
    parser.add_argument(
        "--data", action="append", default=[], type=_data_case, metavar="SECTION=CASE", help="demo data case"
    )
    parser.add_argument("--empty", action="append", default=[], choices=list(SECTIONS), help="show the empty state")
    add_fault_arguments(parser)
    parser.add_argument(
        "--counter-skew",
        action="append",
        default=[],
        type=_skew,
        metavar="SECTION=N",
        help="Amazon counts N more (or, negative, fewer) than the section lists, e.g. case_log=2",
    )
    parser.add_argument(
        "--no-counters", action="append", default=[], choices=list(SECTIONS), help="the section shows no counts"
    )
    parser.add_argument(
        "--big",
        action="store_true",
        help="the big account: 100,000 feedback entries, 5,000 listings, 600 cases, 200 notifications",
    )
    parser.add_argument("--big-day", type=int, default=0, help="days the big account has moved on (new rows, changes)")
    parser.add_argument(
        "--today", type=date.fromisoformat, metavar="YYYY-MM-DD", help="the demo's today (default: the real UTC date)"
    )
    parser.add_argument("--verbose", action="store_true", help="print every request")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted, after printing the URL and the demo credentials."""
    args = build_parser().parse_args(argv)
    options = DemoOptions(
        latency_ms=args.latency_ms,
        default_locale=args.locale,
        marketplaces=args.marketplaces,
        require_mfa=not args.no_mfa,
        captcha=args.captcha,
        identity_check=args.identity_check,
        claim=args.claim,
        page_size=max(1, args.page_size),
        data=dict(args.data),
        empty_sections=frozenset(args.empty),
        counter_skew=dict(args.counter_skew),
        counters_missing=frozenset(args.no_counters),
        big=args.big,
        big_day=args.big_day,
        today=args.today,
        **fault_options(args),
    )
    server = DemoServer(options, port=args.port)
    server.verbose = args.verbose
    url = server.start()
    lines = [
        f"Demo Seller Central: {url}/  (everything here is invented)",
        f"  e-mail     {DEMO_EMAIL}",
        f"  password   {DEMO_PASSWORD}",
    ]
    if options.require_mfa:
        lines.append(
            f"  TOTP       secret {DEMO_TOTP_SECRET} (any authenticator app); code now: "
            f"{pyotp.TOTP(DEMO_TOTP_SECRET).now()}"
        )
    if options.captcha:
        lines.append(f"  CAPTCHA    {CAPTCHA_ANSWER}")
    if options.identity_check:
        lines.append(f"  e-mail code {CVF_CODE}")
    lines.append("Ctrl-C stops it.")
    print("\n".join(lines), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
