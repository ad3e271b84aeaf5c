"""Markup changes a release makes must give the golden records or a loud error, never other records.

Every DOM fixture with a golden x every mutation of scraper/mutate.py (see docs/robustness.md, written by
benchmarks/robustness.py). Generic: whatever fixtures and selectors exist, the rows come from the spec.
"""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup

from scraper.mutate import MUTATIONS, PROBES, DomCase, Mutation, Outcome, dom_cases, judge, run_case
from scraper.spec import Spec
from tests.conftest import FIXTURES

CASES = dom_cases(FIXTURES)
TARGET = 0.95
_OUTCOMES: dict[tuple[str, str], Outcome] = {}
"""(mutation, case id) -> outcome, so the ratio test does not run everything twice."""


def _outcome(spec: Spec, case: DomCase, mutation: Mutation) -> Outcome:
    key = (mutation.name, case.id)
    if key not in _OUTCOMES:
        _OUTCOMES[key] = run_case(spec, case, mutation)
    return _OUTCOMES[key]


def test_there_are_fixtures_to_mutate(spec: Spec) -> None:
    assert CASES, "no fixtures/<section>/dom/*.html with a golden next to it"
    assert {c.section for c in CASES} <= set(spec.sections), "a fixture folder that is no section of the spec"


@pytest.mark.parametrize("mutation", list(MUTATIONS.values()), ids=list(MUTATIONS))
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_mutation_gives_the_golden_or_a_loud_error(spec: Spec, case: DomCase, mutation: Mutation) -> None:
    outcome = _outcome(spec, case, mutation)
    assert outcome.verdict in ("same", "loud"), f"{mutation.name} on {case.id}: {outcome.verdict}: {outcome.detail}"


def test_most_mutations_read_through(spec: Spec) -> None:
    """At least 95 % of the runs of mutations a reader can see through give exactly the golden records."""
    runs = [
        _outcome(spec, case, mutation)
        for mutation in MUTATIONS.values()
        if mutation.expect == "same"
        for case in CASES
        if case.section in spec.sections
    ]
    same = sum(o.verdict == "same" for o in runs)
    loud = [o.detail for o in runs if o.verdict == "loud"][:5]
    assert same >= TARGET * len(runs), f"only {same}/{len(runs)} runs read through; first loud ones: {loud}"


def _typical(spec: Spec) -> list[DomCase]:
    """One page with records per section (the mutations must have rows to change)."""
    chosen: dict[str, DomCase] = {}
    for case in CASES:
        golden = json.loads(case.golden.read_text(encoding="utf-8"))
        if case.section in spec.sections and golden.get("records") and case.section not in chosen:
            chosen[case.section] = case
    return list(chosen.values())


@pytest.mark.parametrize("mutation", [m for m in MUTATIONS.values() if m.name not in ("round_trip", "header_in_body")])
def test_every_mutation_changes_a_page_with_rows(spec: Spec, mutation: Mutation) -> None:
    """A mutation that finds nothing to change would pass for the wrong reason."""
    for case in _typical(spec):
        html = case.page.read_text(encoding="utf-8")
        rows_css = spec.section(case.section).dom.rows
        assert mutation(html, rows_css, seed=1) != MUTATIONS["round_trip"](html, rows_css), f"{case.id} unchanged"


def test_mutations_are_deterministic(spec: Spec) -> None:
    case = _typical(spec)[0]
    html = case.page.read_text(encoding="utf-8")
    rows_css = spec.section(case.section).dom.rows
    for mutation in MUTATIONS.values():
        assert mutation(html, rows_css, seed="x") == mutation(html, rows_css, seed="x"), mutation.name


def test_mutations_find_rows_with_the_spec(spec: Spec) -> None:
    """The hidden copies land next to the rows the spec selects (nothing section-specific in the mutations)."""
    # A page without hidden copies of its own (real-shape fixtures carry one), so the copies can be counted.
    case = next(c for c in _typical(spec) if "data-sc-hidden" not in c.page.read_text(encoding="utf-8"))
    html = case.page.read_text(encoding="utf-8")
    rows_css = spec.section(case.section).dom.rows
    rows = BeautifulSoup(html, "lxml").select(rows_css)
    after = BeautifulSoup(MUTATIONS["hidden_duplicates"](html, rows_css), "lxml").select(rows_css)
    assert rows
    assert len(after) % len(rows) == 0  # the same number of hidden copies of each row
    assert len(after) > len(rows)
    marked = [r for r in after if r.get("data-sc-hidden") == "1"]
    assert len(marked) == len(rows) + sum(r.get("data-sc-hidden") == "1" for r in rows)


def _golden_and_html(case: DomCase) -> tuple[dict, str]:
    return json.loads(case.golden.read_text(encoding="utf-8")), case.page.read_text(encoding="utf-8")


def test_judge_calls_a_changed_value_silent(spec: Spec) -> None:
    """The check itself: a visible change that still parses is reported as silent, not as same."""
    case = _typical(spec)[0]
    golden, html = _golden_and_html(case)
    soup = BeautifulSoup(html, "lxml")
    rows = soup.select(spec.section(case.section).dom.rows)
    visible = [r for r in rows if not r.has_attr("data-sc-hidden")]
    visible[-1].decompose()  # one record fewer, everything else fine
    assert judge(spec, case.section, str(soup), golden).verdict == "silent"


def test_judge_calls_a_project_error_loud_and_order_free_compares_a_multiset(spec: Spec) -> None:
    case = _typical(spec)[0]
    golden, html = _golden_and_html(case)
    assert judge(spec, case.section, "<html><body></body></html>", golden).verdict == "loud"
    reversed_html = MUTATIONS["reversed_rows"](html, spec.section(case.section).dom.rows)
    if len(golden["records"]) > 1:
        assert judge(spec, case.section, reversed_html, golden, order_free=False).verdict == "silent"
    assert judge(spec, case.section, reversed_html, golden, order_free=True).verdict == "same"


@pytest.mark.parametrize("probe", list(PROBES.values()), ids=list(PROBES))
def test_probes_never_crash(spec: Spec, probe: Mutation) -> None:
    """Probes (renamed classes the spec selects on) may read silently wrong, which docs/robustness.md
    reports per section; but a page must never make the reader fail with anything but a project error."""
    crashes = [
        (case.id, outcome.detail)
        for case in CASES
        if case.section in spec.sections
        for outcome in [run_case(spec, case, probe)]
        if outcome.verdict == "crash"
    ]
    assert not crashes
