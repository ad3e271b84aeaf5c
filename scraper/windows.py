"""Reading windows of big accounts (issue 13): what a complete read of a long list is, and where paging stops.

A seller with 100,000 ratings cannot have every page read every night. For the lists sorted by date (newest
first) a read covers a window instead: the last N days of feedback, notifications and cases. The walk asks
:meth:`WindowPlan.stop_after` after each page (pure: the page's raw JSON rows, parsed with the spec) and stops

- at the window's edge: the first page whose rows are all older than the window ("edge");
- incrementally: a page whose rows are all already in the history, unchanged ("known"), once the history
  covers the window (a complete windowed read before, and no incremental stop since the last full pass was
  longer ago than ``full_every_days``).

Records outside the window are neither resolved nor changed; what the read covered (from its newest row back
to the window's edge, or to the known page) is what it may resolve. The page limit stays the safety net: a
read it cuts is "incomplete" and resolves nothing.

Order evidence: Feedback Manager asks sortBy=Date, descendingOrder=true (seen, S1); the case lobby sends
sortBy CreationDate, sortByOrder DESC (seen, id 68966227466); the notifications list's order was never seen
(invented: newest first, as the demo serves it). Not windowed: Voice of the Customer (no date; the
``pcxHealth`` filter is not used yet), regulatory compliance and compliance requests (the open tab, short,
read whole).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

from scraper.capture import Exchange
from scraper.errors import ScraperError
from scraper.parse import parse_page, record_key
from scraper.serialize import key_text, to_jsonable
from scraper.spec import SectionSpec, Spec
from scraper.status import READ_OK
from scraper.store import History, last_window_reads

PlanWindow = Callable[[str, str], "WindowPlan | None"]
"""The reading window of a section in a marketplace, or None for a section read whole."""

Stop = Literal["edge", "known", "filter"]
"""Why a windowed walk stopped before the list's end: the window's edge, or a page the history already holds."""


@dataclass(frozen=True)
class WindowSettings:
    """Per-section windows (config ``settings.windows``, overridable per account under ``windows``)."""

    enabled: bool = True
    """On by default: the date-sorted lists are read back their window. ``false`` reads every list from its
    first page to its end (or the page limit), as before issue 13."""
    feedback_days: int = 90
    """Feedback of the last N days (Amazon's own feedback period is 90 days)."""
    notifications_days: int = 90
    case_log_days: int = 30
    """Cases created in the last N days (open cases older than that: the weekly full pass)."""
    full_every_days: int = 7
    """A read without incremental stop (the whole window) at least this often, so changes to older rows of the
    window (a reply, a strike-through) are seen."""
    incremental: bool = True
    """Stop at a page the history already holds unchanged (once the history covers the window)."""
    full_max_pages: int = 1000
    """The page limit of a read of the whole window or list (the first, and the periodic full pass): a 90-day
    window of a big seller's feedback is hundreds of pages. Nights keep settings.max_pages."""

    def days(self, section: str) -> int | None:
        """The section's window in days; None for a section read whole."""
        if not self.enabled or section not in DATE_FIELDS:
            return None
        return int(getattr(self, f"{section}_days"))


WINDOW_KEYS = (
    "enabled", "feedback_days", "notifications_days", "case_log_days", "full_every_days", "incremental",
    "full_max_pages",
)
WINDOW_FLAGS = ("enabled", "incremental")

DATE_FIELDS: dict[str, str] = {"feedback": "date", "notifications": "date", "case_log": "created"}
"""The record field (its api path in selectors.yaml) by which each date-sorted list is windowed."""
WHOLE_WEEKLY = frozenset({"case_log"})
"""Dated lists read to their end every full_every_days: the Case Log, whose cases stay open past the window
and change status anywhere in the list, and whose lobby has no status filter in the evidence (9b: the page
sends caseFilters {caseOwner: MerchantCases} only)."""
INCREMENTAL = frozenset({"feedback", "notifications"})
"""Lists whose older entries rarely change, so a page the history holds tells that the pages after it hold
nothing new. Not the Case Log: it is sorted by creation, and an old case changes its status anywhere in the
list (its window is read whole each night)."""


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


@dataclass
class WindowPlan:
    """How one section's read is windowed this time."""

    section: str
    days: int
    today: date
    full: bool = True
    """No incremental stop this time (first read, weekly full pass, or incremental stop switched off)."""
    known: dict[str, dict[str, Any]] | None = None
    """The history's active records by key, for the incremental stop (None when it is off)."""
    max_pages: int | None = None
    """This read's page limit where it differs from settings.max_pages (a full read: full_max_pages)."""
    filter: tuple[str, tuple[str, ...]] | None = None
    """A list without dates (Voice of the Customer): the page's own filter whose lists this read reads instead
    of the whole list (selectors.yaml api.filter); None for the weekly whole list."""
    filter_size: int | None = None
    """Rows per page of the filtered lists (selectors.yaml api.filter.size); None: the page's own size."""
    whole: bool = False
    """A dated list read to its end, past its window (the Case Log's weekly pass: open cases older than the
    window are seen there, as the lobby has no status filter in the evidence)."""

    @property
    def dated(self) -> bool:
        return self.section in DATE_FIELDS

    def seeds(self, section: SectionSpec, first: Exchange) -> list[tuple[str, str | None]]:
        """The first request of each filtered list: the page's own first call with the filter and the first
        offset (read-only like the page's own call)."""
        if self.filter is None or section.api is None or section.api.paging is None:
            return []
        param, values = self.filter
        paging = section.api.paging
        parts = urlparse(first.url)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        out = []
        size = {paging.size_param: str(self.filter_size)} if self.filter_size and paging.size_param else {}
        for value in values:
            wanted = {**query, param: value, paging.page_param: str(paging.start), **size}
            out.append((urlunparse(parts._replace(query=urlencode(wanted))), first.post_data))
        return out

    @property
    def since(self) -> date:
        """The window's first day: the last N days are today and the N - 1 days before (as Amazon's periods)."""
        return self.today - timedelta(days=self.days - 1)

    @property
    def field(self) -> str:
        return DATE_FIELDS[self.section]

    def _records(self, spec: Spec, exchange: Exchange) -> list[Any] | None:
        if exchange.body is None or not exchange.ok:
            return None
        try:
            return list(parse_page(spec, self.section, "api", exchange.body).records)
        except (ScraperError, ValueError, RecursionError):  # the reader names what is wrong with the body
            return None

    def stop_after(self, spec: Spec, section: SectionSpec, exchange: Exchange) -> Stop | None:
        """Whether the walk may stop after the page this data call gave (never on an empty or unreadable page)."""
        if not self.dated or self.whole:
            return None
        records = self._records(spec, exchange)
        if not records:
            return None
        days = [_day(getattr(r, self.field, None)) for r in records]
        if all(d is not None and d < self.since for d in days):
            return "edge"
        if self.full or self.known is None or section.api is None:
            return None
        api_fields = set(section.api.fields)
        for record, day in zip(records, days, strict=True):
            if day is not None and day < self.since:
                continue  # outside the window: never stored, and no matter
            known = self.known.get(key_text(record_key(section.key, record)))
            if known is None:
                return None
            fresh = to_jsonable(record)
            if any(fresh.get(f) != known.get(f) for f in api_fields):
                return None
        return "known"

    def inside(self, data: dict[str, Any]) -> bool:
        """Whether a record (JSON form) lies inside the window; one without a date counts as inside."""
        if not self.dated:
            return True
        day = _day(data.get(self.field))
        return day is None or day >= self.since

    def resolvable(self, stop: str | None, read: list[dict[str, Any]]) -> Callable[[dict[str, Any]], bool]:
        """Which unseen records of the history this read may resolve: those inside what it covered."""
        if stop == "filter":
            # A listing missing from the filtered lists improved or went away: which, only the whole list says.
            return lambda data: False
        if stop == "known":
            days = [d for d in (_day(r.get(self.field)) for r in read) if d is not None]
            oldest = min(days, default=self.today)

            def covered(data: dict[str, Any]) -> bool:
                # Rows of the oldest day read may go on in the page not read: only newer ones were all seen.
                day = _day(data.get(self.field))
                return day is not None and day > oldest and day >= self.since

            return covered
        return lambda data: self.inside(data) and _day(data.get(self.field)) is not None

    def describe(self, pages: int, stop: str | None) -> str:
        """The window in the summary's words: "feedback: last 90 days, 3 pages"."""
        many = f"{pages} page{'s' if pages != 1 else ''}"
        if not self.dated:
            if self.filter is not None:
                return f"{self.section}: {self.filter[0]} {', '.join(self.filter[1])} only, {many}"
            return f"{self.section}: the whole list, {many}"
        how = {"known": ", stopped at a page already in the history", "edge": "", None: ", to the list's end"}
        if self.whole:
            return f"{self.section}: the whole list (weekly, past the last {self.days} days), {many}"
        return f"{self.section}: last {self.days} days, {pages} page{'s' if pages != 1 else ''}{how.get(stop, '')}"

    def to_json(self, pages: int, stop: str | None) -> dict[str, Any]:
        """What the history keeps of the window of one read."""
        since = self.since.isoformat() if self.dated else None
        window: dict[str, Any] = {"days": self.days, "since": since, "full": self.full, "pages": pages, "stop": stop}
        if self.whole:
            window["whole"] = True
        if self.filter is not None:
            window["filter"] = [self.filter[0], list(self.filter[1])]
        return window


def _whole_read(read: Any, window: dict[str, Any] | None) -> bool:
    """A read of the whole list that applied its records (the list's end reached: no stop, not cut)."""
    return bool(window and window.get("whole") and window.get("stop") is None and read["status"] in READ_OK)


def plan_windows(
    history: History, account: str, windows: WindowSettings, today: date, spec: Spec | None = None
) -> PlanWindow:
    """The reading window of each section of one account's run, judged from the history.

    The first read of a window, and the periodic full pass (no ``full`` read within ``full_every_days``),
    read the whole window; a later read may stop at a page the history holds unchanged, but only where the
    section's last read that applied records covered the window (status ok or empty, same or wider window):
    an incomplete or unwindowed read before leaves a gap only a full read fills.
    """

    def plan(section: str, marketplace: str) -> WindowPlan | None:
        reads = last_window_reads(history, account, marketplace, section)
        window = [json.loads(r["window"]) if r["window"] else None for r in reads]
        api = spec.section(section).api if spec is not None and section in spec.sections else None
        if windows.enabled and api is not None and api.filter is not None and section not in DATE_FIELDS:
            # Voice of the Customer: the filtered lists each night, the whole list every full_every_days.
            pairs = zip(reads, window, strict=True)
            full_day = next((r["read_at"] for r, w in pairs if w and w["full"] and r["status"] in READ_OK), None)
            if full_day is not None and (today - date.fromisoformat(full_day[:10])).days < windows.full_every_days:
                return WindowPlan(section, 0, today, False, filter=api.filter, filter_size=api.filter_size)
            return WindowPlan(section, 0, today, True, max_pages=windows.full_max_pages)
        days = windows.days(section)
        if not days:
            return None  # 0: the whole list, as before
        covered = bool(reads) and reads[0]["status"] in READ_OK and window[0] is not None and window[0]["days"] >= days
        last_full = next(
            (r["read_at"] for r, w in zip(reads, window, strict=True) if w and w["full"] and r["status"] in READ_OK),
            None,
        )
        recent = last_full is not None and (today - date.fromisoformat(last_full[:10])).days < windows.full_every_days
        if section in WHOLE_WEEKLY:
            # The whole list every full_every_days (and first): its old open cases are seen there.
            whole = [r["read_at"] for r, w in zip(reads, window, strict=True) if _whole_read(r, w)]
            if not whole or (today - date.fromisoformat(whole[0][:10])).days >= windows.full_every_days:
                return WindowPlan(section, days, today, max_pages=windows.full_max_pages, whole=True)
        if windows.incremental and section in INCREMENTAL and covered and recent:
            return WindowPlan(section, days, today, False, history.active_records(account, marketplace, section))
        return WindowPlan(section, days, today, max_pages=windows.full_max_pages)

    return plan


Planned = dict[tuple[str, str], "WindowPlan | None"]
"""Each (section, marketplace)'s window, judged in advance: what a worker process of ``--parallel`` gets, as
the history stays with the parent (scraper/pool.py)."""


def plan_ahead(plan: PlanWindow, sections: Iterable[str], marketplaces: Iterable[str]) -> Planned:
    """The windows of one account's run, judged now from the history (before its walk starts elsewhere)."""
    return {(s, m): plan(s, m) for m in marketplaces for s in sections}


def planned_windows(plans: Planned) -> PlanWindow:
    """The PlanWindow of windows judged in advance (a section not planned: read whole)."""
    return lambda section, marketplace: plans.get((section, marketplace))


def utc_today() -> date:
    """Today in UTC, the day windows count back from (as the walk's start time, scraper.counters.read_day)."""
    return datetime.now(UTC).date()
