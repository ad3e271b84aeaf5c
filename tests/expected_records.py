"""Hand-written expected records, one or more per fixture, written by reading the fixture files themselves.

The goldens (``*.expected.json``) are written by the parser (``--update-goldens``): a broken selector plus a
regenerated golden would keep every golden test green. These records are not: each was written from the
saved JSON body (and checked against the saved page) by a person, with the epoch times converted by hand
(1785240300000 ms = 2026-07-28 08:45 UTC). tests/test_expected_records.py checks every one against the
parser's reading of the API body and of the page, and every fixture is pinned by at least one.

Only the fields listed are compared; a field a source does not carry is listed under that source only.
"""

from __future__ import annotations

from typing import Any

CASES = ("de-typical", "en-typical", "edge", "paged-1", "paged-2")
"""The non-empty fixture cases of every section (``empty`` is pinned as no records)."""

Pin = dict[str, Any]

EXPECTED: dict[str, dict[str, list[Pin]]] = {
    "feedback": {
        "de-typical": [
            {
                "order_id": "302-0000001-0000101",
                "date": "2026-07-27",
                "rating": 1,
                "comment": "Verpackung beschädigt, eine Flasche ist ausgelaufen und der Karton war durchnässt.",
                "response": "Das tut uns sehr leid! Wir haben Ihnen heute kostenlos eine Ersatzflasche geschickt. "
                "Ihr Team von Olivia Demo GmbH",
            }
        ],
        "en-typical": [
            {
                "order_id": "403-0000001-0000201",
                "date": "2026-07-28",
                "rating": 5,
                "comment": "Excellent packing, arrived on time.",
                "response": None,
            }
        ],
        "edge": [
            {
                "order_id": "302-0000002-0000301",
                "date": "2026-07-27",
                "rating": 1,
                "comment": "Verpackung beschädigt & Flasche ausgelaufen – \"Premium\"?! Ich bin enttäuscht, der Bote "
                "meinte nur 'so ist das eben'.",
                "response": None,
            }
        ],
        "paged-1": [
            {"order_id": "111-0000003-0000401", "date": "2026-07-29", "rating": 5,
             "comment": "Arrived on time, well packed."}
        ],
        "paged-2": [{"order_id": "114-0000003-0000407", "date": "2026-07-03", "rating": 5, "comment": "Perfect."}],
    },
    "notifications": {
        # content.created in epoch milliseconds, read as the UTC day
        "de-typical": [
            {"notification_id": "00000000-0000-4000-8000-000000000101", "date": "2026-07-28",
             "subject": "Ihr Angebot B0DEMO0001 wurde entfernt"}
        ],
        "en-typical": [
            {"notification_id": "00000000-0000-4000-8000-000000000201", "date": "2026-07-28",
             "subject": "Account at risk of deactivation"}
        ],
        "edge": [
            {
                "notification_id": "00000000-0000-4000-8000-000000000301",
                "date": "2026-07-27",
                "subject": "Richtlinienwarnung: \"Olivia Demo\" Öl & Essig-Set (B0DEMO0201) – Angabe 'bio' ohne "
                "Nachweis",
                "category": "Richtlinienwarnung",
            }
        ],
        "paged-1": [
            {"notification_id": "00000000-0000-4000-8000-000000000401", "date": "2026-07-29",
             "subject": "Your listing B0DEMO0401 has been removed"}
        ],
        "paged-2": [
            {"notification_id": "00000000-0000-4000-8000-000000000407", "date": "2026-05-28",
             "subject": "Refund issued for the return of order 111-0000002-0000701"}
        ],
    },
    "case_log": {
        # creationDate in epoch seconds, read as the UTC day; PendingSellerAction = Amazon waits for the seller
        "de-typical": [
            {"case_id": "10000000110", "created": "2026-09-04", "status": "NEEDS_ATTENTION", "needs_attention": True,
             "subject": "Produktsicherheit: Unterlagen angefordert für ASIN B0DEMOL101"}
        ],
        "en-typical": [
            {"case_id": "10000000208", "created": "2026-09-03", "status": "NEEDS_ATTENTION",
             "subject": "Product safety: documents requested for ASIN B0DEMOL201"}
        ],
        "edge": [
            {
                "case_id": "10000000309",
                "created": "2026-09-04",  # 1788566399.9994: the last moment of the day
                "last_updated": "2026-09-06",
                "status": "NEEDS_ATTENTION",
                "opened_by": "SELLER",  # creatorType MERCHANT
                "subject": "Rückgabe & Erstattung: \"Artikel nicht erhalten\" – Olivia's Geschenkbox 📦",
            }
        ],
        "paged-1": [
            {"case_id": "10000000413", "created": "2026-09-05", "status": "NEEDS_ATTENTION",
             "subject": "Lagergebühren August: Rückfrage zur Berechnung"}
        ],
        "paged-2": [
            {"case_id": "10000000403", "created": "2026-07-14", "status": "RESOLVED", "needs_attention": False,
             "subject": "Variantenfamilie DEMO-PARENT-01 zusammenführen"}
        ],
    },
    "voice_of_customer": {
        "de-typical": [
            {"asin": "B0DEMO0001", "fnsku": "X00DEMO0A1", "condition": "NEW",
             "cx_health": "EXCELLENT", "total_orders": 1234, "ncx_orders": 0,
             "title": "Olivia Demo Natives Olivenöl Extra 500 ml | Kaltgepresst | Glasflasche"}
        ],
        "en-typical": [
            {"asin": "B0DEMO0101", "fnsku": "X00DEMO1A1", "condition": "NEW",
             "cx_health": "EXCELLENT", "total_orders": 1562, "ncx_orders": 2,
             "title": "Olivia Demo Desi Ghee 500 ml Jar | Made from Cow Milk | Rich Aroma"}
        ],
        "edge": [
            {"asin": "B0DEMO0301", "fnsku": None, "condition": None,
             "cx_health": "GOOD", "total_orders": None, "ncx_orders": None,
             "title": "Olivia Demo Bio-Olivenöl Extra „Süße Grüße“ 500 ml"}
        ],
        "paged-1": [
            {"asin": "B0DEMO0201", "fnsku": "X00DEMO2A1", "condition": "NEW",
             "cx_health": "EXCELLENT", "total_orders": 640, "ncx_orders": 1,
             "title": "Olivia Demo Kapern in Salzlake 100 g"}
        ],
        "paged-2": [
            {"asin": "B0DEMO0206", "fnsku": "X00DEMO2A6", "condition": "NEW",
             "cx_health": "GOOD", "total_orders": 122, "ncx_orders": 3,
             "title": "Olivia Demo Zitronenöl 250 ml"}
        ],
    },
    "regulatory_compliance": {
        "de-typical": [
            {"violation_id": "GPSR-DEMO-0201", "reason": "SAFETY_INFORMATION", "asins": ["B0TEST0201"],
             "skus": ["KL-BELL-01"], "title": "Kinder-Fahrradklingel Messing", "date": "2026-04-03",
             "action_taken": "Entfernung des Angebots droht"}
        ],
        "en-typical": [
            {"violation_id": "GPSR-DEMO-0101", "reason": "SAFETY_INFORMATION", "asins": ["B0TEST0101"],
             "skus": ["GARDEN-HOSE-25M"], "title": "Garden hose 25 m, green", "date": "2026-04-03",
             "action_taken": "Listing at risk of removal"}
        ],
        "edge": [
            {"violation_id": "GPSR-DEMO-0301", "reason": {"unknown": "GPSR: EU Authorised Representative details"},
             "asins": ["B0TEST0301"], "skus": ["LAMP 40W/WARM & CO"], "date": "2026-09-30",
             "title": "Kids' bike bell & horn, brass"}  # the body's doubled spaces and line break: one space
        ],
        "paged-1": [
            {"violation_id": "GPSR-DEMO-0401", "reason": "SAFETY_INFORMATION", "asins": ["B0TEST0401"],
             "skus": ["POT-01"], "title": "Enamel pot 2 l", "date": "2026-04-02"}
        ],
        "paged-2": [
            {"violation_id": "GPSR-DEMO-0405", "reason": "MANUFACTURER", "asins": ["B0TEST0405"],
             "skus": ["KETTLE-01"], "title": "Camping kettle 1 l", "date": "2026-03-03"}
        ],
    },
    "compliance_requests": {
        "de-typical": [
            {"grain": "B0DEMOC001", "title": "Olivia Demo Natives Olivenöl Extra, 500 ml",
             "skus": ["DEMO-OLIVE-500", "DEMO-OLIVE-500-FBA"],
             "requirements": ["Sicherheitsdatenblatt (SDB)", "Konformitätserklärung"]}
        ],
        "en-typical": [
            {"grain": "B0DEMOC101", "title": "Olivia Demo Extra Virgin Olive Oil, 1 l", "skus": ["DEMO-OLIVE-1L"],
             "requirements": ["Safety Data Sheet (SDS)", "Declaration of Conformity"]}
        ],
        "edge": [
            {"grain": "B0DEMOC301", "title": "Olivia Demo Öl & Essig Set \"Klassik\" – Olivia's Geschenkbox 🎁",
             "skus": ["DEMO-OEL-ESSIG-SET", "DEMO-OEL-ESSIG-SET-FBA"]}
        ],
        "paged-1": [
            {"grain": "B0DEMOC201", "title": "Demo Ceramic Hair Straightener", "skus": ["DEMO-HAIR-01"],
             "requirements": ["Declaration of Conformity", "Test report"]}
        ],
        "paged-2": [
            {"grain": "B0DEMOC205", "title": "Demo Baby Teether Ring", "skus": ["DEMO-TEETH-01"],
             "requirements": ["Test report (EN 71-1)"]}
        ],
    },
}
"""section -> case -> records (the listed fields only), for both the API body and the saved page."""

SUMMARIES: dict[str, dict[str, Pin]] = {
    "voice_of_customer": {
        "de-typical": {"very_poor": 1, "poor": 2, "fair": 2, "good": 3, "excellent": 3},
        "en-typical": {"very_poor": 1, "poor": 1, "fair": 1, "good": 2, "excellent": 2},
        "edge": {"very_poor": 1, "poor": 1, "fair": 1, "good": 2, "excellent": 1002},
        "paged-1": {"very_poor": 1, "poor": 1, "fair": 1, "good": 2, "excellent": 3},
        "paged-2": {"very_poor": 1, "poor": 1, "fair": 1, "good": 2, "excellent": 3},
    },
    "regulatory_compliance": {
        "de-typical": {"defect_count": 11, "defect_status": "BAD", "ahr_score": 212, "account_status": "NORMAL"},
        "en-typical": {"defect_count": 7, "defect_status": "BAD", "ahr_score": 340, "account_status": "NORMAL"},
        "empty": {"defect_count": 0, "defect_status": "GOOD"},
    },
}
"""section -> case -> the summary body's record (``<case>.summary.json``), the listed fields only."""
