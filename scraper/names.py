"""What a person reads instead of ids: marketplace and section names, a record's title, a finding's link.

Marketplaces show as "Germany (amazon.de)" (the English name and the domain of selectors.yaml
``marketplaces``), sections by their English title, records by what identifies them on the page (a
listing's title and ASIN, a case's number and subject, an order id) rather than their JSON key. Links point
into Seller Central (selectors.yaml ``links``), opened in the finding's marketplace.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlparse, urlunparse

from scraper.serialize import display, key_parts
from scraper.spec import Spec
from scraper.text import squash

ACCOUNT_HEALTH = "Account Health"
"""The title of the Account Health summary's findings and headline numbers (read with regulatory compliance)."""

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_MAX = 90


def marketplace_name(spec: Spec | None, marketplace: str) -> str:
    """ "Germany (amazon.de)"; the id itself where selectors.yaml does not name it."""
    names = spec.marketplaces.get(marketplace, ()) if spec is not None else ()
    domain = next((n for n in names if n.startswith("amazon.")), None)
    words = [n for n in names if n != domain]
    # The lists are [German, English, domain]: the last word before the domain is the English name.
    name = words[-1] if words else None
    if name and domain:
        return f"{name} ({domain})"
    return name or domain or marketplace


def section_title(spec: Spec | None, section: str) -> str:
    """The section's English title ("Voice of the Customer"); the id where the spec does not know it."""
    if spec is None or section not in spec.sections:
        return section
    title = spec.sections[section].title
    return title.get("en") or next(iter(title.values()), section)


def finding_place(section: str, rule: str, detail: dict[str, Any] | None = None) -> str:
    """Where a finding belongs for a person: its section, or "account_health" for the summary's findings."""
    if (detail or {}).get("place") == "account_health" or rule.startswith("account_"):
        return "account_health"
    return section


def place_title(spec: Spec | None, place: str) -> str:
    """A section's title, or "Account Health"."""
    return ACCOUNT_HEALTH if place == "account_health" else section_title(spec, place)


def _short(text: str) -> str:
    text = squash(text)
    return text if len(text) <= _MAX else text[: _MAX - 1].rstrip() + "…"


def record_title(section: str, record: dict[str, Any], key: str | None = None) -> str:
    """A record as a person recognises it on the page; falls back to its key's values."""
    r = record or {}
    if section == "voice_of_customer" and r.get("asin"):
        ids = " / ".join(display(v) for v in (r.get("asin"), r.get("sku") or r.get("fnsku")) if v)
        return _short(f"{r['title']} ({ids})" if r.get("title") else ids)
    if section == "case_log" and r.get("case_id"):
        return _short(f"case {r['case_id']}" + (f": {display(r['subject'])}" if r.get("subject") else ""))
    if section == "feedback" and r.get("order_id"):
        stars = f", {r['rating']} star{'s' if r['rating'] != 1 else ''}" if r.get("rating") else ""
        return _short(f"order {r['order_id']}{stars}" + (f", {r['date']}" if r.get("date") else ""))
    if section == "notifications" and r.get("subject"):
        return _short(display(r["subject"]) + (f" ({r['date']})" if r.get("date") else ""))
    if section == "regulatory_compliance" and (r.get("reason") or r.get("asins")):
        reason = r.get("reason")
        what = reason.replace("_", " ").lower() if isinstance(reason, str) else display(reason)
        products = display(r.get("asins") or [])
        return _short(f"GPSR {what}" + (f": {products}" if products else ""))
    if section == "compliance_requests" and r.get("grain"):
        return _short(f"{r['title']} ({r['grain']})" if r.get("title") else str(r["grain"]))
    if key:
        try:
            return _short(" / ".join(display(p) for p in key_parts(key) if p is not None))
        except (ValueError, TypeError):
            return _short(key)
    return ""


def _origin(url: str | None) -> str:
    parts = urlparse(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def with_marketplace(url: str, marketplace: str, param: str) -> str:
    """``url`` opened in ``marketplace`` (its marketplace parameter ``param``, selectors.yaml
    ``page.marketplace_param``, set)."""
    parts = urlparse(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != param]
    query.append((param, marketplace))
    return urlunparse(parts._replace(query=urlencode(query)))


def finding_link(
    spec: Spec, base_url: str | None, marketplace: str, place: str, record: dict[str, Any] | None
) -> str | None:
    """The place in Seller Central a finding is about: a deep link where selectors.yaml ``links`` has one for the
    place and the record has every field it names, else the section's page; in the finding's marketplace.

    ``base_url`` is any URL on the account's host (the read's own); without it the link is a path only."""
    pattern = spec.links.get(place)
    path = None
    if pattern is not None:
        values = {name: (record or {}).get(name) for name in _PLACEHOLDER.findall(pattern)}
        if all(v not in (None, "") and not isinstance(v, dict | list) for v in values.values()):
            path = _PLACEHOLDER.sub(lambda m: quote(str(values[m.group(1)]), safe=""), pattern)
    if path is None and place in spec.sections:
        path = spec.sections[place].url
    if path is None:
        return None
    return with_marketplace(_origin(base_url) + path, marketplace, spec.marketplace_param)
