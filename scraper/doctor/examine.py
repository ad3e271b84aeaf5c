"""One captured section, start to end: diagnose, choose which side is the truth, fix the other, and say
what the final re-read must give.

Which side teaches which: where the section's endpoint was called and its JSON reads, the JSON's records
are the truth and the page's selectors are repaired (:mod:`.dom_fix`). Where the endpoint was not called,
or its JSON no longer reads, the page's records are the truth and the endpoint, row list and JSON paths are
found again (:mod:`.json_fix`). Where neither side reads, or the problem is not one of selectors (signed
out, an HTTP error, page and JSON that really disagree), the doctor says so and proposes nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from scraper.capture import SectionCapture
from scraper.doctor import calls as call_list
from scraper.doctor.dom_fix import Page, fix_dom
from scraper.doctor.json_fix import (
    Bodies,
    JsonFix,
    fix_endpoint,
    fix_field_paths,
    fix_json,
    json_only_hints,
    pair_rows,
    rows_of,
)
from scraper.doctor.model import SectionReport
from scraper.doctor.pages import Rendered, rendered
from scraper.doctor.survey import survey
from scraper.errors import PageError
from scraper.jsonpath import MISSING, resolve
from scraper.parse import merge_pages, parse_page, record_key
from scraper.read import page_only_fields, read_section
from scraper.spec import SectionSpec, Spec


@dataclass
class Expectation:
    """What the section must read like once the changes are applied (checked by :mod:`.check`)."""

    capture: SectionCapture
    records: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    """Key -> field values the final read must give for that record."""
    dom_fields: set[str] = field(default_factory=set)
    """DOM fields whose page values must equal the final records' (key fields included)."""
    notices: set[str] = field(default_factory=set)
    """Notices of the read before the change: the change must not add one (nor leave a selector notice)."""
    cut_short: bool = False
    """The capture ends where a broken pager stopped the walk: "incomplete" (Amazon counts more than the
    capture holds) is what its re-read must give; a new capture with the patched file shows the rest."""


def _json_records(spec: Spec, section: SectionSpec, capture: SectionCapture) -> dict[int, list[Any]] | str:
    """Page number -> the records of the page's own JSON; a reason where a body does not read."""
    out: dict[int, list[Any]] = {}
    for n, page in enumerate(capture.pages, start=1):
        results = []
        for x in page.exchanges:
            if x.role == "rows" and x.ok:
                try:
                    results.append(parse_page(spec, section.id, "api", x.body))
                except PageError as exc:
                    return str(exc)
        if results:
            out[n] = list(merge_pages(section, results).records)
    return out


def _dom_records(spec: Spec, section: SectionSpec, capture: SectionCapture) -> dict[int, list[Any]] | str:
    """Page number -> the records the rendered page shows; a reason where a page does not read."""
    out: dict[int, list[Any]] = {}
    for n, page in enumerate(capture.pages, start=1):
        if page.html is None:
            continue
        try:
            out[n] = list(parse_page(spec, section.id, "dom", page.html).records)
        except PageError as exc:
            return str(exc)
    return out


def _bodies(capture: SectionCapture, truth: dict[int, list[Any]], role: str) -> dict[tuple[str, str], list[Bodies]]:
    """(method, path) -> bodies per page, for the calls of one role on pages with a rendered truth."""
    grouped: dict[tuple[str, str], dict[int, list[Any]]] = {}
    for n, page in enumerate(capture.pages, start=1):
        if n not in truth:
            continue
        for x in page.exchanges:
            if x.role != role:
                continue
            document = call_list.body_json(x)
            if isinstance(document, dict):
                grouped.setdefault((x.method, urlparse(x.url).path), {}).setdefault(n, []).append(document)
    return {k: [Bodies(n, docs, truth[n]) for n, docs in sorted(v.items())] for k, v in grouped.items()}


def _endpoint_rows(section: SectionSpec, capture: SectionCapture) -> list[Any]:
    """Every row of every body of the section's endpoint (replayed pages too)."""
    assert section.api is not None
    rows: list[Any] = []
    for x in capture.exchanges("rows"):
        document = call_list.body_json(x)
        rows.extend(rows_of(document, section.api.rows) or [])
    return rows


def _announced_total(section: SectionSpec, capture: SectionCapture) -> int | None:
    """How many rows the endpoint says there are, where the capture can tell: the total its last body
    announces (where the spec names one), or one more than the capture holds where that body hands out a
    continuation token. None where it cannot tell, or where the walk replayed JSON pages itself."""
    bodies = [x for x in capture.exchanges("rows") if x.ok]
    if section.api is None or not bodies or any(x.replayed for x in bodies):
        return None
    document = call_list.body_json(bodies[-1])
    if section.api.total is not None:
        total = resolve(document, section.api.total)
        return total if isinstance(total, int) and not isinstance(total, bool) else None
    paging = section.api.paging
    if paging is not None and paging.token_path is not None:
        token = resolve(document, paging.token_path)
        if token not in (MISSING, None, ""):
            held = sum(len(rows_of(call_list.body_json(x), section.api.rows) or []) for x in bodies)
            return held + 1
    return None


def _record_values(record: Any, skip: set[str]) -> dict[str, Any]:
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record) if f.name not in skip}


def _fix_dom_side(
    spec: Spec,
    section: SectionSpec,
    capture: SectionCapture,
    shown: list[Rendered],
    records: dict[int, list[Any]],
    report: SectionReport,
) -> Expectation:
    pages = [Page(r.number, r.seen, r.full, records[r.number], r.locale) for r in shown if r.number in records]
    fix = fix_dom(spec, section, pages, _announced_total(section, capture))
    report.problems += fix.problems
    report.changes += fix.changes
    report.unfixed += fix.unfixed
    report.notes += fix.notes
    expected = Expectation(capture, dom_fields=set(fix.agreeing) | set(section.key), cut_short=fix.stopped_early)
    skip = set(page_only_fields(section))
    for rec_list in records.values():
        for r in rec_list:
            expected.records.setdefault(record_key(section.key, r), _record_values(r, skip))
    learnt = _silent_json_fields(spec, section, capture, records, report)
    moved = {name for values in learnt.values() for name in values}
    for key, values in expected.records.items():
        if key in learnt:
            values.update(learnt[key])
        else:  # a row no rendered page showed (a replayed JSON page): its new value is not known
            for name in moved:
                values.pop(name, None)
    return expected


def _silent_json_fields(
    spec: Spec, section: SectionSpec, capture: SectionCapture, json_records: dict[int, list[Any]], report: SectionReport
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """With the JSON read: a field the page shows but the JSON has for no row (a renamed optional JSON field
    reads as absent, silently) is looked for in the JSON by the page's values; JSON-only fields whose path is
    in no row are named. Returns, per record key, the page's values of the fields whose path moved (what the
    JSON must give once it is fixed)."""
    assert section.api is not None
    shared = [n for n in section.api.fields if n in section.dom.fields and n not in section.key]
    silent = [n for n in shared if not any(getattr(r, n) not in (None, ()) for rs in json_records.values() for r in rs)]
    out = JsonFix()
    learnt: dict[tuple[Any, ...], dict[str, Any]] = {}
    dom = _dom_records(spec, section, capture) if silent else {}
    if silent and isinstance(dom, dict):
        truth = {n: recs for n, recs in dom.items() if n in json_records}
        by_page = [
            ([r for d in b.documents for r in rows_of(d, section.api.rows) or []], b.truth)
            for group in _bodies(capture, truth, "rows").values()
            for b in group
        ]
        keys = {k: section.api.fields[k].path or "" for k in section.key}
        fix_field_paths(spec, section, pair_rows(spec, section, keys, by_page), silent, out)
        moved = [c.place[-2] for c in out.changes]
        for records in truth.values():
            for r in records:
                learnt[record_key(section.key, r)] = {name: getattr(r, name) for name in moved}
    json_only_hints(spec, section, _endpoint_rows(section, capture), {}, out)
    report.problems += out.problems
    report.changes += out.changes
    report.unfixed += out.unfixed
    report.notes += out.notes
    return learnt


def _fix_json_side(
    spec: Spec, section: SectionSpec, capture: SectionCapture, moved: bool, report: SectionReport
) -> Expectation | None:
    dom = _dom_records(spec, section, capture)
    if isinstance(dom, str):
        report.unfixed.append(
            f"neither side reads: the JSON {'was not fetched' if moved else 'does not read'}, and the page does "
            f"not either ({dom}); nothing to learn from, nothing proposed"
        )
        return None
    truth = {n: r for n, r in dom.items() if r}
    if not truth:
        report.unfixed.append("the page shows no rows, so there are no values to find in the JSON")
        return None
    out = JsonFix()
    if moved:
        if not report.other_calls_kept:
            report.unfixed.append(
                "api.url_pattern: the page did not call the spec's endpoint, and this capture kept no other JSON "
                "calls to search (capture it again with `scraper capture` or run `scraper doctor --account`)"
            )
            return None
        urls = [x.url for p in capture.pages for x in p.exchanges]
        fix_endpoint(spec, section, _bodies(capture, truth, "other"), urls, out)
    else:
        groups = _bodies(capture, truth, "rows")
        fix_json(spec, section, [b for g in groups.values() for b in g], out)
    report.problems += out.problems
    report.changes += out.changes
    report.unfixed += out.unfixed
    report.notes += out.notes
    expected = Expectation(capture, dom_fields=set(section.key) | out.agreeing)
    keep = set(section.key) | out.agreeing
    for rec_list in truth.values():
        for r in rec_list:
            expected.records.setdefault(record_key(section.key, r), {f: getattr(r, f) for f in keep})
    return expected


def examine(spec: Spec, capture: SectionCapture, origin: str) -> tuple[SectionReport, Expectation | None]:
    """The report of one captured section and, where changes are proposed, what they must reproduce."""
    section = spec.section(capture.section)
    outcome = read_section(spec, section, capture)
    shown = rendered(spec, capture)
    report = SectionReport(
        section.id,
        origin,
        outcome.status + (f": {outcome.message}" if outcome.message else ""),
        urls=list(dict.fromkeys(p.url for p in capture.pages)),
        calls=call_list.list_calls(capture),
        other_calls_kept=call_list.keeps_other_calls(capture),
        matches=survey(section, capture, shown),
    )
    report.problems += [n for n in outcome.notices if "maintenance" in n]
    if capture.problem is not None and capture.problem.kind == "drift":
        report.unfixed.append(
            f"the walk saved no page it could use ({capture.problem.message}): the page showed neither `ready` "
            "nor the section's JSON; open it in a browser (scraper login --account, then the section's URL) and "
            "compare with `ready`, `url` and `api.url_pattern`"
        )
        return report, None
    if capture.problem is not None or outcome.status in {"signed_out", "wrong marketplace"}:
        report.unfixed.append(f"not a selector problem: {outcome.status}: {outcome.message}")
        return report, None
    if not any(p.html is not None for p in capture.pages):
        report.unfixed.append("the capture holds no rendered page")
        return report, None
    if section.api is None:
        if outcome.status not in {"ok", "empty"}:
            report.unfixed.append("a section read from its page only: without its JSON there is nothing to learn from")
        return report, None
    calls = capture.exchanges("rows")
    failed = [x for x in calls if not (200 <= x.status < 300)]
    if failed:
        report.unfixed.append(
            f"the endpoint answered HTTP {failed[-1].status}: not a selector problem ({outcome.message})"
        )
        return report, None
    if not calls:
        expected = _fix_json_side(spec, section, capture, True, report)
    elif isinstance(records := _json_records(spec, section, capture), str):
        report.problems.append(f"the JSON does not read: {records}")
        expected = _fix_json_side(spec, section, capture, False, report)
    else:
        expected = _fix_dom_side(spec, section, capture, shown, records, report)
    broken = outcome.status not in {"ok", "empty"} or any("maintenance" in n for n in outcome.notices)
    if broken and not report.changes and not report.unfixed:
        # Never "nothing to fix" for a section that does not read as it should.
        report.unfixed.append(
            f"the section reads as {outcome.status}{' with a maintenance notice' if outcome.notices else ''}, and "
            "no selector or path the doctor can check explains it; see the read's own message above"
        )
    return report, _with_notices(expected, outcome.notices)


def _with_notices(expected: Expectation | None, notices: list[str]) -> Expectation | None:
    if expected is not None:
        expected.notices = set(notices)
    return expected
