"""The doctor's own walk: sign in as a run does, collect the sections keeping every JSON call of the page,
and (optionally) save the captures redacted, so that ``scraper parse`` and a later ``scraper doctor DIR``
see what the doctor saw."""

from __future__ import annotations

from pathlib import Path

from scraper import paths
from scraper.capture import SectionCapture, save_capture
from scraper.config import Account, Settings
from scraper.credentials import Credentials, load_credentials
from scraper.redact import Redactor
from scraper.run import RunOptions, account_page, save_session, sign_in_to
from scraper.spec import Spec
from scraper.text import Notify
from scraper.walk import collect_section


def walk_sections(
    spec: Spec,
    account: Account,
    settings: Settings,
    options: RunOptions,
    sections: list[str],
    marketplace: str,
    notify: Notify = print,
    max_pages: int = 3,
    credentials: Credentials | None = None,
) -> list[SectionCapture]:
    """Sign in (reusing the saved session) and collect each section with every same-origin JSON call."""
    creds = credentials or load_credentials(account.name, account.email)
    captures = []
    with account_page(account, settings, options) as (context, page):
        if sign_in_to(page, spec, account, creds, marketplace, settings, options, notify):
            save_session(context, paths.session_file(account.name))
        for section_id in sections:
            notify(f"[{account.name}/{marketplace}] collecting {section_id}")
            captures.append(
                collect_section(
                    page,
                    spec,
                    spec.section(section_id),
                    account.host,
                    marketplace,
                    account.locale,
                    via_menu=options.via_menu,
                    max_pages=max_pages,
                    timeout_ms=settings.timeout_ms,
                    all_json=True,
                )
            )
        save_session(context, paths.session_file(account.name))
    return captures


def save_all(spec: Spec, captures: list[SectionCapture], out_dir: Path) -> list[Path]:
    """Write each capture redacted under ``out_dir/<marketplace>/<section>/``; returns the directories."""
    written = []
    for capture in captures:
        directory = out_dir / capture.marketplace / capture.section
        note = f"Captured by `scraper doctor` for {capture.section}; personal data replaced. Check before committing."
        save_capture(capture, directory, Redactor(keep_ids=spec.marketplaces), note)
        written.append(directory)
    return written
