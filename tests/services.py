"""Real servers for the tests, from Debian's packages: a PostgreSQL on a unix socket in a temp folder.

Nothing listens on a network port (``listen_addresses = ''``). Tests run as root, and PostgreSQL refuses
to run as root, so as root initdb and the server run as the ``postgres`` user, in a folder that user owns.
``scripts/setup.sh`` installs the package where it is missing.

Redis (the distributed run's broker, tests/test_distributed.py and tests/test_browser_distributed.py): the
Debian package's ``redis-server`` (scripts/setup.sh installs it), on a unix socket in a temporary folder, no TCP
port (``--port 0``), nothing saved to disk. One server for the whole session; ``redis_broker`` empties it
before each test.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

PASSWORD_ROLE = "scwatch_pw"
PASSWORD = "right-Secret-42"
"""A role the test server asks a password of (scram-sha-256); every other role is trusted on the socket."""
PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian: /usr/lib/postgresql/<version>/bin), if any."""
    for path in PG_BIN_DIRS:
        if (path / "initdb").exists() and (path / "postgres").exists():
            return path
    return None


class PostgresServer:
    """A throw-away PostgreSQL cluster; :meth:`url` gives a fresh database in it."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        # In memory where there is a tmpfs: the server's files are throw-away, and a busy disk is slow.
        shm = Path("/dev/shm")
        memory = shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 2**30
        self.root = Path(tempfile.mkdtemp(prefix="sc-watch-pg-", dir=shm if memory else None))
        self.data = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.process: subprocess.Popen[bytes] | None = None
        self.databases = 0
        self.start_seconds = 0.0
        self.stop_seconds = 0.0
        self.create_seconds = 0.0
        """How long starting and stopping took (reported at the end of the session)."""

    def _as_owner(self, argv: Sequence[str]) -> list[str]:
        if os.geteuid() != 0:
            return list(argv)
        # setpriv execs the program itself (no process in between): signals reach the server directly.
        return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", *argv]

    def start(self) -> PostgresServer:
        """initdb and start; returns when it accepts connections."""
        began = time.monotonic()
        self.socket_dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")
        subprocess.run(
            self._as_owner(
                [
                    str(self.bin / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "--auth=trust",  # the socket is in a private temp folder; nobody else can reach it
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
        )
        # One role that must give its password (the others are trusted): for the rejected-credentials test.
        hba = self.data / "pg_hba.conf"
        hba.write_text(f"local all {PASSWORD_ROLE} scram-sha-256\n" + hba.read_text(encoding="utf-8"), encoding="utf-8")
        log = (self.root / "server.log").open("wb")
        self.process = subprocess.Popen(
            self._as_owner(
                [
                    str(self.bin / "postgres"),
                    "-D",
                    str(self.data),
                    "-k",
                    str(self.socket_dir),
                    "-c",
                    "listen_addresses=",
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                ]
            ),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        log.close()  # the server has its own copy
        deadline = time.monotonic() + 30
        while not (self.socket_dir / ".s.PGSQL.5432").exists() or self._psql_py("SELECT 1", "postgres").returncode != 0:
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.root / "server.log").read_text(errors="replace")
                raise RuntimeError(f"PostgreSQL did not start: {log[-2000:]}")
            time.sleep(0.05)
        self._psql_py(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}'", "postgres")
        self.start_seconds += time.monotonic() - began
        return self

    def _psql_py(self, sql: str, database: str) -> subprocess.CompletedProcess[bytes]:
        import psycopg

        try:
            with psycopg.connect(self.url_of(database), autocommit=True) as connection:
                connection.execute(sql.encode())
        except psycopg.Error as exc:
            return subprocess.CompletedProcess([], 1, b"", str(exc).encode())
        return subprocess.CompletedProcess([], 0, b"", b"")

    def url_of(self, database: str) -> str:
        """The URL of a database of this server (over its unix socket)."""
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    def url(self) -> str:
        """A new, empty database: each test its own, so locks and rows never meet."""
        began = time.monotonic()
        self.databases += 1
        name = f"t{self.databases}"
        done = self._psql_py(f"CREATE DATABASE {name}", "postgres")
        if done.returncode != 0:
            raise RuntimeError(done.stderr.decode(errors="replace"))
        self.create_seconds += time.monotonic() - began
        return self.url_of(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its folder."""
        began = time.monotonic()
        if self.process is not None and self.process.poll() is None:
            # SIGQUIT, "immediate" shutdown: no final checkpoint, the folder is deleted next anyway
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)
        self.stop_seconds += time.monotonic() - began


# --- Redis (the distributed run's broker) ------------------------------------------------------------

REDIS_START_S = 20
"""How long a starting Redis may take to answer (a loaded CI machine); normally a few milliseconds."""


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A private Redis on ``folder/redis.sock``; yields its broker URL (redis+socket://...)."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("redis-server is not installed; bash scripts/setup.sh installs it (Debian package redis-server)")
    sock = folder / "redis.sock"
    log = (folder / "redis.log").open("wb")
    argv = [exe, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700", "--save", "", "--appendonly"]
    argv += ["no", "--dir", str(folder), "--daemonize", "no", "--loglevel", "warning"]
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        client = redis.Redis(unix_socket_path=str(sock))
        deadline = time.monotonic() + REDIS_START_S
        while True:
            try:
                client.ping()
                break
            except (redis.ConnectionError, FileNotFoundError):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start: {(folder / 'redis.log').read_text(errors='replace')}")
                time.sleep(0.05)
        client.close()
        yield f"redis+socket://{sock}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def redis_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One Redis for the test session (its broker URL)."""
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def redis_broker(redis_session: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The session's Redis, emptied, named by SC_WATCH_BROKER; returns its URL."""
    client = redis_client(redis_session)
    client.flushall()
    client.close()
    monkeypatch.setenv("SC_WATCH_BROKER", redis_session)
    return redis_session


def redis_client(url: str) -> redis.Redis:
    """A client of the test Redis at ``url`` (redis+socket://PATH), to look at the queue directly."""
    return redis.Redis(unix_socket_path=url.removeprefix("redis+socket://"))
