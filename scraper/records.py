"""Typed records, one class per Seller Central section, plus the enums their fields use.

Records hold page content only (what Seller Central showed); run metadata such as when a page was read
belongs to the run, so that golden files and diffs stay stable. Every field a section's spec in
selectors.yaml fills must exist here with a matching type; the spec loader checks that.

An enum field never drops a label it does not know: it holds :class:`Unknown` with the raw text, so a new
status that Amazon introduces shows up in reports instead of vanishing.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

T = TypeVar("T")


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


class ItemCondition(StrEnum):
    """The offer's condition as Voice of the Customer's "SKU / Condition" column shows it (API ``condition``)."""

    NEW = "NEW"
    USED_LIKE_NEW = "USED_LIKE_NEW"
    USED_VERY_GOOD = "USED_VERY_GOOD"
    USED_GOOD = "USED_GOOD"
    USED_ACCEPTABLE = "USED_ACCEPTABLE"
    COLLECTIBLE_LIKE_NEW = "COLLECTIBLE_LIKE_NEW"
    COLLECTIBLE_VERY_GOOD = "COLLECTIBLE_VERY_GOOD"
    COLLECTIBLE_GOOD = "COLLECTIBLE_GOOD"
    COLLECTIBLE_ACCEPTABLE = "COLLECTIBLE_ACCEPTABLE"
    REFURBISHED = "REFURBISHED"


class CaseStatus(StrEnum):
    """Status of a Seller Support case.

    The case log's JSON sends codes (``Open``, ``PendingAmazonAction``; other code stores them upper-cased,
    ``PENDINGSELLERACTION``), the page shows words ("In review", "Answered"); selectors.yaml maps both.
    """

    OPEN = "OPEN"
    """Code ``Open``: open, without saying who acts next."""
    NEEDS_ATTENTION = "NEEDS_ATTENTION"
    """Amazon waits for the seller's answer (code ``PendingSellerAction``)."""
    WORK_IN_PROGRESS = "WORK_IN_PROGRESS"
    """Amazon works on it (code ``PendingAmazonAction``; the lobby says "In review")."""
    ANSWERED = "ANSWERED"
    REOPENED = "REOPENED"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


class CaseOpener(StrEnum):
    """Who opened a case: the seller, or an Amazon team writing to the seller.

    No live capture shows where the case log says this (``creatorType`` was never seen): it stays empty
    unless a page or body shows it.
    """

    SELLER = "SELLER"
    AMAZON = "AMAZON"


class RegulatoryRequirement(StrEnum):
    """What a GPSR (regulatory compliance) issue asks for: the "Reason" column of the product-policies page."""

    RESPONSIBLE_PERSON = "RESPONSIBLE_PERSON"
    """"GPSR: Responsible Person contact details" (raised per brand: grouped rows)."""
    MANUFACTURER = "MANUFACTURER"
    """"GPSR: manufacturer contact details" (raised per brand: grouped rows)."""
    SAFETY_INFORMATION = "SAFETY_INFORMATION"
    """"GPSR: warning and safety information" (raised per ASIN)."""


class IssueStatus(StrEnum):
    """Where an open regulatory issue stands, as its "Next Steps" text says."""

    SUBMISSION_REQUIRED = "SUBMISSION_REQUIRED"
    """"... submission is required": the seller must submit the information."""
    UNDER_REVIEW = "UNDER_REVIEW"
    """"Your submission is under review": submitted, Amazon has not decided yet."""


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
    """One offer listing on Voice of the Customer (Stimme des Kunden).

    Every rate is in percent units (0.13 means 0.13 %), as the page shows it; the JSON endpoint sends the
    same rates as fractions of one (``ncxRate`` 0.0013), which selectors.yaml reads with ``type: fraction``.
    Fields after ``last_updated`` come from the JSON only where the page does not show them (None when the
    page is read).
    """

    asin: str
    fnsku: str | None
    """Amazon's fulfilment SKU (X00...), the first line of the "SKU / Condition" column; None for offers
    without one (merchant-fulfilled offers that were never sent to Amazon)."""
    condition: ItemCondition | Unknown | None
    """The second line of the "SKU / Condition" column ("New")."""
    title: str | None
    fulfillment_channel: FulfillmentChannel | Unknown | None
    cx_health: CxHealth | Unknown
    ncx_rate: Decimal | None
    """Share of orders with a negative customer experience, in percent (0.13 means 0.13 %)."""
    ncx_orders: int | None
    total_orders: int | None
    ncx_review_rate: Decimal | None
    """Negative reviews that describe a product or listing issue, per order, in percent."""
    return_rate: Decimal | None
    """NCX return rate in percent: returns with a product or listing issue, per order."""
    top_ncx_reason: str | None
    """The most common return reason as Amazon's code ("ui_missing_parts_accessories"); a code or label the
    spec's table does not know is kept verbatim. None where the page shows a dash."""
    top_ncx_reason_label: str | None
    """The same reason in words ("Missing parts/accessories"), from the code table in selectors.yaml; an
    unknown code is spelt out from the code itself ("ui_wrong_item_sent" gives "Wrong item sent")."""
    last_updated: date | None
    high_return_rate: bool | None
    """Amazon counts the listing as a high-return-rate item (API ``isHRRA``): the "Return Badge Displayed"
    column says yes, the product page may show a "frequently returned" badge."""
    at_risk_of_high_return_rate: bool | None
    """Amazon warns that the listing may become a high-return-rate item (API ``isAtRiskOfHRRA``): the
    early warning before the badge."""
    sku: str | None = None
    """The merchant SKU (API ``mskus``); the page shows the FNSKU in its "SKU" column instead."""
    top_ncx_reason_percent: Decimal | None = None
    """Share of the NCX returns that gave the top reason, in percent (API, already in percent units)."""
    category: str | None = None
    """Amazon's comparison group of the listing (``thresholdMetadata.key``, "gl_grocery#32502000#...")."""
    category_ncx_rate_mean: Decimal | None = None
    """Mean NCX rate of similar offers in the category, in percent."""
    category_ncx_rate_sd: Decimal | None = None
    """Standard deviation of the NCX rate in the category, in percent."""
    category_return_rate_mean: Decimal | None = None
    """Mean NCX return rate in the category, in percent (0 where Amazon has no benchmark yet)."""
    category_return_rate_sd: Decimal | None = None
    """Standard deviation of the NCX return rate in the category, in percent."""
    insufficient_feedback: bool | None = None
    """Amazon has too little feedback to rate the listing (API ``insufficientFeedback``)."""
    listing_exists: bool | None = None
    """False when the offer no longer exists in the catalogue (API ``listingExists``)."""


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
    """One Seller Support case from the case log (Hilfe > Fall für den Verkäuferservice verwalten).

    ``needs_attention`` is not read from the page: it follows from the status, so the two cannot disagree.
    It is still a field, so the stored JSON of a case keeps carrying it.
    """

    case_id: str
    """Amazon's case id (digits); the case itself is /cu/case-dashboard/view-case?caseID=<id>."""
    subject: str | None
    """The case's short description as the list shows it."""
    status: CaseStatus | Unknown
    created: date | None
    """The day the case was opened, in UTC. The JSON's ``creationDate`` is epoch seconds with a fraction;
    the list shows a day, and a day keeps the page and the JSON (and stored history) equal, so the time of
    day is not kept."""
    last_updated: date | None = None
    """Day of the last change, where a page or body shows it (no live capture has shown it yet)."""
    opened_by: CaseOpener | Unknown | None = None
    """Who opened the case, where a page or body shows it (no live capture has shown it yet)."""
    needs_attention: bool = field(init=False)
    """Amazon waits for the seller's answer: the status is NEEDS_ATTENTION (computed, never read)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "needs_attention", self.status == CaseStatus.NEEDS_ATTENTION)


@dataclass(frozen=True, slots=True)
class RegulatoryIssue:
    """One row of Account Health > Product Policy Compliance, tab Regulatory compliance (GPSR), Open tab.

    One record per table row, which is one violation of the page's JSON: a per-ASIN row (safety
    information) or a grouped per-brand row (responsible person, manufacturer) whose accordion lists the
    products it covers. Columns: Reason, Date, What was impacted?, At Risk Sales, Action Taken, Account
    Health Rating Impact, Next Steps.
    """

    reason: RegulatoryRequirement | Unknown
    """The "Reason" column ("GPSR: manufacturer contact details"; the case varies on the live page)."""
    asins: tuple[str, ...]
    """The products the row covers: one for a per-ASIN row, several for a grouped row. The page lists a
    grouped row's products ten at a time (its own pager): the DOM holds the visible ones only."""
    skus: tuple[str, ...]
    """The seller SKUs of those products, in the same order."""
    status: IssueStatus | Unknown | None = None
    """From the "Next Steps" text; None where it was not shown or, from the JSON, not sent."""
    date: date | None = None
    """The "Date" column (API ``impactDate.formattedDate``, US style "Apr. 3, 2026")."""
    title: str | None = None
    """The product title of a per-ASIN row ("What was impacted?"); None for a grouped row."""
    action_taken: str | None = None
    """The "Action Taken" column as shown (for example "Listing at risk of removal")."""
    ahr_impact: str | None = None
    """The "Account Health Rating Impact" column as shown."""
    at_risk_sales: str | None = None
    """The "At Risk Sales" column as shown, with its currency (the JSON's format was never seen)."""
    violation_id: str | None = None
    """Amazon's id of the violation: only the JSON has it (always None when read from the page)."""


@dataclass(frozen=True, slots=True)
class RegulatoryDefectCount:
    """The Account Health summary's count for regulatory compliance (``/performance/api/summary``)."""

    defect_count: int
    """``listingLevelMetrics.REGULATORY_COMPLIANCE.defects.count``: open defects in the summary's time frame."""
    defect_status: str | None = None
    """The summary's verdict on that count as sent ("GOOD" at zero, "BAD" otherwise in the one capture)."""


@dataclass(frozen=True, slots=True)
class AccountHealthSummary:
    """The Account Health summary (``/performance/api/summary``), which the product-policies page fetches.

    The regulatory tab reads its defect count; the rest are the headline numbers of the Account Health page:
    each performance metric's rate (percent; the body sends fractions although it types them "PERCENT"),
    Amazon's verdict on it ("GOOD", "BAD", "NONE" seen) and its target, and the count and verdict of each
    policy area. Every field but the regulatory count may be missing (None). The account status and the
    Account Health Rating were never seen in a captured body (the one capture is cut off): their paths are
    invented, so they stay None until a live capture shows where they are.
    """

    defect_count: int
    """``listingLevelMetrics.REGULATORY_COMPLIANCE.defects.count``: open regulatory (GPSR) defects."""
    defect_status: str | None = None
    """The summary's verdict on that count ("GOOD" at zero, "BAD" otherwise in the one capture)."""
    account_status: str | None = None
    """The account's status as the summary sends it (path invented; never seen)."""
    ahr_score: int | None = None
    """Account Health Rating, 0 to 1000 (path invented; never seen)."""
    ahr_status: str | None = None
    """Amazon's word for the rating ("Healthy", "At risk", "Unhealthy" on the page; path invented)."""
    odr_afn_rate: Decimal | None = None
    """Order defect rate of Amazon-fulfilled orders, percent; None where there were no orders."""
    odr_afn_status: str | None = None
    odr_afn_target: Decimal | None = None
    odr_mfn_rate: Decimal | None = None
    """Order defect rate of seller-fulfilled orders, percent; None where there were no orders."""
    odr_mfn_status: str | None = None
    odr_mfn_target: Decimal | None = None
    late_shipment_rate: Decimal | None = None
    late_shipment_status: str | None = None
    late_shipment_target: Decimal | None = None
    cancellation_rate: Decimal | None = None
    """Pre-fulfilment cancellation rate, percent."""
    cancellation_status: str | None = None
    cancellation_target: Decimal | None = None
    valid_tracking_rate: Decimal | None = None
    valid_tracking_status: str | None = None
    valid_tracking_target: Decimal | None = None
    on_time_delivery_rate: Decimal | None = None
    on_time_delivery_status: str | None = None
    on_time_delivery_target: Decimal | None = None
    product_safety_defects: int | None = None
    product_safety_status: str | None = None
    intellectual_property_defects: int | None = None
    intellectual_property_status: str | None = None
    brand_protection_defects: int | None = None
    """Suspected intellectual-property violations (``AUTOMATED_BRAND_PROTECTION``)."""
    brand_protection_status: str | None = None
    authenticity_defects: int | None = None
    authenticity_status: str | None = None
    condition_defects: int | None = None
    condition_status: str | None = None
    restricted_products_defects: int | None = None
    restricted_products_status: str | None = None
    listing_policy_defects: int | None = None
    listing_policy_status: str | None = None
    review_abuse_defects: int | None = None
    review_abuse_status: str | None = None
    repeat_violations_defects: int | None = None
    repeat_violations_status: str | None = None


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
    "RegulatoryDefectCount": RegulatoryDefectCount,
    "AccountHealthSummary": AccountHealthSummary,
}
"""Record classes a section's `summary` block may name."""

ENUM_TYPES: dict[str, type[StrEnum]] = {
    cls.__name__: cls
    for cls in (
        CxHealth,
        FulfillmentChannel,
        ItemCondition,
        CaseStatus,
        CaseOpener,
        RegulatoryRequirement,
        IssueStatus,
        ApprovalStatus,
    )
}
"""Enums that selectors.yaml may name in `enum:` and map labels for."""


_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
"""A finite decimal number as :func:`scraper.serialize.to_jsonable` writes one."""


def _value_from_json(annotation: Any, value: Any) -> Any:
    """One field's value rebuilt from its JSON form (the inverse of :func:`scraper.serialize.to_jsonable`)."""
    options = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
    if value is None:
        if type(None) in options:
            return None
        raise ValueError(f"None is not a {annotation}")
    if isinstance(value, dict) and set(value) == {"unknown"} and Unknown in options:
        return Unknown(str(value["unknown"]))
    for option in options:
        if option is type(None) or option is Unknown:
            continue
        if typing.get_origin(option) is tuple:
            (item,) = {a for a in typing.get_args(option) if a is not Ellipsis}
            return tuple(_value_from_json(item, v) for v in value)
        if isinstance(option, type) and issubclass(option, StrEnum):
            if value in option.__members__.values():
                return option(value)
            if isinstance(value, str) and Unknown in options:
                # A label an earlier version stored that the enum no longer has: kept, as an unknown label is.
                return Unknown(value)
            continue
        if option is date and isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                continue
        if option is Decimal and isinstance(value, str):
            number = Decimal(value) if _DECIMAL.fullmatch(value.strip()) else None
            if number is not None:
                return number
            continue
        if option is bool:
            if isinstance(value, bool):
                return value
            continue
        if option is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if option is str and isinstance(value, str):
            return value
    raise ValueError(f"{value!r} is not a {annotation}")


def record_from_json(record_type: type[T], data: Mapping[str, Any]) -> T:
    """A typed record rebuilt from its stable JSON form (as golden files and the history store it).

    Fields missing from ``data`` take their defaults (a record stored before the field existed); fields the
    class computes itself (``Case.needs_attention``) are recomputed rather than read. Raises ``ValueError``
    where a value does not fit its field's type.
    """
    hints = typing.get_type_hints(record_type)
    values = {
        f.name: _value_from_json(hints[f.name], data[f.name])
        for f in dataclasses.fields(record_type)  # type: ignore[arg-type]
        if f.init and f.name in data
    }
    return record_type(**values)
