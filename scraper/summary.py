"""Terminal output: record tables and the per-section summary of a run as the history saw it.

A section that could not be read is shown in red with the reason; it is never shown as an empty green.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scraper.findings import severity_rank
from scraper.monitor import AccountReport
from scraper.run import AccountRun
from scraper.serialize import display, to_jsonable


def records_table(records: tuple[Any, ...] | list[Any], title: str, caption: str | None = None) -> Table:
    """Records as a table, one column per field; unknown enum labels shown as "? label"."""
    rows = [to_jsonable(r) for r in records]
    table = Table(title=escape(title), caption=escape(caption) if caption else None)
    columns = list(rows[0]) if rows else []
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(escape(display(row[c])) for c in columns))
    return table


def print_records(console: Console, run: AccountRun, titles: dict[str, str]) -> None:
    """The records of each section that has some, one table per marketplace and section."""
    for outcome in run.outcomes:
        if outcome.records:
            title = f"{titles.get(outcome.section, outcome.section)} ({outcome.marketplace})"
            console.print(records_table(outcome.records, title))


def print_account_report(console: Console, report: AccountReport) -> None:
    """Per section: status, records, what changed, findings by severity; then the new findings."""
    table = Table(title=escape(f"Account {report.account}: run {report.run_id}"))
    columns = ("marketplace", "section", "status", "records", "Amazon's count", "new", "changed", "resolved")
    for column in (*columns, "findings", "note"):
        table.add_column(column, overflow="fold", no_wrap=column in {"status", "section"})
    for s in report.sections:
        read = s.status in {"ok", "empty"}
        # An incomplete read was read in part: its records and changes are shown, never as green.
        applied = read or s.status == "incomplete"
        style = "green" if read else "bold red"
        word = "read" if read else s.status.upper()
        by_severity = Counter(f.severity for f in s.findings)
        findings = " ".join(f"{by_severity[k]} {k}" for k in ("critical", "warning", "info") if by_severity[k])
        note = s.message or ""
        if s.status == "incomplete":
            last = f"last complete read {s.last_success}" if s.last_success else "never read completely"
            note = f"read in part ({last})" + (f": {s.message}" if s.message else "")
        elif not read:
            note = f"not read successfully since {s.last_success}" if s.last_success else "never read successfully"
            note += f": {s.message}" if s.message else ""
        table.add_row(
            s.marketplace,
            s.section,
            f"[{style}]{word}[/{style}]",
            str(s.records) if applied else "-",
            escape(s.count_text),
            str(s.changes["new"] + s.changes["reappeared"]) if applied else "-",
            str(s.changes["changed"]) if applied else "-",
            str(s.changes["resolved"]) if applied else "-",
            findings,
            escape(note),
        )
    console.print(table)
    new = sorted(report.new_findings, key=lambda mf: -severity_rank(mf[1].severity))
    if new:
        console.print(f"[bold]{len(new)} new finding(s):[/bold]")
        for marketplace, finding in new:
            style = {"critical": "bold red", "warning": "yellow", "info": "cyan"}[finding.severity]
            tags = f" [{', '.join(finding.tags)}]" if finding.tags else ""
            console.print(
                f"  [{style}]{finding.severity.upper():8}[/{style}] {marketplace} {finding.section}: "
                f"{escape(finding.message)}{escape(tags)}",
                highlight=False,
            )
    else:
        console.print("no new findings")
    if report.error:
        console.print(f"[bold red]{escape(report.error)}[/bold red]")
    if report.evidence:
        # On a line of its own, unwrapped, so the path can be copied from any terminal width.
        console.print(
            f"evidence of what was not read (owner-only): {escape(report.evidence)}", soft_wrap=True, highlight=False
        )
    if report.digest is not None and report.alert_sent is not None:
        console.print("alert sent" if report.alert_sent else "[bold red]alert could not be delivered[/bold red]")
