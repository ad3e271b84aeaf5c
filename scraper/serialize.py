"""The stable JSON form of records: sorted keys, ISO dates, exact decimals as strings.

Golden files use it now and the history store later, so its output must not change for equal input.
"""

from __future__ import annotations

import dataclasses
import json
import re
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


def key_text(key: tuple[Any, ...]) -> str:
    """A record key (the values of its section's key fields) as the stable JSON text the history stores."""
    return json.dumps(to_jsonable(list(key)), ensure_ascii=False)


def key_parts(text: str) -> tuple[Any, ...]:
    """A stored record key's parts again, in their JSON form (a list-valued key field stays a list).

    The one place that reads a key's text: code that needs a key's values asks here instead of parsing it.
    Raises ValueError where ``text`` is not a key the history wrote.
    """
    parts = json.loads(text)
    if not isinstance(parts, list):
        raise ValueError(f"not a record key: {text!r}")
    return tuple(parts)


def dumps(value: Any) -> str:
    """Indented, key-sorted JSON text with a final newline; non-ASCII kept readable."""
    return json.dumps(to_jsonable(value), sort_keys=True, ensure_ascii=False, indent=2) + "\n"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
"""Control characters, terminal escape sequences among them: page text must not drive the terminal."""


def _printable(text: str) -> str:
    return _CONTROL.sub(lambda m: " " if m.group() in "\t\n\r" else "", text)


def display(value: Any) -> str:
    """A JSON-form value as one line of text: lists joined, unknown enum labels as "? label", None empty."""
    if isinstance(value, dict) and set(value) == {"unknown"}:
        return f"? {_printable(str(value['unknown']))}"
    if isinstance(value, list):
        return ", ".join(display(v) for v in value)
    return "" if value is None else _printable(str(value))
