"""The sign-in classifier against pages built from the reference (../shared/reference/seller-central.md, section 1:
URLs, the selector table, session behaviour), not from the demo: each page holds only what the reference says
Amazon's page holds, served at the path the reference names. Every request is answered by the test's route,
so nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route

from scraper.login import PageKind, classify
from scraper.spec import Spec

pytestmark = pytest.mark.browser

BASE = "http://127.0.0.1:9"
"""Never reached: the route below answers every request."""


def _doc(body: str, title: str = "Amazon Sign-In") -> str:
    return f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"


# (what the reference describes, path, page body, the kind the classifier must name)
PAGES: list[tuple[str, str, str, PageKind]] = [
    (
        "e-mail step: #ap_email and #continue",
        "/ap/signin?openid.return_to=%2Fhome",
        '<form name="signIn" method="post"><input type="email" id="ap_email" name="email">'
        '<input id="continue" type="submit" value="Continue"></form>',
        PageKind.EMAIL,
    ),
    (
        "newer claim form: #ap_email_login",
        "/ax/claim/signin?arb=1",
        '<form method="post"><input type="email" id="ap_email_login" name="email">'
        '<span id="continue"><input type="submit"></span></form>',
        PageKind.EMAIL,
    ),
    (
        "password step: the e-mail only as a hidden input, #ap_password, rememberMe, #signInSubmit",
        "/ap/signin",
        '<form method="post"><input type="hidden" name="email" value="seller@example.invalid">'
        '<input type="password" id="ap_password" name="password"><input type="checkbox" name="rememberMe">'
        '<input id="signInSubmit" type="submit"></form>',
        PageKind.PASSWORD,
    ),
    (
        "2-step verification: #auth-mfa-otpcode, remember device, #auth-signin-button",
        "/ap/mfa?arb=2",
        '<form method="post"><input type="tel" id="auth-mfa-otpcode" name="otpCode">'
        '<input type="checkbox" id="auth-mfa-remember-device" name="rememberDevice">'
        '<label for="auth-mfa-remember-device">Don\'t require OTP on this browser</label>'
        '<input id="auth-signin-button" type="submit"></form>',
        PageKind.OTP,
    ),
    (
        "one-time code by its autocomplete fallback only",
        "/ap/mfa",
        '<form method="post"><input type="text" autocomplete="one-time-code"><button>Sign in</button></form>',
        PageKind.OTP,
    ),
    (
        "CAPTCHA on the password page: #auth-captcha-image and input[name=guess] beside #ap_password",
        "/ap/signin",
        '<form method="post"><img id="auth-captcha-image" src="/captcha/x.jpg"><input name="guess">'
        '<input type="password" id="ap_password" name="password"><input id="signInSubmit" type="submit"></form>',
        PageKind.CAPTCHA,
    ),
    (
        "CAPTCHA page at /errors/validateCaptcha (text and image only)",
        "/errors/validateCaptcha?amzn=abc",
        '<h4>Enter the characters you see below</h4><img src="https://images.example/captcha/abc.jpg">',
        PageKind.CAPTCHA,
    ),
    (
        "identity verification at /ap/cvf",
        "/ap/cvf/request?arb=3",
        "<h1>Verification needed</h1><p>Approve the notification sent to your device.</p>",
        PageKind.CHALLENGE,
    ),
    (
        "add-phone nag at /ap/accountfixup with its skip link",
        "/ap/accountfixup",
        '<h1>Add mobile number</h1><a id="ap-account-fixup-phone-skip-link" href="/home">Not now</a>',
        PageKind.CHALLENGE,
    ),
    (
        "/ap/challenge",
        "/ap/challenge?x=1",
        "<p>For your security, we need to verify it's you.</p>",
        PageKind.CHALLENGE,
    ),
    (
        "current full-page account switcher",
        "/authorization/select-account?returnTo=%2Fhome&mons_redirect=remedy_url",
        '<div class="full-page-account-switcher"><h1>Select an account</h1>'
        '<div class="full-page-account-switcher-account"><button class="full-page-account-switcher-account-details">'
        '<span class="full-page-account-switcher-account-label">Demo GmbH</span></button></div>'
        '<kat-button data-test="confirm-selection" label="Select account"></kat-button></div>',
        PageKind.PICKER,
    ),
    (
        "legacy picker: #picker-container, .picker-body buttons",
        "/global-picker",
        '<div id="picker-container"><div class="picker-body"><button><span class="picker-name">Demo</span>'
        '</button></div><div class="picker-footer"><button>Select Account</button></div></div>',
        PageKind.PICKER,
    ),
    (
        "signed in: the Seller Central navigation root",
        "/home?mons_sel_mkid=A1PA6795UKMFR9",
        '<div data-testid="sc-nav-root"></div><div id="partner-switcher" data-merchant_selection="x">DE</div>',
        PageKind.SIGNED_IN,
    ),
    (
        "expired session on an SPA path: HTTP 200 with the sign-in shell, to be content-sniffed",
        "/feedback-manager/index.html",
        '<form method="post"><input type="email" id="ap_email" name="email"><input id="continue" type="submit"></form>',
        PageKind.EMAIL,
    ),
    (
        "a page none of the markers name",
        "/gp/errors/oops",
        "<h1>Sorry, something went wrong on our end.</h1>",
        PageKind.UNKNOWN,
    ),
]


def test_every_page_of_the_reference_gets_its_kind(page: Page, spec: Spec) -> None:
    bodies: dict[str, str] = {}

    def answer(route: Route) -> None:
        path = route.request.url.removeprefix(BASE).partition("?")[0]
        if path in bodies:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=_doc(bodies[path]))
        else:  # images and anything else the pages name: empty, never the network
            route.fulfill(status=204, body="")

    page.route("**/*", answer)
    seen = []
    for what, path, body, _ in PAGES:
        bodies[path.partition("?")[0]] = body  # several pages share a path (/ap/signin): served in turn
        page.goto(BASE + path)
        seen.append((what, classify(page, spec)))
    assert seen == [(what, kind) for what, _, _, kind in PAGES]
