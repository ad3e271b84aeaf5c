"""Reading a captured section: records, de-duplication, the page as a witness of the JSON, and the status.

:func:`read_section` is pure (a :class:`~scraper.capture.SectionCapture` in, a :class:`SectionOutcome` out)
and is the only place that decides what a section's status is, online and offline alike.

Where the page fetched its endpoint, the JSON bodies are the records. The rendered page is then a witness:
only its visible rows and their key fields are read, and compared with the JSON of the same page. Rows on
one side that the other lacks are drift. A witness that no longer matches its selectors does not make the
section unreadable (the JSON was read), but it is reported as a maintenance notice, never silently.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from scraper.capture import CapturedPage, Exchange, SectionCapture
from scraper.counters import CounterCheck, check_counters, headline, verification
from scraper.errors import PageError, SelectorDriftError, SignedOutError, WrongMarketplaceError
from scraper.extract import read_dom, signed_out, soup_of
from scraper.marketplace import marketplace_shown
from scraper.parse import ParseResult, convert, merge_pages, parse_page, parse_summary_api, record_key
from scraper.records import Unknown
from scraper.spec import SectionSpec, Spec
from scraper.status import READ_OK, SectionStatus
from scraper.values import Locale


@dataclass
class SectionOutcome:
    """What reading one section in one marketplace gave: records, or why there are none."""

    section: str
    marketplace: str
    status: SectionStatus
    records: tuple[Any, ...] = ()
    source: str | None = None
    """"api" when the page's JSON was used, "dom" otherwise."""
    pages: int = 0
    message: str | None = None
    truncated: bool = False
    """The page limit was reached before the last page."""
    summary: Any = None
    notices: list[str] = field(default_factory=list)
    """Maintenance notices: the section was read, but part of the spec no longer matches the page."""
    duplicates: int = 0
    """Rows that came more than once (overlapping responses, a list that shifted while paging)."""
    unread_fields: tuple[str, ...] = ()
    """Fields only the page shows that could not be read this time (the witness failed): not "now empty"."""
    counted: int | None = None
    """Amazon's own count of the whole list, where the page shows or sends one (scraper/counters.py)."""
    counters: dict[str, int] = field(default_factory=dict)
    """Every number Amazon showed about the list, by the counter's name in selectors.yaml."""
    checks: tuple[CounterCheck, ...] = ()
    """Each counter next to what was read; they decide "incomplete" (fewer read) and drift (more read)."""
    capture: SectionCapture | None = field(default=None, repr=False, compare=False)
    evidence: Path | None = None
    """The folder with the screenshot, pages, JSON and trace of a section that was not read (scraper.evidence)."""
    window: Any = None
    """The reading window of this read (scraper.windows.WindowPlan), where the section was windowed."""

    @property
    def verification(self) -> str:
        """ "verified" (Amazon's counts agree), "disagrees", or "not verified" (no count to judge by)."""
        return verification(self.checks)


def _check_marketplace(spec: Spec, section: SectionSpec, capture: SectionCapture) -> str | None:
    """Raise when a page shows another marketplace; return a label that names none the spec knows."""
    unknown = None
    for page in capture.pages:
        if page.html is None:
            continue
        shown = marketplace_shown(page.html, spec)
        if isinstance(shown, Unknown):
            unknown = unknown or shown.raw  # not proof of a wrong marketplace, but unverified: said as a notice
        elif shown is not None and shown != capture.marketplace:
            raise WrongMarketplaceError(section.id, capture.marketplace, shown)
    return unknown


def _check_calls(section: SectionSpec, capture: SectionCapture) -> None:
    """A page whose data calls all failed is an error, even where another page's call succeeded."""
    for n, page in enumerate(capture.pages, start=1):
        rows = [x for x in page.exchanges if x.role == "rows"]
        if rows and not any(x.ok for x in rows):
            last = rows[-1]
            if last.status == 0:
                what = f"no answer: {last.error or 'the request failed'}"
            elif 200 <= last.status < 300:
                what = f"HTTP {last.status}, then {last.error}" if last.error else "without a body"
            else:  # the walk's own repeat of the call says how often it asked
                what = last.error or f"HTTP {last.status}" + (" (rate limited)" if last.status == 429 else "")
            path = urlparse(last.url).path
            raise PageError(section.id, "api", f"page {n}: the page's data call {last.method} {path} answered {what}")


def _parse_body(spec: Spec, section: SectionSpec, exchange: Exchange) -> ParseResult:
    assert exchange.body is not None
    return parse_page(spec, section.id, "api", exchange.body)


def page_only_fields(section: SectionSpec) -> tuple[str, ...]:
    """Fields only the page shows (Feedback Manager's "Message from Amazon"): taken from the witness."""
    api = section.api.fields if section.api is not None else {}
    return tuple(name for name in section.dom.fields if name not in api and name not in section.key)


def _witness(spec: Spec, section: SectionSpec, html: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The rows a person sees on the page, by key: the row selector, the key fields and page-only fields."""
    names = (*section.key, *page_only_fields(section))
    page = read_dom(spec, section, soup_of(html), only=names)
    loc = Locale.parse(page.locale)
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for i, raw in enumerate(page.rows, start=1):
        values = {
            name: convert(section.id, "dom", i, section.dom.fields[name], raw[name], loc, spec.missing_values)
            for name in names
        }
        rows[tuple(values[name] for name in section.key)] = values
    return rows


def _summary(spec: Spec, section: SectionSpec, capture: SectionCapture, outcome: SectionOutcome) -> Any:
    bodies = [x for x in capture.exchanges("summary") if x.ok]
    if bodies:
        return parse_summary_api(spec, section, bodies[-1].body)
    if section.summary is None or section.summary.dom is None:
        return None
    first = next((p.html for p in capture.pages if p.html is not None), None)
    if first is None:
        return None
    try:
        return parse_page(spec, section.id, "dom", first).summary
    except PageError as exc:
        outcome.notices.append(f"[{section.id}] the summary could not be read from the page: {exc}")
        return None


def _read_api_first(
    spec: Spec,
    section: SectionSpec,
    capture: SectionCapture,
    outcome: SectionOutcome,
    parsed: dict[int, ParseResult],
) -> None:
    merged = merge_pages(section, list(parsed.values()))
    outcome.records, outcome.source = merged.records, "api"
    outcome.duplicates = len(merged.duplicates)
    witness_failed: str | None = None
    seen_rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    only_page: set[tuple[Any, ...]] = set()
    only_json: set[tuple[Any, ...]] = set()
    for page in capture.pages:
        if page.html is None:
            continue  # a page the walk fetched itself: no rendered witness exists
        results = [parsed[id(x)] for x in page.exchanges if id(x) in parsed]
        if not results:
            continue
        json_keys = {record_key(section.key, r) for result in results for r in result.records}
        try:
            witness = _witness(spec, section, page.html)
            dom_keys = set(witness)
            seen_rows.update(witness)
        except SignedOutError:
            raise
        except PageError as exc:
            witness_failed = getattr(exc, "selector", None) or str(exc)
            outcome.unread_fields = page_only_fields(section)
            detail = exc.detail if isinstance(exc, SelectorDriftError) else str(exc)
            outcome.notices.append(
                f"[{section.id}] maintenance: the page no longer matches {witness_failed!r} ({detail}); the records "
                "were read from the JSON the page fetched, but the page could not confirm them: update "
                f"sections.{section.id}.dom in selectors.yaml"
            )
            break
        only_page |= dom_keys - json_keys
        only_json |= json_keys - dom_keys
    extra = page_only_fields(section)
    if extra and seen_rows:
        outcome.records = tuple(
            dataclasses.replace(r, **{f: seen_rows[k][f] for f in extra})
            if (k := record_key(section.key, r)) in seen_rows
            else r
            for r in outcome.records
        )
    if only_page or only_json:
        outcome.status = SectionStatus.DRIFT
        outcome.message = (
            f"[{section.id}] page and JSON disagree: {len(only_page)} row(s) only on the page, {len(only_json)} "
            "only in the JSON"
        )
        return
    outcome.status = SectionStatus.OK if outcome.records else SectionStatus.EMPTY


def _read_dom_only(spec: Spec, section: SectionSpec, capture: SectionCapture, outcome: SectionOutcome) -> None:
    results = [parse_page(spec, section.id, "dom", p.html) for p in capture.pages if p.html is not None]
    if not results:
        raise PageError(section.id, "dom", "the capture holds no page")
    merged = merge_pages(section, results)
    outcome.records, outcome.source = merged.records, "dom"
    outcome.duplicates = len(merged.duplicates)
    if section.api is not None:
        # Read, but from the page: say so, since the spec's endpoint no longer matches what the page calls.
        outcome.notices.append(
            f"[{section.id}] maintenance: the page did not call {section.api.url_pattern.pattern!r}; records were "
            f"read from the page (check sections.{section.id}.api.url_pattern in selectors.yaml)"
        )
    outcome.status = SectionStatus.OK if outcome.records else SectionStatus.EMPTY


def read_section(spec: Spec, section: SectionSpec, capture: SectionCapture) -> SectionOutcome:
    """Records and status of one captured section; never raises for page problems, it reports them."""
    outcome = SectionOutcome(
        section.id,
        capture.marketplace,
        SectionStatus.ERROR,
        pages=len(capture.pages),
        truncated=capture.truncated,
        capture=capture,
    )
    if capture.problem is not None:
        outcome.status, outcome.message = capture.problem.kind, capture.problem.message
        return _unseen_url(section, outcome)
    try:
        for page in capture.pages:
            if page.html is not None:
                _signed_out_check(spec, section, page)
        unknown_label = _check_marketplace(spec, section, capture)
        parsed: dict[int, ParseResult] = {}
        if section.api is not None:
            _check_calls(section, capture)
            parsed = {id(x): _parse_body(spec, section, x) for x in capture.exchanges("rows") if x.ok}
        if parsed:
            _read_api_first(spec, section, capture, outcome, parsed)
        else:
            _read_dom_only(spec, section, capture, outcome)
        outcome.summary = _summary(spec, section, capture, outcome)
    except SignedOutError as exc:
        outcome.status, outcome.message = SectionStatus.SIGNED_OUT, str(exc)
        return outcome
    except WrongMarketplaceError as exc:
        outcome.status, outcome.message = SectionStatus.WRONG_MARKETPLACE, str(exc)
        return outcome
    except SelectorDriftError as exc:
        outcome.status, outcome.message = SectionStatus.DRIFT, str(exc)
        return _unseen_url(section, outcome)
    except PageError as exc:
        outcome.status, outcome.message = SectionStatus.ERROR, str(exc)
        return _unseen_url(section, outcome)
    _judge(section, capture, outcome)
    if capture.pager_probe:
        fetched = [n for n, p in enumerate(capture.pages, start=1) if p.html is None]
        outcome.notices.append(
            f"[{section.id}] maintenance: no Next control matched {section.dom.next_page!r} although the list went "
            f"on: page(s) {fetched[0] if fetched else '?'}-{fetched[-1] if fetched else '?'} were fetched by "
            f"repeating the page's own request; update sections.{section.id}.dom.next_page in selectors.yaml"
        )
    if unknown_label is not None:
        outcome.notices.append(
            f"[{section.id}] maintenance: the account switcher shows {unknown_label!r}, which selectors.yaml "
            f"`marketplaces` does not name; the records were filed under {capture.marketplace} unverified"
        )
    return outcome


def _judge(section: SectionSpec, capture: SectionCapture, outcome: SectionOutcome) -> None:
    """Compare the records with Amazon's own counts; a read that is short of them, or cut at the page limit,
    is "incomplete", one that holds more than they count is drift (both with the numbers)."""
    # A walk stopped at a window's edge is judged like a cut one: only the counters of periods it covered count.
    cut = capture.truncated or capture.window_stop not in (None, "filter")
    outcome.checks = check_counters(section, capture, outcome.records, truncated=cut)
    if capture.window_stop == "filter" and section.api is not None and section.api.filter is not None:
        # The filtered lists were read whole: a count of one of their classes judges them; the others (the
        # whole list's total, the other classes' tiles) cover listings this read did not ask for.
        param, values = section.api.filter
        fields = section.counters.fields if section.counters is not None else {}
        outcome.checks = tuple(
            c
            if c.name in fields and set(fields[c.name].where.values()) & set(values)
            else replace(c, verdict="not comparable", note=f"the read asked for {param} {', '.join(values)} only")
            for c in outcome.checks
        )
    elif capture.window_stop is not None and not capture.truncated:
        outcome.checks = tuple(
            replace(c, note=c.note.replace("the page limit", "its reading window"))
            if c.verdict == "not comparable" and c.note and "page limit" in c.note
            else c
            for c in outcome.checks
        )
    outcome.counters = {c.name: c.amazon for c in outcome.checks if c.amazon is not None}
    outcome.counted = headline(section, outcome.checks)
    if outcome.status not in READ_OK:
        return
    more = [c for c in outcome.checks if c.verdict == "more"]
    differs = [c for c in outcome.checks if c.verdict == "differs"]
    fewer = [c for c in outcome.checks if c.verdict == "fewer"]
    if more or differs:
        outcome.status = SectionStatus.DRIFT
        why = (
            "more than Amazon counts (the read holds something the page does not list)"
            if more
            else "the records do not add up to Amazon's counts"
        )
        outcome.message = f"[{section.id}] {why}: " + "; ".join(c.text() for c in (*more, *differs, *fewer))
    elif capture.truncated:
        outcome.status = SectionStatus.INCOMPLETE
        counted = f"; Amazon counts {outcome.counted:,}" if outcome.counted is not None else ""
        short = "".join(f"; {c.text()}" for c in fewer)
        outcome.message = (
            f"[{section.id}] incomplete: stopped at the page limit (settings.max_pages) after {outcome.pages} "
            f"page(s) with {len(outcome.records)} record(s){counted}{short}"
        )
    elif fewer:
        outcome.status = SectionStatus.INCOMPLETE
        outcome.message = f"[{section.id}] incomplete: Amazon counts more than was read: " + "; ".join(
            c.text() for c in fewer
        )


def _unseen_url(section: SectionSpec, outcome: SectionOutcome) -> SectionOutcome:
    """A section whose URL no capture confirmed says so when it fails: the URL is the first suspect."""
    attempts = outcome.capture.attempts if outcome.capture is not None else 1
    if attempts > 1 and outcome.status not in READ_OK:
        outcome.message = f"{outcome.message} (the section was collected {attempts} times)"
    if not section.url_seen and outcome.status not in READ_OK:
        outcome.message = (
            f"{outcome.message}; note: {section.url} was never seen on the live site (selectors.yaml "
            f"sections.{section.id}.url is a guess): find the page by its menu and fix the URL"
        )
    return outcome


def _signed_out_check(spec: Spec, section: SectionSpec, page: CapturedPage) -> None:
    assert page.html is not None
    soup = soup_of(page.html)
    if soup.select_one(section.ready) is None and signed_out(spec, soup):
        raise SignedOutError(section.id, "dom")
