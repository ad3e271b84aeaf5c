"""A nightly run that goes wrong outside the pages: interrupted runs, a full disk, unusable paths and files.

Offline: the walk is replaced by a canned AccountRun (the browser side has its own tests, and the kill -9
scenarios run the real command in tests/test_browser_kill.py); everything after it is the real command.
Each failure must be one clear line on stderr, never a traceback, with its documented exit code, and the
history must stay consistent (integrity check, the next run works).
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from html import escape
from pathlib import Path

import pytest

from scraper import paths
from scraper.capture import CapturedPage, Exchange, SectionCapture, load_capture, save_capture
from scraper.cli import (
    EXIT_FINDINGS,
    EXIT_HISTORY,
    EXIT_HISTORY_UNREADABLE,
    EXIT_OK,
    EXIT_UNREADABLE,
    EXIT_USAGE,
    main,
)
from scraper.errors import HistoryWriteError
from scraper.monitor import record_run
from scraper.read import SectionOutcome, read_section
from scraper.records import Feedback
from scraper.redact import Redactor
from scraper.run import AccountRun
from scraper.spec import DEFAULT_SPEC_PATH, Spec
from scraper.store import SCHEMA_VERSION, History, open_history

DE = "A1PA6795UKMFR9"
ROOT = Path(__file__).resolve().parent.parent


def feedback(order: str, stars: int, comment: str) -> Feedback:
    return Feedback(order, date(2026, 7, 27), stars, comment, None, False)


ONE_STAR = feedback("302-0000001-0000001", 1, "Verpackung beschädigt")
TWO_STARS = feedback("302-0000001-0000002", 2, "kam spät")


def canned(*records: Feedback, status: str = "ok") -> AccountRun:
    return AccountRun("main", [SectionOutcome("feedback", DE, status, tuple(records), "api", 1)])


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, webhook: tuple[str, list[dict]]) -> Path:
    monkeypatch.setenv("SC_WATCH_HOME", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("SC_WATCH_PASSWORD", "SC_WATCH_TOTP_SECRET", "SC_WATCH_CONFIG", "SC_WATCH_DB"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "config.yaml").write_text(
        "accounts:\n  main:\n    host: https://sellercentral.amazon.de\n    email: seller@example.com\n"
        f"    marketplaces: [{DE}]\n    sections: [feedback]\n    alerts: {{urls: ['{webhook[0]}']}}\n",
        encoding="utf-8",
    )
    return tmp_path


@pytest.fixture
def walk(monkeypatch: pytest.MonkeyPatch) -> Callable[[AccountRun], None]:
    """Replace the browser walk of `scraper run` by the given result."""

    def use(result: AccountRun) -> None:
        monkeypatch.setattr("scraper.cli.run_account", lambda *args, **kwargs: result)

    return use


def integrity(db: Path) -> str:
    connection = sqlite3.connect(db)
    try:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        connection.close()


def one_clear_line(err: str) -> str:
    """stderr of a failed command: exactly one line, no traceback."""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


# --- bug 8: an interrupted run --------------------------------------------------------------------------------


def test_an_interrupted_run_is_marked_and_the_report_shows_the_last_complete_state(
    home: Path, walk: Callable[[AccountRun], None], capsys: pytest.CaptureFixture[str]
) -> None:
    """kill -9 after a run began leaves its row without an outcome: the report and the next run say
    "interrupted", and every section is shown as of its last complete read (never "None", never blank)."""
    walk(canned(ONE_STAR))
    assert main(["run"]) == EXIT_FINDINGS
    db = home / "history.sqlite3"
    with open_history(db) as history:
        killed = history.start_run("main")  # what a run killed before it finished leaves behind
    capsys.readouterr()

    assert main(["report", "--format", "json", "--out", str(home / "r.json")]) == EXIT_OK
    (account,) = json.loads((home / "r.json").read_text(encoding="utf-8"))["accounts"]
    assert (account["run"]["id"], account["run"]["outcome"]) == (killed, "interrupted")
    assert (account["last_complete_run"]["id"], account["last_complete_run"]["outcome"]) == (1, "ok")
    assert [(f["section"], f["rule"], f["run_id"]) for f in account["findings"]] == [
        ("feedback", "feedback_1_stars", 1)
    ]
    assert main(["report", "--out", str(home / "r.html")]) == EXIT_OK
    html = (home / "r.html").read_text(encoding="utf-8")
    assert "<b>None</b>" not in html
    assert "interrupted" in html
    assert escape(account["findings"][0]["message"]) in html  # the finding of run 1 is still shown
    capsys.readouterr()
    assert main(["export", "findings", "--latest"]) == EXIT_OK
    assert [json.loads(line)["run_id"] for line in capsys.readouterr().out.splitlines()] == [1]

    walk(canned(ONE_STAR, TWO_STARS))
    assert main(["run"]) == EXIT_FINDINGS  # the next run works and is told about the one before
    out = capsys.readouterr().out
    assert f"run {killed}" in out
    assert "interrupted" in out
    with open_history(db) as history:
        runs = {r["id"]: r["outcome"] for r in history.query("SELECT id, outcome FROM runs")}
        new = history.query("SELECT key FROM findings WHERE run_id = 3 AND is_new = 1")
    assert runs == {1: "ok", killed: "interrupted", 3: "ok"}
    assert [r["key"] for r in new] == ['["302-0000001-0000002"]']  # diffed against run 1, nothing lost
    assert integrity(db) == "ok"


def test_a_run_being_written_now_is_running_not_interrupted(home: Path, walk: Callable[[AccountRun], None]) -> None:
    from scraper.lock import run_lock

    walk(canned(ONE_STAR))
    assert main(["run"]) == EXIT_FINDINGS
    db = home / "history.sqlite3"
    with run_lock(db, "main"), open_history(db) as history:
        history.start_run("main")
        assert main(["report", "--format", "json", "--out", str(home / "r.json")]) == EXIT_OK
    (account,) = json.loads((home / "r.json").read_text(encoding="utf-8"))["accounts"]
    assert account["run"]["outcome"] == "running"


def test_a_crash_after_the_walk_is_recorded_as_crashed(
    home: Path, monkeypatch: pytest.MonkeyPatch, walk: Callable[[AccountRun], None], capsys: pytest.CaptureFixture[str]
) -> None:
    walk(canned(ONE_STAR))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the findings")

    monkeypatch.setattr("scraper.cli.record_run", broken)
    assert main(["run"]) == 5
    assert "crashed: RuntimeError: a bug in the findings" in one_clear_line(capsys.readouterr().err)
    with open_history(home / "history.sqlite3") as history:
        assert [r["outcome"] for r in history.query("SELECT outcome FROM runs")] == ["crashed"]


# --- the history write is one transaction -----------------------------------------------------------------


def full_after(history: History, pages: int = 1) -> None:
    """Let the database grow by ``pages`` pages at most: SQLITE_FULL without root or a tiny filesystem."""
    count = history.db.execute("PRAGMA page_count").fetchone()[0]
    history.db.execute(f"PRAGMA max_page_count = {count + pages}")


def many(n: int = 300) -> tuple[Feedback, ...]:
    return tuple(feedback(f"302-0000003-{i:07d}", 2, "x" * 400) for i in range(n))


def test_disk_full_in_the_history_write_names_the_real_error_and_keeps_the_history(tmp_path: Path, spec: Spec) -> None:
    """Bug 9: the ROLLBACK after SQLITE_FULL used to raise "cannot rollback - no transaction is active"."""
    db = tmp_path / "h.sqlite3"
    with open_history(db) as history:
        record_run(history, spec, canned(ONE_STAR))
        full_after(history)
        run_id = history.start_run("main")
        with pytest.raises(HistoryWriteError) as caught, history.transaction():
            record_run(history, spec, canned(*many()), run_id=run_id)
    message = str(caught.value)
    assert "database or disk is full" in message
    assert "cannot rollback" not in message
    assert integrity(db) == "ok"
    with open_history(db) as history:  # all of the failed write or nothing: the first run's state stands
        assert history.query("SELECT COUNT(*) AS n FROM section_runs WHERE run_id = ?", (run_id,))[0]["n"] == 0
        assert list(history.active_records("main", DE, "feedback")) == ['["302-0000001-0000001"]']


def test_disk_full_during_a_run_exits_history_with_one_line_and_an_alert(
    home: Path,
    walk: Callable[[AccountRun], None],
    monkeypatch: pytest.MonkeyPatch,
    webhook: tuple[str, list[dict]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    walk(canned(ONE_STAR))
    assert main(["run"]) == EXIT_FINDINGS
    capsys.readouterr()

    @contextmanager
    def nearly_full(path: Path) -> Iterator[History]:
        with open_history(path) as history:
            full_after(history, 2)
            yield history

    monkeypatch.setattr("scraper.cli.open_history", nearly_full)
    walk(canned(*many()))
    assert main(["run"]) == EXIT_HISTORY
    captured = capsys.readouterr()
    line = one_clear_line(captured.err)
    assert "database or disk is full" in line
    assert "cannot rollback" not in captured.out + captured.err
    alert = webhook[1][-1]
    assert "could not be recorded" in alert["message"]
    assert "database or disk is full" in alert["message"]
    db = home / "history.sqlite3"
    assert integrity(db) == "ok"
    monkeypatch.setattr("scraper.cli.open_history", open_history)
    walk(canned(ONE_STAR))
    assert main(["run"]) == EXIT_OK  # space again: the next run works; the failed one recorded nothing
    with open_history(db) as history:
        outcomes = [r["outcome"] for r in history.query("SELECT outcome FROM runs ORDER BY id")]
    assert outcomes[0] == "ok"
    assert outcomes[-1] == "ok"
    assert outcomes[1] in {"not recorded", "interrupted"}


# --- unusable paths and files ---------------------------------------------------------------------------------


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    """A regular file: a path under it can be neither a folder nor a file, for root too."""
    path = tmp_path / "plain-file"
    path.write_text("x")
    return path


@pytest.mark.parametrize("command", [["run"], ["report"], ["export", "records"], ["history", "feedback"]])
def test_a_db_under_something_that_is_not_a_folder_is_a_usage_error(
    home: Path, a_file: Path, walk: Callable[[AccountRun], None], capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    walk(canned(ONE_STAR))
    assert main([*command, "--db", str(a_file / "history.sqlite3")]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert str(a_file) in (captured.err + captured.out)
    assert "Traceback" not in captured.err


def test_run_refuses_a_db_in_a_missing_folder_rather_than_start_a_new_history(
    home: Path, tmp_path: Path, walk: Callable[[AccountRun], None], capsys: pytest.CaptureFixture[str]
) -> None:
    walk(canned(ONE_STAR))
    db = tmp_path / "typo" / "history.sqlite3"
    assert main(["run", "--db", str(db)]) == EXIT_USAGE
    line = one_clear_line(capsys.readouterr().err)
    assert "does not exist" in line
    assert str(db.parent) in line
    assert not db.parent.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_db_in_a_read_only_folder_is_a_usage_error(
    home: Path, tmp_path: Path, walk: Callable[[AccountRun], None], capsys: pytest.CaptureFixture[str]
) -> None:
    walk(canned(ONE_STAR))
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    try:
        assert main(["run", "--db", str(folder / "h.sqlite3")]) == EXIT_USAGE
        assert "ermission denied" in one_clear_line(capsys.readouterr().err)
    finally:
        folder.chmod(0o700)


def test_a_db_that_is_not_a_database_exits_history_unreadable(
    home: Path, tmp_path: Path, walk: Callable[[AccountRun], None], capsys: pytest.CaptureFixture[str]
) -> None:
    walk(canned(ONE_STAR))
    db = tmp_path / "notes.txt"
    db.write_text("not a database " * 100)
    for command in (["run"], ["report"], ["export", "records"], ["history", "feedback"]):
        assert main([*command, "--db", str(db)]) == EXIT_HISTORY_UNREADABLE
        line = one_clear_line(capsys.readouterr().err)
        assert line.startswith("history not read:")
        assert "not a usable history database" in line
    assert db.read_text() == "not a database " * 100  # untouched


def test_a_history_with_a_newer_schema_exits_history_unreadable_and_starts_nothing(
    home: Path,
    walk: Callable[[AccountRun], None],
    webhook: tuple[str, list[dict]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    seeded(home, walk)
    alerts = len(webhook[1])
    db = home / "history.sqlite3"
    connection = sqlite3.connect(db)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    capsys.readouterr()
    for command in (["run"], ["report"], ["history", "feedback"]):
        assert main(command) == EXIT_HISTORY_UNREADABLE
        line = one_clear_line(capsys.readouterr().err)
        assert f"has schema {SCHEMA_VERSION + 1}, newer than this tool's {SCHEMA_VERSION}" in line
    assert len(webhook[1]) == alerts  # no run was started, so nothing was alerted
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1  # only the seeding run
    finally:
        connection.close()


def test_a_damaged_history_that_opens_but_cannot_be_read_exits_history_unreadable(
    home: Path, walk: Callable[[AccountRun], None], capsys: pytest.CaptureFixture[str]
) -> None:
    seeded(home, walk)
    db = home / "history.sqlite3"
    data = bytearray(db.read_bytes())
    data[4096:] = b"Z" * (len(data) - 4096)  # every page after the first (the header still opens)
    db.write_bytes(bytes(data))
    capsys.readouterr()
    for command in (["report"], ["history", "feedback"], ["export", "records"]):
        assert main(command) == EXIT_HISTORY_UNREADABLE
        line = one_clear_line(capsys.readouterr().err)
        assert line.startswith("history not read:")
        assert str(db) in line
        assert "malformed" in line
    assert not list(paths.state_dir().glob("crashes/*"))  # not a crash: no traceback file


def seeded(home: Path, walk: Callable[[AccountRun], None]) -> None:
    walk(canned(ONE_STAR))
    assert main(["run"]) == EXIT_FINDINGS


@pytest.mark.parametrize(
    "command",
    [
        ["report", "--out"],
        ["report", "--format", "json", "--out"],
        ["export", "records", "--out"],
        ["export", "findings", "--format", "csv", "--out"],
        ["session", "export"],
    ],
)
def test_an_unwritable_out_is_one_line_and_a_usage_error(
    home: Path,
    a_file: Path,
    walk: Callable[[AccountRun], None],
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    seeded(home, walk)
    paths.write_private(paths.session_file("main"), b'{"cookies": [], "origins": []}')
    capsys.readouterr()
    target = a_file / "out.file"
    assert main([*command, str(target)]) == EXIT_USAGE
    line = one_clear_line(capsys.readouterr().err)
    assert f"cannot write {target}" in line


def test_capture_checks_its_out_folder_before_any_browser_starts(
    home: Path, a_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_browser(*args: object, **kwargs: object) -> None:
        raise AssertionError("the browser must not start")

    monkeypatch.setattr("scraper.cli.capture_account", no_browser)
    assert main(["capture", "feedback", "--out", str(a_file / "captures")]) == EXIT_USAGE
    assert f"cannot write {a_file / 'captures'}" in one_clear_line(capsys.readouterr().err)


def test_session_import_of_a_missing_file_is_a_usage_error(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["session", "import", str(home / "missing.json")]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert "cannot read" in captured.out + captured.err
    assert "No such file" in captured.out + captured.err


def test_a_config_that_is_not_utf8_names_the_file_and_line(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = home / "config.yaml"
    config.write_bytes(config.read_bytes() + b"# caf\xe9 au lait\n")
    for command in (["config", "check"], ["run"]):
        assert main(command) == EXIT_USAGE
        line = one_clear_line(capsys.readouterr().err)
        assert f"{config}:8" in line
        assert "not UTF-8" in line


def test_a_spec_that_is_not_utf8_names_the_file_and_line(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "selectors.yaml"
    spec.write_bytes(DEFAULT_SPEC_PATH.read_bytes().replace(b"\n", b"\n# Gr\xfc\xdfe\n", 1))
    assert main(["--spec", str(spec), "history", "feedback"]) == EXIT_USAGE  # config check reads no spec
    line = one_clear_line(capsys.readouterr().err)
    assert f"{spec}:2" in line
    assert "not UTF-8" in line


def subprocess_cli(home: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The real command in a fresh interpreter (keyring picks its backend from the environment only once)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SC_WATCH_")}
    environ.update({"SC_WATCH_HOME": str(home), "COLUMNS": "200", **env})
    return subprocess.run(
        [sys.executable, "-m", "scraper", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=environ,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("command", [["credentials", "delete"], ["run"]])
def test_a_keyring_backend_that_does_not_exist_is_one_line(home: Path, command: list[str]) -> None:
    # run: the credentials are looked up before any browser starts, so this never reaches Chromium
    proc = subprocess_cli(home, *command, PYTHON_KEYRING_BACKEND="no.such.Backend")
    assert proc.returncode == EXIT_USAGE, proc.stderr
    line = one_clear_line(proc.stderr)
    assert "PYTHON_KEYRING_BACKEND" in line
    assert "no.such.Backend" in line
    assert not (home / "state" / "crashes").exists()


# --- hostile bodies through the capture path -----------------------------------------------------------------

HOSTILE = {
    "nested too deeply": b"[" * 100_000 + b"]" * 100_000,
    "nested, but not past the parser": b'{"feedbacks": ' + b"[" * 700 + b"]" * 700 + b"}",
    "not UTF-8": b'{"feedbacks": [{"orderId": "\xff\xfe"}]}',
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_body_is_saved_by_capture_and_fails_only_its_section_on_replay(
    spec: Spec, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    html = (ROOT / "fixtures" / "feedback" / "dom" / "de-typical.html").read_text(encoding="utf-8")
    body = HOSTILE[case]
    capture = SectionCapture(
        "feedback",
        DE,
        "de_DE",
        "https://sc.test/feedback",
        pages=[
            CapturedPage(
                "https://sc.test/feedback", html, [Exchange("rows", "https://sc.test/fbmapi/v1", "GET", 200, body)]
            )
        ],
    )
    live = read_section(spec, spec.section("feedback"), capture)  # what the run records
    assert live.status in {"error", "drift"}, live
    directory = tmp_path / "capture"
    save_capture(capture, directory, Redactor(keep_ids=spec.marketplaces))  # `scraper capture` redacts it
    replayed = read_section(spec, spec.section("feedback"), load_capture(directory))
    assert replayed.status in {"error", "drift"}
    assert main(["parse", str(directory)]) == EXIT_UNREADABLE
    assert "Traceback" not in capsys.readouterr().err


# --- files written next to each other -------------------------------------------------------------------------


def test_two_writers_of_one_private_file_do_not_trip_over_each_others_temp_file(tmp_path: Path) -> None:
    """Two runs with different --db still share the account's session file; both save it at the end."""
    target = tmp_path / "sessions" / "main.json"
    errors: list[BaseException] = []

    def writer(tag: bytes) -> None:
        try:
            for _ in range(300):
                paths.write_private(target, tag * 1000)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(tag,)) for tag in (b"a", b"b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert target.read_bytes() in (b"a" * 1000, b"b" * 1000)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["main.json"]
