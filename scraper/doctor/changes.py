"""Changes a Seller Central release can make to a whole captured section, page and JSON, for the doctor's
tests and figures (``benchmarks/doctor.py``, ``tests/test_doctor.py``).

Each change is a pure function ``(spec, capture) -> capture`` that knows no section: rows are found with
the spec's own selectors, JSON rows with its own paths. The markup mutations of :mod:`scraper.mutate`
apply to every rendered page; the others move what the spec points at: the row element's name, the
endpoint's path, a JSON field's or the row list's name. Three show where no safe fix exists: values the
page no longer shows, a JSON-only field renamed, and an extra row (the data differ, not the selectors).
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from bs4 import BeautifulSoup
from bs4.element import AttributeValueList, NavigableString

from scraper.capture import Exchange, SectionCapture
from scraper.mutate import MUTATIONS, PROBES, Mutation
from scraper.spec import SectionSpec, Spec
from scraper.text import element_text
from scraper.values import enum_key

CaptureChange = Callable[[Spec, SectionCapture], SectionCapture]
SUFFIX = "V2"


def _pages_html(capture: SectionCapture, change: Callable[[str, int], str]) -> SectionCapture:
    pages = [
        dataclasses.replace(p, html=change(p.html, n) if p.html is not None else None)
        for n, p in enumerate(capture.pages, start=1)
    ]
    return dataclasses.replace(capture, pages=pages)


def _bodies(capture: SectionCapture, change: Callable[[Exchange], Exchange]) -> SectionCapture:
    pages = [
        dataclasses.replace(p, exchanges=[change(x) if x.role == "rows" else x for x in p.exchanges])
        for p in capture.pages
    ]
    return dataclasses.replace(capture, pages=pages)


def markup(mutation: Mutation) -> CaptureChange:
    """A markup mutation of :mod:`scraper.mutate` on every rendered page (seeded per section and page)."""

    def change(spec: Spec, capture: SectionCapture) -> SectionCapture:
        rows = spec.section(capture.section).dom.rows
        return _pages_html(capture, lambda html, n: mutation(html, rows, seed=f"{capture.section}/{n}"))

    change.__doc__ = mutation.summary
    return change


def rows_renamed(spec: Spec, capture: SectionCapture) -> SectionCapture:
    """The row element gets another name (``kat-table-row`` -> ``kat-table-row-v2``), attributes kept."""
    rows_css = spec.section(capture.section).dom.rows

    def change(html: str, n: int) -> str:
        soup = BeautifulSoup(html, "lxml")
        for row in soup.select(rows_css):
            row.name = f"{row.name}-v2"
        return str(soup)

    return _pages_html(capture, change)


def values_hidden(spec: Spec, capture: SectionCapture) -> SectionCapture:
    """Rows renamed, and every text and attribute value in them replaced: the page shows nothing the JSON
    knows (no safe fix exists)."""
    rows_css = spec.section(capture.section).dom.rows

    def change(html: str, n: int) -> str:
        soup = BeautifulSoup(html, "lxml")
        for row in soup.select(rows_css):
            row.name = f"{row.name}-v2"
            for text in row.find_all(string=True):
                if type(text) is NavigableString and text.strip():
                    text.replace_with("•••")
            for element in [row, *row.find_all(True)]:
                for name in list(element.attrs):
                    if name not in {"class", "style", "hidden", "data-sc-hidden", "aria-hidden"}:
                        element[name] = "x"
        return str(soup)

    return _pages_html(capture, change)


def extra_row(spec: Spec, capture: SectionCapture) -> SectionCapture:
    """One more visible row on the first page, a copy of the last with another key: the page and its JSON
    really disagree (the selectors are fine; nothing to fix in them)."""
    section = spec.section(capture.section)

    def change(html: str, n: int) -> str:
        if n != 1:
            return html
        soup = BeautifulSoup(html, "lxml")
        rows = [r for r in soup.select(section.dom.rows) if not r.has_attr("data-sc-hidden")]
        if not rows:
            return html
        clone = copy.copy(rows[-1])
        for element in [clone, *clone.find_all(True)]:
            for name, value in list(element.attrs.items()):
                if isinstance(value, str) and any(c.isdigit() for c in value):
                    element[name] = _bump(value)
        for text in clone.find_all(string=True):
            if type(text) is NavigableString and any(c.isdigit() for c in text):
                text.replace_with(_bump(str(text)))
        rows[-1].insert_after(clone)
        return str(soup)

    return _pages_html(capture, change)


def _bump(text: str) -> str:
    """The text with its last digit changed (another order id, ASIN or case number)."""
    for i in range(len(text) - 1, -1, -1):
        if text[i].isdigit():
            return text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1 :]
    return text


def table_classes_renamed(spec: Spec, capture: SectionCapture) -> SectionCapture:
    """Every class of the rows' ancestors (the table, its body, the page around it) gets a build-hash suffix,
    as CSS modules emit them for the table component."""
    rows_css = spec.section(capture.section).dom.rows

    def change(html: str, n: int) -> str:
        soup = BeautifulSoup(html, "lxml")
        done: set[int] = set()
        for row in soup.select(rows_css):
            for ancestor in row.parents:
                if id(ancestor) in done or ancestor.name in {"[document]", "html", "body"}:
                    continue
                done.add(id(ancestor))
                classes = ancestor.get("class")
                if isinstance(classes, list) and classes:
                    ancestor["class"] = AttributeValueList([c + "_q3v8k" for c in classes])
        return str(soup)

    return _pages_html(capture, change)


def pager_classes_renamed(spec: Spec, capture: SectionCapture, walked: bool = True) -> SectionCapture:
    """The "next" control's own classes and its ancestors' get a build-hash suffix, and the walk, whose
    next_page no longer matched, kept only the first page (what a live walk would have saved). Not in
    RELEASE_CHANGES: a capture cut short cannot read its golden records again, whatever the fix; the test
    checks the proposal itself."""
    css = spec.section(capture.section).dom.next_page
    if css is None or not any(p.html and BeautifulSoup(p.html, "lxml").select(css) for p in capture.pages[:1]):
        return capture

    def change(html: str, n: int) -> str:
        soup = BeautifulSoup(html, "lxml")
        for control in soup.select(css):
            for element in [control, *control.parents]:
                classes = element.get("class")
                if element.name not in {"[document]", "html", "body"} and isinstance(classes, list) and classes:
                    element["class"] = AttributeValueList([c + "_z4m1p" for c in classes])
        return str(soup)

    if not walked:  # every page, as the site shows them (to check a proposal against)
        return _pages_html(capture, change)
    first = _pages_html(dataclasses.replace(capture, pages=capture.pages[:1]), change)
    return dataclasses.replace(first, truncated=False)


def header_renamed(spec: Spec, capture: SectionCapture) -> SectionCapture:
    """The header of the first column a field is found by gets new words (``Produktname ASIN`` ->
    ``Produktname ASIN (neu)``); sections without header-found fields are not changed."""
    section = spec.section(capture.section)
    labels = next((f.column for f in section.dom.fields.values() if f.column), ())
    if not labels or section.dom.headers is None:
        return capture
    wanted = {enum_key(label) for label in labels}
    headers = section.dom.headers

    def change(html: str, n: int) -> str:
        soup = BeautifulSoup(html, "lxml")
        for cell in soup.select(headers):
            if enum_key(element_text(cell)) in wanted:
                cell.string = cell.get_text(" ").strip() + " (neu)"
        return str(soup)

    return _pages_html(capture, change)


def endpoint_moved(spec: Spec, capture: SectionCapture) -> SectionCapture:
    """The page fetches its rows from a renamed path (``.../feedbacks`` -> ``.../feedbacksV2``), which a
    walk with the old spec records as an "other" call."""

    def change(x: Exchange) -> Exchange:
        parts = urlsplit(x.url)
        return dataclasses.replace(x, role="other", url=urlunsplit(parts._replace(path=parts.path + SUFFIX)))

    return _bodies(capture, change)


def rename_in_rows(section: SectionSpec, capture: SectionCapture, top: str, new: str) -> SectionCapture:
    """The capture with a top-level key of every JSON row renamed."""
    assert section.api is not None
    rows_key = section.api.rows

    def change(x: Exchange) -> Exchange:
        if x.body is None:
            return x
        document = json.loads(x.body)
        holder = document
        for part in rows_key.split(".")[:-1]:
            holder = holder.get(part, {})
        for row in holder.get(rows_key.split(".")[-1]) or []:
            if isinstance(row, dict) and top in row:
                row[new] = row.pop(top)
        return dataclasses.replace(x, body=json.dumps(document).encode("utf-8"))

    return _bodies(capture, change)


def _top(path: str | None) -> str:
    return (path or "").split(".")[0].split("[")[0]


def key_field_renamed(spec: Spec, capture: SectionCapture) -> SectionCapture:
    """The JSON sends the first key field under a new name (``caseId`` -> ``caseIdV2``)."""
    section = spec.section(capture.section)
    assert section.api is not None
    top = _top(section.api.fields[section.key[0]].path)
    return rename_in_rows(section, capture, top, top + SUFFIX)


def shown_field_renamed(spec: Spec, capture: SectionCapture) -> SectionCapture:
    """The JSON sends a field the page also shows (not a key, one with values) under a new name."""
    section = spec.section(capture.section)
    assert section.api is not None
    keys = {_top(section.api.fields[k].path) for k in section.key}
    for name, f in section.api.fields.items():
        top = _top(f.path)
        if name in section.dom.fields and name not in section.key and top not in keys:
            return rename_in_rows(section, capture, top, top + SUFFIX)
    return capture


def json_only_renamed(spec: Spec, capture: SectionCapture) -> SectionCapture:
    """The JSON sends a required field the page does not show under a new name: nothing can say which new
    key it is (no safe fix; the doctor names the new keys)."""
    section = spec.section(capture.section)
    assert section.api is not None
    shown = {_top(section.api.fields[n].path) for n in section.api.fields if n in section.dom.fields}
    for name, f in section.api.fields.items():
        top = _top(f.path)
        if name not in section.dom.fields and f.required and top not in shown:
            return rename_in_rows(section, capture, top, top + SUFFIX)
    return capture


def rows_list_renamed(spec: Spec, capture: SectionCapture) -> SectionCapture:
    """The body's list of rows gets another name (``feedbacks`` -> ``feedbacksV2``)."""
    section = spec.section(capture.section)
    assert section.api is not None
    key = section.api.rows

    def change(x: Exchange) -> Exchange:
        if x.body is None or "." in key:
            return x
        document = json.loads(x.body)
        if key in document:
            document[key + SUFFIX] = document.pop(key)
        return dataclasses.replace(x, body=json.dumps(document).encode("utf-8"))

    return _bodies(capture, change)


RELEASE_CHANGES: dict[str, CaptureChange] = {
    **{name: markup(m) for name, m in MUTATIONS.items()},
    **{name: markup(m) for name, m in PROBES.items()},
    "rows_renamed": rows_renamed,
    "table_classes_renamed": table_classes_renamed,
    "header_renamed": header_renamed,
    "endpoint_moved": endpoint_moved,
    "key_field_renamed": key_field_renamed,
    "shown_field_renamed": shown_field_renamed,
    "rows_list_renamed": rows_list_renamed,
    "values_hidden": values_hidden,
    "json_only_renamed": json_only_renamed,
    "extra_row": extra_row,
}
"""Every change, by name: the markup mutations and probes of scraper.mutate, then the doctor's own."""

NO_SAFE_FIX = frozenset({"values_hidden", "json_only_renamed", "extra_row", "hidden_duplicates_unmarked"})
"""Changes where the right answer is "no fix found", said with the reason."""


@dataclasses.dataclass(frozen=True)
class Trial:
    """What the doctor made of one change to one capture, judged against the capture's golden records."""

    change: str
    section: str
    verdict: str
    """The doctor's verdict: "nothing to fix", "fix proposed", "no fix found" ("n/a": the change finds
    nothing to change in this capture)."""
    golden: bool
    """With the proposed patch applied (or the spec as it is, where none), the capture reads ok, without a
    notice, with exactly the golden records."""
    detail: str = ""

    @property
    def outcome(self) -> str:
        """ "read through" (nothing to fix, reads right), "repaired", "no fix, said", or "WRONG": a proposal
        that does not restore the records, or "nothing to fix" on a capture that does not read right."""
        if self.verdict == "n/a":
            return "n/a"
        if self.verdict == "no fix found":
            return "no fix, said"
        if not self.golden:
            return "WRONG"
        return "repaired" if self.verdict == "fix proposed" else "read through"


def trial(spec: Spec, text: str, capture: SectionCapture, golden: list[object], name: str) -> Trial:
    """Apply a release change to a capture, run the doctor, apply its patch, read the capture again."""
    from scraper.doctor.calls import reclassify
    from scraper.doctor.check import load_text
    from scraper.doctor.prescribe import prescribe
    from scraper.read import read_section
    from scraper.serialize import to_jsonable

    changed = RELEASE_CHANGES[name](spec, capture)
    if changed == capture and name not in MUTATIONS and name not in PROBES:
        return Trial(name, capture.section, "n/a", True, "the change does not apply to this capture")
    prescription = prescribe(spec, text, [(changed, name)], day="2000-01-01")
    report = prescription.reports[0]
    patched = load_text(prescription.patched) if prescription.changes else spec
    section = patched.section(capture.section)
    outcome = read_section(patched, section, reclassify(changed, section))
    golden_ok = outcome.status == "ok" and not outcome.notices and to_jsonable(list(outcome.records)) == golden
    detail = "; ".join(report.unfixed) if report.unfixed else "; ".join(f"{c.where}: {c.new}" for c in report.changes)
    return Trial(name, capture.section, report.verdict, golden_ok, detail)
