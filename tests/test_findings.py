"""Findings rules, one table row per rule and boundary; thresholds and words from the configuration."""

from __future__ import annotations

from datetime import date

import pytest

from scraper.diff import Change, FieldChange
from scraper.findings import FindingRules
from tests.helpers import evaluate_stored

TODAY = date(2026, 7, 28)


def new(key: str, **data: object) -> Change:
    return Change("new", key, dict(data))


CASES = [
    # (id, section, current records, changes, expected [(rule, severity, tags)])
    (
        "new notification",
        "notifications",
        {},
        [new('["n1"]', subject="Richtlinienwarnung für B0DEMO0001")],
        [("new_notification", "warning", ())],
    ),
    (
        "notification about deactivation (de)",
        "notifications",
        {},
        [new('["n2"]', subject="Ihr Konto ist von einer Deaktivierung bedroht")],
        [("new_notification", "critical", ("blocking",))],
    ),
    (
        "notification about removal (en)",
        "notifications",
        {},
        [new('["n3"]', subject="Your listing was removed")],
        [("new_notification", "critical", ("blocking",))],
    ),
    (
        "a notification seen before is not new",
        "notifications",
        {'["n1"]': {"subject": "x"}},
        [Change("changed", '["n1"]', {"subject": "x"}, {"read": FieldChange(False, True)})],
        [],
    ),
    (
        "very poor health",
        "voice_of_customer",
        {'["B0A", "S"]': {"cx_health": "VERY_POOR"}},
        [],
        [("cx_health_poor", "critical", ())],
    ),
    (
        "poor health",
        "voice_of_customer",
        {'["B0A", "S"]': {"cx_health": "POOR"}},
        [],
        [("cx_health_poor", "warning", ())],
    ),
    (
        "suppressed listing",
        "voice_of_customer",
        {'["B0A", "S"]': {"cx_health": "SUPPRESSED"}},
        [],
        [("cx_health_poor", "critical", ())],
    ),
    ("fair health is fine", "voice_of_customer", {'["B0A", "S"]': {"cx_health": "FAIR"}}, [], []),
    (
        "unknown health label",
        "voice_of_customer",
        {'["B0A", "S"]': {"cx_health": {"unknown": "Kritisch"}}},
        [],
        [("cx_health_unknown", "warning", ())],
    ),
    (
        "health worsened",
        "voice_of_customer",
        {'["B0A", "S"]': {"cx_health": "FAIR"}},
        [Change("changed", '["B0A", "S"]', {"cx_health": "FAIR"}, {"cx_health": FieldChange("GOOD", "FAIR")})],
        [("cx_health_worsened", "warning", ())],
    ),
    (
        "health improved",
        "voice_of_customer",
        {'["B0A", "S"]': {"cx_health": "GOOD"}},
        [Change("changed", '["B0A", "S"]', {"cx_health": "GOOD"}, {"cx_health": FieldChange("FAIR", "GOOD")})],
        [],
    ),
    (
        "case waiting for reply",
        "case_log",
        {'["1"]': {"case_id": "1", "status": "NEEDS_ATTENTION"}},
        [],
        [("case_needs_reply", "warning", ())],
    ),
    (
        "new case opened by Amazon",
        "case_log",
        {'["2"]': {"case_id": "2", "opened_by": "AMAZON"}},
        [new('["2"]', case_id="2", opened_by="AMAZON", needs_attention=False)],
        [("case_opened_by_amazon", "warning", ())],
    ),
    (
        "own new case is no finding",
        "case_log",
        {'["3"]': {"case_id": "3", "opened_by": "SELLER"}},
        [new('["3"]', case_id="3", opened_by="SELLER")],
        [],
    ),
    (
        "GPSR submission required",
        "regulatory_compliance",
        {
            '["MANUFACTURER", ["B0A", "B0B"], ["S1", "S2"]]': {
                "reason": "MANUFACTURER",
                "asins": ["B0A", "B0B"],
                "status": "SUBMISSION_REQUIRED",
                "action_taken": "Listing at risk of removal",
            }
        },
        [],
        [("gpsr_open", "warning", ())],
    ),
    (
        "GPSR status not shown counts as required",
        "regulatory_compliance",
        {'["SAFETY_INFORMATION", ["B0A"], []]': {"reason": "SAFETY_INFORMATION", "asins": ["B0A"], "status": None}},
        [],
        [("gpsr_open", "warning", ())],
    ),
    (
        "GPSR submission under review is info",
        "regulatory_compliance",
        {'["SAFETY_INFORMATION", ["B0A"], ["S"]]': {"reason": "SAFETY_INFORMATION", "status": "UNDER_REVIEW"}},
        [],
        [("gpsr_open", "info", ())],
    ),
    (
        "GPSR listing already removed",
        "regulatory_compliance",
        {
            '["RESPONSIBLE_PERSON", ["B0A"], ["S"]]': {
                "reason": "RESPONSIBLE_PERSON",
                "status": "SUBMISSION_REQUIRED",
                "action_taken": "Listing removed",
            }
        },
        [],
        [("gpsr_open", "critical", ())],
    ),
    (
        "GPSR reason and next steps the tool does not know",
        "regulatory_compliance",
        {
            '[{"unknown": "GPSR: EU representative"}, ["B0A"], []]': {
                "reason": {"unknown": "GPSR: EU representative"},
                "status": {"unknown": "Contact Seller Support"},
            }
        },
        [],
        [("gpsr_open", "warning", ())],
    ),
    (
        "GPSR submission required again after review",
        "regulatory_compliance",
        {'["MANUFACTURER", ["B0A"], ["S"]]': {"reason": "MANUFACTURER", "status": "SUBMISSION_REQUIRED"}},
        [
            Change(
                "changed",
                '["MANUFACTURER", ["B0A"], ["S"]]',
                {"reason": "MANUFACTURER", "asins": ["B0A"], "status": "SUBMISSION_REQUIRED"},
                {"status": FieldChange("UNDER_REVIEW", "SUBMISSION_REQUIRED")},
            )
        ],
        [("gpsr_open", "warning", ()), ("gpsr_submission_not_accepted", "warning", ())],
    ),
    (
        "open compliance request, far due",
        "compliance_requests",
        {
            '["B0A"]': {
                "grain": "B0A",
                "approval_status": "ACTION_REQUIRED",
                "requirements": ["Test report"],
                "due_date": "2026-09-30",
            }
        },
        [],
        [("compliance_request_open", "warning", ())],
    ),
    (
        "compliance request due in 7 days",
        "compliance_requests",
        {'["B0A"]': {"grain": "B0A", "approval_status": "REJECTED", "requirements": [], "due_date": "2026-08-04"}},
        [],
        # 2026-08-04 is 7 days after TODAY: the first early warning (due_soon_days 7) as well
        [("compliance_request_open", "critical", ()), ("due_soon", "warning", ("early warning",))],
    ),
    (
        "compliance request overdue",
        "compliance_requests",
        {
            '["B0A"]': {
                "grain": "B0A",
                "approval_status": "ACTION_REQUIRED",
                "requirements": [],
                "due_date": "2026-07-01",
            }
        },
        [],
        [("compliance_request_open", "critical", ()), ("overdue", "critical", ("early warning",))],
    ),
    (
        "request with a status label not known yet",
        "compliance_requests",
        {'["B0A"]': {"grain": "B0A", "approval_status": {"unknown": "Eskaliert"}, "requirements": ["SDB"]}},
        [],
        [("compliance_request_open", "warning", ())],
    ),
    ("approved request", "compliance_requests", {'["B0A"]': {"grain": "B0A", "approval_status": "APPROVED"}}, [], []),
    (
        "1-star feedback about a damaged parcel",
        "feedback",
        {},
        [
            new(
                '["o1"]',
                order_id="o1",
                rating=1,
                comment="Paket kam beschädigt an, Verpackung kaputt",
                suppressed=False,
            )
        ],
        [("feedback_1_stars", "warning", ("packaging", "damage"))],
    ),
    (
        "2-star feedback, late delivery",
        "feedback",
        {},
        [new('["o2"]', order_id="o2", rating=2, comment="Arrived two weeks late", suppressed=False)],
        [("feedback_2_stars", "warning", ("shipping",))],
    ),
    (
        "3-star feedback is info",
        "feedback",
        {},
        [new('["o3"]', order_id="o3", rating=3, comment="ok", suppressed=False)],
        [("feedback_3_stars", "info", ())],
    ),
    ("4-star feedback is no finding", "feedback", {}, [new('["o4"]', order_id="o4", rating=4, comment="gut")], []),
    (
        "struck-through feedback is info",
        "feedback",
        {},
        [new('["o5"]', order_id="o5", rating=1, comment="delivery late", suppressed=True)],
        [("feedback_1_stars", "info", ("shipping", "suppressed by Amazon"))],
    ),
]


@pytest.mark.parametrize(
    ("section", "current", "changes", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_rule(section: str, current: dict, changes: list[Change], expected: list[tuple]) -> None:
    found = evaluate_stored(section, current, changes, FindingRules(), TODAY)
    assert [(f.rule, f.severity, f.tags) for f in found] == expected


def test_thresholds_and_words_are_configurable() -> None:
    rules = FindingRules(
        due_soon_days=1, feedback_warning_max_stars=3, feedback_info_max_stars=4, critical_words=("abmahnung",)
    )
    req = {
        '["B0A"]': {"grain": "B0A", "approval_status": "ACTION_REQUIRED", "requirements": [], "due_date": "2026-08-04"}
    }
    assert [f.severity for f in evaluate_stored("compliance_requests", req, [], rules, TODAY)] == ["warning"]
    fb = [
        new('["o"]', order_id="o", rating=3, comment="", suppressed=False),
        new('["p"]', order_id="p", rating=4, comment="", suppressed=False),
    ]
    assert [f.severity for f in evaluate_stored("feedback", {}, fb, rules, TODAY)] == ["warning", "info"]
    note = [new('["n"]', subject="Abmahnung wegen Markenrecht")]
    assert [f.severity for f in evaluate_stored("notifications", {}, note, rules, TODAY)] == ["critical"]
