"""`scraper doctor` offline: release changes applied to the capture fixtures, the doctor's patch applied, the
capture read again. A proposal must restore the golden records; where no safe fix exists it must say why
and propose nothing. The full change x section table is benchmarks/doctor.py (docs/doctor.md)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from scraper.capture import SectionCapture, load_capture, save_capture
from scraper.cli import main
from scraper.doctor.changes import RELEASE_CHANGES, pager_classes_renamed, rename_in_rows, trial
from scraper.doctor.check import load_text
from scraper.doctor.command import exit_code
from scraper.doctor.model import Change
from scraper.doctor.patch import patch_text, unified_diff
from scraper.doctor.prescribe import prescribe
from scraper.spec import DEFAULT_SPEC_PATH, Spec
from tests.conftest import FIXTURES

TEXT = DEFAULT_SPEC_PATH.read_text(encoding="utf-8")
SECTIONS = [
    "notifications",
    "voice_of_customer",
    "case_log",
    "regulatory_compliance",
    "compliance_requests",
    "feedback",
]
PROVENANCE = re.compile(r"#.*\binferred by scraper doctor 2000-01-01\b.*check against the live page")


def capture_dir(section: str) -> Path:
    return FIXTURES / section / "capture" / "demo-de-typical"


def capture_of(section: str) -> SectionCapture:
    return load_capture(capture_dir(section))


def golden(section: str) -> list[object]:
    return json.loads((capture_dir(section) / "expected.json").read_text(encoding="utf-8"))["records"]


def changed(spec: Spec, section: str, change: str) -> SectionCapture:
    return RELEASE_CHANGES[change](spec, capture_of(section))


# --- nothing to fix ---------------------------------------------------------------------------------------


def test_the_fixture_captures_need_no_fix(spec: Spec) -> None:
    result = prescribe(spec, TEXT, [(capture_of(s), s) for s in SECTIONS])
    assert [r.verdict for r in result.reports] == ["nothing to fix"] * len(SECTIONS)
    assert [r.problems for r in result.reports] == [[]] * len(SECTIONS)
    assert result.diff == ""
    assert result.patched == TEXT
    assert exit_code(result) == 0


def test_the_diagnosis_names_urls_calls_and_what_each_selector_matched(spec: Spec) -> None:
    report = prescribe(spec, TEXT, [(capture_of("feedback"), "x")]).reports[0]
    assert report.urls == ["https://sellercentral.example/feedback-manager/index.html?mons_sel_locale=de_DE"]
    assert [(c.page, c.role, c.method, c.path, c.status) for c in report.calls[:2]] == [
        (1, "rows", "GET", "/fbmapi/v1/feedbacks", 200),
        (1, "counters", "GET", "/fbmapi/v1/aggregates", 200),
    ]
    assert report.calls[0].keys == ("lastEvaluatedKey", "feedbacks")
    assert report.calls[0].size == len((capture_dir("feedback") / "page-1.rows-1.json").read_bytes())
    found = {m.place: m.found for m in report.matches}
    assert found["sections.feedback.dom.rows"] == "5, 5, 2 (pages 1-3) visible row(s)"
    assert found["sections.feedback.dom.fields.order_id"] == ".col_order_id kat-link: a value in 12 of 12 row(s)"
    assert found["sections.feedback.api.url_pattern"] == "6 of 7 recorded call(s)"
    assert found["sections.feedback.api.fields.response"] == "responseText: a value in 6 of 24 row(s)"
    assert not report.other_calls_kept


# --- repaired ---------------------------------------------------------------------------------------------

REPAIRED = [
    ("rows_renamed", "case_log"),
    ("rows_renamed", "feedback"),
    ("header_renamed", "voice_of_customer"),
    ("table_classes_renamed", "voice_of_customer"),
    ("cell_attributes_renamed", "case_log"),
    ("inner_classes_renamed", "voice_of_customer"),
    ("header_in_body", "notifications"),
    ("endpoint_moved", "notifications"),
    ("endpoint_moved", "voice_of_customer"),
    ("key_field_renamed", "regulatory_compliance"),
    ("shown_field_renamed", "voice_of_customer"),
    ("rows_list_renamed", "compliance_requests"),
]


@pytest.mark.parametrize(("change", "section"), REPAIRED, ids=[f"{c}-{s}" for c, s in REPAIRED])
def test_a_release_change_is_repaired_and_the_capture_reads_golden_again(spec: Spec, change: str, section: str) -> None:
    result = trial(spec, TEXT, capture_of(section), golden(section), change)
    assert result.verdict == "fix proposed", result.detail
    assert result.golden, result.detail


READ_THROUGH = [("leading_column", "voice_of_customer"), ("cell_wrappers", "case_log")]


@pytest.mark.parametrize(("change", "section"), READ_THROUGH, ids=[f"{c}-{s}" for c, s in READ_THROUGH])
def test_a_change_the_spec_reads_through_needs_no_fix(spec: Spec, change: str, section: str) -> None:
    result = trial(spec, TEXT, capture_of(section), golden(section), change)
    assert (result.verdict, result.golden) == ("nothing to fix", True), result.detail


def test_the_patch_prefers_stable_attributes_and_the_old_place(spec: Spec) -> None:
    """Renamed classes: a custom element's tag over a class, the class stem where nothing stabler holds the
    value, and the old column (not an action button that carries the same id elsewhere in the row)."""
    result = prescribe(spec, TEXT, [(changed(spec, "feedback", "cell_attributes_renamed"), "x")])
    new = {c.where.removeprefix("sections.feedback.dom.fields."): c.new for c in result.changes}
    assert new["order_id.css"] == "kat-link"
    assert new["rating.css"] == "kat-star-rating"
    assert new["date.css"] == "[class*='col_order_date']"
    # Four fields read one cell; they move together (the page-only note follows the three it can be checked by).
    assert {new[f"{f}.css"] for f in ("comment", "amazon_message", "amazon_fulfilled", "response")} == {
        "[class*='col_order_id'] ~ kat-table-cell:not([class*='col_'])"
    }
    grain = prescribe(spec, TEXT, [(changed(spec, "compliance_requests", "inner_classes_renamed"), "x")])
    assert {c.where: c.new for c in grain.changes}["sections.compliance_requests.dom.fields.grain.css"] == (
        "kat-table-cell[data-column='product'] [class*='grain']"
    )


def test_a_moved_endpoint_keeps_the_rest_of_its_pattern(spec: Spec) -> None:
    result = prescribe(spec, TEXT, [(changed(spec, "regulatory_compliance", "endpoint_moved"), "x")])
    assert [(c.where, c.new) for c in result.changes] == [
        (
            "sections.regulatory_compliance.api.url_pattern",
            r"/performance/api/product/policy/defects/paginationV2\?(?:[^#]*&)?metricNames=REGULATORY_COMPLIANCE(?:[&#]|$)",
        )
    ]
    assert "POST /performance/api/product/policy/defects/paginationV2" in result.changes[0].why


def test_a_renamed_field_prefers_the_path_of_the_old_depth(spec: Spec) -> None:
    """Feedback's rating is also in answerMap.NumericAnswer.numericRating: the renamed top-level key wins and
    the other is named."""
    capture = rename_in_rows(spec.section("feedback"), capture_of("feedback"), "numericRating", "numericRatingV2")
    result = prescribe(spec, TEXT, [(capture, "x")])
    (change,) = result.changes
    assert (change.where, change.old, change.new) == (
        "sections.feedback.api.fields.rating.path",
        "numericRating",
        "numericRatingV2",
    )
    assert "answerMap.NumericAnswer.numericRating" in change.why


def test_a_pager_that_stopped_matching_is_found_by_the_announced_total(spec: Spec) -> None:
    """A walk whose next_page no longer matched saved page 1 only and read "ok" with fewer records; the JSON's
    total says more exist. The renamed pager class is proposed, and it matches the pager on every page but
    the last of the whole list."""
    cut = pager_classes_renamed(spec, capture_of("compliance_requests"))
    assert len(cut.pages) == 1
    result = prescribe(spec, TEXT, [(cut, "x")])
    (report,) = result.reports
    assert "the JSON announces 12 row(s) and the capture holds 5" in report.problems[0]
    (change,) = result.changes
    assert change.new == "nav[class*='compliance-pager'] a[rel='next']:not([aria-disabled='true'])"
    whole = pager_classes_renamed(spec, capture_of("compliance_requests"), walked=False)
    hits = [bool(BeautifulSoup(p.html, "lxml").select(change.new)) for p in whole.pages if p.html]
    assert hits == [True, True, False]


# --- no safe fix ------------------------------------------------------------------------------------------

NO_FIX = [
    ("values_hidden", "feedback", "none of the JSON's key values"),
    ("values_hidden", "case_log", "nothing safe to propose"),
    ("extra_row", "feedback", "the data differ"),
    ("json_only_renamed", "feedback", "keys no field reads, most alike first: suppressedV2"),
    ("hidden_duplicates_unmarked", "case_log", "did not mark as hidden"),
]


@pytest.mark.parametrize(("change", "section", "said"), NO_FIX, ids=[f"{c}-{s}" for c, s, _ in NO_FIX])
def test_where_no_safe_fix_exists_the_doctor_says_why_and_proposes_nothing(
    spec: Spec, change: str, section: str, said: str
) -> None:
    result = prescribe(spec, TEXT, [(changed(spec, section, change), "x")])
    (report,) = result.reports
    assert report.verdict == "no fix found"
    assert any(said in line for line in report.unfixed), report.unfixed
    assert result.changes == []
    assert result.diff == ""
    assert exit_code(result) == 3


def test_a_moved_endpoint_in_a_capture_without_the_other_calls_is_said(spec: Spec) -> None:
    capture = changed(spec, "notifications", "endpoint_moved")
    pages = [dataclasses.replace(p, exchanges=[x for x in p.exchanges if x.role != "other"]) for p in capture.pages]
    result = prescribe(spec, TEXT, [(dataclasses.replace(capture, pages=pages), "x")])
    assert result.reports[0].verdict == "no fix found"
    assert "kept no other JSON calls" in result.reports[0].unfixed[0]


def test_a_proposal_that_fails_the_re_read_is_withdrawn(spec: Spec, monkeypatch: pytest.MonkeyPatch) -> None:
    """The re-read has the last word: a candidate the in-memory search liked but the strict re-read does not
    reproduce is not offered."""
    monkeypatch.setattr("scraper.doctor.prescribe.check", lambda text, expected: ["record x: date differs"])
    result = prescribe(spec, TEXT, [(changed(spec, "case_log", "rows_renamed"), "x")])
    assert result.changes == []
    assert result.diff == ""
    assert "did not pass the re-read" in result.reports[0].unfixed[-1]
    assert result.rejected["case_log"][0].where == "sections.case_log.dom.rows"


# --- the patch of selectors.yaml --------------------------------------------------------------------------


def test_the_patch_edits_only_the_changed_lines_and_marks_each_with_its_provenance(spec: Spec) -> None:
    changes = [
        Change(("sections", "feedback", "dom", "fields", "date", "css"), ".col_order_date", "td.date", "x"),
        Change(("sections", "feedback", "dom", "fields", "rating", "attr"), "value", None, "x"),  # removed, {...}
        Change(("sections", "feedback", "dom", "fields", "date", "attr"), None, "data-date", "x"),  # added, {...}
        Change(("sections", "case_log", "dom", "fields", "case_id", "css"), "a", "a.case", "x"),  # block mapping
        Change(("sections", "case_log", "dom", "fields", "case_id", "attr"), "href", "data-href", "x"),
        Change(("sections", "feedback", "dom", "fields", "comment", "attr"), None, "title", "x"),  # added, block
        Change(("sections", "regulatory_compliance", "ready"), "...", "kat-table-row", "x"),  # folded >- value
        Change(("sections", "feedback", "api", "url_pattern"), "...", "/fbmapi/v2/feedbacks\\b", "x"),
    ]
    patched = patch_text(TEXT, changes, "2000-01-01")
    new = load_text(patched)
    assert new.section("feedback").dom.fields["date"].css == "td.date"
    assert new.section("feedback").dom.fields["date"].attr == "data-date"
    assert new.section("feedback").dom.fields["rating"].attr is None
    assert new.section("case_log").dom.fields["case_id"].css == "a.case"
    assert new.section("case_log").dom.fields["case_id"].attr == "data-href"
    assert [t.arg for t in new.section("case_log").dom.fields["case_id"].transforms] == ["caseID=(\\d+)"]
    assert new.section("feedback").dom.fields["comment"].attr == "title"
    assert new.section("regulatory_compliance").ready == "kat-table-row"
    assert new.section("feedback").api is not None
    assert new.section("feedback").api.url_pattern.pattern == "/fbmapi/v2/feedbacks\\b"
    diff = unified_diff(TEXT, patched)
    added = [line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    removed = [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    # One line per place (css and attr of one {...} share a line; the new block attr is a line of its own) ...
    assert len(added) == 7
    assert len(removed) == 8  # ... and the folded ready (key line and two value lines) becomes one
    assert all(PROVENANCE.search(line) for line in added), added
    # The diff lists every changed line: everything else, comments and anchors included, is as it was.
    assert len(patched.splitlines()) == len(TEXT.splitlines()) - len(removed) + len(added)


def test_the_patched_copy_passes_the_provenance_rule(spec: Spec) -> None:
    """tests/test_provenance.py demands a source word on every selector line: the doctor's lines say
    'inferred' (and that they are to be checked against the live page)."""
    from tests.test_provenance import WORDS, _comment

    result = prescribe(spec, TEXT, [(changed(spec, "feedback", "cell_attributes_renamed"), "x")], day="2000-01-01")
    added = [line[1:] for line in result.diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert added
    assert all(WORDS.search(_comment(line)) for line in added)


# --- the command ------------------------------------------------------------------------------------------


def test_doctor_command_exit_codes_write_and_parse(
    spec: Spec, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "captures" / "case_log"
    save_capture(changed(spec, "case_log", "rows_renamed"), broken)
    out = tmp_path / "selectors.patched.yaml"
    assert main(["doctor", str(broken), "--write", str(out)]) == 1
    text = capsys.readouterr().out
    assert "verdict: fix proposed" in text
    assert "+++ b/selectors.yaml" in text
    assert "kat-table-row-v2" in out.read_text(encoding="utf-8")
    assert main(["parse", str(broken)]) == 0  # read from the JSON, with a maintenance notice
    assert "maintenance" in capsys.readouterr().out
    assert main(["--spec", str(out), "parse", str(broken)]) == 0
    assert "maintenance" not in capsys.readouterr().out
    # A folder holding captures; the clean one needs nothing.
    clean = tmp_path / "clean" / "feedback"
    save_capture(capture_of("feedback"), clean)
    assert main(["doctor", str(tmp_path / "clean")]) == 0
    assert "no change to propose" in capsys.readouterr().out
    # Only the diff, for `git apply`.
    assert main(["doctor", str(broken), "--diff-only"]) == 1
    diff = capsys.readouterr().out
    assert diff.startswith("--- a/selectors.yaml\n+++ b/selectors.yaml\n@@")


def test_doctor_command_without_a_safe_fix_exits_3_and_writes_nothing(spec: Spec, tmp_path: Path) -> None:
    hidden = tmp_path / "feedback"
    save_capture(changed(spec, "feedback", "values_hidden"), hidden)
    out = tmp_path / "patched.yaml"
    assert main(["doctor", str(hidden), "--write", str(out)]) == 3
    assert not out.exists()


def test_doctor_command_usage_errors(tmp_path: Path) -> None:
    assert main(["doctor", str(tmp_path / "nothing-here")]) == 2
    save_capture(capture_of("feedback"), tmp_path / "feedback")
    assert main(["doctor", str(tmp_path / "feedback"), "--write", str(DEFAULT_SPEC_PATH)]) == 2  # a copy only
    assert main(["doctor", str(tmp_path / "feedback"), "--account", "x"]) == 2


def test_a_capture_keeps_the_other_json_calls(spec: Spec, tmp_path: Path) -> None:
    capture = changed(spec, "notifications", "endpoint_moved")
    save_capture(capture, tmp_path / "c")
    again = load_capture(tmp_path / "c")
    roles = [x.role for p in again.pages for x in p.exchanges]
    assert roles == ["other", "other", "other"]
    assert sorted(p.name for p in (tmp_path / "c").glob("*.other-*.json")) == [
        "page-1.other-1.json",
        "page-2.other-1.json",
        "page-3.other-1.json",
    ]
