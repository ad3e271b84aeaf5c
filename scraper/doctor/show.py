"""The doctor's report on the terminal: per section what the page showed and fetched, what matched, what is
wrong, what is proposed (with why), what is not; then the diff. The doctor's own lines name no record values
(they can be personal data): counts, paths, selectors and JSON key names; the read's own messages quoted as
problems are those `scraper parse` prints."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scraper.doctor.model import SectionReport
from scraper.doctor.prescribe import Prescription


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n} B" if n < 1000 else f"{n / 1000:.1f} kB"


def _keys(keys: tuple[str, ...]) -> str:
    shown = ", ".join(keys[:8])
    return shown + (f", … ({len(keys)} keys)" if len(keys) > 8 else "")


def print_section(console: Console, report: SectionReport) -> None:
    """One section's diagnosis and proposals."""
    console.rule(escape(f"{report.section} ({report.origin})"))
    console.print(f"read before any change: {escape(report.status)}")
    for url in report.urls:
        console.print(f"URL shown: {escape(url)}")
    kept = "every same-origin JSON call kept" if report.other_calls_kept else "only the spec's endpoints recorded"
    calls = Table(title=escape(f"JSON calls ({len(report.calls)}; {kept})"), title_justify="left")
    for column in ("page", "role", "method", "path", "status", "size", "top-level keys"):
        calls.add_column(column, overflow="fold")
    for c in report.calls:
        calls.add_row(
            str(c.page), c.role, c.method, escape(c.path), str(c.status), _size(c.size), escape(_keys(c.keys))
        )
    console.print(calls)
    matches = Table(title="What each selector and path matched", title_justify="left")
    for column in ("place", "kind", "matched"):
        matches.add_column(column, overflow="fold")
    for m in report.matches:
        style = "" if m.ok else "red"
        matches.add_row(escape(m.place), m.what, escape(m.found), style=style)
    console.print(matches)
    for title, lines, style in (
        ("Problems", report.problems, "yellow"),
        ("Not fixed", report.unfixed, "red"),
        ("Notes", report.notes, "dim"),
    ):
        if lines:
            console.print(f"[bold]{title}:[/bold]")
            for line in lines:
                console.print(f"  [{style}]- {escape(line)}[/{style}]")
    if report.changes:
        console.print(
            "[bold]Proposed (checked by loading the patched file strictly and reading the capture again):[/bold]"
        )
        for change in report.changes:
            old = "(new)" if change.old is None else repr(change.old)
            new = "(removed)" if change.new is None else repr(change.new)
            console.print(
                f"  [green]- {escape(change.where)}: {escape(old)} -> {escape(new)}[/green]\n      {escape(change.why)}"
            )
    console.print(f"verdict: [bold]{report.verdict}[/bold]")


def print_prescription(console: Console, prescription: Prescription, diff_only: bool = False) -> None:
    """Every section, then the unified diff of selectors.yaml (or that there is none)."""
    if not diff_only:
        for report in prescription.reports:
            print_section(console, report)
        console.rule("selectors.yaml")
    if prescription.diff:
        console.print(escape(prescription.diff), highlight=False, soft_wrap=True, end="")
    elif not diff_only:
        console.print("no change to propose")
