"""One run at a time per history database: an exclusive, non-blocking file lock next to it."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scraper.errors import LockedError


@contextmanager
def run_lock(db_path: Path) -> Iterator[Path]:
    """Hold ``<db>.lock`` for the duration; LockedError at once if another process holds it.

    flock is released by the kernel when the process dies, so a crashed run never leaves a stale lock.
    """
    path = db_path.with_name(db_path.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise LockedError(
                f"another run (pid {holder}) is using {db_path}; try again when it has finished"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield path
    finally:
        os.close(fd)
