"""Every capture examined, each section's changes checked on their own, and one patch of selectors.yaml.

A section's changes are kept only if its capture reads again with them (:mod:`.check`); changes that two
captures of the same section propose differently for one place are both withdrawn, since only one can be
right and the doctor cannot tell which. The combined patch is checked once more against every capture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from scraper.capture import SectionCapture
from scraper.doctor.check import check
from scraper.doctor.examine import Expectation, examine
from scraper.doctor.model import Change, SectionReport
from scraper.doctor.patch import PatchError, patch_text, unified_diff
from scraper.spec import Spec


@dataclass
class Prescription:
    """The doctor's answer for a set of captures."""

    reports: list[SectionReport]
    original: str
    patched: str
    diff: str
    rejected: dict[str, list[Change]] = field(default_factory=dict)
    """Section -> changes found but not offered (they did not pass the re-read)."""

    @property
    def changes(self) -> list[Change]:
        """Every change offered, in report order."""
        return [c for r in self.reports for c in r.changes]


def _withdraw(report: SectionReport, why: str, rejected: dict[str, list[Change]]) -> None:
    if report.changes:
        rejected.setdefault(report.section, []).extend(report.changes)
    report.changes = []
    report.unfixed.append(why)


def prescribe(
    spec: Spec, text: str, captures: list[tuple[SectionCapture, str]], day: str | None = None
) -> Prescription:
    """Examine every (capture, where it came from); return the reports, the patched text and its diff."""
    day = day or datetime.now(UTC).date().isoformat()
    reports: list[SectionReport] = []
    checks: list[tuple[SectionReport, Expectation]] = []
    rejected: dict[str, list[Change]] = {}
    for capture, origin in captures:
        report, expected = examine(spec, capture, origin)
        reports.append(report)
        if not report.changes:
            continue
        if expected is None:
            _withdraw(report, "the changes could not be checked against the capture", rejected)
            continue
        try:
            alone = patch_text(text, report.changes, day)
        except PatchError as exc:
            _withdraw(report, f"selectors.yaml could not be patched there: {exc}", rejected)
            continue
        failures = check(alone, expected)
        if failures:
            _withdraw(
                report,
                "the changes found did not pass the re-read, so none is offered: " + "; ".join(failures),
                rejected,
            )
            continue
        checks.append((report, expected))
    # One value per place: identical proposals merge, different ones for the same place are both withdrawn.
    chosen: dict[tuple[str, ...], Change] = {}
    clash: set[tuple[str, ...]] = set()
    for report in reports:
        for change in report.changes:
            seen = chosen.get(change.place)
            if seen is not None and seen.new != change.new:
                clash.add(change.place)
            chosen.setdefault(change.place, change)
    for report in reports:
        if any(c.place in clash for c in report.changes):
            _withdraw(report, "captures of this section ask for different values at the same place", rejected)
    merged = list({c.place: c for r in reports for c in r.changes}.values())
    patched = patch_text(text, merged, day) if merged else text
    offering = [(r, e) for r, e in checks if r.changes]
    if len(offering) > 1:  # alone each passed; together they must too (one section's change never reaches
        # another's lines, but a shared anchor or a typo in the patcher would show here)
        for report, expected in offering:
            failures = check(patched, expected)
            if failures:
                why = "with every section's changes together, the re-read failed: " + "; ".join(failures)
                _withdraw(report, why, rejected)
        merged = list({c.place: c for r in reports for c in r.changes}.values())
        patched = patch_text(text, merged, day) if merged else text
    return Prescription(reports, text, patched, unified_diff(text, patched), rejected)
