"""Pure extraction of raw values: rendered HTML or a JSON body in, one dict of raw values per row out.

Nothing here types or validates values (see :mod:`scraper.parse`); it only finds rows and cells as the
spec says, and tells "the page says it is empty" from "the page does not match" (selector drift).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bs4 import BeautifulSoup, Comment, Tag
from bs4.element import NavigableString, TemplateString

from scraper.errors import PageError, SelectorDriftError, SignedOutError
from scraper.jsonpath import MISSING, resolve
from scraper.spec import ApiSource, DomSource, FieldSpec, SectionSpec, Spec
from scraper.text import element_text, squash
from scraper.values import enum_key

RawValue = str | int | float | bool | list[Any] | None


@dataclass(frozen=True)
class RawPage:
    """What one page or body holds before typing."""

    rows: list[dict[str, RawValue]]
    empty: bool
    """True when there are no rows and the page says so (empty-state marker, or an empty row list)."""
    locale: str | None = None
    next_page: str | None = None
    """DOM: the "Next" link's href ("" for a link without one); None on the last page."""
    total: int | None = None
    """API: the total row count the body announces, where the spec names it."""


def _text(element: Tag) -> str:
    return element_text(element)


def _attr(element: Tag, name: str) -> str | None:
    value = element.get(name)
    if isinstance(value, list):  # bs4 splits multi-valued attributes such as class
        return " ".join(value)
    if value is None:
        return None
    # Katal renders attributes such as kat-badge's label as text: read them like text, so that a no-break
    # space or a line break in the template does not change the value.
    return squash(value)


def dom_field(row: Tag, field: FieldSpec) -> RawValue:
    """The raw value of one field in one row (or one cell): text, attribute, presence or a list of them."""
    if field.exists:
        return row.select_one(field.css) is not None if field.css else True
    if field.css is None:
        elements: list[Tag] = [row]
    elif field.multiple:
        elements = list(row.select(field.css))
    else:
        first = row.select_one(field.css)
        elements = [first] if first is not None else []
    values = [_attr(el, field.attr) if field.attr else _text(el) for el in elements]
    if field.multiple:
        return [v for v in values if v is not None]
    return values[0] if values else None


def signed_out(spec: Spec, soup: BeautifulSoup) -> bool:
    """The page is one of Amazon's sign-in steps (email, password, or the /ax/claim passkey prompt)."""
    return any(soup.select_one(spec.signin.selectors[k]) is not None for k in ("email", "password", "other_account"))


HIDDEN_MARK = "data-sc-hidden"
"""Attribute the browser layer puts on every element a person cannot see before it saves a page."""

_INVISIBLE = (
    f"[{HIDDEN_MARK}], [hidden], [aria-hidden='true'], script, style, template:not([shadowrootmode]), noscript"
)
_STYLE_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def drop_invisible(soup: BeautifulSoup) -> BeautifulSoup:
    """Remove what a person cannot see, so that hidden duplicate rows and dead markup never become records.

    Seller Central renders hidden copies of table rows (same test ids, hidden by CSS). A live page is
    marked by the browser (``data-sc-hidden``); a hand-made or older file may only carry ``hidden``,
    ``aria-hidden="true"`` or an inline ``display: none``. Comments, scripts and styles inside rows go too.
    """
    for element in soup.select(_INVISIBLE):
        if not element.decomposed:  # an ancestor may have gone already
            element.decompose()
    for element in soup.select("[style]"):
        if not element.decomposed and _STYLE_HIDDEN.search(str(element.get("style"))):
            element.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    # An inlined shadow root (the walk saves them as declarative templates) is part of what a person sees;
    # CSS selectors do not enter template contents, so its children take the template's place.
    for template in soup.select("template[shadowrootmode]"):
        for text in template.find_all(string=lambda s: isinstance(s, TemplateString)):
            text.replace_with(NavigableString(str(text)))  # bs4 leaves template strings out of get_text()
        template.unwrap()
    # Text that a comment or a removed element split (React renders "3<!-- --> orders") becomes one
    # string again; else get_text(" ") would read "Jul 2<!-- -->8" as "Jul 2 8".
    soup.smooth()
    return soup


def soup_of(html: str) -> BeautifulSoup:
    """The visible part of a parsed page (lxml: several times faster than html.parser on big pages)."""
    return drop_invisible(BeautifulSoup(html, "lxml"))


def _refuse_copies(section_id: str, rows_css: str, rows: list[dict[str, RawValue]]) -> None:
    """Two rows that read exactly alike are a hidden copy nothing marked as hidden: fail, never count twice.

    Seller Central renders hidden duplicates of rows; the browser layer marks them (``data-sc-hidden``). A
    page saved without the marks, or a new way of hiding, would otherwise double every record silently.
    """
    seen: dict[str, int] = {}
    for i, row in enumerate(rows, start=1):
        if not any(v not in (None, "", [], False) for v in row.values()):
            continue  # a row with nothing in it fails on its required fields, with a clearer message
        fingerprint = json.dumps(row, sort_keys=True, default=str)
        if fingerprint in seen:
            raise SelectorDriftError(
                section_id,
                "dom",
                rows_css,
                f"rows {seen[fingerprint]} and {i} read exactly alike: a hidden duplicate row that is not "
                f"marked {HIDDEN_MARK!r} (was the page saved without the browser layer's marks?)",
            )
        seen[fingerprint] = i


def read_dom(
    spec: Spec, section: SectionSpec, soup: BeautifulSoup, only: tuple[str, ...] | None = None
) -> RawPage:
    """Find the rows of a rendered section page and read each field's raw value (or only the named fields)."""
    source: DomSource = section.dom
    fields = source.fields if only is None else {name: source.fields[name] for name in only}
    locale_el = soup.select_one(spec.locale_css)
    locale = _attr(locale_el, spec.locale_attr) if locale_el is not None else None
    rows = soup.select(source.rows)
    if not rows:
        if soup.select_one(section.empty) is not None:
            return RawPage([], True, locale)
        if signed_out(spec, soup):
            raise SignedOutError(section.id, "dom")
        raise SelectorDriftError(
            section.id, "dom", source.rows, f"no rows, and no empty-state marker {section.empty!r} either"
        )
    next_el = soup.select_one(source.next_page) if source.next_page else None
    next_page = (_attr(next_el, "href") or "") if next_el is not None else None
    positions, width = _column_positions(section, soup, fields)
    if positions:
        assert source.cells is not None
        for i, row in enumerate(rows, start=1):
            count = len(row.select(source.cells))
            if count != width:
                # A row with another number of cells than the header would shift every value silently.
                raise SelectorDriftError(
                    section.id, "dom", source.cells, f"row {i} has {count} cells, the header has {width} columns"
                )

    def value(row: Tag, f: FieldSpec) -> RawValue:
        if not f.column:
            return dom_field(row, f)
        assert source.cells is not None
        position = positions.get(f.name)
        if position is None:
            return [] if f.multiple else (False if f.exists else None)
        return dom_field(row.select(source.cells)[position], f)

    raw_rows = [{name: value(row, f) for name, f in fields.items()} for row in rows]
    _refuse_copies(section.id, source.rows, raw_rows)
    return RawPage(
        rows=raw_rows,
        empty=False,
        locale=locale,
        next_page=next_page,
    )


def _column_positions(
    section: SectionSpec, soup: BeautifulSoup, fields: dict[str, FieldSpec]
) -> tuple[dict[str, int], int]:
    """Field name -> the index of its column, found by header label, and the number of columns; drift when a
    required column is gone."""
    wanted = {name: f for name, f in fields.items() if f.column}
    if not wanted:
        return {}, 0
    assert section.dom.headers is not None
    labels = [enum_key(_text(cell)) for cell in soup.select(section.dom.headers)]
    positions = {}
    for name, f in wanted.items():
        keys = {enum_key(label) for label in f.column}
        found = next((i for i, label in enumerate(labels) if label in keys), None)
        if found is not None:
            positions[name] = found
        elif f.required:
            raise SelectorDriftError(
                section.id, "dom", section.dom.headers, f"no column headed {' / '.join(f.column)!r} for {name}"
            )
    return positions, len(labels)


def load_json(section_id: str, body: str | bytes | Any, signin_markers: tuple[str, ...]) -> Any:
    """A parsed JSON body; an HTML sign-in page (any of ``signin_markers`` in it, selectors.yaml
    ``signin.signin_body_markers``) or other non-JSON is a clear error."""
    if not isinstance(body, str | bytes):
        return body
    try:
        return json.loads(body)
    except RecursionError:
        raise PageError(section_id, "api", "the body is nested too deeply to read") from None
    except UnicodeDecodeError as exc:
        raise PageError(section_id, "api", f"the body is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        if any(marker in text for marker in signin_markers):
            raise SignedOutError(section_id, "api") from exc
        raise PageError(section_id, "api", f"the body is not JSON: {exc.msg} at position {exc.pos}") from exc


def api_field(row: Any, field: FieldSpec) -> RawValue:
    """The raw value of one field in one JSON row (None for null or a missing path)."""
    assert field.path is not None
    value = resolve(row, field.path)
    if value is MISSING:
        return [] if field.multiple else None
    if field.multiple and not isinstance(value, list):
        return [] if value is None else [value]
    raw: RawValue = value
    return raw


def read_api(spec: Spec, section: SectionSpec, body: str | bytes | Any) -> RawPage:
    """Find the rows of a JSON body as the section's api source says and read each field's raw value."""
    source: ApiSource = section.source("api")  # type: ignore[assignment]
    document = load_json(section.id, body, spec.signin.body_markers)
    rows = resolve(document, source.rows)
    if rows is MISSING or not isinstance(rows, list):
        found = "missing" if rows is MISSING else f"a {type(rows).__name__}, not a list"
        raise SelectorDriftError(section.id, "api", source.rows, f"the row path is {found} in the body")
    total = None
    if source.total is not None:
        total = resolve(document, source.total)
        # A total the body leaves out is Amazon's count not sent: the read is "not verified" (scraper/counters.py),
        # not drift, and paging falls back to the page size. One that is not a number is a changed body.
        if total is MISSING:
            total = None
        elif not isinstance(total, int) or isinstance(total, bool):
            raise SelectorDriftError(section.id, "api", source.total, f"total count is {total!r}, not a number")
        if not rows and total:
            raise SelectorDriftError(section.id, "api", source.rows, f"no rows although the body says {total}")
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise SelectorDriftError(section.id, "api", source.rows, f"row {i} is a {type(row).__name__}")
    return RawPage(
        rows=[{name: api_field(row, f) for name, f in source.fields.items()} for row in rows],
        empty=not rows,
        total=total,
    )
