"""Feedback Manager in its live shape (id 68585964457): rows, the comment cell, Amazon's note, the pager.

The buyer's words and Amazon's "Message from Amazon: ..." note are kept apart, findings read only the buyer's
words, and the pager selector matches only a usable "next" control.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from scraper.diff import Change
from scraper.findings import FindingRules
from scraper.parse import parse_page
from scraper.records import Feedback
from scraper.spec import Spec
from tests.helpers import Client, evaluate_stored

NOTE_TEXT = "This item was fulfilled by Amazon and we take responsibility for this fulfillment experience."
NOTE_EN = f'Message from Amazon: "{NOTE_TEXT}"'


def page(cells: str, pager: str = "", lang: str = "en-IN") -> str:
    return f"""<html lang="{lang}"><body><feedback-list><kat-table>
      <kat-table-head><kat-table-row class="fb-detail-table-header"><kat-table-cell>Comments</kat-table-cell>
      </kat-table-row></kat-table-head>
      <kat-table-body><kat-table-row id="feedback-details">
        <kat-table-cell class="col_order_date">10-07-2026</kat-table-cell>
        <kat-table-cell class="col_feedback_rating"><kat-star-rating value="1"></kat-star-rating></kat-table-cell>
        <kat-table-cell class="col_order_id"><kat-link label="405-0000000-0000001"></kat-link></kat-table-cell>
        {cells}
        <kat-table-cell class="col_actions"><kat-dropdown-button label="Choose one"></kat-dropdown-button>
        </kat-table-cell>
      </kat-table-row></kat-table-body></kat-table></feedback-list>{pager}</body></html>"""


def one(spec: Spec, html: str) -> Feedback:
    (record,) = parse_page(spec, "feedback", "dom", html).records
    return record


@pytest.mark.parametrize(
    ("cell", "comment", "message", "reply"),
    [
        (
            "<kat-table-cell><div>It's damaged product</div>"
            f"<div><b>{NOTE_EN[:20]}</b>{NOTE_EN[20:]}</div></kat-table-cell>",
            "It's damaged product",
            "This item was fulfilled by Amazon and we take responsibility for this fulfillment experience.",
            None,
        ),
        # The live cell as the Chinese sample shows it: one text, a full-width colon.
        (
            "<kat-table-cell>物流太慢 来自亚马逊的消息： “该商品由亚马逊配送，亚马逊对配送体验负责。”</kat-table-cell>",
            "物流太慢",
            "该商品由亚马逊配送，亚马逊对配送体验负责。",
            None,
        ),
        (
            "<kat-table-cell>Gut. Ihre öffentliche Antwort: Danke! "
            "Nachricht von Amazon: „Dieser Artikel.“</kat-table-cell>",
            "Gut.",
            "Dieser Artikel.",
            "Danke!",
        ),
        ("<kat-table-cell>Good. Your public reply: Thanks</kat-table-cell>", "Good.", None, "Thanks"),
        (
            f"<kat-table-cell>{NOTE_EN}</kat-table-cell>",
            None,
            "This item was fulfilled by Amazon and we take responsibility for this fulfillment experience.",
            None,
        ),
        # A buyer quoting Amazon in lower case is still the buyer's words.
        (
            "<kat-table-cell>got a message from amazon: lost</kat-table-cell>",
            "got a message from amazon: lost",
            None,
            None,
        ),
        ("", None, None, None),
    ],
    ids=["english note", "chinese note", "german reply and note", "reply only", "note only", "lower case", "no cell"],
)
def test_the_comment_cell_splits_buyer_words_note_and_reply(
    spec: Spec, cell: str, comment: str | None, message: str | None, reply: str | None
) -> None:
    record = one(spec, page(cell))
    assert (record.comment, record.amazon_message, record.response) == (comment, message, reply)
    assert record.amazon_fulfilled is (True if message else None)  # absence proves nothing: None, never False
    assert record.suppressed is None  # the page's strike-through markup was never seen


def test_a_cell_with_a_col_class_is_not_the_comment(spec: Spec) -> None:
    html = page('<kat-table-cell class="col_comments">not the comment</kat-table-cell>')
    assert one(spec, html).comment is None


def test_rows_are_the_ones_with_the_shared_id(spec: Spec) -> None:
    html = page("<kat-table-cell>x</kat-table-cell>").replace(
        "</kat-table-body>",
        '<kat-table-row class="other"><kat-table-cell class="col_order_id"><kat-link label="1"></kat-link>'
        "</kat-table-cell></kat-table-row></kat-table-body>",
    )
    assert [r.order_id for r in parse_page(spec, "feedback", "dom", html).records] == ["405-0000000-0000001"]


def pager(prev_cls: str, next_cls: str, attrs: str = "") -> str:
    return (
        f'<div><kat-link class="pagination-nav {prev_cls}" label="&lt; Previous"></kat-link>'
        f'<kat-link class="pagination-nav {next_cls}" label="Next &gt;"{attrs}></kat-link></div>'
    )


@pytest.mark.parametrize(
    ("controls", "next_page"),
    [
        (pager("pagination-nav-disabled", ""), ""),  # first page: Next usable (no href: the walk clicks it)
        (pager("", ""), ""),
        (pager("", "pagination-nav-disabled"), None),  # last page
        (pager("pagination-nav-disabled", "pagination-nav-disabled"), None),  # one page, or an empty list
        (pager("", "", ' disabled aria-disabled="true"'), ""),  # only the class disables (id 68585964457)
        ("", None),
    ],
    ids=["first", "middle", "last", "single", "attribute is no signal", "no pager"],
)
def test_next_page_matches_only_a_usable_next_control(spec: Spec, controls: str, next_page: str | None) -> None:
    result = parse_page(spec, "feedback", "dom", page("<kat-table-cell>x</kat-table-cell>", controls))
    assert result.next_page == next_page


def test_api_keeps_buyer_words_and_reads_fba_from_the_suppress_reason(spec: Spec) -> None:
    row = {
        "orderId": "405-0000000-0000001",
        "feedbackDate": "2026-07-10T14:10:10.332Z",
        "numericRating": 1,
        "feedbackText": "It's damaged product",
        "responseText": None,
        "suppressed": True,
        "suppressReasonId": "AmazonFaultFBAShipping",
    }
    other = {**row, "orderId": "405-0000000-0000002", "suppressReasonId": "SomethingElse", "suppressed": False}
    body = json.dumps({"feedbacks": [row, other], "lastEvaluatedKey": None})
    first, second = parse_page(spec, "feedback", "api", body).records
    assert first == Feedback(
        "405-0000000-0000001", date(2026, 7, 10), 1, "It's damaged product", None, True, None, True
    )
    assert (second.amazon_fulfilled, second.suppressed) == (None, False)


# --- findings read the buyer's words only -----------------------------------------------------------------


def new(**data: object) -> Change:
    return Change("new", f'["{data["order_id"]}"]', dict(data))


def test_findings_never_read_amazons_note() -> None:
    note_de = (
        "Dieser Artikel wurde von Amazon versandt und wir übernehmen die Verantwortung für dieses Versanderlebnis."
    )
    change = new(order_id="o1", rating=1, comment="Schmeckt ranzig", amazon_message=note_de, amazon_fulfilled=True)
    (finding,) = evaluate_stored("feedback", {}, [change], FindingRules(), date(2026, 8, 1))
    assert finding.tags == ("fulfilled by Amazon",)  # "versandt" is in Amazon's note, not in the buyer's words
    assert "Schmeckt ranzig" in finding.message
    assert "Verantwortung" not in finding.message


def test_findings_tag_the_buyers_words_and_keep_severity_by_stars() -> None:
    changes = [
        new(order_id="a", rating=1, comment="Arrived two weeks late", amazon_message=None, amazon_fulfilled=None),
        new(order_id="b", rating=3, comment="box was crushed", amazon_fulfilled=True, suppressed=None),
        new(order_id="c", rating=2, comment="late delivery", amazon_fulfilled=True, suppressed=True),
    ]
    found = evaluate_stored("feedback", {}, changes, FindingRules(), date(2026, 8, 1))
    assert [(f.rule, f.severity, f.tags) for f in found] == [
        ("feedback_1_stars", "warning", ("shipping",)),
        ("feedback_3_stars", "info", ("packaging", "damage", "fulfilled by Amazon")),
        ("feedback_2_stars", "info", ("shipping", "fulfilled by Amazon", "suppressed by Amazon")),
    ]


# --- the demo's endpoint: key-based continuation --------------------------------------------------------------


def test_demo_feedbacks_continue_by_last_evaluated_key(spec: Spec) -> None:
    from scraper.demo.server import DemoOptions, DemoServer

    with DemoServer(DemoOptions()) as server:
        client = Client(server.base_url)
        client.sign_in()
        base = "/fbmapi/v1/feedbacks?pageSize=5&excludeTTRFeedback={ttr}&pageNumber={n}&lastEvaluatedKey={key}"
        first = client.get(base.format(ttr="true", n=0, key="")).json()
        twin = client.get(base.format(ttr="false", n=0, key="")).json()
        assert first == twin  # the two calls of one page overlap completely in the demo
        key = first["lastEvaluatedKey"]
        assert key
        second = client.get(base.format(ttr="true", n=1, key=key)).json()
        by_number = client.get(base.format(ttr="true", n=1, key="")).json()
        assert [r["orderId"] for r in second["feedbacks"]] == [r["orderId"] for r in by_number["feedbacks"]]
        third = client.get(base.format(ttr="true", n=2, key=second["lastEvaluatedKey"])).json()
        assert len(third["feedbacks"]) == 2  # 12 rows: 5 + 5 + 2
        assert third["lastEvaluatedKey"] is None
        orders = [r.order_id for b in (first, second, third) for r in parse_page(spec, "feedback", "api", b).records]
        assert len(orders) == len(set(orders)) == 12
        unknown = client.get(base.format(ttr="true", n=1, key="bm90LWEta2V5")).json()
        assert unknown["feedbacks"] == []  # an unknown key continues with nothing, never with page one
