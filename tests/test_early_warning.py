"""Early warnings over history sequences (issue 9, part 2): each warning triggered and not triggered.

Every run below is recorded in a real history with its own read date, as the nightly command does, and the
expected findings are written out by hand from the numbers in the comments (never taken from the code).
The data is invented (B0TEST... ASINs, 12x- orders).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import scraper.store as store
from scraper.findings import Finding, FindingRules
from scraper.monitor import AccountReport, record_run
from scraper.read import SectionOutcome
from scraper.records import (
    AccountHealthSummary,
    ApprovalStatus,
    Case,
    CaseStatus,
    ComplianceRequest,
    CxHealth,
    Feedback,
    IssueStatus,
    RegulatoryIssue,
    RegulatoryRequirement,
    VocListing,
)
from scraper.run import AccountRun
from scraper.spec import Spec
from scraper.store import History, open_history

DE = "A1PA6795UKMFR9"
EARLY = ("early warning",)


class Sequence:
    """Runs of one account, each read on its own day."""

    def __init__(self, history: History, spec: Spec, monkeypatch: pytest.MonkeyPatch, rules: FindingRules) -> None:
        self.history, self.spec, self.monkeypatch, self.rules = history, spec, monkeypatch, rules

    def run(self, day: str, *outcomes: SectionOutcome) -> AccountReport:
        self.monkeypatch.setattr(store, "now_iso", lambda: f"{day}T05:00:00+00:00")
        return record_run(
            self.history, self.spec, AccountRun("main", list(outcomes)), self.rules, date.fromisoformat(day)
        )


@pytest.fixture
def history(history_target: str | Path) -> Iterator[History]:
    with open_history(history_target) as h:
        yield h


@pytest.fixture
def seq(history: History, spec: Spec, monkeypatch: pytest.MonkeyPatch) -> Sequence:
    return Sequence(history, spec, monkeypatch, FindingRules())


def ok(section: str, *records: object, **kw: object) -> SectionOutcome:
    return SectionOutcome(section, DE, "ok" if records else "empty", tuple(records), "api", 1, **kw)  # type: ignore[arg-type]


def found(report: AccountReport, *rules: str) -> list[Finding]:
    return [f for s in report.sections for f in s.findings if not rules or f.rule in rules]


def new(report: AccountReport, *rules: str) -> list[tuple[str, str, str]]:
    return [(f.rule, f.severity, f.message) for _, f in report.new_findings if not rules or f.rule in rules]


# --- Voice of the Customer ------------------------------------------------------------------------------------


def listing(rate: str, health: CxHealth = CxHealth.FAIR, at_risk: bool = False, title: str = "Olive oil") -> VocListing:
    """B0TEST0001 in a category with mean 1.5 % and SD 1.2 %: the warning line is 1.5 + 1 * 1.2 = 2.7 %."""
    return VocListing(
        "B0TEST0001",
        "X00TEST001",
        None,
        title,
        None,
        health,
        Decimal(rate),
        3,
        100,
        None,
        Decimal("1"),
        None,
        None,
        None,
        False,
        at_risk,
        category_ncx_rate_mean=Decimal("1.5"),
        category_ncx_rate_sd=Decimal("1.2"),
    )


VOC = ("ncx_rate_above_category", "ncx_rate_rising", "high_return_rate_risk", "cx_health_poor")


def test_ncx_above_the_category_band_while_still_fair(seq: Sequence) -> None:
    assert found(seq.run("2026-07-01", ok("voice_of_customer", listing("2.0"))), *VOC) == []
    # exactly at the line (2.7 %) is not above it
    assert found(seq.run("2026-07-08", ok("voice_of_customer", listing("2.7"))), *VOC) == []
    third = seq.run("2026-07-15", ok("voice_of_customer", listing("3.1")))
    # (3.1 - 1.5) / 1.2 = 1.33 standard deviations; 1.33 - 1 = 0.33 past the line
    assert new(third, *VOC) == [
        (
            "ncx_rate_above_category",
            "warning",
            "B0TEST0001 / X00TEST001: NCX rate 3.1 % is 1.3 standard deviations above similar offers (mean 1.5 %, "
            "SD 1.2 %; warning from 2.7 %) while its CX health is still fair; last 3 reads: 2 % → 2.7 % → 3.1 %",
        )
    ]
    (warning,) = found(third, "ncx_rate_above_category")
    assert warning.tags == EARLY
    assert warning.detail["urgency"] == [1, -0.333]
    assert warning.detail["sds"] == "1.33"
    assert warning.detail["link"] == "/voice-of-the-customer?asin=B0TEST0001&mons_sel_mkid=A1PA6795UKMFR9"
    # still above the next night: listed, not alerted again; and 2 -> 2.7 -> 3.1 -> 3.3 rose in each of 3 reads
    fourth = seq.run("2026-07-22", ok("voice_of_customer", listing("3.3")))
    assert [f.rule for f in found(fourth, *VOC)] == ["ncx_rate_above_category", "ncx_rate_rising"]
    assert [rule for rule, _, _ in new(fourth, *VOC)] == ["ncx_rate_rising"]
    # rated poor now: the category comparison would only repeat that finding (the trend, 2.7 -> 3.5, stays)
    fifth = seq.run("2026-07-29", ok("voice_of_customer", listing("3.5", CxHealth.POOR)))
    assert [f.rule for f in found(fifth, *VOC)] == ["cx_health_poor", "ncx_rate_rising"]


def test_the_category_band_width_is_the_configured_k(seq: Sequence) -> None:
    seq.rules = FindingRules(voc_category_sds=2)  # line at 1.5 + 2 * 1.2 = 3.9 %
    assert found(seq.run("2026-07-15", ok("voice_of_customer", listing("3.1"))), *VOC) == []
    (warning,) = found(seq.run("2026-07-22", ok("voice_of_customer", listing("4.1"))), *VOC)
    # (4.1 - 1.5) / 1.2 = 2.17 standard deviations
    assert warning.message.startswith(
        "B0TEST0001 / X00TEST001: NCX rate 4.1 % is 2.2 standard deviations above similar offers (mean 1.5 %, "
        "SD 1.2 %; warning from 3.9 %)"
    )


def test_ncx_rising_in_each_of_the_last_three_reads(seq: Sequence) -> None:
    rates = ["1.0", "1.2", "1.2", "1.5", "1.8"]
    for day, rate in zip(["2026-07-01", "2026-07-02", "2026-07-03", "2026-07-04", "2026-07-05"], rates, strict=True):
        report = seq.run(day, ok("voice_of_customer", listing(rate)))
        # 1.2 -> 1.2 is no rise: by 07-05 only two reads in a row rose
        assert found(report, "ncx_rate_rising") == [], day
    # a read that failed is no read: the rise is counted over the reads that were made
    failed = SectionOutcome("voice_of_customer", DE, "drift", message="selector drift")
    assert found(seq.run("2026-07-06", failed), "ncx_rate_rising") == []
    sixth = seq.run("2026-07-07", ok("voice_of_customer", listing("2.0")))
    assert new(sixth, "ncx_rate_rising") == [
        (
            "ncx_rate_rising",
            "warning",
            "B0TEST0001 / X00TEST001: NCX rate rose in each of the last 3 reads: 1.2 % → 1.5 % → 1.8 % → 2 % "
            "(similar offers: mean 1.5 %, warning from 2.7 %)",
        )
    ]
    assert found(sixth, "ncx_rate_rising")[0].detail["urgency"] == [2, -0.8]  # 2.0 - 1.2
    assert found(seq.run("2026-07-08", ok("voice_of_customer", listing("1.9"))), "ncx_rate_rising") == []


def test_rising_runs_is_configurable(seq: Sequence) -> None:
    seq.rules = FindingRules(voc_rising_runs=2)
    seq.run("2026-07-01", ok("voice_of_customer", listing("1.0")))
    seq.run("2026-07-02", ok("voice_of_customer", listing("1.1")))
    (rising,) = found(seq.run("2026-07-03", ok("voice_of_customer", listing("1.3"))), "ncx_rate_rising")
    assert "rose in each of the last 2 reads: 1 % → 1.1 % → 1.3 %" in rising.message


def test_amazons_at_risk_flag_turning_true_is_alerted_once(seq: Sequence) -> None:
    assert found(seq.run("2026-07-01", ok("voice_of_customer", listing("1.0"))), "high_return_rate_risk") == []
    second = seq.run("2026-07-02", ok("voice_of_customer", listing("1.0", at_risk=True)))
    assert new(second, "high_return_rate_risk") == [
        (
            "high_return_rate_risk",
            "warning",
            "B0TEST0001 / X00TEST001: at risk of a high-return-rate badge (NCX return rate 1 %)",
        )
    ]
    assert found(second, "high_return_rate_risk")[0].tags == ("returns", "early warning")
    third = seq.run("2026-07-03", ok("voice_of_customer", listing("1.0", at_risk=True)))
    assert [f.rule for f in found(third, "high_return_rate_risk")] == ["high_return_rate_risk"]
    assert new(third) == []


# --- Feedback -------------------------------------------------------------------------------------------------


def aggregates(neg30: tuple[int, int], all30: int, neg90: tuple[int, int], all90: int) -> dict[str, int]:
    """Amazon's counts as the feedback read carries them (counter names of selectors.yaml)."""
    return {
        "1_star_ratings_30_days": neg30[0],
        "2_star_ratings_30_days": neg30[1],
        "ratings_30_days": all30,
        "1_star_ratings_90_days": neg90[0],
        "2_star_ratings_90_days": neg90[1],
        "ratings_90_days": all90,
    }


FEEDBACK = ("feedback_negative_share", "feedback_negative_rise")


def test_negative_share_from_amazons_counts(seq: Sequence) -> None:
    # 1 of 20 = 5 % (not above 5 %); 90 days 3 of 60 = 5 %: no rise
    calm = seq.run("2026-07-01", ok("feedback", counters=aggregates((1, 0), 20, (2, 1), 60)))
    assert found(calm, *FEEDBACK) == []
    # 2 of 20 = 10 % (above 5 %); 90 days 2 of 60 = 3.33 %: up 6.67 points (above 5)
    bad = seq.run("2026-07-02", ok("feedback", counters=aggregates((1, 1), 20, (1, 1), 60)))
    assert new(bad, *FEEDBACK) == [
        (
            "feedback_negative_share",
            "warning",
            "negative feedback (1-2 stars) is 10 % of the last 30 days' ratings (2 of 20; warning above 5 %); "
            "90 days: 3.3 % (2 of 60); from Amazon's counts",
        ),
        (
            "feedback_negative_rise",
            "warning",
            "negative feedback (1-2 stars) rose to 10 % of the last 30 days' ratings (2 of 20) from 3.3 % over "
            "90 days: up 6.7 points (warning above 5); from Amazon's counts",
        ),
    ]
    share = found(bad, "feedback_negative_share")[0]
    assert share.detail["urgency"] == [1, -5.0]
    assert share.detail["link"] == "/feedback-manager/index.html?mons_sel_mkid=A1PA6795UKMFR9"


def test_a_rise_alone_and_too_few_ratings(seq: Sequence) -> None:
    # 1 of 20 = 5 %: not above; 90 days 0 of 80 = 0 %: up 5 points, not more than 5: nothing
    assert found(seq.run("2026-07-01", ok("feedback", counters=aggregates((1, 0), 20, (0, 0), 80))), *FEEDBACK) == []
    # 3 of 9 would be 33 %, but 9 ratings are fewer than 10: not judged
    assert found(seq.run("2026-07-02", ok("feedback", counters=aggregates((3, 0), 9, (3, 0), 90))), *FEEDBACK) == []
    seq.rules = FindingRules(feedback_negative_share_max=40, feedback_negative_rise_points=2)
    # 4 of 40 = 10 % (under 40 %); 90 days 4 of 100 = 4 %: up 6 points (above 2)
    (rise,) = found(seq.run("2026-07-03", ok("feedback", counters=aggregates((2, 2), 40, (2, 2), 100))), *FEEDBACK)
    assert rise.rule == "feedback_negative_rise"
    assert "from 4 % over 90 days: up 6 points (warning above 2)" in rise.message


def fb(order: str, day: str, rating: int, suppressed: bool | None = False) -> Feedback:
    return Feedback(order, date.fromisoformat(day), rating, "x", None, suppressed)


def test_negative_share_from_the_records_without_amazons_counts(seq: Sequence) -> None:
    entries = [fb(f"121-{i}", f"2026-07-{i + 1:02d}", 5) for i in range(9)]
    entries += [
        fb("121-10", "2026-07-20", 1),
        fb("121-11", "2026-07-21", 1, suppressed=True),  # struck through: Amazon leaves it out
        fb("121-12", "2026-05-01", 2),  # 90 days before 2026-07-25, not 30
    ]
    report = seq.run("2026-07-25", ok("feedback", *entries))
    # last 30 days (06-26 .. 07-25): 9 five-star + 1 one-star counted = 1 of 10 = 10 %;
    # last 90 days (04-27 ..): 2 of 11 = 18.2 % (no rise)
    assert [(f.rule, f.message) for f in found(report, *FEEDBACK)] == [
        (
            "feedback_negative_share",
            "negative feedback (1-2 stars) is 10 % of the last 30 days' ratings (1 of 10; warning above 5 %); "
            "90 days: 18.2 % (2 of 11); from the feedback read",
        )
    ]


# --- due dates ------------------------------------------------------------------------------------------------


def request(due: str | None, status: ApprovalStatus | None = ApprovalStatus.ACTION_REQUIRED) -> ComplianceRequest:
    return ComplianceRequest(
        "B0TEST0009",
        ("Test report",),
        "Helmet",
        approval_status=status,
        due_date=date.fromisoformat(due) if due else None,
    )


DUE = ("due_soon", "due_final", "overdue")


def test_a_due_date_warns_7_and_2_days_before_and_once_it_passed(seq: Sequence) -> None:
    what = "compliance request for B0TEST0009 (Helmet): Test report"
    assert found(seq.run("2026-08-02", ok("compliance_requests", request("2026-08-10"))), *DUE) == []  # 8 days
    assert new(seq.run("2026-08-03", ok("compliance_requests", request("2026-08-10"))), *DUE) == [
        ("due_soon", "warning", f"{what} is due 2026-08-10 (in 7 days)")
    ]
    assert new(seq.run("2026-08-07", ok("compliance_requests", request("2026-08-10"))), *DUE) == []  # 3 days
    eighth = seq.run("2026-08-08", ok("compliance_requests", request("2026-08-10")))
    assert new(eighth, *DUE) == [("due_final", "critical", f"{what} is due 2026-08-10 (in 2 days)")]
    assert found(eighth, *DUE)[0].detail["urgency"] == [0, 2]
    assert new(seq.run("2026-08-10", ok("compliance_requests", request("2026-08-10"))), *DUE) == []  # still final
    assert new(seq.run("2026-08-11", ok("compliance_requests", request("2026-08-10"))), *DUE) == [
        ("overdue", "critical", f"{what} was due 2026-08-10 (1 day ago)")
    ]


def test_no_due_warning_without_a_date_or_with_amazon(seq: Sequence) -> None:
    report = seq.run(
        "2026-08-11",
        ok(
            "compliance_requests",
            request(None),
            replace(request("2026-08-01", ApprovalStatus.UNDER_REVIEW), grain="B0TEST0010"),
            replace(request("2026-08-01", ApprovalStatus.APPROVED), grain="B0TEST0011"),
        ),
    )
    assert found(report, *DUE) == []


def issue(day: str, status: IssueStatus = IssueStatus.SUBMISSION_REQUIRED, asin: str = "B0TEST0201") -> RegulatoryIssue:
    return RegulatoryIssue(
        RegulatoryRequirement.SAFETY_INFORMATION,
        (asin,),
        ("SKU-1",),
        status,
        date.fromisoformat(day),
        action_taken="Listing at risk of removal",
    )


def test_a_regulatory_date_ahead_is_the_day_amazon_acts(seq: Sequence) -> None:
    what = "GPSR safety information for B0TEST0201 (Listing at risk of removal): Amazon's date 2026-08-10"
    taken = "(the page's date, taken as the day Amazon acts)"
    # B0TEST0202's date had passed when the history first saw it: when the issue was raised, never "overdue"
    first = seq.run(
        "2026-07-31", ok("regulatory_compliance", issue("2026-08-10"), issue("2026-06-01", asin="B0TEST0202"))
    )
    assert found(first, *DUE) == []
    assert new(
        seq.run("2026-08-05", ok("regulatory_compliance", issue("2026-08-10"), issue("2026-06-01", asin="B0TEST0202"))),
        *DUE,
    ) == [("due_soon", "warning", f"{what} is in 5 days {taken}")]
    late = seq.run(
        "2026-08-12", ok("regulatory_compliance", issue("2026-08-10"), issue("2026-06-01", asin="B0TEST0202"))
    )
    assert new(late, *DUE) == [("overdue", "critical", f"{what} passed 2 days ago {taken}")]
    # submitted and under review: nothing is due from the seller
    review = seq.run("2026-08-13", ok("regulatory_compliance", issue("2026-08-10", IssueStatus.UNDER_REVIEW)))
    assert found(review, *DUE) == []


# --- cases ----------------------------------------------------------------------------------------------------


def case(status: CaseStatus, last_updated: str | None = None) -> Case:
    return Case(
        "123",
        "Docs needed",
        status,
        date(2026, 6, 30),
        date.fromisoformat(last_updated) if last_updated else None,
    )


def test_a_case_waiting_more_than_two_days(seq: Sequence) -> None:
    waiting = CaseStatus.NEEDS_ATTENTION
    assert found(seq.run("2026-07-01", ok("case_log", case(waiting))), "case_waiting") == []
    assert found(seq.run("2026-07-03", ok("case_log", case(waiting))), "case_waiting") == []  # 2 days: not more
    fourth = seq.run("2026-07-04", ok("case_log", case(waiting)))
    assert new(fourth, "case_waiting") == [
        (
            "case_waiting",
            "warning",
            "case 123 has waited 3 days for your answer (waiting since at least 2026-07-01, when it was first read "
            "so; warning after 2): Docs needed",
        )
    ]
    (waited,) = found(fourth, "case_waiting")
    assert waited.detail["urgency"] == [0, -1]
    assert waited.detail["link"] == "/cu/case-dashboard/view-case?caseID=123&mons_sel_mkid=A1PA6795UKMFR9"
    # answered; Amazon asks again on 07-10: the wait starts again from that read
    assert found(seq.run("2026-07-05", ok("case_log", case(CaseStatus.WORK_IN_PROGRESS))), "case_waiting") == []
    assert found(seq.run("2026-07-10", ok("case_log", case(waiting))), "case_waiting") == []
    (again,) = found(seq.run("2026-07-13", ok("case_log", case(waiting))), "case_waiting")
    assert "waited 3 days for your answer (waiting since at least 2026-07-10" in again.message


def test_a_case_waits_since_its_last_change_where_the_page_shows_it(seq: Sequence) -> None:
    report = seq.run("2026-07-04", ok("case_log", case(CaseStatus.NEEDS_ATTENTION, "2026-06-28")))
    assert [f.message for f in found(report, "case_waiting")] == [
        "case 123 has waited 6 days for your answer (last change 2026-06-28; warning after 2): Docs needed"
    ]
    seq.rules = FindingRules(case_reply_days=7)
    assert (
        found(seq.run("2026-07-05", ok("case_log", case(CaseStatus.NEEDS_ATTENTION, "2026-06-28"))), "case_waiting")
        == []
    )


# --- Account Health -------------------------------------------------------------------------------------------


def health(mfn: str = "GOOD", account: str | None = "NORMAL", listing_policy: str = "GOOD") -> AccountHealthSummary:
    return AccountHealthSummary(
        0,
        "GOOD",
        account_status=account,
        ahr_score=250,
        ahr_status="HEALTHY",
        odr_mfn_rate=Decimal("1.25") if mfn == "BAD" else Decimal("0.5"),
        odr_mfn_status=mfn,
        odr_mfn_target=Decimal("1"),
        listing_policy_defects=0 if listing_policy == "GOOD" else 2,
        listing_policy_status=listing_policy,
    )


HEALTH = ("account_metric_bad", "account_health_changed", "account_status")


def test_account_health_statuses_their_changes_and_the_account_status(seq: Sequence) -> None:
    first = seq.run("2026-07-01", ok("regulatory_compliance", summary=health()))
    assert new(first, *HEALTH) == [
        ("account_status", "info", "Account Health: account status NORMAL; Account Health Rating 250 (HEALTHY)")
    ]
    (status,) = found(first, "account_status")
    assert status.detail["link"] == "/performance/dashboard?mons_sel_mkid=A1PA6795UKMFR9"
    second = seq.run("2026-07-02", ok("regulatory_compliance", summary=health(mfn="BAD", listing_policy="BAD")))
    assert sorted(new(second, *HEALTH)) == [
        (
            "account_health_changed",
            "warning",
            "Account Health: the listing policy changed from GOOD to BAD: 2 violations",
        ),
        (
            "account_health_changed",
            "warning",
            "Account Health: the order defect rate (seller-fulfilled) changed from GOOD to BAD: 1.25 % "
            "(target under 1 %)",
        ),
        ("account_metric_bad", "warning", "Account Health: Amazon rates the listing policy BAD: 2 violations"),
        (
            "account_metric_bad",
            "warning",
            "Account Health: Amazon rates the order defect rate (seller-fulfilled) BAD: 1.25 % (target under 1 %)",
        ),
    ]
    # still BAD the next night: listed, no news; back to GOOD: an info change
    third = seq.run("2026-07-03", ok("regulatory_compliance", summary=health(mfn="BAD", listing_policy="BAD")))
    assert new(third, *HEALTH) == []
    assert sorted(f.rule for f in found(third, *HEALTH)) == [
        "account_metric_bad",
        "account_metric_bad",
        "account_status",
    ]
    fourth = seq.run("2026-07-04", ok("regulatory_compliance", summary=health(listing_policy="BAD")))
    assert new(fourth, *HEALTH) == [
        (
            "account_health_changed",
            "info",
            "Account Health: the order defect rate (seller-fulfilled) changed from BAD to GOOD: 0.5 % "
            "(target under 1 %)",
        )
    ]
    # the account status words decide the severity: "deactivated" is critical
    fifth = seq.run("2026-07-05", ok("regulatory_compliance", summary=health(account="DEACTIVATED")))
    assert [(f.rule, f.severity) for f in found(fifth, "account_status", "account_health_changed")] == [
        ("account_health_changed", "warning"),
        ("account_health_changed", "info"),
        ("account_status", "critical"),
    ]
    assert new(fifth, "account_health_changed")[0][2] == (
        "Account Health: the account status changed from NORMAL to DEACTIVATED"
    )


def test_no_account_health_findings_without_the_summary(seq: Sequence) -> None:
    report = seq.run("2026-07-01", ok("regulatory_compliance", issue("2026-06-01")))
    assert found(report, *HEALTH) == []
    quiet = seq.run("2026-07-02", ok("regulatory_compliance", summary=health(account=None)))
    # neither status nor rating sent (the live paths are unknown): the rating alone is still said
    assert [f.message for f in found(quiet, *HEALTH)] == [
        "Account Health: account status not sent; Account Health Rating 250 (HEALTHY)"
    ]
