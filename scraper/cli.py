"""Command line: ``scraper parse`` for selector maintenance and ``scraper demo`` for the bundled data.

Exit codes: 0 success, 1 a page could not be read (drift, field error, signed out), 2 usage or
configuration error (bad arguments, invalid selectors.yaml, unreadable file).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scraper import __version__
from scraper.errors import PageError, ScraperError, SpecError
from scraper.parse import ParseResult, parse_page, parse_summary_api
from scraper.serialize import dumps, to_jsonable
from scraper.spec import DEFAULT_SPEC_PATH, Spec, load_spec

EXIT_OK = 0
EXIT_UNREADABLE = 1
EXIT_USAGE = 2

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"


def _result_json(result: ParseResult) -> dict[str, Any]:
    return {
        "section": result.section,
        "source": result.source,
        "status": result.status,
        "locale": result.locale,
        "next_page": result.next_page,
        "total": result.total,
        "summary": to_jsonable(result.summary),
        "records": to_jsonable(list(result.records)),
    }


def _cell(value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"unknown"}:
        return f"? {value['unknown']}"
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    return "" if value is None else str(value)


def print_table(console: Console, result: ParseResult, title: str | None = None) -> None:
    """Records as a terminal table, one column per field; unknown enum labels shown as "? label"."""
    rows = [to_jsonable(r) for r in result.records]
    caption = f"{result.status}, {len(rows)} record(s), source {result.source}, locale {result.locale or '?'}"
    table = Table(title=title or result.section, caption=caption, show_lines=False)
    columns = list(rows[0]) if rows else []
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row[c]) for c in columns))
    console.print(table)
    if result.summary is not None:
        console.print(f"summary: {to_jsonable(result.summary)}")


def _cmd_parse(args: argparse.Namespace, spec: Spec, console: Console) -> int:
    path = Path(args.file)
    try:
        payload = path.read_bytes()
    except OSError as exc:
        console.print(f"[red]cannot read {escape(str(path))}: {exc.strerror}[/red]")
        return EXIT_USAGE
    source = args.source or ("api" if path.suffix.lower() == ".json" else "dom")
    if args.summary:
        section = spec.section(args.section)
        summary = parse_summary_api(spec, section, payload)
        sys.stdout.write(dumps(summary))
        return EXIT_OK
    result = parse_page(spec, args.section, source, payload, locale=args.locale)
    if args.format == "json":
        sys.stdout.write(dumps(_result_json(result)))
    else:
        print_table(console, result, f"{args.section} ({path.name})")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace, spec: Spec, console: Console) -> int:
    """Read every section's typical German page of the bundled fixtures and print the records."""
    console.print("[bold]Demo:[/bold] parsing the bundled Seller Central fixtures (no browser yet)")
    for section_id in spec.sections:
        path = FIXTURES_DIR / section_id / "dom" / f"{args.locale}-typical.html"
        result = parse_page(spec, section_id, "dom", path.read_bytes())
        print_table(console, result, f"{spec.sections[section_id].title[args.locale]} ({section_id})")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `scraper` command."""
    parser = argparse.ArgumentParser(prog="scraper", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--spec", default=str(DEFAULT_SPEC_PATH), help="selectors file (default: %(default)s)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("parse", help="parse a saved page or JSON body and print the records or the error")
    p.add_argument("section", help="section id, e.g. feedback")
    p.add_argument("file", help="saved HTML page or JSON body")
    p.add_argument("--source", choices=["dom", "api"], help="default: api for .json files, else dom")
    p.add_argument("--format", choices=["json", "table"], default="table")
    p.add_argument("--locale", help="override the page's language, e.g. de_DE or en_US")
    p.add_argument("--summary", action="store_true", help="the file is the section's summary body (pcrKpi)")
    p.set_defaults(func=_cmd_parse)

    d = sub.add_parser("demo", help="run the main job against the bundled demo data")
    d.add_argument("--locale", choices=["de", "en"], default="de")
    d.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    console = Console()
    err = Console(stderr=True, soft_wrap=True)
    try:
        spec = load_spec(args.spec)
        return int(args.func(args, spec, console))
    except SpecError as exc:
        err.print(f"[red]selectors file error:[/red] {escape(str(exc))}", highlight=False)
        return EXIT_USAGE
    except KeyError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc.args[0]))}", highlight=False)
        return EXIT_USAGE
    except PageError as exc:
        err.print(f"[red]cannot read the page:[/red] {escape(str(exc))}", highlight=False)
        return EXIT_UNREADABLE
    except ScraperError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        return EXIT_UNREADABLE


if __name__ == "__main__":
    sys.exit(main())
