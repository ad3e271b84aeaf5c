"""The marketplace a saved page shows is read from its account switcher label, never from the URL."""

from __future__ import annotations

import pytest

from scraper.errors import MarketplaceError
from scraper.marketplace import check_marketplace, marketplace_shown, match_marketplace
from scraper.records import Unknown
from scraper.spec import Spec

DE, UK, FR = "A1PA6795UKMFR9", "A1F83G8C2ARO7P", "A13V1IB3VIYZZH"


def page(header: str, url_note: str = "") -> str:
    return f"""<html lang="en-US"><body><div id="a-page"><header>{header}</header>
      <nav id="partner-navigation"></nav><div id="sc-content-container">{url_note}</div></div></body></html>"""


REGIONAL = '<span class="dropdown-account-switcher-header-label-regional">{}</span>'


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (REGIONAL.format("Germany"), DE),
        (REGIONAL.format("  Deutschland "), DE),
        (REGIONAL.format("united kingdom"), UK),
        ('<div id="partner-switcher" data-merchant_selection="x">Olivia Demo GmbH | France</div>', FR),
        # The regional label wins over the partner switcher, whatever their order in the document.
        ('<div id="partner-switcher">Olivia Demo GmbH | France</div>' + REGIONAL.format("Germany"), DE),
        ('<span class="dropdown-account-switcher-header-label">Italy</span>', "APJ6JRA9NG5V4"),
    ],
    ids=["regional label", "German name, spacing", "case", "partner switcher", "regional first", "plain label"],
)
def test_the_switcher_label_names_the_marketplace(spec: Spec, header: str, expected: str) -> None:
    assert marketplace_shown(page(header), spec) == expected


def test_no_label_is_none_even_with_an_id_in_the_page(spec: Spec) -> None:
    html = page("", '<a href="/home?mons_sel_mkid=A1PA6795UKMFR9">home</a>')
    assert marketplace_shown(html, spec) is None


def test_an_unknown_label_is_kept_not_dropped(spec: Spec) -> None:
    assert marketplace_shown(page(REGIONAL.format("Atlantis")), spec) == Unknown("Atlantis")


def test_a_hidden_label_does_not_count(spec: Spec) -> None:
    html = page(
        '<span class="dropdown-account-switcher-header-label-regional" data-sc-hidden="1">France</span>'
        + REGIONAL.format("Germany")
    )
    assert marketplace_shown(html, spec) == DE
    only_hidden = page('<span class="dropdown-account-switcher-header-label-regional" hidden>France</span>')
    assert marketplace_shown(only_hidden, spec) is None


def test_an_empty_regional_label_falls_back_to_the_partner_switcher(spec: Spec) -> None:
    html = page(REGIONAL.format("") + '<div id="partner-switcher">Demo | Spain</div>')
    assert marketplace_shown(html, spec) == "A1RKKUPIHCS9HS"


def test_match_marketplace_rules(spec: Spec) -> None:
    assert match_marketplace("Germany (current)", spec) == DE
    assert match_marketplace("Olivia Demo GmbH · Deutschland", spec) == DE
    assert match_marketplace("Germany | France", spec) == Unknown("Germany | France")  # two names: no guess
    assert match_marketplace("Germanyy", spec) == Unknown("Germanyy")


def test_check_marketplace(spec: Spec) -> None:
    check_marketplace(page(REGIONAL.format("Germany")), spec, "main", DE)
    with pytest.raises(MarketplaceError, match=r"\[main\] the page shows marketplace A1F83G8C2ARO7P, not A1PA"):
        check_marketplace(page(REGIONAL.format("United Kingdom")), spec, "main", DE)
    with pytest.raises(MarketplaceError, match=r"'Atlantis', which selectors\.yaml does not know"):
        check_marketplace(page(REGIONAL.format("Atlantis")), spec, "main", DE)
    with pytest.raises(MarketplaceError, match="no account switcher"):
        check_marketplace(page(""), spec, "main", DE)
