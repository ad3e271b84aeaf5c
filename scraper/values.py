"""Locale-aware parsers that turn one raw value (page text or JSON scalar) into a typed value.

Each parser takes the raw value and a :class:`Locale` and returns the value or raises
:class:`~scraper.errors.ValueParseError`. Ambiguity is an error, not a guess: "05/06/2026" without a
known locale, or "1,234" without knowing whether the comma groups thousands, cannot be read safely.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import StrEnum

from scraper.errors import ValueParseError
from scraper.records import Unknown

Raw = str | int | float | bool


_DECIMAL_COMMA = {"de": True, "en": False}
"""The UI languages the tool reads (config ``locale``), and whether each writes "1,5" for one and a half."""


@dataclass(frozen=True, slots=True)
class Locale:
    """The language and region a page was rendered in ("de_DE", "en-US"); both may be unknown."""

    language: str | None = None
    region: str | None = None

    @classmethod
    def parse(cls, tag: str | None) -> Locale:
        """Read a tag such as "de-DE", "de_DE", "en" or None (unknown)."""
        if not tag or not tag.strip():
            return cls()
        parts = re.split(r"[-_]", tag.strip())
        language = parts[0].lower() or None
        region = parts[1].upper() if len(parts) > 1 and parts[1] else None
        return cls(language, region)

    @property
    def decimal_comma(self) -> bool | None:
        """True where "," is the decimal separator, None where the locale is unknown.

        Only the UI languages an account can be read in (config ``locale``: de_* or en_*) are known; any
        other page language is unknown, so an ambiguous number there is an error rather than a guess."""
        return _DECIMAL_COMMA.get(self.language or "")

    @property
    def month_first(self) -> bool | None:
        """True where "07/27/2026" means July 27 (US English), None where unknown."""
        if self.language not in _DECIMAL_COMMA:
            return None
        return self.language == "en" and self.region in {"US", "CA", "PH", None}

    def __str__(self) -> str:
        if self.language is None:
            return "unknown locale"
        return f"{self.language}_{self.region}" if self.region else self.language


UNKNOWN_LOCALE = Locale()

_SEPARATORS = re.compile(r"[\s_\-‐-―]+")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-"})
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})+,\d{3}")  # 1,234,567 or Indian 12,34,567


def _text(kind: str, raw: Raw) -> str:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise ValueParseError(kind, raw, f"expected text or a number, got {type(raw).__name__}")
    return _SPACES.sub(" ", str(raw)).strip()


def parse_str(raw: Raw, locale: Locale = UNKNOWN_LOCALE) -> str:
    """Text with whitespace runs collapsed; numbers from JSON are written out."""
    if isinstance(raw, bool):
        raise ValueParseError("str", raw, "expected text, got a boolean")
    return _text("str", raw)


def _number_text(kind: str, raw: str, locale: Locale) -> str:
    """Normalise "1.234,5", "1,234.5", "2,5", "−3" to Python's "1234.5" form."""
    text = raw.translate(_MINUS).replace(" ", "").replace("'", "")
    if not re.fullmatch(r"[+-]?[\d.,]*\d[\d.,]*", text):
        raise ValueParseError(kind, raw, "not a number")
    has_comma, has_dot = "," in text, "." in text
    if has_comma and has_dot:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
    elif has_comma or has_dot:
        sep = "," if has_comma else "."
        groups = text.lstrip("+-").split(sep)
        thousands_shape = len(groups) > 2 or (len(groups[-1]) == 3 and groups[0] not in {"", "0"})
        if len(groups) > 2:
            decimal_sep = "," if sep == "." else "."  # "1.234.567": the separator repeats, so it groups
        elif not thousands_shape:
            decimal_sep = sep  # "2,5" or "0.125": only a decimal separator reads this way
        elif locale.decimal_comma is None:
            raise ValueParseError(
                kind, raw, f"ambiguous: {sep!r} may group thousands or mark decimals and the page's locale is unknown"
            )
        else:
            decimal_sep = "," if locale.decimal_comma else "."
    else:
        return text
    group_sep = "." if decimal_sep == "," else ","
    body = text.replace(group_sep, "")
    if body.count(decimal_sep) > 1:
        raise ValueParseError(kind, raw, "more than one decimal separator")
    whole = text.lstrip("+-").partition(decimal_sep)[0]
    if group_sep in whole and not _GROUPED.fullmatch(whole.replace(group_sep, ",")):
        raise ValueParseError(kind, raw, f"{group_sep!r} does not separate groups of thousands here")
    return body.replace(decimal_sep, ".")


def _canonical(value: Decimal) -> Decimal:
    """One spelling per number, so that "2,50 %" on a page and 2.5 in JSON give equal records."""
    if value == value.to_integral_value():
        return Decimal(int(value))  # exact at any size, where quantize() overflows the context precision
    return value.normalize()


def parse_decimal(raw: Raw, locale: Locale = UNKNOWN_LOCALE, kind: str = "decimal") -> Decimal:
    """A decimal number in German or English notation, or a JSON number."""
    if isinstance(raw, bool):
        raise ValueParseError(kind, raw, "expected a number, got a boolean")
    if isinstance(raw, int | float):
        value = Decimal(str(raw))
        if not value.is_finite():
            raise ValueParseError(kind, raw, "not a finite number")
        return _canonical(value)
    text = _text(kind, raw)
    try:
        return _canonical(Decimal(_number_text(kind, text, locale)))
    except InvalidOperation as exc:
        raise ValueParseError(kind, raw, "not a number") from exc


def parse_int(raw: Raw, locale: Locale = UNKNOWN_LOCALE) -> int:
    """A whole number ("1.234" in German, "1,234" in English, or a JSON integer)."""
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    value = parse_decimal(raw, locale, "int") if not isinstance(raw, int) or isinstance(raw, bool) else raw
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueParseError("int", raw, "has a fractional part")
        return int(value)
    return value


def parse_percent(raw: Raw, locale: Locale = UNKNOWN_LOCALE) -> Decimal:
    """A percentage in percent units: "2,5 %", "2.5%" and the JSON number 2.5 all give Decimal("2.5")."""
    if isinstance(raw, str):
        text = _text("percent", raw)
        if text.endswith("%"):
            text = text[:-1].rstrip()
        return parse_decimal(text, locale, "percent")
    return parse_decimal(raw, locale, "percent")


_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def parse_fraction(raw: Raw, locale: Locale = UNKNOWN_LOCALE) -> Decimal:
    """A share of one as a JSON body sends it (0.0013), returned in percent units like :func:`parse_percent`.

    Voice of the Customer's JSON sends its rates as fractions while the page shows percent ("0.13%"); the
    record holds percent, so both sources give Decimal("0.13"). A value outside 0..1 is an error rather
    than a guess: it most likely means the endpoint has started to send percent.
    """
    if isinstance(raw, bool):
        raise ValueParseError("fraction", raw, "expected a number, got a boolean")
    if isinstance(raw, str):
        text = raw.strip()
        if not _PLAIN_NUMBER.fullmatch(text):  # a page's "0,13 %" is percent, not a fraction
            raise ValueParseError("fraction", raw, "not a plain number such as 0.0013")
        raw = text
    elif not isinstance(raw, int | float):
        raise ValueParseError("fraction", raw, f"expected a number, got {type(raw).__name__}")
    try:
        value = Decimal(str(raw))
    except InvalidOperation as exc:
        raise ValueParseError("fraction", raw, "not a number") from exc
    if not value.is_finite():
        raise ValueParseError("fraction", raw, "not a finite number")
    if not 0 <= value <= 1:
        raise ValueParseError("fraction", raw, "outside 0..1: the body may send percent now, not a fraction")
    return _canonical(value * 100)


_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "jan january januar jän jänner",
        "feb february februar",
        "mar march märz mär mrz",
        "apr april",
        "may mai",
        "jun june juni",
        "jul july juli",
        "aug august",
        "sep sept september",
        "oct october okt oktober",
        "nov november",
        "dec december dez dezember",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

_NUMERIC_DATE = re.compile(r"(\d{1,4})([./-])(\d{1,2})\2(\d{4}|\d{2})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\.?\s+([^\W\d_]+)\.?,?\s+(\d{4})")  # 27. Juli 2026 / 27 Jul 2026
_MONTH_DAY_YEAR = re.compile(r"([^\W\d_]+)\.?\s+(\d{1,2}),?\s+(\d{4})")  # Jul 27, 2026
_WEEKDAY = re.compile(r"^[^\W\d_]+\.?,\s*")  # "Mon, " / "Mo., "
_TIME = re.compile(r"(?:,|\s+um|\s+at)?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp]\.?[Mm]\.?)?(?:\s*Uhr)?")


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) == 2 else year


def _month(kind: str, raw: Raw, name: str) -> int:
    month = _MONTHS.get(name.casefold())
    if month is None:
        raise ValueParseError(kind, raw, f"unknown month name {name!r}")
    return month


def _build_date(kind: str, raw: Raw, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueParseError(kind, raw, str(exc)) from exc


def _date_from_text(kind: str, raw: Raw, text: str, locale: Locale) -> date:
    text = _WEEKDAY.sub("", text)
    if m := _NUMERIC_DATE.fullmatch(text):
        first, sep, second, last = m.groups()
        if len(first) == 4:  # 2026/07/27
            return _build_date(kind, raw, int(first), int(second), int(last))
        a, b, year = int(first), int(second), _year(last)
        if sep in ".-" or a > 12:
            month_first = False  # German dots and Indian dashes are day first; 27/07 cannot be M/D
        elif b > 12:
            month_first = True
        elif a == b:
            month_first = False
        elif locale.month_first is None:
            raise ValueParseError(kind, raw, "ambiguous day/month order and the page's locale is unknown")
        else:
            month_first = locale.month_first
        month, day = (a, b) if month_first else (b, a)
        return _build_date(kind, raw, year, month, day)
    if m := _DAY_MONTH_YEAR.fullmatch(text):
        return _build_date(kind, raw, int(m[3]), _month(kind, raw, m[2]), int(m[1]))
    if m := _MONTH_DAY_YEAR.fullmatch(text):
        return _build_date(kind, raw, int(m[3]), _month(kind, raw, m[1]), int(m[2]))
    raise ValueParseError(kind, raw, "no known date format")


def _epoch_ms(kind: str, raw: Raw) -> datetime | None:
    if isinstance(raw, bool):
        raise ValueParseError(kind, raw, "expected a date, got a boolean")
    if isinstance(raw, int | float):
        number = raw
    elif isinstance(raw, str) and re.fullmatch(r"\d{11,14}", raw.strip()):
        number = int(raw.strip())
    else:
        return None
    if not 1e11 <= number < 1e14:  # epoch ms between 1973 and 5138: anything else is not a timestamp
        raise ValueParseError(kind, raw, "a number that is not epoch milliseconds")
    return datetime.fromtimestamp(number / 1000, tz=UTC)


def _iso(text: str) -> datetime | None:
    if not re.match(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def parse_datetime(raw: Raw, locale: Locale = UNKNOWN_LOCALE) -> datetime:
    """A point in time: ISO 8601 (offsets kept), epoch milliseconds (UTC), or a local date with a time.

    A date and time as the page shows them ("27.07.2026 14:03", "Jul 27, 2026 2:03 PM") stays naive:
    the page does not say which zone it means.
    """
    if (value := _epoch_ms("datetime", raw)) is not None:
        return value
    text = _text("datetime", raw)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueParseError("datetime", raw, "no time of day found")  # a day, not a point in time
    if (value := _iso(text)) is not None:
        return value
    m = _TIME.search(text)
    if m is None or m.end() != len(text):
        raise ValueParseError("datetime", raw, "no time of day found")
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    if m[4]:
        if not 1 <= hour <= 12:
            raise ValueParseError("datetime", raw, "12-hour clock with an hour outside 1..12")
        hour = hour % 12 + (12 if m[4][0] in "Pp" else 0)
    day = _date_from_text("datetime", raw, text[: m.start()].strip(), locale)
    try:
        return datetime.combine(day, time(hour, minute, second))
    except ValueError as exc:
        raise ValueParseError("datetime", raw, str(exc)) from exc


def parse_date(raw: Raw, locale: Locale = UNKNOWN_LOCALE) -> date:
    """A calendar day in any format Seller Central shows, or ISO/epoch milliseconds from its JSON.

    A timestamp becomes the day in its own offset (UTC for epoch milliseconds and "Z"); a time of day
    after a shown date ("27.07.2026 14:03", "Jul 27, 2026 2:03 PM") is dropped.
    """
    if (value := _epoch_ms("date", raw)) is not None:
        return value.date()
    text = _text("date", raw)
    if (value := _iso(text)) is not None:
        return value.date()
    m = _TIME.search(text)
    if m is not None and m.end() == len(text) and m.start() > 0:
        text = text[: m.start()].strip()  # lists often show "27.07.2026 14:03"; the day is what counts
    return _date_from_text("date", raw, text, locale)


EPOCH_UNITS: dict[str, int] = {"seconds": 1, "milliseconds": 1000}
"""Units a field's ``epoch:`` key in selectors.yaml may name, with how many of them make one second."""

_EPOCH_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_EPOCH_START = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_SECONDS = (Decimal(10**8), Decimal(10**11))  # 1973-03-03 up to 5138-11-16, as for epoch ms above


def parse_epoch(raw: Raw, unit: str, kind: str = "datetime") -> datetime:
    """A point in time (UTC) from a count of epoch ``unit`` ("seconds" or "milliseconds"), fraction allowed.

    The unit is what selectors.yaml declares for the field, never a guess from the number's size: the case
    log sends ``1788541015.867`` (seconds) where notifications send milliseconds. A number that cannot be a
    time in the declared unit (before 1973 or after 5138) is an error, so a body that switches its unit is
    reported instead of giving dates in 1970 or the year 58000. The fraction is kept to the microsecond.
    """
    per_second = EPOCH_UNITS.get(unit)
    if per_second is None:
        raise ValueError(f"unknown epoch unit {unit!r} (known: {', '.join(EPOCH_UNITS)})")
    what = f"epoch {unit}"
    if isinstance(raw, bool):
        raise ValueParseError(kind, raw, f"expected {what}, got a boolean")
    if isinstance(raw, int | float):
        number = Decimal(str(raw))  # str(): the float's shortest spelling, so 1788541015.867 stays .867
        if not number.is_finite():
            raise ValueParseError(kind, raw, f"not a finite number of {what}")
    elif isinstance(raw, str) and _EPOCH_NUMBER.fullmatch(raw.strip()):
        number = Decimal(raw.strip())
    elif isinstance(raw, str):
        raise ValueParseError(kind, raw, f"not a number of {what}")
    else:
        raise ValueParseError(kind, raw, f"expected {what}, got {type(raw).__name__}")
    seconds = number / per_second
    if not _EPOCH_SECONDS[0] <= seconds < _EPOCH_SECONDS[1]:
        reason = f"not a time in {what} (outside 1973..5138); is the unit in selectors.yaml right?"
        raise ValueParseError(kind, raw, reason)
    micros = (seconds * 1_000_000).to_integral_value(ROUND_HALF_EVEN)
    return _EPOCH_START + timedelta(microseconds=int(micros))


@dataclass(frozen=True)
class EpochParser:
    """The parser of a date or datetime field whose raw value is an epoch count in a declared unit."""

    unit: str
    """"seconds" or "milliseconds" (:data:`EPOCH_UNITS`)."""
    as_date: bool = False
    """True for a ``type: date`` field: the day in UTC."""

    def __call__(self, raw: Raw, locale: Locale = UNKNOWN_LOCALE) -> date | datetime:
        """The UTC point in time, or its UTC day; ValueParseError for anything that is not such a count."""
        value = parse_epoch(raw, self.unit, f"{'date' if self.as_date else 'datetime'} (epoch {self.unit})")
        return value.date() if self.as_date else value


_TRUE = {"true", "yes", "ja", "1", "y", "wahr"}
_FALSE = {"false", "no", "nein", "0", "n", "falsch"}


def parse_bool(raw: Raw, locale: Locale = UNKNOWN_LOCALE) -> bool:
    """A JSON boolean or a yes/no word in German or English."""
    if isinstance(raw, bool):
        return raw
    text = _text("bool", raw).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueParseError("bool", raw, "not a yes/no value")


def parse_url(raw: Raw, locale: Locale = UNKNOWN_LOCALE) -> str:
    """An absolute http(s) URL or a site-relative path, as given."""
    text = _text("url", raw)
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?|/(?!/)\S*", text):  # "//host/x" is another site
        raise ValueParseError("url", raw, "neither an http(s) URL nor a path starting with /")
    return text


def enum_key(label: str) -> str:
    """How labels are compared: case-insensitive, ignoring spaces, underscores and hyphens.

    Seller Central spells one status as ``PendingAmazonAction``, ``PENDINGAMAZONACTION`` and
    ``PENDING_AMAZON_ACTION`` depending on the page and the year; they must all be one member.
    """
    return _SEPARATORS.sub("", label).casefold()


@dataclass(frozen=True)
class EnumParser:
    """Maps labels (German, English, API codes) to one enum; unknown labels become :class:`Unknown`."""

    enum: type[StrEnum]
    labels: dict[str, StrEnum]
    """Keys already passed through :func:`enum_key`."""

    @classmethod
    def build(cls, enum: type[StrEnum], labels: dict[str, list[str]]) -> EnumParser:
        """Index the member names, their values and every label selectors.yaml lists."""
        table: dict[str, StrEnum] = {}
        for member in enum:
            table[enum_key(member.name)] = member
            table[enum_key(member.value)] = member
        for name, words in labels.items():
            for word in words:
                table[enum_key(word)] = enum[name]
        return cls(enum, table)

    def __call__(self, raw: Raw, locale: Locale = UNKNOWN_LOCALE) -> StrEnum | Unknown:
        """The member for this label, or Unknown carrying the label."""
        text = _text(self.enum.__name__, raw)
        return self.labels.get(enum_key(text), Unknown(text))


ValueParser = Callable[[Raw, Locale], object]

PARSERS: dict[str, ValueParser] = {
    "str": parse_str,
    "int": parse_int,
    "decimal": parse_decimal,
    "percent": parse_percent,
    "fraction": parse_fraction,
    "date": parse_date,
    "datetime": parse_datetime,
    "url": parse_url,
    "bool": parse_bool,
}
"""Parser of every scalar type name selectors.yaml may use, except `enum` (see :class:`EnumParser`)."""

TYPE_NAMES = frozenset({*PARSERS, "enum"})
