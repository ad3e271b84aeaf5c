"""Discovery of fixture/golden pairs under fixtures/<section>/{dom,api}/."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from scraper.read import page_only_fields
from scraper.spec import Spec
from tests.conftest import FIXTURES

GOLDEN_SUFFIX = ".expected.json"
SUMMARY_SUFFIX = ".summary.json"


@dataclass(frozen=True)
class Case:
    """One saved page or body and its golden file."""

    section: str
    source: str  # "dom" or "api"
    name: str  # e.g. "de-typical", "paged-1", "de-typical.summary"
    path: Path

    @property
    def golden(self) -> Path:
        return self.path.with_name(self.name + GOLDEN_SUFFIX)

    @property
    def is_summary(self) -> bool:
        return self.path.name.endswith(SUMMARY_SUFFIX)

    @property
    def id(self) -> str:
        return f"{self.section}/{self.source}/{self.name}"


def all_cases() -> list[Case]:
    """Every fixture under fixtures/, sorted; goldens themselves are not cases."""
    cases = []
    for section_dir in sorted(p for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith("_")):
        for path in sorted((section_dir / "dom").glob("*.html")):
            cases.append(Case(section_dir.name, "dom", path.name.removesuffix(".html"), path))
        for path in sorted((section_dir / "api").glob("*.json")):
            if not path.name.endswith(GOLDEN_SUFFIX):
                cases.append(Case(section_dir.name, "api", path.name.removesuffix(".json"), path))
    return cases


def source_fields(spec: Spec, section: str) -> set[str]:
    """Record fields that both the page and the JSON fill (a field one source cannot carry is left out)."""
    sec = spec.section(section)
    return set(sec.dom.fields) & set(sec.api.fields) if sec.api is not None else set(sec.dom.fields)


def comparable(records: list[dict], fields: set[str]) -> list[dict]:
    """JSON records cut down to ``fields``, to compare what the page and the JSON both say."""
    return [{k: v for k, v in r.items() if k in fields} for r in records]


def read_golden(section: str, source: str, name: str) -> list[dict]:
    """The reviewed golden records of one fixture."""
    path = FIXTURES / section / source / f"{name}{GOLDEN_SUFFIX}"
    return json.loads(path.read_text(encoding="utf-8"))["records"]


def run_golden(spec: Spec, section: str, name: str) -> list[dict]:
    """What a run reads from the page and JSON of one case: the API golden, with the fields only the page
    shows taken from the DOM golden's row of the same key (both goldens reviewed by hand)."""
    sec = spec.section(section)
    if sec.api is None:
        return read_golden(section, "dom", name)
    api = read_golden(section, "api", name)
    extra = page_only_fields(sec)
    if not extra:
        return api
    page = {json.dumps([r[k] for k in sec.key]): r for r in read_golden(section, "dom", name)}
    merged = []
    for record in api:
        seen = page.get(json.dumps([record[k] for k in sec.key]))
        merged.append({**record, **{f: seen[f] for f in extra}} if seen is not None else record)
    return merged
