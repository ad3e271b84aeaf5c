"""Every selector, JSON path and URL in selectors.yaml says where it comes from: seen (with its source),
inferred, invented, or never seen. A guess that does not say so is how a model passes for the real site."""

from __future__ import annotations

import re

import pytest

from scraper.spec import DEFAULT_SPEC_PATH, Spec

WORDS = re.compile(r"\b(seen|inferred|invented|never seen)\b", re.IGNORECASE)
COUPLED = re.compile(
    r"^\s*(url|ready|empty|rows|next_page|expand|headers|cells|url_pattern|method|body|total|paging|scope|"
    r"css|path|pattern)\s*:"
)
LINES = DEFAULT_SPEC_PATH.read_text(encoding="utf-8").splitlines()
START = next(i for i, line in enumerate(LINES) if line.startswith("sections:"))


def _comment(line: str) -> str:
    """The YAML comment of a line: from a '#' after whitespace, outside quotes (selectors hold '#ids')."""
    quote = None
    for i, ch in enumerate(line):
        if quote is None and ch in "\"'":
            quote = ch
        elif ch == quote:
            quote = None
        elif quote is None and ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[i + 1 :]
    return ""


def _said(index: int) -> bool:
    """The line, the comment block right above it, or the line of the field that holds it names a source."""
    if WORDS.search(_comment(LINES[index])):
        return True
    above = index - 1
    while above > START and LINES[above].lstrip().startswith("#"):
        if WORDS.search(LINES[above]):
            return True
        above -= 1
    indent = len(LINES[index]) - len(LINES[index].lstrip())
    for parent in range(index - 1, START, -1):
        text = LINES[parent]
        if text.strip() and not text.lstrip().startswith("#") and len(text) - len(text.lstrip()) < indent:
            return bool(WORDS.search(_comment(text))) if text.rstrip().endswith(":") or "#" in text else False
    return False


def test_every_markup_coupled_line_says_where_it_comes_from(spec: Spec) -> None:
    silent = [
        f"line {i + 1}: {LINES[i].strip()}"
        for i in range(START, len(LINES))
        if COUPLED.match(LINES[i]) and not _said(i)
    ]
    assert not silent, "say seen (source), inferred, invented or never seen:\n" + "\n".join(silent)


@pytest.mark.parametrize("line", ["    url: /x   # seen (S1)", '      css: "a#b"   # invented'])
def test_the_check_reads_comments_not_selectors(line: str) -> None:
    assert WORDS.search(_comment(line))
    assert not WORDS.search(_comment('      css: "a[title=\'seen\']"'))
