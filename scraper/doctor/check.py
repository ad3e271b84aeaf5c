"""The final word on a proposal: the patched selectors.yaml loaded strictly, and the capture read again.

A section's changes are offered only if, with the patched file, the capture reads as ``ok`` (or ``empty``)
without a maintenance notice, every record the truth side showed comes out with the same values, and the
page's rows read the same values as the records for every field the doctor checked.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from scraper.doctor.calls import reclassify
from scraper.doctor.examine import Expectation
from scraper.errors import PageError, SpecError
from scraper.extract import read_dom, soup_of
from scraper.parse import convert, record_key
from scraper.read import read_section
from scraper.spec import Spec, load_spec
from scraper.values import Locale


def load_text(text: str, name: str = "selectors.yaml") -> Spec:
    """A selectors.yaml given as text, loaded strictly (SpecError as for the real file)."""
    with tempfile.TemporaryDirectory(prefix="sc-doctor-") as folder:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        return load_spec(path)


def _page_values(spec: Spec, expected: Expectation, records: dict[tuple[Any, ...], Any]) -> list[str]:
    """Where a rendered page's rows read other values than the final records (the checked fields only)."""
    section = spec.section(expected.capture.section)
    names = tuple(n for n in section.dom.fields if n in expected.dom_fields)
    wrong: list[str] = []
    for n, page in enumerate(expected.capture.pages, start=1):
        if page.html is None:
            continue
        try:
            raw = read_dom(spec, section, soup_of(page.html), only=names)
        except PageError as exc:
            return [f"page {n}: {exc}"]
        locale = Locale.parse(raw.locale)
        for i, row in enumerate(raw.rows, start=1):
            try:
                values = {
                    name: convert(
                        section.id, "dom", i, section.dom.fields[name], row[name], locale, spec.missing_values
                    )
                    for name in names
                }
            except PageError as exc:
                return [f"page {n}: {exc}"]
            record = records.get(tuple(values[k] for k in section.key))
            if record is None:
                wrong.append(f"page {n}, row {i}: no record with this key")
                continue
            wrong += [
                f"page {n}, row {i}: the page's {name} is not the record's"
                for name in names
                if values[name] != getattr(record, name)
            ]
    return wrong[:5]


def check(text: str, expected: Expectation) -> list[str]:
    """Why the patched text does not reproduce the expected records (empty when it does)."""
    try:
        spec = load_text(text)
    except SpecError as exc:
        return [f"the patched selectors.yaml does not load: {exc}"]
    section = spec.section(expected.capture.section)
    capture = reclassify(expected.capture, section)
    outcome = read_section(spec, section, capture)
    problems = []
    if outcome.status not in {"ok", "empty"} and not (expected.cut_short and outcome.status == "incomplete"):
        problems.append(f"the capture reads as {outcome.status}: {outcome.message}")
    problems += [
        f"a notice remains: {n}"
        for n in outcome.notices
        if n not in expected.notices or "no longer matches" in n or "did not call" in n
    ]
    by_key = {record_key(section.key, r): r for r in outcome.records}
    missing = 0
    differ: dict[str, int] = {}
    for key, values in expected.records.items():
        record = by_key.get(key)
        if record is None:
            missing += 1
            continue
        for name, value in values.items():
            if getattr(record, name) != value:
                differ[name] = differ.get(name, 0) + 1
    # Counts and field names only: record values can be personal data.
    if missing:
        problems.append(f"{missing} of {len(expected.records)} record(s) missing")
    problems += [f"{name} differs in {n} record(s)" for name, n in differ.items()]
    if not problems:
        problems += _page_values(spec, expected, by_key)
    return problems[:8]
