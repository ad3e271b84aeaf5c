"""Terminal output: record tables and the per-section summary of a run as the history saw it.

A section that could not be read is shown in red with the reason; it is never shown as an empty green.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scraper.early_warning import POLICY_METRICS, RATE_METRICS, metric_text
from scraper.findings import severity_rank
from scraper.monitor import AccountReport, SectionReport
from scraper.names import ACCOUNT_HEALTH, finding_place
from scraper.run import AccountRun
from scraper.serialize import display, to_jsonable
from scraper.status import APPLIED, READ_OK, SectionStatus


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


def headline_lines(summary: dict[str, Any] | None) -> list[str]:
    """The Account Health summary's headline numbers as short lines (none where the summary has none)."""
    if not summary:
        return []
    lines = []
    status, score, ahr = summary.get("account_status"), summary.get("ahr_score"), summary.get("ahr_status")
    if status is not None or score is not None or ahr is not None:
        rating = f"Account Health Rating {score}" if score is not None else "rating not sent"
        lines.append(f"account status {status or 'not sent'}, {rating}" + (f" ({ahr})" if ahr else ""))
    for prefix, name, _ in RATE_METRICS:
        if summary.get(f"{prefix}_status") is not None or summary.get(f"{prefix}_rate") is not None:
            lines.append(f"{name}: {metric_text(summary, prefix)} {summary.get(f'{prefix}_status') or ''}".rstrip())
    bad = [
        f"{name} {metric_text(summary, prefix)} ({summary.get(f'{prefix}_status')})"
        for prefix, name in POLICY_METRICS
        if summary.get(f"{prefix}_status") not in (None, "GOOD", "NONE")
    ]
    counted = [p for p, _ in POLICY_METRICS if summary.get(f"{p}_status") is not None]
    if counted:
        good = f"all {len(counted)} areas GOOD" if len(counted) > 1 else "1 area GOOD"
        lines.append("policy compliance: " + ("; ".join(bad) if bad else good))
    return lines


def _note(s: SectionReport) -> str:
    """What a person should know about a section beyond the table's numbers: Amazon's count, why it was not read."""
    read = s.status in READ_OK
    note = s.message or ""
    if s.status == SectionStatus.INCOMPLETE:
        last = f"last complete read {s.last_success}" if s.last_success else "never read completely"
        note = f"read in part ({last})" + (f": {s.message}" if s.message else "")
    elif not read:
        note = f"not read successfully since {s.last_success}" if s.last_success else "never read successfully"
        note += f": {s.message}" if s.message else ""
    count = f"Amazon's count {s.count_text}"
    return f"{count}; {note}" if note else count


def _add_row(table: Table, s: SectionReport) -> None:
    read = s.status in READ_OK
    # An incomplete read was read in part: its records and changes are shown, never as green.
    applied = read or s.status == SectionStatus.INCOMPLETE
    style = "green" if read else "bold red"
    word = "read" if read else s.status.upper()
    by_severity = Counter(f.severity for f in s.findings)
    findings = "/".join(str(by_severity[k]) for k in ("critical", "warning", "info")) if s.findings else "-"
    changes = f"+{s.changes['new'] + s.changes['reappeared']} ~{s.changes['changed']} -{s.changes['resolved']}"
    table.add_row(
        escape(s.title or s.section),
        f"[{style}]{word}[/{style}]",
        str(s.records) if applied else "-",
        changes if applied else "-",
        findings,
    )


def print_account_report(console: Console, report: AccountReport) -> None:
    """Per marketplace: each section's status, records, changes and findings in a table that fits an 80-column
    terminal (cron mail), each section's Amazon's count and note below it, the Account Health headline
    numbers; then the new findings. Marketplaces and sections by name, never by id."""
    by_marketplace: dict[str, list[Any]] = {}
    for s in report.sections:
        by_marketplace.setdefault(s.marketplace, []).append(s)
    for marketplace, sections in by_marketplace.items():
        place = sections[0].marketplace_name or marketplace
        table = Table(
            title=escape(f"Account {report.account}: run {report.run_id}, {place}"),
            box=box.SIMPLE_HEAD,
            show_edge=False,
            caption="changes: +new ~changed -resolved; findings: critical/warning/info",
        )
        for column in ("section", "status", "records", "changes", "findings"):
            table.add_column(column, overflow="fold", no_wrap=column != "section")
        for s in sections:
            _add_row(table, s)
        console.print(table)
        for s in sections:
            # Lines, not table cells, so that nothing (a message, an evidence path) is broken at 80 columns in a
            # cron mail: a long line stays one line.
            console.print(f"  {escape(s.title or s.section)}: {escape(_note(s))}", highlight=False, soft_wrap=True)
        for s in sections:
            lines = headline_lines(s.summary if s.status in APPLIED else None)
            if lines:
                read_with = escape(s.title or s.section)
                console.print(f"[bold]{ACCOUNT_HEALTH}, {escape(place)}[/bold], from {read_with}:")
                for line in lines:
                    console.print(f"  {escape(line)}", highlight=False, soft_wrap=True)
    new = sorted(report.new_findings, key=lambda mf: -severity_rank(mf[1].severity))
    if new:
        console.print(f"[bold]{len(new)} new finding(s):[/bold]")
        names = {s.marketplace: s.marketplace_name or s.marketplace for s in report.sections}
        titles = {s.section: s.title or s.section for s in report.sections}
        for marketplace, finding in new:
            style = {"critical": "bold red", "warning": "yellow", "info": "cyan"}[finding.severity]
            tags = f" [{', '.join(finding.tags)}]" if finding.tags else ""
            where = names.get(marketplace, marketplace)
            # The Account Health summary's findings say so themselves ("Account Health: ...").
            health = finding_place(finding.section, finding.rule, finding.detail) == "account_health"
            what = "" if health else f" {titles.get(finding.section, finding.section)}:"
            console.print(
                f"  [{style}]{finding.severity.upper():8}[/{style}] {escape(where)}{escape(what)} "
                f"{escape(finding.message)}{escape(tags)}",
                highlight=False,
                soft_wrap=True,
            )
    else:
        console.print("no new findings")
    if report.error:
        console.print(f"[bold red]{escape(report.error)}[/bold red]", soft_wrap=True)
    if report.evidence:
        # On a line of its own, unwrapped, so the path can be copied from any terminal width.
        console.print(
            f"evidence of what was not read (owner-only): {escape(report.evidence)}", soft_wrap=True, highlight=False
        )
    if report.digest is not None and report.alert_sent is not None:
        console.print("alert sent" if report.alert_sent else "[bold red]alert could not be delivered[/bold red]")
