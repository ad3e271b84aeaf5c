"""Page and JSON reconciled offline, from the real captures under fixtures/<section>/capture/: the rows the page
shows are the witness of the rows the JSON sent. Each capture is changed the way a real disagreement looks
(a row only one side has, a note only the page shows) and read again, with no browser.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, NavigableString

from scraper.capture import CapturedPage, SectionCapture, is_capture_dir, load_capture
from scraper.read import read_section
from scraper.records import RECORD_TYPES
from scraper.serialize import to_jsonable
from scraper.spec import Spec
from scraper.status import SectionStatus
from tests.conftest import FIXTURES

CAPTURES = {p.parent.parent.name: p for p in sorted(FIXTURES.glob("*/capture/demo-de-typical")) if is_capture_dir(p)}
NOTE = "Dieser Artikel wurde von Amazon versandt und wir übernehmen die Verantwortung für dieses Versanderlebnis."
"""Amazon's note on a Feedback Manager row, as the capture's page shows it (the JSON never sends it)."""


def _capture(section: str) -> SectionCapture:
    return load_capture(CAPTURES[section])


def _expected(section: str) -> list[object]:
    document = json.loads((CAPTURES[section] / "expected.json").read_text(encoding="utf-8"))
    records: list[object] = document["records"]
    return records


def _first_page(capture: SectionCapture, change: str) -> SectionCapture:
    """The capture with the first rendered page's HTML replaced."""
    pages = list(capture.pages)
    first = next(i for i, p in enumerate(pages) if p.html is not None)
    pages[first] = CapturedPage(
        pages[first].url, change, pages[first].exchanges, pages[first].marketplace_label, ready=pages[first].ready
    )
    return replace(capture, pages=pages)


def _without_first_row(spec: Spec, capture: SectionCapture) -> SectionCapture:
    html = next(p.html for p in capture.pages if p.html is not None)
    soup = BeautifulSoup(html, "lxml")
    row = next(r for r in soup.select(spec.section(capture.section).dom.rows) if not r.has_attr("data-sc-hidden"))
    row.decompose()
    return _first_page(capture, str(soup))


def _other(text: str) -> str:
    """Every number in the text with its tens digit moved on by 7: another order id, ASIN or case number that
    none of the demo's rows has (moving the last digit by one can land on the next row's key)."""
    return re.sub(r"\d(?=\d\b)", lambda m: str((int(m[0]) + 7) % 10), text)


def _with_extra_row(spec: Spec, capture: SectionCapture) -> SectionCapture:
    """One more visible row on the first page, a copy of the last with other numbers everywhere."""
    html = next(p.html for p in capture.pages if p.html is not None)
    soup = BeautifulSoup(html, "lxml")
    last = [r for r in soup.select(spec.section(capture.section).dom.rows) if not r.has_attr("data-sc-hidden")][-1]
    clone = copy.copy(last)
    for element in [clone, *clone.find_all(True)]:
        for name, value in list(element.attrs.items()):
            if isinstance(value, str):
                element[name] = _other(value)
    for text in clone.find_all(string=True):
        if type(text) is NavigableString:
            text.replace_with(_other(str(text)))
    last.insert_after(clone)
    return _first_page(capture, str(soup))


def test_there_is_a_capture_per_section() -> None:
    assert sorted(CAPTURES) == sorted(RECORD_TYPES)


@pytest.mark.parametrize("section", sorted(CAPTURES))
def test_page_and_json_that_agree_read_the_json_records(spec: Spec, section: str) -> None:
    outcome = read_section(spec, spec.section(section), _capture(section))
    assert (outcome.status, outcome.source, outcome.message, outcome.notices) == (SectionStatus.OK, "api", None, [])
    assert to_jsonable(list(outcome.records)) == _expected(section)


@pytest.mark.parametrize("section", sorted(CAPTURES))
def test_a_row_the_page_does_not_show_is_drift(spec: Spec, section: str) -> None:
    outcome = read_section(spec, spec.section(section), _without_first_row(spec, _capture(section)))
    assert outcome.status is SectionStatus.DRIFT
    assert outcome.message == f"[{section}] page and JSON disagree: 0 row(s) only on the page, 1 only in the JSON"


@pytest.mark.parametrize("section", sorted(CAPTURES))
def test_a_row_only_the_page_shows_is_drift(spec: Spec, section: str) -> None:
    outcome = read_section(spec, spec.section(section), _with_extra_row(spec, _capture(section)))
    assert outcome.status is SectionStatus.DRIFT
    assert outcome.message == f"[{section}] page and JSON disagree: 1 row(s) only on the page, 0 only in the JSON"


def test_a_field_only_the_page_shows_comes_from_the_page(spec: Spec) -> None:
    """Feedback Manager's "Message from Amazon" is not in the JSON: each record takes it from its own row of
    the page, so a changed note on the page changes that record and no other."""
    capture = _capture("feedback")
    html = next(p.html for p in capture.pages if p.html is not None)
    assert html.count(NOTE) >= 1
    changed = _first_page(capture, html.replace(NOTE, "Von Amazon versandt (geänderter Hinweis).", 1))
    before = {r.order_id: r.amazon_message for r in read_section(spec, spec.section("feedback"), capture).records}
    outcome = read_section(spec, spec.section("feedback"), changed)
    after = {r.order_id: r.amazon_message for r in outcome.records}
    assert outcome.status is SectionStatus.OK
    differ = {k for k in before if before[k] != after[k]}
    assert len(differ) == 1
    (order,) = differ
    assert (before[order], after[order]) == (NOTE, "Von Amazon versandt (geänderter Hinweis).")
    assert [r for r in _expected("feedback") if isinstance(r, dict) and r["amazon_message"] == NOTE]


def test_a_json_row_the_page_shows_with_other_values_keeps_the_json_values(spec: Spec, tmp_path: Path) -> None:
    """The witness compares keys, not values: a page that shows a row's comment differently (its own markup,
    translation) does not change the record the JSON sent."""
    capture = _capture("feedback")
    expected = _expected("feedback")
    first = expected[0]
    assert isinstance(first, dict)
    comment = first["comment"]
    html = next(p.html for p in capture.pages if p.html is not None)
    assert comment
    assert comment in html
    outcome = read_section(spec, spec.section("feedback"), _first_page(capture, html.replace(comment, "anders")))
    assert outcome.status is SectionStatus.OK
    assert to_jsonable(list(outcome.records)) == expected
