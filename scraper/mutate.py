"""Mutations of a saved section page that a Seller Central release makes without changing what it shows.

Each mutation is a pure function ``html -> html`` (``fn(html, rows_css, seed=0)``): it finds the table
rows with the section's own row selector (``spec.section(id).dom.rows``), treats the element children of a
row as its cells, and changes only markup a person does not read: classes, wrappers, whitespace, hidden
copies, comments. Nothing here knows a section's markup, so the same mutations run on any fixture.

:func:`judge` parses a mutated page and compares it with the page's golden records: the result must be
the same records or a loud error (one of :mod:`scraper.errors`); anything else is a silent change, the
failure this module exists to find. ``benchmarks/robustness.py`` prints the mutation x section table and
``tests/test_mutations.py`` runs every mutation over every DOM fixture with a golden.

A maintainer can mutate a saved page by hand too::

    python -m scraper.mutate SECTION page.html MUTATION [--seed N] > mutated.html
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bs4 import BeautifulSoup, Comment, Tag
from bs4.dammit import EntitySubstitution
from bs4.element import AttributeValueList, NavigableString
from bs4.formatter import HTMLFormatter

from scraper.errors import ScraperError
from scraper.spec import Spec

SoupMutation = Callable[[BeautifulSoup, list[Tag], random.Random], None]
"""Changes a parsed page in place, given the section's rows (as the spec selects them) and a seeded RNG."""

Verdict = Literal["same", "loud", "silent", "crash"]

_RAW_TEXT = frozenset({"script", "style", "template", "noscript", "textarea"})
"""Elements whose text is not page text (left alone by text mutations)."""

TEXT_ATTRS = ("label", "title", "aria-label", "alt", "placeholder")
"""Attributes that Katal components render as visible text (``kat-badge label=...``)."""


@dataclass(frozen=True)
class Mutation:
    """One named change a release could make to a page without changing what it shows."""

    name: str
    summary: str
    """One line for the robustness table (the function's docstring has the details)."""
    apply: SoupMutation
    order_free: bool = False
    """True when the mutation reorders rows: records then compare as a multiset, not as a list."""
    expect: Literal["same", "loud"] = "same"
    """"loud" for a change no reader can see through offline, where failing loudly is the right answer
    (it is then left out of the "same" ratio; "same" is still fine, for example on an empty page)."""

    def __call__(self, html: str, rows_css: str, seed: int | str = 0) -> str:
        """The mutated page: parse, change in place, serialise (the RNG is seeded by ``seed`` and the name)."""
        soup = BeautifulSoup(html, "lxml")
        rows = soup.select(rows_css)
        self.apply(soup, rows, random.Random(f"{self.name}/{seed}"))
        return soup.decode(formatter=_KEEP_ATTRIBUTE_ORDER)

    @property
    def doc(self) -> str:
        """The mutation function's docstring, for documentation."""
        return " ".join((self.apply.__doc__ or self.summary).split())


class _KeepAttributeOrder(HTMLFormatter):
    """bs4's usual "minimal" output, but attributes in their own order (bs4 sorts them by default)."""

    def attributes(self, tag: Tag) -> Iterable[tuple[str, str | None]]:
        # a list-valued attribute (class) is joined by the formatter's caller, as in bs4's own default
        return list(tag.attrs.items())  # type: ignore[arg-type]


_KEEP_ATTRIBUTE_ORDER = _KeepAttributeOrder(entity_substitution=EntitySubstitution.substitute_xml)

MUTATIONS: dict[str, Mutation] = {}
PROBES: dict[str, Mutation] = {}
"""Changes that show where the reader's limits are (a renamed class it selects on): reported, not asserted."""


def mutation(
    summary: str, *, order_free: bool = False, expect: Literal["same", "loud"] = "same"
) -> Callable[[SoupMutation], SoupMutation]:
    """Register a soup-level function as a named :class:`Mutation`."""

    def register(fn: SoupMutation) -> SoupMutation:
        MUTATIONS[fn.__name__] = Mutation(fn.__name__, summary, fn, order_free, expect)
        return fn

    return register


def probe(summary: str) -> Callable[[SoupMutation], SoupMutation]:
    """Register a soup-level function as a named probe (see :data:`PROBES`)."""

    def register(fn: SoupMutation) -> SoupMutation:
        PROBES[fn.__name__] = Mutation(fn.__name__, summary, fn, expect="loud")
        return fn

    return register


# --- helpers --------------------------------------------------------------------------------------------


def _random_class(rng: random.Random) -> str:
    """A class name as CSS-in-JS tools make them (``css-1k9xq2``, ``_a7Bq2``, ``sc-bdVaJa``)."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    body = "".join(rng.choice(alphabet) for _ in range(rng.randint(5, 8)))
    return rng.choice(["css-", "_", "sc-", "jsx-", "kat-"]) + body


def _cells(row: Tag) -> list[Tag]:
    return [c for c in row.children if isinstance(c, Tag)]


def _text_nodes(soup: BeautifulSoup) -> list[NavigableString]:
    """Page text: plain strings (no comments, doctype, CDATA) outside scripts, styles and templates."""
    return [
        s
        for s in soup.find_all(string=True)
        if type(s) is NavigableString and not any(p.name in _RAW_TEXT for p in s.parents)
    ]


def _row_groups(rows: list[Tag]) -> list[list[Tag]]:
    """The rows grouped by their parent element, in document order."""
    groups: dict[int, list[Tag]] = {}
    for row in rows:
        groups.setdefault(id(row.parent), []).append(row)
    return list(groups.values())


def _table_rows(soup: BeautifulSoup, rows: list[Tag]) -> list[Tag]:
    """The data rows plus header rows: elements named like a data row under the same table (grandparent)."""
    found: list[Tag] = []
    seen: set[int] = set()
    for row in rows:
        table = row.parent.parent if row.parent is not None and row.parent.parent is not None else row.parent
        candidates = table.find_all(row.name) if table is not None else [row]
        for el in [row, *candidates]:
            if id(el) not in seen:
                seen.add(id(el))
                found.append(el)
    return found


def _copy(tag: Tag) -> Tag:
    """A deep copy of an element (bs4's copy copies the whole subtree, detached)."""
    return copy.copy(tag)


# --- the mutations ----------------------------------------------------------------------------------------


@mutation("parse and re-serialise, nothing else (the control)")
def round_trip(soup: BeautifulSoup, rows: list[Tag], rng: random.Random) -> None:
    """No change: the page goes through the parser and back, so serialisation effects show on their own."""


@mutation("a random-looking class on every element")
def extra_classes(soup: BeautifulSoup, rows: list[Tag], rng: random.Random) -> None:
    """Every element gets one more class such as ``css-1k9xq2`` (CSS-in-JS, a new design-system version).

    Selectors on a class keep working; a selector on the whole ``class`` attribute (``[class='x']``) breaks.
    """
    for tag in soup.find_all(True):
        classes: str | list[str] = tag.get("class") or []
        names = classes.split() if isinstance(classes, str) else list(classes)
        tag["class"] = AttributeValueList([*names, _random_class(rng)])


@mutation("each cell's content wrapped in a div or span")
def cell_wrappers(soup: BeautifulSoup, rows: list[Tag], rng: random.Random) -> None:
    """The children of every cell (element child of a row) move into a new ``div``/``span`` with a class.

    Breaks child combinators (``cell > a``) and ``:first-child`` inside cells; descendant selectors hold.
    """
    for row in rows:
        for cell in _cells(row):
            if not cell.contents:
                continue
            wrapper = soup.new_tag(rng.choice(["div", "span"]), attrs={"class": _random_class(rng)})
            for child in list(cell.contents):
                wrapper.append(child.extract())
            cell.append(wrapper)


@mutation("a new first column (checkbox and row number) in every row, header rows too")
def leading_column(soup: BeautifulSoup, rows: list[Tag], rng: random.Random) -> None:
    """Every row (and every header row of the same table) gets a new first cell, named like its cells.

    Data rows get a checkbox and the row number, header rows a "select all" checkbox; no attribute of an
    existing cell is copied. Breaks positional selectors (``:nth-child``, ``:first-child``).
    """
    data_rows = {id(r) for r in rows}
    number = 0
    for row in _table_rows(soup, rows):
        cells = _cells(row)
        if not cells:
            continue
        cell = soup.new_tag(cells[0].name, attrs={"class": "row-select " + _random_class(rng)})
        box = soup.new_tag("input", attrs={"type": "checkbox", "aria-label": "Select"})
        cell.append(box)
        if id(row) in data_rows:
            number += 1
            cell.append(f" {number}")
        cells[0].insert_before(cell)


@mutation("spaces in text become U+00A0 / U+202F (no-break, narrow no-break)")
def nbsp(soup: BeautifulSoup, rows: list[Tag], rng: random.Random) -> None:
    """Every space in page text, and in text-like attributes (``label``, ``title``...), becomes a no-break
    space (U+00A0) or a narrow no-break space (U+202F), as localised number/date formatting and i18n
    strings produce. A person sees the same words."""

    def swap(text: str) -> str:
        return "".join(rng.choice(["\u00a0", "\u202f"]) if ch == " " else ch for ch in text)

    for node in _text_nodes(soup):
        if " " in node:
            node.replace_with(swap(str(node)))
    for tag in soup.find_all(True):
        for name in TEXT_ATTRS:
            value = tag.get(name)
            if isinstance(value, str) and " " in value:
                tag[name] = swap(value)


_WS_AROUND = [" ", "  ", "\n", "\n    ", "\t", "\n\t\t", " \n  \t "]
_WS_INSIDE = ["  ", "\n", "\t", " \n   ", "\n\t "]


@mutation("extra spaces, tabs and line breaks around and inside text")
def whitespace(soup: BeautifulSoup, rows: list[Tag], rng: random.Random) -> None:
    """Text nodes get whitespace runs before and after them and every inner space becomes a run of
    spaces/tabs/newlines; whitespace-only nodes appear between the elements of every row and cell, and
    text-like attributes get padded. HTML rendering collapses all of it."""
    for node in _text_nodes(soup):
        text = str(node)
        inner = "".join(rng.choice(_WS_INSIDE) if ch == " " else ch for ch in text)
        node.replace_with(rng.choice(_WS_AROUND) + inner + rng.choice(_WS_AROUND))
    for row in rows:
        for el in [row, *row.find_all(True)]:
            for child in [c for c in el.children if isinstance(c, Tag)]:
                child.insert_before(rng.choice(_WS_AROUND))
    for tag in soup.find_all(True):
        for name in TEXT_ATTRS:
            value = tag.get(name)
            if isinstance(value, str) and value:
                tag[name] = rng.choice(_WS_AROUND) + value + rng.choice(_WS_AROUND)


def _hide_marked(soup: BeautifulSoup, clone: Tag, rng: random.Random) -> Tag:
    clone["data-sc-hidden"] = "1"
    return clone


def _hide_inline(soup: BeautifulSoup, clone: Tag, rng: random.Random) -> Tag:
    clone["class"] = AttributeValueList([*(clone.get("class") or []), "shadow-compare"])
    clone["style"] = rng.choice(
        ["display: none;", "display:none", "DISPLAY : NONE !important", "color:red;display:none"]
    )
    return clone


def _hide_attribute(soup: BeautifulSoup, clone: Tag, rng: random.Random) -> Tag:
    clone["hidden"] = ""
    return clone


def _hide_aria(soup: BeautifulSoup, clone: Tag, rng: random.Random) -> Tag:
    clone["aria-hidden"] = "true"
    return clone


def _hide_visibility(soup: BeautifulSoup, clone: Tag, rng: random.Random) -> Tag:
    clone["style"] = "visibility: hidden"
    return clone


def _hide_in_container(soup: BeautifulSoup, clone: Tag, rng: random.Random) -> Tag:
    box = soup.new_tag("div", attrs={"class": "shadow-compare-container", "style": "display:none"})
    box.append(clone)
    return box


_HIDERS = (_hide_marked, _hide_inline, _hide_attribute, _hide_aria, _hide_visibility, _hide_in_container)


@mutation("hidden copies of every row (data-sc-hidden, inline display:none + class, hidden, ...)")
def hidden_duplicates(soup: BeautifulSoup, rows: list[Tag], rng: random.Random) -> None:
    """Next to every row go exact copies hidden the ways a saved page can show it: the capture's
    ``data-sc-hidden="1"`` mark, a class plus inline ``display:none`` (in varying spelling), the ``hidden``
    attribute, ``aria-hidden="true"``, inline ``visibility:hidden`` and a ``display:none`` container.
    Seller Central renders such "shadow-compare" rows with the same test ids; none is a record."""
    for row in rows:
        for hide in _HIDERS:
            hidden = hide(soup, _copy(row), rng)
            if rng.random() < 0.5:
                row.insert_before(hidden)
            else:
                row.insert_after(hidden)


@mutation("hidden copies marked only by a stylesheet class (a page saved without the capture's marks)", expect="loud")
def hidden_duplicates_unmarked(soup: BeautifulSoup, rows: list[Tag], rng: random.Random) -> None:
    """Next to every row goes an exact copy hidden only by a class (``aok-hidden``) whose ``display:none``
    lives in a stylesheet. Offline nothing can tell it is hidden (the browser layer's ``data-sc-hidden``
    mark exists for this); the reader must then fail loudly rather than count the row twice."""
    for row in rows:
        clone = _copy(row)
        clone["class"] = AttributeValueList([*(clone.get("class") or []), "aok-hidden"])
        row.insert_after(clone)


@mutation("rows in reverse order (records compare as a multiset)", order_free=True)
def reversed_rows(soup: BeautifulSoup, rows: list[Tag], rng: random.Random) -> None:
    """The rows under each parent swap places end to end (another default sort); other children stay."""
    for group in _row_groups(rows):
        markers = []
        for row in group:
            marker = soup.new_string("")
            row.insert_before(marker)
            row.extract()
            markers.append(marker)
        for marker, row in zip(markers, reversed(group), strict=True):
            marker.replace_with(row)


_BAIT = "B0BAITBAIT 01.01.2020 Jan 1, 2020 1.234 99 %"
"""Text inside dead markup that looks like values: if it leaks into a record, the record changes."""


@mutation("comments, <script>, <style>, <template>, <noscript> inside rows and cells; text split by <!-- -->")
def comments_and_scripts(soup: BeautifulSoup, rows: list[Tag], rng: random.Random) -> None:
    """Rows and cells get HTML comments and ``<script>``/``<style>``/``<template>``/``<noscript>`` elements
    holding value-like text, at their start, between cells and at their end; one text node per cell is split
    at a random character by an empty comment, as React renders adjacent text (``3<!-- --> orders``)."""
    for i, row in enumerate(rows, start=1):
        row.insert(0, Comment(f" row {i} {_BAIT} "))
        cells = _cells(row)
        if cells:
            script = soup.new_tag("script", attrs={"type": "application/json"})
            script.string = json.dumps({"row": i, "asin": "B0BAITBAIT", "text": _BAIT})
            cells[0].insert_after(script)
        style = soup.new_tag("style")
        style.string = f".row-{i} {{ color: red }} /* {_BAIT} */"
        row.append(style)
        row.append(Comment(" /row "))
        for cell in cells:
            texts = [s for s in cell.find_all(string=True) if type(s) is NavigableString and len(s.strip()) > 1]
            if texts:
                node = rng.choice(texts)
                text = str(node)
                at = rng.randint(1, len(text) - 1)
                head = NavigableString(text[:at])
                node.replace_with(head)
                marker = Comment(" ")
                head.insert_after(marker)
                marker.insert_after(NavigableString(text[at:]))
            cell.insert(0, Comment(f" {_BAIT} "))
            tail = soup.new_tag("script")
            tail.string = f"window.__cell = {json.dumps(_BAIT)};"
            cell.append(tail)
            extra = rng.choice(["template", "noscript"])
            dead = soup.new_tag(extra)
            dead.append(_BAIT)
            cell.append(dead)


@mutation("the header row rendered again as the first row of the row group", expect="loud")
def header_in_body(soup: BeautifulSoup, rows: list[Tag], rng: random.Random) -> None:
    """A copy of the table's header row (a row of the same table that the spec does not select, such as
    the one in ``kat-table-head``) goes in front of the first data row, as tables with a sticky header or a
    header inside the body render it. It holds column titles, not data: it must not become a record."""
    data = {id(r) for r in rows}
    headers = [r for r in _table_rows(soup, rows) if id(r) not in data and _cells(r)]
    if rows and headers:
        rows[0].insert_before(_copy(headers[0]))


@mutation("attributes of every element in a random order")
def attribute_order(soup: BeautifulSoup, rows: list[Tag], rng: random.Random) -> None:
    """Every element's attributes are shuffled (a new renderer or minifier); order has no meaning."""
    for tag in soup.find_all(True):
        items = list(tag.attrs.items())
        rng.shuffle(items)
        tag.attrs = dict(items)


@mutation("tag and attribute names in upper case")
def upper_case_tags(soup: BeautifulSoup, rows: list[Tag], rng: random.Random) -> None:
    """``<KAT-TABLE-ROW DATA-COLUMN="date">``: HTML names are case-insensitive (values keep their case)."""
    for tag in soup.find_all(True):
        tag.name = tag.name.upper()
        tag.attrs = {k.upper(): v for k, v in tag.attrs.items()}


@mutation("an extra wrapper element around each table (the rows' grandparent)")
def table_wrapper(soup: BeautifulSoup, rows: list[Tag], rng: random.Random) -> None:
    """The element that holds the row group (the rows' grandparent, the table) gets wrapped in a ``div``.

    Breaks child combinators above the table (``.content > kat-table``)."""
    done: set[int] = set()
    for row in rows:
        table = row.parent.parent if row.parent is not None else None
        if table is None or table.parent is None or id(table) in done:
            continue
        done.add(id(table))
        table.wrap(soup.new_tag("div", attrs={"class": "table-scroll " + _random_class(rng)}))


@mutation("the rows of each group moved into one container (virtual-scroll viewport)")
def row_container(soup: BeautifulSoup, rows: list[Tag], rng: random.Random) -> None:
    """All rows under one parent move, in order, into a new ``div`` in that parent (as virtual scrolling
    lists do). Breaks ``body > row`` child combinators; descendant selectors hold."""
    for group in _row_groups(rows):
        box = soup.new_tag("div", attrs={"class": "viewport " + _random_class(rng), "role": "presentation"})
        group[0].insert_before(box)
        for row in group:
            box.append(row.extract())


# --- probes: changes the reader cannot see through; loud is right, silent shows a brittle selector ---------


def _css_module_suffix(rng: random.Random) -> str:
    return "_" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(5))


@probe("classes inside cells renamed CSS-modules style (fb-comment-text -> fb-comment-text_x7hq2)")
def inner_classes_renamed(soup: BeautifulSoup, rows: list[Tag], rng: random.Random) -> None:
    """Every class of every element inside a cell gets a build-hash suffix, as CSS modules emit them. A field
    selected by such a class is lost: required fields fail loudly, optional ones silently read as absent,
    which is what this probe shows (``[class*='fb-comment-text']`` would survive)."""
    suffix = _css_module_suffix(rng)
    for row in rows:
        for cell in _cells(row):
            for el in cell.find_all(True):
                classes = el.get("class")
                if classes:
                    el["class"] = AttributeValueList(
                        [c + suffix for c in (classes if isinstance(classes, list) else classes.split())]
                    )


@probe("cells' own classes and data-* attributes renamed (data-column -> data-col)")
def cell_attributes_renamed(soup: BeautifulSoup, rows: list[Tag], rng: random.Random) -> None:
    """Every cell's classes get a build-hash suffix and its ``data-*`` attributes a new name: every field
    selected by its cell is lost, so the page must fail loudly, never read as a row of empty values."""
    suffix = _css_module_suffix(rng)
    for row in rows:
        for cell in _cells(row):
            attrs: dict[str, Any] = {}
            for name, value in cell.attrs.items():
                if name == "class":
                    attrs[name] = [c + suffix for c in (value if isinstance(value, list) else value.split())]
                elif name.startswith("data-"):
                    attrs[name.replace("data-", "data-x-", 1)] = value
                else:
                    attrs[name] = value
            cell.attrs = attrs


# --- judging ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DomCase:
    """One saved DOM page with its golden result."""

    section: str
    name: str
    page: Path
    golden: Path

    @property
    def id(self) -> str:
        return f"{self.section}/{self.name}"


def dom_cases(fixtures: Path) -> list[DomCase]:
    """Every ``fixtures/<section>/dom/<name>.html`` that has a ``<name>.expected.json`` next to it."""
    cases = []
    for page in sorted(fixtures.glob("*/dom/*.html")):
        name = page.name.removesuffix(".html")
        golden = page.with_name(name + ".expected.json")
        if golden.exists():
            cases.append(DomCase(page.parent.parent.name, name, page, golden))
    return cases


@dataclass(frozen=True)
class Outcome:
    """What a mutated page parsed to, judged against the golden."""

    verdict: Verdict
    detail: str = ""


def _canonical(records: list[Any]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in records)


def _first_difference(actual: dict[str, Any], expected: dict[str, Any], order_free: bool) -> str:
    for key in sorted(set(actual) | set(expected)):
        if key == "records":
            continue
        if actual.get(key) != expected.get(key):
            return f"{key}: {actual.get(key)!r} != golden {expected.get(key)!r}"
    got, want = actual.get("records", []), expected.get("records", [])
    if len(got) != len(want):
        return f"{len(got)} records != golden {len(want)}"
    if order_free:
        got, want = sorted(got, key=json.dumps), sorted(want, key=json.dumps)
    for i, (a, b) in enumerate(zip(got, want, strict=True), start=1):
        for field in sorted(set(a) | set(b)):
            if a.get(field) != b.get(field):
                return f"record {i}, {field}: {a.get(field)!r} != golden {b.get(field)!r}"
    return "records differ"


def judge(spec: Spec, section: str, html: str, golden: dict[str, Any], order_free: bool = False) -> Outcome:
    """Same records as the golden, a loud project error, or a silent change (a crash is a failure too)."""
    from scraper.cli import result_json  # the golden files' JSON form
    from scraper.parse import parse_page
    from scraper.serialize import dumps

    try:
        result = parse_page(spec, section, "dom", html)
    except ScraperError as exc:
        return Outcome("loud", f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # an unplanned exception is neither same nor loud
        return Outcome("crash", f"{type(exc).__name__}: {exc}")
    actual = json.loads(dumps(result_json(result)))
    if order_free:
        same = {k: v for k, v in actual.items() if k != "records"} == {
            k: v for k, v in golden.items() if k != "records"
        } and _canonical(actual.get("records", [])) == _canonical(golden.get("records", []))
    else:
        same = actual == golden
    return Outcome("same") if same else Outcome("silent", _first_difference(actual, golden, order_free))


def run_case(spec: Spec, case: DomCase, mutation: Mutation, seed: int | str = 0) -> Outcome:
    """Mutate one fixture (seeded by the fixture id) and judge the result against its golden."""
    html = case.page.read_text(encoding="utf-8")
    golden = json.loads(case.golden.read_text(encoding="utf-8"))
    rows_css = spec.section(case.section).dom.rows
    mutated = mutation(html, rows_css, seed=f"{case.id}/{seed}")
    return judge(spec, case.section, mutated, golden, mutation.order_free)


def main(argv: list[str] | None = None) -> int:
    """``python -m scraper.mutate SECTION page.html MUTATION``: print the mutated page."""
    from scraper.spec import load_spec

    parser = argparse.ArgumentParser(prog="python -m scraper.mutate", description=main.__doc__)
    parser.add_argument("section")
    parser.add_argument("page", type=Path)
    parser.add_argument("mutation", choices=sorted({**MUTATIONS, **PROBES}))
    parser.add_argument("--seed", default="0")
    args = parser.parse_args(argv)
    spec = load_spec()
    html = args.page.read_text(encoding="utf-8")
    sys.stdout.write({**MUTATIONS, **PROBES}[args.mutation](html, spec.section(args.section).dom.rows, seed=args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
