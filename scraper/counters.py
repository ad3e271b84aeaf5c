"""Amazon's own numbers as the judge of a read's completeness.

Every section but the notifications has a number Amazon itself shows or sends about its list: a total in
the data call's body (``totalNumberOfResults``), the health tiles of Voice of the Customer, the account
summary's defect count, Feedback Manager's aggregates, a "Cases 1 to 10 of N" on the page.
``selectors.yaml`` says where each one is (``sections.<id>.counters``). This module is pure: it reads the
numbers out of a :class:`~scraper.capture.SectionCapture` and compares each with the records that were read.

A comparison gives a range, never a guess: a record whose field the counter filters on is unknown (None), or
whose date lies on the edge of the counter's window, or is so recent that Amazon may not have counted it yet,
"may count". So a counter agrees when Amazon's number lies between the records that surely count and those
that may; it is *fewer* (the read missed something: incomplete) when Amazon counts more than even the
widest reading, and *more* (the read holds something the page does not list: drift) when Amazon counts less
than the narrowest. A counter the read cannot be judged by (a list cut at the page limit, a window the read
did not reach, no read date) is recorded as "not comparable"; a number Amazon did not send is "absent".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from scraper.capture import SectionCapture
from scraper.extract import soup_of
from scraper.jsonpath import MISSING, resolve
from scraper.serialize import to_jsonable
from scraper.spec import CounterSpec, SectionSpec
from scraper.text import element_text

Verdict = Literal["agrees", "fewer", "more", "differs", "not comparable", "absent"]
JUDGED: frozenset[str] = frozenset({"agrees", "fewer", "more", "differs"})
"""Verdicts of a counter that was compared with the records."""

EDGE_DAYS = 1
"""Days either side of a window's first day whose records may or may not count: Amazon's day boundary (its
time zone, whether "30 days" includes today) is not known, and record dates are days, not times."""

_DIGITS = re.compile(r"\d")


@dataclass(frozen=True)
class CounterCheck:
    """One of Amazon's numbers next to what was read."""

    name: str
    verdict: Verdict
    amazon: int | None = None
    """Amazon's number (the last one it showed, where it showed one)."""
    amazon_low: int | None = None
    """The smallest value it showed, where it changed while the walk paged (else equal to ``amazon``)."""
    read: int = 0
    """Records that surely count for this counter."""
    read_max: int = 0
    """Records that surely or possibly count (unknown field, window edge, too recent to be counted yet)."""
    window_days: int | None = None
    note: str | None = None
    """Why the counter was not compared, or what else a person should know about the comparison."""

    @property
    def read_text(self) -> str:
        """What was read, as a count or a range ("10" or "10 to 12")."""
        return str(self.read) if self.read == self.read_max else f"{self.read} to {self.read_max}"

    @property
    def amazon_text(self) -> str:
        """Amazon's number, or its range where it changed while the walk paged."""
        if self.amazon is None:
            return "-"
        low = self.amazon_low if self.amazon_low is not None else self.amazon
        return f"{self.amazon:,}" if low == self.amazon else f"{min(low, self.amazon):,} to {max(low, self.amazon):,}"

    def text(self) -> str:
        """One line for a person: the counter, Amazon's number and what was read."""
        what = self.name.replace("_", " ")
        if self.amazon is None:
            return f"{what}: Amazon sent no number" + (f" ({self.note})" if self.note else "")
        line = f"{what}: Amazon counts {self.amazon_text}, the read has {self.read_text}"
        return line + (f" ({self.note})" if self.note else "")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CounterCheck:
        """A check as :meth:`to_json` stored it."""
        return cls(
            str(data["name"]),
            data["verdict"],
            data.get("amazon"),
            data.get("amazon_low"),
            int(data.get("read") or 0),
            int(data.get("read_max") or 0),
            data.get("window_days"),
            data.get("note"),
        )

    def to_json(self) -> dict[str, Any]:
        """The plain form the history stores."""
        return {
            "name": self.name,
            "verdict": self.verdict,
            "amazon": self.amazon,
            "amazon_low": self.amazon_low,
            "read": self.read,
            "read_max": self.read_max,
            "window_days": self.window_days,
            "note": self.note,
        }


# --- Amazon's numbers -----------------------------------------------------------------------------------


def _as_count(value: Any) -> int | None:
    """A whole, non-negative count from a JSON value ("1,234" too); None for anything else."""
    if isinstance(value, bool) or value is None or value is MISSING:
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str):
        return _number(value)
    return None


def _number(text: str) -> int | None:
    """The count a page writes ("1.234", "1,234", "1 234"): its digits; None when there are none."""
    digits = "".join(_DIGITS.findall(text))
    return int(digits) if digits else None


def _from_body(body: bytes, paths: Sequence[str]) -> int | None:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None  # the reader names a broken body where it matters (the rows); a counter is just absent
    parts = [_as_count(resolve(document, p)) for p in paths]
    if not parts or any(p is None for p in parts):
        return None
    return sum(p for p in parts if p is not None)


def amazon_values(section: SectionSpec, capture: SectionCapture) -> dict[str, list[int]]:
    """Every value each counter showed during the walk, in order (a total may change while paging)."""
    counters = section.counters
    if counters is None:
        return {}
    values: dict[str, list[int]] = {name: [] for name in counters.fields}
    page_counters = [c for c in counters.fields.values() if c.source == "page"]
    for page in capture.pages:
        for exchange in page.exchanges:
            if not exchange.ok or exchange.body is None:
                continue
            for c in counters.fields.values():
                if c.source == exchange.role:
                    value = _from_body(exchange.body, c.paths)
                    if value is not None:
                        values[c.name].append(value)
        if page_counters and page.html is not None:
            soup = soup_of(page.html)
            for c in page_counters:
                assert c.css is not None
                assert c.pattern is not None
                element = soup.select_one(c.css)
                match = c.pattern.search(element_text(element)) if element is not None else None
                value = _number(match.group(1)) if match else None
                if value is not None:
                    values[c.name].append(value)
    return values


# --- what was read --------------------------------------------------------------------------------------

Membership = Literal["in", "out", "maybe"]


def read_day(capture: SectionCapture) -> date | None:
    """The day the walk ran (its start, UTC): the reference of windowed counters; None when not recorded."""
    if not capture.started:
        return None
    try:
        return datetime.fromisoformat(capture.started).date()
    except ValueError:
        return None


def _membership(record: Any, c: CounterSpec, today: date | None, lag_days: int) -> Membership:
    result: Membership = "in"
    for field, wanted in c.where.items():
        value = to_jsonable(getattr(record, field, None))
        if value is None:
            result = "maybe"
        elif value != wanted:
            return "out"
    when = getattr(record, "date", None) if (c.window_days is not None or lag_days) else None
    if isinstance(when, datetime):
        when = when.date()
    if c.window_days is not None:
        if not isinstance(when, date) or today is None:
            return "maybe"
        age = (today - when).days
        if age > c.window_days + EDGE_DAYS:
            return "out"
        if age >= c.window_days - EDGE_DAYS:
            result = "maybe"
    if lag_days and isinstance(when, date) and today is not None and (today - when).days <= lag_days:
        result = "maybe"  # Amazon may not have counted it yet
    return result


def _covers(records: Sequence[Any], c: CounterSpec, today: date | None, truncated: bool) -> str | None:
    """None when the read can be judged by this counter; else why not."""
    if c.window_days is None:
        return "the read stopped at the page limit" if truncated else None
    if today is None:
        return "the day of the read is not known"
    if not truncated:
        return None
    # The list is newest first (sortBy=Date, descendingOrder=true: seen, S1): once a record older than the
    # window was read, everything inside it was.
    oldest = min((r.date for r in records if isinstance(getattr(r, "date", None), date)), default=None)
    if oldest is not None and (today - oldest).days > c.window_days + EDGE_DAYS:
        return None
    return f"the read stopped at the page limit before the end of the last {c.window_days} days"


def check_counters(
    section: SectionSpec, capture: SectionCapture, records: Iterable[Any], truncated: bool | None = None
) -> tuple[CounterCheck, ...]:
    """Each of the section's counters compared with the records read (in the order selectors.yaml names them)."""
    counters = section.counters
    if counters is None:
        return ()
    rows = list(records)
    truncated = capture.truncated if truncated is None else truncated
    today = read_day(capture)
    shown = amazon_values(section, capture)
    lag = counters.lag_days
    checks: dict[str, CounterCheck] = {}
    for c in counters.fields.values():
        seen = shown[c.name]
        if not seen:
            checks[c.name] = CounterCheck(c.name, "absent", window_days=c.window_days, note=_absent_note(c))
            continue
        amazon, low, high = seen[-1], min(seen), max(seen)
        kinds = [_membership(r, c, today, lag) for r in rows]
        surely, maybe = kinds.count("in"), kinds.count("maybe")
        reason = _covers(rows, c, today, truncated)
        note = None if low == high else "Amazon's number changed while the walk paged"
        if reason is not None:
            verdict: Verdict = "not comparable"
            note = reason
        elif high < surely:
            verdict = "more"
        elif low > surely + maybe:
            verdict = "fewer"
        else:
            verdict = "agrees"
        checks[c.name] = CounterCheck(c.name, verdict, amazon, low, surely, surely + maybe, c.window_days, note)
    return tuple(_classify_shortfalls(counters.fields, checks).values())


def _absent_note(c: CounterSpec) -> str:
    if c.source == "page":
        return "the page did not show it"
    call = {"rows": "its data call", "summary": "its summary call", "counters": "its counters call"}[c.source]
    return f"not in {call}"


def _classify_shortfalls(specs: dict[str, CounterSpec], checks: dict[str, CounterCheck]) -> dict[str, CounterCheck]:
    """A filtered counter that falls short while its wider counter is met means the records sort differently
    from Amazon's count (a listing in another health class), not that the read missed any: "differs"."""
    out = dict(checks)
    for name, check in checks.items():
        if check.verdict != "fewer":
            continue
        mine = specs[name]
        for other, wide in specs.items():
            wider = (
                other != name
                and wide.window_days == mine.window_days
                and set(wide.where.items()) < set(mine.where.items())
                and checks[other].verdict in {"agrees", "more"}
                # met by records that surely count, not only by ones that may: else the shortfall stays one
                and (checks[other].amazon or 0) <= checks[other].read
            )
            if wider:
                out[name] = CounterCheck(
                    check.name,
                    "differs",
                    check.amazon,
                    check.amazon_low,
                    check.read,
                    check.read_max,
                    check.window_days,
                    f"{other.replace('_', ' ')} agrees",
                )
                break
    return out


def headline(section: SectionSpec, checks: Sequence[CounterCheck]) -> int | None:
    """Amazon's count of the whole list: the first counter without a window that sent a number."""
    for check in checks:
        if check.amazon is not None and check.window_days is None:
            return check.amazon
    return None


def verification(checks: Sequence[CounterCheck]) -> str:
    """ "verified" (every judged counter agrees), "disagrees", or "not verified" (none could be judged)."""
    judged = [c for c in checks if c.verdict in JUDGED]
    if not judged:
        return "not verified"
    return "verified" if all(c.verdict == "agrees" for c in judged) else "disagrees"


def count_text(counted: int | None, checks: Sequence[CounterCheck]) -> str:
    """Amazon's count in a few words: "12 listings: verified", the counters that disagree, or "not verified"."""
    state = verification(checks)
    head = next((c for c in checks if c.amazon is not None and c.window_days is None), None)
    what = f"{counted:,} {head.name.replace('_', ' ')}" if counted is not None and head is not None else None
    if state == "not verified":
        return f"not verified ({what} counted)" if what else "not verified"
    if state == "verified":
        return f"{what}: verified" if what else "verified"
    return "; ".join(c.text() for c in checks if c.verdict in {"fewer", "more", "differs"})


def stored_checks(stored: str | None) -> tuple[int | None, list[CounterCheck]]:
    """Amazon's headline count and the checks from what the history stored for a section read."""
    if not stored:
        return None, []
    try:
        data = json.loads(stored)
        checks = [CounterCheck.from_json(c) for c in data.get("checks", [])]
    except (ValueError, TypeError, KeyError, AttributeError):
        return None, []
    counted = data.get("counted")
    return (counted if isinstance(counted, int) else None), checks


def stored_text(stored: str | None) -> str:
    """:func:`count_text` from what the history stored for a section read (report)."""
    return count_text(*stored_checks(stored))
