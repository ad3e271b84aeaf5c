"""Turn a saved page or JSON body into typed records: the one entry point the browser layer and CLI use.

:func:`parse_page` reads rows (:mod:`scraper.extract`), applies each field's transforms, treats the
spec's missing-value placeholders as absent, types the value for the page's locale, and builds the
section's record. Zero rows are "empty" only when the page says so; a required field that is missing or
unparsable is a :class:`~scraper.errors.FieldError` naming the row and the raw text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bs4 import BeautifulSoup

from scraper.errors import FieldError, PageError, SelectorDriftError, ValueParseError
from scraper.extract import RawPage, RawValue, api_field, dom_field, load_json, read_api, read_dom, soup_of
from scraper.spec import FieldSpec, SectionSpec, Spec, SummarySource
from scraper.status import SectionStatus
from scraper.transforms import apply_all
from scraper.values import Locale

Source = Literal["dom", "api"]


@dataclass(frozen=True)
class ParseResult:
    """The records of one section read from one source (one page, or several merged)."""

    section: str
    source: str
    status: SectionStatus
    """OK or EMPTY."""
    records: tuple[Any, ...]
    locale: str | None = None
    next_page: str | None = None
    total: int | None = None
    summary: Any = None
    pages: int = 1
    duplicates: tuple[tuple[Any, ...], ...] = field(default=())
    """Keys seen on more than one page (a list that shifted while paging); the first copy is kept."""


def record_key(key_fields: tuple[str, ...], record: Any) -> tuple[Any, ...]:
    """The values of a record's key fields, which identify it across runs."""
    return tuple(getattr(record, name) for name in key_fields)


def _is_missing(value: RawValue, missing: frozenset[str]) -> bool:
    return value is None or (isinstance(value, str) and value.strip().casefold() in missing)


def convert(
    section: str, source: str, row: int, f: FieldSpec, raw: RawValue, locale: Locale, missing: frozenset[str]
) -> Any:
    """Transform, check and type one raw value; FieldError with the raw text when it does not fit."""
    if f.exists:
        return bool(raw)
    value: Any = raw
    if isinstance(value, str) and not value.strip():
        # An empty cell says nothing: a transform must not turn it into a value (a `match` into False).
        value = None
    if f.transforms and value is not None:
        if isinstance(value, list):
            value = [str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v for v in value]
        elif isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        value = apply_all(f.transforms, value)
    if f.multiple:
        items = [v for v in (value or []) if not _is_missing(v, missing)]
        if not items and f.required:
            raise FieldError(section, source, row, f.name, raw, "required field is missing")
        try:
            return tuple(f.parser(item, locale) for item in items)
        except ValueParseError as exc:
            raise FieldError(section, source, row, f.name, exc.raw, exc.reason) from exc
    if isinstance(value, list):
        raise FieldError(section, source, row, f.name, raw, "got a list; declare multiple: true")
    if _is_missing(value, missing):
        if f.required:
            raise FieldError(section, source, row, f.name, raw, "required field is missing")
        return None
    try:
        return f.parser(value, locale)
    except ValueParseError as exc:
        raise FieldError(section, source, row, f.name, raw, exc.reason) from exc


def _build(
    spec: Spec,
    section: SectionSpec,
    source: str,
    record_type: type,
    fields: dict[str, FieldSpec],
    raw_rows: list[dict[str, RawValue]],
    locale: Locale,
) -> list[Any]:
    records = []
    for i, raw in enumerate(raw_rows, start=1):
        values = {
            name: convert(section.id, source, i, f, raw[name], locale, spec.missing_values)
            for name, f in fields.items()
        }
        try:
            records.append(record_type(**values))
        except ValueError as exc:  # a record's own check, such as a rating outside 1..5
            raise FieldError(section.id, source, i, "(record)", values, str(exc)) from exc
    return records


def _summary_dom(spec: Spec, section: SectionSpec, soup: BeautifulSoup, locale: Locale) -> Any:
    assert section.summary is not None
    assert section.summary.dom is not None
    src: SummarySource = section.summary.dom
    assert src.scope is not None
    scope = soup.select_one(src.scope)
    if scope is None:
        raise SelectorDriftError(section.id, "dom", src.scope, "the summary block is missing")
    raw = {name: dom_field(scope, f) for name, f in src.fields.items()}
    return _build(spec, section, "dom summary", section.summary.record_type, src.fields, [raw], locale)[0]


def parse_summary_api(spec: Spec, section: SectionSpec, body: str | bytes | Any) -> Any:
    """The section's summary record from its own JSON body (for example /pcrHealth/pcrKpi)."""
    if section.summary is None or section.summary.api is None:
        raise PageError(section.id, "api", "this section has no API summary")
    document = load_json(section.id, body, spec.signin.body_markers)
    if not isinstance(document, dict):
        raise SelectorDriftError(section.id, "api summary", "(body)", "expected a JSON object")
    src = section.summary.api
    raw = {name: api_field(document, f) for name, f in src.fields.items()}
    return _build(spec, section, "api summary", section.summary.record_type, src.fields, [raw], Locale())[0]


def parse_page(
    spec: Spec, section_id: str, source: Source, payload: str | bytes | Any, locale: str | None = None
) -> ParseResult:
    """Records of one saved page (``source="dom"``, HTML) or one JSON body (``source="api"``).

    ``locale`` overrides the page's own ``lang`` (needed for bare API bodies only where they carry
    formatted text). Raises SelectorDriftError, SignedOutError, FieldError or PageError.
    """
    section = spec.section(section_id)
    summary = None
    if source == "dom":
        html = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
        soup = soup_of(html)
        page: RawPage = read_dom(spec, section, soup)
        loc = Locale.parse(locale or page.locale)
        fields = section.dom.fields
        if section.summary is not None and section.summary.dom is not None and not page.empty:
            summary = _summary_dom(spec, section, soup, loc)
    elif source == "api":
        if section.api is None:
            raise PageError(section_id, "api", "this section has no API source in the spec; use --source dom")
        page = read_api(spec, section, payload)
        loc = Locale.parse(locale)
        fields = section.api.fields
    else:
        raise ValueError(f"unknown source {source!r}")
    records = _build(spec, section, source, section.record_type, fields, page.rows, loc)
    return ParseResult(
        section=section_id,
        source=source,
        status=SectionStatus.EMPTY if page.empty else SectionStatus.OK,
        records=tuple(records),
        locale=str(loc) if loc.language else None,
        next_page=page.next_page,
        total=page.total,
        summary=summary,
    )


def merge_pages(section: SectionSpec, pages: list[ParseResult]) -> ParseResult:
    """One result for a paginated list; a record whose key repeats on a later page is kept once."""
    if not pages:
        raise ValueError("no pages to merge")
    seen: dict[tuple[Any, ...], Any] = {}
    duplicates = []
    for page in pages:
        for record in page.records:
            key = record_key(section.key, record)
            if key in seen:
                duplicates.append(key)
            else:
                seen[key] = record
    records = tuple(seen.values())
    first = pages[0]
    return ParseResult(
        section=first.section,
        source=first.source,
        status=SectionStatus.OK if records else SectionStatus.EMPTY,
        records=records,
        locale=first.locale,
        next_page=pages[-1].next_page,
        total=first.total,
        summary=next((p.summary for p in pages if p.summary is not None), None),
        pages=len(pages),
        duplicates=tuple(duplicates),
    )
