"""Table-driven tests of the locale-aware value parsers in scraper.values.

Each row is (raw input, locale tag or None, expected value or the exception type the parser must raise).
Successful rows also pin the exact result type (Decimal not float, date not datetime, int not bool).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from scraper.errors import ValueParseError
from scraper.records import CxHealth, Unknown
from scraper.values import (
    PARSERS,
    TYPE_NAMES,
    EnumParser,
    Locale,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_fraction,
    parse_int,
    parse_percent,
    parse_str,
    parse_url,
)

VPE = ValueParseError
NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space, as Chrome renders German numbers and percentages
CEST = timezone(timedelta(hours=2))

# 2026-07-26T23:30:00Z: the UTC day (26th) differs from the day in Central European time (27th).
EPOCH_MS_LATE_26TH = 1785108600000
# 2026-07-27T00:00:00Z
EPOCH_MS_27TH = 1785110400000


def is_error(expected: Any) -> bool:
    return isinstance(expected, type) and issubclass(expected, Exception)


def check(parse: Any, raw: Any, tag: str | None, expected: Any, kind: str) -> Any:
    """Run one table row; for a ValueParseError also pin the type name the error reports."""
    locale = Locale.parse(tag)
    if is_error(expected):
        with pytest.raises(expected) as info:
            parse(raw, locale)
        if isinstance(info.value, ValueParseError):
            assert info.value.kind == kind
        return None
    result = parse(raw, locale)
    assert result == expected
    assert type(result) is type(expected)
    return result


# ---------------------------------------------------------------------------------------------------------
# Locale


@pytest.mark.parametrize(
    ("tag", "language", "region", "decimal_comma", "month_first", "text"),
    [
        ("de-DE", "de", "DE", True, False, "de_DE"),
        ("de_DE", "de", "DE", True, False, "de_DE"),
        ("DE-de", "de", "DE", True, False, "de_DE"),
        (" en-US ", "en", "US", False, True, "en_US"),
        ("en_GB", "en", "GB", False, False, "en_GB"),
        ("en_IN", "en", "IN", False, False, "en_IN"),
        ("en_CA", "en", "CA", False, True, "en_CA"),
        ("en", "en", None, False, True, "en"),
        ("de", "de", None, True, False, "de"),
        ("fr-FR", "fr", "FR", None, None, "fr_FR"),  # no account reads pages in French: unknown, not guessed
        ("ja-JP", "ja", "JP", None, None, "ja_JP"),
        ("", None, None, None, None, "unknown locale"),
        ("   ", None, None, None, None, "unknown locale"),
        (None, None, None, None, None, "unknown locale"),
    ],
)
def test_locale_parse(tag, language, region, decimal_comma, month_first, text):
    locale = Locale.parse(tag)
    assert (locale.language, locale.region) == (language, region)
    assert locale.decimal_comma is decimal_comma
    assert locale.month_first is month_first
    assert str(locale) == text


# ---------------------------------------------------------------------------------------------------------
# parse_date

DATE_ROWS = [
    # German dots and Indian dashes are always day first
    ("27.07.2026", None, date(2026, 7, 27)),
    ("27.07.2026", "en_US", date(2026, 7, 27)),
    ("27.07.2026 14:03", "de_DE", date(2026, 7, 27)),  # a time after a shown day is dropped
    ("Jul 27, 2026 2:03 PM", "en_US", date(2026, 7, 27)),
    ("27.07.2026, 14:03 Uhr", "de_DE", date(2026, 7, 27)),
    ("14:03", "de_DE", VPE),  # a time alone is no day
    ("05.06.2026", "en_US", date(2026, 6, 5)),
    ("27-07-2026", "en_IN", date(2026, 7, 27)),
    ("27-07-2026", None, date(2026, 7, 27)),
    # slashes: unambiguous when one side is above 12
    ("07/27/2026", "en_US", date(2026, 7, 27)),
    ("07/27/2026", None, date(2026, 7, 27)),
    ("27/07/2026", "en_GB", date(2026, 7, 27)),
    ("27/07/2026", None, date(2026, 7, 27)),
    ("06/06/2026", None, date(2026, 6, 6)),
    # slashes: ambiguous, so the locale decides, and without one it is an error
    ("05/06/2026", "en_US", date(2026, 5, 6)),
    ("05/06/2026", "en", date(2026, 5, 6)),
    ("05/06/2026", "en_GB", date(2026, 6, 5)),
    ("05/06/2026", "de_DE", date(2026, 6, 5)),
    ("05/06/2026", None, VPE),
    ("5/6/2026", None, VPE),
    # month names, English and German, with and without dots and commas
    ("Jul 27, 2026", "en_US", date(2026, 7, 27)),
    ("July 27, 2026", None, date(2026, 7, 27)),
    ("Jul 27 2026", None, date(2026, 7, 27)),
    ("Sept. 3, 2026", None, date(2026, 9, 3)),
    ("27 Jul 2026", "en_GB", date(2026, 7, 27)),
    ("27 July 2026", None, date(2026, 7, 27)),
    ("27. Juli 2026", "de_DE", date(2026, 7, 27)),
    ("27. Jul. 2026", "de_DE", date(2026, 7, 27)),
    ("3. März 2026", "de_DE", date(2026, 3, 3)),
    ("3. MÄRZ 2026", "de_DE", date(2026, 3, 3)),
    ("1. Mai 2026", "de_DE", date(2026, 5, 1)),
    ("24. Dez. 2026", "de_DE", date(2026, 12, 24)),
    ("2. Okt. 2026", "de_DE", date(2026, 10, 2)),
    (f"27.{NBSP}Juli{NBSP}2026", "de_DE", date(2026, 7, 27)),
    # a leading weekday is ignored
    ("Mo., 27.07.2026", "de_DE", date(2026, 7, 27)),
    ("Montag, 27. Juli 2026", "de_DE", date(2026, 7, 27)),
    ("Mon, Jul 27, 2026", "en_US", date(2026, 7, 27)),
    ("Mon, 27 Jul 2026", "en_GB", date(2026, 7, 27)),
    # ISO dates and timestamps: the day in the timestamp's own offset
    ("2026-07-27", None, date(2026, 7, 27)),
    ("2026-07-27T23:30:00Z", None, date(2026, 7, 27)),
    ("2026-07-27T01:30:00+02:00", None, date(2026, 7, 27)),  # 2026-07-26 in UTC
    ("2026-07-27T23:30:00-05:00", None, date(2026, 7, 27)),  # 2026-07-28 in UTC
    ("2026-07-27T14:03:00.123", None, date(2026, 7, 27)),
    # epoch milliseconds: the UTC day, from a JSON number or a numeric string
    (EPOCH_MS_27TH, None, date(2026, 7, 27)),
    (EPOCH_MS_LATE_26TH, "de_DE", date(2026, 7, 26)),
    (str(EPOCH_MS_LATE_26TH), None, date(2026, 7, 26)),
    (f" {EPOCH_MS_27TH} ", None, date(2026, 7, 27)),
    (float(EPOCH_MS_27TH), None, date(2026, 7, 27)),
    # two-digit years are this century; year first is Y/M/D
    ("27.07.26", None, date(2026, 7, 27)),
    ("07/27/26", "en_US", date(2026, 7, 27)),
    ("05/06/26", "en_GB", date(2026, 6, 5)),
    ("2026/07/27", None, date(2026, 7, 27)),
    ("2026.07.27", None, date(2026, 7, 27)),
    ("2026-7-27", None, date(2026, 7, 27)),
    # errors
    ("31.02.2026", None, VPE),
    ("32.01.2026", None, VPE),
    ("13/13/2026", "en_US", VPE),
    ("2026-13-01", None, VPE),
    ("27.07.226", None, VPE),  # a three-digit year is a typo, not the year 226
    ("27.07.2", None, VPE),
    ("Foo 3, 2026", None, VPE),
    ("3. Foo 2026", "de_DE", VPE),
    ("", None, VPE),
    ("   ", None, VPE),
    ("tomorrow", None, VPE),
    ("heute", "de_DE", VPE),
    (True, None, VPE),
    (False, None, VPE),
    (42, None, VPE),  # too small for epoch milliseconds
    (20260727, None, VPE),
    ("20260727", None, VPE),
    (10**14, None, VPE),
    (float("nan"), None, VPE),
    (None, None, VPE),
    (["27.07.2026"], None, VPE),
]


@pytest.mark.parametrize(("raw", "tag", "expected"), DATE_ROWS)
def test_parse_date(raw, tag, expected):
    check(parse_date, raw, tag, expected, "date")


# The product-policies JSON's impactDate.formattedDate is US style with a dot after the abbreviated month
# ("Apr. 3, 2026", live code id 51769415085); the JSON carries no locale, so these must read without one.
US_DOTTED_ROWS = [
    ("Apr. 3, 2026", None, date(2026, 4, 3)),
    ("Feb. 28, 2026", None, date(2026, 2, 28)),
    ("Sept. 30, 2026", None, date(2026, 9, 30)),
    ("Sep. 30, 2026", None, date(2026, 9, 30)),
    ("Dec. 1, 2025", "en_US", date(2025, 12, 1)),
    ("Jan. 05, 2026", None, date(2026, 1, 5)),
    ("May 1, 2026", None, date(2026, 5, 1)),  # short months take no dot
    ("June 3, 2026", None, date(2026, 6, 3)),
    ("Apr 3, 2026", None, date(2026, 4, 3)),
    ("Apr. 3 2026", None, date(2026, 4, 3)),
    ("Apr. 31, 2026", None, VPE),
    ("Apx. 3, 2026", None, VPE),
]


@pytest.mark.parametrize(("raw", "tag", "expected"), US_DOTTED_ROWS)
def test_parse_date_us_style_with_dotted_month(raw, tag, expected):
    check(parse_date, raw, tag, expected, "date")


# ---------------------------------------------------------------------------------------------------------
# parse_datetime

DATETIME_ROWS = [
    # ISO: offsets are kept, "Z" is UTC, no offset stays naive
    ("2026-07-27T14:03:00+02:00", None, datetime(2026, 7, 27, 14, 3, tzinfo=CEST)),
    ("2026-07-27T12:03:00Z", None, datetime(2026, 7, 27, 12, 3, tzinfo=UTC)),
    ("2026-07-27T14:03:00", None, datetime(2026, 7, 27, 14, 3)),
    ("2026-07-27 14:03:05", None, datetime(2026, 7, 27, 14, 3, 5)),
    # epoch milliseconds are UTC
    (EPOCH_MS_LATE_26TH, None, datetime(2026, 7, 26, 23, 30, tzinfo=UTC)),
    (str(EPOCH_MS_LATE_26TH), "de_DE", datetime(2026, 7, 26, 23, 30, tzinfo=UTC)),
    (EPOCH_MS_27TH + 1500, None, datetime(2026, 7, 27, 0, 0, 1, 500000, tzinfo=UTC)),
    # dates and times as the page shows them stay naive
    ("27.07.2026 14:03", "de_DE", datetime(2026, 7, 27, 14, 3)),
    ("27.07.2026, 14:03 Uhr", "de_DE", datetime(2026, 7, 27, 14, 3)),
    ("27.07.2026 um 14:03 Uhr", "de_DE", datetime(2026, 7, 27, 14, 3)),
    ("27.07.2026 14:03:59", None, datetime(2026, 7, 27, 14, 3, 59)),
    ("27.07.2026 9:05", None, datetime(2026, 7, 27, 9, 5)),
    ("Mo., 27.07.2026 14:03", "de_DE", datetime(2026, 7, 27, 14, 3)),
    ("27. Juli 2026, 14:03 Uhr", "de_DE", datetime(2026, 7, 27, 14, 3)),
    ("Jul 27, 2026 2:03 PM", "en_US", datetime(2026, 7, 27, 14, 3)),
    ("Jul 27, 2026, 2:03 PM", "en_US", datetime(2026, 7, 27, 14, 3)),
    ("Jul 27, 2026 at 11:59 p.m.", "en_US", datetime(2026, 7, 27, 23, 59)),
    ("Jul 27, 2026 2:03pm", "en_US", datetime(2026, 7, 27, 14, 3)),
    ("Jul 27, 2026 12:05 AM", "en_US", datetime(2026, 7, 27, 0, 5)),
    ("Jul 27, 2026 12:05 PM", "en_US", datetime(2026, 7, 27, 12, 5)),
    ("Jul 27, 2026 1:00 AM", "en_US", datetime(2026, 7, 27, 1, 0)),
    ("07/27/2026 2:03 PM", None, datetime(2026, 7, 27, 14, 3)),
    ("05/06/2026 10:00 AM", "en_US", datetime(2026, 5, 6, 10, 0)),
    ("05/06/2026 10:00", "en_GB", datetime(2026, 6, 5, 10, 0)),
    ("05/06/2026 10:00", None, VPE),
    # errors
    ("27.07.2026", "de_DE", VPE),  # no time of day
    ("Jul 27, 2026", "en_US", VPE),
    ("2026-07-27", None, VPE),  # an ISO date alone is no point in time either
    ("Jul 27, 2026 13:00 PM", "en_US", VPE),
    ("Jul 27, 2026 0:30 AM", "en_US", VPE),
    ("27.07.2026 25:00", None, VPE),
    ("27.07.2026 14:60", None, VPE),
    ("31.02.2026 14:03", None, VPE),
    ("14:03", None, VPE),
    ("27.07.2026 14:03 morgen", None, VPE),
    ("", None, VPE),
    (True, None, VPE),
    (42, None, VPE),
    (None, None, VPE),
]


@pytest.mark.parametrize(("raw", "tag", "expected"), DATETIME_ROWS)
def test_parse_datetime(raw, tag, expected):
    result = check(parse_datetime, raw, tag, expected, "datetime")
    if result is not None:
        assert result.utcoffset() == expected.utcoffset()  # aware == aware compares instants only


# ---------------------------------------------------------------------------------------------------------
# parse_decimal

DECIMAL_ROWS = [
    # both separators: the last one is the decimal separator, whatever the locale
    ("1.234,56", "de_DE", Decimal("1234.56")),
    ("1.234,56", None, Decimal("1234.56")),
    ("1,234.56", "en_US", Decimal("1234.56")),
    ("1,234.56", None, Decimal("1234.56")),
    ("1.234.567,89", "de_DE", Decimal("1234567.89")),
    ("1,234,567.89", None, Decimal("1234567.89")),
    ("1,23,456.78", "en_IN", Decimal("123456.78")),  # Indian lakh grouping
    # one separator followed by three digits: the locale decides, and without one it is an error
    ("1.234", "de_DE", Decimal("1234")),
    ("1.234", "en_US", Decimal("1.234")),
    ("1.234", None, VPE),
    ("1,234", "de_DE", Decimal("1.234")),
    ("1,234", "en_US", Decimal("1234")),
    ("1,234", None, VPE),
    ("-1.234", None, VPE),
    # a repeated separator can only group
    ("1.234.567", None, Decimal("1234567")),
    ("1,234,567", None, Decimal("1234567")),
    # shapes only a decimal separator explains
    ("2,5", None, Decimal("2.5")),
    ("2.5", None, Decimal("2.5")),
    ("0,125", None, Decimal("0.125")),
    ("0.125", "de_DE", Decimal("0.125")),
    ("12,3456", None, Decimal("12.3456")),
    ("-3,5", None, Decimal("-3.5")),
    ("−3,5", None, Decimal("-3.5")),  # U+2212 minus sign
    ("–3,5", None, Decimal("-3.5")),  # en dash
    ("+2,5", None, Decimal("2.5")),
    ("42", None, Decimal("42")),
    # spaces as group separators
    (f"1{NBSP}234,5", "de_DE", Decimal("1234.5")),
    (f"1{NNBSP}234,5", "de_DE", Decimal("1234.5")),
    (f"1{NNBSP}234,5", None, Decimal("1234.5")),
    ("1 234 567", None, Decimal("1234567")),
    (f"  2,5{NBSP}", None, Decimal("2.5")),
    # JSON numbers
    (2.5, None, Decimal("2.5")),
    (3, None, Decimal("3")),
    (0.0, None, Decimal("0")),
    (-1.25, None, Decimal("-1.25")),
    (1e20, None, Decimal("100000000000000000000")),
    (10**30, None, Decimal("1000000000000000000000000000000")),
    # one spelling per number
    ("2,50", None, Decimal("2.5")),
    ("100", None, Decimal("100")),
    ("100,00", None, Decimal("100")),
    ("1.000", "de_DE", Decimal("1000")),
    ("1,000", "en_US", Decimal("1000")),
    ("0,0", None, Decimal("0")),
    # errors
    ("abc", None, VPE),
    ("2,5,5", None, VPE),  # not a grouping: groups have three digits
    ("2.5.5", "de_DE", VPE),
    ("1,2.5", None, VPE),
    ("12,34.5", None, VPE),
    ("1.2,5", "de_DE", VPE),
    ("1.234,5.6", None, VPE),
    ("1,234,5", "en_US", VPE),
    ("2,5 €", None, VPE),
    ("1e5", None, VPE),
    ("NaN", None, VPE),
    ("Infinity", None, VPE),
    ("", None, VPE),
    ("-", None, VPE),
    (",", None, VPE),
    ("--3", None, VPE),
    (True, None, VPE),
    (False, None, VPE),
    (None, None, VPE),
    (float("nan"), None, VPE),
    (float("inf"), None, VPE),
    (float("-inf"), None, VPE),
]


@pytest.mark.parametrize(("raw", "tag", "expected"), DECIMAL_ROWS)
def test_parse_decimal(raw, tag, expected):
    result = check(parse_decimal, raw, tag, expected, "decimal")
    if result is not None:
        assert str(result) == str(expected)  # the canonical spelling: "2.5", "100", never "2.50" or "1E+2"


# ---------------------------------------------------------------------------------------------------------
# parse_percent

PERCENT_ROWS = [
    ("2,5 %", "de_DE", Decimal("2.5")),
    ("2,5 %", None, Decimal("2.5")),
    ("2.5%", "en_US", Decimal("2.5")),
    ("2.5%", None, Decimal("2.5")),
    ("2,5%", None, Decimal("2.5")),
    (f"2,5{NBSP}%", "de_DE", Decimal("2.5")),
    (f"2,5{NNBSP}%", "de_DE", Decimal("2.5")),
    ("2,50 %", "de_DE", Decimal("2.5")),
    ("0 %", None, Decimal("0")),
    ("0,00 %", None, Decimal("0")),
    ("100%", None, Decimal("100")),
    ("100,0 %", None, Decimal("100")),
    ("12,5", None, Decimal("12.5")),
    ("−1,5 %", None, Decimal("-1.5")),
    ("1.234 %", "de_DE", Decimal("1234")),
    (2.5, None, Decimal("2.5")),
    (3, None, Decimal("3")),
    (0.0, None, Decimal("0")),
    # errors
    ("1.234 %", None, VPE),
    ("%", None, VPE),
    ("abc %", None, VPE),
    ("% 2,5", None, VPE),
    ("2,5 %%", None, VPE),
    ("", None, VPE),
    (True, None, VPE),
    (None, None, VPE),
]


@pytest.mark.parametrize(("raw", "tag", "expected"), PERCENT_ROWS)
def test_parse_percent(raw, tag, expected):
    result = check(parse_percent, raw, tag, expected, "percent")
    if result is not None:
        assert str(result) == str(expected)


# ---------------------------------------------------------------------------------------------------------
# parse_int

INT_ROWS = [
    ("42", None, 42),
    ("0", None, 0),
    ("-7", None, -7),
    ("−7", None, -7),
    ("1.234", "de_DE", 1234),
    ("1,234", "en_US", 1234),
    ("1.234.567", None, 1234567),
    (f"1{NNBSP}234", None, 1234),
    ("3,0", None, 3),
    (" 12 ", None, 12),
    (42, None, 42),
    (3.0, None, 3),
    (-2.0, None, -2),
    (10**30, None, 10**30),
    # errors
    ("1.234", "en_US", VPE),  # 1.234 has a fractional part
    ("1,234", "de_DE", VPE),
    ("1.234", None, VPE),  # ambiguous
    ("1,234", None, VPE),
    ("2,5", None, VPE),
    ("2.5", None, VPE),
    (2.5, None, VPE),
    ("abc", None, VPE),
    ("", None, VPE),
    (True, None, VPE),
    (False, None, VPE),
    (None, None, VPE),
    (float("nan"), None, VPE),
    (float("inf"), None, VPE),
]


@pytest.mark.parametrize(("raw", "tag", "expected"), INT_ROWS)
def test_parse_int(raw, tag, expected):
    check(parse_int, raw, tag, expected, "int")


# ---------------------------------------------------------------------------------------------------------
# parse_bool

BOOL_ROWS = [
    ("true", None, True),
    ("TRUE", None, True),
    ("True", "en_US", True),
    ("false", None, False),
    ("FALSE", None, False),
    ("False", None, False),
    ("ja", "de_DE", True),
    ("JA", None, True),
    ("Ja", None, True),
    ("nein", "de_DE", False),
    ("NEIN", None, False),
    ("Nein", None, False),
    ("yes", None, True),
    ("YES", None, True),
    ("Yes", None, True),
    ("no", None, False),
    ("NO", None, False),
    ("No", None, False),
    ("1", None, True),
    ("0", None, False),
    ("wahr", None, True),
    ("falsch", None, False),
    (f" {NBSP}ja\n", None, True),
    (True, None, True),
    (False, None, False),
    (1, None, True),
    (0, None, False),
    # errors
    ("vielleicht", "de_DE", VPE),
    ("jein", None, VPE),
    ("", None, VPE),
    ("2", None, VPE),
    (2, None, VPE),
    (None, None, VPE),
]


@pytest.mark.parametrize(("raw", "tag", "expected"), BOOL_ROWS)
def test_parse_bool(raw, tag, expected):
    check(parse_bool, raw, tag, expected, "bool")


# ---------------------------------------------------------------------------------------------------------
# parse_url

URL_ROWS = [
    (
        "https://sellercentral.amazon.de/orders-v3/order/302-0000001-0000001",
        None,
        "https://sellercentral.amazon.de/orders-v3/order/302-0000001-0000001",
    ),
    ("http://sellercentral.amazon.com/x?y=1#z", None, "http://sellercentral.amazon.com/x?y=1#z"),
    ("https://sellercentral.amazon.de", None, "https://sellercentral.amazon.de"),
    ("/orders-v3/order/1", "de_DE", "/orders-v3/order/1"),
    ("/performance/notifications/ABC?ref=x", None, "/performance/notifications/ABC?ref=x"),
    ("/", None, "/"),
    ("  /orders-v3/order/1\n", None, "/orders-v3/order/1"),
    # errors
    ("javascript:alert(1)", None, VPE),
    ("order/1", None, VPE),
    ("http://a b", None, VPE),
    ("/a b", None, VPE),
    ("//evil.example/x", None, VPE),  # another host, not a path on this site
    ("ftp://sellercentral.amazon.de/x", None, VPE),
    ("https:///x", None, VPE),
    ("", None, VPE),
    (5, None, VPE),
    (True, None, VPE),
    (None, None, VPE),
]


@pytest.mark.parametrize(("raw", "tag", "expected"), URL_ROWS)
def test_parse_url(raw, tag, expected):
    check(parse_url, raw, tag, expected, "url")


# ---------------------------------------------------------------------------------------------------------
# parse_str

STR_ROWS = [
    ("Alles gut", "de_DE", "Alles gut"),
    (f"  Alles \n\t gut{NBSP}{NBSP}und{NNBSP}schnell  ", None, "Alles gut und schnell"),
    ("Käse – günstig", None, "Käse – günstig"),
    ("", None, ""),
    ("   ", None, ""),
    (3, None, "3"),
    (-2, None, "-2"),
    (2.5, None, "2.5"),
    # errors
    (True, None, VPE),
    (False, None, VPE),
    (None, None, VPE),
    (["a"], None, VPE),
]


@pytest.mark.parametrize(("raw", "tag", "expected"), STR_ROWS)
def test_parse_str(raw, tag, expected):
    check(parse_str, raw, tag, expected, "str")


# ---------------------------------------------------------------------------------------------------------
# EnumParser

CX_HEALTH = EnumParser.build(
    CxHealth,
    {  # as selectors.yaml lists them
        "VERY_POOR": ["Sehr schlecht", "Very poor"],
        "POOR": ["Schlecht", "Poor"],
        "FAIR": ["Ausreichend", "Fair"],
        "GOOD": ["Gut", "Good"],
        "EXCELLENT": ["Ausgezeichnet", "Excellent"],
        "SUPPRESSED": [
            "Listing suppressed - Immediate action required",
            "Listing suppressed",
            "Angebot unterdrückt – Sofortiges Handeln erforderlich",
            "Angebot unterdrückt",
        ],
    },
)

ENUM_ROWS = [
    ("Sehr schlecht", "de_DE", CxHealth.VERY_POOR),
    ("Very poor", "en_US", CxHealth.VERY_POOR),
    ("VERY_POOR", None, CxHealth.VERY_POOR),
    ("very_poor", None, CxHealth.VERY_POOR),
    ("  very   POOR ", None, CxHealth.VERY_POOR),
    (f"Sehr{NBSP}SCHLECHT", None, CxHealth.VERY_POOR),
    ("Schlecht", None, CxHealth.POOR),
    ("Gut", None, CxHealth.GOOD),
    ("EXCELLENT", None, CxHealth.EXCELLENT),
    ("Angebot unterdrückt", None, CxHealth.SUPPRESSED),
    ("Listing suppressed -  Immediate action required", None, CxHealth.SUPPRESSED),
    # unknown labels are kept, whitespace collapsed
    ("Brandneu", "de_DE", Unknown("Brandneu")),
    ("  Ganz \n  neu ", None, Unknown("Ganz neu")),
    ("very_poor!", None, Unknown("very_poor!")),
    (5, None, Unknown("5")),
    # errors
    (True, None, VPE),
    (None, None, VPE),
]


@pytest.mark.parametrize(("raw", "tag", "expected"), ENUM_ROWS)
def test_enum_parser(raw, tag, expected):
    result = check(CX_HEALTH, raw, tag, expected, "CxHealth")
    if isinstance(expected, CxHealth):
        assert result is expected


# ---------------------------------------------------------------------------------------------------------
# The registry selectors.yaml uses


@pytest.mark.parametrize(
    ("name", "parser"),
    [
        ("str", parse_str),
        ("int", parse_int),
        ("decimal", parse_decimal),
        ("percent", parse_percent),
        ("fraction", parse_fraction),
        ("date", parse_date),
        ("datetime", parse_datetime),
        ("url", parse_url),
        ("bool", parse_bool),
    ],
)
def test_parser_registry(name, parser):
    assert PARSERS[name] is parser


def test_type_names_are_the_parsers_plus_enum():
    assert set(PARSERS) == {"str", "int", "decimal", "percent", "fraction", "date", "datetime", "url", "bool"}
    type_names = TYPE_NAMES
    assert type_names == frozenset(
        {"str", "int", "decimal", "percent", "fraction", "date", "datetime", "url", "bool", "enum"}
    )
