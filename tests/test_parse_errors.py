"""Empty is not broken: drift, sign-in pages and bad fields are errors with context, never "nothing found"."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from scraper.errors import FieldError, PageError, SelectorDriftError, SignedOutError
from scraper.parse import merge_pages, parse_page
from scraper.records import CaseStatus, Feedback, Unknown
from scraper.spec import Spec
from tests.helpers import GOOD_FEEDBACK, feedback_page, feedback_row


def test_a_good_row_parses(spec: Spec) -> None:
    result = parse_page(spec, "feedback", "dom", feedback_page(feedback_row()))
    assert result.status == "ok"
    assert result.records == (Feedback("302-0000001-0000001", date(2026, 7, 27), 4, "Alles gut", None),)


def test_zero_rows_without_empty_marker_is_drift(spec: Spec) -> None:
    with pytest.raises(SelectorDriftError) as info:
        parse_page(spec, "feedback", "dom", feedback_page(""))
    err = info.value
    assert (err.section, err.source) == ("feedback", "dom")
    assert err.selector == spec.section("feedback").dom.rows
    assert "empty-state marker" in str(err)


def test_zero_rows_with_empty_marker_is_empty(spec: Spec) -> None:
    page = feedback_page("", extra='<kat-alert data-testid="fbm-no-feedback">Noch kein Feedback</kat-alert>')
    result = parse_page(spec, "feedback", "dom", page)
    assert (result.status, result.records) == ("empty", ())


def test_renamed_row_class_is_drift_not_empty(spec: Spec) -> None:
    page = feedback_page(feedback_row()).replace("kat-table-row", "kat-row")
    with pytest.raises(SelectorDriftError):
        parse_page(spec, "feedback", "dom", page)


def test_sign_in_page_says_session_expired(spec: Spec) -> None:
    page = """<html><body><form name="signIn" action="/ap/signin"><input id="ap_email" name="email">
              <input id="continue" type="submit"></form></body></html>"""
    with pytest.raises(SignedOutError, match="scraper login"):
        parse_page(spec, "case_log", "dom", page)


@pytest.mark.parametrize(
    ("row", "field", "raw", "reason"),
    [
        (feedback_row(rating=None), "rating", None, "required field is missing"),
        (feedback_row(date_text="32.13.2026"), "date", "32.13.2026", "month must be in 1..12"),
        (feedback_row(date_text="—"), "date", "—", "required field is missing"),
        (feedback_row(rating="viele"), "rating", "viele", "not a number"),
        (feedback_row(order=None), "order_id", None, "required field is missing"),
    ],
    ids=["no stars", "impossible date", "dash for a required date", "rating not a number", "order label gone"],
)
def test_bad_required_field_names_row_field_and_raw_text(
    spec: Spec, row: str, field: str, raw: object, reason: str
) -> None:
    page = feedback_page(feedback_row(order="302-0000009-0000009") + row)
    with pytest.raises(FieldError) as info:
        parse_page(spec, "feedback", "dom", page)
    err = info.value
    assert (err.section, err.source, err.row, err.field, err.raw) == ("feedback", "dom", 2, field, raw)
    assert reason in err.reason
    assert f"row 2, field {field!r}" in str(err)


def test_record_check_rejects_a_six_star_rating(spec: Spec) -> None:
    with pytest.raises(FieldError, match=r"rating must be 1\.\.5") as info:
        parse_page(spec, "feedback", "dom", feedback_page(feedback_row(rating="6")))
    assert info.value.row == 1


def test_missing_optional_cell_is_none_and_placeholder_is_none(spec: Spec) -> None:
    rows = feedback_row(comment="—") + feedback_row(order="302-0000002-0000002").replace(
        '<kat-table-cell><div class="fb-comment">Alles gut</div></kat-table-cell>', ""
    )
    result = parse_page(spec, "feedback", "dom", feedback_page(rows))
    assert [r.comment for r in result.records] == [None, None]


def case_page(status: str) -> str:
    return f"""<html lang="en-US"><body><kat-table class="case-lobby-table"><kat-table-body><kat-table-row>
      <kat-table-cell data-column="case_id"><a href="/cu/case-dashboard/view-case?caseID=10000000001">1</a>
      </kat-table-cell><kat-table-cell data-column="status">{status}</kat-table-cell>
      </kat-table-row></kat-table-body></kat-table></body></html>"""


def test_unknown_enum_label_is_kept_visibly(spec: Spec) -> None:
    record = parse_page(spec, "case_log", "dom", case_page("Escalated to   legal")).records[0]
    assert record.status == Unknown("Escalated to legal")
    assert record.needs_attention is False


def test_known_label_maps_in_either_language(spec: Spec) -> None:
    de = parse_page(spec, "case_log", "dom", case_page("Ihre Aufmerksamkeit ist erforderlich")).records[0]
    en = parse_page(spec, "case_log", "dom", case_page("Needs your attention")).records[0]
    assert de.status == en.status == CaseStatus.NEEDS_ATTENTION
    assert de.needs_attention
    assert en.needs_attention


# --- API bodies ---------------------------------------------------------------------------------------


def body(**kwargs: object) -> str:
    return json.dumps(kwargs)


def test_api_rows_parse(spec: Spec) -> None:
    result = parse_page(spec, "feedback", "api", body(feedbacks=[GOOD_FEEDBACK]))
    assert result.records == (Feedback("302-0000001-0000001", date(2026, 7, 27), 2, "Late", None, False),)


def test_api_empty_list_is_empty(spec: Spec) -> None:
    assert parse_page(spec, "feedback", "api", body(feedbacks=[])).status == "empty"


@pytest.mark.parametrize(
    ("payload", "selector", "words"),
    [
        (body(items=[GOOD_FEEDBACK]), "feedbacks", "the row path is missing"),
        (body(feedbacks={"0": GOOD_FEEDBACK}), "feedbacks", "a dict, not a list"),
        (body(feedbacks=["x"]), "feedbacks", "row 1 is a str"),
    ],
    ids=["row path renamed", "rows not a list", "row not an object"],
)
def test_api_shape_change_is_drift(spec: Spec, payload: str, selector: str, words: str) -> None:
    with pytest.raises(SelectorDriftError) as info:
        parse_page(spec, "feedback", "api", payload)
    assert info.value.selector == selector
    assert words in str(info.value)


def test_api_total_must_be_a_number_and_consistent(spec: Spec) -> None:
    # Left out, the total is Amazon's count not sent: "not verified" (tests/test_counters.py), not an error.
    unknown = parse_page(spec, "case_log", "api", body(caseSearchResultList=[]))
    assert (unknown.status, unknown.total) == ("empty", None)
    with pytest.raises(SelectorDriftError, match="total count is 'many', not a number"):
        parse_page(spec, "case_log", "api", body(caseSearchResultList=[], totalNumberOfResults="many"))
    with pytest.raises(SelectorDriftError, match="no rows although the body says 3"):
        parse_page(spec, "case_log", "api", body(caseSearchResultList=[], totalNumberOfResults=3))
    empty = parse_page(spec, "case_log", "api", body(caseSearchResultList=[], totalNumberOfResults=0))
    assert empty.status == "empty"


def test_api_null_required_field_is_a_field_error(spec: Spec) -> None:
    row = {**GOOD_FEEDBACK, "numericRating": None}
    with pytest.raises(FieldError) as info:
        parse_page(spec, "feedback", "api", body(feedbacks=[GOOD_FEEDBACK, row]))
    assert (info.value.row, info.value.field, info.value.source) == (2, "rating", "api")


def test_api_body_that_is_not_json(spec: Spec) -> None:
    with pytest.raises(PageError, match="not JSON"):
        parse_page(spec, "feedback", "api", "<html><body>Service Unavailable</body></html>")


def test_api_body_that_is_the_sign_in_page(spec: Spec) -> None:
    with pytest.raises(SignedOutError):
        parse_page(spec, "feedback", "api", '<html><form action="/ap/signin"><input id="ap_email"></form></html>')


def test_section_without_api_source(spec: Spec) -> None:
    # Every section has an API source today; a spec without one must still refuse an API body clearly.
    section = dataclasses.replace(spec.section("feedback"), api=None)
    without = dataclasses.replace(spec, sections={**spec.sections, "feedback": section})
    with pytest.raises(PageError, match="no API source"):
        parse_page(without, "feedback", "api", "{}")


def test_voc_page_without_its_health_tiles_is_drift(spec: Spec) -> None:
    page = """<html lang="en-US"><body><kat-table class="voc-listings">
      <kat-table-head><kat-table-cell>Product name ASIN</kat-table-cell><kat-table-cell>Status</kat-table-cell>
      </kat-table-head><kat-table-body><kat-table-row>
      <kat-table-cell data-column="product"><span class="voc-asin">B0DEMO0001</span></kat-table-cell>
      <kat-table-cell data-column="status"><kat-badge label="Poor"></kat-badge></kat-table-cell>
      </kat-table-row></kat-table-body></kat-table></body></html>"""
    with pytest.raises(SelectorDriftError, match="summary block is missing"):
        parse_page(spec, "voice_of_customer", "dom", page)


def test_merge_keeps_the_first_copy_of_a_repeated_key(spec: Spec) -> None:
    first = parse_page(spec, "feedback", "dom", feedback_page(feedback_row()))
    second = parse_page(
        spec,
        "feedback",
        "dom",
        feedback_page(feedback_row(comment="moved") + feedback_row(order="302-0000002-0000002")),
    )
    merged = merge_pages(spec.section("feedback"), [first, second])
    assert [r.order_id for r in merged.records] == ["302-0000001-0000001", "302-0000002-0000002"]
    assert merged.records[0].comment == "Alles gut"
    assert merged.duplicates == (("302-0000001-0000001",),)
    assert merged.pages == 2
