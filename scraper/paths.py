"""Where the tool keeps its files: the accounts config, saved sessions, and (later) the history database.

Defaults follow the platform (platformdirs: ~/.config/sc-watch, ~/.local/state/sc-watch on Linux).
``SC_WATCH_HOME`` puts everything under one folder instead, which servers and tests use.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import platformdirs

APP = "sc-watch"


def _home() -> Path | None:
    value = os.environ.get("SC_WATCH_HOME")
    return Path(value) if value else None


def config_file() -> Path:
    """The accounts configuration (YAML); ``SC_WATCH_CONFIG`` overrides it."""
    if os.environ.get("SC_WATCH_CONFIG"):
        return Path(os.environ["SC_WATCH_CONFIG"])
    home = _home()
    return (home if home else platformdirs.user_config_path(APP)) / "config.yaml"


def state_dir() -> Path:
    """Private state: saved sessions. Created 0700."""
    home = _home()
    path = home / "state" if home else platformdirs.user_state_path(APP)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def session_file(account: str) -> Path:
    """The saved browser session (cookies and local storage) of one account."""
    directory = state_dir() / "sessions"
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory / f"{account}.json"


def write_private(path: Path, data: bytes) -> None:
    """Write a file that holds secrets: created 0600 before any byte is written, replaced atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # A temp name of its own (mkstemp creates it 0600): two processes saving the same file (two runs of one
    # account with different --db both save its session) must not replace or remove each other's temp file.
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


def path_problem(path: Path, exc: OSError) -> str:
    """Why ``path`` cannot be written, in words: names a part of it that is a file where a folder must be."""
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                return f"{parent} is not a folder"
            break
    return exc.strerror or str(exc)


def history_file() -> Path:
    """The history database; ``SC_WATCH_DB`` overrides it (and ``--db`` on the command line)."""
    if os.environ.get("SC_WATCH_DB"):
        return Path(os.environ["SC_WATCH_DB"])
    home = _home()
    return (home if home else platformdirs.user_data_path(APP)) / "history.sqlite3"
