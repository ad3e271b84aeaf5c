"""The small JSON path language of selectors.yaml: ``a.b``, ``a[].b`` (flatten a list), ``a[0].b``."""

from __future__ import annotations

import re
from typing import Any

MISSING: Any = object()
"""Returned when the path does not exist in the document (as opposed to an explicit null)."""

_SEGMENT = re.compile(r"([^.\[\]]+)(\[(\d*)\])?")


def resolve(document: Any, path: str) -> Any:
    """The value at ``path``; a list where the path flattens with ``[]``; MISSING where absent.

    A flattened path skips elements that lack the rest of the path, so ``offerInfo[].sku`` over
    ``[{"sku": "A"}, {}]`` gives ``["A"]``.
    """
    current: list[Any] = [document]
    flattened = False
    for segment in path.split("."):
        m = _SEGMENT.fullmatch(segment)
        if m is None:
            raise ValueError(f"invalid path segment {segment!r} in {path!r}")
        name, bracket, index = m.group(1), m.group(2), m.group(3)
        step: list[Any] = []
        for node in current:
            if not isinstance(node, dict) or name not in node:
                continue
            value = node[name]
            if bracket is None:
                step.append(value)
            elif not isinstance(value, list):
                continue
            elif index == "":
                step.extend(value)
                flattened = True
            elif int(index) < len(value):
                step.append(value[int(index)])
        current = step
    if flattened:
        return current
    return current[0] if current else MISSING
