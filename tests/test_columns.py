"""Fields found by their column's header label: reordered or inserted columns change nothing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from scraper.errors import SelectorDriftError, SpecError
from scraper.extract import read_dom, soup_of
from scraper.spec import DEFAULT_SPEC_PATH, DomSource, FieldSpec, SectionSpec, Spec, load_spec
from scraper.values import PARSERS


def _field(name: str, column: tuple[str, ...], required: bool = True, css: str | None = None) -> FieldSpec:
    return FieldSpec(name, "str", required, False, (), PARSERS["str"], css=css, column=column)


def _section(spec: Spec) -> SectionSpec:
    dom = DomSource(
        rows="table.t tbody tr",
        fields={
            "asin": _field("asin", ("ASIN", "ASIN")),
            "due": _field("due", ("Fälligkeitsdatum", "Due Date")),
            "note": _field("note", ("Hinweis", "Note"), required=False, css="span.note"),
        },
        next_page=None,
        headers="table.t thead th",
        cells=":scope > td",
    )
    return dataclasses.replace(spec.section("notifications"), dom=dom, empty=".nothing-here")


def _page(headers: list[str], rows: list[list[str]], lang: str = "en") -> str:
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<html lang="{lang}"><body><table class="t"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


@pytest.mark.parametrize(
    ("headers", "rows"),
    [
        (["ASIN", "Due Date", "Note"], [["B0TEST0001", "Apr. 3, 2026", "<span class='note'>n</span>"]]),
        (["Due Date", "ASIN", "Note"], [["Apr. 3, 2026", "B0TEST0001", "<span class='note'>n</span>"]]),
        (
            ["", "ASIN", "Due  Date", "Note"],
            [["<input type=checkbox>", "B0TEST0001", "Apr. 3, 2026", "<span class='note'>n</span>"]],
        ),
    ],
    ids=["as designed", "reordered", "new leading column"],
)
def test_fields_follow_their_header(spec: Spec, headers: list[str], rows: list[list[str]]) -> None:
    page = read_dom(spec, _section(spec), soup_of(_page(headers, rows)))
    assert page.rows == [{"asin": "B0TEST0001", "due": "Apr. 3, 2026", "note": "n"}]


def test_german_headers_match_too(spec: Spec) -> None:
    page = read_dom(
        spec, _section(spec), soup_of(_page(["ASIN", "Fälligkeitsdatum"], [["B0TEST0001", "3.4.2026"]], "de"))
    )
    assert page.rows == [{"asin": "B0TEST0001", "due": "3.4.2026", "note": None}]


def test_a_missing_required_column_is_drift(spec: Spec) -> None:
    with pytest.raises(SelectorDriftError, match="Due Date"):
        read_dom(spec, _section(spec), soup_of(_page(["ASIN", "Deadline"], [["B0TEST0001", "x"]])))


def test_a_column_field_needs_headers_and_cells(tmp_path: Path) -> None:
    doc = yaml.safe_load(DEFAULT_SPEC_PATH.read_text(encoding="utf-8"))
    dom = doc["sections"]["notifications"]["dom"]
    dom["fields"]["date"] = {"column": {"de": "Datum", "en": "Date"}, "type": "date"}
    path = tmp_path / "selectors.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SpecError, match="needs headers and cells"):
        load_spec(path)
    dom["headers"], dom["cells"] = "table thead th", ":scope > td"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert load_spec(path).section("notifications").dom.fields["date"].column == ("Datum", "Date")


def test_a_row_with_another_number_of_cells_is_drift_not_shifted_values(spec: Spec) -> None:
    page = _page(["ASIN", "Due Date", "Note"], [["B0TEST0001", "Apr. 3, 2026"]])
    with pytest.raises(SelectorDriftError, match="row 1 has 2 cells, the header has 3"):
        read_dom(spec, _section(spec), soup_of(page))
