"""Every error the tool raises on purpose, in one place.

The hierarchy decides what the command line does with an error (message and exit code)::

    ScraperError
    ├── FileCheckError       a YAML file of ours is malformed (file, place, line)
    │   ├── SpecError            selectors.yaml, or it does not match the record types
    │   └── ConfigError          the accounts configuration
    ├── ValueParseError      one raw value could not be turned into its declared type
    ├── UsageError           a command-line argument names something that does not exist
    │   └── UnknownSectionError  no section has this id
    ├── BrowserNotFoundError no Chromium to drive (the message says how to install one)
    ├── CredentialsError     secrets could not be stored or read (never shows a secret)
    ├── HistoryError         the history database cannot be read (not a database, damaged, a newer schema)
    │   └── HistoryWriteError    writing a run failed (disk full, I/O error): nothing of the run was kept
    ├── PathError            a file or folder named on the command line (or --db's folder) cannot be used
    ├── LockedError          another run holds the history database's lock
    ├── BrokerError          the distributed run's broker is not set or cannot be reached (scraper/distributed.py)
    ├── AuthError            signing in to Seller Central did not work
    │   ├── LoginRejectedError   Amazon rejected the e-mail, password or one-time code
    │   ├── ChallengeError       a CAPTCHA or identity check needs a person (headless, or nobody came)
    │   ├── NeedsLoginError      the saved session has expired and there is nothing to log in with
    │   └── MarketplaceError     the marketplace could not be selected or verified
    ├── RetryExhaustedError  a page load or data call still failed after its bounded retries (cause named)
    └── PageError            a page or API body could not be read as the spec says
        ├── SelectorDriftError   the markup/JSON no longer matches the spec (never "nothing found")
        ├── SignedOutError       Seller Central answered with its sign-in page: the session has expired
        ├── FieldError           one required field of one row is missing or unparsable
        ├── HttpStatusError      the section's page answered an HTTP error
        ├── TransientPageError   timeout or connection failure while reading (after the retries)
        ├── RedirectLoopError    the section's URL redirects in a loop
        ├── InterstitialError    an unknown page stood in for the section (new terms, a notice)
        └── ChallengePageError   a CAPTCHA or identity check in the middle of the walk

Outside the hierarchy, a BaseException like KeyboardInterrupt: ``TimeLimitExceeded``, an account's run that
outlived its time limit (scraper/timelimit.py), so that no ``except Exception`` on the way swallows it.

Messages carry the context a maintainer needs (file, section, source, selector, row, field, raw text)
and never a secret: raw values come from Seller Central pages, not from credentials.
"""

from __future__ import annotations


class ScraperError(Exception):
    """Base class of every error the tool raises deliberately."""


class FileCheckError(ScraperError):
    """A YAML file the tool reads is invalid; names the file, the dotted place in it and the line."""

    def __init__(self, file: str, where: str, message: str, line: int | None = None) -> None:
        self.file = file
        self.where = where
        self.line = line
        self.message = message
        location = f"{file}:{line}" if line is not None else file
        super().__init__(f"{location}: {where}: {message}" if where else f"{location}: {message}")


class SpecError(FileCheckError):
    """selectors.yaml is invalid; raised while loading, before any browser starts."""


class ConfigError(FileCheckError):
    """The accounts configuration is missing or invalid."""


class ValueParseError(ScraperError, ValueError):
    """A raw value does not parse as its declared type (for example a date in no known format)."""

    def __init__(self, kind: str, raw: object, reason: str) -> None:
        self.kind = kind
        self.raw = raw
        self.reason = reason
        super().__init__(f"cannot read {raw!r} as {kind}: {reason}")


class UsageError(ScraperError):
    """A command-line argument names something that does not exist; nothing was started (exit 2)."""


class UnknownSectionError(UsageError):
    """No section of selectors.yaml has this id."""

    def __init__(self, section: str, known: list[str]) -> None:
        self.section = section
        super().__init__(f"unknown section {section!r}; known: {', '.join(known)}")


class BrowserNotFoundError(ScraperError):
    """No Chromium to drive; the message says how to install one."""


class CredentialsError(ScraperError):
    """Credentials could not be stored or read; the message never contains a secret."""


class NoHistoryError(UsageError):
    """A command that reads the history found none there yet (it never creates one): exit 2, as when a SQLite
    history file is missing."""


class HistoryError(ScraperError):
    """The history database cannot be read: not a database, damaged, or a schema newer than this tool's
    (exit 7). Where the path itself is the problem (a missing or read-only folder) it is a PathError."""


class HistoryWriteError(HistoryError):
    """The history could not be written while a run was recorded (disk full, read-only file, I/O error).

    The run's write is one transaction, so nothing of it was kept; the message carries SQLite's own words.
    """


class PathError(ScraperError):
    """A file or folder the user named (``--out``, ``--db``, a session file) cannot be read or written."""


class LockedError(ScraperError):
    """Another run holds the lock of this history database."""


class BrokerError(ScraperError):
    """The distributed run's broker is not configured (``usage``) or cannot be reached; never shows a password."""

    def __init__(self, message: str, usage: bool = False) -> None:
        self.usage = usage
        super().__init__(message)


class TimeLimitExceeded(BaseException):
    """An account's run outlived its time limit; raised from a timer signal wherever the run is, and unwinds it
    like Ctrl-C (browser closed). A BaseException: the walk's ``except Exception`` must not take it for a page
    error and go on."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(f"the run took longer than its time limit of {seconds} s")


class AuthError(ScraperError):
    """Signing in did not work; ``account`` names the configured account (never a secret)."""

    def __init__(self, account: str, message: str) -> None:
        self.account = account
        super().__init__(f"[{account}] {message}")


class LoginRejectedError(AuthError):
    """Amazon rejected the e-mail, password or one-time code."""


class ChallengeError(AuthError):
    """A CAPTCHA or identity verification needs a person: in a headless run, or nobody answered in time."""


class NeedsLoginError(AuthError):
    """The saved session has expired and there are no credentials to log in again unattended."""


class MarketplaceError(AuthError):
    """The configured marketplace could not be selected, or the page shows another one."""


class PageError(ScraperError):
    """A page or API body could not be turned into records."""

    def __init__(self, section: str, source: str, message: str) -> None:
        self.section = section
        self.source = source
        super().__init__(f"[{section}/{source}] {message}")


class SelectorDriftError(PageError):
    """The page no longer matches the spec: zero rows without the empty-state marker, or a missing row path.

    This is the error that keeps the tool from reporting a false green.
    """

    def __init__(self, section: str, source: str, selector: str, detail: str) -> None:
        self.selector = selector
        self.detail = detail
        super().__init__(section, source, f"selector drift at {selector!r}: {detail}")


class SignedOutError(PageError):
    """The page is Amazon's sign-in form: Seller Central answers an expired session with 200 and this page."""

    def __init__(self, section: str, source: str) -> None:
        super().__init__(
            section,
            source,
            "got the Amazon sign-in page instead of the section: the session "
            "has expired; log in again with `scraper login`",
        )


class FieldError(PageError):
    """A required field of one row is missing, or a field's raw text cannot be parsed."""

    def __init__(self, section: str, source: str, row: int, field: str, raw: object, reason: str) -> None:
        self.row = row
        self.field = field
        self.raw = raw
        self.reason = reason
        super().__init__(section, source, f"row {row}, field {field!r}: {reason} (raw: {raw!r})")


class WrongMarketplaceError(PageError):
    """The page shows another marketplace than the one the tool asked for (a switch failed silently)."""

    def __init__(self, section: str, asked: str, shown: str) -> None:
        self.asked = asked
        self.shown = shown
        super().__init__(
            section,
            "page",
            f"the page shows marketplace {shown!r}, not {asked!r}: the marketplace switch did not take effect; "
            "its records would be filed under the wrong marketplace, so this marketplace was not read",
        )


class CaptureFormatError(ScraperError):
    """A capture directory (``scraper capture``) is incomplete or not in a format this version reads."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        super().__init__(f"{where}: {message}")


class HttpStatusError(PageError):
    """The section's page itself answered with an HTTP error (5xx, 429, 404): not drift, not a login problem."""

    def __init__(
        self, section: str, status: int, url: str, attempts: int = 1, retry_after_s: float | None = None
    ) -> None:
        self.status = status
        hint = {
            404: "the section's URL may have moved (selectors.yaml url)",
            429: "Seller Central is rate-limiting this account; the next run will retry",
        }.get(status, "Seller Central had a server problem; the next run will retry" if status >= 500 else "")
        tries = f", {attempts} attempts" if attempts > 1 else ""
        if retry_after_s is not None:
            hint += f" (it asked to wait {retry_after_s:.0f} s, longer than settings.backoff_max_ms)"
        super().__init__(
            section, "page", f"the page answered HTTP {status} ({url}{tries})" + (f": {hint}" if hint else "")
        )


class SiteUnavailableError(ScraperError):
    """Seller Central itself answered with a server error or a rate limit: not a login problem."""

    def __init__(self, account: str, status: int, path: str, attempts: int = 1) -> None:
        self.account = account
        self.status = status
        tries = f" ({attempts} attempts)" if attempts > 1 else ""
        super().__init__(
            f"[{account}] Seller Central answered HTTP {status} for {path}{tries}; the next run will retry"
        )


class SiteUnreachableError(ScraperError):
    """Seller Central could not be reached while signing in (refused, dropped, timed out), after retries."""

    def __init__(self, account: str, cause: str, path: str, attempts: int = 1) -> None:
        self.account = account
        self.cause = cause
        tries = f" ({attempts} attempts)" if attempts > 1 else ""
        super().__init__(f"[{account}] Seller Central could not be reached: {cause} for {path}{tries}")


class RetryExhaustedError(ScraperError):
    """A page load or data call still failed after its bounded retries (scraper.retry); callers name the place.

    ``status`` is the last HTTP status when the site answered (5xx, 429), None when it did not answer.
    """

    def __init__(
        self, cause: str, attempts: int, status: int | None = None, retry_after_s: float | None = None
    ) -> None:
        self.cause = cause
        self.attempts = attempts
        self.status = status
        self.retry_after_s = retry_after_s
        """A Retry-After the tool did not wait for (longer than backoff_max_ms)."""
        super().__init__(f"{cause} ({attempts} attempt{'s' if attempts != 1 else ''})")


class TransientPageError(PageError):
    """A page or its data call timed out or lost its connection (a cause another run may not meet)."""

    def __init__(self, section: str, source: str, what: str, cause: str, attempts: int = 1) -> None:
        self.cause = cause
        self.attempts = attempts
        tries = f" ({attempts} attempts)" if attempts > 1 else ""
        super().__init__(section, source, f"{what}: {cause}{tries}; the next run will retry")


class RedirectLoopError(PageError):
    """The section's URL redirects in a loop: neither a timeout nor drift."""

    def __init__(self, section: str, url: str) -> None:
        super().__init__(
            section,
            "page",
            f"the page {url} redirects in a loop (the browser gave up: net::ERR_TOO_MANY_REDIRECTS); open it in a "
            "browser to see where it leads, and check sections.url in selectors.yaml",
        )


class InterstitialError(PageError):
    """Seller Central showed a page that is neither the section nor sign-in (new terms, a notice to confirm)."""

    def __init__(self, section: str, path: str, title: str) -> None:
        self.path = path
        self.title = title
        super().__init__(
            section,
            "page",
            f"Seller Central showed another page instead of the section: {path} titled {title!r}, neither the "
            "section's data nor a sign-in page (a notice to confirm, such as new terms?); nothing was read: open "
            "Seller Central in a browser and see what it asks",
        )


class ChallengePageError(PageError):
    """A CAPTCHA or identity check appeared in the middle of the walk: a person must answer it."""

    def __init__(self, section: str, kind: str) -> None:
        self.kind = kind
        super().__init__(
            section,
            "page",
            f"Amazon asks for {kind} in the middle of the walk, which needs a person: run `scraper login` with a "
            "visible browser, then run again",
        )
