"""The JSON calls a captured page made, and a capture seen through another spec's endpoint patterns."""

from __future__ import annotations

import dataclasses
import json
from typing import Any
from urllib.parse import urlparse

from scraper.capture import Exchange, ExchangeRole, SectionCapture
from scraper.doctor.model import Call
from scraper.spec import SectionSpec


def body_json(exchange: Exchange) -> Any:
    """The parsed body of a 2xx exchange; None where there is none or it is not JSON."""
    if not exchange.ok or exchange.body is None:
        return None
    try:
        return json.loads(exchange.body)
    except (ValueError, RecursionError):
        return None


def _keys(document: Any) -> tuple[str, ...]:
    if isinstance(document, dict):
        return tuple(str(k) for k in document)
    if isinstance(document, list):
        return (f"[{len(document)} items]",)
    return ()


def list_calls(capture: SectionCapture) -> list[Call]:
    """Every JSON call of every page, in order: method, path, status, size and top-level keys."""
    calls = []
    for n, page in enumerate(capture.pages, start=1):
        for x in page.exchanges:
            calls.append(
                Call(
                    page=n,
                    role=x.role,
                    method=x.method,
                    path=urlparse(x.url).path,
                    status=x.status,
                    size=len(x.body) if x.body is not None else None,
                    keys=_keys(body_json(x)),
                )
            )
    return calls


def keeps_other_calls(capture: SectionCapture) -> bool:
    """Whether the capture kept the page's other JSON calls (``scraper capture`` and the doctor's walk do)."""
    return any(x.role == "other" for page in capture.pages for x in page.exchanges)


def reclassify(capture: SectionCapture, section: SectionSpec) -> SectionCapture:
    """The capture as a walk with this section spec would have recorded it: each exchange's role decided by
    the spec's endpoint patterns (so a proposed ``url_pattern`` can be tried on a saved capture)."""
    rows = section.api.url_pattern if section.api else None
    summary = section.summary.api.url_pattern if section.summary and section.summary.api else None
    pages = []
    for page in capture.pages:
        exchanges = []
        for x in page.exchanges:
            role: ExchangeRole = "other"
            if rows is not None and rows.search(x.url):
                role = "rows"
            elif summary is not None and summary.search(x.url):
                role = "summary"
            exchanges.append(dataclasses.replace(x, role=role))
        pages.append(dataclasses.replace(page, exchanges=exchanges))
    return dataclasses.replace(capture, pages=pages)
