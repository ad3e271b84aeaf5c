"""Typed records, one class per Seller Central section, plus the enums their fields use.

Records hold page content only (what Seller Central showed); run metadata such as when a page was read
belongs to the run, so that golden files and diffs stay stable. Every field a section's spec in
selectors.yaml fills must exist here with a matching type; the spec loader checks that.

An enum field never drops a label it does not know: it holds :class:`Unknown` with the raw text, so a new
status that Amazon introduces shows up in reports instead of vanishing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Unknown:
    """An enum label the spec does not map yet, kept verbatim."""

    raw: str
    """The label exactly as the page or API body showed it."""


class CxHealth(StrEnum):
    """Customer-experience health of a listing on Voice of the Customer, worst first."""

    VERY_POOR = "VERY_POOR"
    POOR = "POOR"
    FAIR = "FAIR"
    GOOD = "GOOD"
    EXCELLENT = "EXCELLENT"
    SUPPRESSED = "SUPPRESSED"
    """"Listing suppressed - Immediate action required": worse than VERY_POOR for the seller."""


class FulfillmentChannel(StrEnum):
    """Who ships the order."""

    FBA = "FBA"
    """Fulfilled by Amazon (the UI says "Amazon")."""
    FBM = "FBM"
    """Fulfilled by the merchant (the UI says "Seller"/"Verkäufer"; some APIs say MFN)."""


class CaseStatus(StrEnum):
    """Status of a Seller Support case."""

    NEEDS_ATTENTION = "NEEDS_ATTENTION"
    """Amazon waits for the seller's answer."""
    WORK_IN_PROGRESS = "WORK_IN_PROGRESS"
    ANSWERED = "ANSWERED"
    REOPENED = "REOPENED"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


class CaseOpener(StrEnum):
    """Who opened a case: the seller, or an Amazon team writing to the seller."""

    SELLER = "SELLER"
    AMAZON = "AMAZON"


class RegulatoryRequirement(StrEnum):
    """What a GPSR (regulatory compliance) issue asks for."""

    RESPONSIBLE_PERSON = "RESPONSIBLE_PERSON"
    MANUFACTURER = "MANUFACTURER"
    SAFETY_INFORMATION = "SAFETY_INFORMATION"


class IssueStatus(StrEnum):
    """State of a regulatory issue as the dashboard's tabs and badges show it."""

    UNRESOLVED = "UNRESOLVED"
    SUBMITTED = "SUBMITTED"
    RESOLVED = "RESOLVED"


class ApprovalStatus(StrEnum):
    """Approval status of a product compliance request."""

    ACTION_REQUIRED = "ACTION_REQUIRED"
    """Documents are missing; the seller must provide them."""
    UNDER_REVIEW = "UNDER_REVIEW"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


@dataclass(frozen=True, slots=True)
class Notification:
    """One entry of Performance > Performance Notifications (Kundenzufriedenheit > Benachrichtigungen)."""

    notification_id: str
    """Amazon's id; the detail page is /performance/notifications/<id>."""
    date: date
    """The day the notification was sent (from epoch milliseconds in the API, in UTC)."""
    subject: str
    """The subject line as shown."""
    category: str | None = None
    """Category or severity words as shown, untranslated (for example "Listing removed")."""
    asins: tuple[str, ...] = ()
    """ASINs mentioned in the subject."""
    read: bool | None = None
    """Whether the notification was opened, where the page shows it."""


@dataclass(frozen=True, slots=True)
class VocListing:
    """One offer listing on Voice of the Customer (Stimme des Kunden)."""

    asin: str
    sku: str | None
    """The merchant SKU (API ``mskus``)."""
    fnsku: str | None
    """Amazon's fulfilment SKU (X00...) of FBA offers. The live page's "SKU" column showed this code on the
    reference screenshot; if the page shows no merchant SKU, the DOM and API keys will disagree (drift)."""
    title: str | None
    fulfillment_channel: FulfillmentChannel | Unknown | None
    cx_health: CxHealth | Unknown
    ncx_rate: Decimal | None
    """Share of orders with negative customer experience, in percent (2.5 means 2.5 %)."""
    ncx_orders: int | None
    total_orders: int | None
    return_rate: Decimal | None
    """NCX return rate in percent."""
    top_ncx_reason: str | None
    """The most common complaint, as shown ("Defective item"); None where the page shows a dash."""
    last_updated: date | None


@dataclass(frozen=True, slots=True)
class VocHealthCounts:
    """The "CX Health breakdown of your listings" tiles above the Voice of the Customer table."""

    very_poor: int
    poor: int
    fair: int
    good: int
    excellent: int


@dataclass(frozen=True, slots=True)
class Case:
    """One Seller Support case from the case log (Hilfe > Fall für den Verkäuferservice verwalten)."""

    case_id: str
    subject: str | None
    status: CaseStatus | Unknown
    created: date | None
    last_updated: date | None
    needs_attention: bool
    """Amazon waits for the seller's reply."""
    opened_by: CaseOpener | Unknown | None = None


@dataclass(frozen=True, slots=True)
class RegulatoryIssue:
    """One open GPSR item on Account Health > Regulatory compliance."""

    requirement: RegulatoryRequirement | Unknown
    status: IssueStatus | Unknown
    brand: str | None = None
    """Set when the issue is raised per brand (responsible person, manufacturer)."""
    asin: str | None = None
    sku: str | None = None
    title: str | None = None
    due_date: date | None = None
    """Deadline where the page shows one."""


@dataclass(frozen=True, slots=True)
class ComplianceRequest:
    """One product compliance request (Anfragen zur Produkt-Compliance, "Product Compliance Requests").

    The JSON the requests come from lists ACTIVE issues only (its query filters them, S7), so a request is
    open unless the page shows another status.
    """

    grain: str
    """What the request is about, as Amazon names it: a SKU, an ASIN or an RPG (the endpoint asks for all three
    grain types; which one a row is, is not known)."""
    requirements: tuple[str, ...]
    """The documents or information requested, as shown."""
    title: str | None = None
    skus: tuple[str, ...] = ()
    approval_status: ApprovalStatus | Unknown | None = None
    """Never seen in a capture: None where neither the page nor the JSON shows one."""
    due_date: date | None = None
    """The "Due Date" column (seen as a label only; no captured value)."""
    rejection_reason: str | None = None
    """Never seen in a capture."""


@dataclass(frozen=True, slots=True)
class Feedback:
    """One seller feedback entry from Feedback Manager."""

    order_id: str
    date: date
    """The day the buyer left the feedback (the page's "Date" column; API ``feedbackDate``)."""
    rating: int
    """Stars, 1 to 5."""
    comment: str | None
    """The buyer's own words only: Amazon's note, which the page appends, is in ``amazon_message``."""
    response: str | None
    """The seller's public reply, if any."""
    suppressed: bool | None = None
    """Amazon struck the feedback through (it no longer counts against the seller). Only the JSON says so
    (``suppressed``); on the page it is a strike-through whose markup was never seen, so a record read from
    the page has None here."""
    amazon_message: str | None = None
    """The "Message from Amazon: ..." note the page shows under the comment, without its label ("This item was
    fulfilled by Amazon and we take responsibility for this fulfillment experience."). The JSON has no such
    text, so a record read from the JSON has None here."""
    amazon_fulfilled: bool | None = None
    """True when the entry proves that Amazon fulfilled the order (the page's Amazon note; the JSON's
    ``suppressReasonId`` AmazonFaultFBA...). None is "not shown", never "seller-fulfilled": Amazon adds the
    note only where it takes responsibility."""

    def __post_init__(self) -> None:
        if not 1 <= self.rating <= 5:
            raise ValueError(f"rating must be 1..5, got {self.rating}")


RECORD_TYPES: dict[str, type] = {
    "notifications": Notification,
    "voice_of_customer": VocListing,
    "case_log": Case,
    "regulatory_compliance": RegulatoryIssue,
    "compliance_requests": ComplianceRequest,
    "feedback": Feedback,
}
"""Record class of each section id."""

SUMMARY_TYPES: dict[str, type] = {
    "VocHealthCounts": VocHealthCounts,
}
"""Record classes a section's `summary` block may name."""

ENUM_TYPES: dict[str, type[StrEnum]] = {
    cls.__name__: cls
    for cls in (
        CxHealth,
        FulfillmentChannel,
        CaseStatus,
        CaseOpener,
        RegulatoryRequirement,
        IssueStatus,
        ApprovalStatus,
    )
}
"""Enums that selectors.yaml may name in `enum:` and map labels for."""
