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
      <kat-table-cell class="col_buyer_name"> Erika\u00a0 Musterfrau </kat-table-cell>
      <kat-table-cell class="col_comments">Karton kaputt</kat-table-cell></body></html>"""
    out = Redactor().html(page)
    for value in PLANTED.values():
        assert value not in out
    assert '<kat-table-cell class="col_buyer_name">Redacted Name 1</kat-table-cell>' in out
    assert "Karton kaputt" in out
    assert 'class="col_comments"' in out
    assert "/orders-v3/order/000-0000000-0000001" in out


def test_same_value_same_placeholder() -> None:
    """Two different inputs that hold the same value give it the same placeholder; another value another."""
    r = Redactor()
    first = r.text(f"Bestellung {PLANTED['order']} kam zu spät")
    second = r.text(f"order {PLANTED['order']}, and {PLANTED['order']} again")
    other = r.text("305-0000000-0000002")
    assert first == "Bestellung 000-0000000-0000001 kam zu spät"
    assert second == "order 000-0000000-0000001, and 000-0000000-0000001 again"
    assert other == "000-0000000-0000002"
    body = r.json_body(json.dumps({"orderId": PLANTED["order"], "buyerName": PLANTED["buyer"]}))
    assert json.loads(body) == {"orderId": "000-0000000-0000001", "buyerName": "Redacted Name 1"}


def test_a_name_learnt_from_json_is_replaced_on_the_page() -> None:
    """The page shows the buyer's name in plain text (no marking class): the name the JSON body's key gave
    away is replaced there too, with the same placeholder."""
    r = Redactor()
    r.json_body(json.dumps({"feedbacks": [{"buyerName": PLANTED["buyer"], "numericRating": 1}]}))
    out = r.html(f"<html><body><p>Bewertung von {PLANTED['buyer']}: Karton kaputt</p></body></html>")
    assert PLANTED["buyer"] not in out
    assert "Bewertung von Redacted Name 1: Karton kaputt" in out


def test_product_names_and_short_values_are_not_names() -> None:
    r = Redactor()
    r.json_body(json.dumps({"firstName": "Al", "itemName": "Kaffeebecher"}))
    out = r.html('<p class="product-name">Kaffeebecher Al</p><span data-testid="buyer-name">Al</span>')
    assert '<p class="product-name">Kaffeebecher Al</p>' in out  # a two-letter name is not hunted in free text
    assert '<span data-testid="buyer-name">Redacted Name 1</span>' in out
