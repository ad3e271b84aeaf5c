"""The history on PostgreSQL (issue 12, part 3): migrations, per-account locks, errors, and kill -9 in a write.

A real server (tests/services.py, Debian's package, unix socket only) runs for the session; each test has a
database of its own. The tests that hold for both backends take ``history_target`` and run on SQLite too.
"""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from scraper.backends import PostgresBackend, redact_url
from scraper.cli import EXIT_HISTORY_UNREADABLE, EXIT_LOCKED, EXIT_USAGE, main
from scraper.errors import HistoryError, LockedError
from scraper.report import export_rows, render_html, report_data
from scraper.store import MIGRATIONS, SCHEMA_VERSION, History, open_history
from tests.services import PASSWORD, PASSWORD_ROLE, PostgresServer

ROOT = Path(__file__).resolve().parent.parent
TABLES = {"runs", "section_runs", "records", "changes", "findings", "schema_version"}


def tables(history: History) -> set[str]:
    rows = history.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
    return {r["table_name"] for r in rows}


def test_migrations_from_an_empty_postgresql_database(pg_url: str) -> None:
    with open_history(pg_url) as history:
        assert history.backend.dialect == "postgresql"
        assert history.schema_version() == SCHEMA_VERSION == 4
        assert tables(history) == TABLES
        run = history.start_run("main")
        history.record_section(run, "main", "DE", "feedback", "ok", None, {"[1]": {"x": 1}}, window={"days": 90})
        history.finish_run(run, "ok")
    with open_history(pg_url) as history:  # opening again migrates nothing and keeps the data
        assert history.schema_version() == SCHEMA_VERSION
        assert history.active_records("main", "DE", "feedback") == {"[1]": {"x": 1}}
        assert history.window_reads("main", "DE", "feedback")[0]["window"] == '{"days": 90}'
        history.query("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(HistoryError, match="newer than this tool's 4; upgrade"):
        History(pg_url)


def test_an_older_postgresql_schema_is_migrated_forward_with_its_data(pg_url: str) -> None:
    backend = PostgresBackend(pg_url)
    backend.begin()
    for script in MIGRATIONS[:2]:
        backend.script(backend.ddl(script))
    backend.set_schema_version(2)
    backend.execute("COMMIT")
    backend.execute("INSERT INTO runs (account, started, outcome) VALUES ('main', '2026-07-01T00:00:00+00:00', 'ok')")
    backend.close()
    with open_history(pg_url) as history:
        assert history.schema_version() == SCHEMA_VERSION
        assert history.latest_run("main") == {
            "id": 1,
            "account": "main",
            "started": "2026-07-01T00:00:00+00:00",
            "finished": None,
            "outcome": "ok",
        }
        assert history.start_run("main") == 2  # the identity column goes on after the old rows


def test_first_runs_migrating_at_once_both_succeed(pg_url: str) -> None:
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            with open_history(pg_url) as history:
                assert history.schema_version() == SCHEMA_VERSION
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with open_history(pg_url) as history:
        assert history.query("SELECT COUNT(*) AS n FROM schema_version") == [{"n": 1}]


def test_the_advisory_lock_is_per_account_and_names_its_holder(pg_url: str) -> None:
    with open_history(pg_url) as first, open_history(pg_url) as second:
        with first.account_locks(["demo"]):
            with pytest.raises(LockedError) as refused, second.account_locks(["demo"]):
                pass
            assert str(refused.value) == (
                f"another run (sc-watch pid {os.getpid()} on {os.uname().nodename}) is using "
                f"{redact_url(pg_url)} for account demo; try again when it has finished"
            )
            with second.account_locks(["other"]):  # another account of the same history: no waiting
                assert second.running_accounts(["demo", "other", "third"]) == {"demo", "other"}
            with pytest.raises(LockedError), second.account_locks(["other", "demo"]):
                pass
            assert second.running_accounts(["demo", "other"]) == {"demo"}  # the refused one took nothing
        with second.account_locks(["demo"]):  # released on exit
            pass


HOLDER = """
import sys, time
from scraper.store import open_history
with open_history(sys.argv[1]) as history, history.account_locks([sys.argv[2]]):
    print("locked", flush=True)
    time.sleep(60)
"""


def hold(target: str | Path, account: str) -> subprocess.Popen[str]:
    """A process that holds the account's lock until killed."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(target), account], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    return holder


def config(tmp_path: Path, *accounts: str) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(
        "accounts:\n"
        + "".join(
            f"  {name}:\n    host: http://127.0.0.1:9\n    email: s@example.com\n    marketplaces: [A1PA6795UKMFR9]\n"
            for name in accounts
        ),
        encoding="utf-8",
    )
    return str(path)


def test_a_second_run_of_the_same_account_exits_4_naming_the_holder(
    history_target: str | Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SC_WATCH_HOME", str(tmp_path / "home"))
    holder = hold(history_target, "demo")
    try:
        capsys.readouterr()
        assert main(["--config", config(tmp_path, "demo"), "run", "--db", str(history_target)]) == EXIT_LOCKED
        err = capsys.readouterr().err.strip()
        where = redact_url(history_target) if isinstance(history_target, str) else history_target
        who = f"pid {holder.pid}" if isinstance(history_target, Path) else f"sc-watch pid {holder.pid} on "
        assert err.startswith(f"not started: another run ({who}")
        assert err.endswith(f"is using {where} for account demo; try again when it has finished")
        assert "\n" not in err
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    with open_history(history_target) as history:
        assert history.accounts() == []  # the refused run left no trace
        deadline = time.monotonic() + 10
        while history.running_accounts(["demo"]):  # the server drops a dead client's lock
            assert time.monotonic() < deadline
            time.sleep(0.05)


WRITER = """
import sys
from scraper.store import open_history
target, account, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open_history(target) as history, history.account_locks([account]):
    for n in range(runs):
        run = history.start_run(account)
        with history.transaction():
            records = {f"[{account}-{k}]": {"n": n, "k": k} for k in range(20)}
            history.record_section(run, account, "DE", "feedback", "ok", None, records)
            history.record_section(run, account, "DE", "case_log", "empty", None, {})
        history.finish_run(run, "ok")
print("done", flush=True)
"""


def test_two_accounts_write_one_history_at_the_same_time(history_target: str | Path) -> None:
    with open_history(history_target):
        pass  # migrated first, so the writers race on the data only
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(history_target), account, "15"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for account in ("alpha", "beta")
    ]
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert (writer.returncode, out.strip()) == (0, "done"), err
    with open_history(history_target) as history:
        assert history.accounts() == ["alpha", "beta"]
        rows = history.query(
            "SELECT account, COUNT(*) AS n, MIN(outcome) AS lo, MAX(outcome) AS hi FROM runs "
            "GROUP BY account ORDER BY account"
        )
        assert rows == [
            {"account": "alpha", "n": 15, "lo": "ok", "hi": "ok"},
            {"account": "beta", "n": 15, "lo": "ok", "hi": "ok"},
        ]
        for account in ("alpha", "beta"):
            records = history.active_records(account, "DE", "feedback")
            assert records == {f"[{account}-{k}]": {"n": 14, "k": k} for k in range(20)}
            kinds = history.query(
                "SELECT kind, COUNT(*) AS n FROM changes WHERE account = ? GROUP BY kind ORDER BY kind", (account,)
            )
            assert kinds == [{"kind": "changed", "n": 14 * 20}, {"kind": "new", "n": 20}]


KILLED = """
import sys
from pathlib import Path
from scraper.store import open_history
from tests.kill_points import pause_inside_the_history_write
target, marker = sys.argv[1], Path(sys.argv[2])
pause_inside_the_history_write(marker)
with open_history(target) as history, history.account_locks(["demo"]):
    run = history.start_run("demo")
    with history.transaction():  # as scraper/cli.py records an account: one transaction
        history.record_section(run, "demo", "DE", "feedback", "ok", None, {"[new]": {"x": 2}})
        history.record_section(run, "demo", "DE", "case_log", "ok", None, {})
"""


def test_kill_9_inside_the_write_on_postgresql_leaves_a_consistent_history(pg_url: str, tmp_path: Path) -> None:
    with open_history(pg_url) as history:
        run = history.start_run("demo")
        history.record_section(run, "demo", "DE", "feedback", "ok", None, {"[old]": {"x": 1}})
        history.store_findings(run, "demo", "DE", "feedback", [])
        history.finish_run(run, "ok")
    marker = tmp_path / "paused"
    proc = subprocess.Popen([sys.executable, "-c", KILLED, pg_url, str(marker)], cwd=ROOT)
    deadline = time.monotonic() + 30
    while not marker.exists():
        assert proc.poll() is None, "the writer ended before the write"
        assert time.monotonic() < deadline, "the write was never reached"
        time.sleep(0.05)
    assert marker.read_text(encoding="utf-8") == "in transaction"
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(10) == -signal.SIGKILL
    with open_history(pg_url) as history:
        deadline = time.monotonic() + 10
        while history.running_accounts(["demo"]):  # the server ends the dead client's session and its lock
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert history.query("SELECT id, outcome FROM runs ORDER BY id") == [
            {"id": 1, "outcome": "ok"},
            {"id": 2, "outcome": None},
        ]
        assert history.query("SELECT COUNT(*) AS n FROM section_runs WHERE run_id = 2") == [{"n": 0}]
        assert history.query("SELECT COUNT(*) AS n FROM changes WHERE run_id = 2") == [{"n": 0}]
        assert history.active_records("demo", "DE", "feedback") == {"[old]": {"x": 1}}
        with history.account_locks(["demo"]):  # the next run of the account
            assert [r["id"] for r in history.mark_interrupted(["demo"])] == [2]
            run = history.start_run("demo")
            changes = history.record_section(run, "demo", "DE", "feedback", "ok", None, {"[new]": {"x": 2}})
        assert sorted((c.kind, c.key) for c in changes) == [("new", "[new]"), ("resolved", "[old]")]  # found again


def test_mark_interrupted_leaves_other_accounts_runs_alone(history_target: str | Path) -> None:
    with open_history(history_target) as history:
        mine, theirs = history.start_run("mine"), history.start_run("theirs")
        assert [r["id"] for r in history.mark_interrupted(["mine"])] == [mine]
        outcomes = {r["id"]: r["outcome"] for r in history.query("SELECT id, outcome FROM runs")}
        assert outcomes == {mine: "interrupted", theirs: None}  # maybe still going in another process


def test_unreachable_postgresql_is_one_line_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SC_WATCH_HOME", str(tmp_path / "home"))
    url = f"postgresql://someone:Hush-{PASSWORD}@/history?host={tmp_path}/nowhere"
    monkeypatch.setenv("SC_WATCH_DB", url)  # the environment, as a worker would be set up
    for command in (["--config", config(tmp_path, "demo"), "run"], ["report"], ["export", "findings"]):
        capsys.readouterr()
        assert main(command) == EXIT_HISTORY_UNREADABLE
        out, err = capsys.readouterr()
        assert err.startswith(
            "history not read: cannot connect to the history "
            f"postgresql://someone:***@/history?host={tmp_path}/nowhere: "
        ), err
        assert "No such file or directory" in err
        assert err.count("\n") == 1
        assert "Hush" not in out + err


def test_rejected_credentials_are_one_line_without_the_password(
    postgres: PostgresServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = postgres.url_of("postgres").replace("postgres@", f"{PASSWORD_ROLE}:Wrong-{PASSWORD}@")
    assert main(["report", "--db", url, "--out", str(tmp_path / "r.html")]) == EXIT_HISTORY_UNREADABLE
    err = capsys.readouterr().err
    assert f'password authentication failed for user "{PASSWORD_ROLE}"' in err
    assert f"{PASSWORD_ROLE}:***@" in err
    assert PASSWORD not in err
    assert err.count("\n") == 1
    right = postgres.url_of("postgres").replace("postgres@", f"{PASSWORD_ROLE}:{PASSWORD}@")
    with pytest.raises(HistoryError, match="permission denied for schema public"):  # in, but may not create
        History(right)


def test_redact_url() -> None:
    assert redact_url("postgresql://u:p%40ss@db.example:5432/h") == "postgresql://u:***@db.example:5432/h"
    assert redact_url("postgres://u@/h?host=/run/pg&password=x") == "postgres://u@/h?host=/run/pg&password=***"
    assert redact_url("postgresql:///h") == "postgresql:///h"


def test_render_html_leaves_its_input_alone(history_target: str | Path) -> None:
    with open_history(history_target) as history:
        run = history.start_run("main")
        history.record_section(run, "main", "A1PA6795UKMFR9", "feedback", "ok", None, {"[1]": {"rating": 1}})
        history.finish_run(run, "ok")
        data = report_data(history)
    before = copy.deepcopy(data)
    html = render_html(data)
    assert "Feedback" in html
    assert data == before


def fill(history: History) -> None:
    """Runs of two accounts with keys whose order differs between byte order and a language's collation."""
    keys = ['["b"]', '["B"]', '["_a"]', '["a b"]', '["ä"]', '["Z"]']
    for n in range(3):
        for account in ("zeta", "Alpha", "beta"):
            run = history.start_run(account)
            records = {k: {"rating": (i + n) % 5 + 1, "date": f"2026-0{n + 5}-1{i}"} for i, k in enumerate(keys[n:])}
            history.record_section(run, account, "A1PA6795UKMFR9", "feedback", "ok", None, records)
            history.record_section(run, account, "A1PA6795UKMFR9", "case_log", "drift" if n == 1 else "empty", "x", {})
            history.record_section(
                run, account, "A1PA6795UKMFR9", "voice_of_customer", "ok", None, {}, summary={"poor": n, "fair": 2}
            )
            history.store_findings(run, account, "A1PA6795UKMFR9", "feedback", [])
            history.finish_run(run, "ok")


def test_the_report_and_exports_are_the_same_on_both_backends(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scraper.store.now_iso", lambda: "2026-07-01T04:00:00+00:00")
    seen = []
    for target in (tmp_path / "h.sqlite3", pg_url):
        with open_history(target) as history:
            fill(history)
            data = report_data(history)
            data.pop("generated"), data.pop("db")
            seen.append(
                (
                    data,
                    export_rows(history, "records"),
                    export_rows(history, "findings"),
                    history.changes_for("feedback"),
                    [s.__dict__ for s in history.section_states()],
                )
            )
    assert seen[0] == seen[1]
    assert [r["key"] for r in seen[0][1] if r["account"] == "beta"] == ['["Z"]', '["_a"]', '["a b"]', '["ä"]']


def test_the_sqlite_path_does_not_import_psycopg(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from scraper.cli import main\n"
        f"code = main(['export', 'records', '--db', {str(tmp_path / 'h.sqlite3')!r}])\n"
        "from scraper.store import open_history\n"
        f"with open_history({str(tmp_path / 'h.sqlite3')!r}) as h:\n"
        "    h.start_run('main')\n"
        f"code = main(['export', 'records', '--db', {str(tmp_path / 'h.sqlite3')!r}])\n"
        "print(code, 'psycopg' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.stdout.strip().splitlines()[-1] == "0 False", done.stderr


def test_a_connection_lost_while_writing_is_a_history_write_error(pg_url: str) -> None:
    from scraper.errors import HistoryWriteError

    with open_history(pg_url) as history, open_history(pg_url) as admin:
        run = history.start_run("main")
        pid = history.query("SELECT pg_backend_pid() AS pid")[0]["pid"]
        admin.query("SELECT pg_terminate_backend(?)", (pid,))  # the server goes away mid-run
        with pytest.raises(HistoryWriteError) as lost, history.transaction():
            history.record_section(run, "main", "DE", "feedback", "ok", None, {"[1]": {"x": 1}})
        message = str(lost.value)
        assert message.startswith(f"could not write the history {redact_url(pg_url)}: ")
        assert "terminat" in message
        assert "\n" not in message
        assert history.settle_run(run, "not recorded") is False  # best effort: the history is what failed
        assert admin.query("SELECT COUNT(*) AS n FROM section_runs") == [{"n": 0}]
        assert admin.query("SELECT outcome FROM runs") == [{"outcome": None}]  # the next run marks it


def test_reading_an_empty_postgresql_database_creates_nothing(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (["report", "--out", str(tmp_path / "r.html")], ["export", "records"], ["history", "feedback"]):
        capsys.readouterr()
        assert main([*command, "--db", pg_url]) == EXIT_USAGE
        assert capsys.readouterr().err == f"error: no history at {pg_url} yet; run `scraper run` first\n"
    backend = PostgresBackend(pg_url)
    try:
        assert backend.schema_version() == 0
        assert backend.rows("SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'public'") == [{"n": 0}]
    finally:
        backend.close()
