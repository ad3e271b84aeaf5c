"""The demo's identifier-first /ax/claim flow, its switcher label and the full-page switcher path (plain HTTP)."""

from __future__ import annotations

import pyotp
from bs4 import BeautifulSoup

from scraper.demo.server import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoOptions, DemoServer
from scraper.marketplace import marketplace_shown
from scraper.spec import Spec
from tests.helpers import Client

DE, UK = "A1PA6795UKMFR9", "A1F83G8C2ARO7P"


def test_claim_flow_email_then_passkey_prompt_then_password(spec: Spec) -> None:
    with DemoServer(DemoOptions(claim=True)) as server:
        client = Client(server.base_url)
        reply = client.get("/ap/signin?openid.return_to=/home")
        assert reply.path == "/ax/claim"
        soup = reply.soup()
        assert soup.select_one(spec.signin.selectors["email"])["id"] == "ap_email_login"
        reply = client.post("/ax/claim", {"email": DEMO_EMAIL, "openid.return_to": "/home"})
        soup = reply.soup()
        assert soup.select_one(spec.signin.selectors["email"]) is None
        assert soup.select_one(spec.signin.selectors["password"]) is None
        link = soup.select_one(spec.signin.selectors["other_account"])
        assert link is not None
        reply = client.get(link["href"])
        assert reply.path == "/ap/signin"
        form = reply.soup().select_one("form")
        assert form.select_one(spec.signin.selectors["password"]) is not None
        assert form.select_one("input[name=email]")["value"] == DEMO_EMAIL  # carried over from the claim page
        reply = client.post("/ap/signin", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "openid.return_to": "/home"})
        assert reply.path == "/ap/mfa"
        reply = client.post("/ap/mfa", {"otpCode": pyotp.TOTP(DEMO_TOTP_SECRET).now()})
        assert reply.path == "/home"
        assert marketplace_shown(reply.text, spec) == DE


def test_signed_out_app_pages_go_through_the_claim_page() -> None:
    with DemoServer(DemoOptions(claim=True)) as server:
        reply = Client(server.base_url).get("/feedback-manager/index.html")
        assert reply.path == "/ax/claim"


def test_shell_label_follows_the_marketplace_and_language(spec: Spec) -> None:
    with DemoServer(DemoOptions(marketplaces=(DE, UK))) as server:
        client = Client(server.base_url)
        client.sign_in()
        home = client.get(f"/home?mons_sel_mkid={UK}&mons_sel_locale=en_US")
        label = BeautifulSoup(home.text, "lxml").select_one(spec.signin.selectors["marketplace_regional"])
        assert label.get_text(strip=True) == "United Kingdom"
        assert marketplace_shown(home.text, spec) == UK
        switcher = client.get("/account-switcher/default/merchantMarketplace?returnTo=/home")
        assert switcher.status == 200
        assert switcher.soup().select_one(spec.signin.selectors["picker"]) is not None


def test_a_failing_switch_keeps_the_marketplace_the_page_shows(spec: Spec) -> None:
    with DemoServer(DemoOptions(marketplaces=(DE, UK), switch_fails=True)) as server:
        client = Client(server.base_url)
        client.sign_in()
        page = client.get(f"/home?mons_sel_mkid={UK}")
        assert marketplace_shown(page.text, spec) != UK
