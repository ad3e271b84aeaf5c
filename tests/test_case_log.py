"""The case log as the live site sends it (9b): status codes, the derived "waits for you", its findings and
the seen / invented / never seen marks of its selectors."""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from datetime import date
from pathlib import Path

import pytest

from scraper.diff import diff_records
from scraper.errors import SpecError
from scraper.parse import parse_page, record_key
from scraper.records import Case, CaseOpener, CaseStatus, Unknown
from scraper.serialize import dumps, to_jsonable
from scraper.spec import Spec, load_spec
from scraper.values import Locale
from tests.conftest import FIXTURES
from tests.helpers import evaluate_stored
from tests.helpers import write_spec as _write

TODAY = date(2026, 9, 10)


@pytest.mark.parametrize(
    ("label", "member"),
    [
        # codes of the JSON, as seen (9b) and as other code upper-cases them
        ("Open", CaseStatus.OPEN),
        ("PendingAmazonAction", CaseStatus.WORK_IN_PROGRESS),
        ("PENDINGAMAZONACTION", CaseStatus.WORK_IN_PROGRESS),
        ("PENDING_AMAZON_ACTION", CaseStatus.WORK_IN_PROGRESS),
        ("PENDINGSELLERACTION", CaseStatus.NEEDS_ATTENTION),
        ("PendingSellerAction", CaseStatus.NEEDS_ATTENTION),
        ("Resolved", CaseStatus.RESOLVED),
        ("Closed", CaseStatus.CLOSED),
        ("Cancelled", CaseStatus.CANCELLED),
        ("CANCELLED", CaseStatus.CANCELLED),
        # words of the lobby (S1 i18n) and the invented ones
        ("In review", CaseStatus.WORK_IN_PROGRESS),
        ("Answered", CaseStatus.ANSWERED),
        ("Action Needed By", CaseStatus.NEEDS_ATTENTION),
        ("Needs your attention", CaseStatus.NEEDS_ATTENTION),
        ("Ihre Aufmerksamkeit ist erforderlich", CaseStatus.NEEDS_ATTENTION),
        ("Work in progress", CaseStatus.WORK_IN_PROGRESS),
        ("In Prüfung", CaseStatus.WORK_IN_PROGRESS),
        ("Offen", CaseStatus.OPEN),
        ("Gelöst", CaseStatus.RESOLVED),
    ],
)
def test_status_codes_and_words_map_to_one_member(spec: Spec, label: str, member: CaseStatus) -> None:
    for source in ("dom", "api"):
        parse = spec.section("case_log").source(source).fields["status"].parser
        assert parse(label, Locale()) == member


def test_the_invented_merchant_code_is_gone_and_new_codes_stay_visible(spec: Spec) -> None:
    parse = spec.section("case_log").api.fields["status"].parser  # type: ignore[union-attr]
    assert parse("PENDING_MERCHANT_ACTION", Locale()) == Unknown("PENDING_MERCHANT_ACTION")
    assert parse("PendingThirdPartyAction", Locale()) == Unknown("PendingThirdPartyAction")


# --- needs_attention follows from the status -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "waits"),
    [(m, m is CaseStatus.NEEDS_ATTENTION) for m in CaseStatus] + [(Unknown("PendingThirdPartyAction"), False)],
    ids=[m.name for m in CaseStatus] + ["unknown"],
)
def test_needs_attention_is_derived(status: CaseStatus | Unknown, waits: bool) -> None:
    case = Case("10000000001", "Betreff", status, date(2026, 9, 4))
    assert case.needs_attention is waits


def test_needs_attention_cannot_be_passed_but_is_stored() -> None:
    with pytest.raises(TypeError):
        Case("1", None, CaseStatus.OPEN, None, needs_attention=True)  # type: ignore[call-arg]
    case = Case("10000000001", "Betreff", CaseStatus.NEEDS_ATTENTION, date(2026, 9, 4))
    stored = to_jsonable(case)
    assert stored == {
        "case_id": "10000000001",
        "subject": "Betreff",
        "status": "NEEDS_ATTENTION",
        "created": "2026-09-04",
        "last_updated": None,
        "opened_by": None,
        "needs_attention": True,
    }
    # The same keys as before the field became derived, so stored history does not change shape.
    assert set(json.loads(dumps(case))) == {
        "case_id",
        "subject",
        "status",
        "created",
        "last_updated",
        "needs_attention",
        "opened_by",
    }
    assert dataclasses.replace(case, status=CaseStatus.RESOLVED).needs_attention is False


def test_the_spec_may_not_fill_a_computed_field(tmp_path: Path) -> None:
    def mutate(doc: dict) -> None:
        doc["sections"]["case_log"]["api"]["fields"]["needs_attention"] = {"path": "status", "type": "bool"}

    with pytest.raises(SpecError) as info:
        load_spec(_write(tmp_path, mutate))
    assert info.value.where == "sections.case_log.api.fields.needs_attention"
    assert "computed by the record" in info.value.message


def test_the_spec_reads_no_needs_attention_regex(spec: Spec) -> None:
    section = spec.section("case_log")
    assert "needs_attention" not in section.dom.fields
    assert section.api is not None
    assert "needs_attention" not in section.api.fields


# --- the lobby's request -------------------------------------------------------------------------------------


def test_the_spec_asks_like_the_lobby(spec: Spec) -> None:
    api = spec.section("case_log").api
    assert api is not None
    assert api.paging is not None
    assert api.body is not None
    assert api.body["searchPageSize"] == api.paging.size == 10
    assert (api.paging.location, api.paging.page_param, api.paging.start) == ("body", "page", 0)
    assert api.total == "totalNumberOfResults"


def test_typical_bodies_have_the_live_shape() -> None:
    """Real-shape fixtures carry only fields a live body was seen with; the edge fixture keeps the rest."""
    seen = {"caseId", "shortDescription", "status", "creationDate"}
    for name in ("de-typical", "en-typical", "paged-1", "paged-2"):
        body = json.loads((FIXTURES / "case_log" / "api" / f"{name}.json").read_text(encoding="utf-8"))
        rows = body["caseSearchResultList"]
        assert 0 < len(rows) <= 10, name
        assert all(set(r) == seen for r in rows), name
        assert all(isinstance(r["creationDate"], int | float) and r["creationDate"] < 1e11 for r in rows), name
        assert any(isinstance(r["creationDate"], float) for r in rows), name  # fractions occur
    edge = json.loads((FIXTURES / "case_log" / "api" / "edge.json").read_text(encoding="utf-8"))
    assert any("lastModifiedDate" in r and "creatorType" in r for r in edge["caseSearchResultList"])


def test_dom_fixtures_hide_one_duplicate_row() -> None:
    for path in sorted((FIXTURES / "case_log" / "dom").glob("*.html")):
        text = path.read_text(encoding="utf-8")
        if 'data-testid="case-lobby-no-results"' in text:
            continue
        hidden = re.findall(r'<kat-table-row [^>]*data-sc-hidden="1"', text)
        assert len(hidden) == 1, path.name


# --- findings with the live statuses --------------------------------------------------------------------------


def _current(spec: Spec, name: str) -> dict[str, dict]:
    result = parse_page(spec, "case_log", "api", (FIXTURES / "case_log" / "api" / f"{name}.json").read_bytes())
    return {json.dumps(list(record_key(("case_id",), r))): to_jsonable(r) for r in result.records}


def test_cases_waiting_for_the_seller_are_found_from_the_live_codes(spec: Spec) -> None:
    current = _current(spec, "de-typical")
    changes = diff_records({}, {}, current)  # a first read: every case is new
    found = evaluate_stored("case_log", current, changes, today=TODAY)
    waiting = [f.key for f in found if f.rule == "case_needs_reply"]
    # PendingSellerAction in de-typical.json: 10000000110, 10000000108, 10000000106 (checked by hand)
    assert waiting == ['["10000000110"]', '["10000000108"]', '["10000000106"]']
    assert all("waits for your answer" in f.message for f in found if f.rule == "case_needs_reply")
    # The live body does not say who opened a case: no case is claimed to be Amazon's.
    assert [f for f in found if f.rule == "case_opened_by_amazon"] == []
    assert {f.rule for f in found} == {"case_needs_reply"}


def test_upper_cased_codes_give_the_same_findings(spec: Spec) -> None:
    current = _current(spec, "en-typical")
    found = evaluate_stored("case_log", current, [], today=TODAY)
    # PENDINGSELLERACTION in en-typical.json: 10000000208, 10000000204
    assert [(f.rule, f.key) for f in found] == [
        ("case_needs_reply", '["10000000208"]'),
        ("case_needs_reply", '["10000000204"]'),
    ]


def test_edge_findings_unknown_status_and_opener_where_shown(spec: Spec) -> None:
    current = _current(spec, "edge")
    changes = diff_records({}, {}, current)
    found = sorted((f.rule, f.key) for f in evaluate_stored("case_log", current, changes, today=TODAY))
    assert found == [
        ("case_needs_reply", '["10000000302"]'),
        ("case_needs_reply", '["10000000309"]'),
        ("case_opened_by_amazon", '["10000000302"]'),  # creatorType AMAZON: only the edge fixture has it
        ("case_opened_by_amazon", '["10000000308"]'),
        ("case_status_unknown", '["10000000307"]'),  # PendingThirdPartyAction
        # lastModifiedDate 1781527740 = 2026-06-15, 87 days before TODAY: waiting longer than 2 days
        ("case_waiting", '["10000000302"]'),
        # lastModifiedDate 1788681600 = 2026-09-06, 4 days before TODAY
        ("case_waiting", '["10000000309"]'),
    ]
    unknown = next(f for f in evaluate_stored("case_log", current, [], today=TODAY) if f.rule == "case_status_unknown")
    assert "PendingThirdPartyAction" in unknown.message
    assert unknown.severity == "warning"


def test_a_case_that_starts_waiting_is_found_once_the_status_changes() -> None:
    before = {'["1"]': to_jsonable(Case("1", "Rechnungen", CaseStatus.WORK_IN_PROGRESS, date(2026, 9, 1)))}
    after = {'["1"]': to_jsonable(Case("1", "Rechnungen", CaseStatus.NEEDS_ATTENTION, date(2026, 9, 1)))}
    changes = diff_records(before, {}, after)
    assert changes[0].fields == {
        "needs_attention": (False, True),
        "status": ("WORK_IN_PROGRESS", "NEEDS_ATTENTION"),
    }
    assert [f.rule for f in evaluate_stored("case_log", after, changes, today=TODAY)] == ["case_needs_reply"]
    opened = to_jsonable(Case("2", "x", CaseStatus.OPEN, None, opened_by=CaseOpener.AMAZON))
    opening = diff_records({}, {}, {'["2"]': opened})
    assert [f.rule for f in evaluate_stored("case_log", {'["2"]': opened}, opening)] == ["case_opened_by_amazon"]


# --- never-seen fields (that every selector says seen/invented/never seen: tests/test_provenance.py) ----------


def test_never_seen_fields_stay_optional(spec: Spec) -> None:
    api = spec.section("case_log").api
    assert api is not None
    lines = spec.path.read_text(encoding="utf-8").splitlines()
    never = {n for n, f in api.fields.items() if f.line and "never seen" in lines[f.line - 1]}
    assert never == {"last_updated", "opened_by"}
    hints = typing.get_type_hints(Case)
    for name in never:
        assert not api.fields[name].required
        assert type(None) in typing.get_args(hints[name])
