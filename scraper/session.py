"""Saved sessions (Playwright storage state: cookies and local storage): checked before they are used.

A damaged session file (garbage, empty, ``[]``, the wrong shape) must not crash every later run until
someone deletes it: it is moved aside (still owner-only) and the run signs in afresh.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def storage_state_problem(data: bytes) -> str | None:
    """Why ``data`` is not a storage state a browser context can load; None when it is one."""
    try:
        state: Any = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        return f"not JSON ({exc.__class__.__name__})"
    if not isinstance(state, dict) or not isinstance(state.get("cookies"), list):
        return "not a saved session (expected an object with a list of cookies)"
    for cookie in state["cookies"]:
        if not isinstance(cookie, dict) or not all(isinstance(cookie.get(k), str) for k in ("name", "value")):
            return "a cookie without a name or value"
        if not isinstance(cookie.get("domain"), str) or not isinstance(cookie.get("path"), str):
            return "a cookie without a domain or path"
    origins = state.get("origins", [])
    if not isinstance(origins, list) or not all(
        isinstance(o, dict) and isinstance(o.get("origin"), str) and isinstance(o.get("localStorage", []), list)
        for o in origins
    ):
        return "malformed local storage (origins)"
    return None


def usable_session(path: Path) -> tuple[Path | None, str | None]:
    """The session file when it can be loaded; else (None, what was wrong), the file moved to ``*.corrupt``."""
    if not path.exists():
        return None, None
    problem = storage_state_problem(path.read_bytes())
    if problem is None:
        return path, None
    aside = path.with_name(path.name + ".corrupt")
    path.replace(aside)  # keeps its owner-only mode; kept for a look, never loaded again
    return None, f"the saved session {path} was unusable ({problem}); moved to {aside.name}, signing in afresh"
