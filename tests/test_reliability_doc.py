"""docs/reliability.md names, for every failure scenario, the test that proves it: those tests must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "reliability.md"


def named_tests() -> list[tuple[str, str]]:
    """(file, test) for every test a table row of the document names; ``::name`` continues the last file."""
    named = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        current = None
        for file, name in re.findall(r"`(?:(test_\w+\.py))?::(test_\w+)", line):
            current = file or current
            assert current, f"{name} in a row of docs/reliability.md without its file: {line}"
            named.append((current, name))
    return named


def test_every_test_the_reliability_document_names_exists() -> None:
    named = named_tests()
    assert len(named) > 40
    missing = [
        f"{file}::{name}"
        for file, name in named
        if not re.search(rf"^(async )?def {name}\(", (ROOT / "tests" / file).read_text(encoding="utf-8"), re.M)
    ]
    assert missing == []
