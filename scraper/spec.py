"""Load and strictly validate selectors.yaml into frozen spec objects.

Everything markup-coupled lives in that one file: CSS selectors, JSON paths, URLs, menu and enum labels,
the sign-in flow. Validation happens here, once, before any browser starts: an unknown key, type,
transform, enum or record field, an invalid CSS selector or regular expression, or a spec field whose type
does not match its record's annotation is a :class:`~scraper.errors.SpecError` naming the file, the
place in the file (``sections.feedback.dom.fields.rating``) and the line.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import importlib.resources
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import soupsieve

from scraper.errors import SpecError, UnknownSectionError
from scraper.jsonpath import compile_path
from scraper.records import ENUM_TYPES, RECORD_TYPES, SUMMARY_TYPES, Unknown
from scraper.transforms import REGISTRY, Transform, TransformArgError, compile_transform
from scraper.values import EPOCH_UNITS, PARSERS, TYPE_NAMES, EnumParser, EpochParser, ValueParser
from scraper.yamlcheck import Checker, YamlMap, load_yaml


def bundled_spec_path() -> Path:
    """The selectors.yaml shipped inside the package (``scraper/selectors.yaml``; the checkout's top-level
    ``selectors.yaml`` is a symlink to it, so there is one file to edit and a plain ``pip install .`` ships it).

    Read through importlib.resources so an installed wheel finds it wherever the package lives; a package
    imported from a zip gets a temporary copy that lasts as long as the process (the doctor and the worker
    processes need a real file path).
    """
    resource = importlib.resources.files("scraper") / "selectors.yaml"
    if isinstance(resource, Path):
        return resource
    stack = contextlib.ExitStack()
    atexit.register(stack.close)
    return stack.enter_context(importlib.resources.as_file(resource))


DEFAULT_SPEC_PATH = bundled_spec_path()
LOCALES = ("de", "en")
SOURCES = ("dom", "api")

_PY_TYPES: dict[str, type] = {
    "str": str,
    "int": int,
    "decimal": Decimal,
    "percent": Decimal,
    "fraction": Decimal,
    "date": date,
    "datetime": datetime,
    "url": str,
    "bool": bool,
}


# --- spec objects -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """How to read one record field from a row (DOM: ``css``/``attr``/``exists``; API: ``path``)."""

    name: str
    type: str
    required: bool
    multiple: bool
    transforms: tuple[Transform, ...]
    parser: ValueParser
    enum: str | None = None
    css: str | None = None
    """Selector relative to the row; None means the row element itself."""
    attr: str | None = None
    exists: bool = False
    path: str | None = None
    line: int | None = None
    column: tuple[str, ...] = ()
    """DOM: the header labels (every UI language) of the column holding the field; ``css`` is then relative
    to that column's cell. Header labels survive reordered and inserted columns; positions do not."""
    epoch: str | None = None
    """The unit ("seconds", "milliseconds") of a date/datetime field whose raw value is an epoch count."""


@dataclass(frozen=True)
class DomSource:
    """Rows and fields of the rendered page."""

    rows: str
    fields: dict[str, FieldSpec]
    next_page: str | None
    """Selector of the "Next" link; absent on the last page."""
    headers: str | None = None
    """Selector of the table's header cells, in column order (for fields found by ``column``)."""
    cells: str | None = None
    """Selector of a row's cells relative to the row, in column order (for fields found by ``column``)."""
    expand: str | None = None
    """Controls that reveal collapsed rows (accordions): the walk clicks each visible one before it saves
    the page. Only such read-only disclosure controls belong here, never anything that changes the account."""


@dataclass(frozen=True)
class Paging:
    """How the page asks its JSON endpoint for the next page."""

    location: str
    """"query" (URL parameters) or "body" (JSON body of a POST)."""
    page_param: str
    start: int
    """The first page's number: 0 or 1, as the endpoint counts."""
    size_param: str
    size: int
    unit: str
    """"page" when the number counts pages, "row" when it is an offset in rows."""
    replay: bool = False
    """The page's own pager cannot be clicked (its buttons sit in a closed shadow root, as on Voice of the
    Customer): the walk repeats the page's own request with the next page number or offset instead."""
    token_param: str | None = None
    """Where the endpoint also wants a continuation token (regulatory compliance: ``nextPageToken``): the
    request parameter that carries it, next to the page number or offset."""
    token_path: str | None = None
    """Where the body hands out the token for the next request; absent, null or "" on the last page."""


@dataclass(frozen=True)
class ApiSource:
    """The JSON endpoint the page itself calls, and where its rows and fields sit in the body."""

    method: str
    url_pattern: re.Pattern[str]
    rows: str
    fields: dict[str, FieldSpec]
    total: str | None
    paging: Paging | None
    body: Mapping[str, Any] | None
    filter: tuple[str, tuple[str, ...]] | None = None
    """The page's own query filter a big account's nightly read uses (param, values): each value's list is
    read instead of the whole list (scraper/windows.py)."""
    filter_size: int | None = None
    """Rows per page the filtered reads ask for (``filter.size``); None: the page's own ``paging.size``."""


@dataclass(frozen=True)
class SummarySource:
    """Where a section's one-record summary sits: a DOM scope, or an API body."""

    fields: dict[str, FieldSpec]
    scope: str | None = None
    url_pattern: re.Pattern[str] | None = None


@dataclass(frozen=True)
class SummarySpec:
    """A single record above a section's table (for example the CX health tiles)."""

    record_type: type
    dom: SummarySource | None
    api: SummarySource | None


CounterSource = Literal["rows", "summary", "counters", "page"]


@dataclass(frozen=True)
class CounterSpec:
    """One number Amazon itself shows or sends about a section's list (compared with what was read)."""

    name: str
    source: CounterSource
    """Where it is: the section's data call ("rows"), its summary call, the counters call, or the page."""
    paths: tuple[str, ...] = ()
    """JSON paths (API sources); the counter is their sum (a total Amazon only sends in parts)."""
    css: str | None = None
    """Page: the element whose visible text holds the number."""
    pattern: re.Pattern[str] | None = None
    """Page: a regular expression whose one group is the number in that text."""
    where: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """Record field -> value: the counter counts only records with these values (for example one CX health
    class); a record whose field is unknown (None) may or may not count."""
    window_days: int | None = None
    """The counter counts records of the last N days only (the record's ``date``, against the read's date)."""
    line: int | None = None


@dataclass(frozen=True)
class CountersSpec:
    """Amazon's own counts of a section (``counters`` in selectors.yaml), and the call that carries them."""

    fields: dict[str, CounterSpec]
    url_pattern: re.Pattern[str] | None = None
    """A call the page makes for its counters only (Feedback Manager's aggregates), where there is one."""
    lag_days: int = 0
    """Records of the last N days may not be in Amazon's numbers yet (counts computed with a delay): they
    "may count" rather than "count", so a fresh record never reads as more than Amazon counts."""


@dataclass(frozen=True)
class SectionSpec:
    """One of the six Seller Central places."""

    id: str
    record_type: type
    title: dict[str, str]
    menu: dict[str, tuple[str, ...]]
    url: str
    ready: str
    """Selector present once the page has rendered its data (rows or empty state)."""
    empty: str
    """Selector of the empty-state message: only with it do zero rows mean "nothing there"."""
    key: tuple[str, ...]
    dom: DomSource
    api: ApiSource | None
    summary: SummarySpec | None
    url_seen: bool = True
    """False where the URL is a guess no capture confirmed (``url_seen: false``): the tool should say so."""
    counters: CountersSpec | None = None
    """Amazon's own counts of the list, where the page shows or sends them (scraper/counters.py)."""

    def source(self, name: str) -> DomSource | ApiSource:
        """The dom or api source; ValueError where this section has none."""
        if name == "dom":
            return self.dom
        if name == "api" and self.api is not None:
            return self.api
        raise ValueError(f"section {self.id!r} has no {name!r} source")


@dataclass(frozen=True)
class SigninSpec:
    """Selectors and paths of the Amazon sign-in flow and the account picker."""

    selectors: dict[str, str]
    paths: dict[str, tuple[str, ...]]
    picker_marketplace_attr: str
    """The attribute of an account-picker row that holds its marketplace id (rows are also matched by name)."""
    body_markers: tuple[str, ...]
    """Strings that mark a non-JSON body as the sign-in page (a data call answered while signed out)."""


@dataclass(frozen=True)
class Spec:
    """The whole of selectors.yaml, validated."""

    path: Path
    version: int
    missing_values: frozenset[str]
    """Placeholders ("—", "N/A") that mean "no value" on any page."""
    locale_css: str
    locale_attr: str
    signed_in: str
    menu: str
    """The navigation holding the menu paths of the sections."""
    home: str
    """The path the tool opens to check the session and choose the marketplace (``/home``)."""
    marketplace_param: str
    """The URL parameter that chooses the marketplace (``mons_sel_mkid``)."""
    locale_param: str
    """The URL parameter that chooses the UI language (``mons_sel_locale``)."""
    signin: SigninSpec
    sections: dict[str, SectionSpec]
    marketplaces: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    """Marketplace id -> the names the account switcher shows for it (to verify a switch)."""
    shadow_hosts: str = ""
    """Components whose open shadow roots a saved page inlines, because a field lives there ("" = none)."""
    links: dict[str, str] = dataclasses.field(default_factory=dict)
    """Where a finding links to (``links`` in selectors.yaml): section id or "account_health" -> a path whose
    ``{field}`` placeholders name fields of that section's record (scraper/names.py fills them)."""

    def section(self, section_id: str) -> SectionSpec:
        """The section with this id; UnknownSectionError naming the known ids otherwise."""
        try:
            return self.sections[section_id]
        except KeyError:
            raise UnknownSectionError(section_id, list(self.sections)) from None


class SpecChecker(Checker):
    """Checker with the value kinds only selectors.yaml has: CSS selectors, JSON paths, de/en labels."""

    def css(self, node: YamlMap, key: str, where: str) -> str:
        """A string that compiles as a CSS selector."""
        value = self.string(node, key, where)
        try:
            soupsieve.compile(value)
        except soupsieve.SelectorSyntaxError as exc:
            self.fail(f"{where}.{key}", f"invalid CSS selector {value!r}: {exc.args[0]}", node, key)
        return value

    def api_path(self, node: YamlMap, key: str, where: str) -> str:
        """A path in the small JSON path language of :mod:`scraper.jsonpath`, compiled here once."""
        value = self.string(node, key, where)
        try:
            compile_path(value)
        except ValueError as exc:
            self.fail(f"{where}.{key}", str(exc), node, key)
        return value

    def localized(self, node: YamlMap, key: str, where: str) -> YamlMap:
        """A mapping with exactly one entry per UI language."""
        return self.mapping(node[key], f"{where}.{key}", set(LOCALES), set(), node)


def _transforms(ctx: SpecChecker, node: YamlMap, where: str) -> tuple[Transform, ...]:
    steps = node.get("transforms", [])
    if not isinstance(steps, list):
        ctx.fail(f"{where}.transforms", "expected a list", node, "transforms")
    out = []
    for i, step in enumerate(steps):
        here = f"{where}.transforms[{i}]"
        if isinstance(step, str):
            name, arg = step, None
        elif isinstance(step, dict) and len(step) == 1:
            name, arg = next(iter(step.items()))
        else:
            ctx.fail(here, "expected a transform name or a one-key mapping {name: argument}", node, "transforms")
        if name not in REGISTRY:
            ctx.fail(here, f"unknown transform {name!r} (known: {', '.join(sorted(REGISTRY))})", node, "transforms")
        try:
            out.append(compile_transform(name, arg))
        except TransformArgError as exc:
            ctx.fail(here, f"transform {name!r} {exc}", node, "transforms")
    return tuple(out)


_COMMON_FIELD_KEYS = {"type", "enum", "required", "multiple", "transforms", "epoch"}
_DOM_FIELD_KEYS = {"css", "attr", "exists", "column"}
_API_FIELD_KEYS = {"path"}


def _field(
    ctx: SpecChecker, name: str, node: object, where: str, source: str, enums: dict[str, EnumParser], parent: YamlMap
) -> FieldSpec:
    specific = _DOM_FIELD_KEYS if source == "dom" else _API_FIELD_KEYS
    m = ctx.mapping(node, where, set(), _COMMON_FIELD_KEYS | specific, parent)
    exists = ctx.boolean(m, "exists", where, False)
    type_name = m.get("type", "bool" if exists else None)
    if type_name is None:
        ctx.fail(where, "missing required key 'type'", m)
    if type_name not in TYPE_NAMES:
        ctx.fail(f"{where}.type", f"unknown type {type_name!r} (known: {', '.join(sorted(TYPE_NAMES))})", m, "type")
    if exists and (type_name != "bool" or "attr" in m or m.get("multiple")):
        ctx.fail(where, "exists: true gives a bool; it takes no attr, multiple or other type", m)
    enum_name = m.get("enum")
    if type_name == "enum":
        if enum_name not in ENUM_TYPES:
            ctx.fail(f"{where}.enum", f"unknown enum {enum_name!r} (known: {', '.join(ENUM_TYPES)})", m, "enum")
        parser: ValueParser = enums[enum_name]
    else:
        if enum_name is not None:
            ctx.fail(f"{where}.enum", "enum: is only allowed with type: enum", m, "enum")
        parser = PARSERS[type_name]
    epoch = m.get("epoch")
    if epoch is not None:
        # The unit of a timestamp is declared, never guessed from the number's size (seconds vs milliseconds).
        if type_name not in {"date", "datetime"}:
            ctx.fail(f"{where}.epoch", "epoch: is only allowed with type: date or datetime", m, "epoch")
        if not isinstance(epoch, str) or epoch not in EPOCH_UNITS:
            ctx.fail(f"{where}.epoch", f"unknown epoch unit {epoch!r} (known: {', '.join(EPOCH_UNITS)})", m, "epoch")
        parser = EpochParser(epoch, as_date=type_name == "date")
    if source == "api":
        if "path" not in m:
            ctx.fail(where, "missing required key 'path'", m)
        path = ctx.api_path(m, "path", where)
        css = attr = None
    else:
        path = None
        css = ctx.css(m, "css", where) if "css" in m else None
        attr = ctx.string(m, "attr", where) if "attr" in m else None
    column: tuple[str, ...] = ()
    if "column" in m:
        labels = ctx.localized(m, "column", where)
        for loc in LOCALES:
            value = labels[loc]
            items = value if isinstance(value, list) else [value]
            if not items or not all(isinstance(x, str) and x.strip() for x in items):
                ctx.fail(f"{where}.column.{loc}", "expected a header label or a list of them", labels, loc)
            column += tuple(items)
    return FieldSpec(
        name=name,
        type=type_name,
        enum=enum_name,
        required=ctx.boolean(m, "required", where, not exists),
        multiple=ctx.boolean(m, "multiple", where, False),
        transforms=_transforms(ctx, m, where),
        parser=parser,
        css=css,
        attr=attr,
        exists=exists,
        path=path,
        line=parent.key_lines.get(name),
        column=column,
        epoch=epoch,
    )


def _fields(
    ctx: SpecChecker, node: YamlMap, where: str, source: str, enums: dict[str, EnumParser]
) -> dict[str, FieldSpec]:
    fields = node["fields"]
    here = f"{where}.fields"
    if not isinstance(fields, YamlMap) or not fields:
        ctx.fail(here, "expected a non-empty mapping of field names", node, "fields")
    return {
        str(name): _field(ctx, str(name), spec, f"{here}.{name}", source, enums, fields)
        for name, spec in fields.items()
    }


def _annotation_allows(annotation: object, field: FieldSpec) -> str | None:
    """None when the record annotation fits the spec field, else the reason it does not."""
    options = set(typing.get_args(annotation)) if isinstance(annotation, types.UnionType) else {annotation}
    if not field.required and not field.exists and type(None) not in options and not field.multiple:
        return "the field is optional in the spec but the record does not allow None"
    options.discard(type(None))
    if field.multiple:
        tuples = [o for o in options if typing.get_origin(o) is tuple]
        if not tuples:
            return "multiple: true needs a tuple[...] field in the record"
        options = {typing.get_args(tuples[0])[0]}
    expected: object = ENUM_TYPES[field.enum] if field.enum else _PY_TYPES[field.type]
    if expected not in options:
        return f"spec type {field.type!r} gives {getattr(expected, '__name__', expected)}"
    if field.enum and Unknown not in options:
        return "an enum field must also allow Unknown, so that new labels are kept"
    return None


def _check_record(
    ctx: SpecChecker, record_type: type, fields: dict[str, FieldSpec], where: str, node: YamlMap, required_all: bool
) -> None:
    hints = typing.get_type_hints(record_type)
    record_fields = {f.name: f for f in dataclasses.fields(record_type)}
    for name, field in fields.items():
        if name not in record_fields:
            ctx.fail(
                f"{where}.fields.{name}",
                f"{record_type.__name__} has no field {name!r} (fields: {', '.join(record_fields)})",
                node["fields"],
                name,
            )
        if not record_fields[name].init:
            ctx.fail(
                f"{where}.fields.{name}",
                f"{record_type.__name__}.{name} is computed by the record from its other fields; the spec must not "
                "fill it",
                node["fields"],
                name,
            )
        problem = _annotation_allows(hints[name], field)
        if problem:
            ctx.fail(
                f"{where}.fields.{name}",
                f"does not match {record_type.__name__}.{name}: {hints[name]}: {problem}",
                node["fields"],
                name,
            )
    if required_all:
        for name, rf in record_fields.items():
            no_default = rf.default is dataclasses.MISSING and rf.default_factory is dataclasses.MISSING
            if rf.init and no_default and name not in fields:
                ctx.fail(
                    f"{where}.fields",
                    f"{record_type.__name__}.{name} has no default: the spec must fill it",
                    node,
                    "fields",
                )


def _dom_source(
    ctx: SpecChecker, node: object, where: str, rt: type, enums: dict[str, EnumParser], p: YamlMap
) -> DomSource:
    m = ctx.mapping(node, where, {"rows", "fields"}, {"next_page", "headers", "cells", "expand"}, p)
    fields = _fields(ctx, m, where, "dom", enums)
    _check_record(ctx, rt, fields, where, m, True)
    by_column = [f.name for f in fields.values() if f.column]
    if by_column and not ("headers" in m and "cells" in m):
        ctx.fail(where, f"fields {', '.join(by_column)} name a column: the source needs headers and cells", m)
    return DomSource(
        rows=ctx.css(m, "rows", where),
        fields=fields,
        next_page=ctx.css(m, "next_page", where) if "next_page" in m else None,
        headers=ctx.css(m, "headers", where) if "headers" in m else None,
        cells=ctx.css(m, "cells", where) if "cells" in m else None,
        expand=ctx.css(m, "expand", where) if "expand" in m else None,
    )


def _paging(ctx: SpecChecker, node: object, where: str, parent: YamlMap) -> Paging:
    m = ctx.mapping(
        node, where, {"in", "page_param", "start", "size_param", "size"}, {"unit", "replay", "token"}, parent
    )
    location = m["in"]
    if location not in {"query", "body"}:
        ctx.fail(f"{where}.in", "expected 'query' or 'body'", m, "in")
    unit = m.get("unit", "page")
    if unit not in {"page", "row"}:
        ctx.fail(f"{where}.unit", "expected 'page' or 'row'", m, "unit")
    return Paging(
        location=location,
        page_param=ctx.string(m, "page_param", where),
        start=ctx.integer(m, "start", where),
        size_param=ctx.string(m, "size_param", where),
        size=ctx.integer(m, "size", where),
        unit=unit,
        replay=ctx.boolean(m, "replay", where, False),
        **_paging_token(ctx, m, where),
    )


def _paging_token(ctx: SpecChecker, m: YamlMap, where: str) -> dict[str, str]:
    """``token: {param: nextPageToken, path: nextPageToken}``: token continuation, where the endpoint has it."""
    if "token" not in m:
        return {}
    t = ctx.mapping(m["token"], f"{where}.token", {"param", "path"}, set(), m)
    return {
        "token_param": ctx.string(t, "param", f"{where}.token"),
        "token_path": ctx.api_path(t, "path", f"{where}.token"),
    }


def _api_source(
    ctx: SpecChecker, node: object, where: str, rt: type, enums: dict[str, EnumParser], p: YamlMap
) -> ApiSource:
    m = ctx.mapping(
        node, where, {"url_pattern", "rows", "fields"}, {"method", "total", "paging", "body", "filter"}, p
    )
    method = m.get("method", "GET")
    if method not in {"GET", "POST"}:
        ctx.fail(f"{where}.method", "expected GET or POST", m, "method")
    if "body" in m and not isinstance(m["body"], dict):
        ctx.fail(f"{where}.body", "expected a mapping (the JSON body the page posts)", m, "body")
    fields = _fields(ctx, m, where, "api", enums)
    _check_record(ctx, rt, fields, where, m, True)
    return ApiSource(
        method=method,
        url_pattern=ctx.regex(m, "url_pattern", where),
        rows=ctx.api_path(m, "rows", where),
        fields=fields,
        total=ctx.api_path(m, "total", where) if "total" in m else None,
        paging=_paging(ctx, m["paging"], f"{where}.paging", m) if "paging" in m else None,
        body=m.get("body"),
        filter=_filter(ctx, m["filter"], f"{where}.filter", m) if "filter" in m else None,
        filter_size=_filter_size(ctx, m["filter"], f"{where}.filter", m) if "filter" in m else None,
    )


def _filter(ctx: SpecChecker, node: object, where: str, parent: YamlMap) -> tuple[str, tuple[str, ...]]:
    m = ctx.mapping(node, where, {"param", "values"}, {"size"}, parent)
    return ctx.string(m, "param", where), tuple(ctx.string_list(m, "values", where))


def _filter_size(ctx: SpecChecker, node: object, where: str, parent: YamlMap) -> int | None:
    m = ctx.mapping(node, where, {"param", "values"}, {"size"}, parent)
    if "size" not in m:
        return None
    size = m["size"]
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 1000:
        ctx.fail(f"{where}.size", f"expected a whole number from 1 to 1000, got {size!r}", m, "size")
    return int(size)


def _summary(ctx: SpecChecker, node: object, where: str, enums: dict[str, EnumParser], parent: YamlMap) -> SummarySpec:
    m = ctx.mapping(node, where, {"record"}, {"dom", "api"}, parent)
    name = m["record"]
    if name not in SUMMARY_TYPES:
        ctx.fail(f"{where}.record", f"unknown summary record {name!r} (known: {', '.join(SUMMARY_TYPES)})", m, "record")
    rt = SUMMARY_TYPES[name]
    dom = api = None
    if "dom" in m:
        d = ctx.mapping(m["dom"], f"{where}.dom", {"scope", "fields"}, set(), m)
        fields = _fields(ctx, d, f"{where}.dom", "dom", enums)
        _check_record(ctx, rt, fields, f"{where}.dom", d, True)
        dom = SummarySource(fields=fields, scope=ctx.css(d, "scope", f"{where}.dom"))
    if "api" in m:
        a = ctx.mapping(m["api"], f"{where}.api", {"url_pattern", "fields"}, set(), m)
        fields = _fields(ctx, a, f"{where}.api", "api", enums)
        _check_record(ctx, rt, fields, f"{where}.api", a, True)
        api = SummarySource(fields=fields, url_pattern=ctx.regex(a, "url_pattern", f"{where}.api"))
    return SummarySpec(record_type=rt, dom=dom, api=api)


_COUNTER_SOURCES = ("rows", "summary", "counters", "page")


def _counters(
    ctx: SpecChecker, node: object, where: str, rt: type, parent: YamlMap, has: dict[str, bool]
) -> CountersSpec:
    """``counters: {url_pattern?, fields: {name: {in, path | css + pattern, where?, window_days?}}}``."""
    m = ctx.mapping(node, where, {"fields"}, {"url_pattern", "lag_days"}, parent)
    fields = m["fields"]
    if not isinstance(fields, YamlMap) or not fields:
        ctx.fail(f"{where}.fields", "expected a non-empty mapping of counter names", m, "fields")
    url_pattern = ctx.regex(m, "url_pattern", where) if "url_pattern" in m else None
    hints = typing.get_type_hints(rt)
    out: dict[str, CounterSpec] = {}
    for name, spec in fields.items():
        here = f"{where}.fields.{name}"
        c = ctx.mapping(spec, here, {"in"}, {"path", "css", "pattern", "where", "window_days"}, fields)
        source = c["in"]
        if source not in _COUNTER_SOURCES:
            ctx.fail(f"{here}.in", f"expected one of {', '.join(_COUNTER_SOURCES)}", c, "in")
        if source == "counters" and url_pattern is None:
            ctx.fail(f"{here}.in", "in: counters needs counters.url_pattern (the call that carries them)", c, "in")
        if source in {"rows", "summary"} and not has[source]:
            ctx.fail(f"{here}.in", f"the section has no {'api' if source == 'rows' else 'summary.api'} call", c, "in")
        paths: tuple[str, ...] = ()
        css = pattern = None
        if source == "page":
            if "css" not in c or "pattern" not in c or "path" in c:
                ctx.fail(here, "a counter on the page takes css and pattern (and no path)", c)
            css = ctx.css(c, "css", here)
            pattern = ctx.regex(c, "pattern", here)
            if pattern.groups != 1:
                ctx.fail(f"{here}.pattern", "expected exactly one group: the number", c, "pattern")
        else:
            if "path" not in c or "css" in c or "pattern" in c:
                ctx.fail(here, "a counter in a JSON body takes path (one, or a list to add up) and no css", c)
            raw = c["path"]
            items = raw if isinstance(raw, list) else [raw]
            if not items:
                ctx.fail(f"{here}.path", "expected a path or a non-empty list of paths", c, "path")
            for item in items:
                try:
                    compile_path(item if isinstance(item, str) else repr(item))
                except ValueError as exc:
                    ctx.fail(f"{here}.path", str(exc), c, "path")
            paths = tuple(items)
        filters = c.get("where", YamlMap())
        if not isinstance(filters, dict):
            ctx.fail(f"{here}.where", "expected a mapping of record fields to values", c, "where")
        for field_name, value in filters.items():
            if field_name not in hints:
                ctx.fail(f"{here}.where", f"{rt.__name__} has no field {field_name!r}", c, "where")
            if not isinstance(value, str | int | bool):
                ctx.fail(f"{here}.where.{field_name}", "expected a string, number or true/false", c, "where")
        window = None
        if "window_days" in c:
            window = ctx.integer(c, "window_days", here, low=1)
            if hints.get("date") is not date:
                ctx.fail(f"{here}.window_days", f"{rt.__name__} has no date field to window by", c, "window_days")
        out[str(name)] = CounterSpec(
            name=str(name),
            source=source,
            paths=paths,
            css=css,
            pattern=pattern,
            where=dict(filters),
            window_days=window,
            line=fields.key_lines.get(name),
        )
    return CountersSpec(fields=out, url_pattern=url_pattern, lag_days=ctx.integer(m, "lag_days", where, 0))


_SECTION_KEYS = {"title", "menu", "url", "ready", "empty", "key", "dom"}


def _section(ctx: SpecChecker, sid: str, node: object, enums: dict[str, EnumParser], parent: YamlMap) -> SectionSpec:
    where = f"sections.{sid}"
    if sid not in RECORD_TYPES:
        ctx.fail(where, f"unknown section {sid!r} (known: {', '.join(RECORD_TYPES)})", parent, sid)
    m = ctx.mapping(node, where, _SECTION_KEYS, {"api", "summary", "url_seen", "counters"}, parent)
    rt = RECORD_TYPES[sid]
    title = ctx.localized(m, "title", where)
    menu = ctx.localized(m, "menu", where)
    for loc in LOCALES:
        ctx.string(title, loc, f"{where}.title")
        labels = menu[loc]
        if not isinstance(labels, list) or not labels or not all(isinstance(x, str) and x for x in labels):
            ctx.fail(f"{where}.menu.{loc}", "expected a non-empty list of menu labels", menu, loc)
    url = ctx.string(m, "url", where)
    if not url.startswith("/"):
        ctx.fail(f"{where}.url", "expected a path starting with /", m, "url")
    key = m["key"]
    if not isinstance(key, list) or not key or not all(isinstance(k, str) for k in key):
        ctx.fail(f"{where}.key", "expected a non-empty list of field names", m, "key")
    dom = _dom_source(ctx, m["dom"], f"{where}.dom", rt, enums, m)
    api = _api_source(ctx, m["api"], f"{where}.api", rt, enums, m) if "api" in m else None
    for source_name, source in (("dom", dom), ("api", api)):
        if source is None:
            continue
        missing = [k for k in key if k not in source.fields]
        if missing:
            ctx.fail(
                f"{where}.key", f"key field(s) {', '.join(missing)} not filled by the {source_name} source", m, "key"
            )
    summary = _summary(ctx, m["summary"], f"{where}.summary", enums, m) if "summary" in m else None
    has = {"rows": api is not None, "summary": summary is not None and summary.api is not None}
    counters = _counters(ctx, m["counters"], f"{where}.counters", rt, m, has) if "counters" in m else None
    return SectionSpec(
        id=sid,
        record_type=rt,
        title={loc: title[loc] for loc in LOCALES},
        menu={loc: tuple(menu[loc]) for loc in LOCALES},
        url=url,
        ready=ctx.css(m, "ready", where),
        empty=ctx.css(m, "empty", where),
        key=tuple(key),
        dom=dom,
        api=api,
        summary=summary,
        url_seen=ctx.boolean(m, "url_seen", where, True),
        counters=counters,
    )


SIGNIN_SELECTORS = {
    "email",
    "continue",
    "password",
    "remember_me",
    "submit",
    "otp",
    "remember_device",
    "otp_submit",
    "captcha",
    "error",
    "other_account",
    "picker",
    "picker_account",
    "picker_confirm",
    "marketplace_regional",
    "marketplace_label",
}
SIGNIN_PATHS = {"claim", "captcha", "challenge", "picker"}


def _signin(ctx: SpecChecker, node: object, parent: YamlMap) -> SigninSpec:
    keys = {"selectors", "paths", "picker_marketplace_attr", "signin_body_markers"}
    m = ctx.mapping(node, "signin", keys, set(), parent)
    sel = ctx.mapping(m["selectors"], "signin.selectors", SIGNIN_SELECTORS, set(), m)
    paths = ctx.mapping(m["paths"], "signin.paths", SIGNIN_PATHS, set(), m)
    out_paths: dict[str, tuple[str, ...]] = {}
    for name, value in paths.items():
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.startswith("/") for v in value):
            ctx.fail(f"signin.paths.{name}", "expected a non-empty list of paths starting with /", paths, name)
        out_paths[name] = tuple(value)
    markers = ctx.string_list(m, "signin_body_markers", "signin")
    return SigninSpec(
        selectors={k: ctx.css(sel, k, "signin.selectors") for k in sel},
        paths=out_paths,
        picker_marketplace_attr=ctx.string(m, "picker_marketplace_attr", "signin"),
        body_markers=tuple(markers),
    )


def _enums(ctx: SpecChecker, node: object, parent: YamlMap) -> dict[str, EnumParser]:
    m = ctx.mapping(node, "enums", set(), set(ENUM_TYPES), parent)
    parsers = {}
    for name, enum in ENUM_TYPES.items():
        labels = m.get(name, YamlMap())
        where = f"enums.{name}"
        labels = ctx.mapping(labels, where, set(), {member.name for member in enum}, m)
        for member, words in labels.items():
            if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
                ctx.fail(f"{where}.{member}", "expected a list of labels", labels, member)
        parsers[name] = EnumParser.build(enum, dict(labels))
    return parsers


LINK_PLACES = ("account_health",)
"""Link targets besides the sections: the Account Health page, whose headline numbers come with a section."""
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _links(ctx: SpecChecker, node: object, parent: YamlMap) -> dict[str, str]:
    places = set(RECORD_TYPES) | set(LINK_PLACES)
    m = ctx.mapping(node, "links", set(), places, parent)
    out = {}
    for place, entry in m.items():
        where = f"links.{place}"
        e = ctx.mapping(entry, where, {"url"}, set(), m)
        url = ctx.string(e, "url", where)
        if not url.startswith("/"):
            ctx.fail(f"{where}.url", "expected a path starting with /", e, "url")
        names = _PLACEHOLDER.findall(url)
        known = {f.name for f in dataclasses.fields(RECORD_TYPES[place])} if place in RECORD_TYPES else set()
        unknown = [n for n in names if n not in known]
        if unknown:
            names_text = ", ".join(unknown)
            ctx.fail(f"{where}.url", f"placeholder(s) {names_text} name no field of the {place} record", e, "url")
        out[str(place)] = url
    return out


def load_spec(path: Path | str = DEFAULT_SPEC_PATH) -> Spec:
    """Read and validate a selectors.yaml; raises SpecError with file, place and line on any problem."""
    path = Path(path)
    ctx = SpecChecker(str(path), SpecError)
    doc = load_yaml(path, SpecError)
    top = ctx.mapping(
        doc, "", {"version", "page", "signin", "enums", "sections"}, {"defaults", "marketplaces", "links"}
    )
    if top["version"] != 1:
        ctx.fail("version", f"unsupported version {top['version']!r} (this tool reads version 1)", top, "version")
    defaults = ctx.mapping(top.get("defaults", YamlMap()), "defaults", set(), {"missing_values"}, top)
    missing = defaults.get("missing_values", [])
    if not isinstance(missing, list) or not all(isinstance(v, str) for v in missing):
        ctx.fail("defaults.missing_values", "expected a list of strings", defaults, "missing_values")
    page_keys = {"locale_css", "locale_attr", "signed_in", "menu", "home", "marketplace_param", "locale_param"}
    page = ctx.mapping(top["page"], "page", page_keys, {"shadow_hosts"}, top)
    home = ctx.string(page, "home", "page")
    if not home.startswith("/"):
        ctx.fail("page.home", f"expected a path starting with / (got {home!r})", page, "home")
    enums = _enums(ctx, top["enums"], top)
    sections_node = ctx.mapping(top["sections"], "sections", set(), set(RECORD_TYPES), top)
    absent = [s for s in RECORD_TYPES if s not in sections_node]
    if absent:
        ctx.fail("sections", f"missing section(s): {', '.join(absent)}", sections_node)
    markets = ctx.mapping(
        top.get("marketplaces", YamlMap()), "marketplaces", set(), set(top.get("marketplaces") or {}), top
    )
    return Spec(
        marketplaces={str(k): tuple(ctx.string_list(markets, k, "marketplaces")) for k in markets},
        path=path,
        version=1,
        missing_values=frozenset(v.strip().casefold() for v in missing),
        locale_css=ctx.css(page, "locale_css", "page"),
        locale_attr=ctx.string(page, "locale_attr", "page"),
        signed_in=ctx.css(page, "signed_in", "page"),
        menu=ctx.css(page, "menu", "page"),
        home=home,
        marketplace_param=ctx.string(page, "marketplace_param", "page"),
        locale_param=ctx.string(page, "locale_param", "page"),
        shadow_hosts=ctx.css(page, "shadow_hosts", "page") if "shadow_hosts" in page else "",
        signin=_signin(ctx, top["signin"], top),
        sections={sid: _section(ctx, sid, node, enums, sections_node) for sid, node in sections_node.items()},
        links=_links(ctx, top["links"], top) if "links" in top else {},
    )
