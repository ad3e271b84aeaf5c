"""Where the history lives: an embedded SQLite file (the default) or a PostgreSQL database (``--db`` URL).

Every dialect difference sits here, and nothing else: placeholders, the identity column, text collation,
transactions, errors, how a write is locked per account and how concurrent migrations wait for each other.
:mod:`scraper.store` writes one SQL for both. psycopg is imported only when a ``postgresql://`` URL is used,
so the single-machine path keeps its dependencies (it is the ``scale`` extra).
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import zlib
from collections.abc import Collection, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scraper.errors import HistoryError, LockedError, PathError, UsageError
from scraper.lock import lock_held, run_lock
from scraper.paths import path_problem

Row = dict[str, Any]
SCHEMES = ("postgresql://", "postgres://")
LOCK_CLASS = 0x5C57
"""The first key of every advisory lock this tool takes on PostgreSQL (the second is the account's): other
applications sharing the database keep theirs apart."""
MIGRATION_LOCK = 0
"""The second key of the lock that makes concurrent first runs migrate one after the other."""


def is_url(target: str | Path) -> bool:
    """True for a PostgreSQL URL (``postgresql://`` or ``postgres://``); anything else is a SQLite path."""
    return isinstance(target, str) and target.startswith(SCHEMES)


def redact_url(url: str) -> str:
    """The URL with its password (in the user part or a ``password=`` parameter) replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("://", 1)[0] + "://***"
    if _password(url) is None:
        return url  # nothing to hide (and urlunsplit would turn postgresql:///db into postgresql:/db)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        if ":" in user:
            user = user.split(":", 1)[0] + ":***"
        netloc = f"{user}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, "***" if k.lower() == "password" else v) for k, v in pairs], safe="/:*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _password(url: str) -> str | None:
    with suppress(ValueError):
        parts = urlsplit(url)
        if parts.password:
            return parts.password
        for key, value in parse_qsl(parts.query):
            if key.lower() == "password" and value:
                return value
    return None


class Backend:
    """One open connection, in autocommit mode: a transaction is opened with :meth:`begin` and nothing else."""

    dialect = ""
    location = ""
    """Where the history is, for messages and the report (a path, or the URL without its password)."""
    errors: tuple[type[Exception], ...] = ()
    """The database library's errors (a write that fails with one becomes HistoryWriteError)."""

    def rows(self, sql: str, params: Collection[Any] = ()) -> list[Row]:
        """All rows of a statement, as dicts by column name; SQL uses ``?`` placeholders on every dialect."""
        raise NotImplementedError

    def execute(self, sql: str, params: Collection[Any] = ()) -> None:
        """Run one statement."""
        raise NotImplementedError

    def script(self, sql: str) -> None:
        """Run several statements without parameters (the migrations)."""
        raise NotImplementedError

    def ddl(self, sql: str) -> str:
        """A migration as this dialect writes it."""
        return sql

    def begin(self) -> None:
        """Open a write transaction."""
        self.execute("BEGIN")

    @property
    def in_transaction(self) -> bool:
        """True inside a transaction (also one the database has ended with an error, waiting for ROLLBACK)."""
        raise NotImplementedError

    @contextmanager
    def migrating(self) -> Iterator[None]:
        """Around the migrations: wait for any other process migrating the same history, and keep others
        waiting (SQLite: BEGIN IMMEDIATE does it)."""
        yield

    def schema_version(self) -> int:
        """The schema version of the history (0: empty)."""
        have = self.rows("SELECT version FROM schema_version") if self._has_version_table() else []
        return int(have[0]["version"]) if have else 0

    def set_schema_version(self, version: int) -> None:
        """Inside the migration transaction: record the schema version."""
        self.script("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        self.execute("DELETE FROM schema_version")
        self.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))

    def _has_version_table(self) -> bool:
        raise NotImplementedError

    @contextmanager
    def account_locks(self, accounts: Collection[str]) -> Iterator[None]:
        """Hold the run lock of each account for the duration; LockedError (naming the holder) if another
        run holds one of them. Different accounts never wait for each other."""
        raise NotImplementedError
        yield

    def running(self, accounts: Collection[str]) -> set[str]:
        """The accounts a run holds the lock of now."""
        raise NotImplementedError

    def close(self) -> None:
        """Close the connection (and with it, on PostgreSQL, the advisory locks it held)."""
        raise NotImplementedError


class SQLiteBackend(Backend):
    """An embedded SQLite file; one writer at a time, others wait for it (busy timeout)."""

    dialect = "sqlite"
    errors = (sqlite3.Error,)
    BUSY_TIMEOUT_S = 30
    """How long a write waits while another process writes the same file (two accounts recorded at once)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                # Buyer comments and order ids live here: owner-only from the first byte (SQLite gives its
                # journal files the database's mode).
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except OSError as exc:
            raise PathError(f"cannot use the history at {path}: {path_problem(path, exc)}") from None
        self.db = sqlite3.connect(path, isolation_level=None, timeout=self.BUSY_TIMEOUT_S)
        self.db.row_factory = sqlite3.Row
        self.db.execute(f"PRAGMA busy_timeout = {self.BUSY_TIMEOUT_S * 1000}")
        self.db.execute("PRAGMA foreign_keys = ON")

    def rows(self, sql: str, params: Collection[Any] = ()) -> list[Row]:
        return [dict(row) for row in self.db.execute(sql, tuple(params))]

    def execute(self, sql: str, params: Collection[Any] = ()) -> None:
        self.db.execute(sql, tuple(params))

    def script(self, sql: str) -> None:
        # executescript would COMMIT the open transaction first: one statement at a time keeps it open.
        for statement in sql.split(";"):
            if statement.strip():
                self.db.execute(statement)

    def begin(self) -> None:
        # IMMEDIATE: take the write lock now, so a second writer waits here (busy timeout) rather than
        # failing later when a read transaction would have to become a write one.
        self.db.execute("BEGIN IMMEDIATE")

    @property
    def in_transaction(self) -> bool:
        return self.db.in_transaction

    def schema_version(self) -> int:
        # PRAGMA user_version is what histories from before the shared table carry (and what older versions
        # of the tool read to refuse a newer file): the larger of the two counts.
        legacy = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        return max(legacy, super().schema_version())

    def set_schema_version(self, version: int) -> None:
        super().set_schema_version(version)
        self.db.execute(f"PRAGMA user_version = {int(version)}")

    def _has_version_table(self) -> bool:
        return bool(self.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"))

    @contextmanager
    def account_locks(self, accounts: Collection[str]) -> Iterator[None]:
        with ExitStack() as stack:
            for account in sorted(set(accounts)):
                stack.enter_context(run_lock(self.path, account))
            yield

    def running(self, accounts: Collection[str]) -> set[str]:
        return {account for account in accounts if lock_held(self.path, account)}

    def close(self) -> None:
        self.db.close()


class PostgresBackend(Backend):
    """A PostgreSQL database (psycopg 3); per-account advisory locks on this connection's session."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        self.location = redact_url(url)
        self._secret = _password(url)
        try:
            import psycopg
            from psycopg.rows import dict_row
        except ImportError:
            raise UsageError(
                f"the history {self.location} is on PostgreSQL, which needs psycopg: "
                "pip install 'sc-watch-scraper[scale]'"
            ) from None
        self._psycopg = psycopg
        self.errors = (psycopg.Error,)
        try:
            self.db: Any = psycopg.connect(
                url,
                autocommit=True,
                row_factory=dict_row,
                connect_timeout=int(os.environ.get("SC_WATCH_DB_CONNECT_TIMEOUT", "10")),
                application_name=f"sc-watch pid {os.getpid()} on {socket.gethostname()}"[:63],
            )
        except psycopg.Error as exc:
            raise HistoryError(f"cannot connect to the history {self.location}: {self.words(exc)}") from None

    def words(self, exc: BaseException) -> str:
        """The database's own message on one line, without the password (libpq may quote the conninfo)."""
        text = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip()) or type(exc).__name__
        return text.replace(self._secret, "***") if self._secret else text

    @staticmethod
    def _sql(sql: str) -> str:
        # psycopg's placeholders are %s (and a literal % is %%); the store writes ? as SQLite does.
        return sql.replace("%", "%%").replace("?", "%s")

    def rows(self, sql: str, params: Collection[Any] = ()) -> list[Row]:
        cursor = self.db.execute(self._sql(sql), tuple(params))
        return list(cursor.fetchall()) if cursor.description else []

    def execute(self, sql: str, params: Collection[Any] = ()) -> None:
        self.db.execute(self._sql(sql), tuple(params))

    def script(self, sql: str) -> None:
        self.db.execute(sql)

    def ddl(self, sql: str) -> str:
        # An identity column in place of SQLite's rowid alias; text sorted by code point as SQLite does, so
        # that reports and exports list the same rows in the same order on both.
        sql = re.sub(r"\bid INTEGER PRIMARY KEY\b", "id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", sql)
        return re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', sql)

    @property
    def in_transaction(self) -> bool:
        return bool(self.db.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE)

    @contextmanager
    def migrating(self) -> Iterator[None]:
        # A session lock taken outside the transactions: each BEGIN after it sees the tables the other
        # process created (a lock taken inside one would leave its catalog view as it was, "already exists").
        self.execute("SELECT pg_advisory_lock(?, ?)", (LOCK_CLASS, MIGRATION_LOCK))
        try:
            yield
        finally:
            with suppress(*self.errors):
                self.execute("SELECT pg_advisory_unlock(?, ?)", (LOCK_CLASS, MIGRATION_LOCK))

    def _has_version_table(self) -> bool:
        return bool(self.rows("SELECT to_regclass('schema_version') IS NOT NULL AS there")[0]["there"])

    @staticmethod
    def account_key(account: str) -> int:
        """The second key of an account's advisory lock (never MIGRATION_LOCK)."""
        return zlib.crc32(account.encode()) % 0x7FFFFFFF + 1

    def _holder(self, account: str) -> str:
        rows = self.rows(
            "SELECT a.application_name, a.client_addr::text AS addr FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
            "AND l.classid = ?::int4::oid AND l.objid = ?::int4::oid AND l.objsubid = 2",
            (LOCK_CLASS, self.account_key(account)),
        )
        if not rows:
            return "another run"
        name, addr = rows[0]["application_name"] or "a session", rows[0]["addr"]
        return f"another run ({name}{f', from {addr}' if addr else ''})"

    @contextmanager
    def account_locks(self, accounts: Collection[str]) -> Iterator[None]:
        held: list[str] = []
        try:
            for account in sorted(set(accounts)):
                got = self.rows("SELECT pg_try_advisory_lock(?, ?) AS got", (LOCK_CLASS, self.account_key(account)))
                if not got[0]["got"]:
                    raise LockedError(
                        f"{self._holder(account)} is using {self.location} for account {account}; "
                        "try again when it has finished"
                    )
                held.append(account)
            yield
        finally:
            for account in held:
                with suppress(*self.errors):  # a lost connection has dropped them already
                    self.execute("SELECT pg_advisory_unlock(?, ?)", (LOCK_CLASS, self.account_key(account)))

    def running(self, accounts: Collection[str]) -> set[str]:
        if not accounts:
            return set()
        keys = {self.account_key(a): a for a in accounts}
        rows = self.rows(
            "SELECT l.objid::text::bigint AS key FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted "
            "AND l.classid = ?::int4::oid AND l.objsubid = 2",
            (LOCK_CLASS,),
        )
        return {keys[int(r["key"])] for r in rows if int(r["key"]) in keys}

    def close(self) -> None:
        self.db.close()


def connect(target: str | Path) -> Backend:
    """The backend for a ``--db`` value: a PostgreSQL URL, or else a SQLite path."""
    if is_url(target):
        return PostgresBackend(str(target))
    return SQLiteBackend(Path(target))
