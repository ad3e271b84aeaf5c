"""The demo's clock: its data is dated relative to the demo's "today", so the demo looks like a live account.

Each packaged data file (scraper/demo/datasets/<section>/<case>.json) names the day it was written for
(``_today``); when served, every date in it moves by the days between that day and the demo's today
(``DemoOptions.today``, ``--today YYYY-MM-DD``; the real UTC date when unset). The newest feedback is then
always a few days old, and a 90-day reading window (scraper/windows.py) sees the same rows on any date.

Dates come in the forms the real bodies use: ISO text ("2026-07-27T12:00:00.000Z"), epoch seconds (case
creationDate, sometimes as text with a fraction), epoch milliseconds (notification created) and the
regulatory tab's formatted day ("Apr. 3, 2026", German "03.04.2026"). Anything else is left as it is (the
edge cases' malformed dates stay malformed).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

EPOCH_SECONDS = frozenset({"creationDate", "lastModifiedDate"})
"""Case Log fields in epoch seconds (seen: creationDate; lastModifiedDate only in the edge data)."""
EPOCH_MILLIS = frozenset({"created"})
"""Notification content.created, epoch milliseconds (seen)."""
FORMATTED = frozenset({"formattedDate"})
"""The regulatory tab's impactDate.formattedDate, text as the page shows it."""

ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})(.*)$")
NUMBER = re.compile(r"^\d+(\.\d+)?$")
GERMAN = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")
US = re.compile(r"^([A-Z][a-z]+)\.? (\d{1,2}), (\d{4})$")
US_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")
"""The month abbreviations of the US day format ("Apr. 3, 2026", "May 1, 2026", "Sept. 30, 2026")."""


def real_today() -> date:
    """Today in UTC, the demo's default today (as the tool's own, scraper.windows.utc_today)."""
    return datetime.now(UTC).date()


def _shift_iso(text: str, days: int) -> str:
    match = ISO.match(text)
    if match is None:
        return text
    try:
        day = date.fromisoformat(match.group(1))
    except ValueError:
        return text
    return (day + timedelta(days=days)).isoformat() + match.group(2)


def _shift_formatted(text: str, days: int) -> str:
    german = GERMAN.match(text)
    if german is not None:
        try:
            day = date(int(german.group(3)), int(german.group(2)), int(german.group(1))) + timedelta(days=days)
        except ValueError:
            return text
        return f"{day.day:02d}.{day.month:02d}.{day.year}"
    us = US.match(text)
    if us is None:
        return text
    names = [m.rstrip(".") for m in US_MONTHS]
    if us.group(1) not in names:
        return text
    try:
        day = date(int(us.group(3)), names.index(us.group(1)) + 1, int(us.group(2))) + timedelta(days=days)
    except ValueError:
        return text
    return f"{US_MONTHS[day.month - 1]} {day.day}, {day.year}"


def _shift_epoch(value: Any, seconds: int) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value + seconds
    if isinstance(value, str) and NUMBER.match(value):
        try:
            return str(Decimal(value) + seconds)  # keeps the text's own decimals
        except InvalidOperation:
            return value
    return value


def shift_dates(document: Any, days: int, field: str = "") -> Any:
    """A copy of ``document`` with every date moved by ``days`` (keys starting with "_" are left alone)."""
    if isinstance(document, dict):
        return {k: v if k.startswith("_") else shift_dates(v, days, k) for k, v in document.items()}
    if isinstance(document, list):
        return [shift_dates(v, days, field) for v in document]
    if days == 0:
        return document
    if field in EPOCH_SECONDS:
        return _shift_epoch(document, days * 86400)
    if field in EPOCH_MILLIS:
        return _shift_epoch(document, days * 86400 * 1000)
    if isinstance(document, str):
        return _shift_formatted(document, days) if field in FORMATTED else _shift_iso(document, days)
    return document


def relative(document: dict[str, Any], today: date) -> dict[str, Any]:
    """A packaged data document dated for ``today``: shifted by the days since its ``_today``."""
    written = document.get("_today")
    if not isinstance(written, str):
        raise ValueError("a demo data file names the day it was written for in _today")
    return dict(shift_dates(document, (today - date.fromisoformat(written)).days))
