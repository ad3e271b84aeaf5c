"""Typed records survive their stable JSON form: what the history stores rebuilds to the same record."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from scraper.diff import Change, FieldChange, typed_change
from scraper.findings import FindingRules, evaluate
from scraper.parse import parse_page
from scraper.records import (
    RECORD_TYPES,
    Case,
    CaseStatus,
    IssueStatus,
    Notification,
    RegulatoryIssue,
    RegulatoryRequirement,
    Unknown,
    VocListing,
    record_from_json,
)
from scraper.serialize import key_parts, key_text, to_jsonable
from scraper.spec import Spec
from tests.fixture_cases import all_cases

CASES = [c for c in all_cases() if not c.is_summary]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_fixture_record_round_trips(spec: Spec, case: object) -> None:
    result = parse_page(spec, case.section, case.source, case.path.read_bytes())  # type: ignore[attr-defined]
    record_type = RECORD_TYPES[case.section]  # type: ignore[attr-defined]
    for record in result.records:
        rebuilt = record_from_json(record_type, to_jsonable(record))
        assert rebuilt == record
        assert type(rebuilt) is record_type


def test_unknown_labels_decimals_and_dates_come_back_typed() -> None:
    data = to_jsonable(Case("7", "Hello", Unknown("Pending Review"), date(2026, 3, 1)))
    rebuilt = record_from_json(Case, data)
    assert rebuilt.status == Unknown("Pending Review")
    assert rebuilt.created == date(2026, 3, 1)
    assert rebuilt.needs_attention is False
    waiting = record_from_json(Case, {**data, "status": "NEEDS_ATTENTION", "needs_attention": False})
    assert waiting.status is CaseStatus.NEEDS_ATTENTION
    assert waiting.needs_attention is True  # computed from the status, never read
    listing = record_from_json(
        VocListing,
        {
            "asin": "B0TEST0001",
            "fnsku": None,
            "condition": {"unknown": "Gebraucht"},
            "title": None,
            "fulfillment_channel": "FBA",
            "cx_health": "POOR",
            "ncx_rate": "0.130",
            "ncx_orders": 3,
            "total_orders": 100,
            "ncx_review_rate": None,
            "return_rate": "1.5",
            "top_ncx_reason": None,
            "top_ncx_reason_label": None,
            "last_updated": "2026-04-02",
            "high_return_rate": False,
            "at_risk_of_high_return_rate": None,
        },
    )
    assert listing.condition == Unknown("Gebraucht")
    assert listing.ncx_rate == Decimal("0.130")
    assert str(listing.ncx_rate) == "0.130"
    assert listing.last_updated == date(2026, 4, 2)
    assert listing.high_return_rate is False
    assert listing.sku is None


def test_a_stored_label_the_enum_no_longer_has_comes_back_unknown() -> None:
    data = to_jsonable(Case("7", None, CaseStatus.OPEN, None))
    assert record_from_json(Case, {**data, "status": "PENDING_SOMETHING"}).status == Unknown("PENDING_SOMETHING")


def test_fields_stored_before_they_existed_take_their_defaults() -> None:
    note = record_from_json(Notification, {"notification_id": "n1", "date": "2026-01-02", "subject": "Hi"})
    assert note == Notification("n1", date(2026, 1, 2), "Hi")
    assert note.asins == ()
    assert note.read is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", 20260102),
        ("date", "2026-13-01"),
        ("read", "yes"),
        ("asins", [1]),
        ("subject", None),
        ("date", {"unknown": "x"}),
    ],
)
def test_a_value_that_does_not_fit_its_field_is_refused(field: str, value: object) -> None:
    data = {"notification_id": "n1", "date": "2026-01-02", "subject": "Hi", field: value}
    with pytest.raises(ValueError, match="is not a"):
        record_from_json(Notification, data)


def test_a_rate_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(ValueError, match="is not a"):
        record_from_json(VocListing, {"asin": "B0", "cx_health": "GOOD", "ncx_rate": "NaN"})


def test_a_record_key_round_trips_through_its_stored_text() -> None:
    key = ("MANUFACTURER", ("B0A", "B0B"), (), Unknown("Neu"), date(2026, 1, 2))
    text = key_text(key)
    assert text == '["MANUFACTURER", ["B0A", "B0B"], [], {"unknown": "Neu"}, "2026-01-02"]'
    assert key_parts(text) == ("MANUFACTURER", ["B0A", "B0B"], [], {"unknown": "Neu"}, "2026-01-02")
    with pytest.raises(ValueError, match="not a record key"):
        key_parts('"B0A"')


def test_a_change_leaves_the_store_typed_and_findings_keep_the_typed_record() -> None:
    issue = RegulatoryIssue(RegulatoryRequirement.MANUFACTURER, ("B0A",), ("S",), IssueStatus.SUBMISSION_REQUIRED)
    before_after = {"status": ("UNDER_REVIEW", "SUBMISSION_REQUIRED")}
    stored = Change("changed", '["MANUFACTURER", ["B0A"], ["S"]]', to_jsonable(issue), before_after)
    change = typed_change(RegulatoryIssue, stored)
    assert change.record == issue
    assert change.fields["status"] == FieldChange(IssueStatus.UNDER_REVIEW, IssueStatus.SUBMISSION_REQUIRED)
    found = evaluate("regulatory_compliance", {change.key: issue}, [change], FindingRules(), date(2026, 7, 28))
    assert [(f.rule, f.message) for f in found] == [
        ("gpsr_open", "GPSR manufacturer for B0A: submission required"),
        (
            "gpsr_submission_not_accepted",
            "GPSR submission for B0A is required again after review: Amazon did not accept it",
        ),
    ]
    assert [f.record for f in found] == [issue, issue]
