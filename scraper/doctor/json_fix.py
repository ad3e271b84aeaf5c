"""JSON paths and endpoints learnt from the page: where the page's rows still read, find the JSON that
carries the same records, and name its URL, row list and fields again.

The page's records (read with the spec's DOM selectors) are the truth here. A key field is found as the
path whose values, over a page's JSON rows, include every key the page shows (no row order needed); the
rows are then paired by key and every other field the page also shows is found as the path that gives the
page's value in every pair. A field only the JSON carries cannot be checked against anything: the doctor
names the row keys that appeared, but proposes nothing for it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from scraper.doctor.finder import hashable, items
from scraper.doctor.model import Change
from scraper.errors import PageError
from scraper.extract import api_field
from scraper.jsonpath import MISSING, resolve
from scraper.parse import convert, record_key
from scraper.spec import FieldSpec, SectionSpec, Spec
from scraper.values import Locale

MAX_DEPTH = 4
_KEY = re.compile(r"[A-Za-z_][\w-]*")
_REGEX_SPECIAL = set("\\^$.|?*+()[]{}")
_FAILED = object()


@dataclass
class JsonFix:
    """What the JSON side needs: changes, problems found, and what could not be fixed."""

    changes: list[Change] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unfixed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    agreeing: set[str] = field(default_factory=set)
    """API fields whose values agree with the page's (after the changes)."""


@dataclass(frozen=True)
class Bodies:
    """The parsed JSON bodies of one capture page, with the records its rendered page shows (the truth)."""

    page: int
    documents: list[Any]
    truth: list[Any]


def _place(section: SectionSpec, *keys: str) -> tuple[str, ...]:
    return ("sections", section.id, "api", *keys)


# --- paths in a body --------------------------------------------------------------------------------------


def row_lists(document: Any, prefix: str = "", depth: int = 0) -> Iterator[str]:
    """Paths (``a.b``) to every list of objects in a body: where rows can sit."""
    if not isinstance(document, dict) or depth > MAX_DEPTH:
        return
    for key, value in document.items():
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            continue
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            yield path
        elif isinstance(value, dict):
            yield from row_lists(value, path, depth + 1)


def leaf_paths(row: Any, prefix: str = "", depth: int = 0) -> Iterator[str]:
    """Paths to every value of a row, in the spec's path language (``a.b``, ``a[].b`` for lists of objects)."""
    if not isinstance(row, dict) or depth > MAX_DEPTH:
        return
    for key, value in row.items():
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            continue
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            yield from leaf_paths(value, path, depth + 1)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            subpaths: dict[str, None] = {}
            for element in value:
                subpaths.update(dict.fromkeys(leaf_paths(element, "", depth + 1)))
            yield from (f"{path}[].{sub}" for sub in subpaths if "[]" not in sub)
        else:
            yield path


def rows_of(document: Any, path: str) -> list[dict[str, Any]] | None:
    """The rows at a path, or None where there is no list of objects there."""
    rows = resolve(document, path)
    if rows is MISSING or not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        return None
    return rows


def typed(spec: Spec, section: SectionSpec, f: FieldSpec, row: Any) -> Any:
    """A JSON field read and typed as the reader does; a sentinel where it does not convert."""
    raw = api_field(row, f)
    if isinstance(raw, dict) or (isinstance(raw, list) and any(isinstance(v, dict | list) for v in raw)):
        return _FAILED  # an object where a value is meant: not this field's path
    try:
        return convert(section.id, "api", 0, f, raw, Locale(), spec.missing_values)
    except (PageError, TypeError, ValueError):
        return _FAILED


def _path_rank(old: str | None, new: str) -> tuple[int, float, int]:
    """Same depth as the old path first, then the most alike last name, then the shortest."""
    old = old or ""
    depth = abs(old.count(".") - new.count("."))
    near = SequenceMatcher(None, old.rsplit(".", 1)[-1].lower(), new.rsplit(".", 1)[-1].lower()).ratio()
    return (depth, -near, len(new))


# --- keys, pairs, fields ------------------------------------------------------------------------------------


def _covers(spec: Spec, section: SectionSpec, f: FieldSpec, rows_by_page: list[tuple[list[Any], list[Any]]]) -> bool:
    """On every page, the path's values over the JSON rows include every value the page shows."""
    seen_any = False
    for rows, truth in rows_by_page:
        wanted = {hashable(v) for r in truth for v in items(getattr(r, f.name))}
        if not wanted:
            continue
        got: set[Any] = set()
        for row in rows:
            value = typed(spec, section, f, row)
            if value is not _FAILED:
                got.update(hashable(v) for v in items(value))
        if not wanted <= got:
            return False
        seen_any = True
    return seen_any


def find_key_paths(
    spec: Spec, section: SectionSpec, rows_by_page: list[tuple[list[Any], list[Any]]]
) -> dict[str, str] | None:
    """Key field -> the path that carries it (the old one where it still does); None where one is missing."""
    assert section.api is not None
    found = {}
    paths: dict[str, None] = {}
    for rows, _ in rows_by_page:
        for row in rows:
            paths.update(dict.fromkeys(leaf_paths(row)))
    for name in section.key:
        f = section.api.fields[name]
        if _covers(spec, section, f, rows_by_page):
            found[name] = f.path or ""
            continue
        ok = [p for p in paths if _covers(spec, section, dataclasses.replace(f, path=p), rows_by_page)]
        if not ok:
            return None
        found[name] = min(ok, key=lambda p: _path_rank(f.path, p))
    return found


def pair_rows(
    spec: Spec, section: SectionSpec, keys: dict[str, str], rows_by_page: list[tuple[list[Any], list[Any]]]
) -> list[tuple[Any, Any]]:
    """(JSON row, page record) pairs of the same key, the first JSON row of each key on its page."""
    assert section.api is not None
    key_fields = [dataclasses.replace(section.api.fields[n], path=keys[n]) for n in section.key]
    pairs = []
    for rows, truth in rows_by_page:
        by_key = {record_key(section.key, r): r for r in truth}
        taken = set()
        for row in rows:
            key = tuple(typed(spec, section, f, row) for f in key_fields)
            if key in by_key and key not in taken:
                taken.add(key)
                pairs.append((row, by_key[key]))
    return pairs


def _agrees(spec: Spec, section: SectionSpec, f: FieldSpec, pairs: list[tuple[Any, Any]]) -> bool:
    return all(typed(spec, section, f, row) == getattr(record, f.name) for row, record in pairs)


def fix_field_paths(
    spec: Spec,
    section: SectionSpec,
    pairs: list[tuple[Any, Any]],
    names: list[str],
    out: JsonFix,
    changed: dict[str, str] | None = None,
) -> None:
    """For each named field the page also shows: keep its path where it gives the page's values, else find
    the path that does (a change), else say it could not."""
    assert section.api is not None
    paths: dict[str, None] = {}
    for row, _ in pairs:
        paths.update(dict.fromkeys(leaf_paths(row)))
    for name in names:
        f = section.api.fields[name]
        if changed and name in changed:
            f = dataclasses.replace(f, path=changed[name])
        if not any(items(getattr(r, name)) for _, r in pairs):
            continue  # the page shows no value for it on these rows: nothing to learn from
        if _agrees(spec, section, f, pairs):
            out.agreeing.add(name)
            continue
        out.problems.append(f"api.fields.{name} path {f.path!r} does not give the values the page shows")
        ok = [p for p in paths if _agrees(spec, section, dataclasses.replace(f, path=p), pairs)]
        if not ok:
            out.unfixed.append(f"api.fields.{name}: no path of the JSON rows gives the values the page shows")
            continue
        ok.sort(key=lambda p: _path_rank(f.path, p))
        also = f" (also matching: {', '.join(ok[1:4])})" if len(ok) > 1 else ""
        out.changes.append(
            Change(
                _place(section, "fields", name, "path"),
                section.api.fields[name].path,
                ok[0],
                f"gives the page's {name} in all {len(pairs)} row(s){also}",
            )
        )
        out.agreeing.add(name)


def json_only_hints(spec: Spec, section: SectionSpec, rows: list[Any], changed: dict[str, str], out: JsonFix) -> None:
    """Fields only the JSON carries whose path is in no row: said (with the row keys no field reads), never
    guessed. A required one also makes the section unreadable, so it counts as unfixed."""
    assert section.api is not None
    if not rows:
        return
    used = {changed.get(n, f.path) for n, f in section.api.fields.items()}
    present: dict[str, None] = {}
    for row in rows:
        present.update(dict.fromkeys(leaf_paths(row)))
    unused = [p for p in present if p not in used and not any(u and (p.startswith(f"{u}.") or p == u) for u in used)]
    for name, f in section.api.fields.items():
        if name in section.dom.fields or name in changed:
            continue
        path = f.path or ""
        if any(resolve(row, path) is not MISSING for row in rows):
            continue
        alike = sorted(unused, key=lambda p: -SequenceMatcher(None, p.lower(), path.lower()).ratio())
        hint = f"; keys no field reads, most alike first: {', '.join(alike[:6])}" if unused else ""
        text = (
            f"api.fields.{name}: path {path!r} is in none of the {len(rows)} row(s) and the page does not show it{hint}"
        )
        if f.required:
            out.unfixed.append(text + " (required: the JSON cannot be read until it is found by hand)")
        else:
            out.notes.append(text + " (optional: it reads as absent; renamed, or not sent for these rows?)")


# --- the endpoint --------------------------------------------------------------------------------------------


def literal_prefix(pattern: str) -> tuple[str, int]:
    """The literal text a regular expression starts with and where it ends in the pattern
    (``/a/b\\?x`` -> ``("/a/b?x", 7)``)."""
    text, i = "", 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt.isalnum():
                break  # \b, \d, \w ...: not a literal
            text, i = text + nxt, i + 2
            continue
        if ch in _REGEX_SPECIAL:
            break
        text, i = text + ch, i + 1
    return text, i


def escape(text: str) -> str:
    """A literal for a regular expression, escaping only what must be (paths stay readable)."""
    return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in text)


def url_pattern_for(old: str, new_path: str) -> str:
    """The old pattern with its path replaced by the new one, keeping what follows the path (``\\b``, a
    query condition); a plain ``<path>\\b`` where the old pattern does not start with a path."""
    literal, end = literal_prefix(old)
    path = literal.split("?", 1)[0]
    if not path.startswith("/"):
        return escape(new_path) + r"\b"
    # Where the literal went on past the path (a query), keep the pattern from the path's end on.
    cut = 0
    seen = ""
    while cut < end and seen != path:
        if old[cut] == "\\":
            seen += old[cut + 1]
            cut += 2
        else:
            seen += old[cut]
            cut += 1
    return escape(new_path) + old[cut:]


def find_rows(
    spec: Spec, section: SectionSpec, bodies: list[Bodies]
) -> tuple[str, dict[str, str], list[tuple[list[Any], list[Any]]]] | None:
    """(rows path, key paths, rows per page) of the first row list whose rows carry every key the page
    shows: the spec's own rows path first."""
    assert section.api is not None
    candidates = [section.api.rows]
    for b in bodies:
        for document in b.documents:
            candidates.extend(p for p in row_lists(document) if p not in candidates)
    for path in candidates:
        rows_by_page = []
        for b in bodies:
            rows = [r for d in b.documents for r in (rows_of(d, path) or [])]
            rows_by_page.append((rows, b.truth))
        if not any(rows for rows, _ in rows_by_page):
            continue
        keys = find_key_paths(spec, section, rows_by_page)
        if keys is not None:
            return path, keys, rows_by_page
    return None


def fix_json(spec: Spec, section: SectionSpec, bodies: list[Bodies], out: JsonFix) -> None:
    """Rows path, key paths and shared field paths of the section's own endpoint, from the page's records."""
    assert section.api is not None
    found = find_rows(spec, section, bodies)
    if found is None:
        out.unfixed.append(
            "api: no list of rows in the endpoint's JSON carries the keys the page shows "
            f"({', '.join(section.key)}); nothing safe to propose"
        )
        return
    _changes_for(spec, section, found, out)


def _changes_for(
    spec: Spec,
    section: SectionSpec,
    found: tuple[str, dict[str, str], list[tuple[list[Any], list[Any]]]],
    out: JsonFix,
) -> None:
    assert section.api is not None
    rows_path, keys, rows_by_page = found
    if rows_path != section.api.rows:
        out.problems.append(f"api.rows {section.api.rows!r} is not a list of rows in the JSON")
        out.changes.append(
            Change(_place(section, "rows"), section.api.rows, rows_path, "the list whose rows carry the page's keys")
        )
    for name, path in keys.items():
        old = section.api.fields[name].path
        if path != old:
            out.problems.append(f"api.fields.{name} path {old!r} does not carry the keys the page shows")
            out.changes.append(
                Change(_place(section, "fields", name, "path"), old, path, f"carries every {name} the page shows")
            )
        out.agreeing.add(name)
    pairs = pair_rows(spec, section, keys, rows_by_page)
    shared = [n for n in section.api.fields if n in section.dom.fields and n not in section.key]
    fix_field_paths(spec, section, pairs, shared, out, keys)
    json_only_hints(spec, section, [r for rows, _ in rows_by_page for r in rows], keys, out)


def fix_endpoint(
    spec: Spec, section: SectionSpec, calls: dict[tuple[str, str], list[Bodies]], all_urls: list[str], out: JsonFix
) -> str | None:
    """Among the page's other JSON calls ((method, path) -> bodies per page), the one whose rows carry the
    records the page shows: its url_pattern (and method, rows path, field paths) as changes. Returns the new
    url_pattern, or None (and why, in ``out``)."""
    assert section.api is not None
    old = section.api.url_pattern.pattern
    for (method, path), bodies in calls.items():
        found = find_rows(spec, section, bodies)
        if found is None:
            continue
        pattern = url_pattern_for(old, path)
        try:
            compiled = re.compile(pattern)
        except re.error:
            continue
        matched = [u for u in all_urls if compiled.search(u)]
        if not matched or any(not u.split("?")[0].endswith(path) for u in matched):
            continue  # the pattern would also take another endpoint's answers
        out.changes.append(
            Change(
                _place(section, "url_pattern"),
                old,
                pattern,
                f"the page now fetches its rows from {method} {path} ({len(matched)} call(s) in the capture)",
            )
        )
        if method != section.api.method:
            out.changes.append(Change(_place(section, "method"), section.api.method, method, "the page's call method"))
        _changes_for(spec, section, found, out)
        return pattern
    out.unfixed.append(
        f"api.url_pattern: the page did not call {old!r}, and none of its {len(calls)} other JSON call(s) carries "
        f"the keys the page shows ({', '.join(section.key)}); nothing safe to propose"
    )
    return None
