"""capture.json keeps where a windowed walk stopped, so `scraper parse` of a capture reads as the run did."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from scraper.capture import load_capture, save_capture
from scraper.cli import main, outcome_json
from scraper.errors import CaptureFormatError
from scraper.read import read_section
from scraper.spec import Spec
from tests.conftest import FIXTURES

FEEDBACK = FIXTURES / "feedback" / "capture" / "demo-de-typical"


@pytest.mark.parametrize("stop", ["edge", "known"])
def test_a_windowed_capture_replays_as_the_run_read_it(spec: Spec, tmp_path: Path, stop: str) -> None:
    section = spec.section("feedback")
    live = replace(load_capture(FEEDBACK), window_stop=stop)  # as the walk left it, stopped at its window
    read_live = outcome_json(read_section(spec, section, live))
    save_capture(live, tmp_path / "cap")
    index = json.loads((tmp_path / "cap" / "capture.json").read_text(encoding="utf-8"))
    assert index["window_stop"] == stop
    replayed = load_capture(tmp_path / "cap")
    assert replayed.window_stop == stop
    assert outcome_json(read_section(spec, section, replayed)) == read_live
    # The stop matters: read as an unwindowed walk, the counters judge the whole list (the lifetime count).
    unwindowed = outcome_json(read_section(spec, section, replace(live, window_stop=None)))
    assert unwindowed != read_live
    assert "reading window" in json.dumps(read_live, ensure_ascii=False)


def test_parse_of_a_windowed_capture_prints_what_the_run_read(
    spec: Spec, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_capture(replace(load_capture(FEEDBACK), window_stop="edge"), tmp_path / "cap")
    main(["parse", str(tmp_path / "cap"), "--format", "json"])
    printed = json.loads(capsys.readouterr().out)
    expected = outcome_json(read_section(spec, spec.section("feedback"), load_capture(tmp_path / "cap")))
    assert printed == json.loads(json.dumps(expected))
    assert "reading window" in json.dumps(printed, ensure_ascii=False)


def test_an_older_capture_without_the_key_and_a_bad_value(tmp_path: Path) -> None:
    shutil.copytree(FEEDBACK, tmp_path / "old")
    index = json.loads((tmp_path / "old" / "capture.json").read_text(encoding="utf-8"))
    assert "window_stop" not in index  # saved before the key existed: an unwindowed walk
    assert load_capture(tmp_path / "old").window_stop is None
    index["window_stop"] = "somewhere"
    (tmp_path / "old" / "capture.json").write_text(json.dumps(index), encoding="utf-8")
    with pytest.raises(CaptureFormatError, match="window_stop"):
        load_capture(tmp_path / "old")
