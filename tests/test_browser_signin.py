"""Sign-in through Amazon's identifier-first /ax/claim page, and the marketplace check, in a real Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route

from scraper.config import Account, Settings
from scraper.credentials import Credentials
from scraper.demo.server import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoOptions, DemoServer
from scraper.errors import ChallengeError, MarketplaceError
from scraper.login import PageKind, SignInHow, classify, ensure_signed_in
from scraper.run import RunOptions, account_page, login_account
from scraper.spec import Spec
from tests.conftest import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shared_browser")]

DE, UK = "A1PA6795UKMFR9", "A1F83G8C2ARO7P"
CREDS = Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, "test")
SETTINGS = Settings(delay_ms=0, jitter_ms=0, timeout_ms=10000, human_timeout_s=2)
OPTIONS = RunOptions(browser_args=tuple(CHROMIUM_ARGS))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SC_WATCH_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def claim_demo(home: Path) -> Iterator[DemoServer]:
    with DemoServer(DemoOptions(claim=True)) as server:
        yield server


def account(server: DemoServer, marketplaces: tuple[str, ...] = (DE,)) -> Account:
    return Account("demo", server.base_url, DEMO_EMAIL, "de_DE", marketplaces, ("feedback",))


def sign_in(page: Page, spec: Spec, acct: Account, marketplace: str, *, interactive: bool = False) -> bool:
    return ensure_signed_in(
        page,
        spec,
        acct.host,
        acct.name,
        CREDS,
        marketplace,
        SignInHow(interactive=interactive, human_timeout_s=2, timeout_ms=10000),
        notify=lambda m: None,
    )


def test_sign_in_goes_through_the_claim_page_and_its_other_account_link(spec: Spec, claim_demo: DemoServer) -> None:
    session = login_account(spec, account(claim_demo), SETTINGS, OPTIONS, CREDS, notify=lambda m: None)
    assert session.exists()
    visited = [(method, path.partition("?")[0]) for method, path in claim_demo.request_log]
    assert ("GET", "/ax/claim") in visited
    assert ("POST", "/ax/claim") in visited  # the e-mail, typed into #ap_email_login
    assert any("claimSkip=1" in path for _, path in claim_demo.request_log)  # the other-account link
    assert ("POST", "/ap/signin") in visited  # the password
    assert ("POST", "/ap/mfa") in visited


def test_claim_page_kinds(spec: Spec, claim_demo: DemoServer) -> None:
    with account_page(account(claim_demo), SETTINGS, OPTIONS) as (_, page):
        page.goto(f"{claim_demo.base_url}/ap/signin")
        assert page.url.startswith(f"{claim_demo.base_url}/ax/claim")
        assert classify(page, spec) is PageKind.EMAIL
        page.fill("#ap_email_login", DEMO_EMAIL)
        page.click("#continue")
        page.wait_for_selector(".signin-with-another-account")
        assert classify(page, spec) is PageKind.PASSKEY


def test_a_passkey_prompt_without_a_way_out_needs_a_person(spec: Spec, claim_demo: DemoServer) -> None:
    def passkey_only(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        response = route.fetch()
        body = response.text().replace("signin-with-another-account", "passkey-help")
        route.fulfill(response=response, body=body)

    acct = account(claim_demo)
    with account_page(acct, SETTINGS, OPTIONS) as (_, page):
        page.route("**/ax/claim*", passkey_only)
        with pytest.raises(ChallengeError, match="passkey"):
            sign_in(page, spec, acct, DE)


def test_the_shell_label_verifies_the_marketplace(spec: Spec, home: Path) -> None:
    with DemoServer(DemoOptions(marketplaces=(DE, UK))) as server:
        acct = account(server, (DE, UK))
        with account_page(acct, SETTINGS, OPTIONS) as (_, page):
            sign_in(page, spec, acct, DE)
            assert page.locator(".dropdown-account-switcher-header-label-regional").inner_text() == "Deutschland"
            sign_in(page, spec, acct, UK)  # switches by mons_sel_mkid and checks the label
            assert page.locator(".dropdown-account-switcher-header-label-regional").inner_text() == (
                "Vereinigtes Königreich"
            )


def test_a_switch_that_fails_silently_is_caught(spec: Spec, home: Path) -> None:
    with DemoServer(DemoOptions(marketplaces=(DE, UK), switch_fails=True)) as server:
        acct = account(server, (DE, UK))
        with account_page(acct, SETTINGS, OPTIONS) as (_, page):
            sign_in(page, spec, acct, DE)
            with pytest.raises(MarketplaceError, match=f"shows marketplace {DE}, not {UK}"):
                sign_in(page, spec, acct, UK)
            assert f"mons_sel_mkid={UK}" in page.url  # the URL alone would have said yes
