"""Page selectors learnt from the JSON: where the JSON's records are known, find the rows and cells that show
them, and name them again.

The JSON the page fetched gives each record's values; :mod:`scraper.doctor.finder` finds the visible
elements that show them; the rows are the largest elements that hold one record's key values and no other
record's; each field's cell is then named by :mod:`scraper.doctor.generalise` so that the same selector
reads the JSON's value in every row. Every candidate is read the way the reader reads (the field's own
transforms and type), so only selectors that reproduce the records survive. Nothing here guesses: a value
the page does not show, or a field only the page shows, is reported, not invented.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from bs4 import BeautifulSoup, Tag

from scraper.doctor.finder import Finder, Holder, hashable, items, locatable
from scraper.doctor.generalise import (
    POSITION,
    Candidate,
    anchors,
    closeness,
    descendant_candidates,
    parts,
    positional,
    rank,
    retag,
    rewrite_attributes,
    rewrite_classes,
    split_last,
)
from scraper.doctor.model import Change
from scraper.doctor.trial import in_spec, with_dom
from scraper.errors import PageError
from scraper.extract import dom_field
from scraper.parse import convert, record_key
from scraper.spec import LOCALES, FieldSpec, SectionSpec, Spec
from scraper.text import element_text
from scraper.values import Locale, enum_key

MAX_CANDIDATES = 400
"""Located candidates tried per field at most (the best-ranked ones)."""


@dataclass
class Page:
    """One rendered page of a capture with the records its JSON holds."""

    number: int
    soup: BeautifulSoup
    """What a person sees (invisible elements dropped), as the reader reads it."""
    full: BeautifulSoup
    """The page as saved (for ``ready``, which the walk waits for in the live DOM)."""
    records: list[Any]
    locale: Locale
    columns: dict[tuple[str, ...], int | None] = field(default_factory=dict)
    """Header position of each column label set, found once per page."""


@dataclass
class Aligned:
    """The rows of one page paired with the records they show."""

    page: Page
    pairs: list[tuple[Tag, Any]]


@dataclass
class DomFix:
    """What the page side needs: changes, problems found, and what could not be fixed."""

    changes: list[Change] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unfixed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    agreeing: set[str] = field(default_factory=set)
    """DOM fields whose values agree with the JSON (after the changes)."""
    stopped_early: bool = False
    """The walk stopped before the end of the list (a pager that no longer matched): the capture cannot hold
    the rest, so a re-read of it stays incomplete even with the right fix."""


def _place(section: SectionSpec, *keys: str) -> tuple[str, ...]:
    return ("sections", section.id, *keys)


def _truth_fields(section: SectionSpec) -> list[str]:
    """DOM fields the JSON also fills: their values can be checked against it."""
    api = section.api.fields if section.api is not None else {}
    return [name for name in section.dom.fields if name in api]


# --- reading a field the way the reader does ----------------------------------------------------------------


def _column_cell(section: SectionSpec, page: Page, row: Tag, f: FieldSpec) -> Tag | None:
    """The cell of a field found by its column header (as scraper.extract reads it), the row for other
    fields; None where the column or the row's cells do not fit the header."""
    if not f.column or section.dom.headers is None or section.dom.cells is None:
        return row
    if f.column not in page.columns:
        labels = [enum_key(element_text(c)) for c in page.soup.select(section.dom.headers)]
        keys = {enum_key(label) for label in f.column}
        page.columns[f.column] = next((i for i, label in enumerate(labels) if label in keys), None)
        page.columns[("#",)] = len(labels)
    position = page.columns[f.column]
    cells = row.select(section.dom.cells)
    if position is None or len(cells) != page.columns[("#",)]:
        return None
    return cells[position]


_FAILED = object()


def read_value(spec: Spec, section: SectionSpec, page: Page, row: Tag, f: FieldSpec) -> Any:
    """One field of one row, typed; a sentinel (never equal to a value) where it cannot be read."""
    scope = _column_cell(section, page, row, f)
    if scope is None:
        return _FAILED
    try:
        raw = dom_field(scope, f)
        return convert(section.id, "dom", 0, f, raw, page.locale, spec.missing_values)
    except PageError:
        return _FAILED
    except Exception:  # a candidate selector soupsieve accepts but cannot run here
        return _FAILED


def agreement(spec: Spec, section: SectionSpec, f: FieldSpec, aligned: list[Aligned]) -> tuple[int, int]:
    """(rows where the field reads the record's value, rows compared)."""
    same = total = 0
    for a in aligned:
        for row, record in a.pairs:
            total += 1
            same += read_value(spec, section, a.page, row, f) == getattr(record, f.name)
    return same, total


def _has_truth(f: FieldSpec, aligned: list[Aligned]) -> bool:
    return any(items(getattr(r, f.name)) for a in aligned for _, r in a.pairs)


# --- rows -------------------------------------------------------------------------------------------------


def _key_reading(spec: Spec, section: SectionSpec, page: Page, row: Tag) -> tuple[Any, ...] | None:
    values = []
    for name in section.key:
        value = read_value(spec, section, page, row, section.dom.fields[name])
        if value is _FAILED:
            return None
        values.append(value)
    return tuple(values)


def _align_by_keys(spec: Spec, section: SectionSpec, page: Page, rows: list[Tag]) -> list[tuple[Tag, Any]] | None:
    """Rows paired with the records of the same key, where the key fields read; None where they do not."""
    by_key = {record_key(section.key, r): r for r in page.records}
    pairs = []
    for row in rows:
        key = _key_reading(spec, section, page, row)
        if key is None:
            return None
        if key in by_key:
            pairs.append((row, by_key[key]))
    return pairs


def _holders_by_record(finder: Finder, section: SectionSpec, page: Page) -> dict[int, list[Holder]]:
    """Elements that show a record's key values, for values no other record of the page has."""
    scope: Tag = page.soup.body or page.soup
    owners: dict[Hashable, set[int]] = {}
    for i, record in enumerate(page.records):
        for name in section.key:
            for value in items(getattr(record, name)):
                owners.setdefault((name, hashable(value)), set()).add(i)
    found: dict[int, list[Holder]] = {}
    for name in section.key:
        f = section.dom.fields[name]
        if not locatable(f):
            continue
        index = finder.index(scope, f)
        for i, record in enumerate(page.records):
            for value in items(getattr(record, name)):
                if owners[(name, hashable(value))] == {i}:
                    found.setdefault(i, []).extend(index.get(hashable(value), []))
    return found


def _ancestry(holders: list[Holder]) -> set[int]:
    out = set()
    for h in holders:
        out.add(id(h.element))
        out.update(id(p) for p in h.element.parents)
    return out


def locate_rows(finder: Finder, section: SectionSpec, page: Page) -> dict[int, Tag]:
    """Record index -> the element that shows that record: the largest one holding its key values and no
    other record's. Pages with one record give nothing (every ancestor qualifies)."""
    holders = _holders_by_record(finder, section, page)
    if len(holders) < 2:
        return {}
    ancestry = {i: _ancestry(h) for i, h in holders.items()}
    rows: dict[int, Tag] = {}
    for i, own in holders.items():
        others = set().union(*(a for j, a in ancestry.items() if j != i))
        tops: Counter[int] = Counter()
        elements: dict[int, Tag] = {}
        for h in own:
            node = h.element
            if id(node) in others:
                continue
            while node.parent is not None and node.parent.name != "[document]" and id(node.parent) not in others:
                node = node.parent
            tops[id(node)] += 1
            elements[id(node)] = node
        if tops:
            rows[i] = elements[tops.most_common(1)[0][0]]
    # Rows are alike: keep the usual element name and depth, drop the odd ones out (a stray value elsewhere).
    shapes = Counter((t.name, len(list(t.parents))) for t in rows.values())
    if not shapes:
        return {}
    usual = shapes.most_common(1)[0][0]
    return {i: t for i, t in rows.items() if (t.name, len(list(t.parents))) == usual}


def _rows_candidates(old: str, located: list[Tag], soups: list[BeautifulSoup]) -> list[Candidate]:
    """Row selectors for the located rows: the old one with renamed classes or attributes and the new
    element name, the old context with the row's own parts, and the rows' ancestors' parts as context."""
    sample = located[0]
    head, combinator, last = split_last(old)
    out = []
    for rewritten in (rewrite_classes(old, soups), rewrite_attributes(old, soups)):
        if rewritten:
            r_head, r_combinator, r_last = split_last(rewritten)
            joiner = f" {r_combinator} " if r_combinator != " " else " "
            out.append(Candidate(rewritten, None, 1, "rewrite", near=True))
            retagged = retag(r_last, sample.name)
            out.append(Candidate(f"{r_head}{joiner}{retagged}" if r_head else retagged, None, 1, "rewrite", near=True))
    lasts = [(retag(last, sample.name), 0), *parts(sample)]
    contexts: list[tuple[str, str, int]] = [("", "", 0)]
    if head:
        contexts.append((head, f" {combinator} " if combinator != " " else " ", 0))
    parent = sample.parent
    if parent is not None:
        contexts.extend((p, " > ", s) for p, s in parts(parent))
    for n, ancestor in enumerate(sample.parents):
        if n >= 5 or ancestor.name in {"[document]", "html", "body"}:
            break
        contexts.extend((p, " ", s) for p, s in parts(ancestor) if "[" in p or "#" in p or "-" in p.split("[")[0])
    for context, joiner, s1 in contexts:
        for compound, s2 in lasts:
            css = f"{context}{joiner}{compound}" if context else compound
            out.append(Candidate(css, None, max(s1, s2), "located"))
    return out


def _select(soup: BeautifulSoup, css: str) -> list[Tag] | None:
    try:
        return list(soup.select(css))
    except Exception:  # a combination soupsieve refuses
        return None


def _rows_fit(css: str, pages: list[Page], located: dict[int, dict[int, Tag]]) -> bool:
    """The selector picks exactly the located rows, and one row per record where a page had too few
    records to locate them."""
    for page in pages:
        if not page.records:
            continue
        chosen = _select(page.soup, css)
        if chosen is None or len(chosen) != len(page.records):
            return False
        rows = located.get(page.number, {})
        if rows and {id(t) for t in chosen} != {id(t) for t in rows.values()}:
            return False
    return True


def fix_rows(spec: Spec, section: SectionSpec, pages: list[Page], finder: Finder, out: DomFix) -> str | None:
    """A rows selector that picks the rows showing the JSON's records; None (and why, in ``out``) if none."""
    located = {p.number: locate_rows(finder, section, p) for p in pages}
    complete = [(p, rows) for p in pages if (rows := located[p.number]) and len(rows) == len(p.records)]
    if not complete:
        out.unfixed.append(
            f"rows: the page shows none of the JSON's key values ({', '.join(section.key)}) in a way the spec's "
            "key fields read, so no row can be located; nothing safe to propose"
        )
        return None
    sample = list(complete[0][1].values())
    soups = [p.soup for p in pages]
    ranked = rank(_rows_candidates(section.dom.rows, sample, soups), section.dom.rows, None)
    for candidate in ranked:
        assert candidate.css is not None
        if _rows_fit(candidate.css, pages, located):
            return candidate.css
    out.unfixed.append(
        f"rows: located {sum(len(r) for r in located.values())} row(s) showing the JSON's records, but no selector "
        "picks exactly them on every page"
    )
    return None


def align(spec: Spec, section: SectionSpec, pages: list[Page], finder: Finder, out: DomFix) -> list[Aligned] | None:
    """Rows paired with records on every page: by the key fields where they read, else by located values;
    a new rows selector (a change in ``out``) where the old one no longer picks the rows."""
    current = section.dom.rows
    by_keys: list[Aligned] = []
    extra = 0
    for page in pages:
        rows = _select(page.soup, current) or []
        readings = [_key_reading(spec, section, page, r) for r in rows]
        by_key = {record_key(section.key, r): r for r in page.records}
        if not rows or any(k is None for k in readings) or not set(by_key) <= set(readings):
            by_keys = []
            break
        if len(set(readings)) != len(readings):
            out.unfixed.append(
                f"page {page.number}: two visible rows show the same key: copies of rows that the capture did not mark "
                "as hidden (a page saved without the walk?) or a list that repeats a row; not a selector change"
            )
            return None
        pairs = [(row, by_key[k]) for row, k in zip(rows, readings, strict=True) if k in by_key]
        extra += len(rows) - len(pairs)
        by_keys.append(Aligned(page, pairs))
    if by_keys:
        if extra:
            out.unfixed.append(
                f"the page shows {extra} row(s) whose key its JSON lacks, while every JSON record has its row: the "
                "selectors read both sides, the data differ; nothing to change in selectors.yaml"
            )
        return by_keys
    if not any(p.records for p in pages):
        return by_keys
    # Are the rows still right (only the key cells moved)? Locate the records inside the selected rows.
    by_values: list[Aligned] = []
    for page in pages:
        rows = _select(page.soup, current) or []
        located = locate_rows(finder, section, page) if len(page.records) > 1 else {}
        pairs = []
        for i, record in enumerate(page.records):
            element = located.get(i)
            inside = [r for r in rows if element is not None and (r is element or element in r.parents)]
            if len(inside) == 1:
                pairs.append((inside[0], record))
        if len(rows) != len(page.records) or len({id(r) for r, _ in pairs}) != len(pairs):
            by_values = []
            break
        if len(page.records) == 1 and len(rows) == 1:
            pairs = [(rows[0], page.records[0])]
        by_values.append(Aligned(page, pairs))
    if by_values and all(len(a.pairs) == len(a.page.records) for a in by_values):
        return by_values
    counts = ", ".join(str(len(_select(p.soup, current) or [])) for p in pages if p.records)
    wanted = ", ".join(str(len(p.records)) for p in pages if p.records)
    out.problems.append(f"dom.rows {current!r} picks {counts} row(s) per page where the JSON has {wanted}")
    new = fix_rows(spec, section, pages, finder, out)
    if new is None:
        return None
    out.changes.append(
        Change(
            _place(section, "dom", "rows"),
            current,
            new,
            f"the rows that show the JSON's {', '.join(section.key)} values are picked by {new!r}",
        )
    )
    by_page = {p.number: locate_rows(finder, section, p) for p in pages}
    aligned = []
    for page in pages:
        chosen = _select(page.soup, new) or []
        found = by_page[page.number]
        if found:
            pairs = [(found[i], page.records[i]) for i in sorted(found)]
        else:
            pairs = list(zip(chosen, page.records, strict=False))
        aligned.append(Aligned(page, pairs))
    return aligned


# --- fields -----------------------------------------------------------------------------------------------


def _scopes(section: SectionSpec, f: FieldSpec, aligned: list[Aligned]) -> list[tuple[Aligned, Tag, Any]]:
    """(page, the row or the field's column cell, record) for every aligned row."""
    out = []
    for a in aligned:
        for row, record in a.pairs:
            scope = _column_cell(section, a.page, row, f)
            if scope is not None:
                out.append((a, scope, record))
    return out


def _anchor_elements(f: FieldSpec, scopes: list[tuple[Aligned, Tag, Any]]) -> dict[int, Tag]:
    """id(scope) -> the element the old selector's leading part (or its rewrite) still picks in that row:
    the place the value was. Empty where no leading part picks exactly one element in every row."""
    if not f.css:
        return {}
    tags = [scope for _, scope, _ in scopes]
    variants = [f.css, rewrite_classes(f.css, tags), rewrite_attributes(f.css, tags)]
    for css in (v for v in variants if v):
        for head in anchors(css):
            picked = {}
            for scope in tags:
                found = _select(scope, head) or []  # type: ignore[arg-type]
                if len(found) != 1:
                    break
                picked[id(scope)] = found[0]
            else:
                if picked:
                    return picked
    return {}


def _candidates(
    finder: Finder, section: SectionSpec, f: FieldSpec, aligned: list[Aligned], limit_rows: int = 3
) -> list[Candidate]:
    """The old selector with renamed classes or attributes, and selectors of the elements that hold the
    record's value in the first rows (marked ``near`` where they sit where the old selector pointed)."""
    scopes = _scopes(section, f, aligned)
    tags = [scope for _, scope, _ in scopes]
    out: list[Candidate] = []
    if f.css:
        for rewritten in (rewrite_classes(f.css, tags), rewrite_attributes(f.css, tags)):
            if rewritten:
                out.append(Candidate(rewritten, f.attr, 1 if "[class*=" in rewritten else 0, "rewrite", near=True))
    if not locatable(f):
        return out
    anchor = _anchor_elements(f, scopes)
    used = 0
    for _, scope, record in scopes:
        wanted = items(getattr(record, f.name))
        if not wanted:
            continue
        if used >= limit_rows:
            break
        used += 1
        place = anchor.get(id(scope))
        for h in finder.index(scope, f).get(hashable(wanted[0]), []):
            near = place is not None and (h.element is place or place in h.element.parents)
            found = descendant_candidates(scope, h.element, h.attr)
            last = positional(scope, h.element, h.attr)
            if last is not None:
                found.append(last)
            out.extend(dataclasses.replace(c, near=near) for c in found)
    return out


def _ambiguous(section: SectionSpec, f: FieldSpec, css: str | None, aligned: list[Aligned]) -> bool:
    """The selector matches several elements in some row where one value is meant (an implicit position)."""
    if css is None or f.multiple:
        return False
    return any(len(_select(scope, css) or []) > 1 for _, scope, _ in _scopes(section, f, aligned))  # type: ignore[arg-type]


def best_for(
    spec: Spec, section: SectionSpec, members: list[FieldSpec], aligned: list[Aligned], candidates: list[Candidate]
) -> Candidate | None:
    """The best-ranked candidate that reads the record's value in every aligned row for every member (fields
    that shared one selector share the new one)."""
    first = members[0]
    best: Candidate | None = None
    best_key: tuple[int, float, float] | None = None
    for c in rank(candidates, first.css, first.attr)[:MAX_CANDIDATES]:
        if best is not None and (not c.near, c.strength) > (not best.near, best.strength):
            break
        fits = True
        for f in members:
            same, total = agreement(spec, section, dataclasses.replace(f, css=c.css, attr=c.attr), aligned)
            if same != total or total == 0:
                fits = False
                break
        if not fits:
            continue
        strength = max(c.strength, 2) if any(_ambiguous(section, f, c.css, aligned) for f in members) else c.strength
        key = (0 if c.near else 1, strength, -(closeness(first.css, c.css) + (0.5 if c.attr == first.attr else 0.0)))
        if best_key is None or key < best_key:
            best, best_key = dataclasses.replace(c, strength=strength), key
    return best


def _relabel(
    spec: Spec, section: SectionSpec, fields: list[FieldSpec], checked: list[FieldSpec], aligned: list[Aligned]
) -> tuple[str, str] | None:
    """(page language, new header) for fields found by a column whose header no page shows any more: the
    one column whose cells read every record's values, named by its header as the page shows it."""
    first = fields[0]
    dom = section.dom
    pages = [a.page for a in aligned]
    if not first.column or not checked or dom.headers is None or dom.cells is None or not pages:
        return None
    language = pages[0].locale.language
    sample = next(((a.page, a.pairs[0][0]) for a in aligned if a.pairs), None)
    if language not in LOCALES or sample is None or _column_cell(section, *sample, first) is not None:
        return None  # the header is still there: the cell's content moved, not the column
    fitting: set[int] | None = None
    labels: set[str] = set()
    for a in aligned:
        headers = [element_text(h) for h in a.page.soup.select(dom.headers)]
        for row, record in a.pairs:
            cells = row.select(dom.cells)
            if len(cells) != len(headers):
                return None
            here = set()
            for i, cell in enumerate(cells):
                if all(_read_in(spec, section, a.page, cell, f) == getattr(record, f.name) for f in checked):
                    here.add(i)
            fitting = here if fitting is None else fitting & here
        if fitting is not None and len(fitting) == 1:
            labels.add(headers[next(iter(fitting))])
    if fitting is None or len(fitting) != 1 or len(labels) != 1:
        return None
    return language, labels.pop()


def _read_in(spec: Spec, section: SectionSpec, page: Page, cell: Tag, f: FieldSpec) -> Any:
    try:
        return convert(section.id, "dom", 0, f, dom_field(cell, f), page.locale, spec.missing_values)
    except Exception:  # a cell of another kind: just not this one
        return _FAILED


def _field_changes(section: SectionSpec, f: FieldSpec, c: Candidate, why: str) -> list[Change]:
    place = _place(section, "dom", "fields", f.name)
    changes = []
    if c.css != f.css:
        changes.append(Change((*place, "css"), f.css, c.css, why))
    if c.attr != f.attr:
        changes.append(Change((*place, "attr"), f.attr, c.attr, why))
    return changes


def _groups(section: SectionSpec) -> list[list[str]]:
    """DOM fields that read the same place (same selector, attribute and column), in spec order."""
    groups: dict[tuple[str | None, str | None, tuple[str, ...]], list[str]] = {}
    for name, f in section.dom.fields.items():
        groups.setdefault((f.css, f.attr, f.column), []).append(name)
    return list(groups.values())


def fix_fields(spec: Spec, section: SectionSpec, aligned: list[Aligned], finder: Finder, out: DomFix) -> SectionSpec:
    """Repair every DOM field the JSON also fills whose cells no longer read the JSON's values; fields that
    shared its selector (also those only the page shows) move with it."""
    shared = set(_truth_fields(section))
    for names in _groups(section):
        fields = [section.dom.fields[n] for n in names]
        checked = [f for f in fields if f.name in shared and _has_truth(f, aligned)]
        broken = []
        for f in checked:
            same, total = agreement(spec, section, f, aligned)
            if same == total:
                out.agreeing.add(f.name)
            else:
                broken.append(f)
                what = f"{f.css!r}" + (f" ({f.attr})" if f.attr else "") if f.css or f.attr else "its column"
                out.problems.append(f"dom.fields.{f.name} {what} reads {same} of {total} row(s) as the JSON has them")
        if not broken:
            for f in fields:
                if f.name not in shared:
                    out.notes.append(
                        f"dom.fields.{f.name}: only the page shows it, so it cannot be checked against the JSON"
                    )
            continue
        relabelled = _relabel(spec, section, fields, checked, aligned)
        if relabelled is not None:
            language, label = relabelled
            for f in fields:
                why = f"the column that holds the JSON's {f.name} is headed {label!r} now ({language} page)"
                place = _place(section, "dom", "fields", f.name, "column", language)
                out.changes.append(Change(place, " / ".join(f.column), label, why))
                section = with_dom(section, fields={f.name: dataclasses.replace(f, column=(*f.column, label))})
                out.agreeing.update(c.name for c in checked if c.name == f.name)
            spec = in_spec(spec, section)
            continue
        candidates = [c for f in broken for c in _candidates(finder, section, f, aligned)]
        together = best_for(spec, section, checked, aligned, candidates) if len(fields) > 1 else None
        if together is not None:
            moved = {f.name: together for f in fields}
        else:
            moved = {}
            for f in broken:
                chosen = best_for(spec, section, [f], aligned, _candidates(finder, section, f, aligned))
                if chosen is not None:
                    moved[f.name] = chosen
        for f in fields:
            c = moved.get(f.name)
            if c is None:
                if f in broken:
                    out.unfixed.append(
                        f"dom.fields.{f.name}: no selector in the rows reads the JSON's {f.name} in every row"
                        + ("" if locatable(f) else " (a yes/no value: its place cannot be told from its value)")
                    )
                elif f.name not in shared and len(fields) > 1:
                    out.unfixed.append(
                        f"dom.fields.{f.name}: it shared its selector with {', '.join(b.name for b in broken)}, whose "
                        "new places differ; only the page shows it, so which one it follows cannot be checked"
                    )
                continue
            if f in checked:
                out.agreeing.add(f.name)
            how = " by a :nth-child chain (no stable attribute or class holds it)" if c.strength == POSITION else ""
            if f.name in shared:
                why = f"reads the JSON's {f.name} in every row{how}"
            else:
                partners = ", ".join(b.name for b in broken)
                why = f"only the page shows {f.name}: it moves with {partners}, which shared its selector"
            out.changes.extend(_field_changes(section, f, c, why))
            section = with_dom(section, fields={f.name: dataclasses.replace(f, css=c.css, attr=c.attr)})
            spec = in_spec(spec, section)
    return section


# --- ready ------------------------------------------------------------------------------------------------


def split_list(css: str) -> list[str]:
    """The selectors of a comma-separated list (commas inside brackets, parentheses or quotes kept)."""
    out, depth, quote, start = [], 0, None, 0
    for i, ch in enumerate(css):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(css[start:i].strip())
            start = i + 1
    out.append(css[start:].strip())
    return [s for s in out if s]


def fix_ready(section: SectionSpec, pages: list[Page], rows_css: str, out: DomFix) -> None:
    """``ready`` (what the walk waits for) must match once rows are shown. A part that named the old rows
    becomes the rows selector; another part that matches nothing gets its renamed classes or attributes, or
    else becomes the rows selector too. Parts of the empty state are kept (nothing here can check them)."""
    with_rows = [p for p in pages if p.records]
    if all((_select(p.full, section.ready) or []) for p in with_rows):
        return
    out.problems.append(f"ready {section.ready!r} matches none of the {len(with_rows)} page(s) that show rows")
    empty_parts = set(split_list(section.empty))
    soups = [p.full for p in with_rows]

    def matches(css: str) -> bool:
        return all(_select(p.full, css) for p in with_rows)

    replaced = []
    for part in split_list(section.ready):
        if part == section.dom.rows:
            part = rows_css
        elif part not in empty_parts and not any(_select(p.full, part) for p in with_rows):
            rewrites = [r for r in (rewrite_classes(part, soups), rewrite_attributes(part, soups)) if r]
            part = next((r for r in rewrites if matches(r)), rows_css)
        replaced.append(part)
    new = ", ".join(dict.fromkeys(replaced))
    if new != section.ready and matches(new):
        out.changes.append(
            Change(_place(section, "ready"), section.ready, new, "matches on every page that shows rows")
        )
    else:
        out.unfixed.append("ready: no replacement matches on every page that shows rows")


def fix_next_page(section: SectionSpec, pages: list[Page], total: int | None, out: DomFix) -> None:
    """Where the JSON announces more rows than the capture holds and ``next_page`` matched nothing on the last
    page, the walk stopped early (silently: fewer records, no error). The old selector with renamed classes
    or attributes is proposed if it matches on every page but the last plus the last one, and nowhere else."""
    css = section.dom.next_page
    held = sum(len(p.records) for p in pages)
    if css is None or total is None or total <= held or not pages:
        return
    last = pages[-1]
    if _select(last.full, css):
        return  # the walk was told to stop (the page limit), not misled
    out.stopped_early = True
    out.problems.append(
        f"dom.next_page {css!r} matches nothing on the last page, yet the JSON announces {total} row(s) and the "
        f"capture holds {held}: the walk stopped early"
    )
    soups = [p.full for p in pages]
    for rewritten in (rewrite_classes(css, soups), rewrite_attributes(css, soups)):
        if rewritten and all(_select(p.full, rewritten) for p in pages):
            out.changes.append(
                Change(
                    _place(section, "dom", "next_page"),
                    css,
                    rewritten,
                    "matches the pager on every captured page (check the last page of the live list by hand)",
                )
            )
            return
    out.unfixed.append("dom.next_page: no renamed form of it matches the pager; find the 'next' control by hand")


def fix_headers(section: SectionSpec, aligned: list[Aligned], out: DomFix) -> SectionSpec:
    """Fields found by their column need ``headers`` to pick one header cell per row cell: where it picks
    none, the old selector with renamed classes or attributes, if that picks as many as the rows have cells."""
    dom = section.dom
    if dom.headers is None or dom.cells is None or not any(f.column for f in dom.fields.values()):
        return section
    shown = [a for a in aligned if a.pairs]
    if not shown or all(_select(a.page.soup, dom.headers) for a in shown):
        return section
    out.problems.append(f"dom.headers {dom.headers!r} picks no header cell")
    soups = [a.page.soup for a in shown]
    for rewritten in (rewrite_classes(dom.headers, soups), rewrite_attributes(dom.headers, soups)):
        if rewritten and all(
            len(_select(a.page.soup, rewritten) or []) == len(row.select(dom.cells))
            for a in shown
            for row, _ in a.pairs
        ):
            out.changes.append(
                Change(_place(section, "dom", "headers"), dom.headers, rewritten, "picks one header per cell again")
            )
            for a in shown:
                a.page.columns.clear()  # positions were looked up with the old headers
            return dataclasses.replace(section, dom=dataclasses.replace(dom, headers=rewritten))
    out.unfixed.append("dom.headers: no selector found that picks the header cells")
    return section


def fix_dom(spec: Spec, section: SectionSpec, pages: list[Page], total: int | None = None) -> DomFix:
    """Everything the page side needs so that the DOM reads the JSON's records again (``total``: the row count
    the JSON announces, where the spec names it)."""
    out = DomFix()
    finder = Finder(spec, section.id, pages[0].locale if pages else Locale())
    aligned = align(spec, section, pages, finder, out)
    if aligned is None:
        return out
    rows_css = next((c.new for c in out.changes if c.place[-1] == "rows"), None) or section.dom.rows
    section = fix_headers(with_dom(section, rows=rows_css), aligned, out)
    spec = in_spec(spec, section)
    fix_fields(spec, section, aligned, finder, out)
    fix_ready(section, pages, rows_css, out)
    fix_next_page(section, pages, total, out)
    return out
