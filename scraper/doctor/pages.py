"""The rendered pages of a capture, parsed once (parsing dominates the doctor's time)."""

from __future__ import annotations

from dataclasses import dataclass

from bs4 import BeautifulSoup

from scraper.capture import SectionCapture
from scraper.extract import drop_invisible
from scraper.spec import Spec
from scraper.values import Locale


@dataclass(frozen=True)
class Rendered:
    """One rendered page: as saved, as a person sees it, and its language."""

    number: int
    """1-based position in the capture (replayed JSON pages count too)."""
    full: BeautifulSoup
    seen: BeautifulSoup
    locale: Locale


def rendered(spec: Spec, capture: SectionCapture) -> list[Rendered]:
    """Every page of the capture that has HTML, parsed (lxml, as the reader does)."""
    out = []
    for n, page in enumerate(capture.pages, start=1):
        if page.html is None:
            continue
        full = BeautifulSoup(page.html, "lxml")
        element = full.select_one(spec.locale_css)
        value = element.get(spec.locale_attr) if element is not None else None
        locale = Locale.parse(value if isinstance(value, str) else None)
        out.append(Rendered(n, full, drop_invisible(BeautifulSoup(page.html, "lxml")), locale))
    return out
