"""Whole captures replay end to end: each capture under fixtures/<section>/capture/ reads to its expected.json,
and to exactly the records of the hand-checked API golden of the case the demo served."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper.capture import is_capture_dir, load_capture
from scraper.cli import outcome_json
from scraper.read import read_section
from scraper.records import RECORD_TYPES
from scraper.serialize import dumps
from scraper.spec import Spec
from tests.conftest import FIXTURES
from tests.fixture_cases import run_golden

CAPTURES = sorted(p for p in FIXTURES.glob("*/capture/*") if is_capture_dir(p))


def _id(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.name}"


@pytest.mark.parametrize("directory", CAPTURES, ids=[_id(p) for p in CAPTURES])
def test_capture_replays_to_its_expected_outcome(spec: Spec, directory: Path, update_goldens: bool) -> None:
    capture = load_capture(directory)
    actual = outcome_json(read_section(spec, spec.section(capture.section), capture))
    golden = directory / "expected.json"
    if update_goldens:
        golden.write_text(dumps(actual), encoding="utf-8")
    assert json.loads(golden.read_text(encoding="utf-8")) == json.loads(json.dumps(actual))


@pytest.mark.parametrize("directory", CAPTURES, ids=[_id(p) for p in CAPTURES])
def test_capture_gives_the_records_of_the_checked_api_golden(spec: Spec, directory: Path) -> None:
    """The capture's golden is not trusted on its own: its records must be the reviewed API golden's."""
    case = directory.name.removeprefix("demo-")
    section = directory.parent.parent.name
    expected = json.loads((directory / "expected.json").read_text(encoding="utf-8"))
    assert expected["status"] in {"ok", "empty"}
    assert expected["notices"] == []
    assert expected["records"] == run_golden(spec, section, case)


def test_the_captures_exercise_clicked_and_replayed_paging() -> None:
    captures = [load_capture(p) for p in CAPTURES]
    assert any(len(c.html_pages) >= 2 for c in captures), "no capture pages by clicking Next"
    assert any(x.replayed for c in captures for x in c.exchanges("rows")), "no capture pages by replaying the JSON"


@pytest.mark.parametrize("section", list(RECORD_TYPES))
def test_every_section_has_a_capture_fixture(section: str) -> None:
    assert any(p.parent.parent.name == section for p in CAPTURES), f"no capture under fixtures/{section}/capture/"
