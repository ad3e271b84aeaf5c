"""The Amazon sign-in flow as a small state machine over what the current page is.

:func:`classify` names the page (email form, password form, one-time code, CAPTCHA, identity check,
passkey prompt, account picker, signed in) from the URL and the selectors in selectors.yaml. :class:`SignIn`
acts on it step by step: it fills what it can (e-mail, password, a TOTP code from the stored secret), leaves
Amazon's identifier-first passkey page (``/ax/claim``) by its "sign in with another account" link, and hands
anything else (CAPTCHA, identity verification, an SMS code, a passkey) to the person at a visible window,
waiting a bounded time. Headless, such a page is a :class:`~scraper.errors.ChallengeError`. Nothing it does
changes the seller's account; secrets are typed into the page and never logged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import pyotp
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from scraper.credentials import Credentials
from scraper.errors import (
    ChallengeError,
    LoginRejectedError,
    MarketplaceError,
    NeedsLoginError,
    RetryExhaustedError,
    SiteUnavailableError,
    SiteUnreachableError,
)
from scraper.marketplace import check_marketplace, marketplace_shown
from scraper.retry import NO_RETRIES, RetryPolicy
from scraper.retry import goto as retrying_goto
from scraper.spec import Spec
from scraper.text import Notify, squash


class PageKind(StrEnum):
    """What the browser currently shows, as far as signing in is concerned."""

    EMAIL = "email"
    PASSWORD = "password"
    OTP = "one-time code"
    CAPTCHA = "CAPTCHA"
    CHALLENGE = "identity verification"
    PASSKEY = "passkey"
    """Amazon's identifier-first page (/ax/claim) offers a passkey; its "other account" link leads on."""
    PICKER = "account picker"
    SIGNED_IN = "signed in"
    UNKNOWN = "unknown"


def _present(page: Page, selector: str) -> bool:
    try:
        return page.locator(selector).count() > 0
    except PlaywrightError:  # the page navigated while we looked
        return False


def _visible(page: Page, selector: str) -> bool:
    try:
        return page.locator(selector).first.is_visible()
    except PlaywrightError:
        return False


def classify(page: Page, spec: Spec) -> PageKind:
    """Name the current page from its path and the sign-in selectors."""
    sel, paths = spec.signin.selectors, spec.signin.paths
    path = urlparse(page.url).path
    if _present(page, sel["captcha"]) or any(path.startswith(p) for p in paths["captcha"]):
        return PageKind.CAPTCHA
    if any(path.startswith(p) for p in paths["challenge"]):
        return PageKind.CHALLENGE
    if _present(page, sel["otp"]):
        return PageKind.OTP
    if _visible(page, sel["password"]):
        return PageKind.PASSWORD
    if _visible(page, sel["email"]):
        return PageKind.EMAIL
    if any(path.startswith(p) for p in paths["claim"]) or _visible(page, sel["other_account"]):
        # The claim page without a field to fill: Amazon wants a passkey (or shows its prompt).
        return PageKind.PASSKEY
    if _present(page, sel["picker"]) or any(path.startswith(p) for p in paths["picker"]):
        return PageKind.PICKER
    if _present(page, spec.signed_in):
        return PageKind.SIGNED_IN
    return PageKind.UNKNOWN


def wait_for_kind(page: Page, spec: Spec, timeout_s: float, leave: PageKind | None = None) -> PageKind:
    """Poll until the page is a known kind (other than ``leave``); UNKNOWN after the timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        kind = classify(page, spec)
        if kind is not PageKind.UNKNOWN and kind is not leave:
            return kind
        if time.monotonic() >= deadline:
            return kind if kind is not leave else PageKind.UNKNOWN
        page.wait_for_timeout(250)


def _submit(page: Page, selector: str, timeout_ms: int) -> None:
    """Click a submit control and wait for the page it leads to."""
    try:
        with page.expect_navigation(wait_until="domcontentloaded", timeout=timeout_ms):
            page.locator(selector).first.click()
    except PlaywrightError as exc:
        if "Timeout" not in str(exc):
            raise


def _check(page: Page, selector: str) -> None:
    box = page.locator(selector).first
    if box.count() and not box.is_checked():
        box.check()


def _error_text(page: Page, spec: Spec) -> str | None:
    box = page.locator(spec.signin.selectors["error"]).first
    if box.count() and box.is_visible():
        return squash(box.inner_text())[:200]
    return None


class SignIn:
    """Drives one sign-in from whatever page the browser is on to a signed-in Seller Central page."""

    def __init__(
        self,
        page: Page,
        spec: Spec,
        account: str,
        credentials: Credentials,
        *,
        interactive: bool,
        human_timeout_s: float,
        timeout_ms: int = 30000,
        notify: Notify = print,
    ) -> None:
        self.page, self.spec, self.account, self.creds = page, spec, account, credentials
        self.interactive, self.human_timeout_s, self.timeout_ms, self.notify = (
            interactive,
            human_timeout_s,
            timeout_ms,
            notify,
        )
        self.sel = spec.signin.selectors
        self.submitted: set[PageKind] = set()
        self.passkey_prompts = 0

    def run(self, marketplace: str | None) -> None:
        """Step through the flow until signed in; raises an AuthError subclass otherwise."""
        for _ in range(25):
            kind = wait_for_kind(self.page, self.spec, self.timeout_ms / 1000)
            if kind is PageKind.SIGNED_IN:
                return
            step = {
                PageKind.EMAIL: self._email,
                PageKind.PASSWORD: self._password,
                PageKind.OTP: self._otp,
                PageKind.CAPTCHA: self._human,
                PageKind.CHALLENGE: self._human,
                PageKind.PASSKEY: self._passkey,
                PageKind.PICKER: lambda k: self._picker(marketplace),
                PageKind.UNKNOWN: self._unknown,
            }[kind]
            step(kind)
        raise LoginRejectedError(self.account, "sign-in did not finish after 25 steps; the flow may have changed")

    def _email(self, kind: PageKind) -> None:
        if kind in self.submitted and (error := _error_text(self.page, self.spec)):
            raise LoginRejectedError(self.account, f"Amazon rejected the e-mail address: {error}")
        if kind in self.submitted and _visible(self.page, self.sel["other_account"]):
            # The identifier form came back with the passkey offer: take the other way this time.
            self._passkey(PageKind.PASSKEY)
            return
        self.page.locator(self.sel["email"]).first.fill(self.creds.email)
        self.submitted.add(kind)
        _submit(self.page, self.sel["continue"], self.timeout_ms)

    def _password(self, kind: PageKind) -> None:
        if kind in self.submitted:
            error = _error_text(self.page, self.spec) or "the sign-in page came back"
            raise LoginRejectedError(self.account, f"Amazon rejected the e-mail or password: {error}")
        if not self.creds.password:
            self._human(kind, "type the password in the browser window")
            return
        email = self.page.locator(self.sel["email"]).first
        if email.count() and email.is_visible() and not email.input_value():
            email.fill(self.creds.email)
        self.page.locator(self.sel["password"]).first.fill(self.creds.password)
        _check(self.page, self.sel["remember_me"])
        self.submitted.add(kind)
        _submit(self.page, self.sel["submit"], self.timeout_ms)

    def _otp(self, kind: PageKind) -> None:
        if kind in self.submitted:
            error = _error_text(self.page, self.spec) or "the code page came back"
            raise LoginRejectedError(
                self.account, f"the one-time code was rejected ({error}); check the TOTP secret and the clock"
            )
        if not self.creds.totp_secret:
            self._human(kind, "enter the one-time code (SMS or app) in the browser window")
            return
        code = pyotp.TOTP(self.creds.totp_secret).now()
        self.page.locator(self.sel["otp"]).first.fill(code)
        _check(self.page, self.sel["remember_device"])
        self.submitted.add(kind)
        _submit(self.page, self.sel["otp_submit"], self.timeout_ms)

    def _human(self, kind: PageKind, what: str | None = None) -> None:
        if not self.interactive:
            raise ChallengeError(
                self.account,
                f"Amazon asks for {kind.value}, which needs a person: run `scraper login --account "
                f"{self.account}` with a visible browser, then run again",
            )
        self.notify(
            f"[{self.account}] {what or f'Amazon asks for {kind.value}: please answer it in the browser window'}"
            f" (waiting up to {int(self.human_timeout_s)} s)"
        )
        after = wait_for_kind(self.page, self.spec, self.human_timeout_s, leave=kind)
        if after is PageKind.UNKNOWN:
            raise ChallengeError(self.account, f"nobody answered the {kind.value} within {int(self.human_timeout_s)} s")

    def _passkey(self, kind: PageKind) -> None:
        """Leave the passkey prompt by its "sign in with another account" link; a person if there is none."""
        self.passkey_prompts += 1
        link = self.page.locator(self.sel["other_account"]).first
        try:
            link.wait_for(state="visible", timeout=min(self.timeout_ms, 5000))
        except PlaywrightError:
            self._human(kind, "Amazon asks for a passkey: sign in with it (or another way) in the browser window")
            return
        if self.passkey_prompts > 2:
            raise ChallengeError(
                self.account,
                "Amazon keeps asking for a passkey instead of the password: run `scraper login --account "
                f"{self.account}` with a visible browser once, then run again",
            )
        _submit(self.page, self.sel["other_account"], self.timeout_ms)

    def _picker(self, marketplace: str | None) -> None:
        rows = self.page.locator(self.sel["picker_account"])
        target = None
        names = self.spec.marketplaces.get(marketplace or "", ())
        for i in range(rows.count()):
            row = rows.nth(i)
            text = row.inner_text()
            mkid = row.get_attribute(self.spec.signin.picker_marketplace_attr) or ""
            if marketplace is None or marketplace in mkid or any(n in text for n in names):
                target = row
                break
        if target is None:
            raise MarketplaceError(self.account, f"the account picker does not offer marketplace {marketplace}")
        target.click()
        _submit(self.page, self.sel["picker_confirm"], self.timeout_ms)

    def _unknown(self, kind: PageKind) -> None:
        raise LoginRejectedError(
            self.account, f"stuck on an unexpected page during sign-in ({urlparse(self.page.url).path})"
        )


def with_params(url: str, **params: str) -> str:
    """``url`` with the given query parameters set (replacing earlier values)."""
    parts = urlparse(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    query.update(params)
    return urlunparse(parts._replace(query=urlencode(query)))


def verify_marketplace(page: Page, spec: Spec, account: str, marketplace: str) -> None:
    """Check the page shows ``marketplace`` in its account switcher (see scraper.marketplace).

    The marketplace parameter (``mons_sel_mkid``) in the URL is what the tool itself asked for, not what the
    page shows (a switch can fail silently), so it only counts on a page that has no switcher label at all.
    """
    html = page.content()
    url_mkid = parse_qs(urlparse(page.url).query).get(spec.marketplace_param, [""])[-1]
    if marketplace_shown(html, spec) is None and url_mkid.endswith(marketplace):
        return
    check_marketplace(html, spec, account, marketplace)


@dataclass(frozen=True)
class SignInHow:
    """How to sign in: whether a person is at the window, how long to wait for them and for pages, and how
    often opening Seller Central may be tried again."""

    interactive: bool
    human_timeout_s: float
    timeout_ms: int = 30000
    retry: RetryPolicy = NO_RETRIES


def _open_home(page: Page, spec: Spec, base_url: str, account: str, marketplace: str, how: SignInHow) -> PageKind:
    """Open Seller Central's home for the marketplace (a GET, tried again as ``how.retry`` allows) and name the
    page it shows; a server that is down or unreachable is said so, never taken for an expired session."""
    home = with_params(f"{base_url}{spec.home}", **{spec.marketplace_param: marketplace})
    try:
        response = retrying_goto(page, home, timeout_ms=how.timeout_ms, policy=how.retry)
    except RetryExhaustedError as exc:
        if exc.status is not None:
            # A server error is not an expired session: "log in again" would send the seller the wrong way.
            raise SiteUnavailableError(account, exc.status, spec.home, exc.attempts) from None
        raise SiteUnreachableError(account, exc.cause, spec.home, exc.attempts) from None
    if response is not None and (response.status >= 500 or response.status == 429):
        raise SiteUnavailableError(account, response.status, spec.home)
    return wait_for_kind(page, spec, how.timeout_ms / 1000)


def _sign_in(
    page: Page,
    spec: Spec,
    base_url: str,
    account: str,
    credentials: Credentials,
    marketplace: str,
    how: SignInHow,
    notify: Notify,
    kind: PageKind,
) -> None:
    """Sign in from the ``kind`` of page shown, then make sure the marketplace's home is what is shown."""
    if not how.interactive and not credentials.password:
        raise NeedsLoginError(
            account,
            f"the saved session has expired; log in again with `scraper login "
            f"--account {account}` (or set the password for unattended runs)",
        )
    notify(f"[{account}] signing in ({kind.value} page)")
    SignIn(
        page,
        spec,
        account,
        credentials,
        interactive=how.interactive,
        human_timeout_s=how.human_timeout_s,
        timeout_ms=how.timeout_ms,
        notify=notify,
    ).run(marketplace)
    if parse_qs(urlparse(page.url).query).get(spec.marketplace_param, [""])[-1] != marketplace:
        home = with_params(f"{base_url}{spec.home}", **{spec.marketplace_param: marketplace})
        page.goto(home, wait_until="domcontentloaded")
        if wait_for_kind(page, spec, how.timeout_ms / 1000) is not PageKind.SIGNED_IN:
            raise NeedsLoginError(account, "signed in, but Seller Central asked to sign in again")


def ensure_signed_in(
    page: Page,
    spec: Spec,
    base_url: str,
    account: str,
    credentials: Credentials,
    marketplace: str,
    how: SignInHow,
    notify: Notify = print,
) -> bool:
    """Open Seller Central for ``marketplace``, signing in if the session is gone; True when it signed in.

    Headless without a password (or without a TOTP secret when Amazon asks for a code) this raises
    NeedsLoginError rather than waiting for nobody. Opening Seller Central (a GET that changes nothing) is
    tried again on a timeout, a connection error, 5xx or 429; the sign-in forms are never submitted twice.
    """
    kind = _open_home(page, spec, base_url, account, marketplace, how)
    signed_in = kind is not PageKind.SIGNED_IN
    if signed_in:
        _sign_in(page, spec, base_url, account, credentials, marketplace, how, notify, kind)
    verify_marketplace(page, spec, account, marketplace)
    return signed_in
