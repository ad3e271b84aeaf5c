"""Every saved page and body parses to exactly its golden records (``--update-goldens`` rewrites them)."""

from __future__ import annotations

import json

import pytest

from scraper.cli import result_json
from scraper.parse import merge_pages, parse_page, parse_summary_api, record_key
from scraper.records import RECORD_TYPES
from scraper.serialize import dumps, to_jsonable
from scraper.spec import Spec, load_spec
from tests.fixture_cases import Case, all_cases, comparable, source_fields

CASES = all_cases()
REQUIRED_CASES = ("de-typical", "en-typical", "empty", "edge", "paged-1", "paged-2")
SOURCES = [
    (section, source)
    for section in RECORD_TYPES
    for source in ("dom", "api")
    if source == "dom" or load_spec().section(section).api is not None
]
"""(section, source) of every source the spec reads: a section without an API gets no api case at all."""


def _parse(spec: Spec, case: Case) -> object:
    payload = case.path.read_bytes()
    if case.is_summary:
        return to_jsonable(parse_summary_api(spec, spec.section(case.section), payload))
    return result_json(parse_page(spec, case.section, case.source, payload))  # type: ignore[arg-type]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fixture_matches_golden(spec: Spec, case: Case, update_goldens: bool) -> None:
    actual = _parse(spec, case)
    if update_goldens:
        case.golden.write_text(dumps(actual), encoding="utf-8")
    assert case.golden.exists(), f"no golden file {case.golden.name}; run pytest --update-goldens and review it"
    expected = json.loads(case.golden.read_text(encoding="utf-8"))
    assert actual == expected


@pytest.mark.parametrize(("section", "source"), SOURCES)
def test_every_section_has_the_required_fixtures(spec: Spec, section: str, source: str) -> None:
    names = {c.name for c in CASES if c.section == section and c.source == source}
    missing = [n for n in REQUIRED_CASES if n not in names]
    assert not missing, f"{section}/{source} lacks fixtures: {missing}"


def never_seen(spec: Spec, section: str) -> set[str]:
    """Fields whose API path selectors.yaml marks "never seen": real-shape pages and bodies leave them out."""
    api = spec.section(section).api
    if api is None:
        return set()
    lines = spec.path.read_text(encoding="utf-8").splitlines()
    return {
        name
        for name, f in api.fields.items()
        if f.line is not None and "never seen" in lines[f.line - 1].partition("#")[2]
    }


NEVER_SEEN_SECTIONS = [s for s in RECORD_TYPES if never_seen(load_spec(), s)]


@pytest.mark.parametrize("section", list(RECORD_TYPES))
def test_typical_pages_are_full(spec: Spec, section: str) -> None:
    """German typical page: 10+ rows and every field filled in at least one row; English page too.

    Fields no live capture has shown (``# never seen`` in selectors.yaml) are exempt: the typical fixtures
    have the real shape, so they lack those fields, and only an edge fixture still fills them.
    """
    exempt = never_seen(spec, section)
    for locale in ("de", "en"):
        path = next(
            c.path for c in CASES if c.section == section and c.source == "dom" and c.name == f"{locale}-typical"
        )
        result = parse_page(spec, section, "dom", path.read_bytes())
        assert result.locale
        assert result.locale.startswith(locale)
        rows = [to_jsonable(r) for r in result.records]
        assert len(rows) >= (10 if locale == "de" else 5)
        # Fields the page cannot carry (the spec's dom source leaves them out) are None there by design.
        read = set(spec.section(section).dom.fields) - exempt
        unfilled = [f for f in rows[0] if f in read and all(r[f] in (None, [], False) for r in rows)]
        assert not unfilled, f"{section} {locale}-typical never fills {unfilled}"


@pytest.mark.parametrize("section", NEVER_SEEN_SECTIONS)
def test_edge_fixtures_fill_the_never_seen_fields(spec: Spec, section: str) -> None:
    """Typical fixtures leave out what no capture showed; the edge fixture keeps the code path tested."""
    exempt = never_seen(spec, section)
    for case in (c for c in CASES if c.section == section and c.name == "edge"):
        rows = [to_jsonable(r) for r in parse_page(spec, section, case.source, case.path.read_bytes()).records]  # type: ignore[arg-type]
        unfilled = [f for f in exempt if all(r[f] in (None, [], False) for r in rows)]
        assert not unfilled, f"{case.id} never fills {unfilled}"


@pytest.mark.parametrize("section", list(RECORD_TYPES))
def test_empty_page_is_empty(spec: Spec, section: str) -> None:
    for case in (c for c in CASES if c.section == section and c.name == "empty"):
        result = parse_page(spec, section, case.source, case.path.read_bytes())  # type: ignore[arg-type]
        assert result.status == "empty"
        assert result.records == ()


def _pairs(spec: Spec) -> list[tuple[Case, Case]]:
    by_key = {(c.section, c.source, c.name): c for c in CASES}
    return [
        (c, by_key[(c.section, "api", c.name)])
        for c in CASES
        if c.source == "dom" and (c.section, "api", c.name) in by_key
    ]


PAIRS = _pairs(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(("dom", "api"), PAIRS, ids=[f"{d.section}/{d.name}" for d, _ in PAIRS])
def test_dom_and_api_of_the_same_data_agree(spec: Spec, dom: Case, api: Case) -> None:
    from_dom = parse_page(spec, dom.section, "dom", dom.path.read_bytes())
    from_api = parse_page(spec, api.section, "api", api.path.read_bytes())
    sec = spec.section(dom.section)
    both = source_fields(spec, dom.section)  # what one source cannot carry cannot agree
    assert comparable(to_jsonable(list(from_dom.records)), both) == comparable(
        to_jsonable(list(from_api.records)), both
    )
    summary_body = api.path.with_name(api.name + ".summary.json")
    if summary_body.exists() and sec.summary is not None and sec.summary.dom is not None:
        assert to_jsonable(from_dom.summary) == to_jsonable(parse_summary_api(spec, sec, summary_body.read_bytes()))


def test_every_section_with_an_api_has_a_dom_api_pair(spec: Spec) -> None:
    paired = {d.section for d, _ in PAIRS}
    with_api = {s for s in RECORD_TYPES if spec.section(s).api is not None}
    assert with_api <= paired


@pytest.mark.parametrize(("section", "source"), SOURCES)
def test_pagination_reaches_the_last_page(spec: Spec, section: str, source: str) -> None:
    sec = spec.section(section)
    pages = sorted(
        (
            c
            for c in CASES
            if c.section == section and c.source == source and c.name.startswith("paged-") and not c.is_summary
        ),
        key=lambda c: int(c.name.split("-")[1]),
    )
    results = [parse_page(spec, section, source, c.path.read_bytes()) for c in pages]  # type: ignore[arg-type]
    assert len(results) >= 2
    if source == "dom" and sec.dom.next_page is not None:
        assert all(r.next_page is not None for r in results[:-1]), "every page but the last links to the next"
        assert results[-1].next_page is None, "the last page has no next link"
    elif source == "dom":
        # A pager that cannot be clicked (closed shadow root): the walk replays the page's request instead.
        paging = sec.api.paging if sec.api is not None else None
        assert paging is not None, section
        assert paging.replay, section
        assert all(r.next_page is None for r in results)
    merged = merge_pages(sec, results)
    assert merged.duplicates == ()
    keys = [record_key(sec.key, r) for r in merged.records]
    assert len(keys) == len(set(keys)) == sum(len(r.records) for r in results)
    if source == "api" and results[0].total is not None:
        assert results[0].total == len(keys)
