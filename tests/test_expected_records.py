"""Every fixture against records written by hand (tests/expected_records.py), not against parser output.

A golden regenerated from broken code passes the golden tests; it fails here. The demo's own data
(scraper/demo/datasets) is pinned by the same records, moved by its clock.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from scraper.capture import load_capture
from scraper.parse import parse_page, parse_summary_api
from scraper.read import read_section
from scraper.serialize import to_jsonable
from scraper.spec import Spec
from tests.conftest import FIXTURES
from tests.demo_data import demo_records
from tests.expected_records import CASES, EXPECTED, SUMMARIES, Pin

SECTIONS = tuple(EXPECTED)
DATE_FIELDS = ("date", "created", "last_updated", "due_date")


def _by_key(spec: Spec, section: str, records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    key = spec.section(section).key
    return {json.dumps([r[k] for k in key]): r for r in records}


def assert_pinned(spec: Spec, section: str, records: list[dict[str, Any]], pins: list[Pin], where: str) -> None:
    """Each pin's record is among ``records`` (by the section's key) with exactly the pinned values."""
    found = _by_key(spec, section, records)
    for pin in pins:
        key = json.dumps([pin[k] for k in spec.section(section).key])
        assert key in found, f"{where}: no record {key} (read {len(records)})"
        got = {name: found[key].get(name) for name in pin}
        assert got == pin, where


def _read(spec: Spec, section: str, source: str, case: str) -> list[dict[str, Any]]:
    suffix = "json" if source == "api" else "html"
    payload = (FIXTURES / section / source / f"{case}.{suffix}").read_bytes()
    return list(to_jsonable(list(parse_page(spec, section, source, payload).records)))


@pytest.mark.parametrize("section", SECTIONS)
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("source", ["api", "dom"])
def test_every_fixture_reads_to_its_hand_written_records(spec: Spec, section: str, case: str, source: str) -> None:
    pins = EXPECTED[section][case]
    assert pins, f"{section}/{case}: no hand-written record"
    if source == "dom":  # the page shows the body's values; the JSON-only fields stay out of the comparison
        dom_fields = set(spec.section(section).dom.fields)
        pins = [{k: v for k, v in pin.items() if k in dom_fields or k == "needs_attention"} for pin in pins]
    assert_pinned(spec, section, _read(spec, section, source, case), pins, f"{section}/{source}/{case}")


@pytest.mark.parametrize("section", SECTIONS)
@pytest.mark.parametrize("source", ["api", "dom"])
def test_every_empty_fixture_reads_to_no_records(spec: Spec, section: str, source: str) -> None:
    suffix = "json" if source == "api" else "html"
    result = parse_page(spec, section, source, (FIXTURES / section / source / f"empty.{suffix}").read_bytes())
    assert (result.status, list(result.records)) == ("empty", [])


def test_every_fixture_file_is_pinned() -> None:
    """A new fixture case needs its hand-written record before it counts."""
    for section in SECTIONS:
        for source, suffix in (("api", ".json"), ("dom", ".html")):
            names = {
                p.name.removesuffix(suffix)
                for p in (FIXTURES / section / source).glob(f"*{suffix}")
                if not p.name.endswith((".expected.json", ".summary.json"))
            }
            assert names == {*CASES, "empty"}, (section, source)
        summaries = {p.name.removesuffix(".summary.json") for p in (FIXTURES / section / "api").glob("*.summary.json")}
        assert summaries == set(SUMMARIES.get(section, {})), section


@pytest.mark.parametrize(("section", "case"), [(s, c) for s, cases in SUMMARIES.items() for c in cases])
def test_every_summary_fixture_reads_to_its_hand_written_record(spec: Spec, section: str, case: str) -> None:
    body = (FIXTURES / section / "api" / f"{case}.summary.json").read_bytes()
    summary = to_jsonable(parse_summary_api(spec, spec.section(section), body))
    pin = SUMMARIES[section][case]
    assert {k: summary.get(k) for k in pin} == pin


@pytest.mark.parametrize("section", SECTIONS)
def test_every_capture_reads_to_the_hand_written_records(spec: Spec, section: str) -> None:
    """The saved captures were walked from the demo's German list as it was then dated (the fixtures' days)."""
    (folder,) = [p for p in (FIXTURES / section / "capture").iterdir() if (p / "capture.json").is_file()]
    outcome = read_section(spec, spec.section(section), load_capture(folder))
    assert outcome.status == "ok", outcome.message
    assert_pinned(spec, section, list(to_jsonable(list(outcome.records))), EXPECTED[section]["de-typical"], section)


def _written_for(section: str) -> date:
    return date(2026, 9, 9) if section == "case_log" else date(2026, 7, 29)


def _moved(pin: Pin, days: int) -> Pin:
    return {
        k: (date.fromisoformat(v) + timedelta(days=days)).isoformat() if k in DATE_FIELDS and v else v
        for k, v in pin.items()
    }


@pytest.mark.parametrize("section", SECTIONS)
@pytest.mark.parametrize("case", CASES)
def test_the_demo_data_reads_to_the_same_records_moved_by_its_clock(spec: Spec, section: str, case: str) -> None:
    written = _written_for(section)
    pins = EXPECTED[section][case]
    assert_pinned(spec, section, demo_records(spec, section, case, written), pins, f"demo {section}/{case}")
    # 400 days on, every date of the list has moved with the clock (the regulatory impact day included).
    later = demo_records(spec, section, case, written + timedelta(days=400))
    assert_pinned(spec, section, later, [_moved(p, 400) for p in pins], f"demo {section}/{case} +400")


def test_a_record_the_parser_gets_wrong_fails_even_with_a_regenerated_golden(spec: Spec, tmp_path: Path) -> None:
    """The point of the pins: a reading that drops the response fails here whatever the golden says."""
    records = _read(spec, "feedback", "api", "de-typical")
    broken = [{**r, "response": None} for r in records]
    with pytest.raises(AssertionError):
        assert_pinned(spec, "feedback", broken, EXPECTED["feedback"]["de-typical"], "broken")
