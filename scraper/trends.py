"""What the report shows before Amazon acts: the early warnings in order of urgency, the Account Health headline
numbers, and the series behind the trend charts (NCX per listing against its category band, feedback's
negative share), all read from the history as plain data.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from scraper.early_warning import POLICY_METRICS, RATE_METRICS, amazon_negative, metric_text, read_negative
from scraper.findings import EARLY, FindingRules, _percent, severity_rank
from scraper.names import finding_place, marketplace_name, place_title, record_title
from scraper.records import Feedback, record_from_json
from scraper.spec import Spec
from scraper.store import History

MAX_LISTING_CHARTS = 40
"""NCX charts per marketplace: the listings with an early warning first, then the nearest to their threshold."""
MAX_READS = 60
"""Reads per chart (the latest)."""


def when_text(urgency: list[Any] | None, detail: dict[str, Any] | None = None) -> str:
    """The urgency of an early warning in words: "in 3 days", "2 days overdue", "waiting 5 days", "now", "past its
    threshold", "trend"."""
    if not urgency:
        return ""
    if (detail or {}).get("when"):
        return str(detail["when"])  # type: ignore[index]
    if (detail or {}).get("waiting_days") is not None:
        return f"waiting {detail['waiting_days']} days"  # type: ignore[index]
    group, value = urgency[0], urgency[1]
    if group == 0:
        days = int(value)
        if days > 0:
            return f"in {days} day{'s' if days != 1 else ''}"
        return "now" if days == 0 else f"{-days} day{'s' if days != -1 else ''} overdue"
    return "past its threshold" if group == 1 else "trend"


def early_warnings(findings: list[dict[str, Any]], spec: Spec | None) -> list[dict[str, Any]]:
    """The findings for the "Before Amazon acts" block: early warnings of warning or critical severity, most urgent
    first (by days to a date, then by distance past a threshold, then trends; critical before warning)."""
    out = []
    for f in findings:
        detail = f.get("detail") or {}
        if EARLY not in f["tags"] or severity_rank(f["severity"]) < severity_rank("warning"):
            continue
        urgency = detail.get("urgency") or [3, 0]
        link = detail.get("link")
        out.append(
            {
                **f,
                "when": when_text(urgency, detail),
                "urgency": urgency,
                "link": link if isinstance(link, str) and link.startswith(("https://", "http://", "/")) else None,
            }
        )
    out.sort(key=lambda f: (f["urgency"][0], f["urgency"][1], -severity_rank(f["severity"])))
    return out


def headlines(history: History, account: str, spec: Spec | None) -> list[dict[str, Any]]:
    """Per marketplace: the Account Health summary's headline numbers of its latest read that had one."""
    rows = history.latest_summaries(account, "regulatory_compliance")
    out = []
    for row in rows:
        summary = json.loads(row["summary"]) or {}
        lines = []
        missing = []
        status, score, ahr = summary.get("account_status"), summary.get("ahr_score"), summary.get("ahr_status")
        if status is not None:
            lines.append({"name": "account status", "value": status, "status": ""})
        if score is not None or ahr is not None:
            rating = "" if score is None else str(score)
            lines.append({"name": "Account Health Rating", "value": rating, "status": ahr or ""})
        if status is None:
            missing.append("account status")
        if score is None and ahr is None:
            missing.append("Account Health Rating")
        for prefix, name, _ in RATE_METRICS:
            if summary.get(f"{prefix}_status") is None and summary.get(f"{prefix}_rate") is None:
                continue
            verdict = summary.get(f"{prefix}_status") or ""
            lines.append({"name": name, "value": metric_text(summary, prefix), "status": verdict})
        areas = [
            ("defect_count", "defect_status", "regulatory compliance"),
            *((f"{p}_defects", f"{p}_status", n) for p, n in POLICY_METRICS),
        ]
        for count_field, status_field, name in areas:
            count, verdict = summary.get(count_field), summary.get(status_field)
            if count is None and verdict is None:
                continue
            value = "" if count is None else f"{count} violation{'s' if count != 1 else ''}"
            lines.append({"name": name, "value": value, "status": verdict or ""})
        out.append(
            {
                "marketplace": row["marketplace"],
                "marketplace_name": marketplace_name(spec, row["marketplace"]),
                "read_at": row["read_at"],
                "lines": lines,
                "missing": missing,
            }
        )
    return out


def _float(value: Any) -> float | None:
    number = _percent(value)
    return float(number) if number is not None else None


def ncx_series(
    history: History, account: str, spec: Spec | None, rules: FindingRules, warned: set[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Per marketplace and listing: its NCX rate at each read with the category band (mean to mean + k SD).

    ``warned``: (marketplace, key) of the listings with an early warning now; they come first, then the
    listings nearest to (or farthest past) their threshold; at most :data:`MAX_LISTING_CHARTS` a marketplace.
    """
    markets = history.applied_marketplaces(account, "voice_of_customer")
    out = []
    for market in markets:
        charts: list[dict[str, Any]] = []
        for key, readings in history.record_readings(account, market, "voice_of_customer").items():
            points: list[dict[str, Any]] = []
            for reading in readings[-MAX_READS:]:
                data = reading.data
                mean, sd = _percent(data.get("category_ncx_rate_mean")), _percent(data.get("category_ncx_rate_sd"))
                band = mean is not None and sd is not None and mean > 0
                points.append(
                    {
                        "day": reading.day.isoformat(),
                        "rate": _float(data.get("ncx_rate")),
                        "mean": float(mean) if band and mean is not None else None,
                        "threshold": float(mean + rules.voc_category_sds * sd)  # type: ignore[operator]
                        if band
                        else None,
                    }
                )
            if not any(p["rate"] is not None for p in points):
                continue
            last = points[-1]
            gap = (last["rate"] - last["threshold"]) if last["rate"] is not None and last["threshold"] else None
            charts.append(
                {
                    "key": key,
                    "title": record_title("voice_of_customer", readings[-1].data, key),
                    "points": points,
                    "warned": (market, key) in warned,
                    "gap": gap,
                }
            )
        charts.sort(key=lambda c: (not c["warned"], -(c["gap"] if c["gap"] is not None else -1e9)))
        out.append(
            {
                "marketplace": market,
                "marketplace_name": marketplace_name(spec, market),
                "listings": charts[:MAX_LISTING_CHARTS],
                "more": max(len(charts) - MAX_LISTING_CHARTS, 0),
                "k": rules.voc_category_sds,
            }
        )
    return out


def _share(counts: tuple[int, int] | None) -> float | None:
    if counts is None or not counts[1]:
        return None
    return float(Decimal(counts[0]) * 100 / counts[1])


def _feedback_record(data: Any) -> Feedback | None:
    """A stored feedback record typed, as the early warnings read it; None where what is stored does not fit the
    record (a partial record an earlier version kept: the series counts entries with a day and stars only, as
    before the records were typed)."""
    try:
        return record_from_json(Feedback, data)
    except (ValueError, TypeError):
        return None


def feedback_series(history: History, account: str, spec: Spec | None, rules: FindingRules) -> list[dict[str, Any]]:
    """Per marketplace: the negative (1-2 star) share of the last 30 and of the last 90 days at each feedback read,
    from Amazon's counts where that read had them, else from the feedback the history held then."""
    runs = history.section_reads(account, "feedback")
    by_market: dict[str, list[Any]] = {}
    for run in runs:
        by_market.setdefault(run["marketplace"], []).append(run)
    out = []
    for market, reads in by_market.items():
        records = [
            (r["first_run"], r["resolved_run"], feedback)
            for r in history.record_spans(account, "feedback", market)
            if (feedback := _feedback_record(r["data"])) is not None
        ]
        points = []
        for run in reads[-MAX_READS:]:
            day = date.fromisoformat(run["read_at"][:10])
            checks = (json.loads(run["counters"]) or {}).get("checks", []) if run["counters"] else []
            amazon = {c["name"]: c["amazon"] for c in checks if c.get("amazon") is not None}
            recent, longer = amazon_negative(amazon, 30), amazon_negative(amazon, 90)
            source = "Amazon's counts"
            if recent is None:
                held = {
                    str(i): data
                    for i, (first, resolved, data) in enumerate(records)
                    if first <= run["run_id"] and (resolved is None or resolved > run["run_id"])
                }
                recent, longer, source = read_negative(held, day, 30), read_negative(held, day, 90), "the feedback read"
            points.append(
                {
                    "day": day.isoformat(),
                    "share_30": _share(recent),
                    "share_90": _share(longer),
                    "ratings_30": recent[1] if recent else 0,
                    "source": source,
                }
            )
        out.append(
            {
                "marketplace": market,
                "marketplace_name": marketplace_name(spec, market),
                "points": points,
                "limit": rules.feedback_negative_share_max,
                "min_ratings": rules.feedback_min_ratings,
            }
        )
    return out


def finding_view(row: dict[str, Any], spec: Spec | None) -> dict[str, Any]:
    """A stored finding with its names for a person: marketplace, and section or Account Health."""
    detail = row.get("detail") or {}
    place = finding_place(row["section"], row["rule"], detail)
    return {
        **row,
        "marketplace_name": marketplace_name(spec, row["marketplace"]),
        "place": place,
        "place_title": place_title(spec, place),
    }
