"""Parse throughput per section: a 1,000-row page through the DOM path and the API path, side by side.

Each page is generated from the section's German typical fixture by repeating its rows, so it carries
exactly the markup and JSON the goldens cover. Prints rows per second (best of several repeats) and the
API/DOM ratio measured in the same process. Run: .venv/bin/python benchmarks/bench_parse.py [--rows N]
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup

from scraper import extract
from scraper.parse import parse_page
from scraper.spec import Spec, load_spec

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def big_dom_page(spec: Spec, section_id: str, rows: int) -> str:
    """The typical German page with its rows repeated until there are `rows` of them."""
    soup = BeautifulSoup((FIXTURES / section_id / "dom" / "de-typical.html").read_text("utf-8"), "lxml")
    originals = soup.select(spec.section(section_id).dom.rows)
    parent = originals[0].parent
    assert parent is not None
    for i in range(rows - len(originals)):
        parent.append(copy.copy(originals[i % len(originals)]))
    return str(soup)


def _parent(doc: Any, dotted: str) -> tuple[Any, str]:
    """The object holding the last segment of a plain dotted path, and that segment."""
    *parents, last = dotted.split(".")
    for name in parents:
        doc = doc[name]
    return doc, last


def big_api_body(spec: Spec, section_id: str, rows: int) -> str | None:
    """The typical German API body with its row list repeated to `rows` entries (None without an API)."""
    section = spec.section(section_id)
    if section.api is None:
        return None
    doc: Any = json.loads((FIXTURES / section_id / "api" / "de-typical.json").read_text("utf-8"))
    holder, key = _parent(doc, section.api.rows)
    originals = holder[key]
    holder[key] = [originals[i % len(originals)] for i in range(rows)]
    if section.api.total:
        holder, key = _parent(doc, section.api.total)
        holder[key] = rows
    return json.dumps(doc)


def best_rate(fn: Callable[[], object], rows: int, repeats: int) -> float:
    """Rows per second of the fastest of `repeats` runs (the least disturbed by the rest of the machine)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return rows / best


def main() -> None:
    """Print one line per section: DOM rows/s, API rows/s, and the API/DOM ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    # The big pages repeat the same rows, which the reader refuses as hidden copies nobody marked; that
    # check costs one json.dumps per row, so the benchmark lets the repeats through instead.
    extract._refuse_copies = lambda *_: None  # type: ignore[assignment]
    spec = load_spec()
    print(
        f"{'section':<24}{'DOM rows/s':>12}{'API rows/s':>12}{'API/DOM':>9}   ({args.rows} rows, best of "
        f"{args.repeats})"
    )
    for section_id in spec.sections:
        html = big_dom_page(spec, section_id, args.rows)
        result = parse_page(spec, section_id, "dom", html)
        assert len(result.records) == args.rows
        dom_rate = best_rate(lambda h=html, s=section_id: parse_page(spec, s, "dom", h), args.rows, args.repeats)
        body = big_api_body(spec, section_id, args.rows)
        if body is None:
            print(f"{section_id:<24}{dom_rate:>12,.0f}{'-':>12}{'-':>9}")
            continue
        assert len(parse_page(spec, section_id, "api", body).records) == args.rows
        api_rate = best_rate(lambda b=body, s=section_id: parse_page(spec, s, "api", b), args.rows, args.repeats)
        print(f"{section_id:<24}{dom_rate:>12,.0f}{api_rate:>12,.0f}{api_rate / dom_rate:>8.1f}x")


if __name__ == "__main__":
    main()
