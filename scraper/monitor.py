"""After a walk: store it in the history, work out what is new, derive findings, and alert.

A section that could not be read is recorded with its status and changes nothing; its previous
findings are neither repeated nor resolved. How long a section has gone without a successful read is
kept, so a stale green is never shown as green.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from scraper.alerts import AlertSettings, Digest, build_digest, send
from scraper.counters import CounterCheck, count_text, verification
from scraper.diff import Change, typed_change
from scraper.early_warning import SectionHistory
from scraper.findings import Finding, FindingRules, evaluate
from scraper.names import finding_link, finding_place, marketplace_name, section_title
from scraper.parse import record_key
from scraper.read import SectionOutcome
from scraper.records import RECORD_TYPES, CaseStatus, record_from_json
from scraper.run import AccountRun
from scraper.serialize import key_text, to_jsonable
from scraper.spec import Spec
from scraper.status import APPLIED, READ_OK, SectionStatus
from scraper.store import History


def history_status(outcome: SectionOutcome, run: AccountRun) -> SectionStatus:
    """The status the history records: ok, empty, login needed, challenge, drift or error."""
    if outcome.status == SectionStatus.SIGNED_OUT:
        return run.error_kind or SectionStatus.LOGIN_NEEDED
    return outcome.status


@dataclass
class SectionReport:
    """One section of one marketplace after a run, for the summary, report and alerts."""

    marketplace: str
    section: str
    status: SectionStatus
    message: str | None
    records: int
    changes: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    new_findings: list[Finding] = field(default_factory=list)
    last_success: str | None = None
    notices: list[str] = field(default_factory=list)
    """Maintenance notices of a section that was read (part of the spec no longer matches the page)."""
    evidence: str | None = None
    """The folder with what the browser showed when the section was not read (also named in the message)."""
    counted: int | None = None
    """Amazon's own count of the list, where the page showed or sent one."""
    checks: tuple[CounterCheck, ...] = ()
    """Amazon's counters next to what was read (scraper/counters.py)."""
    marketplace_name: str | None = None
    """The marketplace as a person reads it ("Germany (amazon.de)"); None: show the id."""
    title: str | None = None
    """The section's title ("Voice of the Customer"); None: show the id."""
    summary: Any = None
    """The read's summary record in JSON form (the Account Health summary's headline numbers)."""

    @property
    def count_text(self) -> str:
        """Amazon's count in a few words for the summary: verified, the numbers that disagree, or not verified."""
        return count_text(self.counted, self.checks)


def counters_json(outcome: SectionOutcome) -> dict[str, Any] | None:
    """What the history keeps of Amazon's counts for one section read (None where the spec names none)."""
    if not outcome.checks:
        return None
    return {
        "counted": outcome.counted,
        "verification": verification(outcome.checks),
        "checks": [c.to_json() for c in outcome.checks],
    }


@dataclass
class AccountReport:
    """An account's run as the history saw it."""

    account: str
    run_id: int
    sections: list[SectionReport]
    error: str | None
    digest: Digest | None = None
    alert_sent: bool | None = None
    evidence: str | None = None
    """The run's evidence folder, when a section was not read (scraper.evidence)."""

    @property
    def all_read(self) -> bool:
        """Every section was read (ok or empty) and nothing stopped the account."""
        return self.error is None and all(s.status in READ_OK for s in self.sections)

    @property
    def new_findings(self) -> list[tuple[str, Finding]]:
        """(marketplace, finding) for every finding that is new in this run."""
        return [(s.marketplace, f) for s in self.sections for f in s.new_findings]


_SERIES_SECTIONS = {"voice_of_customer", "case_log", "regulatory_compliance"}
"""Sections whose early warnings need each record's earlier reads (trends, waiting time, first seen)."""


def _section_history(
    history: History, account: str, run_id: int, outcome: SectionOutcome, records: Mapping[str, Any]
) -> SectionHistory:
    """What the early warnings of this read need from the history (read after this read was stored); ``records``
    are the read's typed records by key."""
    readings = {}
    if outcome.section in _SERIES_SECTIONS:
        keys = set(records)
        if outcome.section == "case_log":  # only a waiting case needs its reads
            keys = {k for k, r in records.items() if r.status == CaseStatus.NEEDS_ATTENTION}
        readings = history.record_readings(account, outcome.marketplace, outcome.section, keys) if keys else {}
    summary = to_jsonable(outcome.summary) if outcome.summary is not None else None
    previous = (
        history.previous_summary(account, outcome.marketplace, outcome.section, run_id) if summary is not None else None
    )
    return SectionHistory(readings, dict(outcome.counters), summary, previous)


def record_run(
    history: History,
    spec: Spec,
    run: AccountRun,
    rules: FindingRules | None = None,
    today: date | None = None,
    run_id: int | None = None,
) -> AccountReport:
    """Store an account's run and its findings; returns what changed and what is new."""
    run_id = run_id if run_id is not None else history.start_run(run.account)
    sections = []
    for outcome in run.outcomes:
        section = spec.section(outcome.section)
        status = history_status(outcome, run)
        window = outcome.window
        stop = outcome.capture.window_stop if outcome.capture is not None else None
        notes = [outcome.message] if outcome.message else []
        if window is not None and status in APPLIED:
            notes.insert(0, window.describe(outcome.pages, stop))  # "feedback: last 90 days, 3 pages"
        notes += outcome.notices
        # read_section says so itself for an incomplete read
        if outcome.truncated and status != SectionStatus.INCOMPLETE:
            notes.append("stopped at the page limit (settings.max_pages)")
        if outcome.evidence is not None:
            notes.append(f"evidence: {outcome.evidence}")
        message = "; ".join(notes) or None
        partial = outcome.truncated or status == SectionStatus.INCOMPLETE
        records = None
        if status in APPLIED:
            records = {key_text(record_key(section.key, r)): to_jsonable(r) for r in outcome.records}
            if outcome.unread_fields:
                # What the page alone shows could not be read this time: keep what the history knows rather
                # than record every such field as emptied.
                known = history.active_records(run.account, outcome.marketplace, outcome.section)
                for key, record in records.items():
                    if key in known:
                        record.update({f: known[key].get(f) for f in outcome.unread_fields})
        resolvable = None
        # A windowed walk that reached the list's end read all of it: applied whole, as without a window.
        cut_at_window = window is not None and stop is not None
        if window is not None and stop is not None and records is not None:
            # Records outside the window are neither new nor changed nor resolved: the window is what was read.
            resolvable = window.resolvable(stop, list(records.values()))
            records = {k: r for k, r in records.items() if window.inside(r)}
        changes: list[Change] = history.record_section(
            run_id,
            run.account,
            outcome.marketplace,
            outcome.section,
            status,
            message,
            records,
            to_jsonable(outcome.summary),
            partial=partial,
            counters=counters_json(outcome),
            window=window.to_json(outcome.pages, stop) if window is not None else None,
            resolvable=resolvable,
        )
        report = SectionReport(
            outcome.marketplace,
            outcome.section,
            status,
            message,
            len(outcome.records),
            Counter(c.kind for c in changes),
            notices=list(outcome.notices),
            evidence=str(outcome.evidence) if outcome.evidence is not None else None,
            counted=outcome.counted,
            checks=outcome.checks,
            marketplace_name=marketplace_name(spec, outcome.marketplace),
            title=section_title(spec, outcome.section),
            summary=to_jsonable(outcome.summary) if status in APPLIED else None,
        )
        if records is not None:
            if partial or cut_at_window:
                # A cut or incomplete read judges what it did not see by the history's copy, so those findings
                # do not vanish now and come back as new on the next full read; a windowed read judges the
                # window as the history now holds it (what an incremental read stopped short of included).
                records = history.active_records(run.account, outcome.marketplace, outcome.section)
                if window is not None and cut_at_window:
                    records = {k: r for k, r in records.items() if window.inside(r)}
            # The findings read typed records: the stored JSON form is rebuilt here, where it leaves the store.
            # Resolved records are left as stored (maybe by an earlier version): no rule reads them.
            record_type = RECORD_TYPES[outcome.section]
            typed: dict[str, Any] = {key: record_from_json(record_type, data) for key, data in records.items()}
            typed_changes = [typed_change(record_type, c) for c in changes if c.kind != "resolved"]
            context = _section_history(history, run.account, run_id, outcome, typed)
            report.findings = evaluate(outcome.section, typed, typed_changes, rules, today, context)
            base_url = outcome.capture.requested_url if outcome.capture is not None else None
            for finding in report.findings:
                place = finding_place(finding.section, finding.rule, finding.detail)
                link = finding_link(spec, base_url, outcome.marketplace, place, to_jsonable(finding.record))
                if link is not None:
                    finding.detail["link"] = link
            report.new_findings = history.store_findings(
                run_id, run.account, outcome.marketplace, outcome.section, report.findings
            )
        sections.append(report)
    states = {(s.marketplace, s.section): s.last_success for s in history.section_states(run.account)}
    for report in sections:
        report.last_success = states.get((report.marketplace, report.section))
    outcome_word = SectionStatus.OK if run.all_read else (run.error_kind or SectionStatus.UNREADABLE)
    history.finish_run(run_id, outcome_word)
    evidence = str(run.evidence) if run.evidence is not None else None
    return AccountReport(run.account, run_id, sections, run.error, evidence=evidence)


def alert(report: AccountReport, settings: AlertSettings) -> AccountReport:
    """Build the account's digest and send it to its Apprise URLs (when there is something to say)."""
    # Marketplaces and sections by name, as in the summary ("Germany (amazon.de) Feedback Manager").
    names = {s.marketplace: s.marketplace_name or s.marketplace for s in report.sections}
    titles = {s.section: s.title or s.section for s in report.sections}
    problems = [
        (names[s.marketplace], titles[s.section], s.message or s.status)
        for s in report.sections
        if s.status not in APPLIED
    ]
    incomplete = [
        (names[s.marketplace], titles[s.section], s.message or s.status)
        for s in report.sections
        if s.status == SectionStatus.INCOMPLETE
    ]
    if report.error and not problems:
        problems = [("-", "login", report.error)]
    notices = list(dict.fromkeys(n for s in report.sections if s.status in APPLIED for n in s.notices))
    findings = [(names.get(m, m), f) for m, f in report.new_findings]
    report.digest = build_digest(report.account, findings, problems, settings, notices, incomplete, titles)
    if report.digest is not None and settings.urls:
        report.alert_sent = send(report.digest, settings.urls)
    return report
