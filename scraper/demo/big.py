"""The demo's big account (``scraper-demo --big``, issue 13): 100,000 feedback entries, 5,000 listings, 600
cases and 200 notifications, generated deterministically and lazily, a page at a time.

Rows are made from their number alone, so a page of 20 out of 100,000 costs 20 rows, never the whole list.
Lists sorted by date (feedback, cases, notifications) are newest first with dates counted back from the real
day (UTC), as the tool's windows count. ``day`` moves the account on by whole days: each day adds new rows at
the top (100 feedback entries, 2 cases, 1 notification every third day) and changes a few rows of the day
before (a reply to feedback, a case's status), so a benchmark can read "the next night" without waiting one:
it reads day -1 (the newest rows dated yesterday) first, then day 0 (today's rows added).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, overload

FEEDBACK = 100_000
LISTINGS = 5_000
CASES = 600
NOTIFICATIONS = 200
FEEDBACK_PER_DAY = 100
CASES_PER_DAY = 2
NOTIFICATION_EVERY_DAYS = 3

PAGE_SIZES = {"feedback": 20, "notifications": 25, "voice_of_customer": 25, "case_log": 10}
"""The real pages' own sizes (selectors.yaml api.paging.size, seen) the big account is served in."""

BIG_SECTIONS = frozenset(PAGE_SIZES)


class LazyRows(Sequence[Any]):
    """A read-only list of ``length`` rows made by ``make(index)`` on demand (index 0 = the first row)."""

    def __init__(self, length: int, make: Callable[[int], dict[str, Any]], ident: str) -> None:
        self.length, self.make, self.ident = length, make, ident

    def __len__(self) -> int:
        return self.length

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self.make(i) for i in range(*index.indices(self.length))]
        if index < 0:
            index += self.length
        if not 0 <= index < self.length:
            raise IndexError(index)
        return self.make(index)

    def __iter__(self) -> Iterator[Any]:
        return (self.make(i) for i in range(self.length))

    def index_of(self, value: str) -> int | None:
        """The position of the row whose ``ident`` field is ``value`` (ids carry their number), else None."""
        digits = "".join(ch for ch in value[-8:] if ch.isdigit())
        if not digits:
            return None
        for i in _candidates(self.length, int(digits)):
            if self.make(i).get(self.ident) == value:
                return i
        return None


def _candidates(length: int, number: int) -> range:
    # Rows are numbered oldest first (number 0 is the oldest) and listed newest first.
    position = length - 1 - number
    return range(max(position, 0), min(position + 1, length))


def _mix(n: int, salt: int) -> int:
    """A deterministic pseudo-random number from a row's number (stable across runs and processes)."""
    x = (n * 2654435761 + salt * 40503) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 2246822519) & 0xFFFFFFFF
    return x ^ (x >> 13)


def _today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class BigAccount:
    """The big account on one day (``day`` days after the first)."""

    day: int = 0
    today: date | None = None
    """The real day dates count back from (UTC today when None)."""

    @property
    def base(self) -> date:
        """The account's present: a row's date depends on its number alone, so "a day later" (day + 1) adds
        rows at the top and leaves the others' dates as they were. Day -1 is yesterday's account."""
        return (self.today or _today()) + timedelta(days=self.day)

    # --- feedback: 100 a day, newest first ------------------------------------------------------------

    def feedback_count(self) -> int:
        return FEEDBACK + FEEDBACK_PER_DAY * self.day

    def feedback_row(self, position: int) -> dict[str, Any]:
        top = self.feedback_count() - 1
        number = top - position  # 0 = the oldest entry ever
        age = position // FEEDBACK_PER_DAY
        seconds = 17 * 3600 - (position % FEEDBACK_PER_DAY) * 600  # newest first within the day
        when = datetime.combine(self.base - timedelta(days=age), time(0), UTC) + timedelta(seconds=seconds)
        roll = _mix(number, 1) % 100
        rating = 1 if roll < 3 else 2 if roll < 5 else 3 if roll < 9 else 4 if roll < 25 else 5
        suppressed = rating <= 2 and _mix(number, 2) % 3 == 0
        # The seller answers the five newest entries of each day on the day after: one night on, rows of the
        # day before change inside the window (on the first page after the new ones).
        replied = age >= 1 and number % FEEDBACK_PER_DAY >= FEEDBACK_PER_DAY - 5
        texts = ["Great seller, fast delivery.", "As described.", "Arrived late.", "Packaging damaged.", ""]
        return {
            "feedbackId": f"ADEMOBIGFB{number:08d}",
            "orderId": f"305-{number // 10000:07d}-{number % 10000:07d}",
            "feedbackText": texts[4 if rating == 5 and roll % 2 else min(5 - rating, 3)],
            "numericRating": rating,
            "suppressReasonId": "AmazonFaultFBAShipping" if suppressed else None,
            "responseText": "Sorry, we have sent a replacement." if replied else None,
            "feedbackDate": when.isoformat().replace("+00:00", ".000Z"),
            "partiallySuppressed": suppressed,
            "suppressed": suppressed,
        }

    def feedback(self) -> LazyRows:
        return LazyRows(self.feedback_count(), self.feedback_row, "feedbackId")

    # --- cases: 2 a day, newest first -----------------------------------------------------------------

    def case_count(self) -> int:
        return CASES + CASES_PER_DAY * self.day

    def case_row(self, position: int) -> dict[str, Any]:
        number = self.case_count() - 1 - position
        age = position // CASES_PER_DAY
        created = datetime.combine(self.base - timedelta(days=age), time(9 + position % CASES_PER_DAY), UTC)
        if age > 20:
            status = "Closed" if _mix(number, 3) % 5 else "Resolved"
        elif age >= 1 and number % 2 == 0:  # half of each day's cases are answered the day after: a change
            status = "Resolved"
        else:
            status = ["Open", "PendingAmazonAction", "PENDINGSELLERACTION"][_mix(number, 4) % 3]
        return {
            "caseId": f"2{number:010d}",
            "shortDescription": f"Demo case {number}: listing question",
            "status": status,
            "creationDate": created.timestamp(),
        }

    def cases(self) -> LazyRows:
        return LazyRows(self.case_count(), self.case_row, "caseId")

    # --- notifications: one every third day, newest first ---------------------------------------------

    def notification_count(self) -> int:
        return NOTIFICATIONS + self.day // NOTIFICATION_EVERY_DAYS

    def notification_row(self, position: int) -> dict[str, Any]:
        number = self.notification_count() - 1 - position
        age = position * NOTIFICATION_EVERY_DAYS + self.day % NOTIFICATION_EVERY_DAYS
        created = datetime.combine(self.base - timedelta(days=age), time(8), UTC)
        subjects = ["Listing policy warning for B0DEMOBIG1", "Your account health rating changed", "Action needed"]
        return {
            "id": f"00000000-0000-4000-8000-{number:012d}",
            "content": {"subject": subjects[_mix(number, 5) % 3], "created": int(created.timestamp() * 1000)},
        }

    def notifications(self) -> LazyRows:
        return LazyRows(self.notification_count(), self.notification_row, "id")

    # --- Voice of the Customer: 5,000 listings (no date order) ----------------------------------------

    def listing_row(self, position: int) -> dict[str, Any]:
        roll = _mix(position, 6) % 100
        health = "VERY_POOR" if roll < 1 else "POOR" if roll < 3 else "FAIR" if roll < 8 else "GOOD" if roll < 30 else (
            "EXCELLENT"
        )
        orders = 50 + _mix(position, 7) % 2000
        rate = {"VERY_POOR": 0.09, "POOR": 0.06, "FAIR": 0.035, "GOOD": 0.015, "EXCELLENT": 0.004}[health]
        return {
            "mskus": f"BIG-SKU-{position:05d}",
            "asin": f"B0BIG{position:05d}",
            "itemName": f"Demo big catalogue item {position}",
            "condition": "New",
            "fnsku": f"X00BIG{position:05d}",
            "orderCount": orders,
            "ncxCount": round(orders * rate),
            "ncxRate": rate,
            "ncxReturnRate": rate / 2,
            "pcxHealth": health,
            "fulfillmentChannel": "FBA",
            "insufficientFeedback": False,
            "listingExists": True,
            "thresholdMetadata": {"key": "gl_home#demo", "mean": 0.0234, "standardDeviation": 0.0254},
            "isHRRA": False,
            "isAtRiskOfHRRA": False,
        }

    def listings(self) -> LazyRows:
        return LazyRows(LISTINGS, self.listing_row, "asin")

    def rows(self, section_id: str) -> LazyRows:
        """The section's rows on this day."""
        return {
            "feedback": self.feedback,
            "case_log": self.cases,
            "notifications": self.notifications,
            "voice_of_customer": self.listings,
        }[section_id]()


@lru_cache(maxsize=8)
def feedback_star_counts(day: int, today: date) -> dict[str, dict[int, int]]:
    """Star counts of the unsuppressed feedback per aggregate period (30D, 90D, 365D, LIFETIME), computed once
    per day of the big account (a walk over 100,000 generated rows, kept, never per request)."""
    account = BigAccount(day, today)
    periods: dict[str, int | None] = {"30D": 30, "90D": 90, "365D": 365, "LIFETIME": None}
    counts = {name: dict.fromkeys(range(1, 6), 0) for name in periods}
    for position in range(account.feedback_count()):
        row = account.feedback_row(position)
        if row["suppressed"]:
            continue
        age = position // FEEDBACK_PER_DAY
        for name, days in periods.items():
            if days is None or age < days:
                counts[name][row["numericRating"]] += 1
    return counts
