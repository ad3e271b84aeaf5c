"""Rules that turn records and their changes into findings: what needs the seller's action, how urgently.

Pure functions over the stable JSON form of records (as the history stores them). Events (a new
notification, new feedback, a case Amazon opened) come from the changes of this run; standing problems
(poor CX health, a case waiting for the seller, an open GPSR or compliance item) come from the current
records, so they are listed every run and alerted once, when they first appear.

Defaults (all can be changed in the configuration's ``findings:`` block, see :class:`FindingRules`):

- notifications: every new one is a warning, critical when it speaks of blocking, deactivation, removal
  or suspension (German or English words in ``critical_words``);
- voice_of_customer: Very poor, Poor or suppressed CX health (suppressed and Very poor critical), and any
  listing whose health got worse;
- case_log: cases waiting for the seller's reply; new cases opened by Amazon;
- regulatory_compliance: every open GPSR item (critical when due within ``due_soon_days``);
- compliance_requests: every open or rejected request (critical when due within ``due_soon_days``);
- feedback: new 1-2 star feedback is a warning, 3 stars info; tagged shipping / packaging / damage by
  keywords in the buyer's own words (never in Amazon's note); feedback Amazon struck through is info only;
  feedback on an order Amazon fulfilled is tagged so (its delivery problems are Amazon's to answer).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from scraper.diff import Change

SEVERITIES = ("info", "warning", "critical")
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
    record: dict[str, Any] = field(default_factory=dict, compare=False)


def _has(text: str | None, words: tuple[str, ...]) -> bool:
    folded = (text or "").casefold()
    return any(word.casefold() in folded for word in words)


def _label(key: str) -> str:
    return " / ".join(str(part) for part in json.loads(key) if part is not None)


def _due(record: dict[str, Any], rules: FindingRules, today: date) -> tuple[str, str]:
    due = record.get("due_date")
    if not due:
        return "warning", ""
    days = (date.fromisoformat(due) - today).days
    if days < 0:
        return "critical", f", overdue since {due}"
    if days <= rules.due_soon_days:
        return "critical", f", due {due} (in {days} days)"
    return "warning", f", due {due}"


def _notifications(
    current: dict[str, dict[str, Any]], changes: list[Change], rules: FindingRules, today: date
) -> list[Finding]:
    out = []
    for change in changes:
        if change.kind in {"new", "reappeared"}:
            subject = change.data.get("subject") or ""
            critical = _has(subject, rules.critical_words)
            out.append(
                Finding(
                    "notifications",
                    change.key,
                    "new_notification",
                    "critical" if critical else "warning",
                    f"new performance notification: {subject}",
                    ("blocking",) if critical else (),
                    change.data,
                )
            )
    return out


def _voc(current: dict[str, dict[str, Any]], changes: list[Change], rules: FindingRules, today: date) -> list[Finding]:
    out = []
    for key, record in current.items():
        health = record.get("cx_health")
        if isinstance(health, str) and health in {"VERY_POOR", "POOR", "SUPPRESSED"}:
            severity = "warning" if health == "POOR" else "critical"
            out.append(
                Finding(
                    "voice_of_customer",
                    key,
                    "cx_health_poor",
                    severity,
                    f"{_label(key)}: CX health {health.replace('_', ' ').lower()}"
                    + (f", top reason: {record['top_ncx_reason']}" if record.get("top_ncx_reason") else ""),
                    (),
                    record,
                )
            )
        elif isinstance(health, dict):
            out.append(
                Finding(
                    "voice_of_customer",
                    key,
                    "cx_health_unknown",
                    "warning",
                    f"{_label(key)}: CX health label not known to the tool: {health.get('unknown')}",
                    (),
                    record,
                )
            )
    for change in changes:
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
                    f"{_label(change.key)}: CX health worsened from {old} to {new}",
                    (),
                    change.data,
                )
            )
    return out


def _cases(
    current: dict[str, dict[str, Any]], changes: list[Change], rules: FindingRules, today: date
) -> list[Finding]:
    out = [
        Finding(
            "case_log",
            key,
            "case_needs_reply",
            "warning",
            f"case {record['case_id']} waits for your reply: {record.get('subject') or ''}",
            (),
            record,
        )
        for key, record in current.items()
        if record.get("needs_attention")
    ]
    out.extend(
        Finding(
            "case_log",
            c.key,
            "case_opened_by_amazon",
            "warning",
            f"Amazon opened case {c.data['case_id']}: {c.data.get('subject') or ''}",
            (),
            c.data,
        )
        for c in changes
        if c.kind in {"new", "reappeared"} and c.data.get("opened_by") == "AMAZON"
    )
    return out


def _regulatory(
    current: dict[str, dict[str, Any]], changes: list[Change], rules: FindingRules, today: date
) -> list[Finding]:
    out = []
    for key, record in current.items():
        if record.get("status") == "RESOLVED":
            continue
        severity, when = _due(record, rules, today)
        requirement = record.get("requirement")
        what = requirement if isinstance(requirement, str) else (requirement or {}).get("unknown")
        subject = " / ".join(str(record[k]) for k in ("brand", "asin", "sku") if record.get(k)) or _label(key)
        out.append(
            Finding(
                "regulatory_compliance",
                key,
                "gpsr_open",
                severity,
                f"GPSR: {str(what).replace('_', ' ').lower()} missing for {subject}{when}",
                (),
                record,
            )
        )
    return out


def _compliance(
    current: dict[str, dict[str, Any]], changes: list[Change], rules: FindingRules, today: date
) -> list[Finding]:
    out = []
    for key, record in current.items():
        if record.get("approval_status") in ("APPROVED", "UNDER_REVIEW"):  # a tuple: unknown labels are dicts
            continue
        severity, when = _due(record, rules, today)
        status = record.get("approval_status")
        # No status shown: the endpoint lists ACTIVE requests only, so the request is open.
        status_text = status if isinstance(status, str) else (status or {}).get("unknown") or "open"
        out.append(
            Finding(
                "compliance_requests",
                key,
                "compliance_request_open",
                severity,
                f"compliance request for {record.get('grain')} is {str(status_text).replace('_', ' ').lower()}: "
                f"{', '.join(record.get('requirements') or [])}{when}",
                (),
                record,
            )
        )
    return out


def _feedback(
    current: dict[str, dict[str, Any]], changes: list[Change], rules: FindingRules, today: date
) -> list[Finding]:
    out = []
    for change in changes:
        if change.kind not in {"new", "reappeared"}:
            continue
        record = change.data
        rating = record.get("rating") or 5
        if rating > rules.feedback_info_max_stars:
            continue
        severity = "warning" if rating <= rules.feedback_warning_max_stars else "info"
        # Only the buyer's words: Amazon's note ("...fulfilled by Amazon...") is kept apart in amazon_message.
        comment = record.get("comment") or ""
        tags = tuple(
            tag
            for tag, words in (
                ("shipping", rules.shipping_words),
                ("packaging", rules.packaging_words),
                ("damage", rules.damage_words),
            )
            if _has(comment, words)
        )
        if record.get("amazon_fulfilled"):
            tags = (*tags, "fulfilled by Amazon")
        if record.get("suppressed"):
            severity, tags = "info", (*tags, "suppressed by Amazon")
        out.append(
            Finding(
                "feedback",
                change.key,
                f"feedback_{rating}_stars",
                severity,
                f"{rating}-star feedback on order {record.get('order_id')}: {comment}",
                tags,
                record,
            )
        )
    return out


RULES: dict[str, Callable[[dict[str, dict[str, Any]], list[Change], FindingRules, date], list[Finding]]] = {
    "notifications": _notifications,
    "voice_of_customer": _voc,
    "case_log": _cases,
    "regulatory_compliance": _regulatory,
    "compliance_requests": _compliance,
    "feedback": _feedback,
}


def evaluate(
    section: str,
    current: dict[str, dict[str, Any]],
    changes: list[Change],
    rules: FindingRules | None = None,
    today: date | None = None,
) -> list[Finding]:
    """The findings of one section that was read, from its current records and this run's changes."""
    return RULES[section](current, changes, rules or FindingRules(), today or date.today())
