"""The one whitespace normaliser: how the tool compares and shows text taken from a page."""

from __future__ import annotations

from collections.abc import Callable

from bs4 import Tag

Notify = Callable[[str], None]
"""The one shape of a progress callback (sign-in, renewals, each section read): a line of text for a person."""


def quiet(message: str) -> None:
    """A Notify that says nothing (worker processes, tests)."""


def squash(text: str) -> str:
    """Runs of whitespace (line breaks, no-break spaces, tabs) as one space, none at either end.

    Pages indent their markup and Katal renders labels with no-break spaces; comparing or storing text as
    the page's bytes would make a reformatted template look like a changed value. Anything but text is a
    TypeError (a JSON number or boolean where a transform expects text), as ``re.sub`` says it.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected text, got {type(text).__name__}")
    return " ".join(text.split())


def element_text(element: Tag) -> str:
    """An element's text as the reader sees it: its descendants' text joined by spaces, then squashed."""
    return squash(element.get_text(" "))
