"""Timestamps whose unit selectors.yaml declares (``epoch: seconds``): parsed exactly, never guessed by size."""

from __future__ import annotations

import math
import typing
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from scraper.errors import FieldError, SpecError, ValueParseError
from scraper.parse import parse_page
from scraper.spec import Spec, load_spec
from scraper.values import EPOCH_UNITS, EpochParser, parse_epoch
from tests.helpers import write_spec as _write

SECONDS = EpochParser("seconds")
SECONDS_DAY = EpochParser("seconds", as_date=True)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1788541015.867, datetime(2026, 9, 4, 16, 56, 55, 867000, tzinfo=UTC)),  # the live sample (9b)
        (1788541015, datetime(2026, 9, 4, 16, 56, 55, tzinfo=UTC)),
        ("1788541015.867", datetime(2026, 9, 4, 16, 56, 55, 867000, tzinfo=UTC)),
        (" 1788541015 ", datetime(2026, 9, 4, 16, 56, 55, tzinfo=UTC)),
        (1788541015.5, datetime(2026, 9, 4, 16, 56, 55, 500000, tzinfo=UTC)),
        ("1788541015.000001", datetime(2026, 9, 4, 16, 56, 55, 1, tzinfo=UTC)),
        ("1788541015.0000004", datetime(2026, 9, 4, 16, 56, 55, tzinfo=UTC)),  # below a microsecond: rounded
        (1788566399.9994, datetime(2026, 9, 4, 23, 59, 59, 999400, tzinfo=UTC)),
        (1e9, datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC)),
    ],
    ids=[
        "fraction",
        "whole",
        "string",
        "padded string",
        "half",
        "microsecond",
        "sub-microsecond",
        "before midnight",
        "float without fraction",
    ],
)
def test_epoch_seconds_to_utc_datetime(raw: object, expected: datetime) -> None:
    value = SECONDS(raw)  # type: ignore[arg-type]
    assert value == expected
    assert value.tzinfo == UTC


def test_a_date_field_gets_the_utc_day() -> None:
    assert SECONDS_DAY(1788541015.867) == date(2026, 9, 4)
    assert SECONDS_DAY(1788566399.9994) == date(2026, 9, 4)  # one second before midnight UTC stays that day
    assert SECONDS_DAY(1788566400.0) == date(2026, 9, 5)
    assert type(SECONDS_DAY(1788541015)) is date


def test_milliseconds_is_a_unit_too() -> None:
    assert EpochParser("milliseconds")(1788541015867) == datetime(2026, 9, 4, 16, 56, 55, 867000, tzinfo=UTC)
    assert set(EPOCH_UNITS) == {"seconds", "milliseconds"}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("abc", "not a number of epoch seconds"),
        ("", "not a number of epoch seconds"),
        ("2026-09-04", "not a number of epoch seconds"),  # a date is not a timestamp in seconds
        ("1.788e9", "not a number of epoch seconds"),
        ("-1788541015", "not a number of epoch seconds"),
        ("1788541015.", "not a number of epoch seconds"),
        (True, "got a boolean"),
        (float("nan"), "not a finite number"),
        (float("inf"), "not a finite number"),
        (1788541015867, "outside 1973..5138"),  # milliseconds where seconds are declared
        (-5, "outside 1973..5138"),
        (0, "outside 1973..5138"),
        (12345, "outside 1973..5138"),
    ],
    ids=[
        "word",
        "empty",
        "iso date",
        "exponent text",
        "negative text",
        "dangling dot",
        "bool",
        "nan",
        "infinity",
        "milliseconds",
        "negative",
        "zero",
        "small",
    ],
)
def test_nonsense_is_a_clear_value_parse_error(raw: object, reason: str) -> None:
    with pytest.raises(ValueParseError) as info:
        SECONDS(raw)  # type: ignore[arg-type]
    err = info.value
    if isinstance(raw, float) and math.isnan(raw):
        assert math.isnan(err.raw)
    else:
        assert err.raw == raw
    assert err.kind == "datetime (epoch seconds)"
    assert reason in err.reason
    assert "cannot read" in str(err)


def test_non_scalar_and_unknown_unit() -> None:
    with pytest.raises(ValueParseError, match="got list"):
        SECONDS([1788541015])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown epoch unit 'minutes'"):
        parse_epoch(1788541015, "minutes")


def test_the_size_of_a_number_never_decides_its_unit() -> None:
    """The same number is seconds or milliseconds only by declaration; a wrong unit is an error, not 1970."""
    with pytest.raises(ValueParseError, match=r"outside 1973\.\.5138"):
        EpochParser("milliseconds")(1788541015.867)
    with pytest.raises(ValueParseError, match=r"outside 1973\.\.5138"):
        EpochParser("seconds", as_date=True)(1785146400000)


# --- the spec key ------------------------------------------------------------------------------------------


def _case_api(doc: dict) -> dict:
    return typing.cast(dict, doc["sections"]["case_log"]["api"]["fields"])


@pytest.mark.parametrize(
    ("mutate", "where", "words"),
    [
        (lambda d: _case_api(d)["created"].update(epoch="minutes"), "created.epoch", "unknown epoch unit 'minutes'"),
        (lambda d: _case_api(d)["created"].update(epoch=["seconds"]), "created.epoch", "unknown epoch unit"),
        (lambda d: _case_api(d)["subject"].update(epoch="seconds"), "subject.epoch", "only allowed with type: date"),
    ],
    ids=["unknown unit", "not a string", "not a date field"],
)
def test_a_wrong_epoch_key_is_a_spec_error(
    tmp_path: Path, mutate: typing.Callable[[dict], None], where: str, words: str
) -> None:
    with pytest.raises(SpecError) as info:
        load_spec(_write(tmp_path, mutate))
    assert info.value.where == f"sections.case_log.api.fields.{where}"
    assert words in info.value.message


def test_the_case_log_declares_seconds(spec: Spec) -> None:
    api = spec.section("case_log").api
    assert api is not None
    assert api.fields["created"].epoch == "seconds"
    assert api.fields["created"].parser == EpochParser("seconds", as_date=True)
    assert spec.section("case_log").dom.fields["created"].epoch is None  # the page shows a formatted day


def test_a_body_in_milliseconds_is_a_field_error_with_row_and_raw(spec: Spec) -> None:
    body = (
        '{"caseSearchResultList": [{"caseId": "10000000001", "status": "Open", "creationDate": 1788541015.867},'
        ' {"caseId": "10000000002", "status": "Open", "creationDate": 1788541015867}], "totalNumberOfResults": 2}'
    )
    with pytest.raises(FieldError) as info:
        parse_page(spec, "case_log", "api", body)
    err = info.value
    assert (err.row, err.field, err.raw) == (2, "created", 1788541015867)
    assert "epoch seconds" in err.reason
