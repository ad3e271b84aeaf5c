"""The JSON paths of selectors.yaml, evaluated by JMESPath.

The file keeps its small syntax: ``a.b``, ``a[].b`` (flatten a list), ``a[0].b``, where a name may start
with a digit (Feedback Manager's aggregates are keyed ``30D``) or hold a hyphen. :func:`compile_path`
turns such a path into a JMESPath expression with every name quoted (``"a"[]."b"``) and compiles it; the
spec loader compiles every path it reads, so a run only looks compiled expressions up.
"""

from __future__ import annotations

import json
import re
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult

MISSING: Any = object()
"""Returned where the path finds nothing: the key is absent or its value is null (JMESPath does not tell
the two apart, and no reader does either: a null field and a missing one both read as no value)."""

SYNTAX = re.compile(r"[A-Za-z0-9_][\w-]*(\[\d*\])?(\.[A-Za-z0-9_][\w-]*(\[\d*\])?)*")
"""What selectors.yaml accepts as a JSON path."""
_SEGMENT = re.compile(r"([^.\[\]]+)(\[\d*\])?")
_COMPILED: dict[str, ParsedResult] = {}


def to_jmespath(path: str) -> str:
    """The JMESPath expression of a selectors.yaml path; ValueError where the path is not valid."""
    if not SYNTAX.fullmatch(path):
        raise ValueError(f"invalid JSON path {path!r} (use a.b, a[].b or a[0].b)")
    parts = []
    for segment in path.split("."):
        m = _SEGMENT.fullmatch(segment)
        assert m is not None  # SYNTAX admits only such segments
        parts.append(json.dumps(m.group(1)) + (m.group(2) or ""))
    return ".".join(parts)


def compile_path(path: str) -> ParsedResult:
    """The compiled expression of ``path`` (compiled once per process); ValueError where it is not valid."""
    found = _COMPILED.get(path)
    if found is None:
        try:
            found = jmespath.compile(to_jmespath(path))
        except JMESPathError as exc:  # not expected after SYNTAX; named like any invalid path
            raise ValueError(f"invalid JSON path {path!r}: {exc}") from exc
        _COMPILED[path] = found
    return found


def resolve(document: Any, path: str) -> Any:
    """The value at ``path``, or MISSING; a flattened path (``[]``) gives the list of the values it found.

    A flattened path skips the elements that lack the rest of the path or hold null there (a JMESPath
    projection), so ``offerInfo[].sku`` over ``[{"sku": "A"}, {}, {"sku": null}]`` gives ``["A"]``.
    """
    value = compile_path(path).search(document)
    return MISSING if value is None else value
