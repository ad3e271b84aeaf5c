"""The history: a database of runs, section statuses, records and their changes (SQLite, or PostgreSQL).

Amazon keeps no history of these pages; this is it. A section that was read (ok or empty) is compared
with its last successful read and the differences are stored; a section that could not be read changes
nothing, so its records are never marked resolved by a failed read. The schema is versioned in a
``schema_version`` table (on SQLite also ``PRAGMA user_version``) and migrated forward on open; the same
migrations run on both dialects (the few differences live in :mod:`scraper.backends`). No SQL lives
outside this module and that one: the report, the exports and the trends ask through methods.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from scraper.backends import Row, SQLiteBackend, connect, is_url
from scraper.diff import Change, diff_records
from scraper.errors import HistoryError, HistoryWriteError, NoHistoryError
from scraper.status import APPLIED, READ_OK, SectionStatus, sql_in

MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        started TEXT NOT NULL,
        finished TEXT,
        outcome TEXT
    );
    CREATE TABLE section_runs (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        account TEXT NOT NULL,
        marketplace TEXT NOT NULL,
        section TEXT NOT NULL,
        status TEXT NOT NULL,
        message TEXT,
        record_count INTEGER,
        summary TEXT,
        read_at TEXT NOT NULL,
        PRIMARY KEY (run_id, marketplace, section)
    );
    CREATE INDEX section_runs_by_section ON section_runs(account, marketplace, section, status);
    CREATE TABLE records (
        account TEXT NOT NULL,
        marketplace TEXT NOT NULL,
        section TEXT NOT NULL,
        key TEXT NOT NULL,
        data TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        first_run INTEGER NOT NULL,
        last_run INTEGER NOT NULL,
        resolved_run INTEGER,
        PRIMARY KEY (account, marketplace, section, key)
    );
    CREATE TABLE changes (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        account TEXT NOT NULL,
        marketplace TEXT NOT NULL,
        section TEXT NOT NULL,
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        fields TEXT NOT NULL,
        data TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX changes_by_record ON changes(section, key);
    CREATE TABLE findings (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        account TEXT NOT NULL,
        marketplace TEXT NOT NULL,
        section TEXT NOT NULL,
        key TEXT NOT NULL,
        rule TEXT NOT NULL,
        severity TEXT NOT NULL,
        message TEXT NOT NULL,
        tags TEXT NOT NULL,
        is_new INTEGER NOT NULL,
        PRIMARY KEY (run_id, marketplace, section, key, rule)
    );
    """,
    # 2: Amazon's own counts of each section as read in each run (issue 9), JSON: counted, verification, checks
    """
    ALTER TABLE section_runs ADD COLUMN counters TEXT;
    """,
    # 3: the numbers behind a finding (issue 9, early warnings), JSON: urgency, the rule's numbers, link
    """
    ALTER TABLE findings ADD COLUMN detail TEXT;
    """,
    # 4: reading windows (issue 13): the window each section read covered (JSON: days, since, full, pages,
    # stop), and when each record was last seen inside a window
    """
    ALTER TABLE section_runs ADD COLUMN "window" TEXT;
    ALTER TABLE records ADD COLUMN last_in_window TEXT;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
__all__ = ["APPLIED", "READ_OK", "History", "SectionState"]  # READ_OK/APPLIED live in scraper.status


def now_iso() -> str:
    """The current time in UTC, ISO 8601, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class SectionState:
    """The latest status of one section and when it was last read successfully."""

    account: str
    marketplace: str
    section: str
    status: SectionStatus
    message: str | None
    read_at: str
    last_success: str | None
    counters: str | None = None
    """Amazon's own counts as that read saw them (JSON: counted, verification, checks), where recorded."""


@dataclass(frozen=True)
class Reading:
    """A record as one read of its section saw it (rebuilt from the history's changes)."""

    run_id: int
    read_at: str
    """When the section was read (ISO 8601, UTC)."""
    data: dict[str, Any]

    @property
    def day(self) -> date:
        """The day of the read (UTC)."""
        return date.fromisoformat(self.read_at[:10])


class History:
    """One open history: a SQLite file or a PostgreSQL database (see :mod:`scraper.backends`)."""

    def __init__(self, target: str | Path, create: bool = True) -> None:
        """Open (and migrate) the history at ``target``; with ``create`` False, a PostgreSQL database without
        one is refused (reading must not create an empty history; a SQLite file is checked for beforehand)."""
        try:
            self.backend = connect(target)
        except sqlite3.Error as exc:
            raise HistoryError(f"{target} is not a usable history database: {exc}") from exc
        self.location = self.backend.location
        """Where the history is, for messages and the report (a PostgreSQL URL without its password)."""
        self.path = Path(target) if not is_url(target) else None
        self.db: Any = getattr(self.backend, "db", None)
        try:
            if not create and is_url(target) and self.backend.schema_version() == 0:
                raise NoHistoryError(f"no history at {self.location} yet; run `scraper run` first")
            self._migrate()
        except (HistoryError, NoHistoryError):
            self.backend.close()
            raise
        except self.backend.errors as exc:
            self.backend.close()
            words = exc if isinstance(self.backend, SQLiteBackend) else self._words(exc)
            raise HistoryError(f"{self.location} is not a usable history database: {words}") from exc

    def _words(self, exc: BaseException) -> str:
        words = getattr(self.backend, "words", None)
        return str(words(exc)) if words is not None else str(exc)

    def _migrate(self) -> None:
        backend = self.backend
        if backend.schema_version() == SCHEMA_VERSION:
            return
        # One transaction per step: its tables and the new version number land together or not at all. The
        # version is read again inside, where a second process migrating at the same time waits for the first.
        with backend.migrating():
            while True:
                backend.begin()
                try:
                    version = backend.schema_version()
                    if version > SCHEMA_VERSION:
                        raise HistoryError(
                            f"{self.location} has schema {version}, newer than this tool's {SCHEMA_VERSION}; upgrade"
                        )
                    if version == SCHEMA_VERSION:
                        backend.execute("COMMIT")
                        return
                    backend.script(backend.ddl(MIGRATIONS[version]))
                    backend.set_schema_version(version + 1)
                except BaseException:
                    if backend.in_transaction:
                        with suppress(*backend.errors):
                            backend.execute("ROLLBACK")
                    raise
                backend.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Statements inside are committed together or not at all."""
        backend = self.backend
        if backend.in_transaction:
            yield
            return
        with self.writing():
            backend.begin()
            try:
                yield
            except BaseException:
                # SQLite ends some failed transactions itself (SQLITE_FULL, SQLITE_IOERR): a ROLLBACK then
                # fails with "no transaction is active" and would hide the real error, which is what matters.
                if backend.in_transaction:
                    with suppress(*backend.errors):
                        backend.execute("ROLLBACK")
                raise
            backend.execute("COMMIT")

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Database errors while writing become HistoryWriteError with the database's own words (disk full,
        I/O, a lost connection)."""
        try:
            yield
        except self.backend.errors as exc:
            raise HistoryWriteError(f"could not write the history {self.location}: {self._words(exc)}") from exc

    def close(self) -> None:
        """Close the connection."""
        self.backend.close()

    def schema_version(self) -> int:
        """The schema version stored in the history."""
        return self.backend.schema_version()

    def copy_to(self, path: Path) -> None:
        """Write a consistent copy of a SQLite history to ``path`` (benchmarks compare two nights from one
        state); a PostgreSQL database is copied with the server's own tools (pg_dump)."""
        if not isinstance(self.backend, SQLiteBackend):
            raise HistoryError(f"{self.location} is on PostgreSQL: copy it with pg_dump")
        with self.writing():
            self.backend.execute("VACUUM INTO ?", (str(path),))

    # --- locks -----------------------------------------------------------------------------------------

    @contextmanager
    def account_locks(self, accounts: Collection[str]) -> Iterator[None]:
        """Hold the run lock of each account for the duration: LockedError at once (naming the holder: its
        pid on SQLite, its session on PostgreSQL) when another run holds one. Runs of different accounts
        write the same history side by side; a dead run's lock goes with its process (or its connection)."""
        with self.backend.account_locks(accounts):
            yield

    def running_accounts(self, accounts: Collection[str] | None = None) -> set[str]:
        """The accounts (of ``accounts``, else of every account in the history) a run holds the lock of now."""
        return self.backend.running(self.accounts() if accounts is None else accounts)

    # --- runs ------------------------------------------------------------------------------------------

    def _rows(self, sql: str, params: Collection[Any] = ()) -> list[Row]:
        return self.backend.rows(sql, params)

    def start_run(self, account: str) -> int:
        """Open a run record (no outcome yet); returns its id."""
        with self.writing():
            (row,) = self._rows("INSERT INTO runs(account, started) VALUES (?, ?) RETURNING id", (account, now_iso()))
        return int(row["id"])

    def finish_run(self, run_id: int, outcome: SectionStatus) -> None:
        """Close a run record with its outcome ("ok", "unreadable", "login needed", ...)."""
        with self.writing():
            self.backend.execute("UPDATE runs SET finished = ?, outcome = ? WHERE id = ?", (now_iso(), outcome, run_id))

    def settle_run(self, run_id: int, outcome: SectionStatus) -> bool:
        """Give a run that stopped early its outcome ("crashed", "interrupted", "not recorded") unless it has
        one; best effort (the history may be what failed): False when that could not be written either."""
        try:
            if self.backend.in_transaction:  # a failed write left its transaction open (PostgreSQL)
                self.backend.execute("ROLLBACK")
            self.backend.execute("UPDATE runs SET outcome = ? WHERE id = ? AND outcome IS NULL", (outcome, run_id))
        except self.backend.errors:
            return False
        return True

    def mark_interrupted(self, accounts: Collection[str] | None = None) -> list[Row]:
        """Mark every run without an outcome "interrupted" and return them (id, account, started); with
        ``accounts``, only the runs of those.

        Call only while holding the run lock of those accounts (:meth:`account_locks`): then no run of theirs
        without an outcome is still going; it was killed, or the machine stopped, before it finished. Its
        history write was one transaction, so it recorded nothing and the next run compares with the last
        complete one. Runs of other accounts may be going on in other processes: they are left alone.
        """
        names = sorted(set(accounts)) if accounts is not None else None
        where = "outcome IS NULL"
        if names is not None:
            if not names:
                return []
            where += f" AND account IN ({', '.join('?' * len(names))})"
        params = tuple(names or ())
        with self.writing():
            rows = self._rows(f"SELECT id, account, started FROM runs WHERE {where} ORDER BY id", params)
            if rows:
                self.backend.execute(f"UPDATE runs SET outcome = 'interrupted' WHERE {where}", params)
        return rows

    def accounts(self) -> list[str]:
        """Every account with a run in the history, sorted."""
        return [r["account"] for r in self._rows("SELECT DISTINCT account FROM runs ORDER BY account")]

    def latest_run(self, account: str) -> Row | None:
        """The account's latest run (id, account, started, finished, outcome), whatever its outcome."""
        rows = self._rows("SELECT * FROM runs WHERE account = ? ORDER BY id DESC LIMIT 1", (account,))
        return rows[0] if rows else None

    def last_complete_run(self, account: str) -> Row | None:
        """The account's latest run that finished."""
        rows = self._rows(
            "SELECT * FROM runs WHERE account = ? AND finished IS NOT NULL ORDER BY id DESC LIMIT 1", (account,)
        )
        return rows[0] if rows else None

    def stopped_runs(self, running: Collection[str] = ()) -> list[Row]:
        """Runs that stopped before they finished (id, started): marked interrupted, or without an outcome
        while no run of their account holds its lock (``running``: the accounts whose lock is held now)."""
        return [
            {"id": r["id"], "started": r["started"]}
            for r in self._rows(
                "SELECT id, account, started, outcome FROM runs WHERE outcome IS NULL "
                "OR outcome = 'interrupted' ORDER BY id"
            )
            if r["outcome"] == "interrupted" or r["account"] not in running
        ]

    # --- sections --------------------------------------------------------------------------------------

    def _records(self, account: str, marketplace: str, section: str, active: bool) -> dict[str, dict[str, Any]]:
        condition = "resolved_run IS NULL" if active else "resolved_run IS NOT NULL"
        rows = self._rows(
            f"SELECT key, data FROM records WHERE account = ? AND marketplace = ? AND section = ? AND {condition}",
            (account, marketplace, section),
        )
        return {row["key"]: json.loads(row["data"]) for row in rows}

    def active_records(self, account: str, marketplace: str, section: str) -> dict[str, dict[str, Any]]:
        """The records as of the section's last successful read, by key."""
        return self._records(account, marketplace, section, active=True)

    def record_section(
        self,
        run_id: int,
        account: str,
        marketplace: str,
        section: str,
        status: SectionStatus,
        message: str | None,
        records: dict[str, dict[str, Any]] | None,
        summary: Any = None,
        partial: bool = False,
        counters: Any = None,
        window: Any = None,
        resolvable: Callable[[dict[str, Any]], bool] | None = None,
    ) -> list[Change]:
        """Store one section's outcome; where it was read, diff and apply its records and return the changes.

        ``partial`` (the page limit cut the read, or Amazon counts more than it found; always so for status
        "incomplete"): records not seen are not resolved, since they were not looked at; what was seen is
        still new, changed or reappeared. ``counters``: Amazon's own counts as this read saw them. ``window``:
        the reading window this read covered (scraper/windows.py, JSON); ``resolvable``: which unseen records
        it may resolve (those inside what it covered; the others keep their state, untouched).
        """
        at = now_iso()
        partial = partial or status == SectionStatus.INCOMPLETE
        execute = self.backend.execute
        with self.transaction():
            execute(
                "INSERT INTO section_runs (run_id, account, marketplace, section, status, message, record_count, "
                'summary, read_at, counters, "window") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
                (
                    run_id,
                    account,
                    marketplace,
                    section,
                    status,
                    message,
                    len(records) if records is not None else None,
                    _dumps(summary) if summary is not None else None,
                    at,
                    _dumps(counters) if counters is not None else None,
                    _dumps(window) if window is not None else None,
                ),
            )
            if status not in APPLIED or records is None:
                return []
            changes = diff_records(
                self.active_records(account, marketplace, section),
                self._records(account, marketplace, section, active=False),
                records,
            )
            if partial:
                changes = [c for c in changes if c.kind != "resolved"]
            elif resolvable is not None:
                changes = [c for c in changes if c.kind != "resolved" or resolvable(c.data)]
            where = (account, marketplace, section)
            for change in changes:
                if change.kind == "resolved":
                    execute(
                        "UPDATE records SET resolved_run = ? WHERE account = ? AND marketplace = ? AND "
                        "section = ? AND key = ?",
                        (run_id, *where, change.key),
                    )
                elif change.kind == "new":
                    execute(
                        "INSERT INTO records (account, marketplace, section, key, data, first_seen, last_seen, "
                        "first_run, last_run, resolved_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                        (*where, change.key, _dumps(change.data), at, at, run_id, run_id),
                    )
                execute(
                    "INSERT INTO changes(run_id, account, marketplace, section, key, kind, fields, data, at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (run_id, *where, change.key, change.kind, _dumps(change.fields), _dumps(change.data), at),
                )
            for key, data in records.items():  # seen now: refresh value and last-seen, clear "resolved"
                execute(
                    "UPDATE records SET data = ?, last_seen = ?, last_run = ?, resolved_run = NULL, "
                    "last_in_window = ? WHERE account = ? AND marketplace = ? AND section = ? AND key = ?",
                    (_dumps(data), at, run_id, at, *where, key),
                )
        return changes

    def section_states(self, account: str | None = None) -> list[SectionState]:
        """The latest status of every section (per account and marketplace) with its last successful read."""
        rows = self._rows(
            f"""
            SELECT s.account, s.marketplace, s.section, s.status, s.message, s.read_at, s.counters,
                   (SELECT MAX(o.read_at) FROM section_runs o WHERE o.account = s.account
                      AND o.marketplace = s.marketplace AND o.section = s.section
                      AND o.status IN {sql_in(READ_OK)}) AS last_success
            FROM section_runs s
            WHERE s.run_id = (SELECT MAX(l.run_id) FROM section_runs l WHERE l.account = s.account
                                AND l.marketplace = s.marketplace AND l.section = s.section)
              {"AND s.account = ?" if account is not None else ""}
            ORDER BY s.account, s.marketplace, s.section
            """,
            (account,) if account is not None else (),
        )
        return [SectionState(**{**row, "status": SectionStatus(row["status"])}) for row in rows]

    def window_reads(self, account: str, marketplace: str, section: str) -> list[Row]:
        """The section's reads that applied records, newest first (run_id, status, window JSON or None,
        read_at)."""
        return self._rows(
            'SELECT run_id, status, "window", read_at FROM section_runs WHERE account = ? AND marketplace = ? AND '
            f"section = ? AND status IN ({_marks(APPLIED)}) ORDER BY run_id DESC",
            (account, marketplace, section, *APPLIED),
        )

    def applied_marketplaces(self, account: str, section: str) -> list[str]:
        """The marketplaces with a read of the section that applied records, sorted."""
        return [
            r["marketplace"]
            for r in self._rows(
                f"SELECT DISTINCT marketplace FROM section_runs WHERE account = ? AND section = ? "
                f"AND status IN ({_marks(APPLIED)}) ORDER BY marketplace",
                (account, section, *APPLIED),
            )
        ]

    def section_reads(self, account: str, section: str) -> list[Row]:
        """The section's reads that applied records, by marketplace then run (run_id, marketplace, read_at,
        counters JSON)."""
        return self._rows(
            "SELECT run_id, marketplace, read_at, counters FROM section_runs WHERE account = ? AND section = ? "
            f"AND status IN ({_marks(APPLIED)}) ORDER BY marketplace, run_id",
            (account, section, *APPLIED),
        )

    def latest_summaries(self, account: str, section: str) -> list[Row]:
        """Per marketplace: the section's latest read that applied records and had a summary (marketplace,
        section, read_at, summary JSON), by marketplace."""
        return self._rows(
            "SELECT s.marketplace, s.section, s.read_at, s.summary FROM section_runs s WHERE s.account = ? AND "
            f"s.section = ? AND s.summary IS NOT NULL AND s.status IN ({_marks(APPLIED)}) "
            "AND s.run_id = (SELECT MAX(o.run_id) FROM section_runs o WHERE o.account = s.account AND "
            "o.marketplace = s.marketplace AND o.section = s.section AND o.summary IS NOT NULL AND "
            f"o.status IN ({_marks(APPLIED)})) ORDER BY s.marketplace",
            (account, section, *APPLIED, *APPLIED),
        )

    def summary_series(self, account: str, section: str) -> list[Any]:
        """The summaries of the section's successful (status ok) reads, oldest first (decoded JSON)."""
        return [
            json.loads(r["summary"])
            for r in self._rows(
                "SELECT summary FROM section_runs WHERE account = ? AND section = ? "
                "AND summary IS NOT NULL AND status = 'ok' ORDER BY run_id, marketplace",
                (account, section),
            )
        ]

    # --- records ---------------------------------------------------------------------------------------

    def current_records(self, account: str | None = None, section: str | None = None) -> list[Row]:
        """The records not resolved (account, marketplace, section, key, first_seen, last_seen, data decoded),
        by account, marketplace, section and key; only of ``account`` and ``section`` where given."""
        where, params = _filters(("account", account), ("section", section))
        return [
            {**r, "data": json.loads(r["data"])}
            for r in self._rows(
                "SELECT account, marketplace, section, key, first_seen, last_seen, data FROM records "
                f"WHERE resolved_run IS NULL{where} ORDER BY account, marketplace, section, key",
                params,
            )
        ]

    def record_spans(self, account: str, section: str, marketplace: str | None = None) -> list[Row]:
        """Every record of the section, resolved or not (marketplace, first_run, resolved_run, data decoded),
        by marketplace and key."""
        where, params = _filters(("marketplace", marketplace))
        return [
            {**r, "data": json.loads(r["data"])}
            for r in self._rows(
                "SELECT marketplace, first_run, resolved_run, data FROM records WHERE account = ? AND section = ?"
                + where
                + " ORDER BY marketplace, key",
                (account, section, *params),
            )
        ]

    # --- findings --------------------------------------------------------------------------------------

    def store_findings(
        self, run_id: int, account: str, marketplace: str, section: str, findings: list[Any]
    ) -> list[Any]:
        """Store a section's findings for this run; returns those not present at its previous read that stored
        findings (ok, empty, or incomplete: a cut read judges what it did not see by the history's copy)."""
        previous = self._rows(
            f"""
            SELECT key, rule FROM findings WHERE account = ? AND marketplace = ? AND section = ? AND run_id = (
              SELECT MAX(run_id) FROM section_runs WHERE account = ? AND marketplace = ? AND section = ?
                AND status IN {sql_in(APPLIED)} AND run_id < ?)
            """,
            (account, marketplace, section, account, marketplace, section, run_id),
        )
        seen = {(row["key"], row["rule"]) for row in previous}
        new = []
        with self.transaction():
            for finding in findings:
                is_new = (finding.key, finding.rule) not in seen
                if is_new:
                    new.append(finding)
                detail = getattr(finding, "detail", None)
                # An upsert both dialects know: a rule that fires twice for one record keeps the last word.
                self.backend.execute(
                    "INSERT INTO findings (run_id, account, marketplace, section, key, rule, severity, "
                    "message, tags, is_new, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (run_id, marketplace, section, key, rule) DO UPDATE SET account = excluded.account, "
                    "severity = excluded.severity, message = excluded.message, tags = excluded.tags, "
                    "is_new = excluded.is_new, detail = excluded.detail",
                    (
                        run_id,
                        account,
                        marketplace,
                        section,
                        finding.key,
                        finding.rule,
                        finding.severity,
                        finding.message,
                        _dumps(list(finding.tags)),
                        int(is_new),
                        _dumps(detail) if detail else None,
                    ),
                )
        return new

    def latest_findings(self, account: str) -> list[Row]:
        """The findings of each section's latest successful read (run_id, marketplace, section, key, rule,
        severity, message, tags and detail decoded, is_new as bool), most severe first, then by section."""
        return [
            {
                **row,
                "tags": json.loads(row["tags"]),
                "is_new": bool(row["is_new"]),
                "detail": json.loads(row["detail"]) if row["detail"] else {},
            }
            for row in self._rows(
                "SELECT f.run_id, f.marketplace, f.section, f.key, f.rule, f.severity, f.message, f.tags, "
                "f.is_new, f.detail "
                f"FROM findings f JOIN ({LATEST_READS}) l ON l.account = f.account AND l.marketplace = f.marketplace "
                "AND l.section = f.section AND l.run_id = f.run_id WHERE f.account = ? "
                # The last three only make ties come out in one order on every dialect (the one SQLite
                # always gave: it reads the findings by their primary key)
                "ORDER BY CASE f.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, f.section, "
                "f.marketplace, f.key, f.rule",
                (account,),
            )
        ]

    def findings_by_run(self, section: str | None = None, latest: bool = False) -> list[Row]:
        """Every finding with its run (run_id, started, account, marketplace, section, key, rule, severity,
        message, tags decoded, is_new as bool), by run, account, section and key; with ``latest`` only those
        of each section's latest successful read; only of ``section`` where given."""
        where, params = _filters(("f.section", section))
        return [
            {**r, "tags": json.loads(r["tags"]), "is_new": bool(r["is_new"])}
            for r in self._rows(
                "SELECT f.run_id, r.started, f.account, f.marketplace, f.section, f.key, f.rule, f.severity, "
                "f.message, f.tags, f.is_new FROM findings f JOIN runs r ON r.id = f.run_id "
                f"LEFT JOIN ({LATEST_READS}) l ON l.account = f.account AND l.marketplace = f.marketplace "
                f"AND l.section = f.section AND l.run_id = f.run_id WHERE 1 = 1"
                f"{' AND l.run_id IS NOT NULL' if latest else ''}{where} "
                "ORDER BY f.run_id, f.account, f.section, f.key, f.marketplace, f.rule",  # ties: as SQLite gave
                params,
            )
        ]

    # --- reading back ----------------------------------------------------------------------------------

    def latest_changes(self, account: str) -> list[Row]:
        """The changes each section's latest successful read made (every column; fields and data as stored
        JSON), in the order they were made."""
        return self._rows(
            f"SELECT c.* FROM changes c JOIN ({LATEST_READS}) l ON l.account = c.account "
            "AND l.marketplace = c.marketplace AND l.section = c.section AND l.run_id = c.run_id "
            "WHERE c.account = ? ORDER BY c.id",
            (account,),
        )

    def record_readings(
        self, account: str, marketplace: str, section: str, keys: Collection[str] | None = None
    ) -> dict[str, list[Reading]]:
        """Per record key (only ``keys`` where given): the record as each read that applied records saw it,
        oldest first, rebuilt from the changes (a read that changed nothing saw what the one before saw).

        A record is in every read from the one that found it until the one that resolved it. An incomplete
        read resolves nothing it did not see, so a record it missed keeps its earlier values there.
        """
        where = (account, marketplace, section)
        runs = self._rows(
            f"SELECT run_id, read_at FROM section_runs WHERE account = ? AND marketplace = ? AND section = ? "
            f"AND status IN ({_marks(APPLIED)}) ORDER BY run_id",
            (*where, *APPLIED),
        )
        by_run: dict[int, list[Row]] = {}
        for row in self._rows(
            "SELECT run_id, key, kind, data FROM changes WHERE account = ? AND marketplace = ? AND section = ? "
            "ORDER BY id",
            where,
        ):
            if keys is None or row["key"] in keys:
                by_run.setdefault(row["run_id"], []).append(row)
        state: dict[str, dict[str, Any]] = {}
        out: dict[str, list[Reading]] = {}
        for run in runs:
            for change in by_run.get(run["run_id"], ()):
                if change["kind"] == "resolved":
                    state.pop(change["key"], None)
                else:
                    state[change["key"]] = json.loads(change["data"])
            for key, data in state.items():
                out.setdefault(key, []).append(Reading(run["run_id"], run["read_at"], data))
        return out

    def previous_summary(self, account: str, marketplace: str, section: str, before_run: int) -> Any:
        """The summary of the section's last read before ``before_run`` that applied records and had one."""
        rows = self._rows(
            f"SELECT summary FROM section_runs WHERE account = ? AND marketplace = ? AND section = ? "
            f"AND status IN ({_marks(APPLIED)}) AND summary IS NOT NULL AND run_id < ? "
            "ORDER BY run_id DESC LIMIT 1",
            (account, marketplace, section, *APPLIED, before_run),
        )
        return json.loads(rows[0]["summary"]) if rows else None

    def changes_for(self, section: str, key: str | None = None, account: str | None = None) -> list[Row]:
        """The change history of a section's records (or of one record), oldest first."""
        where, params = _filters(("c.key", key), ("c.account", account))
        return self._rows(
            f"SELECT c.*, r.started FROM changes c JOIN runs r ON r.id = c.run_id WHERE c.section = ?{where} "
            "ORDER BY c.id",
            (section, *params),
        )

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Row]:
        """Rows of a read-only query, ``?`` placeholders on every dialect (for tests and diagnostics; the
        tool itself asks through the methods above)."""
        return self._rows(sql, params)


LATEST_READS = """
    SELECT account, marketplace, section, MAX(run_id) AS run_id FROM section_runs
    WHERE status IN ('ok', 'empty') GROUP BY account, marketplace, section
"""
"""Per account, marketplace and section: the run of its latest successful read.

Findings and changes are shown per section as of that run, so a run that was interrupted (and recorded
nothing), or that could not read a section, never blanks out what the history last knew."""


def _marks(values: Collection[Any]) -> str:
    return ", ".join("?" * len(values))


def _filters(*pairs: tuple[str, str | None]) -> tuple[str, tuple[str, ...]]:
    """`` AND column = ?`` for each pair with a value, and the values: a filter left out is not in the SQL
    (PostgreSQL cannot type a parameter that is only compared with NULL)."""
    used = [(column, value) for column, value in pairs if value is not None]
    return "".join(f" AND {column} = ?" for column, _ in used), tuple(value for _, value in used)


@contextmanager
def open_history(target: str | Path, create: bool = True) -> Iterator[History]:
    """A history (a SQLite path or a PostgreSQL URL), closed on exit (``create``: see :class:`History`)."""
    history = History(target, create)
    try:
        yield history
    finally:
        history.close()


def last_window_reads(history: History, account: str, marketplace: str, section: str) -> list[Row]:
    """The section's reads that applied records, newest first (run_id, status, window JSON or None)."""
    return history.window_reads(account, marketplace, section)
