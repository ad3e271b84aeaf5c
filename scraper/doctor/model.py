"""What the doctor found and proposes: changes to selectors.yaml, and a report per section."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Place = tuple[str, ...]
"""A place in selectors.yaml as its keys from the top, e.g. ("sections", "feedback", "dom", "rows")."""


@dataclass(frozen=True)
class Change:
    """One edit of selectors.yaml: the value at a place (a new key where ``old`` is None, a removed one where
    ``new`` is None), and why the doctor proposes it."""

    place: Place
    old: str | None
    new: str | None
    why: str

    @property
    def where(self) -> str:
        """The dotted place, as spec errors name it."""
        return ".".join(self.place)


@dataclass(frozen=True)
class Call:
    """One JSON call the page made, as the diagnosis lists it."""

    page: int
    role: str
    """"rows" or "summary" (the spec's endpoints) or "other" (any other same-origin JSON call)."""
    method: str
    path: str
    status: int
    size: int | None
    """Bytes of the body; None where the capture holds none."""
    keys: tuple[str, ...]
    """Top-level keys of a JSON object body ("[N items]" for a list)."""


@dataclass(frozen=True)
class Match:
    """How much one selector or JSON path of the spec matched in the capture."""

    place: str
    what: str
    """"css", "path", "url_pattern" ..."""
    found: str
    """Human-readable counts, e.g. "5, 5, 2 rows on pages 1-3"."""
    ok: bool = True
    """False where it matched nothing although the other side says there is data."""


Verdict = Literal["nothing to fix", "fix proposed", "no fix found"]


@dataclass
class SectionReport:
    """The doctor's findings for one captured section."""

    section: str
    origin: str
    """Where the capture came from (a directory, or "live")."""
    status: str
    """What read_section said before any change (ok, drift, error ...)."""
    urls: list[str] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    other_calls_kept: bool = False
    """The capture kept every JSON call of the page (else only the spec's own endpoints were recorded)."""
    matches: list[Match] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """What no longer matches, in words."""
    changes: list[Change] = field(default_factory=list)
    unfixed: list[str] = field(default_factory=list)
    """Problems without a safe fix, and why."""
    notes: list[str] = field(default_factory=list)
    """Hints that are not proposals (a renamed JSON field the page does not show, ...)."""

    @property
    def verdict(self) -> Verdict:
        """No problem; every problem has a checked change; or some problem has none."""
        if self.unfixed:
            return "no fix found"
        return "fix proposed" if self.changes else "nothing to fix"
