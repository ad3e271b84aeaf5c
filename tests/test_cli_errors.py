"""The command line's own errors: an unknown section, and a broken selectors.yaml that only the commands
which read it may trip over (config, credentials and session must still work, to repair a setup)."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from scraper.cli import EXIT_OK, EXIT_USAGE, main
from scraper.credentials import load_credentials
from scraper.errors import UnknownSectionError, UsageError
from scraper.spec import DEFAULT_SPEC_PATH, Spec
from tests.helpers import MemoryKeyring, cli_home


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return cli_home(tmp_path, monkeypatch)


@pytest.fixture
def broken_spec(tmp_path: Path) -> Path:
    path = tmp_path / "broken-selectors.yaml"
    path.write_text(DEFAULT_SPEC_PATH.read_text(encoding="utf-8").replace("version: 1", "version: 7"), encoding="utf-8")
    return path


def test_an_unknown_section_is_the_projects_own_error(spec: Spec) -> None:
    with pytest.raises(UnknownSectionError, match="unknown section 'orders'; known: notifications, ") as caught:
        spec.section("orders")
    assert isinstance(caught.value, UsageError)
    assert not isinstance(caught.value, KeyError)
    assert caught.value.section == "orders"


def test_an_unknown_section_on_the_command_line_exits_usage_with_one_line(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.json"
    page.write_text("{}", encoding="utf-8")
    for command in (["parse", "orders", str(page)], ["history", "orders"]):
        assert main(command) == EXIT_USAGE
        err = capsys.readouterr().err
        assert "Traceback" not in err
        assert err.strip().splitlines() == [
            "error: unknown section 'orders'; known: notifications, voice_of_customer, case_log, "
            "regulatory_compliance, compliance_requests, feedback"
        ]


def test_a_command_that_reads_the_spec_refuses_a_broken_one(
    home: Path, broken_spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--spec", str(broken_spec), "history", "feedback"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "configuration error:" in err
    assert "unsupported version 7" in err


def test_config_works_while_the_spec_is_broken(
    home: Path, broken_spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--spec", str(broken_spec), "config", "path"]) == EXIT_OK
    assert capsys.readouterr().out.strip() == str(home / "config.yaml")
    assert main(["--spec", str(broken_spec), "config", "check"]) == EXIT_OK
    assert "1 account(s): main" in capsys.readouterr().out
    assert main(["--spec", str(broken_spec), "config", "example"]) == EXIT_OK
    assert "accounts:" in capsys.readouterr().out


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_credentials_work_while_the_spec_is_broken(
    home: Path,
    broken_spec: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answers = iter(["pw-of-the-test", "JBSWY3DPEHPK3PXP"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["--spec", str(broken_spec), "credentials", "set"]) == EXIT_OK
    assert load_credentials("main", "seller@example.com").password == "pw-of-the-test"
    assert main(["--spec", str(broken_spec), "credentials", "delete"]) == EXIT_OK
    assert load_credentials("main", "seller@example.com").password is None
    captured = capsys.readouterr()
    assert "removed" in captured.out
    assert captured.err == ""


def test_session_works_while_the_spec_is_broken(
    home: Path, tmp_path: Path, broken_spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = ["--spec", str(broken_spec)]
    assert main([*spec, "session", "path"]) == EXIT_OK
    session = home / "state" / "sessions" / "main.json"
    assert capsys.readouterr().out.strip() == str(session)
    source = tmp_path / "saved.json"
    cookie = {"name": "session-token", "value": "v", "domain": ".example.invalid", "path": "/"}
    source.write_text(json.dumps({"cookies": [cookie], "origins": []}), encoding="utf-8")
    assert main([*spec, "session", "import", str(source)]) == EXIT_OK
    assert stat.S_IMODE(session.stat().st_mode) == 0o600
    exported = tmp_path / "out.json"
    assert main([*spec, "session", "export", str(exported)]) == EXIT_OK
    assert json.loads(exported.read_text())["cookies"][0]["name"] == "session-token"
    assert "configuration error" not in capsys.readouterr().err
