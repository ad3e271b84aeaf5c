"""Product compliance requests: an unseen URL says so, the empty state is known by its real strings, a grain
is not assumed to be an ASIN, and never-seen fields stay empty unless a page or body shows them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml

from scraper.errors import SpecError
from scraper.findings import FindingRules
from scraper.parse import parse_page
from scraper.records import ApprovalStatus
from scraper.spec import DEFAULT_SPEC_PATH, Spec, load_spec
from scraper.transforms import compile_transform
from tests.helpers import evaluate_stored


def test_the_unseen_url_is_flagged(spec: Spec) -> None:
    assert spec.section("compliance_requests").url_seen is False
    assert all(s.url_seen for s in spec.sections.values() if s.id != "compliance_requests")
    text = DEFAULT_SPEC_PATH.read_text(encoding="utf-8")
    assert "THE URL OF THIS PAGE WAS NEVER SEEN" in text


def test_url_seen_must_be_a_bool(tmp_path: Path) -> None:
    doc = yaml.safe_load(DEFAULT_SPEC_PATH.read_text(encoding="utf-8"))
    doc["sections"]["compliance_requests"]["url_seen"] = "no"
    path = tmp_path / "selectors.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(SpecError, match=r"sections\.compliance_requests\.url_seen: expected true or false"):
        load_spec(path)


ZERO = "Zero Product Compliance Document Requests"
NONE_TEXT = "You currently do not have any Product Policy Violations"


@pytest.mark.parametrize(
    "alert",
    [
        f'<kat-alert header="{ZERO}" description="{NONE_TEXT}"></kat-alert>',
        f'<kat-alert header="{ZERO.upper()}"></kat-alert>',  # the label's case is no signal
        f'<kat-alert variant="info" description="{NONE_TEXT}"></kat-alert>',
    ],
    ids=["header and description", "upper case", "description only"],
)
def test_the_empty_state_is_known_by_its_seen_strings_on_any_page(spec: Spec, alert: str) -> None:
    # As it could render on the Account Health product-policies page, which loads the bundle with these strings.
    html = f'<html lang="en-US"><body><div id="ahd-product-policy-page">{alert}</div></body></html>'
    result = parse_page(spec, "compliance_requests", "dom", html)
    assert (result.status, result.records) == ("empty", ())


def test_an_alert_with_other_words_is_no_empty_state(spec: Spec) -> None:
    from scraper.errors import SelectorDriftError

    html = '<html lang="en-US"><body><kat-alert header="Something went wrong"></kat-alert></body></html>'
    with pytest.raises(SelectorDriftError):
        parse_page(spec, "compliance_requests", "dom", html)


def body(*issues: dict) -> str:
    return json.dumps({"issueCount": {"incompleteCount": len(issues)}, "issues": list(issues)})


def issue(grain: str, *infos: str | None, **extra: object) -> dict:
    return {
        "grain": grain,
        "title": None,
        "offerInfo": [],
        "grainRequirementIssueInstances": [{"requirementIssueData": {"missingInformation": i}} for i in infos],
        **extra,
    }


def test_a_grain_may_be_a_sku_an_asin_or_an_rpg(spec: Spec) -> None:
    result = parse_page(
        spec,
        "compliance_requests",
        "api",
        body(issue("B0TEST0001", "Safety data sheet"), issue("DEMO-SKU-1", "User manual"), issue("RPG-1", "Warranty")),
    )
    assert [r.grain for r in result.records] == ["B0TEST0001", "DEMO-SKU-1", "RPG-1"]


def test_never_seen_fields_are_none_unless_the_body_has_them(spec: Spec) -> None:
    plain, full = parse_page(
        spec,
        "compliance_requests",
        "api",
        body(
            issue("B0TEST0001", "Safety  data\nsheet", None),
            issue("B0TEST0002", "User manual", approvalStatus="REJECTED", dueDate="2026-08-10", rejectionReason=" x "),
        ),
    ).records
    assert (plain.approval_status, plain.due_date, plain.rejection_reason) == (None, None, None)
    assert plain.requirements == ("Safety data sheet",)  # a null item is left out, spacing collapsed
    assert (full.approval_status, full.due_date, full.rejection_reason) == (
        ApprovalStatus.REJECTED,
        date(2026, 8, 10),
        "x",
    )


def test_a_null_in_a_list_is_skipped_by_transforms() -> None:
    assert compile_transform("collapse_ws")(["a  b", None, " c"]) == ["a b", "c"]


def test_findings_call_a_request_without_status_open() -> None:
    current = {'["DEMO-SKU-1"]': {"grain": "DEMO-SKU-1", "approval_status": None, "requirements": ["User manual"]}}
    (finding,) = evaluate_stored("compliance_requests", current, [], FindingRules(), date(2026, 8, 1))
    assert finding.rule == "compliance_request_open"
    assert finding.message == "compliance request for DEMO-SKU-1 is open: User manual"
