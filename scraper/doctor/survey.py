"""What every selector and JSON path of a section's spec matched in a capture: the diagnosis table.

Counts only; deciding what is wrong is the fixers' job. DOM fields are read in every row the rows selector
picks on every rendered page; API fields in every row of every body of the section's endpoint.
"""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup

from scraper.capture import SectionCapture
from scraper.doctor.calls import body_json
from scraper.doctor.model import Match
from scraper.doctor.pages import Rendered
from scraper.errors import PageError
from scraper.extract import dom_field
from scraper.jsonpath import MISSING, resolve
from scraper.spec import SectionSpec
from scraper.text import element_text
from scraper.values import enum_key


def _per_page(counts: list[int]) -> str:
    if not counts:
        return "no rendered page"
    if len(set(counts)) == 1 and len(counts) > 1:
        return f"{counts[0]} on each of {len(counts)} pages"
    return ", ".join(map(str, counts)) + (" (pages " + f"1-{len(counts)})" if len(counts) > 1 else " (1 page)")


def _count(soup: BeautifulSoup, css: str) -> int:
    try:
        return len(soup.select(css))
    except Exception:  # a selector soupsieve cannot run on this page
        return 0


def _dom(section: SectionSpec, pages: list[Rendered]) -> list[Match]:
    full = [p.full for p in pages]
    seen = [p.seen for p in pages]
    sid = f"sections.{section.id}"
    out = [
        Match(
            f"{sid}.ready",
            "css",
            f"matched on {sum(_count(s, section.ready) > 0 for s in full)} of {len(full)} page(s)",
        ),
        Match(
            f"{sid}.empty",
            "css",
            f"matched on {sum(_count(s, section.empty) > 0 for s in full)} of {len(full)} page(s)",
        ),
    ]
    rows_per_page = [_count(s, section.dom.rows) for s in seen]
    out.append(Match(f"{sid}.dom.rows", "css", f"{_per_page(rows_per_page)} visible row(s)", ok=any(rows_per_page)))
    if section.dom.next_page:
        hits = sum(_count(s, section.dom.next_page) > 0 for s in seen)
        out.append(Match(f"{sid}.dom.next_page", "css", f"matched on {hits} of {len(seen)} page(s)"))
    if section.dom.headers:
        labels = [element_text(c) for c in (seen[0].select(section.dom.headers) if seen else [])]
        out.append(Match(f"{sid}.dom.headers", "css", f"{len(labels)} header cell(s)", ok=bool(labels) or not seen))
    rows = [(s, r) for s in seen for r in s.select(section.dom.rows)]
    for name, f in section.dom.fields.items():
        got = 0
        for soup, row in rows:
            scope = row
            if f.column and section.dom.headers and section.dom.cells:
                labels = [enum_key(element_text(c)) for c in soup.select(section.dom.headers)]
                keys = {enum_key(x) for x in f.column}
                position = next((i for i, label in enumerate(labels) if label in keys), None)
                cells = row.select(section.dom.cells)
                if position is None or position >= len(cells):
                    continue
                scope = cells[position]
            try:
                value = dom_field(scope, f)
            except Exception:  # a count, never an error
                value = None
            got += value not in (None, "", [], False)
        what = f.css or ("column " + f.column[0] if f.column else "the row")
        out.append(Match(f"{sid}.dom.fields.{name}", "css", f"{what!s}: a value in {got} of {len(rows)} row(s)"))
    return out


def _api(section: SectionSpec, capture: SectionCapture) -> list[Match]:
    api = section.api
    if api is None:
        return []
    sid = f"sections.{section.id}.api"
    calls = [x for p in capture.pages for x in p.exchanges]
    hits = [x for x in calls if api.url_pattern.search(x.url)]
    out = [Match(f"{sid}.url_pattern", "url_pattern", f"{len(hits)} of {len(calls)} recorded call(s)", ok=bool(hits))]
    documents = [d for x in hits if (d := body_json(x)) is not None]
    rows: list[Any] = []
    lists = 0
    for d in documents:
        found = resolve(d, api.rows)
        if isinstance(found, list):
            lists += 1
            rows.extend(r for r in found if isinstance(r, dict))
    out.append(Match(f"{sid}.rows", "path", f"a list in {lists} of {len(documents)} body(ies), {len(rows)} row(s)"))
    if api.total:
        present = sum(resolve(d, api.total) is not MISSING for d in documents)
        out.append(Match(f"{sid}.total", "path", f"in {present} of {len(documents)} body(ies)"))
    for name, f in api.fields.items():
        path = f.path or ""
        present = sum(resolve(r, path) not in (MISSING, None) for r in rows)
        out.append(Match(f"{sid}.fields.{name}", "path", f"{path}: a value in {present} of {len(rows)} row(s)"))
    return out


def survey(section: SectionSpec, capture: SectionCapture, pages: list[Rendered]) -> list[Match]:
    """Per selector and path of the section: how much it matched in the capture (``pages``: its rendered
    pages, parsed)."""
    try:
        return _dom(section, pages) + _api(section, capture)
    except PageError as exc:  # a page the reader itself refuses: said once, the counts stop
        return [Match(f"sections.{section.id}", "page", str(exc), ok=False)]
