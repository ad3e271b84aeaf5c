"""The stable JSON form of records: sorted keys, ISO dates, exact decimals as strings.

Golden files use it now and the history store later, so its output must not change for equal input.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from scraper.records import Unknown


def to_jsonable(value: Any) -> Any:
    """Plain JSON data for a record, a list of records, or any value a record holds."""
    if isinstance(value, Unknown):
        return {"unknown": value.raw}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


def dumps(value: Any) -> str:
    """Indented, key-sorted JSON text with a final newline; non-ASCII kept readable."""
    return json.dumps(to_jsonable(value), sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def display(value: Any) -> str:
    """A JSON-form value as one line of text: lists joined, unknown enum labels as "? label", None empty."""
    if isinstance(value, dict) and set(value) == {"unknown"}:
        return f"? {value['unknown']}"
    if isinstance(value, list):
        return ", ".join(display(v) for v in value)
    return "" if value is None else str(value)
