"""Alerts through Apprise: one digest per account and run, to every URL configured for the account.

Apprise speaks to e-mail, Slack, Telegram, Matrix, ntfy, plain JSON webhooks and many more from one URL
each, which is why the tool does not talk to any of them itself. A digest is sent when there are new
findings at or above the configured severity, and always when the account could not be read (login
needed, challenge, a changed page): silence must mean "nothing new", never "could not look".

Alert texts are built only from records and statuses, which never hold secrets; URLs with tokens stay in
the configuration and are never printed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import apprise

from scraper.findings import Finding, severity_rank
from scraper.names import finding_place


@dataclass(frozen=True)
class AlertSettings:
    """Where and when to alert, per account."""

    urls: tuple[str, ...] = field(default=(), repr=False)
    """Apprise URLs; they may carry tokens or passwords, so they are kept out of repr and messages."""
    min_severity: str = "warning"
    notify_when_nothing_new: bool = False


@dataclass(frozen=True)
class Digest:
    """The text of one alert."""

    title: str
    body: str
    level: str
    """"failure", "warning" or "info" (Apprise's notification type)."""


def build_digest(
    account: str,
    new_findings: list[tuple[str, Finding]],
    problems: list[tuple[str, str, str]],
    settings: AlertSettings,
    notices: list[str] | None = None,
    incomplete: list[tuple[str, str, str]] | None = None,
    titles: Mapping[str, str] | None = None,
) -> Digest | None:
    """The digest for one account's run, or None when there is nothing to say.

    ``new_findings`` holds (marketplace, finding); ``problems`` (marketplace, section, message) for every
    section that could not be read; ``notices`` the maintenance notices of sections that were read but whose
    page no longer fully matches selectors.yaml (each listed once); ``incomplete`` (marketplace, section,
    message) for every section read only in part (cut at the page limit, or Amazon counts more than was read).
    ``titles``: section id -> title to name each finding's section by (the Account Health summary's findings
    name themselves); without it, the section ids.
    """
    notices = list(dict.fromkeys(notices or []))
    incomplete = list(incomplete or [])
    wanted = [(m, f) for m, f in new_findings if severity_rank(f.severity) >= severity_rank(settings.min_severity)]
    wanted.sort(key=lambda mf: (-severity_rank(mf[1].severity), mf[1].section))
    if not wanted and not problems and not incomplete and not notices and not settings.notify_when_nothing_new:
        return None
    lines: list[str] = []
    if problems:
        lines.append("COULD NOT READ (these places were not checked):")
        lines.extend(f"- {marketplace} {section}: {message}" for marketplace, section, message in problems)
        lines.append("")
    if incomplete:
        lines.append("INCOMPLETE (read only in part: what was not read is neither new nor resolved):")
        lines.extend(f"- {marketplace} {section}: {message}" for marketplace, section, message in incomplete)
        lines.append("")
    if wanted:
        lines.append(f"{len(wanted)} new finding(s):")
        for marketplace, finding in wanted:
            tags = f" [{', '.join(finding.tags)}]" if finding.tags else ""
            if titles is None:
                where = f" {finding.section}:"
            elif finding_place(finding.section, finding.rule, finding.detail) == "account_health":
                where = ""  # "Account Health: ..." says where itself
            else:
                where = f" {titles.get(finding.section, finding.section)}:"
            lines.append(f"- {finding.severity.upper()} {marketplace}{where} {finding.message}{tags}")
    if notices:
        if lines and lines[-1]:
            lines.append("")
        lines.append("MAINTENANCE (read, but selectors.yaml needs an update):")
        lines.extend(f"- {notice}" for notice in notices)
    if not lines:
        lines.append("Everything was read; nothing new.")
    critical = any(f.severity == "critical" for _, f in wanted)
    level = "failure" if problems or incomplete or critical else ("warning" if wanted or notices else "info")
    if problems:
        title = f"Seller Central [{account}]: could not read {len(problems)} place(s)"
        if incomplete:
            title += f", {len(incomplete)} only in part"
    elif incomplete:
        title = f"Seller Central [{account}]: {len(incomplete)} place(s) read only in part"
    elif wanted:
        title = f"Seller Central [{account}]: {len(wanted)} new finding(s)"
    elif notices:
        title = f"Seller Central [{account}]: everything read; {len(notices)} maintenance notice(s)"
    else:
        title = f"Seller Central [{account}]: nothing new"
    return Digest(title, "\n".join(lines).strip() + "\n", level)


def send(digest: Digest, urls: tuple[str, ...]) -> bool:
    """Send to every URL; True when all accepted it. Invalid URLs are skipped by Apprise with a log entry."""
    if not urls:
        return True
    notifier = apprise.Apprise()
    for url in urls:
        notifier.add(url)
    kind = {"failure": apprise.NotifyType.FAILURE, "warning": apprise.NotifyType.WARNING}.get(
        digest.level, apprise.NotifyType.INFO
    )
    return bool(notifier.notify(title=digest.title, body=digest.body, notify_type=kind))
