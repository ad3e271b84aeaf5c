"""Which visible elements of a page hold a known value, read exactly the way a spec field reads it.

A value is found by reading every element's text and attributes through the field's own transforms and
type (a date shown as "27.07.2026" in a German page is found by the date the JSON sends), so nothing here
knows how Seller Central formats anything. Where an element and its descendant both hold a value by their
text, only the innermost counts: it is the one a selector should name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from bs4 import Tag

from scraper.errors import PageError
from scraper.parse import convert
from scraper.spec import FieldSpec, Spec
from scraper.text import element_text, squash
from scraper.values import Locale

MAX_TEXT = 3000
"""Longer texts are not read as values (a whole table's text never is one)."""

SKIPPED_ATTRS = frozenset({"class", "style"})


@dataclass(frozen=True)
class Holder:
    """An element that shows a value: by its text (``attr`` None) or by one attribute."""

    element: Tag
    attr: str | None


def text_of(element: Tag) -> str:
    """An element's text as the reader sees it (whitespace collapsed)."""
    return element_text(element)


def attr_of(element: Tag, name: str) -> str | None:
    """An attribute as the reader sees it (lists joined, whitespace collapsed)."""
    value = element.get(name)
    if isinstance(value, list):
        return " ".join(value)
    return squash(value) if value is not None else None


def locatable(field: FieldSpec) -> bool:
    """Whether a field's values say where they are shown: a yes/no reads from almost any text."""
    return not field.exists and field.type != "bool"


def items(value: Any) -> tuple[Any, ...]:
    """A record value as the items a page shows: a tuple's items, one value, or none for None."""
    if value is None:
        return ()
    if isinstance(value, tuple):
        return value
    return (value,)


def hashable(value: Any) -> Hashable:
    """A dictionary key for a typed value."""
    return value if isinstance(value, Hashable) else repr(value)


class Finder:
    """Reads elements as a field would and remembers what each reading gave (pages repeat texts a lot)."""

    def __init__(self, spec: Spec, section_id: str, locale: Locale) -> None:
        self.spec = spec
        self.section_id = section_id
        self.locale = locale
        self._cache: dict[tuple[str, str | None, str], tuple[Any, ...]] = {}

    def typed(self, field: FieldSpec, attr: str | None, raw: str) -> tuple[Any, ...]:
        """The items one reading gives for a field (empty when it gives no value or does not parse)."""
        key = (field.name, attr, raw)
        if key not in self._cache:
            probe = dataclasses.replace(field, css=None, attr=attr, required=False)
            try:
                value = convert(self.section_id, "dom", 0, probe, raw, self.locale, self.spec.missing_values)
            except PageError:
                value = None
            self._cache[key] = items(value)
        return self._cache[key]

    def index(self, scope: Tag, field: FieldSpec) -> dict[Hashable, list[Holder]]:
        """Every value the field reads from any element in ``scope`` (itself included) -> its holders."""
        found: dict[Hashable, list[Holder]] = {}
        if not locatable(field):
            return found
        for element in [scope, *scope.find_all(True)]:
            text = text_of(element)
            if text and len(text) <= MAX_TEXT:
                for value in self.typed(field, None, text):
                    found.setdefault(hashable(value), []).append(Holder(element, None))
            for name in element.attrs:
                if name in SKIPPED_ATTRS:
                    continue
                raw = attr_of(element, name)
                if raw:
                    for value in self.typed(field, name, raw):
                        found.setdefault(hashable(value), []).append(Holder(element, name))
        return {value: _innermost(holders) for value, holders in found.items()}


def _innermost(holders: list[Holder]) -> list[Holder]:
    """Holders by text whose descendant holds the same value by text are dropped (the descendant is it)."""
    by_text = {id(h.element) for h in holders if h.attr is None}
    kept = []
    for h in holders:
        if h.attr is None and any(id(d) in by_text for d in h.element.find_all(True)):
            continue
        kept.append(h)
    return kept
