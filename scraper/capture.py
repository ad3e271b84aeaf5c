"""`scraper capture`: save a live section's rendered pages and JSON bodies as redacted fixture candidates.

This is how a maintainer whose Seller Central changed gets new material for selectors.yaml: capture,
inspect with `scraper parse`, fix the spec, copy the candidate into fixtures/ with a golden file.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Page

from scraper.paths import write_private
from scraper.redact import Redactor
from scraper.spec import SectionSpec, Spec
from scraper.walk import SectionOutcome, walk_section


def capture_section(
    page: Page,
    spec: Spec,
    section: SectionSpec,
    base_url: str,
    marketplace: str,
    locale: str,
    out_dir: Path,
    *,
    max_pages: int = 3,
    timeout_ms: int = 30000,
) -> tuple[SectionOutcome, list[Path]]:
    """Walk one section and write its pages and bodies, redacted, under ``out_dir/<section>/``."""
    outcome = walk_section(
        page, spec, section, base_url, marketplace, locale, max_pages=max_pages, timeout_ms=timeout_ms
    )
    redactor = Redactor(keep_ids=spec.marketplaces)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    written = []
    for n, html in enumerate(outcome.html_pages, start=1):
        path = out_dir / section.id / "dom" / f"capture-{n}.html"
        header = (
            f"<!-- Captured by `scraper capture {section.id}` on {stamp}, status {outcome.status}; personal "
            f"data replaced. Check it before committing it as a fixture. -->\n"
        )
        write_private(path, (header + redactor.html(html)).encode("utf-8"))
        written.append(path)
    for n, body in enumerate(outcome.api_bodies, start=1):
        path = out_dir / section.id / "api" / f"capture-{n}.json"
        write_private(path, redactor.json_body(body).encode("utf-8"))
        written.append(path)
    return outcome, written
