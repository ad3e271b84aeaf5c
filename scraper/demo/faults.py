"""The demo's fault catalogue: what can go wrong on purpose, per section, per path and site-wide.

One registry (:data:`SECTION_FAULTS`, :data:`SITE_FAULTS`) names every fault with a one-line description;
``python -m scraper.demo.server --help`` and ``scraper demo --help`` print it. Faults are given as text
(``--fault case_log=api_hang``, ``--http-status /fbmapi=503x2``) or set on
:class:`~scraper.demo.server.DemoOptions` from tests; unknown names, sections and malformed values are
refused with a message that lists what is known.

Text forms:

- section fault ``SECTION=NAME[:ARG][xN]``: ``ARG`` a whole number where the fault takes one (``slow:1500``
  milliseconds, ``api_huge:40`` megabytes), ``xN`` fire only the first N times, then behave normally.
- HTTP status ``PATH=STATUS[:RETRY_AFTER][xN]``: every request under the path prefix answers STATUS (400-599),
  with a ``Retry-After: RETRY_AFTER`` header (seconds) when given, the first N times only with ``xN``.
"""

from __future__ import annotations

import argparse
import re
import threading
from dataclasses import dataclass
from typing import Any, Literal

Target = Literal["page", "api", "both", "render"]
"""What a section fault acts on: the section's page, its data call (rows endpoint), both, or the page's
rendering in the browser (static/app.js)."""


@dataclass(frozen=True)
class FaultKind:
    """One entry of the catalogue."""

    name: str
    target: Target
    description: str
    arg: str | None = None
    """What the optional number means ("ms", "MB", "s"), None when the fault takes none."""
    default_arg: int | None = None
    default_times: int | None = None
    """How often it fires when the text gives no ``xN`` (None: every time)."""


HANG_S = 300
"""The longest a "hang" holds its request (the walk must give up long before; stop() ends it at once)."""

SECTION_FAULTS: dict[str, FaultKind] = {
    k.name: k
    for k in (
        FaultKind("markup_changed", "render", "rows rendered under another element name (Amazon ships new markup)"),
        FaultKind("extra_dom_row", "render", "one row on the page that its JSON lacks (page and JSON disagree)"),
        FaultKind("endpoint_moved", "render", "the page fetches its JSON from another URL than the spec's url_pattern"),
        FaultKind(
            "json_field_renamed", "render", "a row field of the JSON comes under a new name (server.RENAMED_FIELDS)"
        ),
        FaultKind("leading_column", "render", "a new first column (a checkbox) in every table row"),
        FaultKind("classes_renamed", "render", "every class inside the table cells gets a build-hash suffix"),
        FaultKind("pager_renamed", "render", "the list pager's class gets a build-hash suffix (Next no longer found)"),
        FaultKind("slow", "both", "the page and its data call answer ARG ms late (default 2000)", "ms", 2000),
        FaultKind("hang", "page", "the section's page never answers (held up to ARG s, default 300)", "s", HANG_S),
        FaultKind("api_hang", "api", "the data call never answers (held up to ARG s, default 300)", "s", HANG_S),
        FaultKind("api_drop", "api", "the data call sends its headers and half its body, then drops the connection"),
        FaultKind("api_truncated", "api", "the data call answers 200 with its JSON cut in half (length matches)"),
        FaultKind("api_malformed", "api", "the data call answers 200 with an HTML error text instead of JSON"),
        FaultKind("api_huge", "api", "the data call's JSON is padded to ARG MB (default 40)", "MB", 40),
        FaultKind(
            "session_expired", "page", "opening the section's page ends the session (signed out), once", default_times=1
        ),
        FaultKind("captcha", "page", "the section's page shows Amazon's CAPTCHA (a bot check in mid-walk)"),
        FaultKind(
            "interstitial", "page", "the section's page redirects to an unknown notice (\"we updated our terms\")"
        ),
        FaultKind("redirect_loop", "page", "the section's page redirects to itself forever"),
    )
}
"""Faults one section shows (``--fault SECTION=NAME``)."""

SITE_FAULTS: dict[str, str] = {
    "--http-status PATH=STATUS[:RETRY_AFTER][xN]": "every request under PATH answers STATUS (500, 503, 429 ...), "
    "with Retry-After when given, only the first N times with xN",
    "--switch-fails": "marketplace switches are ignored: the site stays on the first marketplace",
    "--rows SECTION=N": "the section has N rows (copies with new ids), so it pages beyond max_pages",
    "--latency-ms MS": "every response is MS late",
}
"""Site-wide faults, as command-line options."""

ROW_ID_FIELDS: dict[str, tuple[str, ...]] = {
    "notifications": ("id",),
    "case_log": ("caseId",),
    "feedback": ("orderId", "feedbackId"),
}
"""Sections whose data ``--rows`` can grow, and the JSON fields that make a copied row a new record."""


def catalogue() -> str:
    """The catalogue as help text: one line per fault."""
    width = max(len(n) for n in SECTION_FAULTS)
    lines = ["section faults (--fault SECTION=NAME[:ARG][xN]):"]
    lines += [f"  {k.name:<{width}}  {k.description}" for k in SECTION_FAULTS.values()]
    lines.append("site-wide:")
    lines += [f"  {option}\n      {text}" for option, text in SITE_FAULTS.items()]
    return "\n".join(lines)


_FIRE_LOCK = threading.Lock()
"""Counting uses of faults happens on the server's request threads."""


class _Counted:
    """How often a fault still fires (``times``; None: every time)."""

    times: int | None

    def fire(self) -> bool:
        """True when the fault applies to this request (and count the use)."""
        with _FIRE_LOCK:
            if self.times is None:
                return True
            if self.times <= 0:
                return False
            self.times -= 1
            return True


@dataclass(eq=False)
class Fault(_Counted):
    """One section's injected fault."""

    name: str
    arg: int | None = None
    times: int | None = None

    @property
    def kind(self) -> FaultKind:
        """Its catalogue entry."""
        return SECTION_FAULTS[self.name]

    @property
    def value(self) -> int | None:
        """The argument, or the catalogue's default."""
        return self.arg if self.arg is not None else self.kind.default_arg


@dataclass(eq=False)
class HttpFault(_Counted):
    """An HTTP status that every request under a path prefix answers with."""

    status: int
    retry_after: str | None = None
    """The Retry-After header's value (seconds, or an HTTP date); None sends none."""
    times: int | None = None


_FAULT_TEXT = re.compile(r"(?P<name>[a-z_]+)(?::(?P<arg>\d+))?(?:x(?P<times>\d+))?")
_STATUS_TEXT = re.compile(r"(?P<status>\d{3})(?::(?P<after>\d+))?(?:x(?P<times>\d+))?")


def known_sections() -> tuple[str, ...]:
    """The section ids faults may name."""
    from scraper.demo.site import SECTIONS

    return tuple(SECTIONS)


def parse_fault(text: str) -> Fault:
    """``NAME[:ARG][xN]`` as a Fault; ValueError naming the known faults otherwise."""
    m = _FAULT_TEXT.fullmatch(text.strip())
    if m is None or m["name"] not in SECTION_FAULTS:
        raise ValueError(f"unknown fault {text!r}; known: {', '.join(SECTION_FAULTS)}")
    kind = SECTION_FAULTS[m["name"]]
    if m["arg"] is not None and kind.arg is None:
        raise ValueError(f"fault {kind.name} takes no argument, got {text!r}")
    times = int(m["times"]) if m["times"] is not None else kind.default_times
    return Fault(kind.name, int(m["arg"]) if m["arg"] is not None else None, times)


def parse_status(text: str) -> HttpFault:
    """``STATUS[:RETRY_AFTER][xN]`` as an HttpFault; ValueError otherwise."""
    m = _STATUS_TEXT.fullmatch(text.strip())
    if m is None or not 400 <= int(m["status"]) <= 599:
        raise ValueError(
            f"expected STATUS[:RETRY_AFTER][xN] with a status 400-599, such as 503, 429:2 or 503x2, got {text!r}"
        )
    return HttpFault(int(m["status"]), m["after"], int(m["times"]) if m["times"] is not None else None)


def check_faults(value: dict[str, Fault | str]) -> dict[str, Fault]:
    """Section id -> Fault, from Fault objects or their text; ValueError for unknown sections or faults."""
    sections = known_sections()
    result = {}
    for section, fault in value.items():
        if section not in sections:
            raise ValueError(f"unknown section {section!r} for a fault; known: {', '.join(sections)}")
        if isinstance(fault, Fault):
            if fault.name not in SECTION_FAULTS:
                raise ValueError(f"unknown fault {fault.name!r}; known: {', '.join(SECTION_FAULTS)}")
            result[section] = fault
        elif isinstance(fault, str):
            result[section] = parse_fault(fault)
        else:
            raise ValueError(f"a fault is a name such as 'api_hang', not {fault!r}")
    return result


def check_statuses(value: dict[str, HttpFault | int | str]) -> dict[str, HttpFault]:
    """Path prefix -> HttpFault, from HttpFault objects, bare statuses or their text."""
    result = {}
    for path, fault in value.items():
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"an HTTP status fault needs a path prefix starting with '/', got {path!r}")
        if isinstance(fault, HttpFault):
            result[path] = fault
        elif isinstance(fault, int) and not isinstance(fault, bool):
            result[path] = parse_status(str(fault))
        elif isinstance(fault, str):
            result[path] = parse_status(fault)
        else:
            raise ValueError(f"expected an HTTP status for {path}, not {fault!r}")
    return result


def check_rows(value: dict[str, int]) -> dict[str, int]:
    """Section id -> row count for ``--rows``; ValueError for a section whose rows cannot be copied."""
    for section, count in value.items():
        if section not in ROW_ID_FIELDS:
            raise ValueError(f"--rows works for {', '.join(ROW_ID_FIELDS)}, not {section!r}")
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 100_000:
            raise ValueError(f"--rows needs a row count from 0 to 100000 for {section}, got {count!r}")
    return dict(value)


def split_pair(text: str, what: str, *, at_last: bool = False) -> tuple[str, str]:
    """``KEY=VALUE`` -> (KEY, VALUE), split at the last "=" with ``at_last`` (a path with a query has more)."""
    key, sep, value = text.rpartition("=") if at_last else text.partition("=")
    if not sep or not key or not value:
        raise ValueError(f"expected {what}, got {text!r}")
    return key, value


# --- command line ---------------------------------------------------------------------------------------


def _section_fault(text: str) -> tuple[str, Fault]:
    try:
        section, value = split_pair(text, "SECTION=FAULT such as case_log=api_hang")
        return section, check_faults({section: value})[section]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _path_status(text: str) -> tuple[str, HttpFault]:
    try:
        path, value = split_pair(text, "PATH=STATUS[:RETRY_AFTER][xN] such as /fbmapi=503x2", at_last=True)
        return path, check_statuses({path: value})[path]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _row_count(text: str) -> tuple[str, int]:
    try:
        section, value = split_pair(text, "SECTION=N such as case_log=45")
        if not value.isdigit():
            raise ValueError(f"expected a row count, got {text!r}")
        return section, check_rows({section: int(value)})[section]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_fault_arguments(parser: argparse.ArgumentParser) -> None:
    """The fault options shared by ``python -m scraper.demo.server`` and ``scraper demo``.

    A malformed or unknown value is a usage error (exit 2) naming what is known.
    """
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        type=_section_fault,
        metavar="SECTION=FAULT[:ARG][xN]",
        help="a section fault of the catalogue below, e.g. case_log=api_hang or feedback=api_drop",
    )
    parser.add_argument(
        "--http-status",
        action="append",
        default=[],
        type=_path_status,
        metavar="PATH=STATUS[:RETRY_AFTER][xN]",
        help="answer requests under PATH with STATUS, e.g. /home=503, /fbmapi=429:2 (Retry-After 2), "
        "/cu/case-lobby=503x2 (twice, then normally)",
    )
    parser.add_argument(
        "--switch-fails", action="store_true", help="ignore marketplace switches (the page stays on the first one)"
    )
    parser.add_argument(
        "--rows", action="append", default=[], type=_row_count, metavar="SECTION=N", help="grow a section to N rows"
    )


def fault_options(args: argparse.Namespace) -> dict[str, Any]:
    """DemoOptions keyword arguments from the options of :func:`add_fault_arguments`."""
    return {
        "faults": dict(args.fault),
        "http_status": dict(args.http_status),
        "switch_fails": bool(args.switch_fails),
        "rows": dict(args.rows),
    }
