"""One run at a time per account on a SQLite history: an exclusive, non-blocking file lock next to it.

Runs of different accounts may write one history side by side (``--parallel``, several workers): each holds
only its own account's lock, and SQLite's busy timeout makes their writes wait for each other. PostgreSQL
histories use advisory locks instead (scraper/backends.py).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scraper.errors import LockedError, PathError
from scraper.paths import path_problem


def lock_path(db_path: Path, account: str) -> Path:
    """The lock file of one account's runs: ``<db>.<account>.lock`` next to the history (account names are
    letters, digits, - and _, see scraper/config.py)."""
    return db_path.with_name(f"{db_path.name}.{account}.lock")


@contextmanager
def run_lock(db_path: Path, account: str) -> Iterator[Path]:
    """Hold the account's lock file for the duration; LockedError at once if another process holds it.

    flock is released by the kernel when the process dies, so a crashed or killed run never leaves a
    stale lock: the file stays, with the dead run's pid in it, and the next run takes it over. PathError
    when the lock file cannot be created (a folder that is not writable, or not a folder).
    """
    path = lock_path(db_path, account)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise PathError(f"cannot use the history at {db_path}: {path_problem(path, exc)}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise LockedError(
                f"another run (pid {holder}) is using {db_path} for account {account}; "
                "try again when it has finished"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield path
    finally:
        os.close(fd)


def lock_held(db_path: Path, account: str) -> bool:
    """True while a run holds the account's lock (a run of it without an outcome is then still going)."""
    try:
        fd = os.open(lock_path(db_path, account), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the shared lock taken just to look
    return False
