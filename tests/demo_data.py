"""What the demo serves, as records: its own packaged data (scraper/demo/datasets), parsed whole.

The browser and server tests compare what a walk of the demo reads page by page with the list the demo
serves, read in one piece. That the reader reads a list right is pinned elsewhere, by hand-written records
(tests/expected_records.py); these helpers never use the parser goldens under fixtures/.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from scraper.demo.clock import real_today
from scraper.demo.data import dataset_document, summary_document
from scraper.parse import parse_page, parse_summary_api
from scraper.serialize import to_jsonable
from scraper.spec import Spec


def demo_body(section: str, case: str = "de-typical", today: date | None = None) -> dict[str, Any]:
    """The demo's whole list body of ``case``, dated for ``today`` (default: the real date, as the demo)."""
    return dataset_document(section, case, today or real_today())


def demo_records(spec: Spec, section: str, case: str = "de-typical", today: date | None = None) -> list[dict[str, Any]]:
    """The records of the demo's whole list, in JSON form."""
    body = json.dumps(demo_body(section, case, today)).encode()
    return list(to_jsonable(list(parse_page(spec, section, "api", body).records)))


def demo_summary(spec: Spec, section: str, case: str = "de-typical", today: date | None = None) -> Any:
    """The demo's summary body of ``case`` read as the walk reads it (Voice of the Customer's health tiles)."""
    body = json.dumps(summary_document(section, case, today or real_today())).encode()
    return to_jsonable(parse_summary_api(spec, spec.section(section), body))


FEEDBACK_NOTE = {
    "de": "Dieser Artikel wurde von Amazon versandt und wir übernehmen die Verantwortung für dieses Versanderlebnis.",
    "en": "This item was fulfilled by Amazon and we take responsibility for this fulfillment experience.",
}
"""Amazon's note under feedback on orders it fulfilled, as the demo page shows it (static/app.js FB_NOTE)."""


def demo_run_records(
    spec: Spec, section: str, case: str = "de-typical", lang: str = "de", today: date | None = None
) -> list[dict[str, Any]]:
    """What a run of the demo reads: the list's records, with what only the page shows (Amazon's note on
    feedback, shown where suppressReasonId names an Amazon-fulfilled fault) added by the demo page's own rule."""
    records = demo_records(spec, section, case, today)
    if section != "feedback":
        return records
    reasons = {row.get("orderId"): row.get("suppressReasonId") for row in demo_body(section, case, today)["feedbacks"]}
    for record in records:
        fba = re.match(r"^AmazonFault\w*FBA", str(reasons.get(record["order_id"]) or ""))
        record["amazon_message"] = FEEDBACK_NOTE[lang] if fba else None
    return records
