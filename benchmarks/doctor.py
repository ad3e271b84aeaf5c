"""What `scraper doctor` makes of each release change on each section's capture fixture: read through,
repaired (the patch restores the golden records), no fix (said, with the reason), or WRONG.

    .venv/bin/python benchmarks/doctor.py            # prints the table and the totals
    .venv/bin/python benchmarks/doctor.py --write    # also writes docs/doctor.md
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scraper.capture import load_capture  # noqa: E402
from scraper.doctor.changes import NO_SAFE_FIX, RELEASE_CHANGES, Trial, trial  # noqa: E402
from scraper.spec import DEFAULT_SPEC_PATH, load_spec  # noqa: E402

SHORT = {"n/a": "n/a", "read through": "·", "repaired": "fixed", "no fix, said": "no fix", "WRONG": "WRONG"}


def run() -> list[Trial]:
    """Every change x every capture fixture."""
    spec = load_spec()
    text = DEFAULT_SPEC_PATH.read_text(encoding="utf-8")
    captures = sorted((ROOT / "fixtures").glob("*/capture/*/capture.json"))
    trials = []
    for path in captures:
        capture = load_capture(path.parent)
        golden = json.loads((path.parent / "expected.json").read_text(encoding="utf-8"))["records"]
        for name in RELEASE_CHANGES:
            trials.append(trial(spec, text, capture, golden, name))
    return trials


def table(trials: list[Trial]) -> str:
    """A markdown table: change x section."""
    sections = sorted({t.section for t in trials})
    lines = [
        "| change | " + " | ".join(sections) + " |",
        "|---|" + "---|" * len(sections),
    ]
    for name in RELEASE_CHANGES:
        cells = [SHORT[t.outcome] for s in sections for t in trials if t.change == name and t.section == s]
        mark = " (no safe fix expected)" if name in NO_SAFE_FIX else ""
        lines.append(f"| {name}{mark} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="write docs/doctor.md")
    args = parser.parse_args()
    started = time.monotonic()
    trials = run()
    counts = Counter(t.outcome for t in trials)
    broken = [t for t in trials if t.outcome in {"repaired", "no fix, said", "WRONG"}]
    totals = (
        f"{len(trials)} runs ({len(RELEASE_CHANGES)} changes x {len({t.section for t in trials})} sections): "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + f"; of the {len(broken)} runs where the spec no longer read right, {counts['repaired']} repaired, "
        f"{counts['no fix, said']} said no safe fix; {time.monotonic() - started:.0f} s"
    )
    print(table(trials))
    print(totals)
    for t in trials:
        if t.outcome == "WRONG":
            print(f"WRONG {t.change} on {t.section}: {t.detail}")
    if args.write:
        doc = ROOT / "docs" / "doctor.md"
        doc.write_text(
            "# What `scraper doctor` repairs\n\nWritten by `benchmarks/doctor.py` from the capture fixtures "
            "(`fixtures/<section>/capture/`): each release change of `scraper/doctor/changes.py` applied to "
            "each section's capture, the doctor run on it, its patch applied, the capture read again and "
            "compared with its golden records. `·` the spec reads through (nothing to fix, golden records); "
            "`fixed` the doctor's patch restores the golden records; `no fix` the doctor said why it proposes "
            "nothing; `WRONG` a proposal that does not restore them (or nothing to fix on a capture that does "
            "not read right).\n\n" + table(trials) + "\n\n" + totals.rsplit(";", 1)[0] + ".\n",
            encoding="utf-8",
        )
    return 1 if counts["WRONG"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
