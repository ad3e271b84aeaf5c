"""Secrets: environment first, then a (fake) keyring; never in repr, errors or files other than 0600 ones."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.null
import pytest

from scraper import paths
from scraper.credentials import (
    Credentials,
    delete_credentials,
    keyring_usable,
    load_credentials,
    store_credentials,
)
from scraper.errors import CredentialsError
from tests.helpers import MemoryKeyring, memory_keyring_installed

TOTP = "JBSWY3DPEHPK3PXP"


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    with memory_keyring_installed() as backend:
        yield backend


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SC_WATCH_"):
            monkeypatch.delenv(name)


def test_environment_wins_per_account_then_global(monkeypatch: pytest.MonkeyPatch, memory_keyring) -> None:
    store_credentials("main", "from-keyring", None)
    monkeypatch.setenv("SC_WATCH_PASSWORD", "global-pw")
    monkeypatch.setenv("SC_WATCH_MAIN_PASSWORD", "main-pw")
    monkeypatch.setenv("SC_WATCH_MAIN_TOTP_SECRET", "jbsw y3dp ehpk 3pxp")
    creds = load_credentials("main", "seller@example.com")
    assert (creds.password, creds.totp_secret, creds.source) == ("main-pw", TOTP, "environment")
    other = load_credentials("agency-2", "x@example.com")
    assert (other.password, other.totp_secret) == ("global-pw", None)


def test_keyring_round_trip(memory_keyring) -> None:
    store_credentials("main", "pw-123", TOTP)
    creds = load_credentials("main", "seller@example.com")
    assert (creds.password, creds.totp_secret, creds.source) == ("pw-123", TOTP, "keyring")
    assert delete_credentials("main") is True
    assert load_credentials("main", "seller@example.com").password is None
    assert delete_credentials("main") is False


def test_null_keyring_is_not_usable(monkeypatch: pytest.MonkeyPatch) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.null.Keyring())
    try:
        assert not keyring_usable()
        assert load_credentials("main", "s@example.com") == Credentials("s@example.com")
        with pytest.raises(CredentialsError, match="SC_WATCH_MAIN_PASSWORD") as info:
            store_credentials("main", "super-secret-pw", None)
        assert "super-secret-pw" not in str(info.value)
    finally:
        keyring.set_keyring(previous)


def test_repr_and_errors_never_show_secrets(memory_keyring) -> None:
    creds = Credentials("s@example.com", "super-secret-pw", TOTP, "keyring")
    assert "super-secret-pw" not in repr(creds)
    assert TOTP not in repr(creds)
    with pytest.raises(CredentialsError) as info:
        store_credentials("main", "pw", "not a base32 secret 1!")
    assert "not a base32" not in str(info.value)


def test_private_files_are_0600_even_when_they_existed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SC_WATCH_HOME", str(tmp_path))
    session = paths.session_file("main")
    assert session.parent.is_relative_to(tmp_path)
    session.write_text("old")
    session.chmod(0o644)
    paths.write_private(session, b'{"cookies": []}')
    assert stat.S_IMODE(session.stat().st_mode) == 0o600
    assert session.read_bytes() == b'{"cookies": []}'
    assert stat.S_IMODE(session.parent.stat().st_mode) == 0o700
