"""Selectors that pick the same element in every row: candidates from located elements, and their ranking.

A candidate names an element by what is least likely to change: a data attribute or test id, an id, a
custom element's tag, an attribute's presence; then classes (a class with a build-hash suffix is named by
its stem, ``[class*='col_order_date']``); a bare generic tag or a selector that matches several elements
where one is meant counts as positional; a ``:nth-child`` chain is the last resort, used only where nothing
else reproduces the values. Among candidates of the same strength, the one closest to the old selector wins
(the smallest edit a person has to review).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

STABLE, CLASS, GENERIC, POSITION = 0, 1, 2, 3
"""Strengths, best first."""

_IDENT = re.compile(r"-?[_a-zA-Z][\w-]*")
_HASHED = re.compile(r"^(?P<stem>[A-Za-z][\w-]*?[A-Za-z0-9])[_-](?=[A-Za-z]*\d)[A-Za-z0-9]{4,10}$")
_RANDOM_STEMS = frozenset({"css", "sc", "jsx", "kat", "emotion"})
_EXACT_ATTRS = re.compile(r"^(data-[\w-]+|id|role|name|type|part|slot|for|rel)$")
"""Attributes whose value is an identifier, not words of the UI language (aria-label, title, label are)."""
_PRESENCE_ATTRS = frozenset({"href", "label", "value", "src", "title", "aria-label", "datetime"})
_TEXT_TAGS = frozenset(
    {"div", "span", "a", "p", "b", "i", "strong", "em", "li", "ul", "ol", "td", "th", "tr", "small", "label", "section"}
)


@dataclass(frozen=True)
class Candidate:
    """A selector (None: the row or cell itself) with the attribute to read (None: the text)."""

    css: str | None
    attr: str | None
    strength: int
    origin: str
    """"kept", "rewrite" (the old selector with renamed classes or attributes), "located", "position"."""
    near: bool = False
    """Inside the element the old selector still leads to (its column): where the value was, not a copy of
    it elsewhere in the row (an action button carrying the same id)."""


def is_ident(text: str) -> bool:
    """A CSS identifier (usable after '.', '#' or as an attribute name)."""
    return bool(_IDENT.fullmatch(text))


def _quoted(value: str) -> str | None:
    return f"'{value}'" if "'" not in value and "\\" not in value and "\n" not in value else None


def class_stem(name: str) -> str | None:
    """The stable part of a class with a build-hash suffix (``col_order_date_x7hq2`` -> ``col_order_date``)."""
    m = _HASHED.match(name)
    if m is None or m["stem"].lower() in _RANDOM_STEMS or len(m["stem"]) < 3:
        return None
    return m["stem"]


def _looks_random(name: str) -> bool:
    """A class that is only a hash (``css-1k9xq2``): naming it would break with the next build."""
    return bool(re.fullmatch(r"(css|sc|jsx|kat|emotion)?[-_]?(?=[A-Za-z]*\d)[A-Za-z0-9]{5,8}", name))


def parts(element: Tag) -> list[tuple[str, int]]:
    """Compound selectors that name this element, each with its strength (with and without the tag)."""
    tag = element.name
    custom = "-" in tag
    out: list[tuple[str, int]] = [(tag, STABLE if custom else GENERIC)]
    qualifiers: list[tuple[str, int]] = []
    for name, value in element.attrs.items():
        if name == "class":
            classes = value if isinstance(value, list) else str(value).split()
            for c in classes:
                stem = class_stem(c)
                quoted = _quoted(stem) if stem is not None else None
                if quoted is not None:
                    qualifiers.append((f"[class*={quoted}]", CLASS))
                elif is_ident(c) and not _looks_random(c):
                    qualifiers.append((f".{c}", CLASS))
            continue
        if not is_ident(name) or name == "style":
            continue
        text = " ".join(value) if isinstance(value, list) else str(value)
        if name == "id" and is_ident(text):
            qualifiers.append((f"#{text}", STABLE))
        elif _EXACT_ATTRS.match(name):
            quoted = _quoted(text)
            if quoted and text:
                qualifiers.append((f"[{name}={quoted}]", STABLE))
                prefix = re.match(r"^(.*[-_])[^-_]+$", text)
                if prefix and len(prefix.group(1)) >= 4 and _quoted(prefix.group(1)):
                    qualifiers.append((f"[{name}^={_quoted(prefix.group(1))}]", STABLE))
            out.append((f"{tag}[{name}]", STABLE if custom else GENERIC))
        elif name == "href" and text:
            qualifiers.extend((f"[href*={q}]", STABLE) for p in _href_parts(text) if (q := _quoted(p)))
            out.append((f"{tag}[href]", STABLE if custom else GENERIC))
        elif name in _PRESENCE_ATTRS:
            out.append((f"{tag}[{name}]", STABLE if custom else GENERIC))
    for qualifier, strength in qualifiers:
        out.append((qualifier, strength))
        out.append((tag + qualifier, strength))
    return out


def _href_parts(href: str) -> list[str]:
    """Substrings of a link that name its target rather than one record: its path up to the last
    segment, and the last segment with the first query parameter (``view-case?caseID=``)."""
    url = urlsplit(href)
    found = []
    path = url.path
    if "/" in path.rstrip("/"):
        head = path[: path.rstrip("/").rfind("/") + 1]
        if len(head) > 4:
            found.append(head)
    if url.query:
        first = url.query.split("&")[0].split("=")[0]
        last = path.rstrip("/").rsplit("/", 1)[-1]
        if first:
            found.append(f"{last}?{first}=" if last else f"?{first}=")
    return found


def descendant_candidates(scope: Tag, element: Tag, attr: str | None, depth: int = 3) -> list[Candidate]:
    """Selectors relative to ``scope`` for ``element``: its own parts, alone and under one ancestor part."""
    if element is scope:
        return [Candidate(None, attr, STABLE, "located")]
    own = parts(element)
    found = [Candidate(css, attr, strength, "located") for css, strength in own]
    ancestors: list[Tag] = []
    for parent in element.parents:
        if parent is scope or parent is None or len(ancestors) >= depth:
            break
        ancestors.append(parent)
    for parent in ancestors:
        for outer, s1 in parts(parent):
            for inner, s2 in own:
                found.append(Candidate(f"{outer} {inner}", attr, max(s1, s2), "located"))
    return found


def positional(scope: Tag, element: Tag, attr: str | None) -> Candidate | None:
    """A ``:scope > a:nth-child(k) > ...`` chain from scope to element: the last resort."""
    chain = []
    node: Tag | None = element
    while node is not None and node is not scope:
        parent = node.parent
        if parent is None:
            return None
        siblings = [c for c in parent.children if isinstance(c, Tag)]
        chain.append(f"{node.name}:nth-child({siblings.index(node) + 1})")
        node = parent
    if node is None or not chain:
        return None
    return Candidate(":scope > " + " > ".join(reversed(chain)), attr, POSITION, "position")


# --- the old selector, rewritten -------------------------------------------------------------------------


def _outside_brackets(css: str) -> list[bool]:
    """For each character: True where it is outside [...], (...) and quotes."""
    flags, depth, quote = [], 0, None
    for ch in css:
        if quote:
            flags.append(False)
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
            flags.append(False)
        elif ch in "[(":
            depth += 1
            flags.append(False)
        elif ch in "])":
            depth -= 1
            flags.append(False)
        else:
            flags.append(depth == 0)
    return flags


def class_tokens(css: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of every ``.class`` in a selector, also inside ``:not(...)``, never inside quotes."""
    out = []
    quote = None
    i = 0
    while i < len(css):
        ch = css[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "." and not (i > 0 and css[i - 1] == "\\"):
            m = _IDENT.match(css, i + 1)
            if m:
                out.append((i, m.end(), m.group(0)))
                i = m.end()
                continue
        i += 1
    return out


def rewrite_classes(css: str, soups: Iterable[BeautifulSoup | Tag]) -> str | None:
    """The selector with each class that no page has any more replaced by its stem (``[class*='stem']``),
    where a page has a class that starts with it; None when nothing was renamed."""
    scopes = list(soups)
    out, last, changed = [], 0, False
    for start, end, name in class_tokens(css):
        if any(scope.select_one(f".{name}") is not None for scope in scopes):
            continue
        if not any(scope.select_one(f"[class*={_quoted(name)}]") is not None for scope in scopes):
            continue
        out.append(css[last:start] + f"[class*={_quoted(name)}]")
        last, changed = end, True
    if not changed:
        return None
    return "".join(out) + css[last:]


_ATTR_TOKEN = re.compile(r"\[(?P<name>[\w-]+)(?P<op>[~|^$*]?=)(?P<q>['\"])(?P<value>[^'\"]*)(?P=q)\]")


def rewrite_attributes(css: str, soups: Iterable[BeautifulSoup | Tag]) -> str | None:
    """The selector with each attribute that no page has any more renamed to the attribute that now carries
    the same value (``[data-column='date']`` -> ``[data-col='date']``); None when nothing was renamed."""
    scopes = list(soups)
    changed = False

    def swap(m: re.Match[str]) -> str:
        nonlocal changed
        name, value = m["name"], m["value"]
        if any(scope.select_one(f"[{name}]") is not None for scope in scopes):
            return m.group(0)
        for scope in scopes:
            for el in scope.find_all(True):
                for other, v in el.attrs.items():
                    if other != name and other.startswith("data-") and is_ident(other) and str(v).startswith(value):
                        changed = True
                        return f"[{other}{m['op']}{m['q']}{value}{m['q']}]"
        return m.group(0)

    result = _ATTR_TOKEN.sub(swap, css)
    return result if changed else None


# --- selector structure ------------------------------------------------------------------------------------


def split_last(css: str) -> tuple[str, str, str]:
    """(context, combinator, last compound): ``"a b > c"`` -> ``("a b", ">", "c")``; context "" for one."""
    flags = _outside_brackets(css)
    cut = None
    for i in range(len(css) - 1, -1, -1):
        if flags[i] and css[i] in " >~+":
            cut = i
            break
    if cut is None:
        return "", " ", css.strip()
    last = css[cut + 1 :].strip()
    head = css[: cut + 1].rstrip()
    combinator = " "
    if head and head[-1] in ">~+":
        combinator = head[-1]
        head = head[:-1].rstrip()
    return head, combinator, last


def retag(compound: str, tag: str) -> str:
    """A compound selector with another element name (``kat-table-row#x`` -> ``kat-data-row#x``)."""
    m = re.match(r"^[A-Za-z][\w-]*", compound)
    return tag + compound[m.end() :] if m else tag + compound


def closeness(old: str | None, new: str | None) -> float:
    """How alike two selectors read (1.0 the same)."""
    return SequenceMatcher(None, old or "", new or "").ratio()


def rank(candidates: Iterable[Candidate], old_css: str | None, old_attr: str | None) -> list[Candidate]:
    """Best first: where the old selector pointed, strength, the smallest edit of it, the shortest."""

    def key(c: Candidate) -> tuple[int, float, float, int]:
        near = closeness(old_css, c.css) + (0.5 if c.attr == old_attr else 0.0)
        return (0 if c.near else 1, c.strength, -near, len(c.css or ""))

    unique: dict[tuple[str | None, str | None], Candidate] = {}
    for c in candidates:
        seen = unique.get((c.css, c.attr))
        if seen is None or (not seen.near, seen.strength) > (not c.near, c.strength):
            unique[(c.css, c.attr)] = c
    return sorted(unique.values(), key=key)


def anchors(css: str) -> list[str]:
    """The old selector's leading parts that its target sits inside (``a b > c`` -> ``a b``, ``a``), longest
    first; none across a sibling combinator, whose target is not inside."""
    out = []
    head, combinator, _ = split_last(css)
    while head and combinator in {" ", ">"}:
        out.append(head)
        head, combinator, _ = split_last(head)
    return out
