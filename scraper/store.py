"""The history: an embedded SQLite database of runs, section statuses, records and their changes.

Amazon keeps no history of these pages; this is it. A section that was read (ok or empty) is compared
with its last successful read and the differences are stored; a section that could not be read changes
nothing, so its records are never marked resolved by a failed read. The schema is versioned with
``PRAGMA user_version`` and migrated forward on open.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from scraper.diff import Change, diff_records
from scraper.errors import HistoryError, HistoryWriteError, PathError
from scraper.paths import path_problem

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
    ALTER TABLE section_runs ADD COLUMN window TEXT;
    ALTER TABLE records ADD COLUMN last_in_window TEXT;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
READ_OK = ("ok", "empty")
APPLIED = ("ok", "empty", "incomplete")
"""Statuses whose records go into the history: an incomplete read is applied in part (nothing it did not see
is resolved), and is never counted as a successful read."""


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
    status: str
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
    """One open history database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                # Buyer comments and order ids live here: owner-only from the first byte (SQLite gives its
                # journal files the database's mode).
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except OSError as exc:
            raise PathError(f"cannot use the history at {path}: {path_problem(path, exc)}") from None
        try:
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise HistoryError(f"{path} is not a usable history database: {exc}") from exc

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HistoryError(f"{self.path} has schema {version}, newer than this tool's {SCHEMA_VERSION}; upgrade")
        for number in range(version, SCHEMA_VERSION):
            # One script per step: its tables and the new version number land together or not at all.
            self.db.executescript(f"BEGIN; {MIGRATIONS[number]}; PRAGMA user_version = {number + 1}; COMMIT;")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Statements inside are committed together or not at all."""
        if self.db.in_transaction:
            yield self.db
            return
        with self.writing():
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                # SQLite ends some failed transactions itself (SQLITE_FULL, SQLITE_IOERR): a ROLLBACK then
                # fails with "no transaction is active" and would hide the real error, which is what matters.
                if self.db.in_transaction:
                    with suppress(sqlite3.Error):
                        self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    @contextmanager
    def writing(self) -> Iterator[None]:
        """SQLite errors while writing become HistoryWriteError with SQLite's own words (disk full, I/O)."""
        try:
            yield
        except sqlite3.Error as exc:
            raise HistoryWriteError(f"could not write the history {self.path}: {exc}") from exc

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def schema_version(self) -> int:
        """The schema version stored in the file."""
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    # --- runs ------------------------------------------------------------------------------------------

    def start_run(self, account: str) -> int:
        """Open a run record (no outcome yet); returns its id."""
        with self.writing():
            cursor = self.db.execute("INSERT INTO runs(account, started) VALUES (?, ?)", (account, now_iso()))
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, outcome: str) -> None:
        """Close a run record with its outcome ("ok", "unreadable", "login needed", ...)."""
        with self.writing():
            self.db.execute("UPDATE runs SET finished = ?, outcome = ? WHERE id = ?", (now_iso(), outcome, run_id))

    def settle_run(self, run_id: int, outcome: str) -> bool:
        """Give a run that stopped early its outcome ("crashed", "interrupted", "not recorded") unless it has
        one; best effort (the history may be what failed): False when that could not be written either."""
        try:
            self.db.execute("UPDATE runs SET outcome = ? WHERE id = ? AND outcome IS NULL", (outcome, run_id))
        except sqlite3.Error:
            return False
        return True

    def mark_interrupted(self) -> list[sqlite3.Row]:
        """Mark every run without an outcome "interrupted" and return them (id, account, started).

        Call only while holding the run lock (scraper.lock.run_lock): then no run without an outcome is
        still going; it was killed, or the machine stopped, before it finished. Its history write was one
        transaction, so it recorded nothing and the next run compares with the last complete one.
        """
        with self.writing():
            rows = list(self.db.execute("SELECT id, account, started FROM runs WHERE outcome IS NULL ORDER BY id"))
            if rows:
                self.db.execute("UPDATE runs SET outcome = 'interrupted' WHERE outcome IS NULL")
        return rows

    # --- sections --------------------------------------------------------------------------------------

    def _rows(self, account: str, marketplace: str, section: str, active: bool) -> dict[str, dict[str, Any]]:
        condition = "resolved_run IS NULL" if active else "resolved_run IS NOT NULL"
        rows = self.db.execute(
            f"SELECT key, data FROM records WHERE account = ? AND marketplace = ? AND section = ? AND {condition}",
            (account, marketplace, section),
        )
        return {row["key"]: json.loads(row["data"]) for row in rows}

    def active_records(self, account: str, marketplace: str, section: str) -> dict[str, dict[str, Any]]:
        """The records as of the section's last successful read, by key."""
        return self._rows(account, marketplace, section, active=True)

    def record_section(
        self,
        run_id: int,
        account: str,
        marketplace: str,
        section: str,
        status: str,
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
        partial = partial or status == "incomplete"
        with self.transaction():
            self.db.execute(
                "INSERT INTO section_runs (run_id, account, marketplace, section, status, message, record_count, "
                "summary, read_at, counters, window) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                self._rows(account, marketplace, section, active=False),
                records,
            )
            if partial:
                changes = [c for c in changes if c.kind != "resolved"]
            elif resolvable is not None:
                changes = [c for c in changes if c.kind != "resolved" or resolvable(c.data)]
            where = (account, marketplace, section)
            for change in changes:
                if change.kind == "resolved":
                    self.db.execute(
                        "UPDATE records SET resolved_run = ? WHERE account = ? AND marketplace = ? AND "
                        "section = ? AND key = ?",
                        (run_id, *where, change.key),
                    )
                elif change.kind == "new":
                    self.db.execute(
                        "INSERT INTO records (account, marketplace, section, key, data, first_seen, last_seen, "
                        "first_run, last_run, resolved_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                        (*where, change.key, _dumps(change.data), at, at, run_id, run_id),
                    )
                self.db.execute(
                    "INSERT INTO changes(run_id, account, marketplace, section, key, kind, fields, data, at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (run_id, *where, change.key, change.kind, _dumps(change.fields), _dumps(change.data), at),
                )
            for key, data in records.items():  # seen now: refresh value and last-seen, clear "resolved"
                self.db.execute(
                    "UPDATE records SET data = ?, last_seen = ?, last_run = ?, resolved_run = NULL, "
                    "last_in_window = ? WHERE account = ? AND marketplace = ? AND section = ? AND key = ?",
                    (_dumps(data), at, run_id, at, *where, key),
                )
        return changes

    def section_states(self, account: str | None = None) -> list[SectionState]:
        """The latest status of every section (per account and marketplace) with its last successful read."""
        rows = self.db.execute(
            """
            SELECT s.account, s.marketplace, s.section, s.status, s.message, s.read_at, s.counters,
                   (SELECT MAX(o.read_at) FROM section_runs o WHERE o.account = s.account
                      AND o.marketplace = s.marketplace AND o.section = s.section
                      AND o.status IN ('ok', 'empty')) AS last_success
            FROM section_runs s
            WHERE s.run_id = (SELECT MAX(l.run_id) FROM section_runs l WHERE l.account = s.account
                                AND l.marketplace = s.marketplace AND l.section = s.section)
              AND (? IS NULL OR s.account = ?)
            ORDER BY s.account, s.marketplace, s.section
            """,
            (account, account),
        )
        return [SectionState(**dict(row)) for row in rows]

    # --- findings --------------------------------------------------------------------------------------

    def store_findings(
        self, run_id: int, account: str, marketplace: str, section: str, findings: list[Any]
    ) -> list[Any]:
        """Store a section's findings for this run; returns those not present at its previous read that stored
        findings (ok, empty, or incomplete: a cut read judges what it did not see by the history's copy)."""
        previous = self.db.execute(
            """
            SELECT key, rule FROM findings WHERE account = ? AND marketplace = ? AND section = ? AND run_id = (
              SELECT MAX(run_id) FROM section_runs WHERE account = ? AND marketplace = ? AND section = ?
                AND status IN ('ok', 'empty', 'incomplete') AND run_id < ?)
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
                self.db.execute(
                    "INSERT OR REPLACE INTO findings (run_id, account, marketplace, section, key, rule, severity, "
                    "message, tags, is_new, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

    # --- reading back ----------------------------------------------------------------------------------

    def record_readings(
        self, account: str, marketplace: str, section: str, keys: Collection[str] | None = None
    ) -> dict[str, list[Reading]]:
        """Per record key (only ``keys`` where given): the record as each read that applied records saw it,
        oldest first, rebuilt from the changes (a read that changed nothing saw what the one before saw).

        A record is in every read from the one that found it until the one that resolved it. An incomplete
        read resolves nothing it did not see, so a record it missed keeps its earlier values there.
        """
        where = (account, marketplace, section)
        runs = self.db.execute(
            f"SELECT run_id, read_at FROM section_runs WHERE account = ? AND marketplace = ? AND section = ? "
            f"AND status IN ({', '.join('?' * len(APPLIED))}) ORDER BY run_id",
            (*where, *APPLIED),
        ).fetchall()
        by_run: dict[int, list[sqlite3.Row]] = {}
        for row in self.db.execute(
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
        rows = self.db.execute(
            f"SELECT summary FROM section_runs WHERE account = ? AND marketplace = ? AND section = ? "
            f"AND status IN ({', '.join('?' * len(APPLIED))}) AND summary IS NOT NULL AND run_id < ? "
            "ORDER BY run_id DESC LIMIT 1",
            (account, marketplace, section, *APPLIED, before_run),
        ).fetchall()
        return json.loads(rows[0]["summary"]) if rows else None

    def changes_for(self, section: str, key: str | None = None, account: str | None = None) -> list[sqlite3.Row]:
        """The change history of a section's records (or of one record), oldest first."""
        return list(
            self.db.execute(
                "SELECT c.*, r.started FROM changes c JOIN runs r ON r.id = c.run_id WHERE c.section = ? "
                "AND (? IS NULL OR c.key = ?) AND (? IS NULL OR c.account = ?) ORDER BY c.id",
                (section, key, key, account, account),
            )
        )

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Rows of a read-only query (for reports and exports)."""
        return list(self.db.execute(sql, params))


@contextmanager
def open_history(path: Path) -> Iterator[History]:
    """A history database, closed on exit."""
    history = History(path)
    try:
        yield history
    finally:
        history.close()


def last_window_reads(history: History, account: str, marketplace: str, section: str) -> list[sqlite3.Row]:
    """The section's reads that applied records, newest first (run_id, status, window JSON or None)."""
    return list(
        history.db.execute(
            f"SELECT run_id, status, window, read_at FROM section_runs WHERE account = ? AND marketplace = ? AND "
            f"section = ? AND status IN ({', '.join('?' * len(APPLIED))}) ORDER BY run_id DESC",
            (account, marketplace, section, *APPLIED),
        )
    )
