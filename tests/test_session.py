"""A damaged session file is moved aside and never crashes a run; `session import` refuses one."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from scraper.session import storage_state_problem, usable_session

GOOD = {
    "cookies": [{"name": "session-id", "value": "x", "domain": ".example.invalid", "path": "/"}],
    "origins": [{"origin": "https://sellercentral.example.invalid", "localStorage": [{"name": "a", "value": "b"}]}],
}


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "not JSON"),
        (b"\x00\xff garbage", "not JSON"),
        (b"[]", "not a saved session"),
        (b'{"origins": []}', "not a saved session"),
        (b'{"cookies": [1]}', "name or value"),
        (b'{"cookies": [{"name": "a", "value": "b"}]}', "domain or path"),
        (b'{"cookies": [], "origins": {"x": 1}}', "origins"),
    ],
)
def test_damaged_sessions_are_named(data: bytes, words: str) -> None:
    problem = storage_state_problem(data)
    assert problem is not None
    assert words in problem


def test_a_good_session_is_used_and_a_damaged_one_moved_aside(tmp_path: Path) -> None:
    good = tmp_path / "main.json"
    good.write_text(json.dumps(GOOD))
    assert usable_session(good) == (good, None)
    bad = tmp_path / "other.json"
    bad.write_bytes(b"[]")
    bad.chmod(0o600)
    path, message = usable_session(bad)
    assert path is None
    assert message is not None
    assert "signing in afresh" in message
    assert not bad.exists()
    aside = tmp_path / "other.json.corrupt"
    assert stat.S_IMODE(aside.stat().st_mode) == 0o600
    assert usable_session(tmp_path / "none.json") == (None, None)
