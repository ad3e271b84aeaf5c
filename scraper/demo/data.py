"""The demo's data: its own list bodies cut into pages the way each real endpoint pages them.

Rows come from the package's own data, ``scraper/demo/datasets/<section>/<case>.json`` (package data, so a
plain install runs the demo), never from the repository's ``fixtures/``: those are the parser's goldens, and a
demo built from them would agree with a broken parser whose goldens were regenerated. Every date in the data
is moved to the demo's today when served (scraper/demo/clock.py).
"""

from __future__ import annotations

import base64
import copy
import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from scraper.demo.clock import relative
from scraper.demo.site import Section

DATASETS: Traversable = resources.files("scraper.demo") / "datasets"
"""The demo's packaged data: <section>/<case>.json (and <case>.summary.json for the summary endpoints)."""

HEALTH_KEYS = {
    "VERY_POOR": "veryPoorCount",
    "POOR": "poorCount",
    "FAIR": "fairCount",
    "GOOD": "goodCount",
    "EXCELLENT": "excellentCount",
}


class FixtureMissingError(LookupError):
    """The section has no demo data of the requested case."""


@dataclass(frozen=True)
class Dataset:
    """All rows of one section and case, plus the body's other top-level fields."""

    rows: list[Any]
    body: dict[str, Any]
    """The fixture body without its rows and without documentation keys (those starting with "_")."""


def _read_json(section_id: str, name: str, today: date) -> Any:
    """A packaged data document dated for ``today``; FixtureMissingError when the package has none."""
    path = DATASETS / section_id / name
    if not path.is_file():
        raise FixtureMissingError(f"no demo data {section_id}/{name}")
    return relative(json.loads(path.read_text(encoding="utf-8")), today)


def _has(section_id: str, name: str) -> bool:
    return (DATASETS / section_id / name).is_file()


def _get(document: dict[str, Any], dotted: str) -> Any:
    value: Any = document
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _set(document: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    node = document
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def load_dataset(section: Section, case: str, today: date) -> Dataset:
    """The rows of ``case`` for ``section``, dated for ``today``; FixtureMissingError when there is no such case."""
    document = _read_json(section.id, f"{case}.json", today)
    rows = _get(document, section.rows)
    if not isinstance(rows, list):
        raise FixtureMissingError(f"demo data {section.id}/{case}.json has no list at {section.rows!r}")
    body = {k: v for k, v in document.items() if not k.startswith("_") and k != section.rows}
    return Dataset(rows, body)


def page_body(section: Section, data: Dataset, page_value: int, size: int, empty: bool) -> tuple[dict[str, Any], int]:
    """The JSON body of one page (``page_value`` as the endpoint counts: a page number, or a row offset where
    the section pages by rows) and the full row count."""
    rows = [] if empty else data.rows
    index = page_value - section.paging.start
    first = index if section.paging.unit == "row" else index * size
    chunk = rows[first : first + size] if index >= 0 else []
    body = copy.deepcopy(data.body)
    _set(body, section.rows, copy.deepcopy(chunk))
    if section.total is not None:
        _set(body, section.total, len(rows))
    return body, len(rows)


def voc_summary(case: str, data: Dataset, empty: bool, today: date) -> dict[str, Any]:
    """The /pcrHealth/pcrKpi body: the case's saved one, else counted from the rows."""
    if empty:
        return dict.fromkeys(HEALTH_KEYS.values(), 0)
    name = f"{case}.summary.json"
    if _has("voice_of_customer", name) and isinstance(data.rows, list):  # the big account's rows count themselves
        return {k: v for k, v in _read_json("voice_of_customer", name, today).items() if not k.startswith("_")}
    counts = dict.fromkeys(HEALTH_KEYS.values(), 0)
    for row in data.rows:
        key = HEALTH_KEYS.get(str(row.get("pcxHealth", "")).upper()) if isinstance(row, dict) else None
        if key:
            counts[key] += 1
    return counts


# --- regulatory compliance: offsets and continuation tokens ---------------------------------------------------

TOKEN_PREFIX = "demo-offset:"


def page_token(offset: int) -> str:
    """The demo's opaque nextPageToken for the page that starts at ``offset`` (the real token's form is unknown)."""
    return base64.urlsafe_b64encode(f"{TOKEN_PREFIX}{offset}".encode()).decode().rstrip("=")


def token_page_body(section: Section, data: Dataset, offset: int, size: int, empty: bool) -> tuple[dict[str, Any], int]:
    """The body of the rows from ``offset`` on, with the token for the next page (None on the last page)."""
    assert section.paging.token is not None
    rows = [] if empty else data.rows
    chunk = rows[offset : offset + size] if offset >= 0 else []
    body = copy.deepcopy(data.body)
    _set(body, section.rows, copy.deepcopy(chunk))
    more = offset >= 0 and offset + size < len(rows)
    _set(body, section.paging.token, page_token(offset + size) if more else None)
    return body, len(rows)


def account_summary(case: str, data: Dataset, empty: bool, today: date) -> dict[str, Any]:
    """The /performance/api/summary body for the regulatory page: the case's saved one, else its row count."""
    name = f"{case}.summary.json"
    if _has("regulatory_compliance", name) and not empty:
        return {k: v for k, v in _read_json("regulatory_compliance", name, today).items() if not k.startswith("_")}
    count = 0 if empty else len(data.rows)
    start = today - timedelta(days=179)  # the tab's 180-day period, as the saved summaries' timeFrame
    return {
        "listingLevelMetrics": {
            "REGULATORY_COMPLIANCE": {
                "timeFrame": {"start": f"{start.isoformat()}T00:00:00Z", "end": f"{today.isoformat()}T23:59:59Z"},
                "defects": {"count": count, "status": "GOOD" if count == 0 else "BAD"},
                "target": {"value": 0, "conditionType": "EQUALS", "targetType": "COUNT"},
            }
        }
    }


def _feedback_key(row: Any) -> str:
    """The demo's lastEvaluatedKey after ``row``: opaque to the app, like the real one (whose form is unknown)."""
    ident = row.get("feedbackId", "") if isinstance(row, dict) else ""
    return base64.urlsafe_b64encode(json.dumps({"demoAfter": ident}).encode()).decode("ascii")


def feedback_body(
    section: Section, data: Dataset, page_value: int, size: int, empty: bool, last_key: str
) -> tuple[dict[str, Any], int]:
    """A /fbmapi/v1/feedbacks page: continued after ``last_key`` when the app sends one, else by page number.

    The answer carries the key to continue with (null on the last page). The real page sends
    lastEvaluatedKey (seen, empty on the first page); the key in the answer was never seen (invented here).
    """
    rows = [] if empty else data.rows
    start = (page_value - section.paging.start) * size
    if last_key:
        try:
            after = json.loads(base64.urlsafe_b64decode(last_key.encode("ascii")))["demoAfter"]
            index_of = getattr(rows, "index_of", None)  # the big account finds a row without walking the list
            found = index_of(after) if index_of is not None else None
            if index_of is not None and found is None:
                raise StopIteration
            start = (found if found is not None else next(
                i for i, r in enumerate(rows) if isinstance(r, dict) and r.get("feedbackId") == after
            )) + 1
        except (ValueError, KeyError, TypeError, StopIteration):
            start = len(rows)  # an unknown key continues with nothing, not with page one again
    chunk = rows[max(start, 0) : max(start, 0) + size] if start >= 0 else []
    body = copy.deepcopy(data.body)
    body[section.rows] = copy.deepcopy(chunk)
    more = start >= 0 and start + size < len(rows)
    body["lastEvaluatedKey"] = _feedback_key(chunk[-1]) if chunk and more else None
    return body, len(rows)


# --- Amazon's own counts: consistent with the rows, unless a test skews or removes them ----------------------

COUNT_PATHS: dict[str, tuple[str, ...]] = {
    "voice_of_customer": ("totalListingsCount",),
    "case_log": ("totalNumberOfResults",),
    "compliance_requests": ("issueCount.incompleteCount",),
    "regulatory_compliance": ("listingLevelMetrics.REGULATORY_COMPLIANCE.defects.count",),
}
"""Where each section's bodies carry Amazon's count of the list (rows bodies; the regulatory summary)."""


def adjust_counts(section_id: str, body: dict[str, Any], skew: int, missing: bool) -> dict[str, Any]:
    """``body`` with its counts moved by ``skew`` (Amazon counts more or fewer than it lists) or removed."""
    for path in COUNT_PATHS.get(section_id, ()):
        *parents, last = path.split(".")
        node: Any = body
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or not isinstance(node.get(last), int):
            continue
        if missing:
            del node[last]
        else:
            node[last] = max(0, node[last] + skew)
    return body


AGGREGATE_PERIODS: dict[str, int | None] = {"30D": 30, "90D": 90, "365D": 365, "LIFETIME": None}
"""Feedback Manager's aggregate periods (seen, S1 sec-22) and their length in days."""


def _feedback_day(row: Any) -> date | None:
    text = str(row.get("feedbackDate") or "") if isinstance(row, dict) else ""
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def big_aggregates(counts: dict[str, dict[int, int]], skew: int) -> dict[str, Any]:
    """The aggregates body of the big account, from its star counts per period (scraper/demo/big.py)."""
    periods = {}
    for name, stars in counts.items():
        stars = {**stars, 5: max(0, stars[5] + skew)}
        total = sum(stars.values())
        block: dict[str, Any] = {"durationName": name, "meanRating": None, "positiveCount": stars[4] + stars[5]}
        block["negativeCount"], block["neutralCount"] = stars[1] + stars[2], stars[3]
        if total:
            block["meanRating"] = round(sum(n * c for n, c in stars.items()) / total, 1)
        for n, count in stars.items():
            share = round(100 * count / total) if total else 0
            block[f"rating{n}"], block[f"rating{n}Percentage"] = count, share
            block[f"rating{n}PercentageDisplayString"] = f"{share}%"
        block["effectiveRating"] = block["meanRating"]
        periods[name] = block
    return {"merchantId": "ADEMOMERCHANT0", "durationResponseMap": periods}


def feedback_aggregates(data: Dataset, today: date, empty: bool, skew: int) -> dict[str, Any]:
    """The /fbmapi/v1/aggregates body (shape seen, S1 sec-22): ratings per star of the feedback that Amazon did
    not strike through, per period counted back from ``today`` (the last N days, today included); ``skew``
    stars are added to the five-star count of every period (a test's "Amazon counts more")."""
    periods = {}
    for name, days in AGGREGATE_PERIODS.items():
        stars = dict.fromkeys(range(1, 6), 0)
        for row in [] if empty else data.rows:
            day = _feedback_day(row)
            rating = row.get("numericRating") if isinstance(row, dict) else None
            if row.get("suppressed") is True or day is None or rating not in stars:
                continue
            if days is None or 0 <= (today - day).days < days:
                stars[rating] += 1
        stars[5] = max(0, stars[5] + skew)
        total = sum(stars.values())
        block: dict[str, Any] = {
            "durationName": name,
            "meanRating": round(sum(n * c for n, c in stars.items()) / total, 1) if total else None,
            "positiveCount": stars[4] + stars[5],
            "negativeCount": stars[1] + stars[2],
            "neutralCount": stars[3],
        }
        for n, count in stars.items():
            share = round(100 * count / total) if total else 0
            block[f"rating{n}"] = count
            block[f"rating{n}Percentage"] = share
            block[f"rating{n}PercentageDisplayString"] = f"{share}%"
        block["effectiveRating"] = block["meanRating"]
        periods[name] = block
    return {"merchantId": "ADEMOMERCHANT0", "durationResponseMap": periods}


def _renumber(value: Any, copy_index: int) -> Any:
    """An id with ``copy_index * 1000`` added to its trailing digits (same width), so copies are new records."""
    if not isinstance(value, str) or copy_index == 0:
        return value
    match = re.search(r"(\d+)(\D*)$", value)
    if match is None:
        return f"{value}-{copy_index}"
    digits = match.group(1)
    number = str(int(digits) + copy_index * 1000).zfill(len(digits))
    return value[: match.start(1)] + number + match.group(2)


def grow_dataset(section_id: str, data: Dataset, count: int) -> Dataset:
    """The dataset with exactly ``count`` rows: the case's rows, then copies whose ids are renumbered."""
    from scraper.demo.faults import ROW_ID_FIELDS

    fields = ROW_ID_FIELDS[section_id]
    if not data.rows:
        return data
    rows = []
    for i in range(count):
        row = copy.deepcopy(data.rows[i % len(data.rows)])
        copy_index = i // len(data.rows)
        if isinstance(row, dict):
            for name in fields:
                if name in row:
                    row[name] = _renumber(row[name], copy_index)
        rows.append(row)
    return Dataset(rows, data.body)


def dataset_document(section_id: str, case: str, today: date) -> dict[str, Any]:
    """The whole packaged body of ``case`` (every row on one page), dated for ``today``; for tests and tools that
    compare what the demo serves page by page with the list it serves."""
    return {k: v for k, v in _read_json(section_id, f"{case}.json", today).items() if not k.startswith("_")}


def summary_document(section_id: str, case: str, today: date) -> dict[str, Any]:
    """The packaged summary body of ``case`` (Voice of the Customer, regulatory compliance), dated for ``today``."""
    name = f"{case}.summary.json"
    return {k: v for k, v in _read_json(section_id, name, today).items() if not k.startswith("_")}
