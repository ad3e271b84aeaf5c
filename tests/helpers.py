"""Helpers more than one test module uses: one copy here instead of tests importing each other."""

from __future__ import annotations

import dataclasses
import http.cookiejar
import json
import typing
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import keyring
import keyring.backend
import keyring.errors
import pyotp
import pytest
import yaml
from bs4 import BeautifulSoup

import scraper.store as store
from scraper.demo.server import CAPTCHA_ANSWER, CVF_CODE, DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET
from scraper.diff import Change, typed_change
from scraper.findings import Finding, FindingRules, evaluate
from scraper.monitor import AccountReport, record_run
from scraper.read import SectionOutcome
from scraper.records import (
    RECORD_TYPES,
    AccountHealthSummary,
    ApprovalStatus,
    Case,
    CaseStatus,
    ComplianceRequest,
    CxHealth,
    VocListing,
    record_from_json,
)
from scraper.run import AccountRun
from scraper.spec import DEFAULT_SPEC_PATH, Spec
from scraper.store import History

# --- a keyring that never touches a real store ----------------------------------------------------------------


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-memory keyring, so no test touches a real store."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError(username)
        del self.store[(service, username)]


@contextmanager
def memory_keyring_installed() -> Iterator[MemoryKeyring]:
    """Install a fresh MemoryKeyring for the block; the previous keyring comes back afterwards."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


# --- a changed copy of the real selectors.yaml -----------------------------------------------------------------


def write_spec(tmp_path: Path, mutate: typing.Callable[[dict[str, Any]], None]) -> Path:
    """The real selectors.yaml with ``mutate`` applied, written to tmp_path/selectors.yaml."""
    doc = yaml.safe_load(DEFAULT_SPEC_PATH.read_text(encoding="utf-8"))
    mutate(doc)
    path = tmp_path / "selectors.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# --- Feedback Manager pages in the live shape ------------------------------------------------------------------


def feedback_page(rows: str, extra: str = "", lang: str = "de-DE") -> str:
    return f"""<html lang="{lang}"><body><div id="sc-content-container"><div class="fbm-content katal">
      <feedback-list><kat-table><kat-table-body>{rows}</kat-table-body></kat-table></feedback-list>{extra}
    </div></div></body></html>"""


def feedback_row(
    date_text: str = "27.07.2026", rating: str = "4", order: str = "302-0000001-0000001", comment: str = "Alles gut"
) -> str:
    """A row in the live shape (id 68585964457): same id on every row, order id in the label, comment cell
    without a col_* class."""
    stars = f'<kat-star-rating value="{rating}"></kat-star-rating>' if rating is not None else ""
    label = f' label="{order}"' if order is not None else ""
    return f"""<kat-table-row id="feedback-details">
      <kat-table-cell class="col_order_date">{date_text}</kat-table-cell>
      <kat-table-cell class="col_feedback_rating">{stars}</kat-table-cell>
      <kat-table-cell class="col_order_id"><kat-link{label}></kat-link></kat-table-cell>
      <kat-table-cell><div class="fb-comment">{comment}</div></kat-table-cell>
    </kat-table-row>"""


GOOD_FEEDBACK: dict[str, Any] = {
    "orderId": "302-0000001-0000001",
    "feedbackDate": "2026-07-27T08:24:39.851Z",
    "numericRating": 2,
    "feedbackText": "Late",
    "responseText": None,
    "suppressed": False,
}
"""One Feedback Manager JSON row in the live shape."""


# --- a small HTTP client with cookies, for the demo server ------------------------------------------------------


@dataclass
class Reply:
    status: int
    url: str
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def soup(self) -> BeautifulSoup:
        return BeautifulSoup(self.text, "lxml")

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Client:
    base: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def open(self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        request = urllib.request.Request(urljoin(self.base, path), data=data, headers=headers or {})
        try:
            with opener.open(request, timeout=10) as response:
                return Reply(response.status, response.url, dict(response.headers), response.read())
        except urllib.error.HTTPError as exc:
            with exc:
                return Reply(exc.code, exc.url, dict(exc.headers), exc.read())

    def get(self, path: str) -> Reply:
        return self.open(path)

    def post(self, path: str, form: dict[str, str]) -> Reply:
        return self.open(path, urlencode(form).encode())

    def post_json(self, path: str, document: Any) -> Reply:
        return self.open(path, json.dumps(document).encode(), {"Content-Type": "application/json"})

    def cookie(self, name: str) -> http.cookiejar.Cookie | None:
        return next((c for c in self.jar if c.name == name), None)

    def sign_in(self, return_to: str = "/home", *, remember_device: bool = True) -> Reply:
        """E-mail, password, then whatever challenge the server asks for, answered correctly."""
        reply = self.post("/ap/signin", {"email": DEMO_EMAIL, "openid.return_to": return_to})
        reply = self.post(
            "/ap/signin",
            {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "rememberMe": "true", "openid.return_to": return_to},
        )
        for _ in range(4):
            if reply.path == "/errors/validateCaptcha":
                reply = self.post("/errors/validateCaptcha", {"guess": CAPTCHA_ANSWER})
            elif reply.path.startswith("/ap/cvf"):
                reply = self.post("/ap/cvf/verify", {"code": CVF_CODE})
            elif reply.path == "/ap/mfa":
                form = {"otpCode": pyotp.TOTP(DEMO_TOTP_SECRET).now()}
                if remember_device:
                    form["rememberDevice"] = "true"
                reply = self.post("/ap/mfa", form)
            else:
                break
        return reply


# --- history sequences: runs of one account, each recorded on its own day (early warnings, report) ----------

DE = "A1PA6795UKMFR9"


class Sequence:
    """Runs of one account, each read on its own day."""

    def __init__(self, history: History, spec: Spec, monkeypatch: pytest.MonkeyPatch, rules: FindingRules) -> None:
        self.history, self.spec, self.monkeypatch, self.rules = history, spec, monkeypatch, rules

    def run(self, day: str, *outcomes: SectionOutcome) -> AccountReport:
        self.monkeypatch.setattr(store, "now_iso", lambda: f"{day}T05:00:00+00:00")
        return record_run(
            self.history, self.spec, AccountRun("main", list(outcomes)), self.rules, date.fromisoformat(day)
        )


def ok(section: str, *records: object, **kw: object) -> SectionOutcome:
    return SectionOutcome(section, DE, "ok" if records else "empty", tuple(records), "api", 1, **kw)  # type: ignore[arg-type]


def found(report: AccountReport, *rules: str) -> list[Finding]:
    return [f for s in report.sections for f in s.findings if not rules or f.rule in rules]


def new(report: AccountReport, *rules: str) -> list[tuple[str, str, str]]:
    return [(f.rule, f.severity, f.message) for _, f in report.new_findings if not rules or f.rule in rules]


def listing(rate: str, health: CxHealth = CxHealth.FAIR, at_risk: bool = False, title: str = "Olive oil") -> VocListing:
    """B0TEST0001 in a category with mean 1.5 % and SD 1.2 %: the warning line is 1.5 + 1 * 1.2 = 2.7 %."""
    return VocListing(
        "B0TEST0001",
        "X00TEST001",
        None,
        title,
        None,
        health,
        Decimal(rate),
        3,
        100,
        None,
        Decimal("1"),
        None,
        None,
        None,
        False,
        at_risk,
        category_ncx_rate_mean=Decimal("1.5"),
        category_ncx_rate_sd=Decimal("1.2"),
    )


def aggregates(neg30: tuple[int, int], all30: int, neg90: tuple[int, int], all90: int) -> dict[str, int]:
    """Amazon's counts as the feedback read carries them (counter names of selectors.yaml)."""
    return {
        "1_star_ratings_30_days": neg30[0],
        "2_star_ratings_30_days": neg30[1],
        "ratings_30_days": all30,
        "1_star_ratings_90_days": neg90[0],
        "2_star_ratings_90_days": neg90[1],
        "ratings_90_days": all90,
    }


def request(due: str | None, status: ApprovalStatus | None = ApprovalStatus.ACTION_REQUIRED) -> ComplianceRequest:
    return ComplianceRequest(
        "B0TEST0009",
        ("Test report",),
        "Helmet",
        approval_status=status,
        due_date=date.fromisoformat(due) if due else None,
    )


def case(status: CaseStatus, last_updated: str | None = None) -> Case:
    return Case(
        "123",
        "Docs needed",
        status,
        date(2026, 6, 30),
        date.fromisoformat(last_updated) if last_updated else None,
    )


def health(mfn: str = "GOOD", account: str | None = "NORMAL", listing_policy: str = "GOOD") -> AccountHealthSummary:
    return AccountHealthSummary(
        0,
        "GOOD",
        account_status=account,
        ahr_score=250,
        ahr_status="HEALTHY",
        odr_mfn_rate=Decimal("1.25") if mfn == "BAD" else Decimal("0.5"),
        odr_mfn_status=mfn,
        odr_mfn_target=Decimal("1"),
        listing_policy_defects=0 if listing_policy == "GOOD" else 2,
        listing_policy_status=listing_policy,
    )


# --- findings from records in their stored JSON form ---------------------------------------------------------

STORED_DEFAULTS: dict[str, dict[str, Any]] = {
    "notifications": {"notification_id": "n", "date": "2026-01-01", "subject": ""},
    "voice_of_customer": {
        "asin": "",
        "fnsku": None,
        "condition": None,
        "title": None,
        "fulfillment_channel": None,
        "cx_health": "FAIR",
        "ncx_rate": None,
        "ncx_orders": None,
        "total_orders": None,
        "ncx_review_rate": None,
        "return_rate": None,
        "top_ncx_reason": None,
        "top_ncx_reason_label": None,
        "last_updated": None,
        "high_return_rate": None,
        "at_risk_of_high_return_rate": None,
    },
    "case_log": {"case_id": "", "subject": None, "status": "OPEN", "created": None},
    "regulatory_compliance": {"reason": "MANUFACTURER", "asins": [], "skus": []},
    "compliance_requests": {"grain": "", "requirements": []},
    "feedback": {"order_id": "", "date": "2026-01-01", "rating": 5, "comment": None, "response": None},
}
"""Values for the fields a rule's test leaves out, chosen to raise no finding of their own (health fair, a case
open, five stars)."""


def evaluate_stored(
    section: str,
    current: dict[str, dict[str, Any]],
    changes: list[Change],
    rules: FindingRules | None = None,
    today: date | None = None,
) -> list[Finding]:
    """:func:`scraper.findings.evaluate` of records written in their stored JSON form (the fields that matter to
    the test; :data:`STORED_DEFAULTS` fills the rest), typed as the monitor types them when they leave the store."""
    record_type, defaults = RECORD_TYPES[section], STORED_DEFAULTS[section]
    typed = {key: record_from_json(record_type, {**defaults, **data}) for key, data in current.items()}
    typed_changes = [
        typed_change(record_type, dataclasses.replace(c, data={**defaults, **c.data}))
        for c in changes
        if c.kind != "resolved"
    ]
    return evaluate(section, typed, typed_changes, rules, today)


CLI_CONFIG = """accounts:
  main:
    host: https://sellercentral.amazon.de
    email: seller@example.com
    marketplaces: [A1PA6795UKMFR9]
"""
"""The smallest accounts file: one account, one marketplace."""


def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path`` as SC_WATCH_HOME with CLI_CONFIG in it, a wide terminal, and no outside password, TOTP
    secret, config or history from the environment."""
    monkeypatch.setenv("SC_WATCH_HOME", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("SC_WATCH_PASSWORD", "SC_WATCH_TOTP_SECRET", "SC_WATCH_CONFIG", "SC_WATCH_DB"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "config.yaml").write_text(CLI_CONFIG, encoding="utf-8")
    return tmp_path
