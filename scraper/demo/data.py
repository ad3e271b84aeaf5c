"""The demo's data: fixture bodies cut into pages the way each real endpoint pages them.

Rows come from ``fixtures/<section>/api/<case>.json`` (the saved JSON bodies), so that what the demo
serves is exactly what the golden files describe. Regulatory compliance has no known endpoint; its rows
are built from the DOM golden records ``fixtures/regulatory_compliance/dom/<case>.expected.json``.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scraper.demo.site import Section

HEALTH_KEYS = {
    "VERY_POOR": "veryPoorCount",
    "POOR": "poorCount",
    "FAIR": "fairCount",
    "GOOD": "goodCount",
    "EXCELLENT": "excellentCount",
}


class FixtureMissingError(LookupError):
    """The section has no fixture of the requested case."""


@dataclass(frozen=True)
class Dataset:
    """All rows of one section and case, plus the body's other top-level fields."""

    rows: list[Any]
    body: dict[str, Any]
    """The fixture body without its rows and without documentation keys (those starting with "_")."""


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise FixtureMissingError(f"no fixture {path}")
    return json.loads(path.read_text(encoding="utf-8"))


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


def _regulatory_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """JSON rows for the invented regulatory endpoint, one per golden record."""
    rows = []
    for i, record in enumerate(records, start=1):
        row = {
            "issueId": f"GPSR-DEMO-{i:04d}",
            "requirement": record.get("requirement"),
            "status": record.get("status"),
            "brand": record.get("brand"),
            "asin": record.get("asin"),
            "sku": record.get("sku"),
            "title": record.get("title"),
            "dueDate": record.get("due_date"),
        }
        # A golden keeps a label the spec does not know as {"unknown": label}; the page shows the label.
        rows.append({k: v["unknown"] if isinstance(v, dict) and "unknown" in v else v for k, v in row.items()})
    return rows


def load_dataset(fixtures_dir: Path, section: Section, case: str) -> Dataset:
    """The rows of ``case`` for ``section``; FixtureMissingError when there is no such fixture."""
    if section.from_golden:
        golden = _read_json(fixtures_dir / section.id / "dom" / f"{case}.expected.json")
        return Dataset(_regulatory_rows(golden.get("records", [])), {})
    document = _read_json(fixtures_dir / section.id / "api" / f"{case}.json")
    rows = _get(document, section.rows)
    if not isinstance(rows, list):
        raise FixtureMissingError(f"fixture {section.id}/api/{case}.json has no list at {section.rows!r}")
    body = {k: v for k, v in document.items() if not k.startswith("_") and k != section.rows}
    return Dataset(rows, body)


def page_body(section: Section, data: Dataset, page_value: int, size: int, empty: bool) -> tuple[dict[str, Any], int]:
    """The JSON body of one page (``page_value`` as the endpoint counts pages) and the full row count."""
    rows = [] if empty else data.rows
    index = page_value - section.paging.start
    chunk = rows[index * size : (index + 1) * size] if index >= 0 else []
    body = copy.deepcopy(data.body)
    _set(body, section.rows, copy.deepcopy(chunk))
    if section.total is not None:
        _set(body, section.total, len(rows))
    return body, len(rows)


def voc_summary(fixtures_dir: Path, case: str, data: Dataset, empty: bool) -> dict[str, Any]:
    """The /pcrHealth/pcrKpi body: the case's saved one, else counted from the rows."""
    if empty:
        return dict.fromkeys(HEALTH_KEYS.values(), 0)
    path = fixtures_dir / "voice_of_customer" / "api" / f"{case}.summary.json"
    if path.is_file():
        return {k: v for k, v in _read_json(path).items() if not k.startswith("_")}
    counts = dict.fromkeys(HEALTH_KEYS.values(), 0)
    for row in data.rows:
        key = HEALTH_KEYS.get(str(row.get("pcxHealth", "")).upper()) if isinstance(row, dict) else None
        if key:
            counts[key] += 1
    return counts


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
            start = next(i for i, r in enumerate(rows) if isinstance(r, dict) and r.get("feedbackId") == after) + 1
        except (ValueError, KeyError, TypeError, StopIteration):
            start = len(rows)  # an unknown key continues with nothing, not with page one again
    chunk = rows[max(start, 0) : max(start, 0) + size] if start >= 0 else []
    body = copy.deepcopy(data.body)
    body[section.rows] = copy.deepcopy(chunk)
    more = start >= 0 and start + size < len(rows)
    body["lastEvaluatedKey"] = _feedback_key(chunk[-1]) if chunk and more else None
    return body, len(rows)
