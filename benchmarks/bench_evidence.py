"""What evidence costs a run: one account's run of all six sections on the demo site, with the Playwright
trace on (``evidence_trace: on_failure``, every section traced, the traces of read sections dropped), the
same with the trace's screencast (a filmstrip; off in the product, see scraper.evidence.TRACE_SCREENCAST),
with the trace off, and with evidence off altogether (``evidence_keep: 0``); optionally with one section
failing, so the cost of writing a folder shows too.

The modes take turns (A B C A B C ...) so a machine whose load changes meanwhile affects each alike; a
warm-up run signs in first, so every measured run reuses the saved session. Prints each run's wall time
(Chromium start to close) and CPU time (this process, the Playwright driver and Chromium; steadier than wall
time on a shared machine) and the medians per mode.

Run: .venv/bin/python benchmarks/bench_evidence.py [--runs 3] [--fault feedback] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scraper import evidence  # noqa: E402
from scraper.config import Account, Settings  # noqa: E402
from scraper.credentials import Credentials  # noqa: E402
from scraper.demo.server import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoOptions, DemoServer  # noqa: E402
from scraper.run import RunOptions, run_account  # noqa: E402
from scraper.spec import load_spec  # noqa: E402

MODES = {
    "trace on_failure": {"evidence_keep": 10, "evidence_trace": "on_failure"},
    "trace + film": {"evidence_keep": 10, "evidence_trace": "on_failure", "film": True},
    "trace off": {"evidence_keep": 10, "evidence_trace": "off"},
    "evidence off": {"evidence_keep": 0},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="measured runs per mode")
    parser.add_argument("--fault", help="a section made to fail (extra_dom_row: drift), e.g. feedback")
    parser.add_argument("--latency-ms", type=int, default=0, help="demo server delay per request")
    parser.add_argument("--delay-ms", type=int, default=0, help="settings.delay_ms (the nightly default is 1500)")
    args = parser.parse_args()
    spec = load_spec()
    faults = {args.fault: "extra_dom_row"} if args.fault else {}
    creds = Credentials(DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, "bench")
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    cpu: dict[str, list[float]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory(prefix="sc-watch-bench-") as home:
        os.environ["SC_WATCH_HOME"] = home
        with DemoServer(DemoOptions(latency_ms=args.latency_ms, faults=faults)) as server:
            account = Account("bench", server.base_url, DEMO_EMAIL, "de_DE", ("A1PA6795UKMFR9",), tuple(spec.sections))
            folder = str(Path(home) / "evidence")
            base = {"delay_ms": args.delay_ms, "jitter_ms": 0, "timeout_ms": 15000, "evidence_dir": folder}
            run_account(spec, account, Settings(**base, evidence_keep=0), RunOptions(), creds, notify=lambda m: None)
            for n in range(args.runs):
                for mode, extra in MODES.items():
                    extra = dict(extra)
                    evidence.TRACE_SCREENCAST = bool(extra.pop("film", False))
                    settings = Settings(**base, **extra)  # type: ignore[arg-type]
                    started, used = time.perf_counter(), _cpu()
                    run = run_account(spec, account, settings, RunOptions(), creds, notify=lambda m: None)
                    elapsed, spent = time.perf_counter() - started, _cpu() - used
                    times[mode].append(elapsed)
                    cpu[mode].append(spent)
                    unread = [o.section for o in run.outcomes if o.status not in {"ok", "empty"}]
                    print(
                        f"run {n + 1} {mode:17} {elapsed:6.2f} s wall {spent:6.2f} s CPU  "
                        f"not read: {', '.join(unread) or '-'}"
                    )
    print()
    for label, table in (("wall", times), ("CPU", cpu)):
        reference = statistics.median(table["evidence off"])
        for mode, values in table.items():
            median = statistics.median(values)
            print(
                f"{label:4} {mode:17} median {median:6.2f} s ({(median / reference - 1) * 100:+5.1f} %)  "
                f"runs: {', '.join(f'{v:.2f}' for v in values)}"
            )


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the Playwright driver and Chromium)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
