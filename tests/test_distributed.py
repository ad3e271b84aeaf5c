"""The distributed run without a browser: settings, what a queued message carries, loud broker failures, and
a single-machine path that never imports Celery. The runs themselves: tests/test_browser_distributed.py."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scraper.cli import EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE, main
from scraper.config import QueueSettings, load_config
from scraper.distributed import ENQUEUE_TASK, QUEUE, RUN_TASK, WorkerSetup, make_app, run_command
from scraper.errors import ConfigError
from tests.services import redis_client

SECRET_PASSWORD = "pw-that-must-stay-home-7391"
SECRET_TOTP = "JBSWY3DPEHPK3PXPQUEUETEST"
ROOT = Path(__file__).resolve().parent.parent


def config(tmp_path: Path, queue: str = "", accounts: tuple[str, ...] = ("shop-a", "shop-b")) -> Path:
    path = tmp_path / "config.yaml"
    text = f"settings: {{queue: {{{queue}}}}}\naccounts:\n" if queue else "accounts:\n"
    for name in accounts:
        text += (
            f"  {name}:\n    host: https://sellercentral.amazon.de\n    email: {name}@example.com\n"
            "    marketplaces: [A1PA6795UKMFR9]\n"
        )
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SC_WATCH_HOME", str(tmp_path))
    monkeypatch.setenv("SC_WATCH_PASSWORD", SECRET_PASSWORD)
    monkeypatch.setenv("SC_WATCH_TOTP_SECRET", SECRET_TOTP)
    for name in ("SC_WATCH_DB", "SC_WATCH_CONFIG", "SC_WATCH_BROKER"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


# --- settings ---------------------------------------------------------------------------------------------


def test_queue_settings_default_and_given(tmp_path: Path) -> None:
    assert load_config(config(tmp_path)).settings.queue == QueueSettings()
    given = load_config(
        config(
            tmp_path,
            "broker: 'redis://redis.internal:6379/0', time_limit_s: 600, visibility_timeout_s: 700, "
            "nightly: '15 1 * * 1-5', timezone: Europe/Berlin",
        )
    ).settings.queue
    assert given == QueueSettings("redis://redis.internal:6379/0", 600, 700, "15 1 * * 1-5", "Europe/Berlin")


@pytest.mark.parametrize(
    ("queue", "message"),
    [
        # 600 s plus its grace (60 s) plus 5: shorter, and Redis would give a running task to a second worker
        ("time_limit_s: 600, visibility_timeout_s: 664", "must be at least 665 (time_limit_s 600 plus its grace"),
        ("time_limit_s: 0", "settings.queue.time_limit_s"),
        ("time_limit_s: 86401", "settings.queue.time_limit_s"),
        ("nightly: '30 2 * *'", "expected five cron fields"),
        ("nightly: '30 2 * * mon'", "expected five cron fields"),
        ("timezone: Mars/Olympus", "expected a time zone name"),
        ("broker: localhost", "expected a broker URL"),
        ("brokers: 'redis://x'", "brokers"),
    ],
)
def test_queue_settings_refused(tmp_path: Path, queue: str, message: str) -> None:
    with pytest.raises(ConfigError, match=r"settings\.queue") as info:
        load_config(config(tmp_path, queue))
    assert message in str(info.value)


def test_example_config_loads_with_its_queue_settings(tmp_path: Path) -> None:
    from scraper.config import EXAMPLE

    path = tmp_path / "example.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    assert load_config(path).settings.queue == QueueSettings()


# --- the single-machine path ------------------------------------------------------------------------------


def test_single_machine_path_never_imports_celery(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from scraper import cli, pool, timelimit\n"
        "cli.build_parser().parse_args(['run', '--all', '--parallel', '2', '--time-limit', '60'])\n"
        f"assert cli.main(['--config', {str(tmp_path / 'missing.yaml')!r}, 'run']) == 2\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in {'celery', 'kombu', 'redis', 'billiard'})\n"
        "print(loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


# --- enqueue ----------------------------------------------------------------------------------------------


def test_a_queued_message_carries_the_account_name_and_options_only(
    env: Path, redis_broker: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config(env)
    session = env / "state" / "sessions" / "shop-a.json"
    session.parent.mkdir(parents=True)
    session.write_text('{"cookies": [{"name": "session-token", "value": "cookie-value-4711"}]}', encoding="utf-8")
    assert main(["--config", str(cfg), "enqueue", "--all", "--sections", "case_log", "feedback"]) == EXIT_OK
    assert capsys.readouterr().out.strip() == (
        f"queued 2 account(s) on {redis_broker} (queue {QUEUE}): shop-a, shop-b"
    )
    client = redis_client(redis_broker)
    raw = client.lrange(QUEUE, 0, -1)
    assert len(raw) == 2
    bodies = []
    for message in raw:
        envelope = json.loads(message)
        assert envelope["headers"]["task"] == RUN_TASK
        bodies.append(json.loads(base64.b64decode(envelope["body"])))
        # no secret, no e-mail, no cookie anywhere in what the broker holds
        for secret in (SECRET_PASSWORD, SECRET_TOTP, "cookie-value-4711", "@example.com"):
            assert secret.encode() not in message
    # newest first on the Redis list; the body is [args, kwargs, callbacks]
    assert sorted((b[0], b[1]) for b in bodies) == [
        (["shop-a"], {"sections": ["case_log", "feedback"], "via_menu": False}),
        (["shop-b"], {"sections": ["case_log", "feedback"], "via_menu": False}),
    ]


def test_enqueue_named_accounts_and_refuse_an_unknown_one(
    env: Path, redis_broker: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = str(config(env, accounts=("shop-a", "shop-b", "shop-c")))
    assert main(["--config", cfg, "enqueue", "--account", "shop-c", "shop-a", "shop-c"]) == EXIT_OK
    assert capsys.readouterr().out.strip().endswith("(queue sc-watch): shop-c, shop-a")  # each account once
    assert main(["--config", cfg, "enqueue", "--account", "shop-x"]) == EXIT_USAGE
    assert capsys.readouterr().err.strip() == "error: no such account: shop-x (known: shop-a, shop-b, shop-c)"
    assert redis_client(redis_broker).llen(QUEUE) == 2  # nothing queued by the refused command


def test_no_broker_configured_says_how_to_set_one(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = str(config(env))
    for argv in (["enqueue", "--all"], ["worker"], ["beat"]):
        assert main(["--config", cfg, *argv]) == EXIT_USAGE
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert err.startswith("error: no broker configured: set SC_WATCH_BROKER (e.g. redis://")


def test_broker_unreachable_is_one_line_exit_3_without_the_password(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = str(config(env))
    monkeypatch.setenv("SC_WATCH_BROKER", f"redis+socket://{env}/no-redis.sock")
    for argv in (["enqueue", "--all"], ["worker"]):
        assert main(["--config", cfg, *argv]) == EXIT_UNREADABLE
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert err.startswith(f"error: cannot reach the broker redis+socket://{env}/no-redis.sock: ")
        assert "No such file or directory" in err
    monkeypatch.setenv("SC_WATCH_BROKER", "redis://:broker-secret@127.0.0.1:1/0")  # port 1: nothing listens
    assert main(["--config", cfg, "enqueue", "--account", "shop-a"]) == EXIT_UNREADABLE
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach the broker redis://:**@127.0.0.1:1/0: ")
    assert "broker-secret" not in err


# --- the worker's side ------------------------------------------------------------------------------------


def test_a_task_runs_the_single_machine_command_for_its_account() -> None:
    setup = WorkerSetup("/srv/selectors.yaml", "/srv/config.yaml", "/srv/history.sqlite3")
    assert run_command(setup, "shop-a", 1800, ["case_log"], True) == [
        sys.executable,
        "-m",
        "scraper",
        "--spec",
        "/srv/selectors.yaml",
        "--config",
        "/srv/config.yaml",
        "run",
        "--account=shop-a",  # a name from a message is never read as an option
        "--time-limit",
        "1800",
        "--db",
        "/srv/history.sqlite3",
        "--sections",
        "case_log",
        "--via-menu",
    ]
    assert run_command(WorkerSetup("s.yaml"), "b", 60, None, False) == [
        *(sys.executable, "-m", "scraper", "--spec", "s.yaml", "run", "--account=b", "--time-limit", "60")
    ]


def test_celery_settings_late_acknowledgement_and_the_nightly_schedule(redis_broker: str) -> None:
    settings = QueueSettings(time_limit_s=20, visibility_timeout_s=40, nightly="15 1 * * 1-5", timezone="Europe/Berlin")
    app = make_app(settings, WorkerSetup("selectors.yaml"))
    conf = app.conf
    assert (conf.task_acks_late, conf.task_reject_on_worker_lost, conf.worker_prefetch_multiplier) == (True, True, 1)
    assert conf.task_ignore_result is True
    assert conf.broker_transport_options == {
        "visibility_timeout": 40,
        "unacked_restore_interval": 4,
        "unacked_restore_throttle": 1,
    }
    nightly = conf.beat_schedule["nightly"]
    assert nightly["task"] == ENQUEUE_TASK
    schedule = nightly["schedule"]
    assert (schedule.minute, schedule.hour, schedule.day_of_week) == ({15}, {1}, {1, 2, 3, 4, 5})
    assert conf.timezone == "Europe/Berlin"
    assert {RUN_TASK, ENQUEUE_TASK} <= set(app.tasks)


def test_the_nightly_task_queues_every_configured_account(env: Path, redis_broker: str) -> None:
    cfg = config(env, accounts=("shop-a", "shop-b", "shop-c"))
    app = make_app(QueueSettings(), WorkerSetup("selectors.yaml", str(cfg)))
    assert app.tasks[ENQUEUE_TASK]() == 3  # what beat sends, run here as a worker runs it
    raw = redis_client(redis_broker).lrange(QUEUE, 0, -1)
    assert sorted(json.loads(base64.b64decode(json.loads(m)["body"]))[0][0] for m in raw) == [
        "shop-a",
        "shop-b",
        "shop-c",
    ]


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [(["--db=/tmp/x"], {}), ([""], {}), (["shop-a"], {"sections": "case_log"}), (["shop-a"], {"via_menu": "yes"})],
)
def test_a_malformed_message_is_refused_before_anything_runs(
    redis_broker: str, args: list[object], kwargs: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[object] = []
    monkeypatch.setattr("scraper.distributed.run_account", lambda *a: ran.append(a) or 0)
    app = make_app(QueueSettings(), WorkerSetup("selectors.yaml"))
    assert app.tasks[RUN_TASK].apply(args=args, kwargs=kwargs).get() == EXIT_USAGE
    assert ran == []
