"""The account-facing commands that need no browser: credentials, session files, history, exports, report."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from scraper.cli import EXIT_CRASHED, EXIT_OK, EXIT_USAGE, main
from scraper.credentials import load_credentials
from scraper.monitor import record_run
from scraper.read import SectionOutcome
from scraper.records import Feedback
from scraper.run import AccountRun
from scraper.spec import load_spec
from scraper.store import open_history
from tests.helpers import MemoryKeyring, cli_home, memory_keyring_installed


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return cli_home(tmp_path, monkeypatch)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    with memory_keyring_installed() as backend:
        yield backend


def test_credentials_set_prompts_without_echo_and_delete(
    home: Path, memory_keyring, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter(["s3cret-pw", "jbsw y3dp ehpk 3pxp"])
    prompts: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: prompts.append(prompt) or next(answers))
    assert main(["credentials", "set"]) == EXIT_OK
    assert len(prompts) == 2
    creds = load_credentials("main", "seller@example.com")
    assert (creds.password, creds.totp_secret) == ("s3cret-pw", "JBSWY3DPEHPK3PXP")
    out = capsys.readouterr().out
    assert "s3cret-pw" not in out
    assert main(["credentials", "delete"]) == EXIT_OK
    assert load_credentials("main", "seller@example.com").password is None


def test_credentials_set_without_a_keyring_names_the_variables(
    home: Path, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt: "pw")
    assert main(["credentials", "set"]) == EXIT_USAGE  # the null keyring of the test run
    assert "SC_WATCH_MAIN_PASSWORD" in capsys.readouterr().err


def test_session_export_and_import_keep_the_file_private(home: Path, tmp_path: Path) -> None:
    assert main(["session", "export", str(tmp_path / "out.json")]) == EXIT_USAGE  # nothing saved yet
    session = home / "state" / "sessions" / "main.json"
    session.parent.mkdir(parents=True, exist_ok=True)
    cookie = {"name": "session-token", "value": "v", "domain": ".example.invalid", "path": "/"}
    session.write_text(json.dumps({"cookies": [cookie], "origins": []}))
    exported = tmp_path / "export" / "main.json"
    assert main(["session", "export", str(exported)]) == EXIT_OK
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    session.unlink()
    assert main(["session", "import", str(exported)]) == EXIT_OK
    assert stat.S_IMODE(session.stat().st_mode) == 0o600
    assert json.loads(session.read_text())["cookies"][0]["name"] == "session-token"


def seed_history(home: Path) -> None:
    spec = load_spec()
    with open_history(home / "history.sqlite3") as history:
        for comment in ("Verpackung beschädigt", "Verpackung beschädigt, Ersatz kam"):
            record_run(
                history,
                spec,
                AccountRun(
                    "main",
                    [
                        SectionOutcome(
                            "feedback",
                            "A1PA6795UKMFR9",
                            "ok",
                            (Feedback("302-0000001-0000001", date(2026, 7, 27), 1, comment, None, False),),
                            "api",
                            1,
                        )
                    ],
                ),
            )


def test_history_export_and_report(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed_history(home)
    assert main(["history", "feedback", '["302-0000001-0000001"]']) == EXIT_OK
    out = capsys.readouterr().out
    assert "new" in out
    assert "comment: Verpackung beschädigt -> Verpackung beschädigt, Ersatz kam" in out
    assert main(["export", "records", "--format", "jsonl"]) == EXIT_OK
    record = json.loads(capsys.readouterr().out)
    assert (record["order_id"], record["comment"]) == ("302-0000001-0000001", "Verpackung beschädigt, Ersatz kam")
    assert main(["export", "findings", "--format", "csv", "--out", str(home / "f.csv")]) == EXIT_OK
    header, first = (home / "f.csv").read_text(encoding="utf-8").splitlines()
    assert header.startswith("run_id,started,account,marketplace,section,key,rule,severity")
    assert ",feedback_1_stars,warning," in first
    assert main(["export", "findings", "--latest"]) == EXIT_OK
    assert capsys.readouterr().out == ""  # the 1-star feedback was an event of the first run
    assert main(["report", "--format", "json", "--out", str(home / "r.json")]) == EXIT_OK
    report = json.loads((home / "r.json").read_text(encoding="utf-8"))
    assert report["accounts"][0]["changes"][0]["kind"] == "changed"
    # buyer comments and order ids: the database, the report and the export are the owner's only
    for written in (home / "f.csv", home / "r.json", home / "history.sqlite3"):
        assert stat.S_IMODE(written.stat().st_mode) == 0o600, written


@pytest.mark.parametrize("command", [["report"], ["export", "records"], ["history", "feedback"]])
def test_reading_commands_without_history_say_so_and_create_none(
    home: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert main(command) == EXIT_USAGE
    assert "no history" in capsys.readouterr().out
    assert not (home / "history.sqlite3").exists()


def test_config_example_path_and_check(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "path"]) == EXIT_OK
    assert capsys.readouterr().out.strip() == str(home / "config.yaml")
    assert main(["config", "example"]) == EXIT_OK
    (home / "config.yaml").write_text(capsys.readouterr().out, encoding="utf-8")
    assert main(["config", "check"]) == EXIT_OK  # the example itself is a valid configuration
    assert "1 account(s): main" in capsys.readouterr().out
    (home / "config.yaml").unlink()
    assert main(["run"]) == EXIT_USAGE
    assert "`scraper config example` prints one" in capsys.readouterr().err


def test_page_text_cannot_run_as_a_spreadsheet_formula_or_drive_the_terminal() -> None:
    from scraper.report import to_csv
    from scraper.serialize import display

    rows = [{"comment": '=HYPERLINK("http://x","click")', "note": "+cmd|' /C calc'!A0", "n": "-5", "t": "@SUM(1)"}]
    lines = to_csv(rows).splitlines()
    assert lines[1].startswith("\"'=HYPERLINK")
    assert "'+cmd" in lines[1]
    assert ",-5," in lines[1]  # a plain negative number stays a number
    assert "'@SUM(1)" in lines[1]
    assert display("red\x1b[31m alert\x07\nnext") == "red[31m alert next"
    assert display({"unknown": "x\x1b]0;title\x07"}) == "? x]0;title"


def test_an_unexpected_error_exits_crashed_never_as_new_findings(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("scraper.cli._cmd_report", boom)
    parser_main = main(["report"])
    assert parser_main == EXIT_CRASHED != 1
    err = capsys.readouterr().err
    assert "crashed: RuntimeError: disk on fire" in err
    (log,) = (home / "state" / "crashes").iterdir()
    assert "disk on fire" in log.read_text(encoding="utf-8")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


@pytest.mark.parametrize("content", [b"garbage", b"[]", b"{}"])
def test_session_import_refuses_what_is_not_a_session(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    source = tmp_path / "s.json"
    source.write_bytes(content)
    assert main(["session", "import", str(source), "--account", "main"]) == EXIT_USAGE
    assert "not a saved session" in capsys.readouterr().out
    assert not (home / "state" / "sessions" / "main.json").exists()
    assert main(["session", "import", str(tmp_path / "missing.json"), "--account", "main"]) == EXIT_USAGE
