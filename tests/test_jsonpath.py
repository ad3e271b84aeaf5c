"""The JSON paths of selectors.yaml keep their syntax and are evaluated by JMESPath, compiled at spec load."""

from __future__ import annotations

from typing import Any

import pytest

from scraper import jsonpath
from scraper.jsonpath import MISSING, compile_path, resolve, to_jmespath
from scraper.spec import Spec, load_spec

DOC = {
    "list": [{"sku": "A", "n": 1}, {}, {"sku": None}, {"sku": "B"}],
    "durationResponseMap": {"30D": {"rating1": 4}, "LIFETIME": {"rating1": 9}},
    "issueCount": {"incompleteCount": 3},
    "offerInfo": [{"sku": "X"}],
    "nested": {"a-b": {"c_d": [10, 20]}},
    "nothing": None,
    "scalar": 5,
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("issueCount.incompleteCount", 3),
        ("durationResponseMap.30D.rating1", 4),  # a name starting with a digit (seen, S1)
        ("durationResponseMap.LIFETIME.rating1", 9),
        ("list[].sku", ["A", "B"]),  # flattened: elements without the rest, or with null there, are left out
        ("list[0].sku", "A"),
        ("list[1].sku", MISSING),
        ("list[9].sku", MISSING),  # past the end
        ("offerInfo[0]", {"sku": "X"}),
        ("nested.a-b.c_d", [10, 20]),  # a hyphen in a name
        ("nested.a-b.c_d[1]", 20),
        ("nothing", MISSING),  # null and absent read alike: no value
        ("absent.deeper", MISSING),
        ("scalar[]", MISSING),  # flattening what is not a list
        ("scalar.x", MISSING),
    ],
)
def test_resolve(path: str, expected: Any) -> None:
    got = resolve(DOC, path)
    if expected is MISSING:
        assert got is MISSING
    else:
        assert got == expected


@pytest.mark.parametrize(
    ("path", "expression"),
    [
        ("a.b", '"a"."b"'),
        ("a[].b", '"a"[]."b"'),
        ("a[0].b", '"a"[0]."b"'),
        ("x.30D", '"x"."30D"'),
    ],
)
def test_paths_become_quoted_jmespath(path: str, expression: str) -> None:
    assert to_jmespath(path) == expression


@pytest.mark.parametrize("path", ["", "a..b", ".a", "a.", "a[x]", "a[-1]", "a b", "a|b", "a[?x]", "@", "a.*"])
def test_other_syntax_is_refused(path: str) -> None:
    with pytest.raises(ValueError, match="invalid JSON path"):
        compile_path(path)


def test_every_path_of_the_spec_is_compiled_when_it_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonpath, "_COMPILED", {})
    spec: Spec = load_spec()
    paths = set()
    for section in spec.sections.values():
        sources = [section.api, section.summary.api if section.summary else None]
        for source in (s for s in sources if s is not None):
            paths.update(f.path for f in source.fields.values() if f.path)
        if section.api is not None:
            paths.add(section.api.rows)
            if section.api.total:
                paths.add(section.api.total)
            if section.api.paging and section.api.paging.token_path:
                paths.add(section.api.paging.token_path)
        if section.counters is not None:
            paths.update(p for c in section.counters.fields.values() for p in c.paths)
    assert len(paths) > 50
    assert paths <= set(jsonpath._COMPILED)
    compiled = dict(jsonpath._COMPILED)
    resolve({"list": []}, "list")
    assert jsonpath._COMPILED["list"] is not None
    assert all(jsonpath._COMPILED[p] is compiled[p] for p in paths)  # looked up, never compiled again
