"""How fast the tool reads, against the physical limit: the demo site with a realistic latency per request.

Variants, side by side (each the median of ``--runs`` repetitions, every run in a new process):
- limit: a bare Playwright script that opens the same pages with the same saved session (the page that
  selects the marketplace, then each section), waits for the same ready markers and makes the same paging
  calls the tool made, with no parsing, no storage, no retries (taken from the server's log of a tool run);
- tool, saved session: ``scraper run`` of one account, session reused;
- tool, fresh sign-in: the same with the session file deleted first;
- tool, blocking off: ``settings.block_resources: false``;
- tool, trace off: ``settings.evidence_trace: off`` (the trace of every section, kept only on failure);
- tool, sections in 3 tabs: ``settings.section_tabs: 3`` (opt-in; three times the page rate);
- N accounts sequentially, with ``--parallel N`` (a Chromium per worker) and with ``--parallel N`` sharing
  one Chromium (``settings.parallel_browser: shared``).
Per row: wall time, pages (HTML documents) and requests the server answered, bytes it sent, peak PSS of the
whole process tree (Python, the Playwright driver, Chromium), and the share of the run spent reading (parse)
and storing (the history write) where it can be measured (in-process; the parallel workers' reading is not).
Every tool variant must leave the same records in its history; the script checks that and prints the
targets of issue 12 as met or not.

Run: .venv/bin/python benchmarks/bench_speed.py [--runs 3] [--latency-ms 150] [--accounts 4]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scraper.demo import server as demo_server  # noqa: E402
from scraper.demo.server import DEMO_EMAIL, DEMO_PASSWORD, DEMO_TOTP_SECRET, DemoOptions, DemoServer  # noqa: E402

DE = "A1PA6795UKMFR9"
SECTIONS = (
    "notifications",
    "voice_of_customer",
    "case_log",
    "regulatory_compliance",
    "compliance_requests",
    "feedback",
)
# Realistic sizes within what the demo can grow (voice of the customer keeps its fixture's rows):
# feedback 3 pages of 20, notifications 2 pages of 20, the others one page each.
PAGE_SIZE = 20
ROWS = {"feedback": 60, "notifications": 40}


# --- what the server saw ---------------------------------------------------------------------------------


@dataclass
class Traffic:
    """Requests the demo answered while a variant ran."""

    requests: int = 0
    pages: int = 0
    bytes: int = 0
    log: list[tuple[str, str, bytes, str]] = field(default_factory=list)
    """(method, path, request body, content type) in order."""


class Counter:
    """Counts the demo's responses (patched into its handler; the product's code is not touched)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.current = Traffic()
        self.local = threading.local()

    def install(self) -> None:
        handler = demo_server._Handler
        original_handle, original_header = handler._handle, handler.send_header
        request_class = demo_server._Request
        counter = self

        def handle(this: Any, method: str) -> None:
            counter.local.entry = [method, this.path, b"", ""]
            original_handle(this, method)
            method_, path, body, ctype = counter.local.entry
            with counter.lock:
                counter.current.requests += 1
                counter.current.pages += ctype.startswith("text/html")
                counter.current.log.append((method_, path, body, ctype))

        def send_header(this: Any, name: str, value: str) -> None:
            if name == "Content-Length":
                with counter.lock:
                    counter.current.bytes += int(value)
            elif name == "Content-Type":
                counter.local.entry[3] = value
            original_header(this, name, value)

        class Recording(request_class):  # type: ignore[misc,valid-type]
            def __init__(self, demo: Any, method: str, raw_path: str, cookie: Any, host: Any, body: bytes) -> None:
                counter.local.entry[2] = body
                super().__init__(demo, method, raw_path, cookie, host, body)

        handler._handle = handle  # type: ignore[method-assign]
        handler.send_header = send_header  # type: ignore[method-assign]
        demo_server._Request = Recording  # type: ignore[misc]

    def take(self) -> Traffic:
        with self.lock:
            taken, self.current = self.current, Traffic()
        return taken


# --- memory of a process tree ------------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def tree_pss_kib(root: int) -> int:
    """PSS (RSS where smaps_rollup is missing) of ``root`` and every descendant, in KiB."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(tree.get(pid, []))
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
            key = "Pss:"
        except OSError:
            try:
                text, key = Path(f"/proc/{pid}/status").read_text(), "VmRSS:"
            except OSError:
                continue
        for line in text.splitlines():
            if line.startswith(key):
                total += int(line.split()[1])
                break
    return total


class PeakSampler:
    """Samples a process tree's memory every 100 ms; ``peak`` in MiB."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, tree_pss_kib(self.pid) / 1024)
            self.stop.wait(0.1)

    def close(self) -> float:
        self.stop.set()
        self.thread.join()
        return self.peak


# --- the child processes -----------------------------------------------------------------------------------


def child_tool(timing_path: str, argv: list[str]) -> int:
    """In the child: run ``scraper`` with reading and storing timed (parse and history write)."""
    from scraper import cli, run

    spent = {"read": 0.0, "store": 0.0}

    def timed(kind: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[kind] += time.perf_counter() - started

        return wrapper

    run.read_section = timed("read", run.read_section)  # type: ignore[assignment]
    cli.record_run = timed("store", cli.record_run)  # type: ignore[assignment]
    code = cli.main(argv)
    Path(timing_path).write_text(json.dumps(spent))
    return code


def child_limit(plan_path: str) -> int:
    """In the child: the bare Playwright walk of the plan (section pages, ready markers, paging calls)."""
    from playwright.sync_api import sync_playwright

    plan = json.loads(Path(plan_path).read_text())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--disable-quic", "--disable-gpu"]
        )
        context = browser.new_context(storage_state=plan["session"], locale="de-DE")
        page = context.new_page()
        for step in plan["steps"]:
            page.goto(step["url"])
            page.locator(step["ready"]).first.wait_for(state="attached", timeout=15000)
            for call in step["calls"]:
                page.evaluate(
                    "async ([m, u, b]) => { const r = await fetch(u, {method: m, body: b || undefined, "
                    "headers: b ? {'Content-Type': 'application/json'} : {}}); await r.text(); }",
                    call,
                )
        browser.close()
    return 0


def child_hold(plan_path: str, contexts: int) -> int:
    """In the child: ``contexts`` signed-in contexts of one browser, each on a section page; then hold
    (prints "ready", waits for stdin to close) so the parent can weigh the process tree."""
    from playwright.sync_api import sync_playwright

    plan = json.loads(Path(plan_path).read_text())
    step = plan["steps"][-1]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--disable-quic", "--disable-gpu"]
        )
        for _ in range(contexts):
            page = browser.new_context(storage_state=plan["session"], locale="de-DE").new_page()
            page.goto(step["url"])
            page.locator(step["ready"]).first.wait_for(state="attached", timeout=15000)
        print("ready", flush=True)
        sys.stdin.read()
        browser.close()
    return 0


def weigh(groups: list[int], plan_path: Path, env: dict[str, str]) -> float:
    """Peak PSS (MiB) of holders started at once, one process per entry of ``groups`` (its context count)."""
    holders = [
        subprocess.Popen(
            [sys.executable, __file__, "--child-hold", str(plan_path), str(n)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in groups
    ]
    try:
        for holder in holders:
            said = holder.stdout.readline().strip() if holder.stdout is not None else ""
            if said != "ready":
                raise RuntimeError(f"a holder did not get ready (said {said!r})")
        peak = 0.0
        for _ in range(10):
            peak = max(peak, sum(tree_pss_kib(h.pid) for h in holders) / 1024)
            time.sleep(0.2)
        return peak
    finally:
        for holder in holders:
            assert holder.stdin is not None
            holder.stdin.close()
            holder.wait()


# --- the parent ---------------------------------------------------------------------------------------------


@dataclass
class Sample:
    wall: float
    traffic: Traffic
    peak_mib: float
    read_s: float | None
    store_s: float | None
    code: int


def launch(counter: Counter, argv: list[str], env: dict[str, str], timing: Path | None) -> Sample:
    counter.take()
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, __file__, *argv], env=env, stdout=subprocess.DEVNULL)
    sampler = PeakSampler(process.pid)
    code = process.wait()
    wall = time.perf_counter() - started
    peak = sampler.close()
    spent = json.loads(timing.read_text()) if timing is not None and timing.exists() else {}
    return Sample(wall, counter.take(), peak, spent.get("read"), spent.get("store"), code)


def write_config(path: Path, server: DemoServer, names: list[str], settings: dict[str, Any]) -> None:
    base = {"delay_ms": 0, "jitter_ms": 0, "timeout_ms": 15000, **settings}
    lines = ["settings: " + json.dumps(base), "accounts:"]
    for name in names:
        lines += [
            f"  {name}:",
            f"    host: {server.base_url}",
            f"    email: {DEMO_EMAIL}",
            f"    marketplaces: [{DE}]",
            f"    sections: [{', '.join(SECTIONS)}]",
        ]
    path.write_text("\n".join(lines) + "\n")


def records_of(db: Path) -> dict[str, set[tuple[str, str, str]]]:
    """Account -> (section, key, data) of its active records."""
    connection = sqlite3.connect(db)
    try:
        rows = connection.execute("SELECT account, section, key, data FROM records").fetchall()
    finally:
        connection.close()
    found: dict[str, set[tuple[str, str, str]]] = {}
    for account, section, key, data in rows:
        found.setdefault(account, set()).add((section, key, data))
    return found


def plan_from(log: list[tuple[str, str, bytes, str]], base_url: str, session: Path) -> dict[str, Any]:
    """The bare walk's steps from a tool run's log: each section page, then the calls after its own."""
    from scraper.spec import load_spec

    spec = load_spec()
    steps: list[dict[str, Any]] = []
    by_path = {spec.section(s).url.split("?")[0]: s for s in SECTIONS}
    for method, path, body, ctype in log:
        route = path.split("?")[0]
        if ctype.startswith("text/html") and route in by_path:
            section = spec.section(by_path[route])
            steps.append({"url": base_url + path, "ready": section.ready, "calls": [], "seen": []})
        elif ctype.startswith("text/html") and route == "/home":
            # The marketplace is chosen on this page before the sections are read: any reader must open it.
            steps.append({"url": base_url + path, "ready": "body", "calls": [], "seen": []})
        elif steps and ctype.startswith("application/json"):
            steps[-1]["seen"].append([method, base_url + path, body.decode("utf-8", "replace")])
    return {"session": str(session), "steps": steps}


def finish_plan(plan: dict[str, Any], own: list[tuple[str, str, bytes, str]], base_url: str) -> None:
    """Keep as extra calls only those the page did not make by itself on the bare walk."""
    made = [[m, base_url + p, b.decode("utf-8", "replace")] for m, p, b, c in own if c.startswith("application/json")]
    for step in plan["steps"]:
        for call in step.pop("seen"):
            if call in made:
                made.remove(call)
            else:
                step["calls"].append(call)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions per variant (median)")
    parser.add_argument("--latency-ms", type=int, default=150, help="demo server delay per request")
    parser.add_argument("--accounts", type=int, default=4, help="N for the sequential and parallel rows")
    parser.add_argument("--leak", type=int, metavar="N", help="only the leak check: N accounts walked in turn")
    parser.add_argument(
        "--accounts-only", action="store_true", help="only the N-account rows (sequential, parallel, shared)"
    )
    args = parser.parse_args()
    if args.leak:
        leak_check(args)
        return

    counter = Counter()
    counter.install()
    options = DemoOptions(latency_ms=args.latency_ms, page_size=PAGE_SIZE, rows=dict(ROWS))
    home = Path(tempfile.mkdtemp(prefix="sc-watch-bench-speed-"))
    env = {
        **os.environ,
        "SC_WATCH_HOME": str(home),
        "SC_WATCH_PASSWORD": DEMO_PASSWORD,
        "SC_WATCH_TOTP_SECRET": DEMO_TOTP_SECRET,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    names = [f"shop-{i + 1}" for i in range(args.accounts)]
    rows: dict[str, list[Sample]] = {}
    memory: dict[str, list[float]] = {}
    reference: set[tuple[str, str, str]] | None = None
    mismatched: list[str] = []
    try:
        with DemoServer(options) as server:

            def tool(label: str, accounts: list[str], settings: dict[str, Any], extra: list[str], fresh: bool) -> None:
                nonlocal reference
                config = home / f"{label}.yaml"
                write_config(config, server, accounts, settings)
                db = home / f"{label}.sqlite3"
                if db.exists():
                    db.unlink()
                if fresh:
                    for name in accounts:
                        (home / "state" / "sessions" / f"{name}.json").unlink(missing_ok=True)
                timing = home / f"{label}.timing.json"
                argv = ["--child-tool", str(timing), "--config", str(config), "run", "--db", str(db), *extra]
                sample = launch(counter, argv, env, timing)
                rows.setdefault(label, []).append(sample)
                found = records_of(db)
                for name in accounts:
                    mine = found.get(name, set())
                    if reference is None:
                        reference = mine
                    elif mine != reference and label not in mismatched:
                        mismatched.append(label)
                if sample.code not in (0, 1):
                    mismatched.append(f"{label} (exit {sample.code})")

            # warm-up: every account signs in once; the first account's log gives the bare walk its plan
            tool("warm-up", names, {}, ["--all"], True)
            tool("plan", names[:1], {}, [], False)
            plan = plan_from(rows["plan"][-1].traffic.log, server.base_url, home / "state" / "sessions" / "shop-1.json")
            plan_path = home / "plan.json"
            plan_path.write_text(json.dumps(plan))
            own = launch(counter, ["--child-limit", str(plan_path)], env, None)
            finish_plan(plan, own.traffic.log, server.base_url)
            plan_path.write_text(json.dumps(plan))
            del rows["warm-up"], rows["plan"]

            n = args.accounts
            for _ in range(args.runs):
                if args.accounts_only:
                    accounts_rows(tool, names)
                    continue
                memory.setdefault(f"{n} workers, one browser each", []).append(weigh([1] * n, plan_path, env))
                memory.setdefault(f"1 browser shared by {n} contexts", []).append(weigh([n], plan_path, env))
                memory.setdefault("1 browser, 1 context", []).append(weigh([1], plan_path, env))
                rows.setdefault("limit (bare Playwright)", []).append(
                    launch(counter, ["--child-limit", str(plan_path)], env, None)
                )
                tool("tool, saved session", names[:1], {}, [], False)
                tool("tool, fresh sign-in", names[:1], {}, [], True)
                tool("tool, blocking off", names[:1], {"block_resources": False}, [], False)
                tool("tool, trace off", names[:1], {"evidence_trace": "off"}, [], False)
                tool("tool, sections in 3 tabs", names[:1], {"section_tabs": 3}, [], False)
                accounts_rows(tool, names)
    finally:
        shutil.rmtree(home, ignore_errors=True)

    print_table(args, rows, mismatched)
    if not memory:
        return
    print()
    print("Memory with every context signed in and on the feedback page (bare Playwright, peak PSS):")
    print()
    print("| layout | peak PSS MiB | per context beyond the first | runs |")
    print("|---|---:|---:|---|")
    single = statistics.median(memory["1 browser, 1 context"])
    for label, values in memory.items():
        median = statistics.median(values)
        extra = "-" if label.startswith("1 browser, 1") else f"{(median - single) / (args.accounts - 1):.0f}"
        print(f"| {label} | {median:.0f} | {extra} | {', '.join(f'{v:.0f}' for v in values)} |")


def accounts_rows(tool: Callable[[str, list[str], dict[str, Any], list[str], bool], None], names: list[str]) -> None:
    """The N-account rows: in turn, in parallel with a Chromium each, in parallel sharing one."""
    n = str(len(names))
    tool(f"{n} accounts sequential", names, {}, ["--all"], False)
    tool(f"{n} accounts --parallel {n}", names, {}, ["--all", "--parallel", n], False)
    tool(f"{n} accounts --parallel {n}, shared browser", names, SHARED, ["--all", "--parallel", n], False)


SHARED = {"parallel_browser": "shared"}


def _own_pss_kib(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:")), 0)


def leak_check(args: argparse.Namespace) -> None:
    """N accounts walked in turn by one ``scraper run --all``: the process tree's peak and the tool
    process's own memory over the run (a leak would make both grow with every account)."""
    options = DemoOptions(latency_ms=args.latency_ms, page_size=PAGE_SIZE, rows=dict(ROWS))
    home = Path(tempfile.mkdtemp(prefix="sc-watch-bench-leak-"))
    env = {
        **os.environ,
        "SC_WATCH_HOME": str(home),
        "SC_WATCH_PASSWORD": DEMO_PASSWORD,
        "SC_WATCH_TOTP_SECRET": DEMO_TOTP_SECRET,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    names = [f"shop-{i + 1}" for i in range(args.leak)]
    try:
        with DemoServer(options) as server:
            write_config(home / "config.yaml", server, names, {"evidence_trace": "off"})
            argv = ["--config", str(home / "config.yaml"), "run", "--all", "--db", str(home / "h.sqlite3")]
            started = time.perf_counter()
            process = subprocess.Popen([sys.executable, "-m", "scraper", *argv], env=env, stdout=subprocess.DEVNULL)
            own: list[tuple[float, float]] = []
            tree: list[tuple[float, float]] = []
            while process.poll() is None:
                now = time.perf_counter() - started
                own.append((now, _own_pss_kib(process.pid) / 1024))
                tree.append((now, tree_pss_kib(process.pid) / 1024))
                time.sleep(0.2)
            wall = time.perf_counter() - started
            records = records_of(home / "h.sqlite3")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(f"leak check: {args.leak} accounts in turn, {wall:.1f} s, exit {process.returncode}")
    print()
    print("| part of the run | tool process PSS MiB (max) | process tree PSS MiB (max) |")
    print("|---|---:|---:|")
    for label, low, high in (("first tenth", 0.0, 0.1), ("middle", 0.45, 0.55), ("last tenth", 0.9, 1.0)):
        mine = [v for t, v in own if low * wall <= t <= high * wall] or [0.0]
        whole = [v for t, v in tree if low * wall <= t <= high * wall] or [0.0]
        print(f"| {label} | {max(mine):.0f} | {max(whole):.0f} |")
    same = len({frozenset(v) for v in records.values()}) == 1 and len(records) == args.leak
    print()
    print(f"- every account the same records: {'yes' if same else 'no'}")


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def print_table(args: argparse.Namespace, rows: dict[str, list[Sample]], mismatched: list[str]) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"bench_speed {stamp}; {platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"latency {args.latency_ms} ms/request; page size {PAGE_SIZE}, rows {ROWS}; median of {args.runs}"
    )
    print()
    print("| variant | wall s | pages | requests | KiB sent | peak PSS MiB | read+store | runs (s) |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    medians: dict[str, float] = {}
    peaks: dict[str, float] = {}
    shares: dict[str, float] = {}
    for label, samples in rows.items():
        wall = statistics.median(s.wall for s in samples)
        medians[label], peaks[label] = wall, statistics.median(s.peak_mib for s in samples)
        spent = _median([(s.read_s or 0) + (s.store_s or 0) if s.read_s is not None else None for s in samples])
        share = "-" if spent is None else f"{spent / wall * 100:.1f} %"
        if spent is not None and not any(s.read_s for s in samples):
            share += " (store only)"  # the workers' reading is in other processes
        if spent is not None:
            shares[label] = spent / wall
        middle = samples[len(samples) // 2]
        print(
            f"| {label} | {wall:.2f} | {middle.traffic.pages} | {middle.traffic.requests} | "
            f"{middle.traffic.bytes / 1024:.0f} | {peaks[label]:.0f} | {share} | "
            f"{', '.join(f'{s.wall:.2f}' for s in samples)} |"
        )
    print()
    n = args.accounts
    sequential = medians[f"{n} accounts sequential"]
    targets: list[tuple[str, bool]] = []
    if "tool, saved session" in medians:
        limit, saved = medians["limit (bare Playwright)"], medians["tool, saved session"]
        targets += [
            (f"one account <= 1.1x the limit: {saved / limit:.2f}x", saved <= 1.1 * limit),
            (
                f"reading and storing <= 5 % of wall time: {shares.get('tool, saved session', 0) * 100:.1f} %",
                shares.get("tool, saved session", 1) <= 0.05,
            ),
        ]
    # One account's peak: the saved-session row, else the sequential row (one account at a time).
    one = peaks.get("tool, saved session", peaks[f"{n} accounts sequential"])
    for suffix in ("", ", shared browser"):
        label = f"{n} accounts --parallel {n}{suffix}"
        parallel, per_extra = medians[label], (peaks[label] - one) / max(1, n - 1)
        targets += [
            (f"{label} >= 2.5x faster than sequential: {sequential / parallel:.2f}x", sequential / parallel >= 2.5),
            (f"{label}: peak memory <= 350 MB per account beyond the first: {per_extra:.0f} MiB", per_extra <= 350),
        ]
    targets.append((f"every variant the same records: {', '.join(mismatched) or 'yes'}", not mismatched))
    for text, met in targets:
        print(f"- {'met    ' if met else 'NOT met'}  {text}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child-tool":
        sys.exit(child_tool(sys.argv[2], sys.argv[3:]))
    if len(sys.argv) > 3 and sys.argv[1] == "--child-hold":
        sys.exit(child_hold(sys.argv[2], int(sys.argv[3])))
    if len(sys.argv) > 2 and sys.argv[1] == "--child-limit":
        sys.exit(child_limit(sys.argv[2]))
    main()
