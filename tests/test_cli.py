"""The command line: `scraper parse` prints records or the precise error, with documented exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scraper.cli import EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE, main
from scraper.spec import DEFAULT_SPEC_PATH
from tests.helpers import GOOD_FEEDBACK, feedback_page, feedback_row


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "feedback.html"
    path.write_text(feedback_page(feedback_row(comment="Verpackung beschädigt 📦")), encoding="utf-8")
    return path


def test_parse_json(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "feedback", str(page), "--format", "json"]) == EXIT_OK
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "ok"
    assert out["locale"] == "de_DE"
    assert out["records"] == [
        {
            "amazon_fulfilled": None,
            "amazon_message": None,
            "comment": "Verpackung beschädigt 📦",
            "date": "2026-07-27",
            "order_id": "302-0000001-0000001",
            "rating": 4,
            "response": None,
            "suppressed": None,
        }
    ]


def test_parse_table(page: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["parse", "feedback", str(page)]) == EXIT_OK
    out = capsys.readouterr().out
    header, row = (line for line in out.splitlines() if "order_id" in line or "302-0000001-0000001" in line)
    assert [c.strip() for c in header.split("┃")[1:-1]] == [
        "order_id",
        "date",
        "rating",
        "comment",
        "response",
        "suppressed",
        "amazon_message",
        "amazon_fulfilled",
    ]
    assert "Verpackung beschädigt 📦" in row
    assert "ok, 1 record(s), source dom, locale de_DE" in out


def test_parse_api_body_by_extension(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "body.json"
    path.write_text(json.dumps({"feedbacks": [GOOD_FEEDBACK]}), encoding="utf-8")
    assert main(["parse", "feedback", str(path), "--format", "json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["source"] == "api"


def test_drift_exits_unreadable_naming_the_selector(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "changed.html"
    path.write_text(feedback_page(""), encoding="utf-8")
    assert main(["parse", "feedback", str(path)]) == EXIT_UNREADABLE
    err = capsys.readouterr().err
    assert "selector drift" in err
    assert "kat-table-row#feedback-details" in err


def test_field_error_exits_unreadable_with_row_and_raw(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.html"
    path.write_text(feedback_page(feedback_row(date_text="31.02.2026")), encoding="utf-8")
    assert main(["parse", "feedback", str(path)]) == EXIT_UNREADABLE
    assert "row 1, field 'date'" in capsys.readouterr().err


def test_broken_spec_exits_2_with_file_and_line(tmp_path: Path, page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "selectors.yaml"
    broken.write_text(
        DEFAULT_SPEC_PATH.read_text(encoding="utf-8").replace("version: 1", "version: 7"), encoding="utf-8"
    )
    assert main(["--spec", str(broken), "parse", "feedback", str(page)]) == EXIT_USAGE
    assert f"{broken}:" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["parse", "orders", "x.html"], ["parse", "feedback", "/nonexistent.html"]])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == EXIT_USAGE


def test_python_dash_m_works(page: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "scraper", "parse", "feedback", str(page), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["records"][0]["rating"] == 4
