"""Rules that turn records and their changes into findings: what needs the seller's action, how urgently.

Pure functions over the typed records of :mod:`scraper.records` (the history's JSON form is rebuilt at the
store's edge, :func:`scraper.records.record_from_json`) and their changes (:class:`scraper.diff.RecordChange`).
Events (a new notification, new feedback, a case Amazon opened) come from the changes of this run; standing problems
(poor CX health, a case waiting for the seller, an open GPSR or compliance item) come from the current
records, so they are listed every run and alerted once, when they first appear.

Defaults (all can be changed in the configuration's ``findings:`` block, see :class:`FindingRules`):

- notifications: every new one is a warning, critical when it speaks of blocking, deactivation, removal
  or suspension (German or English words in ``critical_words``);
- voice_of_customer: Very poor, Poor or suppressed CX health (suppressed and Very poor critical), any
  listing whose health got worse; a listing Amazon counts as high-return-rate (critical: buyers may see a
  "frequently returned" badge) or warns is at risk of it (a warning before Amazon acts, tagged "early
  warning");
- case_log: cases waiting for the seller's answer (status NEEDS_ATTENTION, code PendingSellerAction); a
  status the tool does not know; new cases opened by Amazon, only where the page or body says who opened
  the case (the lobby's JSON was never seen to: there a case Amazon opens shows up as waiting for you);
- regulatory_compliance: every open GPSR item (warning while a submission is required, info while it is
  under review, critical when the action taken says the listing is already removed or blocked), and a
  submission that is required again after review;
- compliance_requests: every open or rejected request (critical when due within ``due_soon_days``);
- feedback: new 1-2 star feedback is a warning, 3 stars info; tagged shipping / packaging / damage by
  keywords in the buyer's own words (never in Amazon's note); feedback Amazon struck through is info only;
  feedback on an order Amazon fulfilled is tagged so (its delivery problems are Amazon's to answer).

The warnings that come before Amazon acts (rates above their category's band and rising, the negative
feedback share, due dates, cases waiting, Account Health statuses) are in :mod:`scraper.early_warning`;
:func:`evaluate` returns both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from scraper.diff import RecordChange
from scraper.records import (
    ApprovalStatus,
    Case,
    CaseOpener,
    ComplianceRequest,
    CxHealth,
    Feedback,
    IssueStatus,
    Notification,
    RegulatoryIssue,
    Unknown,
    VocListing,
)
from scraper.serialize import key_parts

SEVERITIES = ("info", "warning", "critical")
EARLY = "early warning"
"""The tag of every finding that comes before Amazon acts (the report's "Before Amazon acts" block)."""
HEALTH_ORDER = ["EXCELLENT", "GOOD", "FAIR", "POOR", "VERY_POOR", "SUPPRESSED"]


def severity_rank(severity: str) -> int:
    """0 for info, 1 warning, 2 critical."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class FindingRules:
    """Thresholds and keyword lists of the rules (configurable)."""

    critical_words: tuple[str, ...] = (
        "gesperrt",
        "sperrung",
        "deaktiv",
        "entfernt",
        "entfernung",
        "ausgesetzt",
        "aussetzung",
        "blockiert",
        "suspend",
        "deactivat",
        "removed",
        "removal",
        "blocked",
        "block",
    )
    shipping_words: tuple[str, ...] = (
        "versand",
        "lieferung",
        "zustellung",
        "verspätet",
        "zu spät",
        "nicht angekommen",
        "shipping",
        "delivery",
        "delivered",
        "late",
        "arrived",
        "never arrived",
        "courier",
    )
    packaging_words: tuple[str, ...] = ("verpackung", "karton", "paket", "packaging", "package", "box", "wrapped")
    damage_words: tuple[str, ...] = (
        "beschädigt",
        "kaputt",
        "zerbrochen",
        "ausgelaufen",
        "defekt",
        "damaged",
        "broken",
        "leaked",
        "crushed",
        "dented",
    )
    due_soon_days: int = 7
    """An open compliance request due within this many days is critical; the first early warning of a due date
    comes this many days before it."""
    due_final_days: int = 2
    """The second, critical early warning of a due date comes this many days before it."""
    voc_category_sds: int = 1
    """A Voice of the Customer rate counts as above its category at mean + this many standard deviations."""
    voc_rising_runs: int = 3
    """Warn when a listing's NCX rate rose in each of this many runs in a row (so from this many + 1 reads)."""
    feedback_negative_share_max: int = 5
    """Warn when 1-2 star feedback is more than this percent of the last 30 days' ratings."""
    feedback_negative_rise_points: int = 5
    """Warn when that share is more than this many percentage points above the 90 days' share."""
    feedback_min_ratings: int = 10
    """Judge the 30 days' share only from this many ratings on (with fewer, one rating moves it too far)."""
    case_reply_days: int = 2
    """Warn when a case has waited for the seller's answer for more than this many days."""
    feedback_warning_max_stars: int = 2
    feedback_info_max_stars: int = 3


@dataclass(frozen=True)
class Finding:
    """Something that needs the seller's attention."""

    section: str
    key: str
    rule: str
    severity: str
    message: str
    tags: tuple[str, ...] = ()
    record: Any = field(default=None, compare=False)
    """The record the finding is about: typed (``scraper.records``) from the findings rules; the JSON form from
    the early warnings that read the history's series; None for a finding about no single record."""
    detail: dict[str, Any] = field(default_factory=dict, compare=False)
    """The numbers behind an early warning (JSON-ready): ``urgency`` [group, value] that sorts the report's
    "Before Amazon acts" block, the rule's own numbers, and the ``link`` the history stores with it."""


def _has(text: str | None, words: tuple[str, ...]) -> bool:
    folded = (text or "").casefold()
    return any(word.casefold() in folded for word in words)


def _label(key: str) -> str:
    return " / ".join(str(part) for part in key_parts(key) if part is not None)


def _due(due: date | None, rules: FindingRules, today: date) -> tuple[str, str]:
    if due is None:
        return "warning", ""
    days = (due - today).days
    if days < 0:
        return "critical", f", overdue since {due}"
    if days <= rules.due_soon_days:
        return "critical", f", due {due} (in {days} days)"
    return "warning", f", due {due}"


def _notifications(
    current: Mapping[str, Notification], changes: Sequence[RecordChange], rules: FindingRules, today: date
) -> list[Finding]:
    out = []
    for change in changes:
        if change.kind in {"new", "reappeared"}:
            note: Notification = change.record
            subject = note.subject or ""
            critical = _has(subject, rules.critical_words)
            out.append(
                Finding(
                    "notifications",
                    change.key,
                    "new_notification",
                    "critical" if critical else "warning",
                    f"new performance notification: {subject}",
                    ("blocking",) if critical else (),
                    note,
                )
            )
    return out


POOR_HEALTH = {CxHealth.VERY_POOR, CxHealth.POOR, CxHealth.SUPPRESSED}


def _percent(value: Any) -> Decimal | None:
    """A percent value of a record's JSON form ("3.1"), None where absent or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _pct(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')).normalize():f} %"


def _reason(record: VocListing) -> str:
    reason = record.top_ncx_reason_label or record.top_ncx_reason
    if not reason:
        return ""
    share = record.top_ncx_reason_percent
    return f", top reason: {reason}" + (f" ({_pct(share)} of NCX returns)" if share is not None else "")


def _listing(key: str, record: VocListing) -> str:
    """ASIN / SKU (the merchant SKU where known, else the FNSKU) / condition other than new."""
    if not record.asin:
        return _label(key)
    condition = record.condition.raw if isinstance(record.condition, Unknown) else record.condition
    parts = [record.asin, record.sku or record.fnsku, None if condition == "NEW" else condition]
    return " / ".join(str(p) for p in parts if p)


def _voc(
    current: Mapping[str, VocListing], changes: Sequence[RecordChange], rules: FindingRules, today: date
) -> list[Finding]:
    out = []
    for key, record in current.items():
        health = record.cx_health
        if isinstance(health, CxHealth) and health in POOR_HEALTH:
            severity = "warning" if health == "POOR" else "critical"
            out.append(
                Finding(
                    "voice_of_customer",
                    key,
                    "cx_health_poor",
                    severity,
                    f"{_listing(key, record)}: CX health {health.replace('_', ' ').lower()}{_reason(record)}",
                    (),
                    record,
                )
            )
        elif isinstance(health, Unknown):
            out.append(
                Finding(
                    "voice_of_customer",
                    key,
                    "cx_health_unknown",
                    "warning",
                    f"{_listing(key, record)}: CX health label not known to the tool: {health.raw}",
                    (),
                    record,
                )
            )
        return_rate = record.return_rate
        returns = f" (NCX return rate {_pct(return_rate)})" if return_rate is not None else ""
        if record.high_return_rate is True:
            out.append(
                Finding(
                    "voice_of_customer",
                    key,
                    "high_return_rate",
                    "critical",
                    f"{_listing(key, record)}: Amazon counts this listing as frequently returned{returns}; "
                    f"buyers may see a return badge{_reason(record)}",
                    ("returns",),
                    record,
                )
            )
        elif record.at_risk_of_high_return_rate is True:
            out.append(
                Finding(
                    "voice_of_customer",
                    key,
                    "high_return_rate_risk",
                    "warning",
                    f"{_listing(key, record)}: at risk of a high-return-rate badge{returns}{_reason(record)}",
                    ("returns", EARLY),
                    record,
                    {
                        "urgency": [1, 0],
                        "when": "Amazon's flag",
                        "return_rate": str(return_rate) if return_rate is not None else None,
                    },
                )
            )
    for change in changes:
        # The values as stored: an unknown label ({"unknown": ...}) is in no order and compares to none.
        old, new = change.fields.get("cx_health", (None, None))
        if (
            change.kind == "changed"
            and old in HEALTH_ORDER
            and new in HEALTH_ORDER
            and HEALTH_ORDER.index(new) > HEALTH_ORDER.index(old)
        ):
            out.append(
                Finding(
                    "voice_of_customer",
                    change.key,
                    "cx_health_worsened",
                    "warning",
                    f"{_listing(change.key, change.record)}: CX health worsened from {old} to {new}",
                    (),
                    change.record,
                )
            )
    return out


def _cases(
    current: Mapping[str, Case], changes: Sequence[RecordChange], rules: FindingRules, today: date
) -> list[Finding]:
    """Cases that wait for the seller, cases in a status the tool cannot judge, and new cases Amazon opened.

    "Waits for you" follows the status alone (NEEDS_ATTENTION; ``Case.needs_attention`` is derived from it).
    Who opened a case is known only where the page or body shows it (``opened_by``); the lobby's
    JSON was never seen to carry it, so there the rule for Amazon's new cases stays silent and a case an
    Amazon team opens to ask for something reaches the seller as "waits for your answer" instead.
    """
    out = []
    for key, case in current.items():
        if case.needs_attention:
            out.append(
                Finding(
                    "case_log",
                    key,
                    "case_needs_reply",
                    "warning",
                    f"case {case.case_id} waits for your answer: {case.subject or ''}",
                    (),
                    case,
                )
            )
        elif isinstance(case.status, Unknown):
            out.append(
                Finding(
                    "case_log",
                    key,
                    "case_status_unknown",
                    "warning",
                    f"case {case.case_id} has a status the tool does not know ({case.status.raw}): "
                    f"check whether it waits for you: {case.subject or ''}",
                    (),
                    case,
                )
            )
    out.extend(
        Finding(
            "case_log",
            c.key,
            "case_opened_by_amazon",
            "warning",
            f"Amazon opened case {c.record.case_id}: {c.record.subject or ''}",
            (),
            c.record,
        )
        for c in changes
        if c.kind in {"new", "reappeared"} and c.record.opened_by == CaseOpener.AMAZON
    )
    return out


_AT_RISK_WORDS = ("risk", "gefahr", "gefährdet", "droht")
"""Words that make an "Action Taken" a threat rather than a done deed ("Listing at risk of removal")."""


def _regulatory(
    current: Mapping[str, RegulatoryIssue], changes: Sequence[RecordChange], rules: FindingRules, today: date
) -> list[Finding]:
    out = []
    for key, issue in current.items():
        what = issue.reason.raw if isinstance(issue.reason, Unknown) else issue.reason.replace("_", " ").lower()
        products = ", ".join(issue.asins) or _label(key)
        status = issue.status
        if status == IssueStatus.UNDER_REVIEW:
            severity, state = "info", "submitted, under review"
        elif isinstance(status, Unknown):
            severity, state = "warning", f"next steps: {status.raw}"
        else:  # SUBMISSION_REQUIRED, or no next steps shown
            severity, state = "warning", "submission required"
        action = issue.action_taken or ""
        if _has(action, rules.critical_words) and not _has(action, _AT_RISK_WORDS):
            severity = "critical"  # the listing is already removed or blocked, not merely at risk
        out.append(
            Finding(
                "regulatory_compliance",
                key,
                "gpsr_open",
                severity,
                f"GPSR {what} for {products}: {state}" + (f" ({action})" if action else ""),
                (),
                issue,
            )
        )
    out.extend(
        Finding(
            "regulatory_compliance",
            c.key,
            "gpsr_submission_not_accepted",
            "warning",
            f"GPSR submission for {', '.join(c.record.asins) or _label(c.key)} is required again "
            "after review: Amazon did not accept it",
            (),
            c.record,
        )
        for c in changes
        if c.kind == "changed" and c.fields.get("status") == (IssueStatus.UNDER_REVIEW, IssueStatus.SUBMISSION_REQUIRED)
    )
    return out


def _compliance(
    current: Mapping[str, ComplianceRequest], changes: Sequence[RecordChange], rules: FindingRules, today: date
) -> list[Finding]:
    out = []
    for key, request in current.items():
        status = request.approval_status
        if status in (ApprovalStatus.APPROVED, ApprovalStatus.UNDER_REVIEW):
            continue
        severity, when = _due(request.due_date, rules, today)
        # No status shown: the endpoint lists ACTIVE requests only, so the request is open.
        status_text = (status.raw if isinstance(status, Unknown) else status) or "open"
        out.append(
            Finding(
                "compliance_requests",
                key,
                "compliance_request_open",
                severity,
                f"compliance request for {request.grain} is {status_text.replace('_', ' ').lower()}: "
                f"{', '.join(request.requirements)}{when}",
                (),
                request,
            )
        )
    return out


def _feedback(
    current: Mapping[str, Feedback], changes: Sequence[RecordChange], rules: FindingRules, today: date
) -> list[Finding]:
    out = []
    for change in changes:
        if change.kind not in {"new", "reappeared"}:
            continue
        record: Feedback = change.record
        rating = record.rating
        if rating > rules.feedback_info_max_stars:
            continue
        severity = "warning" if rating <= rules.feedback_warning_max_stars else "info"
        # Only the buyer's words: Amazon's note ("...fulfilled by Amazon...") is kept apart in amazon_message.
        comment = record.comment or ""
        tags = tuple(
            tag
            for tag, words in (
                ("shipping", rules.shipping_words),
                ("packaging", rules.packaging_words),
                ("damage", rules.damage_words),
            )
            if _has(comment, words)
        )
        if record.amazon_fulfilled:
            tags = (*tags, "fulfilled by Amazon")
        if record.suppressed:
            severity, tags = "info", (*tags, "suppressed by Amazon")
        out.append(
            Finding(
                "feedback",
                change.key,
                f"feedback_{rating}_stars",
                severity,
                f"{rating}-star feedback on order {record.order_id}: {comment}",
                tags,
                record,
            )
        )
    return out


RULES: dict[str, Callable[[Any, Sequence[RecordChange], FindingRules, date], list[Finding]]] = {
    "notifications": _notifications,
    "voice_of_customer": _voc,
    "case_log": _cases,
    "regulatory_compliance": _regulatory,
    "compliance_requests": _compliance,
    "feedback": _feedback,
}


def evaluate(
    section: str,
    current: Mapping[str, Any],
    changes: Sequence[RecordChange],
    rules: FindingRules | None = None,
    today: date | None = None,
    history: Any = None,
) -> list[Finding]:
    """The findings of one section that was read, from its current records and this run's changes.

    ``current`` maps each record's key to the typed record (the section's class in ``scraper.records``);
    ``changes`` are typed the same way (:func:`scraper.diff.typed_change`).

    ``history`` (a :class:`scraper.early_warning.SectionHistory`) adds what the early warnings need beyond this
    read: each record's earlier reads, Amazon's counts, the summary before. Without it, the warnings that need
    a series (trends, how long a case has waited, a summary's changes) stay silent.
    """
    from scraper.early_warning import early_warnings  # it builds on this module's Finding and rules

    rules, today = rules or FindingRules(), today or date.today()
    return RULES[section](current, changes, rules, today) + early_warnings(section, current, rules, today, history)
