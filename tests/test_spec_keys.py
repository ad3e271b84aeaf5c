"""Every key of selectors.yaml is read by some code, and the page and sign-in keys say where they come from.

A key the loader accepts but nothing reads is a promise the tool does not keep (editing it changes
nothing); the check is static: each spec object's field must be read as an attribute, and each sign-in
selector and path name must appear as a key, somewhere in scraper/ outside the loader and the demo site.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

import scraper.spec as spec_module
from scraper.spec import DEFAULT_SPEC_PATH, SIGNIN_PATHS, SIGNIN_SELECTORS

PACKAGE = Path(spec_module.__file__).parent
SPEC_CLASSES = [
    spec_module.Spec,
    spec_module.SigninSpec,
    spec_module.SectionSpec,
    spec_module.DomSource,
    spec_module.ApiSource,
    spec_module.Paging,
    spec_module.SummarySource,
    spec_module.SummarySpec,
    spec_module.CounterSpec,
    spec_module.CountersSpec,
    spec_module.FieldSpec,
]
# Fields the loader itself consumes, with why they need no other reader.
LOADER_ONLY = {
    "Spec.version": "the file format version: the loader refuses any other",
    "FieldSpec.epoch": "built into the field's parser at load (an EpochParser); kept to show the unit",
}


def _code_names() -> tuple[set[str], set[str]]:
    """Attribute names read, and string keys used (subscripts, .get, or tuples of keys), outside the loader."""
    attrs: set[str] = set()
    keys: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if path.name == "spec.py" or "demo" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute):
                attrs.add(node.attr)
            elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                keys.add(str(node.slice.value))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
                keys.update(str(a.value) for a in node.args[:1] if isinstance(a, ast.Constant))
            elif isinstance(node, ast.For) and isinstance(node.iter, ast.Tuple):
                keys.update(str(e.value) for e in node.iter.elts if isinstance(e, ast.Constant))
    return attrs, keys


ATTRS, KEYS = _code_names()


@pytest.mark.parametrize("cls", SPEC_CLASSES, ids=lambda c: c.__name__)
def test_every_spec_field_is_read_by_some_code(cls: type) -> None:
    unread = [
        f"{cls.__name__}.{f.name}"
        for f in dataclasses.fields(cls)
        if f.name not in ATTRS and f"{cls.__name__}.{f.name}" not in LOADER_ONLY
    ]
    assert not unread, f"read these or remove them from selectors.yaml and the spec: {unread}"


def test_every_signin_selector_and_path_is_read_by_some_code() -> None:
    unread = sorted(k for k in SIGNIN_SELECTORS | SIGNIN_PATHS if k not in KEYS)
    assert not unread, f"read these or remove them from selectors.yaml: {unread}"


def test_the_exceptions_are_still_unread_elsewhere() -> None:
    # an exception that some code reads now is stale: the list only names what the loader alone consumes
    stale = [name for name in LOADER_ONLY if name.split(".")[1] in ATTRS]
    assert not stale


def test_the_check_sees_the_removed_and_the_new_keys() -> None:
    assert "mfa" not in KEYS  # signin.paths.mfa was removed: the OTP page is told by its field, not by /ap/mfa
    assert "signin" not in KEYS  # signin.paths.signin too: the forms are told by their fields
    assert {"captcha", "challenge", "claim", "picker"} <= KEYS
    assert {"home", "marketplace_param", "locale_param", "picker_marketplace_attr", "body_markers"} <= ATTRS


LINES = DEFAULT_SPEC_PATH.read_text(encoding="utf-8").splitlines()
WORDS = re.compile(r"\b(seen|inferred|invented|never seen)\b", re.IGNORECASE)
KEY_WITH_VALUE = re.compile(r"^\s+[a-z_]+:\s*\S")


def _block(name: str) -> range:
    start = LINES.index(f"{name}:")
    end = next(i for i in range(start + 1, len(LINES)) if LINES[i] and not LINES[i][0].isspace() and LINES[i][0] != "#")
    return range(start + 1, end)


def _said(i: int) -> bool:
    """The line's own comment, or the comment block right above it, names a source."""
    if "#" in LINES[i] and WORDS.search(LINES[i].rsplit("  #", 1)[-1]):
        return True
    above = i - 1
    while LINES[above].lstrip().startswith("#"):
        if WORDS.search(LINES[above]):
            return True
        above -= 1
    return False


@pytest.mark.parametrize("block", ["page", "signin"])
def test_every_page_and_signin_string_says_where_it_comes_from(block: str) -> None:
    lines = [i for i in _block(block) if KEY_WITH_VALUE.match(LINES[i])]
    silent = [f"line {i + 1}: {LINES[i].strip()}" for i in lines if not _said(i)]
    assert not silent, "say seen (source), inferred or invented:\n" + "\n".join(silent)
