"""Regulatory compliance (GPSR) as the live site has it: a tab of the Account Health product-policies page.

Evidence: reference section 9b (live code ids 68466876270, 56689422320, 51769415085; capture S1 sec-12).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from scraper.errors import FieldError
from scraper.login import with_params
from scraper.parse import parse_page, parse_summary_api
from scraper.records import IssueStatus, RegulatoryRequirement, Unknown
from scraper.spec import Spec

LIVE_CALL = (
    "https://sellercentral.amazon.de/performance/api/product/policy/defects/pagination?metricNames="
    "REGULATORY_COMPLIANCE&pageSize=25&offset=25&statuses=Open&nextPageToken=abc&platform=SELLER_CENTRAL"
)


def test_the_url_is_the_product_policies_tab_and_the_walk_keeps_its_query(spec: Spec) -> None:
    url = spec.section("regulatory_compliance").url
    assert url == "/performance/account/health/product-policies?t=regulatory-compliance"
    opened = with_params(f"https://sellercentral.amazon.de{url}", mons_sel_locale="de_DE")
    assert parse_qs(urlsplit(opened).query) == {"t": ["regulatory-compliance"], "mons_sel_locale": ["de_DE"]}


@pytest.mark.parametrize(
    ("url", "matches"),
    [
        (LIVE_CALL, True),
        (LIVE_CALL.replace("metricNames=REGULATORY_COMPLIANCE&", "") + "&metricNames=REGULATORY_COMPLIANCE", True),
        (LIVE_CALL.replace("REGULATORY_COMPLIANCE", "ListingPolicy"), False),  # another tab of the same page
        (LIVE_CALL.replace("REGULATORY_COMPLIANCE", "REGULATORY_COMPLIANCE_X"), False),
        (LIVE_CALL.replace("/pagination?", "/paginationV2?"), False),
        ("https://sellercentral.amazon.de/performance/api/summary?platform=SELLER_CENTRAL", False),
    ],
)
def test_only_the_regulatory_call_of_the_page_is_collected(spec: Spec, url: str, matches: bool) -> None:
    assert bool(spec.section("regulatory_compliance").api.url_pattern.search(url)) is matches


def test_paging_is_a_row_offset_with_a_continuation_token(spec: Spec) -> None:
    api = spec.section("regulatory_compliance").api
    assert (api.method, api.body) == ("POST", {})
    paging = api.paging
    assert (paging.location, paging.page_param, paging.start, paging.size_param, paging.size, paging.unit) == (
        "query",
        "offset",
        0,
        "pageSize",
        25,
        "row",
    )
    assert (paging.token_param, paging.token_path) == ("nextPageToken", "nextPageToken")
    assert paging.replay


def violation(**changes: object) -> dict:
    row = {
        "violationId": "V1",
        "reason": {"reason": "GPSR: manufacturer contact details"},
        "affectedEntity": {"title": "Pan", "asins": ["B0TEST0001"], "skus": ["PAN-1"]},
        "actionTaken": {"text": "Listing at risk of removal"},
        "impactDate": {"formattedDate": "Apr. 3, 2026"},
        "gmsImpact": "€1.00",
        "ahrImpact": "No impact",
    }
    row.update(changes)
    return row


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({}, "reason", RegulatoryRequirement.MANUFACTURER),
        ({"reason": {"reason": "GPSR: Manufacturer Contact Details"}}, "reason", RegulatoryRequirement.MANUFACTURER),
        ({"reason": {"reason": "GPSR: something new"}}, "reason", Unknown("GPSR: something new")),
        ({}, "status", None),  # the JSON's next-steps field was never seen: absent means not known
        ({"nextSteps": {"text": "Your submission is under review"}}, "status", IssueStatus.UNDER_REVIEW),
        ({"nextSteps": {"text": "X submission is required"}}, "status", IssueStatus.SUBMISSION_REQUIRED),
        ({"nextSteps": {"text": "Call us"}}, "status", Unknown("Call us")),
        ({"impactDate": None}, "date", None),
        ({"affectedEntity": {"asins": ["B0TEST0001", "B0TEST0002"], "skus": []}}, "skus", ()),
    ],
)
def test_api_row(spec: Spec, changes: dict, field: str, expected: object) -> None:
    (record,) = parse_page(spec, "regulatory_compliance", "api", {"violations": [violation(**changes)]}).records
    assert getattr(record, field) == expected


def test_a_violation_without_asins_is_an_error_not_a_blank_record(spec: Spec) -> None:
    with pytest.raises(FieldError, match="asins"):
        parse_page(spec, "regulatory_compliance", "api", {"violations": [violation(affectedEntity={"title": "x"})]})


def test_the_summary_count_from_the_account_health_summary(spec: Spec) -> None:
    body = {  # the shape of S1 sec-12, cut down
        "listingLevelMetrics": {
            "REGULATORY_COMPLIANCE": {"defects": {"count": 0, "status": "GOOD"}},
            "ProductSafety": {"defects": {"count": 2, "status": "BAD"}},
        }
    }
    summary = parse_summary_api(spec, spec.section("regulatory_compliance"), body)
    assert (summary.defect_count, summary.defect_status) == (0, "GOOD")


def page(rows: str) -> str:
    return (
        '<html lang="en-US"><body><div id="ahd-product-policy-page"><div id="ahd-product-policies-table">'
        f"<kat-table><kat-table-body>{rows}</kat-table-body></kat-table></div></div></body></html>"
    )


def test_a_grouped_row_whose_products_are_not_shown_is_an_error(spec: Spec) -> None:
    """A collapsed accordion (the live default) hides the products: say so rather than read no products."""
    row = (
        '<kat-table-row data-testid="ahd-product-policies-table-row">'
        '<kat-link data-testid="ahd-ppc-row-reason-1_X_COSS.GPSR_RP_BRAND"><span><span>'
        "GPSR: Responsible Person contact details</span></span></kat-link>"
        '<div class="ahd-accordion"><button class="ahd-accordion__button" aria-label="expand"></button>'
        '<div class="ahd-accordion__body" hidden><div data-testid="ahd-nested-product-policy">'
        '<a data-testid="ahd-listing-url-product-policy-desktop" href="/x?asin=B0TEST0001&amp;sku=A">t</a>'
        "</div></div></div></kat-table-row>"
    )
    with pytest.raises(FieldError, match="asins"):
        parse_page(spec, "regulatory_compliance", "dom", page(row))


def test_a_hidden_copy_of_a_row_is_not_a_second_record(spec: Spec) -> None:
    row = (
        '<kat-table-row data-testid="ahd-product-policies-table-row"{hidden}>'
        '<kat-link data-testid="ahd-ppc-row-reason-0_B0TEST0001_COSS.GPSR_PSI_ASIN"><span><span>'
        "GPSR: warning and safety information</span></span></kat-link>"
        '<a data-testid="ahd-listing-url-product-policy-desktop" href="/x?asin=B0TEST0001&amp;sku=A%20B">t</a>'
        '<div data-testid="ahd-ppc-row-next-steps-0">Safety information submission is required</div>'
        "</kat-table-row>"
    )
    result = parse_page(
        spec, "regulatory_compliance", "dom", page(row.format(hidden="") + row.format(hidden=' data-sc-hidden="1"'))
    )
    (record,) = result.records
    assert (record.asins, record.skus, record.status) == (("B0TEST0001",), ("A B",), IssueStatus.SUBMISSION_REQUIRED)
    assert record.violation_id is None  # only the JSON has it
