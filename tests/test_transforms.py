"""Table-driven tests of the named transforms selectors.yaml applies before a value is typed.

Each row is (argument, raw input, expected output or the exception type compile_transform must raise).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from scraper.spec import DEFAULT_SPEC_PATH
from scraper.transforms import REGISTRY, Transform, TransformArgError, apply_all, compile_transform

TAE = TransformArgError
NBSP = "\u00a0"


def is_error(expected: Any) -> bool:
    return isinstance(expected, type) and issubclass(expected, Exception)


def check(name: str, arg: object, raw: Any, expected: Any) -> None:
    if is_error(expected):
        with pytest.raises(expected):
            compile_transform(name, arg)(raw)
        return
    step = compile_transform(name, arg)
    assert (step.name, step.arg) == (name, arg)
    result = step(raw)
    assert result == expected
    assert type(result) is type(expected)


def test_every_registered_transform_has_a_table():
    assert set(REGISTRY) == {
        "collapse_ws",
        "regex",
        "findall",
        "match",
        "code_label",  # tables in tests/test_voc.py
        "label_code",
        "url_decode",
        "pick",
    }


def test_every_registered_transform_is_used_by_the_shipped_spec():
    used: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "transforms":
                    used.update(t if isinstance(t, str) else next(iter(t)) for t in value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load(DEFAULT_SPEC_PATH.read_text(encoding="utf-8")))
    assert used == set(REGISTRY)


@pytest.mark.parametrize(
    ("arg", "raw", "expected"),
    [
        (None, "  Alles \n\t gut  ", "Alles gut"),
        (None, f"a{NBSP}{NBSP}b", "a b"),
        (None, "a\u202fb", "a b"),
        (None, "ab", "ab"),
        (None, " \n ", ""),
        (True, "a", TAE),
    ],
)
def test_collapse_ws(arg, raw, expected):
    check("collapse_ws", arg, raw, expected)


@pytest.mark.parametrize(
    ("arg", "raw", "expected"),
    [
        # with a group: the first group
        (r"notifications/(\w+)", "/performance/notifications/ABC123?ref=x", "ABC123"),
        (r"order/([\d-]+)", "/orders-v3/order/302-0000001-0000001", "302-0000001-0000001"),
        (r"(\d+)-(\d+)", "a 12-34", "12"),
        # without a group: the whole match, first occurrence
        (r"\d+", "abc 123 def 45", "123"),
        (r"B0[0-9A-Z]{8}", "ASIN: B0ABCDEFGH", "B0ABCDEFGH"),
        (r"(?:Nr\.) \d+", "Fall Nr. 17", "Nr. 17"),
        # nothing found: None (a missing value)
        (r"notifications/(\w+)", "/performance/dashboard", None),
        (r"\d+", "", None),
        (r"(a)?b", "b", None),  # the group did not take part
        # argument errors
        (None, "x", TAE),
        ("", "x", TAE),
        ("(", "x", TAE),
        (5, "x", TAE),
    ],
)
def test_regex(arg, raw, expected):
    check("regex", arg, raw, expected)


@pytest.mark.parametrize(
    ("arg", "raw", "expected"),
    [
        (r"B0[0-9A-Z]{8}", "B0BBBBBBBB, B0AAAAAAAA und B0BBBBBBBB", ["B0BBBBBBBB", "B0AAAAAAAA"]),  # order kept
        (r"asin=(\w+)", "asin=X1&asin=X2&asin=X1", ["X1", "X2"]),
        (r"(?:B0)[0-9A-Z]{8}", "B012345678", ["B012345678"]),
        (r"\d+", "keine", []),
        (r"(a)(b)", "ab", TAE),  # more than one group
        (None, "x", TAE),
        ("[", "x", TAE),
    ],
)
def test_findall(arg, raw, expected):
    check("findall", arg, raw, expected)


@pytest.mark.parametrize(
    ("arg", "raw", "expected"),
    [
        (r"(?i)suppressed", "Listing SUPPRESSED", "true"),
        (r"Amazon", "Ihr Verkäufer", "false"),
        (r"\bneu\b", "", "false"),
        (r"^A", "bA", "false"),
        (None, "x", TAE),
        ("(", "x", TAE),
    ],
)
def test_match(arg, raw, expected):
    check("match", arg, raw, expected)


@pytest.mark.parametrize(
    ("name", "arg", "expected"),
    [
        ("nope", None, KeyError),
        ("Collapse_ws", None, KeyError),  # names are case-sensitive
        ("trim", None, KeyError),
        ("strip", None, KeyError),  # removed: no selector used it
        ("", None, KeyError),
        ("collapse_ws", "x", TAE),
        ("regex", None, TAE),
        ("regex", "(?P<x", TAE),
        ("findall", r"(\d)(\d)", TAE),
        ("pick", "one phrase", TAE),
    ],
)
def test_compile_transform_rejects(name, arg, expected):
    with pytest.raises(expected):
        compile_transform(name, arg)


def test_transform_arg_error_is_a_value_error():
    assert issubclass(TransformArgError, ValueError)


@pytest.mark.parametrize(
    ("name", "arg", "raw", "expected"),
    [
        ("collapse_ws", None, [" a ", "b  c"], ["a", "b c"]),
        ("url_decode", None, ["a%2Fb", "c+d"], ["a/b", "c d"]),
        ("regex", r"(\d+)", ["a1", "b", "c22"], ["1", "22"]),  # items without a match are dropped
        ("regex", r"\d+", ["x", "y"], []),
        ("findall", r"B0\w{8}", ["B0AAAAAAAA B0BBBBBBBB", "B0AAAAAAAA"], ["B0AAAAAAAA", "B0BBBBBBBB", "B0AAAAAAAA"]),
        ("match", "x", ["x", "y"], ["true", "false"]),
        ("collapse_ws", None, [], []),
        ("collapse_ws", None, None, None),
        ("findall", r"\d", None, None),
    ],
)
def test_transform_on_a_list_or_none(name, arg, raw, expected):
    result = compile_transform(name, arg)(raw)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("steps", "raw", "expected"),
    [
        ((), "  x  ", "  x  "),
        ((("collapse_ws", None), ("regex", r"^(\w+)")), "  b0abc  x ", "b0abc"),
        ((("regex", r"sku=(\S+)"), ("url_decode", None)), "/x?sku=A%2FB", "A/B"),
        ((("regex", r"sku=(\S+)"), ("url_decode", None)), "/orders", None),  # stops at None
        ((("findall", r"\d+"), ("match", "1")), "1 x 21 y 3", ["true", "true", "false"]),
        ((("findall", r"\d+"), ("collapse_ws", None)), "keine", []),  # an empty list is not None
        ((("collapse_ws", None),), None, None),
    ],
)
def test_apply_all(steps, raw, expected):
    compiled = tuple(compile_transform(name, arg) for name, arg in steps)
    assert all(isinstance(step, Transform) for step in compiled)
    result = apply_all(compiled, raw)
    assert result == expected
    assert type(result) is type(expected)


def test_apply_all_does_not_run_steps_after_none():
    calls: list[str] = []

    def record(text: str) -> str:
        calls.append(text)
        return text

    steps = (compile_transform("regex", r"\d+"), Transform("spy", None, record))
    assert apply_all(steps, "abc") is None
    assert calls == []
    assert apply_all(steps, "a1") == "1"
    assert calls == ["1"]


@pytest.mark.parametrize(
    ("arg", "raw", "expected"),
    [
        (None, "LAMP+40W%2FWARM+%26+CO", "LAMP 40W/WARM & CO"),  # a query value: "+" is a space
        (None, "PUMP%2BHOSE", "PUMP+HOSE"),
        (None, "KNIFE-%C3%84%C3%96%C3%9C-1", "KNIFE-ÄÖÜ-1"),
        (None, "plain", "plain"),
        (None, "100%", "100%"),  # a lone percent sign stays
        ("x", "a", TAE),
    ],
)
def test_url_decode(arg, raw, expected):
    check("url_decode", arg, raw, expected)


PHRASES = ["submission is under review", "submission is required"]


@pytest.mark.parametrize(
    ("arg", "raw", "expected"),
    [
        (PHRASES, "Manufacturer contact details submission is required", "submission is required"),
        (PHRASES, "Your Submission Is Under Review.", "submission is under review"),
        (PHRASES, "Contact Selling Partner Support", "Contact Selling Partner Support"),  # kept whole: Unknown later
        (PHRASES, "", ""),
        (["b", "a"], "a b", "b"),  # the first listed phrase wins, not the first in the text
        ([], "a", TAE),
        (["ok", ""], "a", TAE),
        ("submission", "a", TAE),
        (None, "a", TAE),
    ],
)
def test_pick(arg, raw, expected):
    check("pick", arg, raw, expected)


def test_pick_maps_over_a_list():
    step = compile_transform("pick", PHRASES)
    assert step(["x submission is required", "y"]) == ["submission is required", "y"]
