"""Reports from the history: one self-contained HTML file, a JSON document, and CSV / JSON Lines exports.

The HTML is rendered by Jinja2 with autoescaping on, so every text that came from Seller Central (a
buyer's comment with markup in it, say) is shown as text. Charts are small inline SVGs drawn from numbers
only; the file needs nothing else to open.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from scraper.charts import Point, trend_chart
from scraper.counters import stored_checks, stored_text, verification
from scraper.findings import FindingRules
from scraper.names import marketplace_name, record_title, section_title
from scraper.paths import write_private
from scraper.serialize import display
from scraper.spec import Spec, load_spec
from scraper.store import History
from scraper.trends import early_warnings, feedback_series, finding_view, headlines, ncx_series

HEALTH_KEYS = ("very_poor", "poor", "fair", "good", "excellent")


def sparkline(values: list[float], width: int = 160, height: int = 28) -> str:
    """An inline SVG polyline of the values (numbers only, so safe to embed unescaped)."""
    if not values:
        return '<span class="muted">no data</span>'
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / max(len(values) - 1, 1)
    points = " ".join(
        f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}" for i, v in enumerate(values)
    )
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
        f'<polyline fill="none" stroke="#146eb4" stroke-width="2" points="{points}"/></svg>'
    )


def _latest_run(history: History, account: str, running: bool) -> dict[str, Any] | None:
    run = history.latest_run(account)
    if run is not None and run["outcome"] is None:
        # No outcome: still going while a run holds the account's lock, else it was killed before it finished
        # (the next run marks it so in the history too).
        run["outcome"] = "running" if running else "interrupted"
    return run


def account_data(
    history: History,
    account: str,
    running: bool = False,
    spec: Spec | None = None,
    rules: FindingRules | None = None,
) -> dict[str, Any]:
    """Everything the report shows for one account, as plain data (also the JSON report).

    ``running``: a run holds the account's lock now (see :meth:`scraper.store.History.running_accounts`).
    ``spec`` names the marketplaces and sections; ``rules`` (the configuration's ``findings:``) draws the
    charts' thresholds.
    """
    rules = rules or FindingRules()
    run = _latest_run(history, account, running)
    findings = [finding_view(row, spec) for row in history.latest_findings(account)]
    changes = [
        {
            "marketplace": r["marketplace"],
            "marketplace_name": marketplace_name(spec, r["marketplace"]),
            "section": r["section"],
            "section_title": section_title(spec, r["section"]),
            "key": r["key"],
            "title": record_title(r["section"], json.loads(r["data"]), r["key"]),
            "kind": r["kind"],
            "fields": {k: [display(v[0]), display(v[1])] for k, v in json.loads(r["fields"]).items()},
            "run_id": r["run_id"],
        }
        for r in history.latest_changes(account)
    ]
    warned = {
        (f["marketplace"], f["key"])
        for f in findings
        if f["section"] == "voice_of_customer" and f["rule"] in ("ncx_rate_above_category", "ncx_rate_rising")
    }
    tables = []
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in history.current_records(account):
        grouped[(row["marketplace"], row["section"])].append(row["data"])
    for (marketplace, section), rows in grouped.items():
        columns = list(rows[0]) if rows else []
        tables.append(
            {
                "marketplace": marketplace,
                "marketplace_name": marketplace_name(spec, marketplace),
                "section": section,
                "section_title": section_title(spec, section),
                "columns": columns,
                "rows": [{c: display(r.get(c)) for c in columns} for r in rows],
            }
        )
    monthly: dict[str, list[int]] = defaultdict(list)
    for row in history.record_spans(account, "feedback"):
        record = row["data"]
        if record.get("date") and record.get("rating"):
            monthly[record["date"][:7]].append(int(record["rating"]))
    months = sorted(monthly)
    feedback = [round(sum(monthly[m]) / len(monthly[m]), 2) for m in months]
    health: dict[str, list[float]] = {k: [] for k in HEALTH_KEYS}
    for summary in history.summary_series(account, "voice_of_customer"):
        counts = summary or {}
        for k in HEALTH_KEYS:
            health[k].append(float(counts.get(k, 0)))
    return {
        "name": account,
        "run": run,
        "last_complete_run": history.last_complete_run(account),
        "states": [
            {
                **s.__dict__,
                "marketplace_name": marketplace_name(spec, s.marketplace),
                "section_title": section_title(spec, s.section),
                "count_text": stored_text(s.counters),
                "count_disagrees": verification(stored_checks(s.counters)[1]) == "disagrees",
            }
            for s in history.section_states(account)
        ],
        "early": early_warnings(findings, spec),
        "headlines": headlines(history, account, spec),
        "findings": findings,
        "changes": changes,
        "tables": tables,
        "trends": {
            "feedback_by_month": dict(zip(months, feedback, strict=True)),
            "cx_health_by_run": health,
            "ncx_by_listing": ncx_series(history, account, spec, rules, warned),
            "feedback_negative_share": feedback_series(history, account, spec, rules),
        },
    }


def report_data(
    history: History,
    running: bool | Collection[str] = False,
    spec: Spec | None = None,
    rules: FindingRules | None = None,
) -> dict[str, Any]:
    """The whole report as plain data (``running``: the accounts a run holds the lock of now, or True for
    all; ``spec`` names marketplaces and sections, the bundled selectors.yaml when not given; ``rules`` the
    charts' thresholds)."""
    spec = spec or load_spec()
    return {
        "generated": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "db": history.location,
        "accounts": [
            account_data(history, a, running if isinstance(running, bool) else a in running, spec, rules)
            for a in history.accounts()
        ],
    }


def render_html(data: dict[str, Any]) -> str:
    """The self-contained HTML report (``data`` is left as it was: the charts are drawn into a copy)."""
    data = copy.deepcopy(data)
    env = Environment(loader=PackageLoader("scraper", "templates"), autoescape=select_autoescape(["html", "j2"]))
    for acc in data["accounts"]:
        months = acc["trends"]["feedback_by_month"]
        acc["feedback_chart"] = sparkline(list(months.values()))
        acc["feedback_label"] = (
            (f"{next(iter(months))}: {next(iter(months.values()))} … {list(months)[-1]}: {list(months.values())[-1]}")
            if months
            else ""
        )
        acc["health_charts"] = [
            (k.replace("_", " "), sparkline(v), f"now {int(v[-1])}" if v else "")
            for k, v in acc["trends"]["cx_health_by_run"].items()
        ]
        for market in acc["trends"]["ncx_by_listing"]:
            for listing in market["listings"]:
                points = [Point(p["day"], p["rate"], p["mean"], p["threshold"]) for p in listing["points"]]
                listing["chart"] = trend_chart(
                    points,
                    f"NCX rate of {listing['title']} against similar offers",
                    band_label=f"similar offers: mean to mean + {market['k']} SD",
                )
                last = listing["points"][-1]
                listing["now"] = _ncx_now(last)
        for market in acc["trends"]["feedback_negative_share"]:
            points = [Point(p["day"], p["share_30"]) for p in market["points"]]
            market["chart"] = trend_chart(
                points,
                f"negative feedback share, {market['marketplace_name']}",
                limit=float(market["limit"]),
                second=[p["share_90"] for p in market["points"]],
                second_label="last 90 days",
                limit_label=f"warning above {market['limit']} %",
            )
            last = market["points"][-1] if market["points"] else None
            market["now"] = (
                f"now {_pct_text(last['share_30'])} of {last['ratings_30']} ratings (30 days), "
                f"{_pct_text(last['share_90'])} (90 days); from {last['source']}"
                if last
                else ""
            )
    return env.get_template("report.html.j2").render(**data)


def _pct_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}".rstrip("0").rstrip(".") + " %"


def _ncx_now(point: dict[str, Any]) -> str:
    text = f"now {_pct_text(point['rate'])}"
    if point["mean"] is not None and point["threshold"] is not None:
        text += f" (similar offers: mean {_pct_text(point['mean'])}, warning from {_pct_text(point['threshold'])})"
    return text


def write_report(
    history: History,
    path: Path,
    fmt: str = "html",
    running: bool | Collection[str] = False,
    spec: Spec | None = None,
    rules: FindingRules | None = None,
) -> Path:
    """Write the report as HTML or JSON."""
    data = report_data(history, running, spec, rules)
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str) if fmt == "json" else render_html(data)
    write_private(path, text.encode("utf-8"))  # buyer comments and order ids: owner-only
    return path


def export_rows(history: History, what: str, section: str | None = None, latest: bool = False) -> list[dict[str, Any]]:
    """Current records (with account, marketplace, section, key), or every finding with its run (with
    ``latest``, only those of each section's latest successful read), as flat rows."""
    if what == "records":
        return [
            {
                **{k: r[k] for k in ("account", "marketplace", "section", "key", "first_seen", "last_seen")},
                **r["data"],
            }
            for r in history.current_records(section=section)
        ]
    return history.findings_by_run(section, latest)


def to_jsonl(rows: list[dict[str, Any]]) -> str:
    """One JSON object per line."""
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)


_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")


def csv_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading = + - @ (a formula, "=HYPERLINK(...)") gets a quote."""
    return "'" + text if _FORMULA.match(text) and not _NUMBER.match(text) else text


def to_csv(rows: list[dict[str, Any]]) -> str:
    """CSV with the union of all columns; lists joined with "; ", unknown labels as "? label"; page text that
    a spreadsheet would run as a formula is neutralised."""
    columns: list[str] = []
    for row in rows:
        columns.extend(c for c in row if c not in columns)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                c: csv_cell("; ".join(map(display, row[c])) if isinstance(row.get(c), list) else display(row.get(c)))
                for c in columns
            }
        )
    return out.getvalue()
