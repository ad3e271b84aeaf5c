"""Names a person reads instead of ids, links into Seller Central, a record's reads rebuilt from the history,
and the configuration of the early warnings (issue 9)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import scraper.store as store
from scraper.config import load_config
from scraper.errors import ConfigError, SpecError
from scraper.findings import FindingRules
from scraper.names import finding_link, marketplace_name, record_title, section_title, with_marketplace
from scraper.spec import DEFAULT_SPEC_PATH, Spec, load_spec
from scraper.store import open_history

DE = "A1PA6795UKMFR9"


@pytest.mark.parametrize(
    ("marketplace", "name"),
    [
        (DE, "Germany (amazon.de)"),
        ("A1F83G8C2ARO7P", "United Kingdom (amazon.co.uk)"),
        ("A1AM78C64UM0Y8", "Mexico (amazon.com.mx)"),
        ("AXXXXXXXXXXXXX", "AXXXXXXXXXXXXX"),  # not in selectors.yaml: the id, never a guess
    ],
)
def test_marketplaces_by_name(spec: Spec, marketplace: str, name: str) -> None:
    assert marketplace_name(spec, marketplace) == name


def test_sections_by_title(spec: Spec) -> None:
    assert [section_title(spec, s) for s in spec.sections] == [
        "Performance Notifications",
        "Voice of the Customer",
        "Case Log",
        "Regulatory Compliance",
        "Product Compliance Requests",
        "Feedback Manager",
    ]
    assert section_title(spec, "elsewhere") == "elsewhere"


@pytest.mark.parametrize(
    ("section", "record", "title"),
    [
        (
            "voice_of_customer",
            {"asin": "B0TEST0001", "fnsku": "X00TEST001", "sku": None, "title": "Olive oil 500 ml"},
            "Olive oil 500 ml (B0TEST0001 / X00TEST001)",
        ),
        ("voice_of_customer", {"asin": "B0TEST0001", "sku": "SKU-1", "title": None}, "B0TEST0001 / SKU-1"),
        ("case_log", {"case_id": "123", "subject": "Docs needed"}, "case 123: Docs needed"),
        ("feedback", {"order_id": "121-1", "rating": 1, "date": "2026-07-20"}, "order 121-1, 1 star, 2026-07-20"),
        ("notifications", {"subject": "Listing removed", "date": "2026-07-20"}, "Listing removed (2026-07-20)"),
        (
            "regulatory_compliance",
            {"reason": "RESPONSIBLE_PERSON", "asins": ["B0TEST0201", "B0TEST0202"]},
            "GPSR responsible person: B0TEST0201, B0TEST0202",
        ),
        ("compliance_requests", {"grain": "B0TEST0009", "title": "Helmet"}, "Helmet (B0TEST0009)"),
        ("compliance_requests", {"grain": "B0TEST0009", "title": None}, "B0TEST0009"),
    ],
)
def test_a_record_by_what_identifies_it_on_the_page(section: str, record: dict, title: str) -> None:
    assert record_title(section, record, '["x"]') == title


def test_a_long_title_is_cut_and_an_unknown_record_falls_back_to_its_key() -> None:
    long = record_title("case_log", {"case_id": "1", "subject": "x" * 200})
    assert len(long) == 90
    assert long.endswith("…")
    assert record_title("feedback", {}, '["121-1", null]') == "121-1"


def test_links_deep_where_the_page_allows_else_the_section_with_the_marketplace(spec: Spec) -> None:
    base = "https://sellercentral.amazon.de/cu/case-lobby?mons_sel_locale=de_DE"
    assert finding_link(spec, base, DE, "case_log", {"case_id": "123"}) == (
        "https://sellercentral.amazon.de/cu/case-dashboard/view-case?caseID=123&mons_sel_mkid=A1PA6795UKMFR9"
    )
    assert finding_link(spec, base, DE, "feedback", {"order_id": "121-1/2"}) == (
        "https://sellercentral.amazon.de/orders-v3/order/121-1%2F2?mons_sel_mkid=A1PA6795UKMFR9"
    )
    # a record without the field the deep link needs: the section's page
    assert finding_link(spec, base, DE, "feedback", {}) == (
        "https://sellercentral.amazon.de/feedback-manager/index.html?mons_sel_mkid=A1PA6795UKMFR9"
    )
    # a section without a deep link keeps its own query (the regulatory tab)
    assert finding_link(spec, base, DE, "regulatory_compliance", {"asins": ["B0TEST0201"]}) == (
        "https://sellercentral.amazon.de/performance/account/health/product-policies?t=regulatory-compliance"
        "&mons_sel_mkid=A1PA6795UKMFR9"
    )
    assert finding_link(spec, base, DE, "account_health", {}) == (
        "https://sellercentral.amazon.de/performance/dashboard?mons_sel_mkid=A1PA6795UKMFR9"
    )
    assert finding_link(spec, None, DE, "case_log", {"case_id": "9"}) == (
        "/cu/case-dashboard/view-case?caseID=9&mons_sel_mkid=A1PA6795UKMFR9"
    )
    assert with_marketplace("/x?mons_sel_mkid=OLD&a=1", DE, "mons_sel_mkid") == "/x?a=1&mons_sel_mkid=A1PA6795UKMFR9"


def test_every_link_pattern_says_where_it_comes_from_and_names_record_fields(spec: Spec) -> None:
    lines = DEFAULT_SPEC_PATH.read_text(encoding="utf-8").splitlines()
    start = lines.index("links:")
    urls = [line for line in lines[start:] if line.strip().startswith("url:")]
    assert len(urls) == len(spec.links) == 5
    assert all(("# seen" in u) or ("# invented" in u) for u in urls)
    assert "invented" in next(u for u in urls if "voice-of-the-customer" in u)


def test_a_link_naming_no_field_of_the_record_is_refused(tmp_path: Path) -> None:
    text = DEFAULT_SPEC_PATH.read_text(encoding="utf-8").replace("caseID={case_id}", "caseID={caseId}")
    path = tmp_path / "selectors.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError, match=r"links\.case_log\.url.*caseId name no field of the case_log record"):
        load_spec(path)


# --- a record's reads rebuilt from the changes ------------------------------------------------------------------


def test_record_readings_follow_new_changed_unchanged_failed_resolved_reappeared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = '["B0TEST0001"]'
    reads = [
        ("2026-07-01", "ok", {key: {"ncx_rate": "1"}}),  # new
        ("2026-07-02", "ok", {key: {"ncx_rate": "1.2"}}),  # changed
        ("2026-07-03", "ok", {key: {"ncx_rate": "1.2"}}),  # unchanged: the same values again
        ("2026-07-04", "drift", None),  # not read: no reading
        ("2026-07-05", "empty", {}),  # resolved: gone from this read on
        ("2026-07-06", "ok", {key: {"ncx_rate": "2"}}),  # reappeared
    ]
    with open_history(tmp_path / "h.sqlite3") as history:
        for day, status, records in reads:
            monkeypatch.setattr(store, "now_iso", lambda day=day: f"{day}T05:00:00+00:00")
            run = history.start_run("main")
            history.record_section(run, "main", DE, "voice_of_customer", status, None, records)
        readings = history.record_readings("main", DE, "voice_of_customer")
        assert [(r.day, r.data["ncx_rate"]) for r in readings[key]] == [
            (date(2026, 7, 1), "1"),
            (date(2026, 7, 2), "1.2"),
            (date(2026, 7, 3), "1.2"),
            (date(2026, 7, 6), "2"),
        ]
        assert history.record_readings("main", DE, "voice_of_customer", keys={'["other"]'}) == {}
        assert history.record_readings("main", DE, "feedback") == {}


def test_previous_summary_is_the_last_read_before_with_one(tmp_path: Path) -> None:
    with open_history(tmp_path / "h.sqlite3") as history:
        first = history.start_run("main")
        history.record_section(first, "main", DE, "regulatory_compliance", "ok", None, {}, {"defect_count": 1})
        failed = history.start_run("main")
        history.record_section(failed, "main", DE, "regulatory_compliance", "error", "x", None, {"defect_count": 9})
        third = history.start_run("main")
        history.record_section(third, "main", DE, "regulatory_compliance", "ok", None, {}, {"defect_count": 3})
        assert history.previous_summary("main", DE, "regulatory_compliance", third) == {"defect_count": 1}
        assert history.previous_summary("main", DE, "regulatory_compliance", first) is None


# --- configuration --------------------------------------------------------------------------------------------

GOOD = """\
accounts:
  main:
    host: https://sellercentral.amazon.de
    email: seller@example.com
    marketplaces: [A1PA6795UKMFR9]
"""


def test_the_early_warning_thresholds_have_their_documented_defaults() -> None:
    rules = FindingRules()
    assert (rules.voc_category_sds, rules.voc_rising_runs) == (1, 3)
    assert (rules.due_soon_days, rules.due_final_days, rules.case_reply_days) == (7, 2, 2)
    assert (rules.feedback_negative_share_max, rules.feedback_negative_rise_points, rules.feedback_min_ratings) == (
        5,
        5,
        10,
    )


def test_every_threshold_is_in_the_findings_block(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        GOOD + "findings:\n  voc_rising_runs: 4\n  due_final_days: 1\n  case_reply_days: 5\n"
        "  feedback_negative_share_max: 8\n  feedback_negative_rise_points: 3\n  feedback_min_ratings: 20\n",
        encoding="utf-8",
    )
    rules = load_config(path).rules
    assert (rules.voc_rising_runs, rules.due_final_days, rules.case_reply_days) == (4, 1, 5)
    assert (rules.feedback_negative_share_max, rules.feedback_negative_rise_points, rules.feedback_min_ratings) == (
        8,
        3,
        20,
    )


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("  due_final_days: 9\n", "due_final_days <= due_soon_days"),
        ("  feedback_negative_share_max: 101\n", "at most 100"),
        ("  voc_rising_runs: -1\n", "expected a whole number"),
        ("  case_reply_days: two\n", "expected a whole number"),
    ],
)
def test_a_threshold_that_cannot_work_is_refused(tmp_path: Path, block: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(GOOD + "findings:\n" + block, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_the_example_configuration_documents_every_threshold() -> None:
    from scraper.config import EXAMPLE

    for name in (
        "due_soon_days",
        "due_final_days",
        "voc_category_sds",
        "voc_rising_runs",
        "feedback_negative_share_max",
        "feedback_negative_rise_points",
        "feedback_min_ratings",
        "case_reply_days",
    ):
        assert f"  {name}: {getattr(FindingRules(), name)} " in EXAMPLE, name
    readme = (DEFAULT_SPEC_PATH.parent.parent / "README.md").read_text(encoding="utf-8")
    for name in ("voc_rising_runs", "feedback_negative_share_max", "case_reply_days", "due_final_days"):
        assert name in readme, name
