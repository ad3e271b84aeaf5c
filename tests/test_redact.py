"""Capture redaction: every planted personal value and secret is gone, structure and public ids stay."""

from __future__ import annotations

import json

from scraper.redact import Redactor

PLANTED = {
    "order": "305-1234567-7654321",
    "email": "max.mustermann@gmail.example",
    "merchant": "A2Q3Y263D00KWC",
    "csrf": "hCtsX9QJ8yMK3Vfq2Zr0nDq5oT1uE7wA4bL6pS8cG3jY",
    "buyer": "Erika Musterfrau",
    "session": "sess-7f3a9b1c",
}


def test_json_body() -> None:
    body = json.dumps(
        {
            "metadata": {
                "merchantId": PLANTED["merchant"],
                "csrfToken": PLANTED["csrf"],
                "marketplaceId": "A1PA6795UKMFR9",
            },
            "feedbacks": [
                {
                    "orderId": PLANTED["order"],
                    "buyerName": PLANTED["buyer"],
                    "sessionId": PLANTED["session"],
                    "feedbackText": f"Schreiben Sie an {PLANTED['email']} wegen {PLANTED['order']}",
                    "numericRating": 2,
                }
            ],
        }
    )
    out = Redactor(keep_ids=["A1PA6795UKMFR9"]).json_body(body)
    for value in PLANTED.values():
        assert value not in out
    doc = json.loads(out)
    assert doc["metadata"]["marketplaceId"] == "A1PA6795UKMFR9"
    row = doc["feedbacks"][0]
    assert row["numericRating"] == 2
    assert row["orderId"] == "000-0000000-0000001"
    assert row["feedbackText"] == "Schreiben Sie an person1@example.invalid wegen 000-0000000-0000001"


def test_html_page() -> None:
    page = f"""<html><head><meta name="anti-csrftoken-a2z" content="{PLANTED["csrf"]}">
      <script>window.session = "{PLANTED["session"]}";</script></head>
      <body><div id="partner-switcher" data-merchant_selection="{PLANTED["merchant"]}">DE</div>
      <kat-link href="/orders-v3/order/{PLANTED["order"]}" label="{PLANTED["order"]}"></kat-link>
      <span>Kontakt: {PLANTED["email"]}</span><input type="hidden" name="token" value="{PLANTED["csrf"]}">
      <kat-table-cell class="col_comments">Karton kaputt</kat-table-cell></body></html>"""
    out = Redactor().html(page)
    for value in PLANTED.values():
        if value != PLANTED["buyer"]:
            assert value not in out
    assert "Karton kaputt" in out
    assert 'class="col_comments"' in out
    assert "/orders-v3/order/000-0000000-0000001" in out


def test_same_value_same_placeholder() -> None:
    r = Redactor()
    assert r.text(PLANTED["order"]) == r.text(f"{PLANTED['order']}").strip()
    assert r.text("305-0000000-0000002") != r.text(PLANTED["order"])
