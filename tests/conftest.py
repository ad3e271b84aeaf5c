"""Shared test setup: the spec, the fixtures folder, golden regeneration, and Chromium for browser tests."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import keyring
import keyring.backends.null
import pytest
from playwright.sync_api import Browser, Page

from scraper.config import Account, Settings
from scraper.credentials import Credentials
from scraper.demo.server import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET
from scraper.run import RunOptions, account_page, sign_in_to
from scraper.spec import Spec, load_spec
from tests.services import (  # the Redis fixtures (redis_*) of tests/services.py are used by name
    PostgresServer,
    postgres_bin,
    redis_broker,  # noqa: F401
    redis_session,  # noqa: F401
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CHROMIUM_ARGS = [
    "--disable-quic",
    "--disable-gpu",
    # Tests must never leave 127.0.0.1: resolve every other host to nothing.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite the golden *.expected.json files from the current parser output (review the diff!)",
    )


@pytest.fixture(scope="session", autouse=True)
def no_real_keyring() -> Iterator[None]:
    """Tests never touch a real keyring, however they are started (scripts/test.sh also sets the null one)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.null.Keyring())
    yield
    keyring.set_keyring(previous)


_SERVICE_SECONDS: dict[str, float] = {}


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the session (Debian's package, unix socket only), started on first use."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip(
            "NO POSTGRESQL: /usr/lib/postgresql/*/bin/postgres is missing, the PostgreSQL history tests did not "
            "run; install it with scripts/setup.sh (apt-get install postgresql)"
        )
    server = PostgresServer(bin_dir).start()
    try:
        yield server
    finally:
        server.stop()
        _SERVICE_SECONDS["PostgreSQL server start"] = server.start_seconds
        _SERVICE_SECONDS["PostgreSQL server stop"] = server.stop_seconds
        _SERVICE_SECONDS[f"PostgreSQL databases created ({server.databases})"] = server.create_seconds


@pytest.fixture
def pg_url(postgres: PostgresServer) -> str:
    """A fresh, empty PostgreSQL database of the session's server, as a ``--db`` URL."""
    return postgres.url()


@pytest.fixture(params=["sqlite", "postgresql"])
def history_target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """A new history on each backend: a SQLite file, and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "history.sqlite3"
    return str(request.getfixturevalue("pg_url"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for what, seconds in _SERVICE_SECONDS.items():
        terminalreporter.write_line(f"{what}: {seconds:.1f} s")


@pytest.fixture(scope="session")
def spec() -> Spec:
    return load_spec()


@pytest.fixture(scope="session")
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


def _chromium_path() -> str | None:
    """An explicit CHROMIUM_PATH, else None when Playwright manages its own browser, else chromium on PATH."""
    if os.environ.get("CHROMIUM_PATH"):
        return os.environ["CHROMIUM_PATH"]
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache" / "ms-playwright"))
    if any(cache.glob("chromium-*/chrome-linux*/chrome")):
        return None
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    args = {**browser_type_launch_args, "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS]}
    path = _chromium_path()
    if path:
        args["executable_path"] = path
    return args


class _WebhookHandler(BaseHTTPRequestHandler):
    """Keeps every JSON body posted to it on its server's ``received`` list."""

    server: _WebhookServer

    def do_POST(self) -> None:
        self.server.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass


class _WebhookServer(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _WebhookHandler)
        self.received: list[dict] = []


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    """A local HTTP endpoint for Apprise's json:// URLs: (url, bodies received)."""
    server = _WebhookServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"json://127.0.0.1:{server.server_address[1]}/alerts", server.received
    server.shutdown()
    server.server_close()


@pytest.fixture
def shared_browser(browser: Browser, monkeypatch: pytest.MonkeyPatch) -> Browser:
    """Let the product's runs use pytest-playwright's browser.

    Two sync Playwright instances cannot run in one thread, and pytest-playwright keeps one for the whole
    session once any test asked for ``page``; so in-process runs borrow its browser (launched with the
    same executable and arguments). The product's own launcher is tested by the subprocess tests.
    """

    @contextmanager
    def borrowed(
        headed: bool,
        chromium_path: str | None = None,
        extra_args: list[str] | None = None,
        endpoint: str | None = None,
    ) -> Iterator[Browser]:
        yield browser

    monkeypatch.setattr("scraper.run.launched", borrowed)
    return browser


@contextmanager
def signed_in_page(spec: Spec, account: Account, marketplace: str = "A1PA6795UKMFR9") -> Iterator[Page]:
    """A page of the demo signed in the way a run signs in (headless, with the demo's credentials)."""
    settings = Settings(delay_ms=0, jitter_ms=0, timeout_ms=10000, human_timeout_s=5)
    options = RunOptions(browser_args=tuple(CHROMIUM_ARGS))
    credentials = Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, "test")
    with account_page(account, settings, options) as (_, page):
        sign_in_to(page, spec, account, credentials, marketplace, settings, options, notify=lambda m: None)
        yield page


def use_demo_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columns: int = 250) -> Path:
    """Point the command line at ``tmp_path`` (state, history, sessions) with the demo's credentials in the
    environment, a wide terminal for the summary, and no history or config named from outside the test."""
    monkeypatch.setenv("SC_WATCH_HOME", str(tmp_path))
    monkeypatch.setenv("SC_WATCH_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("SC_WATCH_TOTP_SECRET", DEMO_TOTP_SECRET)
    monkeypatch.setenv("COLUMNS", str(columns))
    for name in ("SC_WATCH_DB", "SC_WATCH_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path
