"""Which marketplace a saved Seller Central page shows, read from its account switcher (pure, no browser).

A marketplace switch can fail silently and land on another marketplace (shared/reference/seller-central.md,
9b), so the marketplace must be read from what the page shows, never from the ``mons_sel_mkid`` the tool
itself put into the URL. The EU unified account's switcher header label holds the country name
("Germany"); older layouts show it in the partner switcher ("<merchant> | Deutschland"). Both selectors and
the names of each marketplace id live in selectors.yaml (``signin.selectors.marketplace_regional``,
``signin.selectors.marketplace_label``, ``marketplaces``).
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from scraper.errors import MarketplaceError
from scraper.extract import soup_of
from scraper.records import Unknown
from scraper.spec import Spec
from scraper.text import element_text, squash

_SEPARATORS = re.compile(r"\s*[|·•]\s*")
_CURRENT = re.compile(r"\s*\((?:current|aktuell)\)\s*$", re.IGNORECASE)


def _norm(text: str) -> str:
    return squash(text).casefold()


def _label(soup: BeautifulSoup, spec: Spec) -> str | None:
    """Text of the first non-empty switcher label, the regional one first."""
    for key in ("marketplace_regional", "marketplace_label"):
        for element in soup.select(spec.signin.selectors[key]):
            text = element_text(element) if isinstance(element, Tag) else ""
            if text:
                return text
    return None


def match_marketplace(label: str, spec: Spec) -> str | Unknown:
    """The marketplace id whose switcher name is ``label`` (or one "|"-separated part of it); else Unknown.

    Names compare ignoring case and spacing, and a trailing "(current)" is ignored. A label that names
    two different marketplaces is Unknown too: guessing between them would defeat the check.
    """
    names = {_norm(name): mkid for mkid, all_names in spec.marketplaces.items() for name in all_names}
    whole = _norm(_CURRENT.sub("", label))
    if whole in names:
        return names[whole]
    found = {names[part] for part in (_norm(p) for p in _SEPARATORS.split(_CURRENT.sub("", label))) if part in names}
    if len(found) == 1:
        return found.pop()
    return Unknown(squash(label))


def marketplace_shown(html: str, spec: Spec) -> str | Unknown | None:
    """The marketplace id the page's account switcher shows.

    None when the page has no (visible) switcher label at all; :class:`~scraper.records.Unknown` with the
    label's text when the label names no marketplace of ``spec.marketplaces`` (a marketplace the spec does
    not list, or a label the page words differently): that is never to be read as "fine".
    """
    label = _label(soup_of(html), spec)
    return None if label is None else match_marketplace(label, spec)


def check_marketplace(html: str, spec: Spec, account: str, expected: str) -> None:
    """Raise MarketplaceError unless the page's switcher shows ``expected`` (a marketplace id).

    A page without any switcher label cannot be checked and is an error too: the caller decides whether
    an unverifiable page may be read.
    """
    shown = marketplace_shown(html, spec)
    if shown == expected:
        return
    if shown is None:
        raise MarketplaceError(account, f"cannot verify marketplace {expected}: the page shows no account switcher")
    if isinstance(shown, Unknown):
        raise MarketplaceError(
            account,
            f"the page shows marketplace {shown.raw!r}, which selectors.yaml does not know (expected {expected})",
        )
    raise MarketplaceError(account, f"the page shows marketplace {shown}, not {expected}: the switch did not take")
