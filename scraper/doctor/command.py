"""``scraper doctor``: the command, offline on saved captures or live on an account.

Exit codes: 0 nothing to fix; 1 a fix is proposed (every problem found has a checked change); 2 usage;
3 some problem has no safe fix (what was found is still printed, and the checked part of the patch too).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from scraper import paths
from scraper.capture import SectionCapture, is_capture_dir, load_capture
from scraper.config import load_config
from scraper.doctor.live import save_all, walk_sections
from scraper.doctor.prescribe import Prescription, prescribe
from scraper.doctor.show import print_prescription
from scraper.run import RunOptions
from scraper.spec import Spec

NOTHING_TO_FIX = 0
FIX_PROPOSED = 1
USAGE = 2
NO_FIX_FOUND = 3


def find_captures(targets: list[str]) -> list[Path] | str:
    """Capture directories named, or found under the folders named; a message where a target has none."""
    found: list[Path] = []
    for target in targets:
        path = Path(target)
        if is_capture_dir(path):
            found.append(path)
            continue
        inside = sorted(p.parent for p in path.rglob("capture.json")) if path.is_dir() else []
        if not inside:
            return f"{target} is not a capture directory (scraper capture) and holds none"
        found.extend(inside)
    return found


def exit_code(prescription: Prescription) -> int:
    """0 nothing to fix, 1 every problem has a checked change, 3 some problem has none."""
    verdicts = {r.verdict for r in prescription.reports}
    if "no fix found" in verdicts:
        return NO_FIX_FOUND
    return FIX_PROPOSED if "fix proposed" in verdicts else NOTHING_TO_FIX


def _live(args: argparse.Namespace, spec: Spec, console: Console) -> list[tuple[SectionCapture, str]]:
    config = load_config(Path(args.config) if args.config else paths.config_file())
    account = config.account(args.account)
    marketplace = args.marketplace or account.marketplaces[0]
    sections = list(args.sections or account.sections)
    options = RunOptions(headed=args.headed, interactive=args.headed, via_menu=args.via_menu)
    with console.status(f"[{account.name}] walking {len(sections)} section(s)") as status:
        captures = walk_sections(
            spec,
            account,
            config.settings,
            options,
            sections,
            marketplace,
            notify=lambda m: status.update(escape(m)),
            max_pages=args.max_pages,
        )
    if args.save:
        for directory in save_all(spec, captures, Path(args.save)):
            console.print(f"saved {escape(str(directory))} (redacted; replay: scraper parse DIR)")
    return [(c, f"live {account.name}/{marketplace}") for c in captures]


def run(args: argparse.Namespace, spec: Spec, console: Console) -> int:
    """The ``doctor`` command: diagnose, propose, print; ``--write FILE`` writes the patched copy."""
    if args.captures and (args.account or args.save):
        console.print("[red]give capture directories, or --account (a live walk), not both[/red]")
        return USAGE
    if args.write and Path(args.write).resolve() == Path(spec.path).resolve():
        console.print("[red]--write writes a patched copy; review it, then replace the file in use yourself[/red]")
        return USAGE
    if args.captures:
        directories = find_captures(args.captures)
        if isinstance(directories, str):
            console.print(f"[red]{escape(directories)}[/red]")
            return USAGE
        captures = [(load_capture(d), str(d)) for d in directories]
        captures = [(c, o) for c, o in captures if not args.sections or c.section in args.sections]
        if not captures:
            console.print(f"[red]no capture of {escape(', '.join(args.sections))} among them[/red]")
            return USAGE
    else:
        captures = _live(args, spec, console)
    text = Path(spec.path).read_text(encoding="utf-8")
    prescription = prescribe(spec, text, captures)
    print_prescription(console, prescription, diff_only=args.diff_only)
    if args.write:
        if prescription.changes:
            Path(args.write).write_text(prescription.patched, encoding="utf-8")
            console.print(
                f"wrote the patched copy to {escape(args.write)}; check it with scraper --spec FILE parse DIR"
            )
        else:
            console.print(f"nothing to write: no change is proposed ({escape(args.write)} not written)")
    return exit_code(prescription)
