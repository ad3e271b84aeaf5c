"""Real servers the tests start and stop themselves: never a service of the machine, never beyond the machine.

Redis (the distributed run's broker, tests/test_distributed.py and tests/test_browser_distributed.py): the
Debian package's ``redis-server`` (scripts/setup.sh installs it), on a unix socket in a temporary folder, no TCP
port (``--port 0``), nothing saved to disk. One server for the whole session; ``redis_broker`` empties it
before each test.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

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
