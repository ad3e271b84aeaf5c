"""What the demo Seller Central is made of: marketplaces, the six sections, their endpoints and labels.

These are the demo site's own strings, written down the way Amazon's pages would hold them, not read
from selectors.yaml: the demo stands in for Amazon, which does not follow our spec either. The tests in
tests/test_demo_server.py check that every URL, menu path and label here is one the spec understands, so
a change on either side shows up as a failing test rather than as a silently drifting demo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

MARKETPLACES: dict[str, dict[str, str]] = {
    "A1PA6795UKMFR9": {"de": "Deutschland", "en": "Germany", "host": "sellercentral.amazon.de"},
    "A1F83G8C2ARO7P": {"de": "Vereinigtes Königreich", "en": "United Kingdom", "host": "sellercentral.amazon.co.uk"},
    "A13V1IB3VIYZZH": {"de": "Frankreich", "en": "France", "host": "sellercentral.amazon.fr"},
    "APJ6JRA9NG5V4": {"de": "Italien", "en": "Italy", "host": "sellercentral.amazon.it"},
    "A1RKKUPIHCS9HS": {"de": "Spanien", "en": "Spain", "host": "sellercentral.amazon.es"},
    "A1805IZSGTT6HS": {"de": "Niederlande", "en": "Netherlands", "host": "sellercentral.amazon.nl"},
}
"""Marketplace id -> German and English country name and the Seller Central host it belongs to."""

LOCALES = ("de_DE", "en_US")
"""UI languages the demo renders; other requests fall back to the one of the same language."""

Lang = Literal["de", "en"]


def lang_of(locale: str) -> Lang:
    """ "de" or "en" for a locale tag."""
    return "en" if locale.lower().startswith("en") else "de"


@dataclass(frozen=True)
class Paging:
    """How a JSON endpoint pages: which parameter holds the page and where it starts."""

    where: Literal["query", "body"]
    page_param: str
    start: int
    size_param: str
    unit: Literal["page", "row"] = "page"
    """"row" where the parameter is an offset in rows (0, 25, 50 ...) rather than a page number."""
    token: str | None = None
    """Parameter (and body key) of a continuation token the endpoint hands out and wants back."""


@dataclass(frozen=True)
class Section:
    """One of the six watched places, as the demo serves it."""

    id: str
    url: str
    title: dict[str, str]
    menu: dict[str, tuple[str, ...]]
    endpoint: str
    """Path of the JSON endpoint the page fetches its rows from."""
    method: Literal["GET", "POST"]
    params: dict[str, Any]
    """Fixed query parameters (GET) or body fields (POST) the real page sends, paging excluded."""
    paging: Paging
    rows: str
    """Key of the row list in the JSON body."""
    total: str | None = None
    """Dotted path of the total row count in the body, where the real endpoint has one."""
    extra: dict[str, Any] = field(default_factory=dict)
    page_size: int | None = None
    """Rows per page the real page itself asks for, where a capture shows it; else the demo's page_size."""


SECTIONS: dict[str, Section] = {
    s.id: s
    for s in (
        Section(
            id="notifications",
            url="/performance/notifications",
            title={"de": "Benachrichtigungen", "en": "Performance Notifications"},
            menu={
                "de": ("Kundenzufriedenheit", "Benachrichtigungen"),
                "en": ("Performance", "Performance Notifications"),
            },
            endpoint="/performance/api/notification",
            method="GET",
            params={"sortBy": "NewestToOldest", "filterBy": "Any"},
            paging=Paging("query", "pageNumber", 1, "pageSize"),
            rows="list",
        ),
        Section(
            id="voice_of_customer",
            url="/voice-of-the-customer",
            title={"de": "Stimme des Kunden", "en": "Voice of the Customer"},
            menu={"de": ("Kundenzufriedenheit", "Stimme des Kunden"), "en": ("Performance", "Voice of the Customer")},
            endpoint="/pcrHealth/pcrListingSummary",
            method="GET",
            params={
                "searchText": "",
                "sortColumn": "ORDERS_COUNT",
                "sortDirection": "DESCENDING",
                "insufficientFeedback": "false",
            },
            paging=Paging("query", "pageOffset", 0, "pageSize", unit="row"),
            rows="pcrListings",
            total="totalListingsCount",
            extra={"summary": "/pcrHealth/pcrKpi"},
        ),
        Section(
            id="case_log",
            url="/cu/case-lobby",
            title={"de": "Fall für den Verkäuferservice verwalten", "en": "Case Log"},
            menu={"de": ("Hilfe", "Fall für den Verkäuferservice verwalten"), "en": ("Help", "Case Log")},
            endpoint="/hill/hillservice/mons-api/SearchForCases",
            method="POST",
            params={
                "sortBy": "CreationDate",
                "sortByOrder": "DESC",
                "getCountOnly": False,
                "caseFilters": {"caseOwner": "MerchantCases"},
            },
            paging=Paging("body", "page", 0, "searchPageSize"),
            rows="caseSearchResultList",
            total="totalNumberOfResults",
            page_size=10,  # the lobby's own request; its counter reads "Cases 1 to 10 of N"
        ),
        Section(
            id="regulatory_compliance",
            # A tab of the Account Health product-policies page (seen: ids 68466876270, 56689422320).
            url="/performance/account/health/product-policies?t=regulatory-compliance",
            title={"de": "Compliance mit gesetzlichen Anforderungen", "en": "Regulatory Compliance"},
            menu={
                "de": ("Kundenzufriedenheit", "Verkäuferleistung", "Compliance mit gesetzlichen Anforderungen"),
                "en": ("Performance", "Account Health", "Regulatory Compliance"),
            },
            # The page's own call (seen, id 56689422320): POST, body {}, everything else in the query; offset
            # counts rows and nextPageToken comes with each body and goes back with the next request.
            endpoint="/performance/api/product/policy/defects/pagination",
            method="POST",
            params={"metricNames": "REGULATORY_COMPLIANCE", "statuses": "Open", "platform": "SELLER_CENTRAL"},
            paging=Paging("query", "offset", 0, "pageSize", unit="row", token="nextPageToken"),
            rows="violations",
            extra={"summary": "/performance/api/summary?platform=SELLER_CENTRAL"},
        ),
        Section(
            id="compliance_requests",
            url="/spx/myc/compliance-requests",
            title={"de": "Anfragen zur Produkt-Compliance", "en": "Product Compliance Requests"},
            menu={
                "de": ("Kundenzufriedenheit", "Verkäuferleistung", "Anfragen zur Produkt-Compliance"),
                "en": ("Performance", "Account Health", "Product Compliance Requests"),
            },
            endpoint="/spx/myc/myc-backend-service/api/get-grain-compliance-requirement-issues",
            method="GET",
            params={
                "sellingPartnerType": "SELLER",
                "grainTypes": ["SKU", "ASIN", "RPG"],
                "searchBy": "ASIN",
                "searchValue": "",
                "sortBy": "GRAIN_GMS_60DAYS",
                "sortDirection": "DESCENDING",
                "grainProgramNames": ["PRODUCT_ASSURANCE", "eu_gpsr_markeplace_regulation", "COSS_PRODUCT_SAFETY"],
                "grainRequirementIssueStatuses": "ACTIVE",
                "vendorCode": "",
            },
            paging=Paging("query", "pageOffset", 1, "pageSize"),
            rows="issues",
            total="issueCount.incompleteCount",
        ),
        Section(
            id="feedback",
            url="/feedback-manager/index.html",
            title={"de": "Feedback-Manager", "en": "Feedback Manager"},
            menu={"de": ("Kundenzufriedenheit", "Feedback-Manager"), "en": ("Performance", "Feedback Manager")},
            endpoint="/fbmapi/v1/feedbacks",
            method="GET",
            params={
                "fromRating": "1",
                "toRating": "5",
                "sortBy": "Date",
                "descendingOrder": "true",
                "includePartiallySuppressed": "true",
                "excludeTTRFeedback": "true",
                "lastEvaluatedKey": "",
            },
            paging=Paging("query", "pageNumber", 0, "pageSize"),
            rows="feedbacks",
            # The star counts per period the page shows over the list (seen, S1 sec-22).
            extra={"counters": "/fbmapi/v1/aggregates?duration=30D,90D,365D,LIFETIME"},
        ),
    )
}
"""The six sections by id, in the order the walk reads them."""

# Enum codes as the JSON endpoints send them -> (German label, English label) as the pages show them.
# Codes not listed are shown verbatim, as the real pages do with values they do not translate.
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "CxHealth": {
        "VERY_POOR": ("Sehr schlecht", "Very poor"),
        "POOR": ("Schlecht", "Poor"),
        "FAIR": ("Ausreichend", "Fair"),
        "GOOD": ("Gut", "Good"),
        "EXCELLENT": ("Ausgezeichnet", "Excellent"),
        "SUPPRESSED": (
            "Angebot unterdrückt – Sofortiges Handeln erforderlich",
            "Listing suppressed - Immediate action required",
        ),
    },
    "FulfillmentChannel": {
        "FBA": ("Amazon", "Amazon"),
        "AFN": ("Amazon", "Amazon"),
        "FBM": ("Verkäufer", "Seller"),
        "MFN": ("Verkäufer", "Seller"),
    },
    "ItemCondition": {
        "New": ("Neu", "New"),
        "UsedLikeNew": ("Gebraucht - Wie neu", "Used - Like New"),
        "UsedVeryGood": ("Gebraucht – Sehr gut", "Used - Very Good"),
        "UsedGood": ("Gebraucht - Gut", "Used - Good"),
        "UsedAcceptable": ("Gebraucht - Akzeptabel", "Used - Acceptable"),
        "Refurbished": ("Generalüberholt", "Renewed"),
    },
    # The case log's JSON spells a code CamelCase or upper-cased (PendingAmazonAction, PENDINGAMAZONACTION):
    # keys are upper case without separators, and the app looks codes up that way.
    "CaseStatus": {
        "OPEN": ("Offen", "Open"),
        "PENDINGSELLERACTION": ("Ihre Aufmerksamkeit ist erforderlich", "Needs your attention"),
        "PENDINGAMAZONACTION": ("In Prüfung", "In review"),
        "ANSWERED": ("Beantwortet", "Answered"),
        "REOPENED": ("Wieder eröffnet", "Reopened"),
        "RESOLVED": ("Gelöst", "Resolved"),
        "CLOSED": ("Geschlossen", "Closed"),
        "CANCELLED": ("Storniert", "Cancelled"),
    },
    "CaseOpener": {
        "SELLER": ("Sie", "You"),
        "MERCHANT": ("Sie", "You"),
        "AMAZON": ("Amazon", "Amazon"),
    },
    # The regulatory page shows the texts its JSON sends (reason.reason, nextSteps.text); these tables only
    # prove that the spec reads them. English seen (ids 68466876270, 51769415085), German invented.
    "RegulatoryRequirement": {
        "RESPONSIBLE_PERSON": (
            "GPSR: Kontaktdaten der verantwortlichen Person",
            "GPSR: Responsible Person contact details",
        ),
        "MANUFACTURER": ("GPSR: Kontaktdaten des Herstellers", "GPSR: manufacturer contact details"),
        "SAFETY_INFORMATION": ("GPSR: Warn- und Sicherheitshinweise", "GPSR: warning and safety information"),
    },
    "IssueStatus": {
        "SUBMISSION_REQUIRED": ("Einreichung erforderlich", "submission is required"),
        "UNDER_REVIEW": ("Einreichung wird geprüft", "submission is under review"),
    },
    "ApprovalStatus": {
        "ACTION_REQUIRED": ("Maßnahme erforderlich", "Action required"),
        "ACTIVE": ("Maßnahme erforderlich", "Action required"),
        "UNDER_REVIEW": ("In Prüfung", "Under review"),
        "PENDING": ("In Prüfung", "Under review"),
        "APPROVED": ("Genehmigt", "Approved"),
        "REJECTED": ("Abgelehnt", "Rejected"),
    },
}


# Voice of the Customer return reason codes (JSON mostCommonReturnReasonBucket) -> what the page shows. The codes
# and English words are Amazon's i18n keys ags_pcx_voc_details_title_<code> (capture S1); the German words are the
# demo's own. An unknown code is shown as it is, like an untranslated string.
RETURN_REASONS: dict[str, tuple[str, str]] = {
    "ui_different_product_version": ("Andere Produktversion", "Different product version"),
    "ui_inaccurate_website_desc": ("Ungenaue Beschreibung auf der Website", "Inaccurate website description"),
    "ui_missing_parts": ("Fehlende Teile", "Missing parts"),
    "ui_missing_parts_accessories": ("Fehlende Teile/Zubehör", "Missing parts/accessories"),
    "ui_others": ("Sonstiges", "Others"),
    "ui_performance_or_quality_not_adequate": (
        "Leistung oder Qualität unzureichend",
        "Performance or quality not adequate",
    ),
    "ui_product_condition_not_as_expected": ("Produktzustand nicht wie erwartet", "Product condition not as expected"),
    "ui_style_not_as_expected": ("Stil nicht wie erwartet", "Style not as expected"),
}


def labels_for(lang: Lang) -> dict[str, dict[str, str]]:
    """The enum code -> label tables of one UI language."""
    i = 0 if lang == "de" else 1
    tables = {enum: {code: pair[i] for code, pair in table.items()} for enum, table in LABELS.items()}
    tables["ReturnReason"] = {code: pair[i] for code, pair in RETURN_REASONS.items()}
    return tables


WRITE_ACTIONS: dict[str, tuple[str, str]] = {
    "reply": ("Öffentliche Antwort posten", "Post a public reply"),
    "contact-customer": ("Kunden kontaktieren", "Contact customer"),
    "request-removal": ("Entfernung beantragen", "Request removal"),
    "appeal": ("Einspruch einlegen", "Appeal"),
    "submit": ("Einreichen", "Submit"),
    "provide-documentation": ("Dokumente bereitstellen oder Einspruch einlegen", "Provide Documentation or Appeal"),
    "reply-case": ("Antworten", "Reply"),
    "resolve-problem": ("Problem lösen", "Resolve problem"),
}
"""Buttons that would change the account on the real site; in the demo they only get recorded."""
