"""What the browser collected for one section in one marketplace, before anything is parsed.

The browser layer (:mod:`scraper.walk`) fills a :class:`SectionCapture`: the rendered HTML of every page it
saw, every JSON exchange of the section's endpoints with its request, the marketplace label the page showed,
timings, and whether the page limit cut the walk. :func:`scraper.read.read_section` turns it into records,
offline. A capture can be written to a directory (redacted) and read back, so ``scraper parse CAPTURE_DIR``
replays a whole section exactly as a run read it, and captures double as end-to-end fixtures.

Directory layout (``capture.json`` indexes the rest)::

    capture.json             section, marketplace, urls, labels, timings, exchanges' requests and statuses
    page-1.html              page 1 as rendered, invisible elements marked data-sc-hidden
    page-1.rows-1.json       the first JSON body the page fetched from the section's endpoint
    page-1.summary-1.json    a summary body (for example /pcrHealth/pcrKpi)
    page-1.counters-1.json   a body of the page's counters call (Feedback Manager's aggregates)
    page-1.other-1.json      any other same-origin JSON call of the page (only where the walk was asked to
                             keep them, as ``scraper capture`` and ``scraper doctor`` do: a moved endpoint
                             is found among them)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from scraper.errors import CaptureFormatError
from scraper.paths import write_private
from scraper.redact import Redactor

FORMAT = 1
"""Version of the capture.json layout; a newer file is refused rather than half-read."""

INDEX = "capture.json"

ExchangeRole = Literal["rows", "summary", "counters", "other"]
ROLES: tuple[str, ...] = ("rows", "summary", "counters", "other")
ProblemKind = Literal["signed_out", "drift", "error", "challenge"]


@dataclass
class Exchange:
    """One request of the page to a section endpoint, and its answer."""

    role: ExchangeRole
    url: str
    method: str
    status: int
    body: bytes | None
    """None when the browser could no longer hand the body over (evicted after a navigation)."""
    post_data: str | None = None
    replayed: bool = False
    """The walk itself repeated the page's request with the next offset (pagers it cannot click)."""
    error: str | None = None
    """Why no complete answer came (connection dropped, no answer in time); status 0 when none came at all."""

    @property
    def ok(self) -> bool:
        """The endpoint answered 2xx with a body."""
        return 200 <= self.status < 300 and self.body is not None


@dataclass
class CapturedPage:
    """One page of a section as the browser saw it (or a replayed JSON page, which has no HTML)."""

    url: str
    """The URL the browser actually showed (after redirects)."""
    html: str | None
    exchanges: list[Exchange] = field(default_factory=list)
    """Endpoint responses collected while this page was shown."""
    marketplace_label: str | None = None
    """The text of the account switcher's label: the marketplace the page itself says it shows."""
    elapsed_ms: int = 0
    ready: bool = True
    """False when the page never showed its data or empty-state marker but its JSON arrived."""


@dataclass
class CaptureProblem:
    """Why the browser could not collect everything (the reader turns it into the section's status)."""

    kind: ProblemKind
    message: str


@dataclass
class SectionCapture:
    """Everything the browser collected for one section in one marketplace."""

    section: str
    marketplace: str
    """The marketplace id the tool asked for."""
    locale: str
    requested_url: str
    pages: list[CapturedPage] = field(default_factory=list)
    truncated: bool = False
    """The page limit (settings.max_pages) stopped the walk before the last page."""
    problem: CaptureProblem | None = None
    started: str | None = None
    """ISO time the walk started (run metadata; never part of records)."""
    elapsed_ms: int = 0
    attempts: int = 1
    """How often the section was collected (a failure of the page's own data call is tried again)."""
    pager_probe: bool = False
    """A rendered page showed no Next control although its data call came back full without saying it was the
    last: the walk asked for the following page itself, and the list went on (the pager selector is stale)."""
    window_stop: str | None = None
    """Why a windowed walk stopped before the list's end (scraper/windows.py): "edge", "known" or "filter" (the
    filtered lists were read instead of the whole list). Saved in capture.json: a replay reads as the run did."""

    @property
    def html_pages(self) -> list[str]:
        """The rendered pages, in order."""
        return [p.html for p in self.pages if p.html is not None]

    def exchanges(self, role: ExchangeRole) -> list[Exchange]:
        """Every exchange of one role, in the order they happened."""
        return [x for p in self.pages for x in p.exchanges if x.role == role]


def _exchange_meta(x: Exchange, file: str | None, redactor: Redactor | None) -> dict[str, Any]:
    clean = redactor.text if redactor else (lambda s: s)
    post = x.post_data
    if post is not None and redactor is not None:
        post = redactor.json_body(post).strip()
    return {
        "role": x.role,
        "url": clean(x.url),
        "method": x.method,
        "status": x.status,
        "post_data": post,
        "replayed": x.replayed,
        "error": x.error,
        "body": file,
    }


def save_capture(
    capture: SectionCapture, directory: Path, redactor: Redactor | None = None, note: str = ""
) -> list[Path]:
    """Write a capture as a directory (files 0600); with a redactor, personal data is replaced first."""
    written: list[Path] = []

    def put(name: str, data: str) -> None:
        path = directory / name
        write_private(path, data.encode("utf-8"))
        written.append(path)

    pages_meta = []
    for n, page in enumerate(capture.pages, start=1):
        html_file = None
        if page.html is not None:
            html_file = f"page-{n}.html"
            put(html_file, redactor.html(page.html) if redactor else page.html)
        exchanges = []
        counts = dict.fromkeys(ROLES, 0)
        for x in page.exchanges:
            body_file = None
            if x.body is not None:
                counts[x.role] += 1
                body_file = f"page-{n}.{x.role}-{counts[x.role]}.json"
                text = redactor.json_body(x.body) if redactor else x.body.decode("utf-8", "replace")
                put(body_file, text)
            exchanges.append(_exchange_meta(x, body_file, redactor))
        pages_meta.append(
            {
                "url": redactor.text(page.url) if redactor else page.url,
                "html": html_file,
                "marketplace_label": page.marketplace_label,
                "elapsed_ms": page.elapsed_ms,
                "ready": page.ready,
                "exchanges": exchanges,
            }
        )
    index = {
        "format": FORMAT,
        "note": note or None,
        "section": capture.section,
        "marketplace": capture.marketplace,
        "locale": capture.locale,
        "requested_url": capture.requested_url,
        "started": capture.started,
        "elapsed_ms": capture.elapsed_ms,
        "truncated": capture.truncated,
        "attempts": capture.attempts,
        "pager_probe": capture.pager_probe,
        "window_stop": capture.window_stop,
        "problem": {"kind": capture.problem.kind, "message": capture.problem.message} if capture.problem else None,
        "pages": pages_meta,
    }
    put(INDEX, json.dumps(index, ensure_ascii=False, indent=1) + "\n")
    return written


def is_capture_dir(path: Path) -> bool:
    """True for a directory written by :func:`save_capture`."""
    return path.is_dir() and (path / INDEX).is_file()


def _need(node: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = node.get(key)
    if not isinstance(value, kind):
        raise CaptureFormatError(where, f"{key!r} is missing or not a {getattr(kind, '__name__', kind)}")
    return value


WINDOW_STOPS = frozenset({"edge", "known", "filter"})
"""Where a windowed walk may stop (scraper.windows.Stop): kept in the index, so a replay reads as the run did."""


def _window_stop(index: dict[str, Any], where: str) -> str | None:
    """The index's window_stop (absent in captures of unwindowed walks and in older captures: None)."""
    value = index.get("window_stop")
    if value is not None and value not in WINDOW_STOPS:
        raise CaptureFormatError(where, f"'window_stop' is {value!r}, not one of {', '.join(sorted(WINDOW_STOPS))}")
    return value if isinstance(value, str) else None


def load_capture(directory: Path) -> SectionCapture:
    """Read a capture directory back; CaptureFormatError naming the file and key when it is malformed."""
    index_path = directory / INDEX
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CaptureFormatError(str(index_path), f"cannot read the index: {exc}") from exc
    where = str(index_path)
    if not isinstance(index, dict):
        raise CaptureFormatError(where, "expected a JSON object")
    if index.get("format") != FORMAT:
        raise CaptureFormatError(where, f"format {index.get('format')!r}; this version reads format {FORMAT}")

    def read(name: str | None) -> bytes | None:
        if name is None:
            return None
        path = directory / name
        if path.parent != directory or not path.is_file():
            raise CaptureFormatError(where, f"names {name!r}, which is not a file of the capture")
        return path.read_bytes()

    pages = []
    for i, meta in enumerate(_need(index, "pages", list, where), start=1):
        here = f"{where} pages[{i}]"
        if not isinstance(meta, dict):
            raise CaptureFormatError(here, "expected an object")
        exchanges = []
        for j, x in enumerate(_need(meta, "exchanges", list, here), start=1):
            there = f"{here} exchanges[{j}]"
            if not isinstance(x, dict) or x.get("role") not in ROLES:
                raise CaptureFormatError(there, f"expected an object with role {', '.join(ROLES)}")
            exchanges.append(
                Exchange(
                    role=x["role"],
                    url=_need(x, "url", str, there),
                    method=_need(x, "method", str, there),
                    status=_need(x, "status", int, there),
                    body=read(x.get("body")),
                    post_data=x.get("post_data"),
                    replayed=bool(x.get("replayed", False)),
                    error=x.get("error") if isinstance(x.get("error"), str) else None,
                )
            )
        html = read(meta.get("html"))
        pages.append(
            CapturedPage(
                url=_need(meta, "url", str, here),
                html=html.decode("utf-8", "replace") if html is not None else None,
                exchanges=exchanges,
                marketplace_label=meta.get("marketplace_label"),
                elapsed_ms=int(meta.get("elapsed_ms") or 0),
                ready=bool(meta.get("ready", True)),
            )
        )
    problem = index.get("problem")
    return SectionCapture(
        section=_need(index, "section", str, where),
        marketplace=_need(index, "marketplace", str, where),
        locale=_need(index, "locale", str, where),
        requested_url=_need(index, "requested_url", str, where),
        pages=pages,
        truncated=bool(index.get("truncated", False)),
        problem=CaptureProblem(problem["kind"], problem["message"]) if isinstance(problem, dict) else None,
        started=index.get("started"),
        elapsed_ms=int(index.get("elapsed_ms") or 0),
        attempts=int(index.get("attempts") or 1),
        pager_probe=bool(index.get("pager_probe", False)),
        window_stop=_window_stop(index, where),
    )
