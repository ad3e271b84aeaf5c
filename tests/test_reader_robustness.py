"""The reader's own defences against markup noise (scraper/extract.py), each on a minimal page."""

from __future__ import annotations

import pytest

from scraper.errors import FieldError, SelectorDriftError
from scraper.parse import parse_page
from scraper.spec import Spec

ROW = (
    '<kat-table-row data-read="{read}"><kat-table-cell data-column="date">{date}</kat-table-cell>'
    '<kat-table-cell data-column="subject"><a href="/performance/notifications/{id}">{subject}</a>'
    "</kat-table-cell></kat-table-row>"
)


def _page(*rows: str) -> str:
    return (
        '<html lang="en-US"><body><kat-table class="notifications-table"><kat-table-body>'
        + "".join(rows)
        + "</kat-table-body></kat-table></body></html>"
    )


def _row(id: str = "n1", date: str = "Jul 28, 2026", subject: str = "Listing B0DEMO0101 removed") -> str:
    return ROW.format(read="true", date=date, id=id, subject=subject)


def test_text_split_by_comments_and_removed_elements_reads_as_one(spec: Spec) -> None:
    page = _page(_row(date="Jul 2<!-- -->8, <script>x()</script>2026", subject="Lis<!-- -->ting B0DEMO0101 removed"))
    record = parse_page(spec, "notifications", "dom", page).records[0]
    assert str(record.date) == "2026-07-28"
    assert record.subject == "Listing B0DEMO0101 removed"


def test_attributes_read_with_whitespace_collapsed(spec: Spec) -> None:
    page = _page(_row(id="n1\u00a0 ")).replace('data-read="true"', 'data-read="\n  true\u202f"')
    record = parse_page(spec, "notifications", "dom", page).records[0]
    assert record.notification_id == "n1"
    assert record.read is True


def test_two_rows_that_read_alike_are_refused(spec: Spec) -> None:
    """An unmarked hidden copy must not double a record: the page fails, naming both rows."""
    page = _page(_row("n1"), _row("n2"), '<kat-table-row class="aok-hidden"' + _row("n1")[len("<kat-table-row") :])
    with pytest.raises(SelectorDriftError, match="rows 1 and 3 read exactly alike"):
        parse_page(spec, "notifications", "dom", page)


def test_a_marked_copy_is_dropped_and_an_empty_row_fails_on_its_fields(spec: Spec) -> None:
    marked = '<kat-table-row data-sc-hidden="1"' + _row("n1")[len("<kat-table-row") :]
    assert len(parse_page(spec, "notifications", "dom", _page(_row("n1"), marked)).records) == 1
    empty = "<kat-table-row><kat-table-cell></kat-table-cell></kat-table-row>"
    with pytest.raises(FieldError, match="notification_id"):
        parse_page(spec, "notifications", "dom", _page(_row("n1"), empty, empty))
