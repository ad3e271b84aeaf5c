"""Pure comparison of a section's records between its last successful read and now.

Records are compared in their stable JSON form, keyed by the section's key fields. A record is *new*
(never seen), *reappeared* (seen before, then gone), *changed* (same key, other values; the changed
fields with old and new values) or *resolved* (was there, is gone).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from scraper.records import record_from_json

ChangeKind = Literal["new", "changed", "resolved", "reappeared"]


class FieldChange(NamedTuple):
    """One field's value before and after a change (a pair: the history stores it as ``[before, after]``)."""

    before: Any
    after: Any


@dataclass(frozen=True)
class Change:
    """One record's change between two successful reads of its section."""

    kind: ChangeKind
    key: str
    """The record's key as stable JSON text (a list of the key fields' values)."""
    data: dict[str, Any]
    """The record now (for resolved: as last seen)."""
    fields: dict[str, FieldChange] = field(default_factory=dict)
    """For changed and reappeared records: field name -> its value before and after."""


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, FieldChange]:
    """The fields whose values differ, with their values before and after."""
    return {
        name: FieldChange(old.get(name), new.get(name))
        for name in sorted(set(old) | set(new))
        if old.get(name) != new.get(name)
    }


def diff_records(
    active: dict[str, dict[str, Any]], gone: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]]
) -> list[Change]:
    """Changes from the ``active`` records of the last read (and ``gone`` ones resolved earlier) to ``current``."""
    changes: list[Change] = []
    for key, data in current.items():
        if key in active:
            diff = field_changes(active[key], data)
            if diff:
                changes.append(Change("changed", key, data, diff))
        elif key in gone:
            changes.append(Change("reappeared", key, data, field_changes(gone[key], data)))
        else:
            changes.append(Change("new", key, data))
    changes.extend(Change("resolved", key, data) for key, data in active.items() if key not in current)
    return changes


@dataclass(frozen=True)
class RecordChange:
    """A :class:`Change` with the record typed again (``scraper.records``): what the findings rules read."""

    kind: ChangeKind
    key: str
    """The record's key as the history stores it (``scraper.serialize.key_parts`` gives its values)."""
    record: Any
    """The typed record now (for resolved: as last seen): a ``Feedback``, ``Case``, ... of the section."""
    fields: Mapping[str, FieldChange] = field(default_factory=dict)
    """For changed and reappeared records: field name -> its values before and after."""


def typed_change(record_type: type, change: Change) -> RecordChange:
    """``change`` with its record rebuilt as ``record_type`` (raises ValueError where the stored form does not fit)."""
    return RecordChange(
        change.kind,
        change.key,
        record_from_json(record_type, change.data),
        {name: FieldChange(*values) for name, values in change.fields.items()},
    )
