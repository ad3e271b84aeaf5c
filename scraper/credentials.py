"""Passwords and TOTP secrets: environment variables first, then the system keyring; never printed.

Lookup order for account ``main`` (names upper-cased, other characters become ``_``):

1. ``SC_WATCH_MAIN_PASSWORD`` / ``SC_WATCH_MAIN_TOTP_SECRET``, then ``SC_WATCH_PASSWORD`` /
   ``SC_WATCH_TOTP_SECRET`` (for servers: set them from a root-only 0600 env file or systemd
   ``LoadCredential=``);
2. the keyring (service ``sc-watch``), filled by ``scraper credentials set``, unless the keyring backend
   is the fail or null backend (a headless server without a desktop keyring);
3. nothing: the login then leaves the password to the person at the window, or fails headless.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import keyring
import keyring.backend
import keyring.backends.chainer
import keyring.backends.fail
import keyring.backends.null
import keyring.errors

from scraper.errors import CredentialsError

SERVICE = "sc-watch"


@dataclass(frozen=True)
class Credentials:
    """What a login may use. ``repr`` hides the secrets so they cannot leak into logs or tracebacks."""

    email: str
    password: str | None = field(default=None, repr=False)
    totp_secret: str | None = field(default=None, repr=False)
    source: str = "none"
    """Where the secrets came from: "environment", "keyring" or "none" (safe to print)."""


def _env_prefix(account: str) -> str:
    return "SC_WATCH_" + re.sub(r"[^A-Za-z0-9]", "_", account).upper() + "_"


def _env(account: str, what: str) -> str | None:
    return os.environ.get(_env_prefix(account) + what) or os.environ.get("SC_WATCH_" + what) or None


def _backend() -> keyring.backend.KeyringBackend:
    """The keyring backend; CredentialsError when the one named by PYTHON_KEYRING_BACKEND cannot be loaded."""
    try:
        return keyring.get_keyring()
    except Exception as exc:  # keyring imports the named class: any import or attribute error may come back
        named = os.environ.get("PYTHON_KEYRING_BACKEND")
        which = f"PYTHON_KEYRING_BACKEND={named}" if named else "the configured keyring backend"
        raise CredentialsError(
            f"{which} cannot be loaded ({type(exc).__name__}: {exc}); name an installed backend, e.g. "
            "keyring.backends.null.Keyring with SC_WATCH_<ACCOUNT>_PASSWORD on a server"
        ) from None


def keyring_usable() -> bool:
    """False for the fail and null backends, which cannot keep anything, and for a chain of no backends."""
    backend = _backend()
    if isinstance(backend, keyring.backends.chainer.ChainerBackend):
        return bool(backend.backends)
    return not isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring)


def _normalise_totp(secret: str) -> str:
    cleaned = re.sub(r"\s+", "", secret).upper()
    if not re.fullmatch(r"[A-Z2-7]+=*", cleaned) or len(cleaned) < 16:
        raise CredentialsError(
            "the TOTP secret must be the base32 key Amazon shows when you add an "
            "authenticator app (16 or more letters A-Z and digits 2-7)"
        )
    return cleaned


def load_credentials(account: str, email: str) -> Credentials:
    """The secrets for an account from the environment or the keyring (each may be None)."""
    password, totp = _env(account, "PASSWORD"), _env(account, "TOTP_SECRET")
    if password or totp:
        return Credentials(email, password, _normalise_totp(totp) if totp else None, "environment")
    if keyring_usable():
        try:
            password = keyring.get_password(SERVICE, f"{account}/password")
            totp = keyring.get_password(SERVICE, f"{account}/totp")
        except keyring.errors.KeyringError as exc:
            raise CredentialsError(f"the keyring could not be read: {type(exc).__name__}") from None
        if password or totp:
            return Credentials(email, password, totp, "keyring")
    return Credentials(email)


def store_credentials(account: str, password: str, totp_secret: str | None) -> None:
    """Save the password (and TOTP secret) in the keyring; CredentialsError where none is usable."""
    if not keyring_usable():
        raise CredentialsError(
            f"no usable keyring here ({type(keyring.get_keyring()).__name__}); on a server set "
            f"{_env_prefix(account)}PASSWORD and {_env_prefix(account)}TOTP_SECRET instead"
        )
    try:
        keyring.set_password(SERVICE, f"{account}/password", password)
        if totp_secret:
            keyring.set_password(SERVICE, f"{account}/totp", _normalise_totp(totp_secret))
    except keyring.errors.KeyringError as exc:
        raise CredentialsError(f"the keyring refused to store the secret: {type(exc).__name__}") from None


def delete_credentials(account: str) -> bool:
    """Remove the account's secrets from the keyring; False when there were none."""
    removed = False
    _backend()  # a backend that cannot be loaded is said once, clearly
    for what in ("password", "totp"):
        try:
            keyring.delete_password(SERVICE, f"{account}/{what}")
            removed = True
        except keyring.errors.PasswordDeleteError:
            pass
    return removed
