"""Early warnings: findings that come before Amazon acts, from Amazon's own numbers and the history's series.

Pure functions, like :mod:`scraper.findings`, which calls :func:`early_warnings` for every section read. What a
rule needs beyond the current records comes in a :class:`SectionHistory` (the record as each earlier read saw
it, Amazon's counts of this read, the summary before); without one, the rules that need it stay silent.

Every threshold is a field of :class:`~scraper.findings.FindingRules` (the configuration's ``findings:``
block); the defaults are our choice, not Amazon's:

- voice_of_customer: an NCX (or NCX return) rate above its category's mean + ``voc_category_sds`` (1) standard
  deviations while the listing's CX health is still fair or better, with how many standard deviations and
  the rates of the last reads; an NCX rate that rose in each of the last ``voc_rising_runs`` (3) reads (four
  reads, three rises). Amazon's own "at risk of a high return rate" flag is in scraper/findings.py.
- feedback: 1-2 star feedback above ``feedback_negative_share_max`` (5) percent of the last 30 days' ratings,
  or more than ``feedback_negative_rise_points`` (5) points above the 90 days' share, judged from
  ``feedback_min_ratings`` (10) ratings on. Amazon's counts (Feedback Manager's aggregates) where the page
  sent them, else the feedback read (struck-through entries left out, as Amazon leaves them out).
- compliance_requests, regulatory_compliance: ``due_soon_days`` (7) and ``due_final_days`` (2) days before a
  due date, and once it has passed. A regulatory issue has no due date of its own: its page's date
  (``impactDate``) counts as the day Amazon acts where it lies ahead (inferred from the name), and as passed
  only where the history first saw it ahead.
- case_log: a case waiting for the seller's answer for more than ``case_reply_days`` (2) days, counted from
  its last change where the page shows one, else from the first read that saw it waiting.
- Account Health (the summary read with regulatory_compliance): every metric Amazon rates BAD, every change
  of a metric's or the account's status, and the account status itself.

Each finding carries ``detail["urgency"]`` = [group, value], sorted ascending: group 0 is about a date (days
left, negative once passed; Amazon's verdicts are "now", 0), group 1 a distance past a threshold (negated, so
the farthest comes first), group 2 a trend.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

from scraper.findings import (
    EARLY,
    POOR_HEALTH,
    Finding,
    FindingRules,
    _has,
    _label,
    _listing,
    _pct,
    _percent,
    _reason,
)
from scraper.records import (
    ApprovalStatus,
    Case,
    CaseStatus,
    ComplianceRequest,
    CxHealth,
    Feedback,
    IssueStatus,
    RegulatoryIssue,
    Unknown,
    VocListing,
)
from scraper.serialize import key_text
from scraper.store import Reading


@dataclass(frozen=True)
class SectionHistory:
    """What the early warnings of one section read need beyond its current records."""

    readings: Mapping[str, Sequence[Reading]] = field(default_factory=dict)
    """Per record key: the record as each read that applied records saw it, oldest first, this read last."""
    amazon: Mapping[str, int] = field(default_factory=dict)
    """Amazon's numbers of this read, by counter name (selectors.yaml ``counters``)."""
    summary: Mapping[str, Any] | None = None
    """This read's summary record (JSON form): the Account Health summary for regulatory_compliance."""
    previous_summary: Mapping[str, Any] | None = None
    """The summary of the section's previous read that had one."""


def _key(*parts: str) -> str:
    """A finding key in the records' JSON key form, for findings about no single record."""
    return key_text(parts)


def _num(value: Decimal | float, places: str = "0.1") -> str:
    """A number rounded for a person: 1.3, 12.5, 4 (no trailing zeros)."""
    number = Decimal(str(value)).quantize(Decimal(places)).normalize()
    return f"{number:f}"


def _trend(values: Sequence[Decimal | None]) -> str:
    """'2.4 % → 2.8 % → 3.1 %' (a read without the rate shows as '?')."""
    return " → ".join(_pct(v) if v is not None else "?" for v in values)


def _rising(values: Sequence[Decimal | None], runs: int) -> list[Decimal] | None:
    """The last ``runs`` + 1 values where each is above the one before (a missing value breaks the run)."""
    last = list(values[-(runs + 1) :])
    if runs <= 0 or len(last) != runs + 1:
        return None
    known = [v for v in last if v is not None]
    if len(known) != len(last) or any(b <= a for a, b in pairwise(known)):
        return None
    return known


# --- Voice of the Customer ------------------------------------------------------------------------------------

_CATEGORY_RULES = (
    ("ncx_rate_above_category", "NCX rate", "ncx_rate", "category_ncx_rate_mean", "category_ncx_rate_sd"),
    (
        "return_rate_above_category",
        "NCX return rate",
        "return_rate",
        "category_return_rate_mean",
        "category_return_rate_sd",
    ),
)


def _series(readings: Sequence[Reading], name: str) -> list[Decimal | None]:
    return [_percent(r.data.get(name)) for r in readings]


def _voc(current: Mapping[str, VocListing], rules: FindingRules, today: date, ctx: SectionHistory) -> list[Finding]:
    out = []
    k = rules.voc_category_sds
    for key, record in current.items():
        health = record.cx_health
        readings = ctx.readings.get(key, ())
        listing = _listing(key, record)
        if health not in POOR_HEALTH:  # a rated listing has its finding already
            for rule, what, rate_field, mean_field, sd_field in _CATEGORY_RULES:
                flagged = record.high_return_rate is True or record.at_risk_of_high_return_rate is True
                if rule == "return_rate_above_category" and flagged:
                    continue  # Amazon's own return warning says it already
                rate, mean, sd = (_percent(getattr(record, f)) for f in (rate_field, mean_field, sd_field))
                # A mean of 0 is Amazon's "no benchmark yet" (seen with "Insufficient Data"); too little feedback
                # makes any rate noise.
                if rate is None or mean is None or sd is None or mean <= 0 or record.insufficient_feedback:
                    continue
                threshold = mean + k * sd
                if rate <= threshold:
                    continue
                sds = (rate - mean) / sd if sd > 0 else None
                above = f"{_num(sds)} standard deviations above" if sds is not None else "above"
                still = f" while its CX health is still {health.lower()}" if isinstance(health, CxHealth) else ""
                trend = _series(readings[-(rules.voc_rising_runs + 1) :], rate_field)
                last = f"; last {len(trend)} reads: {_trend(trend)}" if len(trend) > 1 else ""
                out.append(
                    Finding(
                        "voice_of_customer",
                        key,
                        rule,
                        "warning",
                        f"{listing}: {what} {_pct(rate)} is {above} similar offers (mean {_pct(mean)}, SD {_pct(sd)}; "
                        f"warning from {_pct(threshold)}){still}{_reason(record)}{last}",
                        (EARLY,),
                        record,
                        {
                            "urgency": [1, -float(round(sds - k, 3)) if sds is not None else 0.0],
                            "rate": str(rate),
                            "mean": str(mean),
                            "sd": str(sd),
                            "sds": _num(sds, "0.01") if sds is not None else None,
                            "threshold": str(threshold),
                            "trend": [str(v) if v is not None else None for v in trend],
                        },
                    )
                )
        rates = _rising(_series(readings, "ncx_rate"), rules.voc_rising_runs)
        if rates:
            mean, sd = record.category_ncx_rate_mean, record.category_ncx_rate_sd
            band = (
                f" (similar offers: mean {_pct(mean)}, warning from {_pct(mean + k * sd)})"
                if mean is not None and sd is not None and mean > 0
                else ""
            )
            out.append(
                Finding(
                    "voice_of_customer",
                    key,
                    "ncx_rate_rising",
                    "warning",
                    f"{listing}: NCX rate rose in each of the last {rules.voc_rising_runs} reads: "
                    f"{_trend(rates)}{band}",
                    (EARLY,),
                    record,
                    {"urgency": [2, -float(rates[-1] - rates[0])], "trend": [str(v) for v in rates]},
                )
            )
    return out


# --- Feedback -------------------------------------------------------------------------------------------------


def amazon_negative(amazon: Mapping[str, int], days: int) -> tuple[int, int] | None:
    """(1-2 star ratings, all ratings) of Amazon's aggregates for a period, where it sent all three numbers."""
    names = (f"1_star_ratings_{days}_days", f"2_star_ratings_{days}_days", f"ratings_{days}_days")
    if not all(n in amazon for n in names):
        return None
    return amazon[names[0]] + amazon[names[1]], amazon[names[2]]


def read_negative(current: Mapping[str, Feedback], today: date, days: int) -> tuple[int, int]:
    """(1-2 star entries, entries) of the last ``days`` days in the feedback read, struck-through ones left out."""
    negative = total = 0
    for record in current.values():
        if record.suppressed is True:
            continue
        if 0 <= (today - record.date).days < days:
            total += 1
            negative += record.rating <= 2
    return negative, total


def _feedback(current: Mapping[str, Feedback], rules: FindingRules, today: date, ctx: SectionHistory) -> list[Finding]:
    recent, longer = amazon_negative(ctx.amazon, 30), amazon_negative(ctx.amazon, 90)
    source = "Amazon's counts"
    if recent is None:
        recent, longer = read_negative(current, today, 30), read_negative(current, today, 90)
        source = "the feedback read"
    negative, total = recent
    if total < max(rules.feedback_min_ratings, 1):
        return []
    share = Decimal(negative) * 100 / total
    base = Decimal(longer[0]) * 100 / longer[1] if longer is not None and longer[1] else None
    then = f"; 90 days: {_num(base)} % ({longer[0]} of {longer[1]})" if base is not None and longer else ""
    detail: dict[str, Any] = {
        "share_30": _num(share, "0.01"),
        "negative_30": negative,
        "ratings_30": total,
        "share_90": _num(base, "0.01") if base is not None else None,
        "source": source,
    }
    out = []
    key = _key("negative feedback, last 30 days")
    if share > rules.feedback_negative_share_max:
        out.append(
            Finding(
                "feedback",
                key,
                "feedback_negative_share",
                "warning",
                f"negative feedback (1-2 stars) is {_num(share)} % of the last 30 days' ratings ({negative} of "
                f"{total}; warning above {rules.feedback_negative_share_max} %){then}; from {source}",
                (EARLY,),
                {},
                {**detail, "urgency": [1, -float(share - rules.feedback_negative_share_max)]},
            )
        )
    if base is not None and share - base > rules.feedback_negative_rise_points:
        out.append(
            Finding(
                "feedback",
                key,
                "feedback_negative_rise",
                "warning",
                f"negative feedback (1-2 stars) rose to {_num(share)} % of the last 30 days' ratings ({negative} of "
                f"{total}) from {_num(base)} % over 90 days: up {_num(share - base)} points (warning above "
                f"{rules.feedback_negative_rise_points}); from {source}",
                (EARLY,),
                {},
                {**detail, "urgency": [1, -float(share - base - rules.feedback_negative_rise_points)]},
            )
        )
    return out


# --- due dates: compliance requests and regulatory issues -------------------------------------------------------


def _days(n: int) -> str:
    return f"{n} day" + ("s" if n != 1 else "")


def _due_finding(
    section: str,
    key: str,
    record: Any,
    due: date,
    what: str,
    rules: FindingRules,
    today: date,
    inferred: bool = False,
) -> Finding | None:
    """due_soon (warning), due_final (critical) or overdue (critical); None while the date is farther away.

    ``inferred``: the date is not called a due date on the page (a regulatory issue's date), so the message
    says what it is taken for."""
    days = (due - today).days
    if days > rules.due_soon_days:
        return None
    if days < 0:
        rule, severity = "overdue", "critical"
        when = f"passed {_days(-days)} ago" if inferred else f"was due {due} ({_days(-days)} ago)"
    else:
        rule, severity = ("due_final", "critical") if days <= rules.due_final_days else ("due_soon", "warning")
        left = "today" if days == 0 else f"in {_days(days)}"
        when = f"is {left}" if inferred else f"is due {due} ({left})"
    if inferred:
        text = f"{what}: Amazon's date {due} {when} (the page's date, taken as the day Amazon acts)"
    else:
        text = f"{what} {when}"
    return Finding(section, key, rule, severity, text, (EARLY,), record, {"urgency": [0, days], "due": str(due)})


def _compliance_due(
    current: Mapping[str, ComplianceRequest], rules: FindingRules, today: date, ctx: SectionHistory
) -> list[Finding]:
    out = []
    for key, record in current.items():
        if record.approval_status in (ApprovalStatus.APPROVED, ApprovalStatus.UNDER_REVIEW) or record.due_date is None:
            continue  # approved or with Amazon: nothing is due from the seller
        needed = ", ".join(record.requirements) or "documents"
        title = f" ({record.title})" if record.title else ""
        what = f"compliance request for {record.grain}{title}: {needed}"
        found = _due_finding("compliance_requests", key, record, record.due_date, what, rules, today)
        if found is not None:
            out.append(found)
    return out


def _regulatory_due(
    current: Mapping[str, RegulatoryIssue], rules: FindingRules, today: date, ctx: SectionHistory
) -> list[Finding]:
    out = []
    for key, record in current.items():
        if record.status == IssueStatus.UNDER_REVIEW or record.date is None:
            continue
        day = record.date
        readings = ctx.readings.get(key, ())
        first_seen = readings[0].day if readings else None
        if day < today and (first_seen is None or first_seen >= day):
            continue  # a date already past when the history first saw it is when the issue was raised, not a deadline
        reason = record.reason
        what_reason = reason.raw if isinstance(reason, Unknown) else reason.replace("_", " ").lower()
        products = ", ".join(record.asins) or _label(key)
        action = f" ({record.action_taken})" if record.action_taken else ""
        what = f"GPSR {what_reason} for {products}{action}"
        found = _due_finding("regulatory_compliance", key, record, day, what, rules, today, inferred=True)
        if found is not None:
            out.append(found)
    return out


# --- cases ----------------------------------------------------------------------------------------------------


def _waiting_since(record: Case, readings: Sequence[Reading]) -> tuple[date, bool] | None:
    """When the case started to wait for the seller: its last change where shown, else the first read of the
    trailing run of reads that saw it waiting (True: from the history, so "at least")."""
    if record.last_updated is not None:
        return record.last_updated, False
    since = None
    for reading in readings:
        waiting = reading.data.get("status") == "NEEDS_ATTENTION"
        since = (since or reading.day) if waiting else None
    return (since, True) if since is not None else None


def _cases(current: Mapping[str, Case], rules: FindingRules, today: date, ctx: SectionHistory) -> list[Finding]:
    out = []
    for key, record in current.items():
        if record.status != CaseStatus.NEEDS_ATTENTION:
            continue
        started = _waiting_since(record, ctx.readings.get(key, ()))
        if started is None:
            continue
        since, from_history = started
        days = (today - since).days
        if days <= rules.case_reply_days:
            continue
        seen = f"waiting since at least {since}, when it was first read so" if from_history else f"last change {since}"
        out.append(
            Finding(
                "case_log",
                key,
                "case_waiting",
                "warning",
                f"case {record.case_id} has waited {days} days for your answer ({seen}; warning after "
                f"{rules.case_reply_days}): {record.subject or ''}",
                (EARLY,),
                record,
                {"urgency": [0, rules.case_reply_days - days], "waiting_days": days, "since": str(since)},
            )
        )
    return out


# --- Account Health -------------------------------------------------------------------------------------------

RATE_METRICS: tuple[tuple[str, str, str], ...] = (
    ("odr_afn", "order defect rate (Amazon-fulfilled)", "under"),
    ("odr_mfn", "order defect rate (seller-fulfilled)", "under"),
    ("late_shipment", "late shipment rate", "under"),
    ("cancellation", "pre-fulfilment cancellation rate", "under"),
    ("valid_tracking", "valid tracking rate", "over"),
    ("on_time_delivery", "on-time delivery rate", "over"),
)
"""The Account Health summary's performance metrics: field prefix, name, and which side of the target is good."""

POLICY_METRICS: tuple[tuple[str, str], ...] = (
    ("product_safety", "product safety"),
    ("intellectual_property", "intellectual property complaints"),
    ("brand_protection", "suspected intellectual property violations"),
    ("authenticity", "product authenticity complaints"),
    ("condition", "product condition complaints"),
    ("restricted_products", "restricted products"),
    ("listing_policy", "listing policy"),
    ("review_abuse", "customer product reviews policy"),
    ("repeat_violations", "repeat policy violations"),
)
"""The summary's policy areas (field prefix, name); regulatory compliance has its own findings per issue."""


def metric_text(summary: Mapping[str, Any], prefix: str) -> str:
    """A metric's numbers in words: '1.25 % (target under 1 %)', or '2 violations' for a policy area."""
    if f"{prefix}_defects" in summary:
        count = summary.get(f"{prefix}_defects")
        return "" if count is None else f"{count} violation{'s' if count != 1 else ''}"
    direction = next((d for p, _, d in RATE_METRICS if p == prefix), "under")
    rate, target = _percent(summary.get(f"{prefix}_rate")), _percent(summary.get(f"{prefix}_target"))
    text = _pct(rate) if rate is not None else "no orders counted"
    return text + (f" (target {direction} {_pct(target)})" if target is not None else "")


_STATUS_NAMES = {"account_status": "account status", "ahr_status": "Account Health Rating status"}


def _account_health(rules: FindingRules, ctx: SectionHistory) -> list[Finding]:
    now, before = ctx.summary, ctx.previous_summary
    if not now:
        return []
    out = []
    place = {"place": "account_health", "urgency": [0, 0]}
    names = {p: n for p, n, _ in RATE_METRICS} | dict(POLICY_METRICS)
    for prefix, name in names.items():
        status = now.get(f"{prefix}_status")
        if status == "BAD":
            out.append(
                Finding(
                    "regulatory_compliance",
                    _key("account health", prefix),
                    "account_metric_bad",
                    "warning",
                    f"Account Health: Amazon rates the {name} BAD: {metric_text(now, prefix)}",
                    (EARLY,),
                    {},
                    dict(place),
                )
            )
    if before:
        fields = [*_STATUS_NAMES, *(f"{p}_status" for p in names)]
        for name in fields:
            old, new = before.get(name), now.get(name)
            if old is None or new is None or old == new:
                continue
            prefix = name.removesuffix("_status")
            what = _STATUS_NAMES.get(name) or names[prefix]
            numbers = "" if name in _STATUS_NAMES else f": {metric_text(now, prefix)}"
            severity = "warning" if name in _STATUS_NAMES or new == "BAD" else "info"
            out.append(
                Finding(
                    "regulatory_compliance",
                    _key("account health", name),
                    "account_health_changed",
                    severity,
                    f"Account Health: the {what} changed from {old} to {new}{numbers}",
                    (EARLY,),
                    {},
                    dict(place),
                )
            )
    status, score, ahr = now.get("account_status"), now.get("ahr_score"), now.get("ahr_status")
    if status is not None or score is not None or ahr is not None:
        words = " ".join(str(w) for w in (status, ahr) if w)
        folded = words.casefold()
        severity = (
            "critical"
            if _has(words, rules.critical_words)
            else "warning"
            if "risk" in folded or "unhealthy" in folded or "gefährdet" in folded
            else "info"
        )
        rating = f"Account Health Rating {score}" if score is not None else "Account Health Rating not sent"
        out.append(
            Finding(
                "regulatory_compliance",
                _key("account status"),
                "account_status",
                severity,
                f"Account Health: account status {status or 'not sent'}; {rating}" + (f" ({ahr})" if ahr else ""),
                (EARLY,),
                {},
                dict(place),
            )
        )
    return out


def _regulatory(
    current: Mapping[str, RegulatoryIssue], rules: FindingRules, today: date, ctx: SectionHistory
) -> list[Finding]:
    return _regulatory_due(current, rules, today, ctx) + _account_health(rules, ctx)


def _none(current: Mapping[str, Any], rules: FindingRules, today: date, ctx: SectionHistory) -> list[Finding]:
    return []


RULES: dict[str, Callable[[Any, FindingRules, date, SectionHistory], list[Finding]]] = {
    "notifications": _none,
    "voice_of_customer": _voc,
    "case_log": _cases,
    "regulatory_compliance": _regulatory,
    "compliance_requests": _compliance_due,
    "feedback": _feedback,
}


def early_warnings(
    section: str,
    current: Mapping[str, Any],
    rules: FindingRules,
    today: date,
    history: SectionHistory | None = None,
) -> list[Finding]:
    """The early warnings of one section read (see the module's docstring); ``current`` holds the typed records
    (``scraper.records``) by key, as :func:`scraper.findings.evaluate` gets them."""
    return RULES[section](current, rules, today, history or SectionHistory())
