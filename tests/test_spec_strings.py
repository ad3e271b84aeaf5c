"""The last markup-coupled strings come from selectors.yaml: edit the file and the tool follows.

Each test loads a copy of the shipped spec with one string changed and shows the code using the new value
(and no longer the old one): the home path and the URL parameters, the CAPTCHA path of the sign-in
classifier, the picker's marketplace attribute, and the markers of a sign-in page in place of a JSON body.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from scraper.errors import PageError, SignedOutError
from scraper.login import PageKind, classify
from scraper.names import finding_link
from scraper.parse import parse_page
from scraper.spec import DEFAULT_SPEC_PATH, Spec, load_spec

DE = "A1PA6795UKMFR9"
SIGNIN_SHELL = '<html><body><form name="signIn"><input id="ap_email" name="email"></form></body></html>'


def _spec(tmp_path: Path, **changes: Any) -> Spec:
    """The shipped spec with ``section__key=value`` changes (``page__home="/start"``)."""
    doc = yaml.safe_load(DEFAULT_SPEC_PATH.read_text(encoding="utf-8"))
    for place, value in changes.items():
        *parents, key = place.split("__")
        node = doc
        for name in parents:
            node = node[name]
        node[key] = value
    path = tmp_path / "selectors.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_spec(path)


class _Locator:
    def __init__(self, count: int) -> None:
        self._count = count
        self.first = self

    def count(self) -> int:
        return self._count

    def is_visible(self) -> bool:
        return self._count > 0


class _Page:
    """Just enough of a Playwright page for classify(): a URL, and no element matching any selector."""

    def __init__(self, url: str) -> None:
        self.url = url

    def locator(self, selector: str) -> _Locator:
        return _Locator(0)


def test_the_shipped_spec_holds_the_strings(spec: Spec) -> None:
    assert spec.home == "/home"
    assert spec.marketplace_param == "mons_sel_mkid"
    assert spec.locale_param == "mons_sel_locale"
    assert spec.signin.paths["captcha"] == ("/errors/validateCaptcha",)
    assert spec.signin.picker_marketplace_attr == "data-mkid"
    assert spec.signin.body_markers == ("ap_email", "ap_password", "/ap/signin")


def test_the_captcha_path_comes_from_the_spec(spec: Spec, tmp_path: Path) -> None:
    page: Any = _Page("https://sellercentral.example/errors/validateCaptcha?x=1")
    assert classify(page, spec) is PageKind.CAPTCHA
    moved = _spec(tmp_path, signin__paths__captcha=["/robot-check"])
    assert classify(page, moved) is PageKind.UNKNOWN
    assert classify(_Page("https://sellercentral.example/robot-check"), moved) is PageKind.CAPTCHA  # type: ignore[arg-type]


def test_a_challenge_path_is_not_a_captcha(spec: Spec) -> None:
    page: Any = _Page("https://sellercentral.example/ap/cvf/request")
    assert classify(page, spec) is PageKind.CHALLENGE


def test_the_sign_in_markers_of_a_json_body_come_from_the_spec(spec: Spec, tmp_path: Path) -> None:
    with pytest.raises(SignedOutError, match="sign-in page"):
        parse_page(spec, "feedback", "api", SIGNIN_SHELL)
    moved = _spec(tmp_path, signin__signin_body_markers=["authportal-main-section"])
    with pytest.raises(PageError, match="the body is not JSON") as caught:
        parse_page(moved, "feedback", "api", SIGNIN_SHELL)
    assert not isinstance(caught.value, SignedOutError)
    with pytest.raises(SignedOutError):
        parse_page(moved, "feedback", "api", '<div id="authportal-main-section"></div>')


def test_a_finding_link_uses_the_marketplace_parameter_of_the_spec(spec: Spec, tmp_path: Path) -> None:
    base = "https://sellercentral.amazon.de/home"
    assert finding_link(spec, base, DE, "feedback", None) == (
        f"https://sellercentral.amazon.de{spec.sections['feedback'].url}?mons_sel_mkid={DE}"
    )
    moved = _spec(tmp_path, page__marketplace_param="mkt")
    link = finding_link(moved, base, DE, "feedback", None)
    assert link is not None
    assert link.endswith(f"?mkt={DE}")
    assert "mons_sel_mkid" not in link
