"""`scraper run --all --parallel N`: accounts walked at once, each in its own process, one history."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from scraper.cli import EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, main
from scraper.demo.server import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoOptions, DemoServer
from scraper.run import RunOptions
from scraper.store import open_history
from tests.conftest import CHROMIUM_ARGS

pytestmark = pytest.mark.browser
DE = "A1PA6795UKMFR9"
GOOD = ("shop-a", "shop-b", "shop-c")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The workers are new processes: they see the environment, not the test's in-process keyring or patches.
    monkeypatch.setenv("SC_WATCH_HOME", str(tmp_path))
    monkeypatch.setenv("SC_WATCH_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("SC_WATCH_TOTP_SECRET", DEMO_TOTP_SECRET)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.setenv("COLUMNS", "250")
    # The options travel to the workers with each account: this keeps their Chromium on 127.0.0.1.
    monkeypatch.setattr("scraper.cli._run_options", lambda args, headed: RunOptions(browser_args=tuple(CHROMIUM_ARGS)))
    return tmp_path


@pytest.fixture
def demo(env: Path) -> Iterator[DemoServer]:
    with DemoServer(DemoOptions(latency_ms=50)) as server:
        yield server


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("sharing", ["own", "shared"])
def test_parallel_accounts_one_unreachable_does_not_affect_the_others(
    demo: DemoServer, env: Path, webhook, capsys: pytest.CaptureFixture[str], sharing: str
) -> None:
    url, received = webhook
    hosts = {name: demo.base_url for name in GOOD} | {"shop-down": f"http://127.0.0.1:{_closed_port()}"}
    accounts = "".join(
        f"  {name}:\n    host: {host}\n    email: {DEMO_EMAIL}\n    marketplaces: [{DE}]\n"
        f"    sections: [case_log]\n    alerts: {{urls: ['{url}/{name}']}}\n"
        for name, host in hosts.items()
    )
    path = env / "config.yaml"
    path.write_text(
        "settings: {delay_ms: 0, jitter_ms: 0, timeout_ms: 10000, retries: 0, backoff_ms: 20, "
        f"parallel_browser: {sharing}}}\naccounts:\n{accounts}"
    )
    # four accounts, three at a time: the pool is bounded and the fourth waits for a free worker
    assert main(["--config", str(path), "run", "--all", "--parallel", "3"]) == EXIT_UNREADABLE
    out = capsys.readouterr().out
    assert "could not be reached" in out
    # each good account signed in for itself (its own session file) and was alerted on its own
    assert sorted(p.name for p in (env / "state" / "sessions").iterdir()) == [f"{n}.json" for n in GOOD]
    assert demo.sign_in_requests() >= len(GOOD)
    titles = sorted(r["title"] for r in received)
    assert titles == [
        "Seller Central [shop-a]: 3 new finding(s)",
        "Seller Central [shop-b]: 3 new finding(s)",
        "Seller Central [shop-c]: 3 new finding(s)",
        "Seller Central [shop-down]: could not read 1 place(s)",
    ]
    with open_history(env / "history.sqlite3") as history:
        runs = {r["account"]: r["outcome"] for r in history.query("SELECT account, outcome FROM runs")}
        counts = history.query("SELECT account, COUNT(*) AS n FROM records GROUP BY account ORDER BY account")
        statuses = {
            r["account"]: r["status"]
            for r in history.query(
                "SELECT runs.account, section_runs.status FROM section_runs JOIN runs ON runs.id = section_runs.run_id"
            )
        }
    assert runs == {"shop-a": "ok", "shop-b": "ok", "shop-c": "ok", "shop-down": "unreachable"}
    # case_log/api/de-typical.json: 10 cases per account, none borrowed from another account
    assert [(r["account"], r["n"]) for r in counts] == [(n, 10) for n in GOOD]
    assert statuses == {"shop-a": "ok", "shop-b": "ok", "shop-c": "ok", "shop-down": "error"}


def test_a_shared_browser_that_is_gone_leaves_every_account_not_read(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The one Chromium every worker connects to is the shared mode's single point of failure: when it is
    # not there (crashed, killed), every account must say so, none may look read.
    @contextmanager
    def gone(headed: bool, chromium_path: str | None = None, extra_args: list[str] | None = None) -> Iterator[str]:
        yield f"http://127.0.0.1:{_closed_port()}"

    monkeypatch.setattr("scraper.cli.shared_chromium", gone)
    accounts = "".join(
        f"  {name}:\n    host: http://127.0.0.1:9\n    email: {DEMO_EMAIL}\n    marketplaces: [{DE}]\n"
        "    sections: [case_log]\n"
        for name in GOOD[:2]
    )
    path = env / "config.yaml"
    path.write_text(f"settings: {{retries: 0, parallel_browser: shared}}\naccounts:\n{accounts}")
    assert main(["--config", str(path), "run", "--all", "--parallel", "2"]) == EXIT_UNREADABLE
    out = capsys.readouterr().out
    assert out.count("the walk crashed") >= 2, out
    assert "ECONNREFUSED" in out
    with open_history(env / "history.sqlite3") as history:
        runs = {r["account"]: r["outcome"] for r in history.query("SELECT account, outcome FROM runs")}
        statuses = {r["status"] for r in history.query("SELECT status FROM section_runs")}
    assert runs == {"shop-a": "crashed", "shop-b": "crashed"}
    assert statuses == {"error"}


def test_parallel_needs_a_number_in_range(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["run", "--all", "--parallel", "0"])
    assert stopped.value.code == 2
    assert "expected a whole number from 1 to 32" in capsys.readouterr().err


def test_parallel_runs_read_within_the_windows_judged_from_the_history(demo: DemoServer, env: Path) -> None:
    """The workers have no history: the parent judges each account's windows before the walks, so a second
    night stops at the page the history already holds, in every worker."""
    names = ("shop-a", "shop-b")
    accounts = "".join(
        f"  {name}:\n    host: {demo.base_url}\n    email: {DEMO_EMAIL}\n    marketplaces: [{DE}]\n"
        f"    sections: [feedback]\n"
        for name in names
    )
    path = env / "config.yaml"
    path.write_text(f"settings: {{delay_ms: 0, jitter_ms: 0, timeout_ms: 10000}}\naccounts:\n{accounts}")
    assert main(["--config", str(path), "run", "--all", "--parallel", "2"]) == EXIT_FINDINGS  # all new
    assert main(["--config", str(path), "run", "--all", "--parallel", "2"]) == EXIT_OK  # nothing new
    with open_history(env / "history.sqlite3") as history:
        rows = history.query(
            "SELECT runs.account, section_runs.status, section_runs.window FROM section_runs"
            " JOIN runs ON runs.id = section_runs.run_id ORDER BY runs.id"
        )
        active = {n: len(history.active_records(n, DE, "feedback")) for n in names}
    windows = [(r["account"], r["status"], json.loads(r["window"])) for r in rows]
    first = {a: w for a, _, w in windows[:2]}
    second = {a: (s, w) for a, s, w in windows[2:]}
    # first night: the whole 90-day window (12 entries, 5 a page), to the list's end
    assert {a: (w["days"], w["full"], w["pages"], w["stop"]) for a, w in first.items()} == {
        n: (90, True, 3, None) for n in names
    }
    # next night, in each worker: one page, all of it in the history unchanged
    assert {a: (s, w["full"], w["pages"], w["stop"]) for a, (s, w) in second.items()} == {
        n: ("ok", False, 1, "known") for n in names
    }
    assert active == {n: 12 for n in names}  # nothing the second night did not read was resolved


def _records(db: Path) -> list[tuple[str, str, str, str]]:
    with open_history(db) as history:
        rows = history.query("SELECT account, section, marketplace, key FROM records ORDER BY 1, 2, 3, 4")
    return [(r["account"], r["section"], r["marketplace"], r["key"]) for r in rows]


@pytest.mark.usefixtures("shared_browser")  # the one-tab run is in this process: it borrows the test browser
def test_sections_in_tabs_read_what_one_tab_reads_and_sign_in_once(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # One account, all six sections, three tabs, no saved session: the first tab signs in alone, the other
    # two restore its session; the history holds exactly what a run in one tab leaves.
    failing = {"/fbmapi/": 500}  # one tab's section (feedback's data call) fails loudly; its neighbours do not
    with DemoServer(DemoOptions(latency_ms=20, http_status=failing)) as demo:
        account = f"  shop-a:\n    host: {demo.base_url}\n    email: {DEMO_EMAIL}\n    marketplaces: [{DE}]\n"
        runs = {}
        for tabs in (3, 1):
            (env / "state" / "sessions" / "shop-a.json").unlink(missing_ok=True)
            path = env / f"tabs{tabs}.yaml"
            path.write_text(
                f"settings: {{delay_ms: 0, jitter_ms: 0, retries: 0, section_tabs: {tabs}}}\naccounts:\n{account}"
            )
            before = demo.sign_in_requests()
            code = main(["--config", str(path), "run", "--db", str(env / f"tabs{tabs}.sqlite3")])
            runs[tabs] = (code, demo.sign_in_requests() - before, capsys.readouterr().out)
    (code3, sign_ins3, _), (code1, sign_ins1, _) = runs[3], runs[1]
    assert code3 == code1 == EXIT_UNREADABLE  # feedback did not read in either
    assert sign_ins3 == sign_ins1 > 0  # one sign-in, not one per tab
    with open_history(env / "tabs3.sqlite3") as history:
        statuses = {r["section"]: r["status"] for r in history.query("SELECT section, status FROM section_runs")}
    assert statuses["feedback"] == "error"
    assert {s for s, status in statuses.items() if status == "ok"} == {
        "notifications", "voice_of_customer", "case_log", "regulatory_compliance", "compliance_requests"
    }
    records = _records(env / "tabs3.sqlite3")
    assert records == _records(env / "tabs1.sqlite3")
    assert {section for _, section, _, _ in records} == set(statuses) - {"feedback"}
