"""Date and time functions. Times are UTC.

WEEKDAY numbers days 0-6 from Sunday (Airtable), or from Monday with "Monday"; WEEKNUM counts
the week holding 1 January as week 1 (Excel's type 1, or type 2 with "Monday"). DATEADD and
DATETIME_DIFF take units years, quarters, months, weeks, days, hours, minutes, seconds,
milliseconds (or y, Q, M, w, d, h, m, s, ms); DATETIME_DIFF(a, b, unit) is a - b truncated
toward zero (moment.js, which Airtable uses), in seconds by default. Calendar units clamp to
the month's end (31 January + 1 month = 28/29 February). DATETIME_FORMAT takes every moment.js
token (formulas.moment, generated from moment itself: ordinals Do Qo, [literals], localized L LL
LLL LLLL l ll lll llll, X x, weeks, eras) in UTC, or in the zone and locale SET_TIMEZONE and
SET_LOCALE wrapped around its date give; the default is ISO 8601. DATETIME_PARSE reads ISO 8601
by default, or the moment.js format given as moment's forgiving parser does, in a locale given
as its third argument. SET_TIMEZONE and SET_LOCALE change how a date is shown, not the instant:
HOUR() and the like stay UTC. DATE(y, m, d)
normalises overflow as Excel does (DATE(2024, 13, 1) is 1 January 2025). WORKDAY_DIFF counts
Monday-to-Friday days between two dates, both included, less the holidays given as
"2024-12-25, 2024-12-26"; negative when the end is before the start. NOW() and TODAY() are
read once per evaluation, so every row of a sync sees the same instant.
"""

from __future__ import annotations

import calendar
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

from formulas import moment
from formulas.ast import Call, Literal
from formulas.functions import register
from formulas.functions.logic import TypeMismatch
from formulas.types import T
from formulas.values import (
    DATETIME_TEXT,
    Arg,
    EvalError,
    as_date_py,
    as_datetime,
    as_datetime_py,
    num,
    num_py,
    txt,
    txt_py,
)

NOW: ContextVar[datetime] = ContextVar("formula_now")
US = {
    "milliseconds": 1_000,
    "seconds": 1_000_000,
    "minutes": 60_000_000,
    "hours": 3_600_000_000,
    "days": 86_400_000_000,
    "weeks": 604_800_000_000,
}
MONTHS = {"months": 1, "quarters": 3, "years": 12}
UNIT_ALIASES = {
    "ms": "milliseconds",
    "s": "seconds",
    "m": "minutes",
    "h": "hours",
    "d": "days",
    "w": "weeks",
    "M": "months",
    "Q": "quarters",
    "y": "years",
}


def now() -> datetime:
    return NOW.get(None) or datetime.now(UTC)


def unit_of(node: Any, default: str | None = None) -> str:
    if node is None and default:
        return default
    if not (isinstance(node, Literal) and isinstance(node.value, str)):
        raise TypeMismatch(
            "the unit must be a literal text such as 'days'", getattr(node, "pos", 0)
        )
    raw = node.value.strip()
    unit = UNIT_ALIASES.get(raw, raw.lower())
    if unit.endswith("s") is False:
        unit += "s"
    if unit not in US and unit not in MONTHS:
        raise TypeMismatch(
            f"unknown unit {raw!r}",
            node.pos,
            hint="use years, quarters, months, weeks, days, hours, minutes, seconds"
            " or milliseconds",
        )
    return unit


# --- moment.js formats, time zones and locales (formulas.moment) -----------------------------
DEFAULT_ZONED = "YYYY-MM-DDTHH:mm:ss.SSSZ"  # the ISO default, with the zone's offset


def _locale_id(locale: str) -> str:
    """moment's id of a locale as written ('EN_gb' is 'en-gb')."""
    return locale.strip().lower().replace("_", "-")


def zone_and_locale(node: Any) -> tuple[str, str]:
    """The time zone and locale a date is shown in: the SET_TIMEZONE() and SET_LOCALE() calls
    wrapped around it (the outermost of each wins), else UTC and "en"."""
    tz, locale = None, None
    while isinstance(node, Call) and node.name in ("SET_TIMEZONE", "SET_LOCALE"):
        value = str(node.args[1].value)  # type: ignore[union-attr]
        if node.name == "SET_TIMEZONE":
            tz = tz or value
        else:
            locale = locale or _locale_id(value)
        node = node.args[0]
    return tz or "UTC", locale or "en"


def format_datetime(a: Arg, fmt: str | None) -> pl.Expr:
    tz, locale = zone_and_locale(a.node)
    if fmt is None and tz == "UTC":
        return as_datetime(a).dt.strftime(DATETIME_TEXT)
    return moment.format_expr(as_datetime(a), fmt or DEFAULT_ZONED, tz=tz, locale=locale)


def format_datetime_py(v: Any, node: Any, fmt: str | None) -> str | None:
    value = as_datetime_py(v)
    if value is None:
        return None
    tz, locale = zone_and_locale(node)
    if fmt is None and tz == "UTC":
        return txt_py(value, T.datetime)
    return moment.format_py(value, fmt or DEFAULT_ZONED, tz=tz, locale=locale)


def _literal_setting(call: Call, index: int, what: str, check: Any, example: str) -> str | None:
    """A literal text argument naming a zone or a locale, checked when the formula is saved."""
    if len(call.args) <= index:
        return None
    node = call.args[index]
    if not (isinstance(node, Literal) and isinstance(node.value, str)):
        raise TypeMismatch(f"the {what} must be a literal text such as {example}", node.pos)
    try:
        check(node.value)
    except ValueError as exc:
        raise TypeMismatch(str(exc), node.pos) from None
    return node.value


def _set_type(what: str, check: Any, example: str):
    def returns(types: list[T], call: Call) -> T:
        _literal_setting(call, 1, what, check, example)
        return T.datetime

    return returns


def _as_is():
    return (
        lambda args, call: (as_datetime(args[0]), None),
        lambda values, types, call: as_datetime_py(values[0]),
    )


register(
    "SET_TIMEZONE",
    "d t",
    _set_type("time zone", moment.check_timezone, "'Europe/Paris'"),
    doc="SET_TIMEZONE(date, time_zone): the same instant, shown by DATETIME_FORMAT in the IANA"
    " time zone given",
    example=(
        "DATETIME_FORMAT(SET_TIMEZONE(#2024-03-05T13:00:00Z#, 'Australia/Sydney'),"
        " 'M/D/YYYY H:mm')",
        "3/6/2024 0:00",
    ),
    returns_doc="datetime",
)(_as_is)
register(
    "SET_LOCALE",
    "d t",
    _set_type("locale", moment.check_locale, "'fr' or 'en-gb'"),
    doc="SET_LOCALE(date, locale): the same instant, shown by DATETIME_FORMAT with the locale's"
    " names and formats",
    example=("DATETIME_FORMAT(SET_LOCALE(#2024-03-05#, 'fr'), 'dddd D MMMM')", "mardi 5 mars"),
    returns_doc="datetime",
)(_as_is)


@register(
    "NOW",
    "",
    T.datetime,
    doc="NOW(): the instant of the evaluation (one for every row of a sync), in UTC",
    example=("YEAR(NOW()) > 2000", "TRUE"),
)
def _now():
    return (
        lambda args, call: (
            pl.lit(now()).dt.cast_time_unit("us").dt.convert_time_zone("UTC"),
            None,
        ),
        lambda values, types, call: now(),
    )


@register(
    "TODAY",
    "",
    T.date,
    doc="TODAY(): the date of the evaluation, in UTC",
    example=("TODAY() > #2000-01-01#", "TRUE"),
)
def _today():
    return (
        lambda args, call: (pl.lit(now().date()), None),
        lambda values, types, call: now().date(),
    )


@register(
    "DATE",
    "n n n",
    T.date,
    doc="DATE(year, month, day): the date; months and days beyond their range carry over",
    example=("DATE(2024, 13, 1)", "2025-01-01"),
)
def _date():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        y, m, d = (num(a).cast(pl.Int64, strict=False) for a in args)
        bad = (y < 1) | (y > 9999)
        start = pl.date(y.clip(1, 9999), 1, 1)
        out = start.dt.offset_by(pl.format("{}mo", m - 1)).dt.offset_by(pl.format("{}d", d - 1))
        return out, bad | out.is_null()

    def python(values: list[Any], types: list[T], call: Call) -> date:
        y, m, d = (int(num_py(v)) for v in values)
        if not 1 <= y <= 9999:
            raise EvalError("year out of range")
        try:
            return _add_months(date(y, 1, 1), m - 1) + timedelta(days=d - 1)
        except (OverflowError, ValueError) as exc:
            raise EvalError(str(exc)) from exc

    return polars, python


def _part(name: str):
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        if args[0].type is T.date:  # no detour through a UTC datetime: dates have no time
            if name in ("hour", "minute", "second"):
                return pl.when(args[0].expr.is_not_null()).then(0.0), None
            return getattr(args[0].expr.dt, name)().cast(pl.Float64), None
        return getattr(as_datetime(args[0]).dt, name)().cast(pl.Float64), None

    def python(values: list[Any], types: list[T], call: Call) -> float | None:
        value = as_datetime_py(values[0])
        return None if value is None else float(getattr(value, name))

    return polars, python


for _name, _attr, _example in (
    ("YEAR", "year", ("YEAR(#2024-03-05#)", "2024")),
    ("MONTH", "month", ("MONTH(#2024-03-05#)", "3")),
    ("DAY", "day", ("DAY(#2024-03-05#)", "5")),
    ("HOUR", "hour", ("HOUR(#2024-03-05T14:30:15Z#)", "14")),
    ("MINUTE", "minute", ("MINUTE(#2024-03-05T14:30:15Z#)", "30")),
    ("SECOND", "second", ("SECOND(#2024-03-05T14:30:15Z#)", "15")),
):
    register(_name, "d", T.number, doc=f"{_name}(date): the {_attr} (UTC)", example=_example)(
        lambda a=_attr: _part(a)
    )


def _week_start(call: Call) -> str:
    if len(call.args) < 2:
        return "sunday"
    node = call.args[1]
    if (
        isinstance(node, Literal)
        and isinstance(node.value, str)
        and node.value.lower() in ("sunday", "monday")
    ):
        return node.value.lower()
    raise TypeMismatch("the week start must be 'Sunday' or 'Monday'", node.pos)


def _weekday_type(types: list[T], call: Call) -> T:
    _week_start(call)
    return T.number


@register(
    "WEEKDAY",
    "d t?",
    _weekday_type,
    doc="WEEKDAY(date, [start]): the day of the week, 0 (Sunday) to 6, or from 'Monday'",
    example=("WEEKDAY(#2024-03-05#)", "2"),
    returns_doc="number",
)
def _weekday():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        iso = as_datetime(args[0]).dt.weekday()  # Monday 1 .. Sunday 7
        out = (iso % 7) if _week_start(call) == "sunday" else (iso - 1)
        return out.cast(pl.Float64), None

    def python(values: list[Any], types: list[T], call: Call) -> float | None:
        value = as_datetime_py(values[0])
        if value is None:
            return None
        iso = value.isoweekday()
        return float(iso % 7 if _week_start(call) == "sunday" else iso - 1)

    return polars, python


@register(
    "WEEKNUM",
    "d t?",
    _weekday_type,
    doc="WEEKNUM(date, [start]): the week of the year, weeks starting on Sunday or 'Monday'",
    example=("WEEKNUM(#2024-03-05#)", "10"),
    returns_doc="number",
)
def _weeknum():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        value = as_datetime(args[0])
        jan1 = pl.date(value.dt.year(), 1, 1)
        iso = jan1.dt.weekday()
        offset = (iso % 7) if _week_start(call) == "sunday" else (iso - 1)
        return ((value.dt.ordinal_day() - 1 + offset) // 7 + 1).cast(pl.Float64), None

    def python(values: list[Any], types: list[T], call: Call) -> float | None:
        value = as_datetime_py(values[0])
        if value is None:
            return None
        iso = date(value.year, 1, 1).isoweekday()
        offset = iso % 7 if _week_start(call) == "sunday" else iso - 1
        return float((value.timetuple().tm_yday - 1 + offset) // 7 + 1)

    return polars, python


def _add_months(value: Any, months: int) -> Any:
    month0 = value.month - 1 + months
    year, month = value.year + month0 // 12, month0 % 12 + 1
    if not 1 <= year <= 9999:
        raise EvalError("date out of range")
    day = min(value.day, calendar.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)


def _dateadd_type(types: list[T], call: Call) -> T:
    unit = unit_of(call.args[2])
    if types[0] is T.date and unit in ("days", "weeks", *MONTHS):
        return T.date
    return T.datetime


@register(
    "DATEADD",
    "d n t",
    _dateadd_type,
    doc="DATEADD(date, count, unit): the date moved by count units (years, quarters, months,"
    " weeks, days, hours, minutes, seconds, milliseconds)",
    example=("DATEADD(#2024-01-31#, 1, 'months')", "2024-02-29"),
    returns_doc="date for whole days, weeks, months, quarters and years of a date; else datetime",
)
def _dateadd():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        unit = unit_of(call.args[2])
        count = num(args[1]).cast(pl.Int64, strict=False)
        base = (
            args[0].expr if _dateadd_type([args[0].type], call) is T.date else as_datetime(args[0])
        )
        if unit in MONTHS:
            return base.dt.offset_by(pl.format("{}mo", count * MONTHS[unit])), None
        return base + pl.duration(microseconds=count * US[unit]), None

    def python(values: list[Any], types: list[T], call: Call) -> Any:
        unit = unit_of(call.args[2])
        if values[0] is None:
            return None
        count = int(num_py(values[1]))
        base = values[0] if _dateadd_type(types, call) is T.date else as_datetime_py(values[0])
        try:
            if unit in MONTHS:
                return _add_months(base, count * MONTHS[unit])
            return base + timedelta(microseconds=count * US[unit])  # type: ignore[operator]
        except OverflowError as exc:
            raise EvalError(str(exc)) from exc

    return polars, python


def _diff_type(types: list[T], call: Call) -> T:
    unit_of(call.args[2] if len(call.args) > 2 else None, "seconds")
    return T.number


def _difference(a: pl.Expr, b: pl.Expr, unit: str) -> pl.Expr:
    """a - b (UTC datetimes) in whole units, truncated toward zero (moment's diff)."""
    if unit in US:
        micro = (a - b).dt.total_microseconds()
        out = pl.when(micro >= 0).then(micro // US[unit]).otherwise(-((-micro) // US[unit]))
        return out.cast(pl.Float64)
    months = (a.dt.year() - b.dt.year()).cast(pl.Int64) * 12 + (
        a.dt.month().cast(pl.Int64) - b.dt.month().cast(pl.Int64)
    )
    a_rest = (a - a.dt.truncate("1mo")).dt.total_microseconds()
    b_rest = (b - b.dt.truncate("1mo")).dt.total_microseconds()
    months = (
        pl.when((months > 0) & (a_rest < b_rest))
        .then(months - 1)
        .when((months < 0) & (a_rest > b_rest))
        .then(months + 1)
        .otherwise(months)
    )
    step = MONTHS[unit]
    return (
        pl.when(months >= 0).then(months // step).otherwise(-((-months) // step)).cast(pl.Float64)
    )


def _difference_py(a: datetime, b: datetime, unit: str) -> float:
    if unit in US:
        delta = a - b
        micro = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        q = abs(micro) // US[unit]
        return float(q if micro >= 0 else -q)
    months = (a.year - b.year) * 12 + (a.month - b.month)

    def rest(x: datetime) -> timedelta:
        return x - x.replace(day=1, hour=0, minute=0, second=0, microsecond=0)

    if months > 0 and rest(a) < rest(b):
        months -= 1
    elif months < 0 and rest(a) > rest(b):
        months += 1
    q = abs(months) // MONTHS[unit]
    return float(q if months >= 0 else -q)


@register(
    "DATETIME_DIFF",
    "d d t?",
    _diff_type,
    doc="DATETIME_DIFF(date1, date2, [unit]): date1 - date2 in whole units (seconds),"
    " truncated toward zero",
    example=("DATETIME_DIFF(#2024-03-01#, #2024-02-01#, 'days')", "29"),
    returns_doc="number",
)
def _diff():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        unit = unit_of(call.args[2] if len(call.args) > 2 else None, "seconds")
        return _difference(as_datetime(args[0]), as_datetime(args[1]), unit), None

    def python(values: list[Any], types: list[T], call: Call) -> float | None:
        unit = unit_of(call.args[2] if len(call.args) > 2 else None, "seconds")
        a, b = as_datetime_py(values[0]), as_datetime_py(values[1])
        return None if a is None or b is None else _difference_py(a, b, unit)

    return polars, python


def _format_type(types: list[T], call: Call) -> T:
    if len(call.args) > 1 and not (
        isinstance(call.args[1], Literal) and isinstance(call.args[1].value, str)
    ):
        raise TypeMismatch(
            "the format must be a literal text such as 'YYYY-MM-DD'", call.args[1].pos
        )
    return T.text


@register(
    "DATETIME_FORMAT",
    "d t?",
    _format_type,
    doc="DATETIME_FORMAT(date, [format]): the date as text in a moment.js format (ISO 8601)",
    example=("DATETIME_FORMAT(#2024-03-05#, 'DD/MM/YYYY')", "05/03/2024"),
    returns_doc="text",
)
def _format():
    def fmt_of(call: Call) -> str | None:
        return str(call.args[1].value) if len(call.args) > 1 else None  # type: ignore[union-attr]

    return (
        lambda args, call: (format_datetime(args[0], fmt_of(call)), None),
        lambda values, types, call: format_datetime_py(values[0], call.args[0], fmt_of(call)),
    )


ISO_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)


def _to_utc(expr: pl.Expr, aware: bool) -> pl.Expr:
    return expr.dt.convert_time_zone("UTC") if aware else expr.dt.replace_time_zone("UTC")


def parse_datetime(text: pl.Expr, fmt: str | None, locale: str = "en") -> pl.Expr:
    """ISO 8601 (Polars' own readers), or moment's forgiving parser of the format given."""
    if fmt:
        return moment.parse_expr(text, fmt, tz="UTC", locale=locale, now=now())
    parsed = [
        _to_utc(text.str.to_datetime(f, strict=False, time_unit="us"), "%#z" in f or "+00" in f)
        for f in ISO_FORMATS
    ]
    return pl.coalesce(parsed)


def _iso_py(text: str) -> datetime | None:
    for f in ISO_FORMATS:
        pattern = f.replace("%.f", ".%f").replace("%#z", "%z")
        for candidate in (pattern, pattern.replace(".%f", "")):
            try:
                value = datetime.strptime(text, candidate)
            except ValueError:
                continue
            return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def _parse_type(types: list[T], call: Call) -> T:
    _format_type(types, call)
    _literal_setting(call, 2, "locale", moment.check_locale, "'fr'")
    return T.datetime


@register(
    "DATETIME_PARSE",
    "t t? t?",
    _parse_type,
    doc="DATETIME_PARSE(text, [format], [locale]): the datetime the text holds, ISO 8601 or in"
    " the moment.js format given (read as moment reads it, in UTC)",
    example=("DATETIME_PARSE('5 mars 2024', 'D MMMM YYYY', 'fr')", "2024-03-05T00:00:00.000Z"),
    returns_doc="datetime",
)
def _parse():
    def fmt_of(call: Call) -> str | None:
        return str(call.args[1].value) if len(call.args) > 1 else None  # type: ignore[union-attr]

    def locale_of(call: Call) -> str:
        if len(call.args) < 3:
            return "en"
        return _locale_id(str(call.args[2].value))  # type: ignore[union-attr]

    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        text = txt(args[0]).str.strip_chars()
        out = parse_datetime(text, fmt_of(call), locale_of(call))
        return out, (text != "") & out.is_null()

    def python(values: list[Any], types: list[T], call: Call) -> datetime | None:
        text = txt_py(values[0], types[0]).strip()
        if text == "":
            return None
        fmt = fmt_of(call)
        if fmt:
            value = moment.parse_py(text, fmt, tz="UTC", locale=locale_of(call), now=now())
        else:
            value = _iso_py(text)
        if value is None:
            raise EvalError(f"cannot read {text!r} as a date")
        return value

    return polars, python


def _holidays(call: Call) -> list[date]:
    if len(call.args) < 3:
        return []
    node = call.args[2]
    if not (isinstance(node, Literal) and isinstance(node.value, str)):
        raise TypeMismatch(
            "holidays must be a literal text like '2024-12-25, 2024-12-26'", node.pos
        )
    try:
        return [date.fromisoformat(p.strip()) for p in node.value.split(",") if p.strip()]
    except ValueError:
        raise TypeMismatch("holidays must be ISO dates separated by commas", node.pos) from None


def _with_holidays(result: T):
    """The result type of a function whose third argument is a literal list of holidays."""

    def returns(types: list[T], call: Call) -> T:
        _holidays(call)
        return result

    return returns


@register(
    "WORKDAY_DIFF",
    "d d t?",
    _with_holidays(T.number),
    doc="WORKDAY_DIFF(start, end, [holidays]): Monday-to-Friday days from start to end, both"
    " included, less the holidays ('2024-12-25, 2024-12-26')",
    example=("WORKDAY_DIFF(#2024-03-04#, #2024-03-15#)", "10"),
    returns_doc="number",
)
def _workday_diff():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        holidays = _holidays(call)
        start, end = as_datetime(args[0]).dt.date(), as_datetime(args[1]).dt.date()
        one = pl.duration(days=1)
        forward = pl.business_day_count(start, end + one, holidays=holidays)
        backward = -pl.business_day_count(end, start + one, holidays=holidays)
        return pl.when(start <= end).then(forward).otherwise(backward).cast(pl.Float64), None

    def python(values: list[Any], types: list[T], call: Call) -> float | None:
        start, end = as_date_py(values[0]), as_date_py(values[1])
        if start is None or end is None:
            return None
        holidays = set(_holidays(call))
        lo, hi, sign = (start, end, 1) if start <= end else (end, start, -1)
        days = (hi - lo).days + 1
        count = sum(
            1
            for i in range(days)
            if (d := lo + timedelta(days=i)).weekday() < 5 and d not in holidays
        )
        return float(sign * count)

    return polars, python


# --- comparisons ---------------------------------------------------------------------------
def _order(kind: str):
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        a, b = as_datetime(args[0]), as_datetime(args[1])
        return (a > b if kind == "after" else a < b).fill_null(False), None

    def python(values: list[Any], types: list[T], call: Call) -> bool:
        a, b = as_datetime_py(values[0]), as_datetime_py(values[1])
        if a is None or b is None:
            return False
        return a > b if kind == "after" else a < b

    return polars, python


register(
    "IS_AFTER",
    "d d",
    T.boolean,
    doc="IS_AFTER(date1, date2): whether date1 is after date2 (false when either is blank)",
    example=("IS_AFTER(#2024-03-05#, #2024-03-04#)", "TRUE"),
)(lambda: _order("after"))
register(
    "IS_BEFORE",
    "d d",
    T.boolean,
    doc="IS_BEFORE(date1, date2): whether date1 is before date2 (false when either is blank)",
    example=("IS_BEFORE(#2024-03-05#, #2024-03-04#)", "FALSE"),
)(lambda: _order("before"))

_TRUNCATE = {
    "milliseconds": "1ms",
    "seconds": "1s",
    "minutes": "1m",
    "hours": "1h",
    "days": "1d",
    "months": "1mo",
    "quarters": "1q",
    "years": "1y",
}


def _start_of(value: pl.Expr, unit: str) -> pl.Expr:
    """The start of the unit holding ``value`` (a UTC datetime); weeks start on Sunday, as in
    moment's default locale."""
    if unit == "weeks":
        day = value.dt.truncate("1d")
        return day - pl.duration(days=value.dt.weekday() % 7)
    return value.dt.truncate(_TRUNCATE[unit])


US_BELOW_DAY = ("milliseconds", "seconds", "minutes", "hours")


def _start_of_date(value: pl.Expr, unit: str) -> pl.Expr:
    if unit == "weeks":
        return value - pl.duration(days=value.dt.weekday() % 7)
    if unit == "months":
        return value.dt.month_start()
    return value.dt.truncate(_TRUNCATE[unit])


def _start_of_py(value: datetime, unit: str) -> datetime:
    if unit == "milliseconds":
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    if unit == "seconds":
        return value.replace(microsecond=0)
    if unit == "minutes":
        return value.replace(second=0, microsecond=0)
    if unit == "hours":
        return value.replace(minute=0, second=0, microsecond=0)
    day = value.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "days":
        return day
    if unit == "weeks":
        return day - timedelta(days=day.isoweekday() % 7)
    if unit == "months":
        return day.replace(day=1)
    if unit == "quarters":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def _same_unit(call: Call) -> str | None:
    return unit_of(call.args[2]) if len(call.args) > 2 else None


def _same_type(types: list[T], call: Call) -> T:
    _same_unit(call)
    return T.boolean


@register(
    "IS_SAME",
    "d d t?",
    _same_type,
    doc="IS_SAME(date1, date2, [unit]): whether the dates are the same instant, or fall in the"
    " same unit (year, quarter, month, week, day, hour, minute, second, millisecond)",
    example=("IS_SAME(#2024-03-05#, #2024-03-30#, 'month')", "TRUE"),
    returns_doc="boolean",
)
def _is_same():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        unit = _same_unit(call)
        if args[0].type is T.date and args[1].type is T.date and unit not in US_BELOW_DAY:
            # Two dates: compared as dates, without a detour through UTC datetimes.
            a, b = args[0].expr, args[1].expr
            if unit not in (None, "days"):
                a, b = _start_of_date(a, unit), _start_of_date(b, unit)
            return (a == b).fill_null(False), None
        a, b = as_datetime(args[0]), as_datetime(args[1])
        if unit is not None:
            a, b = _start_of(a, unit), _start_of(b, unit)
        return (a == b).fill_null(False), None

    def python(values: list[Any], types: list[T], call: Call) -> bool:
        unit = _same_unit(call)
        a, b = as_datetime_py(values[0]), as_datetime_py(values[1])
        if a is None or b is None:
            return False
        if unit is not None:
            a, b = _start_of_py(a, unit), _start_of_py(b, unit)
        return a == b

    return polars, python


# --- as text -------------------------------------------------------------------------------
def _strftime(pattern: str):
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        return as_datetime(args[0]).dt.strftime(pattern), None

    def python(values: list[Any], types: list[T], call: Call) -> str | None:
        value = as_datetime_py(values[0])
        return None if value is None else value.strftime(pattern)

    return polars, python


register(
    "DATESTR",
    "d",
    T.text,
    doc="DATESTR(date): the date as YYYY-MM-DD (UTC)",
    example=("DATESTR(#2024-03-05T14:30:00Z#)", "2024-03-05"),
)(lambda: _strftime("%Y-%m-%d"))
register(
    "TIMESTR",
    "d",
    T.text,
    doc="TIMESTR(date): the time of day as HH:mm:ss (UTC)",
    example=("TIMESTR(#2024-03-05T14:30:15Z#)", "14:30:15"),
)(lambda: _strftime("%H:%M:%S"))


# --- relative to now -------------------------------------------------------------------------
def _relative_type(types: list[T], call: Call) -> T:
    unit_of(call.args[1] if len(call.args) > 1 else None, "days")
    return T.number


def _relative():
    """TONOW/FROMNOW: whole days (or units) between the evaluation's instant and the date, without
    a sign (Airtable shows "3 days" either way), truncated toward zero."""

    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        unit = unit_of(call.args[1] if len(call.args) > 1 else None, "days")
        moment = pl.lit(now()).dt.cast_time_unit("us").dt.convert_time_zone("UTC")
        return _difference(moment, as_datetime(args[0]), unit).abs(), None

    def python(values: list[Any], types: list[T], call: Call) -> float | None:
        unit = unit_of(call.args[1] if len(call.args) > 1 else None, "days")
        value = as_datetime_py(values[0])
        return None if value is None else abs(_difference_py(now(), value, unit))

    return polars, python


register(
    "TONOW",
    "d t?",
    _relative_type,
    doc="TONOW(date, [unit]): whole days (or units) between the date and now, without a sign",
    example=("TONOW(DATEADD(NOW(), -3, 'days'))", "3"),
    returns_doc="number",
)(_relative)
register(
    "FROMNOW",
    "d t?",
    _relative_type,
    doc="FROMNOW(date, [unit]): whole days (or units) between now and the date, without a sign",
    example=("FROMNOW(DATEADD(NOW(), 3, 'days'))", "3"),
    returns_doc="number",
)(_relative)


# --- working days ----------------------------------------------------------------------------
@register(
    "WORKDAY",
    "d n t?",
    _with_holidays(T.date),
    doc="WORKDAY(start, days, [holidays]): the date that many Monday-to-Friday days after (or"
    " before) start, skipping the holidays ('2024-12-25, 2024-12-26')",
    example=("WORKDAY(#2024-03-08#, 1)", "2024-03-11"),
    returns_doc="date",
)
def _workday():
    # Excel's WORKDAY: counting starts after ``start`` (a weekend start counts from the day
    # before, or after, in the direction of travel); 0 days is ``start`` itself.
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        holidays = _holidays(call)
        start = args[0].expr if args[0].type is T.date else as_datetime(args[0]).dt.date()
        days = num(args[1]).cast(pl.Int64, strict=False)
        if holidays:
            ahead = start.dt.add_business_days(days, holidays=holidays, roll="backward")
            back = start.dt.add_business_days(days, holidays=holidays, roll="forward")
            return pl.when(days > 0).then(ahead).when(days < 0).then(back).otherwise(start), None
        # Without holidays one pass does both directions: going back, a weekend start first
        # moves to its Monday (Excel counts from the start's far side either way).
        weekday = start.dt.weekday()  # Monday 1 .. Sunday 7
        monday = start + pl.duration(days=(8 - weekday) * (weekday >= 6).cast(pl.Int64))
        moved = pl.when(days < 0).then(monday).otherwise(start)
        out = moved.dt.add_business_days(days, roll="backward")
        return pl.when(days == 0).then(start).otherwise(out), None

    def python(values: list[Any], types: list[T], call: Call) -> date | None:
        start = as_date_py(values[0])
        if start is None:
            return None
        holidays = set(_holidays(call))
        days = int(num_py(values[1]))
        step = 1 if days > 0 else -1
        current, left = start, abs(days)
        while left:
            current += timedelta(days=step)
            if current.weekday() < 5 and current not in holidays:
                left -= 1
        return current

    return polars, python
