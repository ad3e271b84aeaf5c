"""Strict reading of our YAML files (selectors.yaml, the accounts config) with line numbers in errors.

:func:`load_yaml` returns mappings as :class:`YamlMap`, which remember the line of each key, and refuses
duplicate keys. :class:`Checker` walks such a tree and raises the caller's error class naming the file,
the dotted place (``sections.feedback.dom.rows``) and the line.
"""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

import yaml

from scraper.errors import FileCheckError


class YamlMap(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers its own line and the line of each key."""

    line: int | None = None
    key_lines: dict[str, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines = {}


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader whose mappings are :class:`YamlMap` and that refuses duplicate keys."""


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> YamlMap:
    result = YamlMap()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def load_yaml(path: Path, error: type[FileCheckError]) -> Any:
    """Parse a YAML file; unreadable files and syntax errors become ``error`` with the line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(str(path), "", f"cannot read the file: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(
            str(path), "", f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8", line
        ) from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(str(path), "", f"not valid YAML: {problem}", mark.line + 1 if mark else None) from exc


class Checker:
    """Typed access to a YamlMap tree that fails with the file, place and line."""

    def __init__(self, file: str, error: type[FileCheckError]) -> None:
        self.file = file
        self.error = error

    def fail(self, where: str, message: str, node: object = None, key: str | None = None) -> typing.NoReturn:
        """Raise the error class for ``where``, with the line of ``key`` in ``node`` where known."""
        line = None
        if isinstance(node, YamlMap):
            line = node.key_lines.get(key, node.line) if key is not None else node.line
        raise self.error(self.file, where, message, line)

    def mapping(
        self, node: object, where: str, required: set[str], optional: set[str], parent: object = None
    ) -> YamlMap:
        """``node`` as a mapping with exactly the allowed keys and all required ones."""
        if not isinstance(node, YamlMap):
            self.fail(where, f"expected a mapping, got {type(node).__name__}", parent, where.rsplit(".", 1)[-1])
        for key in node:
            if key not in required | optional:
                allowed = ", ".join(sorted(required | optional))
                self.fail(
                    f"{where}.{key}" if where else str(key), f"unknown key {key!r} (allowed: {allowed})", node, key
                )
        for key in sorted(required):
            if key not in node:
                self.fail(where, f"missing required key {key!r}", node)
        return node

    def string(self, node: YamlMap, key: str, where: str) -> str:
        """A non-empty string."""
        value = node[key]
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{where}.{key}", "expected a non-empty string", node, key)
        return value

    def regex(self, node: YamlMap, key: str, where: str) -> re.Pattern[str]:
        """A string that compiles as a regular expression."""
        value = self.string(node, key, where)
        try:
            return re.compile(value)
        except re.error as exc:
            self.fail(f"{where}.{key}", f"invalid regular expression {value!r}: {exc}", node, key)

    def boolean(self, node: YamlMap, key: str, where: str, default: bool) -> bool:
        """true or false, ``default`` when absent."""
        value = node.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"{where}.{key}", "expected true or false", node, key)
        return value

    def integer(
        self, node: YamlMap, key: str, where: str, default: int | None = None, low: int = 0, high: int | None = None
    ) -> int:
        """A whole number in ``low..high`` (>= 0 by default), ``default`` when absent (and a default is given)."""
        if key not in node and default is not None:
            return default
        value = node[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
            span = f"from {low} to {high}" if high is not None else f">= {low}"
            self.fail(f"{where}.{key}", f"expected a whole number {span}", node, key)
        return value

    def string_list(self, node: YamlMap, key: str, where: str) -> list[str]:
        """A non-empty list of non-empty strings."""
        value = node[key]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(f"{where}.{key}", "expected a non-empty list of strings", node, key)
        return value
