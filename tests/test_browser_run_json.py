"""`scraper run --format json`: stdout is one JSON document a script can read (no table mixed in), with each
section's status, records and Amazon's counts, for a run that read everything and one that could not."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from scraper.cli import EXIT_FINDINGS, EXIT_UNREADABLE, main
from scraper.demo.server import DEMO_EMAIL, DemoOptions, DemoServer
from scraper.records import Case, Feedback
from scraper.spec import load_spec
from scraper.status import SectionStatus
from tests.conftest import use_demo_env
from tests.demo_data import demo_run_records

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("shared_browser")]
DE = "A1PA6795UKMFR9"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_demo_env(tmp_path, monkeypatch, columns=250)


def _config(env: Path, server: DemoServer) -> str:
    path = env / "config.yaml"
    path.write_text(
        "settings: {delay_ms: 0, jitter_ms: 0, timeout_ms: 10000, backoff_ms: 20}\n"
        f"accounts:\n  demo:\n    host: {server.base_url}\n    email: {DEMO_EMAIL}\n    marketplaces: [{DE}]\n"
        "    sections: [feedback, case_log]\n",
        encoding="utf-8",
    )
    return str(path)


def _golden(section: str) -> list[dict[str, object]]:
    """The records a walk of the demo gives (the page's witness included): the demo's own data, dated today."""
    return demo_run_records(load_spec(), section)


@pytest.fixture
def demo(env: Path) -> Iterator[DemoServer]:
    with DemoServer(DemoOptions()) as server:
        yield server


def test_run_format_json_is_one_document_with_every_section(
    demo: DemoServer, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", _config(env, demo), "run", "--format", "json"]) == EXIT_FINDINGS
    (account,) = json.loads(capsys.readouterr().out)  # the whole of stdout parses: no table in it
    assert (account["account"], account["error"]) == ("demo", None)
    sections = {s["section"]: s for s in account["sections"]}
    assert list(sections) == ["feedback", "case_log"]
    for name, section in sections.items():
        assert (section["marketplace"], section["status"], section["message"]) == (DE, "ok", None), name
        assert section["source"] == "api"
        assert section["verification"] == "verified"
        assert section["evidence"] is None
    # The records are those of the demo's own data (hand-pinned in tests/expected_records.py).
    assert sections["feedback"]["records"] == _golden("feedback")
    assert sections["case_log"]["records"] == _golden("case_log")
    assert sections["case_log"]["counted"] == len(_golden("case_log"))
    assert {f.name for f in Feedback.__dataclass_fields__.values()} == set(sections["feedback"]["records"][0])
    assert {f.name for f in Case.__dataclass_fields__.values()} == set(sections["case_log"]["records"][0])


def test_run_format_json_of_a_run_that_could_not_read(
    demo: DemoServer, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo.options.captcha = True
    assert main(["--config", _config(env, demo), "run", "--format", "json"]) == EXIT_UNREADABLE
    (account,) = json.loads(capsys.readouterr().out)
    assert "CAPTCHA" in account["error"]
    assert [(s["section"], s["status"], s["records"]) for s in account["sections"]] == [
        ("feedback", SectionStatus.SIGNED_OUT, []),
        ("case_log", SectionStatus.SIGNED_OUT, []),
    ]
    assert all(s["message"] == account["error"] for s in account["sections"])
