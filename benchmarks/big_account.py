"""Big account benchmark (issue 13): pages read and wall time per section, first run and the next night
(after one day of changes) with reading windows, against reading everything, at a given latency.

    .venv/bin/python benchmarks/big_account.py [--latency-ms 150] [--sections feedback,case_log,...]
        [--full-max-pages 60]

Not a timed test: it prints a table. "Full" reads each list from its first page up to --full-max-pages (the
whole 100,000 feedback entries would be 5,000 pages); its pages-per-minute give the time a whole read takes.
Findings: the nightly windowed run's findings for the window compared with a full read's (window sections
only, same day, fresh history each).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scraper.config import Account, Settings
from scraper.credentials import Credentials
from scraper.demo.big import BigAccount
from scraper.demo.server import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoOptions, DemoServer
from scraper.monitor import AccountReport, record_run
from scraper.run import RunOptions, run_account
from scraper.spec import Spec, load_spec
from scraper.store import History
from scraper.windows import WindowSettings, plan_windows, utc_today

DE = "A1PA6795UKMFR9"
CREDS = Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, "bench")
SECTIONS = ("feedback", "case_log", "notifications", "voice_of_customer")


@dataclass
class Night:
    """One run of the big account: per section pages, status and message, and the run's wall time."""

    label: str
    seconds: float
    pages: dict[str, int]
    status: dict[str, str]
    message: dict[str, str]
    findings: dict[str, set[tuple[str, str]]]


def one_run(
    spec: Spec,
    server: DemoServer,
    history: History,
    sections: Sequence[str],
    settings: Settings,
    windows: WindowSettings | None,
    label: str,
) -> Night:
    """Run the account once (windows None: no window, every page up to max_pages) and record it."""
    account = Account("big", server.base_url, DEMO_EMAIL, "de_DE", (DE,), tuple(sections))
    options = RunOptions(sections=tuple(sections), browser_args=("--no-sandbox",))
    plan = plan_windows(history, "big", windows, utc_today(), spec) if windows is not None else None
    started = time.monotonic()
    run = run_account(spec, account, settings, options, CREDS, notify=lambda m: None, windows=plan)
    seconds = time.monotonic() - started
    report: AccountReport = record_run(history, spec, run)
    by = {o.section: o for o in run.outcomes}
    return Night(
        label,
        seconds,
        {s: by[s].pages for s in sections if s in by},
        {r.section: r.status for r in report.sections},
        {r.section: r.message or "" for r in report.sections},
        {r.section: {(f.key, f.rule) for f in r.findings} for r in report.sections},
    )


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit 1 when a nightly section reads more than 15 pages or the night takes > 3 min."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--sections", default=",".join(SECTIONS))
    parser.add_argument("--full-max-pages", type=int, default=60)
    parser.add_argument("--feedback-days", type=int, default=90)
    parser.add_argument(
        "--compare-findings",
        action="store_true",
        help="also read the next night's whole window into a fresh history and compare the findings",
    )
    args = parser.parse_args(argv)
    sections = tuple(s for s in args.sections.split(",") if s)
    spec = load_spec()
    windows = WindowSettings(enabled=True, feedback_days=args.feedback_days)
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SC_WATCH_HOME"] = tmp
        # The first run reads the whole 90-day window (450 feedback pages): the page limit must allow it.
        first_settings = Settings(delay_ms=0, jitter_ms=0, timeout_ms=30000, max_pages=1000, retries=1)
        night_settings = replace(first_settings, max_pages=20)
        options = DemoOptions(big=True, latency_ms=args.latency_ms, big_day=-1)  # yesterday's account first
        nights: list[Night] = []
        with DemoServer(options) as server:
            history = History(Path(tmp) / "windowed.db")
            nights.append(one_run(spec, server, history, sections, first_settings, windows, "first run (window)"))
            if args.compare_findings:
                # The same history, read the next night without incremental stop and filter: the reference.
                history.copy_to(Path(tmp) / "whole.db")
            options.big_day = 0  # one day on: today's rows added, a few of yesterday's changed
            nights.append(one_run(spec, server, history, sections, night_settings, windows, "next night (window)"))
            if args.compare_findings:
                whole = History(Path(tmp) / "whole.db")
                nights.append(
                    one_run(spec, server, whole, sections, first_settings, replace(windows, full_every_days=0),
                            "next night, whole window")
                )
            full_history = History(Path(tmp) / "full.db")
            full_settings = replace(first_settings, max_pages=args.full_max_pages)
            nights.append(one_run(spec, server, full_history, sections, full_settings, None, "full read (no window)"))
    print(f"Big account: {BigAccount().feedback_count():,} feedback, 5,000 listings, 600 cases, 200 notifications; "
          f"latency {args.latency_ms} ms")
    head = f"{'run':24} {'wall s':>7} " + " ".join(f"{s[:14]:>14}" for s in sections)
    print(head)
    print("-" * len(head))
    for n in nights:
        cells = " ".join(f"{str(n.pages.get(s, '-')) + ' ' + n.status.get(s, '?')[:5]:>14}" for s in sections)
        print(f"{n.label:24} {n.seconds:7.1f} {cells}")
    full = next(n for n in nights if n.label.startswith("full read"))
    rate = sum(full.pages.values()) / full.seconds if full.seconds else 0
    total_pages = {"feedback": 5005, "case_log": 61, "notifications": 8, "voice_of_customer": 200}
    whole = sum(total_pages[s] for s in sections)
    print(f"\nReading every page of every list: {whole:,} pages, about {whole / rate / 60:.0f} min at "
          f"{rate:.1f} pages/s (measured on the full read's first {args.full_max_pages} pages per section).")
    print("\nNightly messages:")
    for s in sections:
        print(f"  {s}: {nights[1].status.get(s)}: {nights[1].message.get(s)}")
    night = nights[1]
    fresh_read = next((n for n in nights if n.label == "next night, whole window"), None)
    if fresh_read is not None:
        print("\nFindings of the next night: windowed (incremental, filtered) vs the whole window and list:")
        for s in sections:
            a, b = night.findings.get(s, set()), fresh_read.findings.get(s, set())
            verdict = "same" if a == b else f"differ ({len(a - b)} only windowed, {len(b - a)} only whole)"
            print(f"  {s}: {len(a)} vs {len(b)}: {verdict}")
    worst = max(night.pages.values(), default=0)
    ok = worst <= 15 and night.seconds <= 180
    print(f"\nTarget nightly <= 15 pages per section and <= 180 s: {'met' if ok else 'NOT met'} "
          f"(most pages {worst}, {night.seconds:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
