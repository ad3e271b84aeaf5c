"""Capture every section of the demo Seller Central into fixtures/<section>/capture/demo-<case>/.

These captures are the end-to-end fixtures: `scraper parse fixtures/<section>/capture/demo-de-typical`
replays them, and tests/test_capture_fixtures.py checks that each replays to its expected.json and to the
same records as the hand-checked API golden of the case the demo served. Run it after the demo or the
walk changed, then review the diff:

    .venv/bin/python scripts/capture_demo_fixtures.py [--case de-typical] [--section feedback ...]

The demo serves invented data only. Inline scripts and the demo's CSRF token are removed all the same,
because a fixture never carries session material.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from bs4 import BeautifulSoup

from scraper.browser import launched, new_context
from scraper.capture import load_capture, save_capture
from scraper.cli import outcome_json
from scraper.credentials import Credentials
from scraper.demo.server import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoOptions, DemoServer
from scraper.login import ensure_signed_in
from scraper.read import read_section
from scraper.redact import drop_session_material
from scraper.serialize import dumps
from scraper.spec import load_spec
from scraper.walk import collect_section

ROOT = Path(__file__).resolve().parent.parent
MARKETPLACE = "A1PA6795UKMFR9"


def scrub(path: Path) -> None:
    """Drop inline scripts and CSRF metas from a saved page (session material, never fixture content)."""
    soup = drop_session_material(BeautifulSoup(path.read_text(encoding="utf-8"), "lxml"))
    path.write_text(str(soup), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Capture the chosen sections; prints each capture's status and record count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="de-typical", help="demo data case (fixture name), default de-typical")
    parser.add_argument("--section", nargs="*", help="only these sections")
    parser.add_argument("--page-size", type=int, default=5)
    args = parser.parse_args(argv)
    spec = load_spec()
    locale = "en_US" if args.case.startswith("en") else "de_DE"
    sections = args.section or list(spec.sections)
    options = DemoOptions(default_locale=locale, page_size=args.page_size, data=dict.fromkeys(sections, args.case))
    creds = Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, "demo")
    failed = False
    with DemoServer(options) as server, launched(False) as browser:
        context = new_context(browser, None, locale)
        page = context.new_page()
        ensure_signed_in(
            page,
            spec,
            server.base_url,
            "demo",
            creds,
            MARKETPLACE,
            interactive=False,
            human_timeout_s=5,
            timeout_ms=15000,
            notify=lambda m: None,
        )
        for section_id in sections:
            section = spec.section(section_id)
            capture = collect_section(page, spec, section, server.base_url, MARKETPLACE, locale, timeout_ms=15000)
            target = ROOT / "fixtures" / section_id / "capture" / f"demo-{args.case}"
            shutil.rmtree(target, ignore_errors=True)
            note = (
                f"Captured from the bundled demo Seller Central (case {args.case}, page size {args.page_size}) by "
                "scripts/capture_demo_fixtures.py; invented data; the markup is the demo's model of the live site."
            )
            capture.requested_url = capture.requested_url.replace(server.base_url, "https://sellercentral.example")
            for captured in capture.pages:
                captured.url = captured.url.replace(server.base_url, "https://sellercentral.example")
                for exchange in captured.exchanges:
                    exchange.url = exchange.url.replace(server.base_url, "https://sellercentral.example")
            save_capture(capture, target, note=note)
            for html in target.glob("page-*.html"):
                scrub(html)
            outcome = read_section(spec, section, load_capture(target))
            (target / "expected.json").write_text(dumps(outcome_json(outcome)), encoding="utf-8")
            print(f"{section_id}: {outcome.status}, {len(outcome.records)} record(s), {outcome.pages} page(s)")
            failed = failed or outcome.status not in {"ok", "empty"}
        context.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
