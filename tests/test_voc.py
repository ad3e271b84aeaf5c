"""Voice of the Customer as the live site sends it: fraction rates, row-offset paging behind a closed-shadow
pager, return reasons as codes, the FNSKU/condition column, and the findings built on Amazon's own warnings."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from bs4 import BeautifulSoup

from scraper.errors import FieldError, ValueParseError
from scraper.extract import soup_of
from scraper.findings import FindingRules
from scraper.parse import parse_page
from scraper.records import ItemCondition, Unknown
from scraper.serialize import to_jsonable
from scraper.spec import Spec
from scraper.transforms import TransformArgError, compile_transform
from scraper.values import Locale, parse_fraction
from tests.conftest import FIXTURES
from tests.helpers import evaluate_stored

VOC = FIXTURES / "voice_of_customer"
TODAY = date(2026, 7, 28)

# --- rates: fractions of one in the JSON, percent in the record -----------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0.0013, Decimal("0.13")),  # the reference's example
        (0.023360178, Decimal("2.3360178")),  # the category mean seen in capture S1
        (0.0, Decimal("0")),
        (0, Decimal("0")),
        (1, Decimal("100")),
        (0.5, Decimal("50")),
        (0.1042, Decimal("10.42")),  # no binary float noise: 0.1042 * 100 is 10.419999999999998 in floats
        (1e-05, Decimal("0.001")),
        ("0.0013", Decimal("0.13")),
        (" 0.25 ", Decimal("25")),
    ],
)
def test_fraction_is_read_in_percent(raw: object, expected: Decimal) -> None:
    value = parse_fraction(raw, Locale())  # type: ignore[arg-type]
    assert value == expected
    assert str(value) == str(expected)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (1.5, "outside 0..1"),  # percent sent where a fraction belongs: an error, never 150 %
        (13, "outside 0..1"),
        (-0.01, "outside 0..1"),
        ("13%", "not a plain number"),
        ("0,13", "not a plain number"),
        ("", "not a plain number"),
        (True, "boolean"),
        (float("nan"), "not a finite number"),
        (float("inf"), "not a finite number"),
    ],
)
def test_fraction_rejects_what_is_not_a_share_of_one(raw: object, reason: str) -> None:
    with pytest.raises(ValueParseError, match=reason):
        parse_fraction(raw, Locale())  # type: ignore[arg-type]


def _body(**row: Any) -> bytes:
    base = {"asin": "B0TEST0001", "fnsku": "X00TEST001", "condition": "New", "pcxHealth": "GOOD"}
    return json.dumps({"pcrListings": [{**base, **row}], "totalListingsCount": 1}).encode()


def test_page_and_json_give_the_same_percent(spec: Spec) -> None:
    (from_api,) = parse_page(spec, "voice_of_customer", "api", _body(ncxRate=0.0013, ncxReturnRate=0.0006)).records
    assert (from_api.ncx_rate, from_api.return_rate) == (Decimal("0.13"), Decimal("0.06"))
    en = VOC / "dom" / "en-typical.html"
    first = parse_page(spec, "voice_of_customer", "dom", en.read_bytes()).records[0]
    assert "0.13%" in en.read_text(encoding="utf-8")
    assert first.ncx_rate == Decimal("0.13")


def test_a_rate_in_percent_units_is_a_field_error_with_its_row(spec: Spec) -> None:
    with pytest.raises(FieldError) as info:
        parse_page(spec, "voice_of_customer", "api", _body(ncxRate=2.5))
    assert info.value.field == "ncx_rate"  # type: ignore[attr-defined]
    assert "outside 0..1" in str(info.value)


def test_the_spec_states_the_scaling(spec: Spec) -> None:
    api = spec.section("voice_of_customer").source("api")
    fractions = {name for name, f in api.fields.items() if f.type == "fraction"}
    assert fractions == {
        "ncx_rate",
        "ncx_review_rate",
        "return_rate",
        "category_ncx_rate_mean",
        "category_ncx_rate_sd",
        "category_return_rate_mean",
        "category_return_rate_sd",
    }
    assert api.fields["top_ncx_reason_percent"].type == "percent"  # already in percent units
    dom = spec.section("voice_of_customer").dom
    assert {dom.fields[f].type for f in ("ncx_rate", "ncx_review_rate", "return_rate")} == {"percent"}


# --- paging ----------------------------------------------------------------------------------------------------


def test_paging_counts_rows_and_is_replayed(spec: Spec) -> None:
    section = spec.section("voice_of_customer")
    api = section.source("api")
    assert api.paging is not None
    assert (api.paging.page_param, api.paging.start, api.paging.unit, api.paging.size) == ("pageOffset", 0, "row", 25)
    assert api.paging.replay
    assert api.total == "totalListingsCount"
    assert section.dom.next_page is None  # the pager's buttons are in a closed shadow root


def _pager(path: Any) -> tuple[int, int, int]:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")
    (host,) = soup.select("#listing-table-pagination kat-pagination")
    return int(host["page"]), int(host["items-per-page"]), int(host["total-items"])


@pytest.mark.parametrize("name", ["de-typical", "en-typical", "edge", "paged-1", "paged-2"])
def test_saved_pager_matches_the_rows_and_the_json(spec: Spec, name: str) -> None:
    page, size, total = _pager(VOC / "dom" / f"{name}.html")
    rows = parse_page(spec, "voice_of_customer", "dom", (VOC / "dom" / f"{name}.html").read_bytes()).records
    assert len(rows) == min(size, total - (page - 1) * size)
    body = json.loads((VOC / "api" / f"{name}.json").read_text(encoding="utf-8"))
    assert body["totalListingsCount"] == total
    assert parse_page(spec, "voice_of_customer", "api", (VOC / "api" / f"{name}.json").read_bytes()).total == total


def test_paged_bodies_are_row_offsets_of_one_list(spec: Spec) -> None:
    first = parse_page(spec, "voice_of_customer", "api", (VOC / "api" / "paged-1.json").read_bytes())
    second = parse_page(spec, "voice_of_customer", "api", (VOC / "api" / "paged-2.json").read_bytes())
    assert first.total == second.total == len(first.records) + len(second.records)
    assert _pager(VOC / "dom" / "paged-1.html") == (1, 5, 8)
    assert _pager(VOC / "dom" / "paged-2.html") == (2, 5, 8)


# --- hidden copies of rows -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["de-typical", "en-typical", "edge", "paged-1", "paged-2"])
def test_hidden_duplicate_row_is_in_the_page_but_not_read(spec: Spec, name: str) -> None:
    html = (VOC / "dom" / f"{name}.html").read_text(encoding="utf-8")
    raw = BeautifulSoup(html, "lxml").select(spec.section("voice_of_customer").dom.rows)
    hidden = [row for row in raw if row.has_attr("data-sc-hidden")]
    assert len(hidden) == 1
    visible = soup_of(html).select(spec.section("voice_of_customer").dom.rows)
    assert len(visible) == len(raw) - 1
    copy = " ".join(hidden[0].get_text(" ").split())
    assert any(" ".join(row.get_text(" ").split()) == copy for row in visible), "a copy of a shown row"


# --- SKU / Condition, return reasons ---------------------------------------------------------------------------


def test_sku_column_gives_fnsku_and_condition_and_the_merchant_sku_is_json_only(spec: Spec) -> None:
    dom = parse_page(spec, "voice_of_customer", "dom", (VOC / "dom" / "de-typical.html").read_bytes()).records
    api = parse_page(spec, "voice_of_customer", "api", (VOC / "api" / "de-typical.json").read_bytes()).records
    assert spec.section("voice_of_customer").key == ("asin", "fnsku", "condition")
    assert "sku" not in spec.section("voice_of_customer").dom.fields
    assert all(r.sku is None for r in dom)
    assert all(r.sku for r in api)
    used = [r for r in dom if r.condition == ItemCondition.USED_VERY_GOOD]
    assert len(used) == 1
    assert used[0].fnsku is None
    assert {(r.asin, r.fnsku, r.condition) for r in dom} == {(r.asin, r.fnsku, r.condition) for r in api}


def test_unknown_condition_is_kept(spec: Spec) -> None:
    (record,) = parse_page(spec, "voice_of_customer", "api", _body(condition="Mint")).records
    assert record.condition == Unknown("Mint")


REASONS = {
    "ui_missing_parts_accessories": {"en": "Missing parts/accessories", "de": "Fehlende Teile/Zubehör"},
    "ui_others": {"en": "Others", "de": "Sonstiges"},
}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ui_missing_parts_accessories", "Missing parts/accessories"),
        ("ui_others", "Others"),
        ("ui_wrong_item_sent", "Wrong item sent"),  # unknown code: spelt out from the code
        ("ui_", "ui_"),
        ("Falscher Artikel", "Falscher Artikel"),  # a label, not a code: left as it is
    ],
)
def test_code_label(raw: str, expected: str) -> None:
    assert compile_transform("code_label", REASONS)(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Missing parts/accessories", "ui_missing_parts_accessories"),
        ("Fehlende Teile/Zubehör", "ui_missing_parts_accessories"),
        ("fehlende teile / zubehör", "ui_missing_parts_accessories"),
        ("  Sonstiges ", "ui_others"),
        ("ui_others", "ui_others"),  # an untranslated code on the page
        ("Falscher Artikel", "Falscher Artikel"),  # unknown: kept verbatim
        ("--", "--"),  # a dash stays a dash, which the reader treats as no value
    ],
)
def test_label_code(raw: str, expected: str) -> None:
    assert compile_transform("label_code", REASONS)(raw) == expected


@pytest.mark.parametrize("name", ["code_label", "label_code"])
@pytest.mark.parametrize(
    "arg",
    [None, {}, "ui_x", {"ui_x": "Label"}, {"ui_x": {"de": "Nur Deutsch"}}, {"": {"en": "x"}}, {"ui_x": {"en": ""}}],
)
def test_label_tables_are_checked(name: str, arg: object) -> None:
    with pytest.raises(TransformArgError):
        compile_transform(name, arg)


def test_reason_code_label_and_share(spec: Spec) -> None:
    body = _body(mostCommonReturnReasonBucket="ui_missing_parts_accessories", mostCommonReturnReasonBucketPercent=40.0)
    (record,) = parse_page(spec, "voice_of_customer", "api", body).records
    assert (record.top_ncx_reason, record.top_ncx_reason_label) == (
        "ui_missing_parts_accessories",
        "Missing parts/accessories",
    )
    assert record.top_ncx_reason_percent == Decimal("40")
    (odd,) = parse_page(
        spec, "voice_of_customer", "api", _body(mostCommonReturnReasonBucket="ui_wrong_item_sent")
    ).records
    assert (odd.top_ncx_reason, odd.top_ncx_reason_label) == ("ui_wrong_item_sent", "Wrong item sent")


def test_every_reason_label_of_the_table_reads_back_to_its_code(spec: Spec) -> None:
    field = spec.section("voice_of_customer").dom.fields["top_ncx_reason"]
    table = field.transforms[0].arg
    assert isinstance(table, dict)
    assert all(code.startswith("ui_") for code in table)
    for code, labels in table.items():
        assert set(labels) == {"en", "de"}
        for label in labels.values():
            assert field.transforms[0](label) == code


# --- selectors.yaml says where each VoC selector and path comes from -----------------------------------------


# --- findings --------------------------------------------------------------------------------------------------

FINDING_CASES = [
    # (id, record, expected [(rule, severity)])
    ("healthy, nothing flagged", {"cx_health": "GOOD", "high_return_rate": False}, []),
    (
        "Amazon counts it as high-return-rate",
        {"cx_health": "GOOD", "high_return_rate": True},
        [("high_return_rate", "critical")],
    ),
    (
        "at risk of the badge: the warning before Amazon acts",
        {"cx_health": "FAIR", "at_risk_of_high_return_rate": True},
        [("high_return_rate_risk", "warning")],
    ),
    (
        "both flags: only the stronger one",
        {"cx_health": "GOOD", "high_return_rate": True, "at_risk_of_high_return_rate": True},
        [("high_return_rate", "critical")],
    ),
    (
        "poor health and a badge are two findings",
        {"cx_health": "POOR", "high_return_rate": True},
        [("cx_health_poor", "warning"), ("high_return_rate", "critical")],
    ),
    (
        "NCX rate above mean + 1 SD of the category",
        {"cx_health": "FAIR", "ncx_rate": "3.1", "category_ncx_rate_mean": "1.5", "category_ncx_rate_sd": "1.2"},
        [("ncx_rate_above_category", "warning")],
    ),
    (
        "NCX rate exactly at the threshold is fine",
        {"cx_health": "FAIR", "ncx_rate": "2.7", "category_ncx_rate_mean": "1.5", "category_ncx_rate_sd": "1.2"},
        [],
    ),
    (
        "above the category but already rated poor: one finding, not two",
        {
            "cx_health": "VERY_POOR",
            "ncx_rate": "14.5",
            "category_ncx_rate_mean": "3.12",
            "category_ncx_rate_sd": "1.88",
        },
        [("cx_health_poor", "critical")],
    ),
    (
        "too little feedback to compare",
        {
            "cx_health": "GOOD",
            "ncx_rate": "9",
            "category_ncx_rate_mean": "1.5",
            "category_ncx_rate_sd": "1.2",
            "insufficient_feedback": True,
        },
        [],
    ),
    (
        "a category mean of 0 is no benchmark",
        {"cx_health": "GOOD", "return_rate": "2", "category_return_rate_mean": "0", "category_return_rate_sd": "0"},
        [],
    ),
    (
        "return rate above the category",
        {
            "cx_health": "GOOD",
            "return_rate": "4",
            "category_return_rate_mean": "1.87",
            "category_return_rate_sd": "1.09",
        },
        [("return_rate_above_category", "warning")],
    ),
    (
        "return rate above the category while Amazon already warns: Amazon's warning only",
        {
            "cx_health": "GOOD",
            "return_rate": "4",
            "category_return_rate_mean": "1.87",
            "category_return_rate_sd": "1.09",
            "at_risk_of_high_return_rate": True,
        },
        [("high_return_rate_risk", "warning")],
    ),
    (
        "a record read from the page lacks the JSON-only fields",
        {"cx_health": "FAIR", "ncx_rate": "9", "category_ncx_rate_mean": None, "high_return_rate": None},
        [],
    ),
]


@pytest.mark.parametrize(("record", "expected"), [c[1:] for c in FINDING_CASES], ids=[c[0] for c in FINDING_CASES])
def test_voc_finding_rules(record: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    key = '["B0TEST0001", "X00TEST001", "NEW"]'
    found = evaluate_stored("voice_of_customer", {key: record}, [], FindingRules(), TODAY)
    assert [(f.rule, f.severity) for f in found] == expected


def test_category_threshold_is_configurable() -> None:
    record = {"cx_health": "FAIR", "ncx_rate": "3.1", "category_ncx_rate_mean": "1.5", "category_ncx_rate_sd": "1.2"}
    key = '["B0TEST0001", "X00TEST001", "NEW"]'
    assert evaluate_stored("voice_of_customer", {key: record}, [], FindingRules(voc_category_sds=2), TODAY) == []


def test_voc_findings_name_the_offer_the_reason_and_the_numbers(spec: Spec) -> None:
    records = parse_page(spec, "voice_of_customer", "api", (VOC / "api" / "de-typical.json").read_bytes()).records
    current = {json.dumps(to_jsonable([r.asin, r.fnsku, r.condition])): to_jsonable(r) for r in records}
    found = {(f.rule, f.key): f for f in evaluate_stored("voice_of_customer", current, [], FindingRules(), TODAY)}
    badge = next(f for (rule, _), f in found.items() if rule == "high_return_rate")
    assert badge.message == (
        "B0DEMO0009 / DEMO-MILL-01: Amazon counts this listing as frequently returned (NCX return rate 12.5 %); "
        "buyers may see a return badge, top reason: Performance or quality not adequate (66.67 % of NCX returns)"
    )
    early = [f for (rule, _), f in found.items() if rule == "ncx_rate_above_category"]
    assert [f.message for f in early] == [
        # (3.1 - 1.5) / 1.2 = 1.33 standard deviations; threshold 1.5 + 1 * 1.2 = 2.7
        "B0DEMO0005 / DEMO-TRUF-100: NCX rate 3.1 % is 1.3 standard deviations above similar offers (mean 1.5 %, "
        "SD 1.2 %; warning from 2.7 %) while its CX health is still fair, top reason: Performance or quality not "
        "adequate (75 % of NCX returns)"
    ]
    assert sorted(rule for rule, _ in found) == sorted(
        ["cx_health_poor"] * 4 + ["high_return_rate"] + ["high_return_rate_risk"] * 2 + ["ncx_rate_above_category"]
    )


def test_old_rules_still_work_with_the_new_record() -> None:
    record = {"asin": "B0TEST0001", "sku": "S-1", "fnsku": None, "condition": "USED_GOOD", "cx_health": "POOR"}
    record["top_ncx_reason"] = "ui_others"
    (finding,) = evaluate_stored("voice_of_customer", {"k": record}, [], FindingRules(), TODAY)
    assert finding.message == "B0TEST0001 / S-1 / USED_GOOD: CX health poor, top reason: ui_others"
