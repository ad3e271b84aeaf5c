"""The demo Seller Central: sign-in steps, sessions, locale and marketplace switches, the JSON endpoints
(paged exactly like the fixtures say), the read-only check, and one real-browser read of all six sections.

Everything but the last test talks plain HTTP (urllib with a cookie jar), so it is fast and needs no browser.
"""

from __future__ import annotations

import http.cookiejar
import json
import math
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pyotp
import pytest
from bs4 import BeautifulSoup

from scraper.demo.server import (
    CAPTCHA_ANSWER,
    CVF_CODE,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    MARKETPLACES,
    DemoOptions,
    DemoServer,
)
from scraper.demo.site import LABELS, RETURN_REASONS, SECTIONS
from scraper.login import with_params
from scraper.parse import merge_pages, parse_page, parse_summary_api
from scraper.serialize import to_jsonable
from scraper.spec import Spec, load_spec
from scraper.values import Locale
from scraper.walk import expand_groups, snapshot
from tests.demo_data import demo_body, demo_records, demo_summary
from tests.fixture_cases import comparable, source_fields

DE, UK, FR = "A1PA6795UKMFR9", "A1F83G8C2ARO7P", "A13V1IB3VIYZZH"
API_SECTIONS = list(SECTIONS.values())


def golden(section: str, case: str = "de-typical") -> list[dict[str, Any]]:
    """The records of the demo's own list (never the parser goldens: tests/demo_data.py)."""
    return demo_records(load_spec(), section, case)


# --- a small HTTP client with cookies ----------------------------------------------------------------------


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


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer(DemoOptions()) as demo:
        yield demo


@pytest.fixture
def client(server: DemoServer) -> Client:
    return Client(server.base_url)


@pytest.fixture
def signed_in(client: Client) -> Client:
    reply = client.sign_in()
    assert reply.soup().select_one("#sc-content-container") is not None
    return client


# --- sign-in -----------------------------------------------------------------------------------------------


def test_root_redirects_to_signin_then_home(server: DemoServer, client: Client) -> None:
    reply = client.get("/")
    assert reply.path == "/ap/signin"
    assert parse_qs(urlsplit(reply.url).query)["openid.return_to"] == ["/home"]
    form = reply.soup().select_one("form[name=signIn]")
    assert form is not None
    assert form.select_one("#ap_email[name=email]") is not None
    assert form.select_one("#continue") is not None
    client.sign_in()
    assert client.get("/").path == "/home"


def test_every_sign_in_step_in_order_ends_with_an_httponly_session(server: DemoServer, client: Client) -> None:
    server.options.captcha = True
    server.options.identity_check = True
    reply = client.post("/ap/signin", {"email": DEMO_EMAIL, "openid.return_to": "/cu/case-lobby"})
    soup = reply.soup()
    assert soup.select_one("form[name=signIn] #ap_password[name=password]") is not None
    assert soup.select_one("input[type=checkbox][name=rememberMe]") is not None
    assert soup.select_one("#signInSubmit") is not None
    reply = client.post(
        "/ap/signin", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "openid.return_to": "/cu/case-lobby"}
    )
    assert reply.path == "/errors/validateCaptcha"
    soup = reply.soup()
    assert soup.select_one("img#auth-captcha-image[alt]") is not None
    assert soup.select_one("form[action*=validateCaptcha] input[name=guess]") is not None
    assert client.post("/errors/validateCaptcha", {"guess": "WRONG"}).soup().select_one(".a-alert-error")
    reply = client.post("/errors/validateCaptcha", {"guess": CAPTCHA_ANSWER.lower()})
    assert reply.path == "/ap/cvf/verify"
    assert reply.soup().select_one("form input[name=code]") is not None
    assert client.post("/ap/cvf/verify", {"code": "000000"}).soup().select_one("#auth-error-message-box")
    reply = client.post("/ap/cvf/verify", {"code": CVF_CODE})
    assert reply.path == "/ap/mfa"
    soup = reply.soup()
    otp = soup.select_one("#auth-mfa-otpcode")
    assert otp is not None
    assert (otp["name"], otp["autocomplete"]) == ("otpCode", "one-time-code")
    assert soup.select_one("#auth-mfa-remember-device[name=rememberDevice]") is not None
    remember = soup.select_one("label[for=auth-mfa-remember-device]")
    assert remember.get_text() == "Auf diesem Browser kein OTP mehr anfordern"
    assert soup.select_one("#auth-signin-button") is not None
    assert client.cookie("session-token") is None
    reply = client.post("/ap/mfa", {"otpCode": pyotp.TOTP(DEMO_TOTP_SECRET).now()})
    assert reply.path == "/cu/case-lobby"
    token = client.cookie("session-token")
    assert token is not None
    assert token.has_nonstandard_attr("HttpOnly")
    assert len(token.value) >= 32
    assert client.cookie("sess-at-main") is not None
    assert reply.soup().select_one("#sc-content-container") is not None
    assert server.sign_in_requests() == 10  # 2 sign-in posts, and a GET, a wrong and a right post per challenge


def test_wrong_password_shows_the_error_box_on_the_password_form(client: Client) -> None:
    reply = client.post("/ap/signin", {"email": DEMO_EMAIL, "password": "nope", "openid.return_to": "/home"})
    soup = reply.soup()
    box = soup.select_one("#auth-error-message-box .a-alert-error, #auth-error-message-box.a-alert-error")
    assert box is not None
    assert "Ihr Passwort ist falsch" in box.get_text()
    assert soup.select_one("#ap_password") is not None
    assert client.cookie("session-token") is None


def test_wrong_one_time_code_shows_the_error_box_again(client: Client) -> None:
    client.post("/ap/signin", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "openid.return_to": "/home"})
    code = pyotp.TOTP(DEMO_TOTP_SECRET).now()
    wrong = f"{(int(code) + 500000) % 1000000:06d}"
    reply = client.post("/ap/mfa", {"otpCode": wrong})
    assert reply.path == "/ap/mfa"
    assert reply.soup().select_one("#auth-error-message-box") is not None
    assert client.cookie("session-token") is None


def test_remembered_device_skips_the_code_next_time(server: DemoServer, client: Client) -> None:
    client.sign_in(remember_device=True)
    server.expire_sessions()
    reply = client.post("/ap/signin", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "openid.return_to": "/home"})
    assert reply.path == "/home"
    fresh = Client(server.base_url)
    fresh.sign_in(remember_device=False)
    server.expire_sessions()
    reply = fresh.post("/ap/signin", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "openid.return_to": "/home"})
    assert reply.path == "/ap/mfa"


def test_no_mfa_option_signs_in_with_the_password_alone(server: DemoServer, client: Client) -> None:
    server.options.require_mfa = False
    client.post("/ap/signin", {"email": DEMO_EMAIL, "openid.return_to": "/home"})
    reply = client.post("/ap/signin", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "openid.return_to": "/home"})
    assert reply.path == "/home"
    assert client.cookie("session-token") is not None


def test_expired_session_answers_200_with_the_signin_form(server: DemoServer, signed_in: Client) -> None:
    server.expire_sessions()
    for reply in (
        signed_in.get("/feedback-manager/index.html"),
        signed_in.get("/fbmapi/v1/feedbacks?pageNumber=0&pageSize=5"),
        signed_in.post_json(SECTIONS["case_log"].endpoint, {"page": 0, "searchPageSize": 5}),
    ):
        assert reply.status == 200
        assert reply.soup().select_one("#ap_email") is not None
        assert reply.headers["Content-Type"].startswith("text/html")


def test_picker_appears_with_two_marketplaces_and_switches() -> None:
    with DemoServer(DemoOptions(marketplaces=(DE, UK))) as server:
        client = Client(server.base_url)
        reply = client.sign_in(f"/voice-of-the-customer?mons_sel_mkid={DE}")
        assert reply.path == "/authorization/select-account"
        assert parse_qs(urlsplit(reply.url).query)["returnTo"] == ["/voice-of-the-customer"]
        soup = reply.soup()
        buttons = soup.select(
            ".full-page-account-switcher .full-page-account-switcher-account "
            "button.full-page-account-switcher-account-details"
        )
        assert [b["data-mkid"] for b in buttons] == [DE, UK]
        labels = [b.select_one(".full-page-account-switcher-account-label").get_text() for b in buttons]
        assert labels == ["Deutschland", "Vereinigtes Königreich"]
        assert soup.select_one("kat-button[data-test=confirm-selection] button") is not None
        reply = client.post("/authorization/select-account", {"mkid": UK, "returnTo": "/voice-of-the-customer"})
        assert reply.path == "/voice-of-the-customer"
        assert parse_qs(urlsplit(reply.url).query)["mons_sel_mkid"] == [UK]
        switcher = reply.soup().select_one("#partner-switcher")
        assert switcher["data-mkid"] == UK
        assert "Vereinigtes Königreich" in switcher.get_text()
        assert client.get(f"/home?mons_sel_mkid={DE}").soup().select_one("#partner-switcher")["data-mkid"] == DE
        # A marketplace the account does not have is ignored, so the switcher still says where you are.
        assert client.get(f"/home?mons_sel_mkid={FR}").soup().select_one("#partner-switcher")["data-mkid"] == DE
        assert server.sign_in_requests() >= 4


def test_one_marketplace_has_no_picker(signed_in: Client, server: DemoServer) -> None:
    assert not any(path.startswith("/authorization") for _, path in server.request_log)


# --- the signed-in pages ------------------------------------------------------------------------------------


def test_shell_has_the_landmarks_and_the_six_menu_paths(spec: Spec, signed_in: Client) -> None:
    soup = signed_in.get("/home").soup()
    assert soup.select_one("html")["lang"] == "de-DE"
    nav = soup.select_one("#a-page > nav#partner-navigation[data-testid=sc-nav-root]")
    assert nav is not None
    assert soup.select_one("#a-page > #sc-content-container") is not None
    assert soup.select_one("meta[name=anti-csrftoken-a2z]") is not None
    assert soup.select_one("#partner-switcher")["data-mkid"] == DE
    for section in spec.sections.values():
        *groups, leaf = section.menu["de"]
        node = nav
        for label in groups:
            summary = next(s for s in node.select("summary") if s.get_text() == label)
            node = summary.parent
        assert node.find("a", string=leaf)["href"] == section.url


def test_mons_sel_locale_switches_and_is_remembered(signed_in: Client) -> None:
    assert signed_in.get("/feedback-manager/index.html").soup().html["lang"] == "de-DE"
    soup = signed_in.get("/feedback-manager/index.html?mons_sel_locale=en_US").soup()
    assert soup.html["lang"] == "en-US"
    assert soup.select_one("#partner-navigation").find("summary", string="Performance") is not None
    assert signed_in.get("/home").soup().html["lang"] == "en-US"
    body = signed_in.get("/fbmapi/v1/feedbacks?pageNumber=0&pageSize=50").json()
    assert body["feedbacks"] == demo_body("feedback", "en-typical")["feedbacks"]
    assert signed_in.get("/home?mons_sel_locale=de_DE").soup().html["lang"] == "de-DE"


def test_section_page_is_a_shell_with_a_spinner_and_the_app(spec: Spec, signed_in: Client) -> None:
    for section in spec.sections.values():
        soup = signed_in.get(section.url).soup()
        assert soup.select_one("script[src='/demo-static/app.js']") is not None
        assert soup.select_one(section.ready) is None, section.id
        assert soup.select_one("#demo-app kat-spinner") is not None
        config = json.loads(soup.select_one("#demo-config").string)
        assert config["section"] == section.id
    assert signed_in.get("/demo-static/app.js").headers["Content-Type"].startswith("text/javascript")
    assert signed_in.get("/demo-static/nope.js").status == 404


def test_unknown_signed_in_path_is_a_404_inside_the_shell(signed_in: Client) -> None:
    reply = signed_in.get("/orders-v3")
    assert reply.status == 404
    assert reply.soup().select_one("#sc-content-container") is not None


# --- the JSON endpoints -------------------------------------------------------------------------------------


def fetch_page(client: Client, section_id: str, page_value: int, size: int, token: str | None = None) -> Reply:
    section = SECTIONS[section_id]
    paging = {section.paging.page_param: page_value, section.paging.size_param: size}
    if section.paging.token is not None:
        paging[section.paging.token] = token or ""
    if section.paging.where == "body":
        return client.post_json(section.endpoint, {**section.params, **paging})
    url = f"{section.endpoint}?{urlencode({**section.params, **paging}, doseq=True)}"
    return client.post_json(url, {}) if section.method == "POST" else client.get(url)


def page_value(section_id: str, index: int, size: int) -> int:
    """The value of the paging parameter for the page at ``index`` (0-based): a page number or a row offset."""
    paging = SECTIONS[section_id].paging
    return paging.start + (index * size if paging.unit == "row" else index)


def all_pages(client: Client, section_id: str, size: int) -> list[Reply]:
    section = SECTIONS[section_id]
    step = size if section.paging.unit == "row" else 1
    pages = []
    value, token = section.paging.start, None
    while True:
        reply = fetch_page(client, section_id, value, size, token)
        assert reply.status == 200, reply.text
        pages.append(reply)
        if len(pages) * size >= int(reply.headers["X-Demo-Total-Count"]):
            return pages
        if section.paging.token is not None:
            token = reply.json()[section.paging.token]
            assert token, "a body before the last page hands out the next page's token"
        value += step


@pytest.mark.parametrize("section_id", [s.id for s in API_SECTIONS])
def test_json_pages_parse_to_the_records_of_the_whole_list(spec: Spec, signed_in: Client, section_id: str) -> None:
    size = 5
    expected = golden(section_id)
    pages = all_pages(signed_in, section_id, size)
    assert len(pages) == math.ceil(len(expected) / size)
    results = [parse_page(spec, section_id, "api", reply.body) for reply in pages]
    assert len(results[0].records) == size
    assert all(len(r.records) == size for r in results[:-1])
    if spec.section(section_id).api.total is not None:
        assert {r.total for r in results} == {len(expected)}
    merged = merge_pages(spec.section(section_id), results)
    assert to_jsonable(list(merged.records)) == expected
    assert merged.duplicates == ()
    if SECTIONS[section_id].paging.token is None:  # a token endpoint is asked past its end by no one
        after_last = fetch_page(signed_in, section_id, page_value(section_id, len(pages), size), size)
        assert after_last.json()[SECTIONS[section_id].rows] == []


def test_regulatory_endpoint_pages_by_offset_and_token(spec: Spec, signed_in: Client) -> None:
    section = SECTIONS["regulatory_compliance"]
    first = fetch_page(signed_in, section.id, 0, 5)
    token = first.json()["nextPageToken"]
    assert token
    assert fetch_page(signed_in, section.id, 5, 5).status == 400  # a later page without the token
    assert fetch_page(signed_in, section.id, 5, 5, "made-up").status == 400
    second = fetch_page(signed_in, section.id, 5, 5, token)
    assert [v["violationId"] for v in second.json()["violations"]] == [
        r["violation_id"] for r in golden(section.id)[5:10]
    ]
    pages = all_pages(signed_in, section.id, 5)
    assert pages[-1].json()["nextPageToken"] is None
    # The page's call as it is on the live site, other tabs' metrics and a GET.
    url = first.url.replace("metricNames=REGULATORY_COMPLIANCE", "metricNames=ListingPolicy")
    assert signed_in.post_json(url, {}).json() == {"violations": [], "nextPageToken": None}
    assert signed_in.get(first.url).status == 405
    assert spec.section(section.id).api.url_pattern.search(first.url)
    assert not spec.section(section.id).api.url_pattern.search(url)


def test_regulatory_page_is_the_product_policies_tab(spec: Spec, signed_in: Client) -> None:
    soup = signed_in.get("/performance/account/health/product-policies?t=regulatory-compliance").soup()
    assert json.loads(soup.select_one("#demo-config").string)["section"] == "regulatory_compliance"
    assert signed_in.get("/performance/account/health/product-policies?t=intel").status == 404
    assert signed_in.get("/performance/account/health/product-policies").status == 404


def test_regulatory_summary_is_the_fixture_summary(spec: Spec, server: DemoServer, signed_in: Client) -> None:
    section = spec.section("regulatory_compliance")
    summary = parse_summary_api(spec, section, signed_in.get(SECTIONS[section.id].extra["summary"]).body)
    assert to_jsonable(summary) == demo_summary(spec, section.id)
    server.options.empty_sections = frozenset({section.id})
    empty = parse_summary_api(spec, section, signed_in.get("/performance/api/summary?platform=SELLER_CENTRAL").body)
    # Built from the (empty) tab alone: the regulatory count, nothing of the Account Health page.
    sent = {k: v for k, v in to_jsonable(empty).items() if v is not None}
    assert sent == {"defect_count": 0, "defect_status": "GOOD"}


def test_voc_summary_is_the_fixture_summary(spec: Spec, signed_in: Client) -> None:
    body = signed_in.get("/pcrHealth/pcrKpi").body
    summary = parse_summary_api(spec, spec.section("voice_of_customer"), body)
    assert to_jsonable(summary) == demo_summary(spec, "voice_of_customer")


def test_voc_serves_the_live_shapes(spec: Spec, signed_in: Client) -> None:
    """Fractions, row offsets and totalListingsCount, as /pcrHealth/pcrListingSummary sends them."""
    expected = golden("voice_of_customer")
    body = fetch_page(signed_in, "voice_of_customer", 5, 5).json()  # pageOffset=5: rows 6 to 10
    assert body["totalListingsCount"] == len(expected)
    assert [r["asin"] for r in body["pcrListings"]] == [g["asin"] for g in expected[5:10]]
    rates = [r[k] for r in body["pcrListings"] for k in ("ncxRate", "ncxReviewRate", "ncxReturnRate")]
    assert all(0 <= rate <= 1 for rate in rates)
    assert any(rate > 0 for rate in rates)
    codes = {r["mostCommonReturnReasonBucket"] for r in body["pcrListings"]} - {None}
    assert codes
    assert all(code.startswith("ui_") for code in codes)
    tail = fetch_page(signed_in, "voice_of_customer", 10, 5).json()  # a row offset, not page 10
    assert [r["asin"] for r in tail["pcrListings"]] == [g["asin"] for g in expected[10:]]


def test_page_size_option_and_the_requested_size(spec: Spec, server: DemoServer, signed_in: Client) -> None:
    assert len(fetch_page(signed_in, "feedback", 0, 3).json()["feedbacks"]) == 3
    reply = signed_in.get("/fbmapi/v1/feedbacks?pageNumber=0")  # no size: the demo's own page size
    assert len(reply.json()["feedbacks"]) == server.options.page_size
    assert signed_in.get("/fbmapi/v1/feedbacks?pageNumber=x").status == 400
    assert signed_in.get(SECTIONS["case_log"].endpoint).status == 405
    # The case lobby asks for its own 10 rows a page, whatever the demo's page size.
    assert server.options.page_size_of("case_log") == 10
    reply = signed_in.post_json(SECTIONS["case_log"].endpoint, {**SECTIONS["case_log"].params, "page": 0})
    assert len(reply.json()["caseSearchResultList"]) == 10


def test_empty_sections_and_case_overrides(spec: Spec, server: DemoServer, signed_in: Client) -> None:
    server.options.empty_sections = frozenset({"case_log", "voice_of_customer"})
    server.options.data = {"feedback": "edge"}
    reply = fetch_page(signed_in, "case_log", 0, 5)
    assert reply.json()["caseSearchResultList"] == []
    assert reply.json()["totalNumberOfResults"] == 0
    assert parse_page(spec, "case_log", "api", reply.body).status == "empty"
    assert signed_in.get("/pcrHealth/pcrKpi").json() == {
        "veryPoorCount": 0,
        "poorCount": 0,
        "fairCount": 0,
        "goodCount": 0,
        "excellentCount": 0,
    }
    pages = all_pages(signed_in, "feedback", 5)
    merged = merge_pages(spec.section("feedback"), [parse_page(spec, "feedback", "api", p.body) for p in pages])
    assert to_jsonable(list(merged.records)) == golden("feedback", "edge")
    server.options.data = {"feedback": "no-such-case"}
    assert fetch_page(signed_in, "feedback", 0, 5).status == 404


# --- read-only check, latency, bookkeeping ------------------------------------------------------------------


def test_write_endpoints_are_recorded(server: DemoServer, signed_in: Client) -> None:
    assert server.write_actions() == []
    assert signed_in.post_json("/demo-write/reply", {"section": "feedback", "id": "x"}).json()["status"] == "RECORDED"
    signed_in.post_json("/demo-write/submit", {})
    assert server.write_actions() == ["reply", "submit"]


def test_latency_is_added_to_every_response(server: DemoServer, client: Client) -> None:
    server.options.latency_ms = 150
    started = time.monotonic()
    client.get("/ap/signin")
    assert time.monotonic() - started >= 0.15


def test_request_log_and_sign_in_count(server: DemoServer, signed_in: Client) -> None:
    before = server.sign_in_requests()
    signed_in.get("/home?mons_sel_locale=de_DE")
    assert server.sign_in_requests() == before
    assert ("GET", "/home?mons_sel_locale=de_DE") in server.request_log


def test_only_loopback_and_a_free_port() -> None:
    with pytest.raises(ValueError, match="loopback"):
        DemoServer(host="0.0.0.0")
    with DemoServer() as one, DemoServer() as two:
        assert one.base_url != two.base_url
        assert one.base_url.startswith("http://127.0.0.1:")
    one.stop()  # a second stop is harmless


def test_command_line_prints_url_and_credentials() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "scraper.demo.server", "--marketplaces", f"{DE},{UK}", "--captcha"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(5)]
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    text = "".join(lines)
    assert "http://127.0.0.1:" in text
    assert DEMO_EMAIL in text
    assert DEMO_PASSWORD in text
    assert CAPTCHA_ANSWER in text


# --- the demo agrees with selectors.yaml ----------------------------------------------------------------------


def test_sections_match_the_spec(spec: Spec) -> None:
    assert list(SECTIONS) == list(spec.sections)
    for section in SECTIONS.values():
        s = spec.section(section.id)
        assert (section.url, section.menu, section.title) == (s.url, s.menu, s.title), section.id
        assert s.api is not None, section.id
        query = f"?{urlencode(section.params, doseq=True)}" if section.paging.where == "query" else ""
        assert s.api.url_pattern.search(section.endpoint + query), section.id
        assert s.api.method == section.method
        assert s.api.rows == section.rows
        assert s.api.total == section.total
        assert s.api.paging is not None
        paging = (
            s.api.paging.location,
            s.api.paging.page_param,
            s.api.paging.start,
            s.api.paging.size_param,
            s.api.paging.unit,
        )
        assert paging == (
            section.paging.where,
            section.paging.page_param,
            section.paging.start,
            section.paging.size_param,
            section.paging.unit,
        ), section.id
        assert (s.api.paging.unit, s.api.paging.token_param) == (section.paging.unit, section.paging.token), section.id
    for mkid, names in MARKETPLACES.items():
        assert names["de"] in spec.marketplaces[mkid]
        assert names["en"] in spec.marketplaces[mkid]


def test_every_label_the_pages_show_is_one_the_spec_reads(spec: Spec) -> None:
    parsers = {
        f.enum: f.parser
        for section in spec.sections.values()
        for source in (section.dom, section.api)
        if source is not None
        for f in source.fields.values()
        if f.enum
    }
    assert set(parsers) == set(LABELS)
    for enum, table in LABELS.items():
        parse = parsers[enum]
        for code, (de, en) in table.items():
            member = parse(code, Locale())
            assert not hasattr(member, "raw"), (enum, code)
            assert parse(de, Locale("de", "DE")) == member, (enum, de)
            assert parse(en, Locale("en", "US")) == member, (enum, en)


def test_every_return_reason_the_page_shows_reads_back_to_its_code(spec: Spec) -> None:
    to_code = spec.section("voice_of_customer").dom.fields["top_ncx_reason"].transforms[0]
    for code, (de, en) in RETURN_REASONS.items():
        assert to_code(de) == code, de
        assert to_code(en) == code, en


# --- a real browser -----------------------------------------------------------------------------------------

PAGER = "#listing-table-pagination kat-pagination"


def next_by_closed_pager(page: Any) -> bool:
    """Click "next" like a person: the button sits at the right end of a pager whose shadow root is closed."""
    host = page.locator(PAGER)
    current, size, total = (int(host.get_attribute(a) or 0) for a in ("page", "items-per-page", "total-items"))
    if current * size >= total:
        return False
    host.scroll_into_view_if_needed()
    box = host.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] - 6, box["y"] + box["height"] / 2)
    page.wait_for_function(
        "([sel, n]) => { const p = document.querySelector(sel); return p && p.getAttribute('page') === n; }",
        arg=[PAGER, str(current + 1)],
        timeout=10000,
    )
    return True


@pytest.mark.browser
def test_browser_signs_in_and_reads_every_section_like_the_demo_lists(page: Any, spec: Spec) -> None:
    with DemoServer(DemoOptions()) as server:
        page.goto(server.base_url + "/")
        page.fill("#ap_email", DEMO_EMAIL)
        page.click("#continue")
        page.fill("#ap_password", DEMO_PASSWORD)
        page.check("input[name=rememberMe]")
        page.click("#signInSubmit")
        page.wait_for_selector("#auth-mfa-otpcode")
        page.fill("#auth-mfa-otpcode", pyotp.TOTP(DEMO_TOTP_SECRET).now())
        page.check("#auth-mfa-remember-device")
        page.click("#auth-signin-button")
        page.wait_for_selector("#sc-content-container", state="attached")

        for section in spec.sections.values():
            page.goto(with_params(f"{server.base_url}{section.url}", mons_sel_locale="de_DE"))
            results = []
            while True:
                page.wait_for_selector(section.ready, state="attached", timeout=10000)
                expand_groups(page, section, 10000)
                results.append(parse_page(spec, section.id, "dom", snapshot(page, spec)))
                href = results[-1].next_page
                if href is None:
                    if section.dom.next_page is None and section.api is not None and next_by_closed_pager(page):
                        continue
                    break
                if href:
                    page.goto(urljoin(page.url, href))
                else:
                    # In place: the app drops the old rows on click, so the ready marker means new rows.
                    page.locator(section.dom.next_page).first.click()
            merged = merge_pages(section, results)
            assert merged.duplicates == (), section.id
            expected = golden(section.id)
            both = source_fields(spec, section.id)  # the page and the JSON each carry a few fields alone
            assert comparable(to_jsonable(list(merged.records)), both) == comparable(expected, both), section.id
            assert len(results) == math.ceil(len(expected) / server.options.page_size_of(section.id)), section.id
            assert all(r.locale == "de_DE" for r in results)
            if section.summary is not None and section.summary.dom is not None:
                assert to_jsonable(merged.summary) == demo_summary(spec, section.id)

        assert server.write_actions() == []
        page.locator("[data-write-action]").first.click()
        page.wait_for_selector(".demo-toast", state="attached")
        assert len(server.write_actions()) == 1


def test_the_demo_answers_a_forced_status_per_path() -> None:
    with DemoServer(DemoOptions(http_status={"/home": 503, "/fbmapi/": "429:1"})) as server:
        for path, code in (("/home", 503), ("/fbmapi/v1/feedbacks?pageNumber=0", 429)):
            with pytest.raises(urllib.error.HTTPError) as info:
                urllib.request.urlopen(server.base_url + path, timeout=5)
            info.value.close()
            assert info.value.code == code
            assert info.value.headers.get("Retry-After") == ("1" if code == 429 else None)
