"""The doctor's changes as a text patch of selectors.yaml, and its unified diff.

The file is edited as text, line by line, so that every comment, anchor and the layout stay as they are:
only the changed value is rewritten (double-quoted), and the changed line's comment is replaced by a
provenance note (the file says where every selector comes from; tests/test_provenance.py checks it). Where
a value spans lines (``>-``), it becomes one quoted line. A key is added after its sibling (``attr`` after
``css``) or removed with its line; in a one-line ``{...}`` mapping it is added or removed in place.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import yaml

from scraper.doctor.model import Change


def provenance(day: str) -> str:
    """The comment every changed line gets: a provenance word the provenance test accepts, and a warning."""
    return f"inferred by scraper doctor {day} from a capture, check against the live page"


def yaml_quote(value: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def comment_start(line: str) -> int | None:
    """Where a line's YAML comment starts (a '#' after whitespace, outside quotes); None without one."""
    quote = None
    for i, ch in enumerate(line):
        if quote is None and ch in "\"'":
            quote = ch
        elif ch == quote:
            quote = None
        elif quote is None and ch == "#" and (i == 0 or line[i - 1].isspace()):
            return i
    return None


class PatchError(ValueError):
    """A change names a place the file does not have (or has in a shape this module cannot edit)."""


@dataclass
class _Edit:
    line: int
    """0-based line of the original text."""
    start: int
    end: int
    text: str


def _find(root: yaml.Node, place: tuple[str, ...]) -> tuple[yaml.MappingNode, yaml.Node | None, yaml.Node | None]:
    """(the mapping holding the last key, its key node, its value node); the nodes None where the key is new."""
    node = root
    for i, key in enumerate(place):
        if not isinstance(node, yaml.MappingNode):
            raise PatchError(f"{'.'.join(place[:i])} is not a mapping")
        pair = next(((k, v) for k, v in node.value if getattr(k, "value", None) == key), None)
        if pair is None:
            if i == len(place) - 1:
                return node, None, None
            raise PatchError(f"{'.'.join(place[: i + 1])} is not in the file")
        if i == len(place) - 1:
            return node, pair[0], pair[1]
        node = pair[1]
    raise PatchError("empty place")


def patch_text(text: str, changes: list[Change], day: str) -> str:
    """selectors.yaml with the changes applied; PatchError where a place cannot be edited."""
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # marks only; C is faster
    if root is None:
        raise PatchError("the file is empty")
    lines = text.splitlines(keepends=True)
    edits: list[_Edit] = []
    replace_lines: dict[int, tuple[int, str]] = {}
    """First line -> (last line, the one line that replaces them) for values spanning lines."""
    inserts: dict[int, list[str]] = {}
    """Line after which new lines go."""
    deletes: set[int] = set()
    touched: set[int] = set()
    for change in changes:
        mapping, key, value = _find(root, change.place)
        name = change.place[-1]
        if key is not None and value is not None and change.new is not None:
            if not isinstance(value, yaml.ScalarNode):
                raise PatchError(f"{change.where} is not a single value")
            first, last = value.start_mark.line, value.end_mark.line
            if value.style in {">", "|"} or last > first:
                end_line = value.end_mark.line - (1 if value.end_mark.column == 0 else 0)
                indent = " " * key.start_mark.column
                replace_lines[key.start_mark.line] = (end_line, f"{indent}{name}: {yaml_quote(change.new)}")
                touched.add(key.start_mark.line)
            else:
                edits.append(_Edit(first, value.start_mark.column, value.end_mark.column, yaml_quote(change.new)))
                touched.add(first)
        elif key is not None and value is not None:  # remove the key
            if mapping.flow_style:
                pairs = mapping.value
                index = next(i for i, (k, _) in enumerate(pairs) if k is key)
                line = key.start_mark.line
                if index > 0:
                    start = pairs[index - 1][1].end_mark.column
                    edits.append(_Edit(line, start, value.end_mark.column, ""))
                else:
                    following = pairs[1][0].start_mark.column if len(pairs) > 1 else value.end_mark.column
                    edits.append(_Edit(line, key.start_mark.column, following, ""))
                touched.add(line)
            else:
                deletes.update(range(key.start_mark.line, value.end_mark.line + 1))
        elif change.new is not None:  # a new key
            anchor = next((v for k, v in mapping.value if getattr(k, "value", None) in {"css", "column", "path"}), None)
            anchor = anchor or mapping.value[-1][1]
            if mapping.flow_style:
                edits.append(
                    _Edit(
                        anchor.end_mark.line,
                        anchor.end_mark.column,
                        anchor.end_mark.column,
                        f", {name}: {yaml_quote(change.new)}",
                    )
                )
                touched.add(anchor.end_mark.line)
            else:
                indent = " " * mapping.value[0][0].start_mark.column
                after = anchor.end_mark.line - (1 if anchor.end_mark.column == 0 else 0)
                inserts.setdefault(after, []).append(
                    f"{indent}{name}: {yaml_quote(change.new)}   # {provenance(day)}\n"
                )
        else:
            raise PatchError(f"{change.where}: nothing to remove")
    note = provenance(day)
    for edit in sorted(edits, key=lambda e: (e.line, e.start), reverse=True):
        line = lines[edit.line]
        lines[edit.line] = line[: edit.start] + edit.text + line[edit.end :]
    for n in touched:
        if n in replace_lines:
            continue
        line = lines[n].rstrip("\n")
        cut = comment_start(line)
        code = (line[:cut] if cut is not None else line).rstrip()
        lines[n] = f"{code}   # {note}\n"
    out: list[str] = []
    skip_until = -1
    for n, line in enumerate(lines):
        if n <= skip_until:
            pass
        elif n in replace_lines:
            last, new = replace_lines[n]
            out.append(f"{new}   # {note}\n")
            skip_until = last
        elif n not in deletes:
            out.append(line)
        out.extend(inserts.get(n, []))
    return "".join(out)


def unified_diff(old: str, new: str, name: str = "selectors.yaml") -> str:
    """The unified diff a person reviews (and ``git apply`` / ``patch -p1`` applies)."""
    return "".join(
        difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}")
    )
