"""A run whose history write failed (disk full, I/O error): the seller is still told what was read.

The history write is one transaction, so nothing of such a run is kept; its findings cannot be told new
from old without the history, so the alert says what was read and that the next run (with space again)
compares with the last recorded state, where nothing is lost.
"""

from __future__ import annotations

from scraper.alerts import AlertSettings, Digest, send
from scraper.errors import HistoryWriteError
from scraper.monitor import AccountReport, SectionReport, history_status
from scraper.run import AccountRun
from scraper.status import READ_OK


def unrecorded_report(run: AccountRun, run_id: int, error: HistoryWriteError) -> AccountReport:
    """The account's run as read, with the write failure as its error (no changes, no findings)."""
    sections = [
        SectionReport(
            o.marketplace,
            o.section,
            history_status(o, run),
            o.message or "read; not recorded, so what is new is not known",
            len(o.records),
            notices=o.notices,
        )
        for o in run.outcomes
    ]
    why = f"this run could not be recorded: {error}; the next run compares with the last recorded one"
    return AccountReport(run.account, run_id, sections, f"{run.error}; {why}" if run.error else why)


def unrecorded_digest(report: AccountReport) -> Digest:
    """An alert that always goes out: the history failing is never silent."""
    read = [s for s in report.sections if s.status in READ_OK]
    lines = [f"HISTORY NOT WRITTEN: {report.error}", ""]
    lines.append(f"Read: {len(read)} of {len(report.sections)} place(s).")
    lines.extend(f"- {s.marketplace} {s.section}: {s.message or s.status}" for s in report.sections if s not in read)
    return Digest(
        f"Seller Central [{report.account}]: the run could not be recorded", "\n".join(lines) + "\n", "failure"
    )


def alert_unrecorded(report: AccountReport, settings: AlertSettings) -> AccountReport:
    """Send the digest of a run that could not be recorded to the account's Apprise URLs."""
    report.digest = unrecorded_digest(report)
    if settings.urls:
        report.alert_sent = send(report.digest, settings.urls)
    return report
