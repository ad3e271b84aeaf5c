"""The real selectors.yaml loads; every way of breaking it is a SpecError naming file, place and line."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

import pytest
import yaml

from scraper.errors import SpecError
from scraper.records import ENUM_TYPES, RECORD_TYPES, SUMMARY_TYPES, Unknown
from scraper.spec import DEFAULT_SPEC_PATH, load_spec


def test_the_real_spec_loads_all_six_sections() -> None:
    spec = load_spec()
    assert list(spec.sections) == list(RECORD_TYPES)
    for section in spec.sections.values():
        assert section.url.startswith("/")
        assert set(section.title) == set(section.menu) == {"de", "en"}
        assert set(section.key) <= set(section.dom.fields)


def test_spec_fields_cover_every_record_field_for_every_source() -> None:
    """DOM and API fill the same record fields, except fields only one of them can have (an id only the JSON
    sends, Voice of the Customer's category benchmarks): those must default to None, so that the other source
    leaves them empty and DOM/API agreement is checked on the rest."""
    spec = load_spec()
    for section in spec.sections.values():
        # A field the record computes itself (init=False, such as Case.needs_attention) is never read.
        fields = {f.name: f for f in dataclasses.fields(section.record_type) if f.init}
        names = set(fields)
        dom = set(section.dom.fields)
        api = set(section.api.fields) if section.api is not None else names
        assert dom | api == names, section.id
        for name in names - (dom & api):
            assert fields[name].default is None, f"{section.id}.{name} is filled by one source only"


_PLAIN_TYPES = (str, int, bool, Decimal, date, type(None), Unknown)
"""What a record field may hold besides an enum the spec may name (ENUM_TYPES) and tuple[str, ...]."""


def _type_problems(record_type: type) -> list[str]:
    """Why the record class is not made of documented types: each field a plain value, an enum that
    selectors.yaml may name (so its labels can be mapped), Unknown for labels not mapped yet, tuple[str, ...],
    optionally None; the class documented."""
    problems = [] if record_type.__doc__ else [f"{record_type.__name__} has no docstring"]
    hints = typing.get_type_hints(record_type)
    for f in dataclasses.fields(record_type):
        hint = hints[f.name]
        union = typing.get_origin(hint) in (typing.Union, types.UnionType)
        for option in typing.get_args(hint) if union else (hint,):
            if typing.get_origin(option) is tuple:
                ok = typing.get_args(option) == (str, ...)
            elif isinstance(option, type) and issubclass(option, StrEnum):
                ok = ENUM_TYPES.get(option.__name__) is option and bool(option.__doc__)
            else:
                ok = option in _PLAIN_TYPES
            if not ok:
                problems.append(f"{record_type.__name__}.{f.name}: {option!r} is not a documented type")
    return problems


def test_record_fields_are_documented_types() -> None:
    for record_type in (*RECORD_TYPES.values(), *SUMMARY_TYPES.values()):
        assert _type_problems(record_type) == []


class _Undocumented(StrEnum):
    A = "A"


@dataclasses.dataclass(frozen=True)
class _Loose:
    """A record that would slip through an assertion that cannot fail."""

    raw: dict[str, str]
    anything: typing.Any
    numbers: tuple[int, ...]
    label: _Undocumented | None


def test_the_documented_types_check_can_fail() -> None:
    @dataclasses.dataclass(frozen=True)
    class NoDoc:
        amount: Decimal

    NoDoc.__doc__ = None
    assert [p.split(":")[0] for p in _type_problems(_Loose)] == [
        "_Loose.raw",
        "_Loose.anything",
        "_Loose.numbers",
        "_Loose.label",
    ]
    assert _type_problems(NoDoc) == ["NoDoc has no docstring"]


def _write(tmp_path: Path, mutate: typing.Callable[[dict], None]) -> Path:
    doc = yaml.safe_load(DEFAULT_SPEC_PATH.read_text(encoding="utf-8"))
    mutate(doc)
    path = tmp_path / "selectors.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _fb(doc: dict) -> dict:
    return doc["sections"]["feedback"]


# (id, mutation, expected place in the message, expected words)
BROKEN: list[tuple[str, typing.Callable[[dict], None], str, str]] = [
    ("unknown top-level key", lambda d: d.update(extra=1), "extra", "unknown key 'extra'"),
    ("wrong version", lambda d: d.update(version=2), "version", "unsupported version 2"),
    ("missing section", lambda d: d["sections"].pop("case_log"), "sections", "missing section(s): case_log"),
    ("unknown section", lambda d: d["sections"].update(orders=_fb(d)), "sections.orders", "unknown key"),
    ("unknown section key", lambda d: _fb(d).update(colour="red"), "sections.feedback.colour", "unknown key"),
    ("missing ready marker", lambda d: _fb(d).pop("ready"), "sections.feedback", "missing required key 'ready'"),
    ("missing empty marker", lambda d: _fb(d).pop("empty"), "sections.feedback", "missing required key 'empty'"),
    ("menu without German", lambda d: _fb(d)["menu"].pop("de"), "sections.feedback.menu", "'de'"),
    ("url not a path", lambda d: _fb(d).update(url="feedback"), "sections.feedback.url", "starting with /"),
    (
        "unknown field key",
        lambda d: _fb(d)["dom"]["fields"]["rating"].update(atr="value"),
        "sections.feedback.dom.fields.rating.atr",
        "unknown key 'atr'",
    ),
    (
        "unknown type",
        lambda d: _fb(d)["dom"]["fields"]["rating"].update(type="number"),
        "sections.feedback.dom.fields.rating.type",
        "unknown type 'number'",
    ),
    (
        "unknown transform",
        lambda d: _fb(d)["dom"]["fields"]["comment"].update(transforms=["trim"]),
        "sections.feedback.dom.fields.comment.transforms[0]",
        "unknown transform 'trim'",
    ),
    (
        "transform with bad regex",
        lambda d: _fb(d)["dom"]["fields"]["order_id"].update(transforms=[{"regex": "("}]),
        "sections.feedback.dom.fields.order_id.transforms[0]",
        "invalid regular expression",
    ),
    (
        "transform missing its argument",
        lambda d: _fb(d)["dom"]["fields"]["comment"].update(transforms=["regex"]),
        "sections.feedback.dom.fields.comment.transforms[0]",
        "needs a regular expression",
    ),
    (
        "field the record lacks",
        lambda d: _fb(d)["dom"]["fields"].update(stars={"css": "x", "type": "int"}),
        "sections.feedback.dom.fields.stars",
        "Feedback has no field 'stars'",
    ),
    (
        "record field not filled",
        lambda d: _fb(d)["dom"]["fields"].pop("rating"),
        "sections.feedback.dom.fields",
        "Feedback.rating has no default",
    ),
    (
        "type does not match record",
        lambda d: _fb(d)["dom"]["fields"]["rating"].update(type="date"),
        "sections.feedback.dom.fields.rating",
        "does not match Feedback.rating",
    ),
    (
        "optional but record needs a value",
        lambda d: _fb(d)["api"]["fields"]["rating"].update(required=False),
        "sections.feedback.api.fields.rating",
        "does not allow None",
    ),
    (
        "multiple into a scalar field",
        lambda d: _fb(d)["api"]["fields"]["comment"].update(multiple=True),
        "sections.feedback.api.fields.comment",
        "tuple",
    ),
    (
        "unknown enum",
        lambda d: d["sections"]["case_log"]["dom"]["fields"]["status"].update(enum="Status"),
        "sections.case_log.dom.fields.status.enum",
        "unknown enum 'Status'",
    ),
    (
        "enum of the wrong kind",
        lambda d: d["sections"]["case_log"]["dom"]["fields"]["status"].update(enum="CxHealth"),
        "sections.case_log.dom.fields.status",
        "does not match Case.status",
    ),
    (
        "unknown enum member",
        lambda d: d["enums"]["CxHealth"].update(TERRIBLE=["Furchtbar"]),
        "enums.CxHealth.TERRIBLE",
        "unknown key",
    ),
    (
        "invalid CSS",
        lambda d: _fb(d)["dom"].update(rows="kat-table-row:not("),
        "sections.feedback.dom.rows",
        "invalid CSS selector",
    ),
    (
        "api path syntax",
        lambda d: _fb(d)["api"]["fields"]["rating"].update(path="a..b"),
        "sections.feedback.api.fields.rating.path",
        "invalid JSON path",
    ),
    (
        "css in an api field",
        lambda d: _fb(d)["api"]["fields"]["rating"].update(css="x"),
        "sections.feedback.api.fields.rating.css",
        "unknown key 'css'",
    ),
    (
        "path in a dom field",
        lambda d: _fb(d)["dom"]["fields"]["rating"].update(path="x"),
        "sections.feedback.dom.fields.rating.path",
        "unknown key 'path'",
    ),
    ("key field not in fields", lambda d: _fb(d).update(key=["order_id", "buyer"]), "sections.feedback.key", "buyer"),
    (
        "exists with a type",
        lambda d: _fb(d)["dom"]["fields"]["amazon_fulfilled"].update(exists=True, type="str"),
        "sections.feedback.dom.fields.amazon_fulfilled",
        "exists: true gives a bool",
    ),
    (
        "paging unit",
        lambda d: _fb(d)["api"]["paging"].update(unit="chunk"),
        "sections.feedback.api.paging.unit",
        "'page' or 'row'",
    ),
    (
        "unknown signin selector",
        lambda d: d["signin"]["selectors"].update(captcha2="#x"),
        "signin.selectors.captcha2",
        "unknown key",
    ),
    (
        "signin path not a path",
        lambda d: d["signin"]["paths"].update(captcha=["errors/validateCaptcha"]),
        "signin.paths.captcha",
        "starting with /",
    ),
    ("unread signin path", lambda d: d["signin"]["paths"].update(mfa=["/ap/mfa"]), "signin.paths.mfa", "unknown"),
    ("home not a path", lambda d: d["page"].update(home="home"), "page.home", "starting with /"),
    ("no marketplace parameter", lambda d: d["page"].pop("marketplace_param"), "page", "'marketplace_param'"),
    ("empty locale parameter", lambda d: d["page"].update(locale_param=" "), "page.locale_param", "non-empty string"),
    (
        "no picker attribute",
        lambda d: d["signin"].pop("picker_marketplace_attr"),
        "signin",
        "'picker_marketplace_attr'",
    ),
    (
        "empty sign-in body markers",
        lambda d: d["signin"].update(signin_body_markers=[]),
        "signin.signin_body_markers",
        "non-empty list",
    ),
    (
        "unknown summary record",
        lambda d: d["sections"]["voice_of_customer"]["summary"].update(record="Kpi"),
        "sections.voice_of_customer.summary.record",
        "unknown summary record",
    ),
    ("api method", lambda d: _fb(d)["api"].update(method="DELETE"), "sections.feedback.api.method", "GET or POST"),
    (
        "paging token without its body path",
        lambda d: d["sections"]["regulatory_compliance"]["api"]["paging"].update(token={"param": "nextPageToken"}),
        "sections.regulatory_compliance.api.paging.token",
        "missing required key 'path'",
    ),
    (
        "paging token path syntax",
        lambda d: d["sections"]["regulatory_compliance"]["api"]["paging"]["token"].update(path="next..token"),
        "sections.regulatory_compliance.api.paging.token.path",
        "invalid JSON path",
    ),
]


@pytest.mark.parametrize(("mutate", "where", "words"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_spec_is_a_precise_error(tmp_path: Path, mutate, where: str, words: str) -> None:
    path = _write(tmp_path, mutate)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    error = info.value
    assert error.file == str(path)
    assert error.where == where
    assert words in error.message
    assert error.line is not None
    assert 0 < error.line <= len(path.read_text(encoding="utf-8").splitlines())


def test_line_number_points_at_the_offending_key(tmp_path: Path) -> None:
    text = DEFAULT_SPEC_PATH.read_text(encoding="utf-8").replace(
        'rating: {css: ".col_feedback_rating kat-star-rating", attr: value, type: int}',
        'rating: {css: ".col_feedback_rating kat-star-rating", atr: value, type: int}',
    )
    assert "atr: value" in text
    path = tmp_path / "selectors.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    expected_line = next(i for i, line in enumerate(text.splitlines(), 1) if "atr: value" in line)
    assert info.value.line == expected_line
    assert str(info.value).startswith(f"{path}:{expected_line}: sections.feedback.dom.fields.rating.atr:")


def test_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "selectors.yaml"
    path.write_text("version: 1\nsections: [unclosed\n", encoding="utf-8")
    with pytest.raises(SpecError, match="not valid YAML") as info:
        load_spec(path)
    assert info.value.line is not None


def test_duplicate_key(tmp_path: Path) -> None:
    path = tmp_path / "selectors.yaml"
    path.write_text("version: 1\nversion: 1\n", encoding="utf-8")
    with pytest.raises(SpecError, match="duplicate key 'version'") as info:
        load_spec(path)
    assert info.value.line == 2


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read the file"):
        load_spec(tmp_path / "nope.yaml")
