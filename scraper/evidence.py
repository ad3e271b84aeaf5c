"""Evidence of every section that could not be read: what the browser showed when it failed.

A section that ends in drift, an error, a wrong marketplace or a lost session gets a folder with what a
person needs to see why, without running anything again::

    <state>/evidence/<account>/<run stamp>/<marketplace>/<section>/
        evidence.json        account, marketplace, section, status, message, URL, time, files, notes
        screenshot.png       the whole page at the moment the section failed
        at-failure.html      the page's HTML at that moment
        capture.json         the capture as the walk collected it (`scraper parse FOLDER` replays it)
        page-N.html          every page the walk saved, as rendered
        page-N.rows-M.json   every JSON body of the section's endpoints the page received
        trace.zip            a Playwright trace of the section's walk (`playwright show-trace trace.zip`)

A sign-in that fails (site unreachable, CAPTCHA, login needed) stops the whole account: its folder is
``<marketplace>/sign-in/`` with the screenshot and the HTML of the page at that moment, and no trace.

What it holds, and who may read it: the pages and JSON are kept as they were (not redacted), because they
are for the seller's own diagnosis; they hold buyer data, and the trace holds the session's cookies in its
request headers. So every folder is 0700 and every file 0600, whatever the umask; the evidence folders
are the documented exception to "no cookie is ever written outside the session file". The password and
the TOTP secret never reach them: sign-in is never traced, and before each section's trace starts the
page is left for ``about:blank`` so a trace cannot snapshot a form the tool filled in earlier. Page HTML
is serialised from the DOM, which does not hold what was typed into a field.

Nothing is created until something was not read. Each account keeps the folders of its last
``settings.evidence_keep`` runs that left evidence (the current one always stays); 0 turns evidence
off. Saving evidence never fails a run: a screenshot or trace that cannot be taken is noted in
``evidence.json``, a folder that cannot be written is said in the section's message.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from scraper import paths
from scraper.capture import save_capture
from scraper.status import READ_OK, SectionStatus

if TYPE_CHECKING:
    from scraper.config import Settings
    from scraper.read import SectionOutcome

TraceMode = Literal["on_failure", "off"]
TRACE_MODES: tuple[TraceMode, ...] = ("on_failure", "off")

DEFAULT_KEEP = 10
"""Runs with evidence an account keeps by default."""

SIGN_IN = "sign-in"
"""The folder name for a sign-in that failed (no section is called that)."""

SCREENSHOT_TIMEOUT_MS = 10_000
HTML_TIMEOUT_MS = 5_000
"""Upper bounds, so a page that no longer answers cannot hang the run while its evidence is taken."""

TRACE_SCREENCAST = False
"""Record the trace's screencast (a filmstrip of the walk) besides the DOM snapshots. Off: it doubled the
trace's cost (benchmarks/bench_evidence.py), and the full-page screenshot already shows the failure."""

_STAMP = re.compile(r"(?P<base>\d{8}T\d{6}Z)(?:-(?P<n>\d{1,6}))?")


def evidence_root(settings: Settings) -> Path:
    """Where evidence folders go: ``settings.evidence_dir``, else the state folder's ``evidence/``."""
    return Path(settings.evidence_dir).expanduser() if settings.evidence_dir else paths.state_dir() / "evidence"


def private_dir(path: Path) -> Path:
    """Create ``path`` and its missing parents, each new folder 0700 whatever the umask; return it.

    ``Path.mkdir(parents=True, mode=...)`` gives the mode to the last folder only, and the umask may take
    bits from it; a chmod after each mkdir does not depend on either.
    """
    missing = []
    here = path
    while not here.exists():
        missing.append(here)
        here = here.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another process: still chmod it
            folder.mkdir(mode=0o700)
        os.chmod(folder, 0o700)
    if not missing:
        os.chmod(path, 0o700)
    return path


def _order(name: str) -> tuple[str, int] | None:
    match = _STAMP.fullmatch(name)
    if match is None:
        return None
    return match["base"], int(match["n"] or 1)


def run_folders(account_dir: Path) -> list[Path]:
    """The run folders of one account, oldest first; anything not named like a run stamp is not one."""
    if not account_dir.is_dir():
        return []
    found = [(order, p) for p in account_dir.iterdir() if (order := _order(p.name)) is not None]
    return [p for _, p in sorted(found) if p.is_dir() and not p.is_symlink()]


def prune(account_dir: Path, keep: int, current: Path | None = None) -> list[Path]:
    """Delete all but the newest ``keep`` run folders (``current`` always stays); returns what was deleted."""
    folders = [p for p in run_folders(account_dir) if current is None or p != current]
    room = max(keep - (1 if current is not None else 0), 0)
    doomed = folders[: len(folders) - room] if room < len(folders) else []
    for folder in doomed:
        shutil.rmtree(folder, ignore_errors=True)
    return doomed


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class Evidence:
    """The evidence of one account's run: traces each section, keeps what was not read.

    Created once per account run around its browser page; writes nothing until :meth:`end_section` or
    :meth:`sign_in_failed` meets something that was not read.
    """

    def __init__(self, settings: Settings, account: str, context: BrowserContext, page: Page) -> None:
        self.account = account
        self.keep = settings.evidence_keep
        self.trace = settings.evidence_trace == "on_failure" and self.keep > 0
        self.timeout_ms = settings.timeout_ms
        self.context = context
        self.page = page
        self.account_dir = evidence_root(settings) / account
        self.run_dir: Path | None = None
        """The run's folder, once something was saved."""
        self._tracing: Literal["off", "idle", "recording"] = "off"
        self._trace_problem: str | None = None

    @property
    def enabled(self) -> bool:
        """False with ``evidence_keep: 0``."""
        return self.keep > 0

    # --- the run folder ---------------------------------------------------------------------------------

    def _run_folder(self) -> Path:
        if self.run_dir is None:
            root = private_dir(self.account_dir)
            base = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            for n in range(1, 1000):
                candidate = root / (base if n == 1 else f"{base}-{n}")
                try:
                    candidate.mkdir(mode=0o700)
                except FileExistsError:
                    continue  # a run that started in the same second
                os.chmod(candidate, 0o700)
                self.run_dir = candidate
                break
            else:
                raise FileExistsError(f"no free run folder under {root} for {base}")
            prune(self.account_dir, self.keep, self.run_dir)
        return self.run_dir

    def _folder(self, marketplace: str, name: str) -> Path:
        folder = self._run_folder() / marketplace / name
        if folder.exists():
            shutil.rmtree(folder)  # an earlier attempt of the same section in this run: the last one counts
        return private_dir(folder)

    def _discard(self, marketplace: str, name: str) -> None:
        """Remove what an earlier attempt at this section left (it was read now), and folders left empty."""
        if self.run_dir is None:
            return
        shutil.rmtree(self.run_dir / marketplace / name, ignore_errors=True)
        for folder in (self.run_dir / marketplace, self.run_dir):
            try:
                folder.rmdir()  # only when empty
            except OSError:
                return
        self.run_dir = None  # nothing of this run is kept (yet): a later failure starts a new folder

    # --- tracing ----------------------------------------------------------------------------------------

    def begin_section(self) -> None:
        """Start the trace of one section's walk (with ``evidence_trace: on_failure``)."""
        if not self.trace or self._tracing == "recording":
            return
        try:
            # A trace snapshots the page it starts on, form values included: start on a blank page, so a
            # sign-in form the tool filled in before never reaches a trace. Every walk opens its own URL.
            self.page.goto("about:blank", timeout=self.timeout_ms)
            if self._tracing == "off":
                self.context.tracing.start(screenshots=TRACE_SCREENCAST, snapshots=True, sources=False)
            else:
                self.context.tracing.start_chunk()
            self._tracing = "recording"
        except PlaywrightError as exc:
            self._trace_problem = f"the trace could not be started: {_first_line(exc)}"
            self.trace = False

    def _stop_trace(self, path: Path | None) -> str | None:
        """End the current chunk, writing it to ``path`` when given; a note when that failed."""
        if self._tracing != "recording":
            return self._trace_problem if path is not None else None
        self._tracing = "idle"
        try:
            if path is None:
                self.context.tracing.stop_chunk()
                return None
            self.context.tracing.stop_chunk(path=str(path))
            os.chmod(path, 0o600)  # Playwright writes it with its own mode, inside our 0700 folder
            return None
        except (PlaywrightError, OSError) as exc:
            # Tracing is left off for the rest of the run; later sections' evidence says why it has none.
            self.trace = False
            self._trace_problem = f"no trace: an earlier one could not be saved ({_first_line(exc)})"
            return f"the trace could not be saved: {_first_line(exc)}"

    def close(self) -> None:
        """Stop tracing (an account that stopped mid-section leaves a chunk open)."""
        self._stop_trace(None)

    # --- what the page shows ----------------------------------------------------------------------------

    def _page_now(self, folder: Path, notes: list[str], files: list[str]) -> str:
        """Screenshot and HTML of the page as it is now; returns its URL."""
        url = self.page.url
        try:
            data = self.page.screenshot(full_page=True, timeout=min(SCREENSHOT_TIMEOUT_MS, self.timeout_ms))
            paths.write_private(folder / "screenshot.png", data)
            files.append("screenshot.png")
        except (PlaywrightError, OSError) as exc:
            notes.append(f"no screenshot: {_first_line(exc)}")
            if isinstance(exc, PlaywrightError) and "Timeout" in str(exc):
                # A page that cannot even be painted will not hand over its HTML either: do not wait twice.
                notes.append("no HTML of the page at the failure: the page did not answer")
                return url
        try:
            html = self.page.locator(":root").evaluate(
                "e => '<!DOCTYPE html>\\n' + e.outerHTML", timeout=min(HTML_TIMEOUT_MS, self.timeout_ms)
            )
            paths.write_private(folder / "at-failure.html", str(html).encode("utf-8"))
            files.append("at-failure.html")
        except (PlaywrightError, OSError) as exc:
            notes.append(f"no HTML of the page at the failure: {_first_line(exc)}")
        return url

    def _index(self, folder: Path, about: dict[str, Any], files: list[str], notes: list[str]) -> None:
        index = {
            **about,
            "account": self.account,
            "saved": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": sorted(files),
            "notes": notes,
            "private": "owner-only: unredacted pages, JSON and (in trace.zip) the session's cookies",
        }
        paths.write_private(folder / "evidence.json", (json.dumps(index, ensure_ascii=False, indent=1) + "\n").encode())

    # --- the two occasions ------------------------------------------------------------------------------

    def end_section(self, outcome: SectionOutcome) -> None:
        """After one attempt at a section: keep evidence when it was not read (sets ``outcome.evidence``).

        A section that was read leaves nothing, and removes the folder an earlier attempt in this run left.
        """
        if not self.enabled:
            return
        if outcome.status in READ_OK:
            self._stop_trace(None)
            self._discard(outcome.marketplace, outcome.section)
            return
        try:
            folder = self._folder(outcome.marketplace, outcome.section)
        except OSError as exc:
            self._stop_trace(None)
            outcome.message = f"{outcome.message or outcome.status}; no evidence saved: {_first_line(exc)}"
            return
        notes: list[str] = []
        files: list[str] = []
        url = self._page_now(folder, notes, files)
        if outcome.capture is not None:
            try:
                written = save_capture(
                    outcome.capture,
                    folder,
                    note="Evidence of a section that was not read (not redacted); `scraper parse` replays it.",
                )
                files.extend(p.name for p in written)
            except OSError as exc:
                notes.append(f"the capture could not be saved: {_first_line(exc)}")
        if self.trace or self._trace_problem:
            problem = self._stop_trace(folder / "trace.zip")
            if problem is None:
                files.append("trace.zip")
            else:
                notes.append(problem)
        about = {
            "marketplace": outcome.marketplace,
            "section": outcome.section,
            "status": outcome.status,
            "message": outcome.message,
            "url": url,
        }
        try:
            self._index(folder, about, files, notes)
        except OSError as exc:
            outcome.message = f"{outcome.message or outcome.status}; evidence incomplete: {_first_line(exc)}"
        outcome.evidence = folder

    def sign_in_failed(self, marketplace: str, kind: SectionStatus, message: str) -> Path | None:
        """Screenshot and HTML of the page where sign-in stopped; the folder, or None (off, or unwritable)."""
        if not self.enabled:
            return None
        self._stop_trace(None)  # a renewal never runs inside a section's trace, but be sure
        try:
            folder = self._folder(marketplace, SIGN_IN)
            notes: list[str] = []
            files: list[str] = []
            url = self._page_now(folder, notes, files)
            about = {"marketplace": marketplace, "section": None, "status": kind, "message": message, "url": url}
            self._index(folder, about, files, notes)
        except OSError:
            return None
        return folder
