"""moment.js date formatting and parsing, vectorised for Polars, with a plain-Python twin.

Airtable formats and parses dates with moment 2.x and moment-timezone; this module gives the
same text for DATETIME_FORMAT / SET_TIMEZONE / SET_LOCALE and the same instants for
DATETIME_PARSE. Locale data (names, long date formats, week rules, ordinals, meridiems,
digit maps, parse regexes) is generated from moment itself into data/moment_locales.json by
scripts/moment_data/generate.mjs; tests/test_moment.py compares both implementations with
what real moment printed and parsed (data/moment_golden.json).

- format_expr / parse_expr build Polars expressions (no per-row Python); the token list of a
  format is composed once per (format, zone, locale) when the expression is built.
- format_py / parse_py are an independent row-by-row implementation that never calls Polars.

Formatting follows moment's tokenizer exactly: every token of moment's format reference
(including N/y eras, Hmm/hmm/eHHmm, Y/YYYYY/YYYYYY), `[escaped text]`, backslash escapes,
localized L/LL/LLL/LLLL/LT/LTS/l/ll/lll/llll, unknown letters passed through, line breaks
dropped (moment's token regex skips them), locale postformat (e.g. Arabic-Indic digits) and
format-dependent grammatical cases (ru, pl, uk, el, cs ... months and weekdays). An empty
format is moment's default (ISO 8601 with the offset, or a trailing Z at offset zero).

Parsing follows moment's forgiving (non-strict) parser: each token's regex is searched from
where the previous one stopped, skipping text in between; missing date parts default to today
in the zone (parse_* take `now`), 24:00 rolls to the next day, out-of-range parts, unknown
month/weekday names and weekday mismatches give None; a wall time is read in `tz` as
moment-timezone reads it (the earlier of two ambiguous times; a time in a spring-forward gap is
read with the offset before the gap); a parsed Z/ZZ offset wins over `tz`.

Not reproduced (all edge cases):
- Dates before year 1 or after 9999 (Python's datetime range): format_py and parse_* give None.
- Moment keeps milliseconds: microseconds are dropped (floored) before formatting and parsing.
- Parsing a meridiem word other than those the locale prints (in any letter case, as matched by
  the locale's regex) gives None where the locale has its own isPM/meridiemHour; the default
  a/p rule (en and most locales) is reproduced for any match.
- Japanese era-year ordinals ('yo' with 元年) parse as plain numbers; era names (N...) parse.
- Era (N/y) boundaries use the offset of the formatted instant for the start of its day.
- JavaScript's regex case folding where it differs from Python's/Rust's Unicode folding; words
  longer than 256 letters (moment's word regex stops there).
- Locale ids are moment's, normalised as moment does ('EN_gb' is 'en-gb'); where moment would
  silently fall back to a parent locale or to 'en' for an unknown id, a ValueError is raised;
  zones are exact IANA names (moment-timezone also takes other letter cases).
Reproduced even where moment is surprising: tr weekday names that do not parse back, 'w|' and
unknown letters printed as they are, line breaks dropped from formats, 'X [x]' read in the zone.

Each parse expression is a pipeline of struct stages (struct.with_fields over pl.field), so
Polars plans it in some tens of milliseconds; a query runs it at column speed.
"""

# ruff: noqa: S105 -- "token" here is a moment format token, never a secret
from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import polars as pl

__all__ = [
    "LOCALES",
    "check_format",
    "check_locale",
    "check_timezone",
    "format_expr",
    "format_py",
    "parse_expr",
    "parse_py",
]

_DATA = Path(__file__).with_name("data") / "moment_locales.json"
_RAW: dict[str, Any] = json.loads(_DATA.read_text(encoding="utf-8"))

LOCALES: frozenset[str] = frozenset(_RAW["locales"])
MOMENT_VERSION: str = _RAW["moment"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_DATE = date(1970, 1, 1)
_MS = timedelta(milliseconds=1)

# moment's tokenizers (src/lib/format/format.js); '.' in JavaScript skips line terminators
_FORMATTING_TOKENS = re.compile(
    r"(\[[^\[]*\])|(\\e)|(\\)?(eHHmm|[Hh]mm(ss)?|Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|w[o|w]?"
    r"|W[o|W]?|Qo?|N{1,5}|YYYYYY|YYYYY|YYYY|YY|y{2,4}|yo?|gg(ggg?)?|GG(GGG?)?|e|E|a|A|hh?|HH?"
    r"|kk?|mm?|ss?|S{1,9}|x|X|zz?|ZZ?|[^\n\r\u2028\u2029])"
)
_LOCAL_TOKENS = re.compile(r"(\[[^\[]*\])|(\\)?(LTS|LT|LL?L?L?|l{1,4})")

# every key of moment's formatTokenFunctions
_FORMAT_TOKENS = frozenset(
    [
        "M",
        "MM",
        "Mo",
        "MMM",
        "MMMM",
        "Q",
        "Qo",
        "D",
        "DD",
        "Do",
        "DDD",
        "DDDD",
        "DDDo",
        "d",
        "do",
        "dd",
        "ddd",
        "dddd",
        "e",
        "E",
        "eHHmm",
        "w",
        "ww",
        "wo",
        "W",
        "WW",
        "Wo",
        "Y",
        "YY",
        "YYYY",
        "YYYYY",
        "YYYYYY",
        "gg",
        "gggg",
        "ggggg",
        "GG",
        "GGGG",
        "GGGGG",
        "H",
        "HH",
        "h",
        "hh",
        "k",
        "kk",
        "hmm",
        "hmmss",
        "Hmm",
        "Hmmss",
        "a",
        "A",
        "m",
        "mm",
        "s",
        "ss",
        "X",
        "x",
        "z",
        "zz",
        "Z",
        "ZZ",
        "N",
        "NN",
        "NNN",
        "NNNN",
        "NNNNN",
        "y",
        "yo",
        "yy",
        "yyy",
        "yyyy",
    ]
) | frozenset("S" * n for n in range(1, 10))
_ORDINAL_OF = {
    "Mo": "M",
    "Qo": "Q",
    "Do": "D",
    "DDDo": "DDD",
    "do": "d",
    "wo": "w",
    "Wo": "W",
    "yo": "y",
}


# --- locale data ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Names:
    """A name list, or several picked by regexes on the format (grammatical cases)."""

    lists: tuple[tuple[str, ...], ...]
    rules: tuple[tuple[re.Pattern[str], int], ...] = ()
    default: int = 0

    def pick(self, fmt: str) -> tuple[str, ...]:
        for pattern, index in self.rules:
            if pattern.search(fmt):
                return self.lists[index]
        return self.lists[self.default]


@dataclass(frozen=True)
class _Ordinal:
    """ordinal(n) = prefix + n + suffix, from a table of b + m entries repeating with period m."""

    suffixes: tuple[str, ...]
    prefixes: tuple[str, ...] | None = None
    base: int = 0
    period: int = 1
    exceptions: dict[int, str] = field(default_factory=dict)

    def index(self, n: int) -> int:
        size = self.base + self.period
        return n if n < size else self.base + (n - self.base) % self.period

    def py(self, n: int) -> str:
        if n in self.exceptions:
            return self.exceptions[n]
        if n < 0:
            return str(n)
        k = self.index(n)
        return (self.prefixes[k] if self.prefixes else "") + str(n) + self.suffixes[k]


@dataclass(frozen=True)
class _Era:
    since: float
    until: float
    offset: int
    name: str
    narrow: str
    abbr: str
    since_year: int

    def contains(self, ms: float) -> bool:
        return self.since <= ms <= self.until or self.until <= ms <= self.since

    @property
    def direction(self) -> int:
        return 1 if self.since <= self.until else -1


@dataclass(frozen=True)
class _Locale:
    id: str
    months: _Names
    months_short: _Names
    weekdays: _Names
    weekdays_short: _Names
    weekdays_min: _Names
    ldf: dict[str, str]
    dow: int
    doy: int
    ordinals: dict[str, _Ordinal]
    meridiem: tuple[tuple[int, str, str], ...]
    post: dict[str, str]
    pre: dict[str, str]
    eras: tuple[_Era, ...]
    parse: dict[str, Any]

    def long_date_format(self, key: str) -> str | None:
        if key in self.ldf:
            return self.ldf[key]
        upper = self.ldf.get(key.upper())
        if upper is None or key not in ("l", "ll", "lll", "llll"):
            return None
        short = {"MMMM": "MMM", "MM": "M", "DD": "D", "dddd": "ddd"}
        return "".join(
            short.get(t.group(0), t.group(0)) for t in _FORMATTING_TOKENS.finditer(upper)
        )


def _edge(value: float | str) -> float:
    if value == "inf":
        return math.inf
    if value == "-inf":
        return -math.inf
    return float(value)


def _names(raw: str | dict[str, Any]) -> _Names:
    if isinstance(raw, str):
        return _Names((tuple(raw.split("_")),))
    return _Names(
        tuple(tuple(x.split("_")) for x in raw["lists"]),
        tuple((re.compile(src), idx) for src, idx in raw["rules"]),
        raw["default"],
    )


def _ordinal(raw: str | int) -> _Ordinal:
    if isinstance(raw, str):
        return _Ordinal((raw,))
    table = _RAW["ordinalTables"][raw]
    return _Ordinal(
        tuple(table["s"].split("_")),
        tuple(table["p"].split("_")) if "p" in table else None,
        table["b"],
        table["m"],
        {int(k): v for k, v in table.get("x", {}).items()},
    )


def _eras(raw: list[dict[str, Any]]) -> tuple[_Era, ...]:
    return tuple(
        _Era(
            _edge(e["since"]),
            _edge(e["until"]),
            int(e["offset"]),
            e["name"],
            e["narrow"],
            e["abbr"],
            int(e["sinceYear"]),
        )
        for e in raw
    )


@cache
def _locale(locale: str) -> _Locale:
    check_locale(locale)
    raw = _RAW["locales"][_normal_locale(locale)]
    return _Locale(
        id=_normal_locale(locale),
        months=_names(raw["months"]),
        months_short=_names(raw["monthsShort"]),
        weekdays=_names(raw["weekdays"]),
        weekdays_short=_names(raw["weekdaysShort"]),
        weekdays_min=_names(raw["weekdaysMin"]),
        ldf=dict(raw["ldf"]),
        dow=int(raw["week"][0]),
        doy=int(raw["week"][1]),
        ordinals={k: _ordinal(v) for k, v in raw["ordinal"].items()},
        meridiem=tuple((int(t), lo, up) for t, lo, up in raw["meridiem"]),
        post=dict(raw.get("post", {})),
        pre=dict(raw.get("pre", {})),
        eras=_eras(raw.get("eras", _RAW["eras"])),
        parse=raw["parse"],
    )


# --- checks -----------------------------------------------------------------------------------
def _normal_locale(locale: str) -> str:
    return locale.strip().lower().replace("_", "-")


def check_locale(locale: str) -> None:
    """Raise ValueError, naming the closest moment locale ids, when `locale` is not one."""
    if not isinstance(locale, str) or _normal_locale(locale) not in LOCALES:
        close = difflib.get_close_matches(
            _normal_locale(str(locale)), sorted(LOCALES), n=3, cutoff=0.5
        )
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"unknown locale {locale!r}{hint}")


@cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


@lru_cache(maxsize=512)
def _zone(tz: str) -> ZoneInfo:
    """The zone for the plain-Python implementation (zoneinfo only, no Polars)."""
    if not _zoneinfo_ok(tz):
        _unknown_zone(tz)
    return ZoneInfo(tz)


def _zoneinfo_ok(tz: object) -> bool:
    if not isinstance(tz, str) or not tz or tz != tz.strip() or tz.startswith(("/", ".")):
        return False
    if ".." in tz:
        return False
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@lru_cache(maxsize=512)
def _polars_zone_ok(tz: str) -> bool:
    try:  # Polars (chrono-tz) must know the zone too
        probe = pl.Series([datetime(2024, 1, 1, tzinfo=UTC)]).dt.convert_time_zone(tz)
        probe.dt.replace_time_zone(None)
    except Exception:  # noqa: BLE001 -- polars raises ComputeError or panics on unknown zones
        return False
    return True


def _unknown_zone(tz: object) -> None:
    lowered = {n.lower(): n for n in _zone_names()}
    matches = difflib.get_close_matches(str(tz).lower(), list(lowered), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(lowered[c]) for c in matches)}?" if matches else ""
    raise ValueError(f"unknown time zone {tz!r}{hint}")


def check_timezone(tz: str) -> None:
    """Raise ValueError, naming the closest IANA zones, when `tz` is not one both zoneinfo
    and Polars know."""
    if not (_zoneinfo_ok(tz) and _polars_zone_ok(tz)):
        _unknown_zone(tz)


def check_format(fmt: str) -> None:
    """Raise ValueError for a format that cannot be honoured. moment prints every string
    (unknown letters pass through), so only a non-text format is refused."""
    if not isinstance(fmt, str):
        raise ValueError(f"a format must be text, not {type(fmt).__name__}")


# --- tokenizing (shared by both implementations: it is moment's own algorithm) ------------------
def _expand(fmt: str, loc: _Locale) -> str:
    """moment's expandFormat: localized tokens replaced, up to six rounds."""
    for _ in range(6):
        if not _LOCAL_TOKENS.search(fmt):
            break
        fmt = _LOCAL_TOKENS.sub(lambda m: loc.long_date_format(m.group(0)) or m.group(0), fmt)
    return fmt


def _literal(token: str) -> str:
    """moment's removeFormattingTokens."""
    if re.search(r"\[[\s\S]", token):
        return re.sub(r"^\[|\]$", "", token)
    return token.replace("\\", "")


@dataclass(frozen=True)
class _Part:
    token: str | None  # None for literal text
    text: str = ""
    names: tuple[str, ...] = ()


def _default_format(tz: str, zero_offset: bool) -> str:
    return "YYYY-MM-DDTHH:mm:ss[Z]" if zero_offset else "YYYY-MM-DDTHH:mm:ssZ"


@lru_cache(maxsize=1024)
def _plan(fmt: str, locale: str) -> tuple[_Part, ...]:
    loc = _locale(locale)
    expanded = _expand(fmt, loc)
    parts: list[_Part] = []
    for match in _FORMATTING_TOKENS.finditer(expanded):
        token = match.group(0)
        if token not in _FORMAT_TOKENS:
            text = _literal(token)
            if parts and parts[-1].token is None:
                parts[-1] = _Part(None, parts[-1].text + text)
            else:
                parts.append(_Part(None, text))
            continue
        names: tuple[str, ...] = ()
        if token == "MMM":
            names = loc.months_short.pick(expanded)
        elif token == "MMMM":
            names = loc.months.pick(expanded)
        elif token == "dd":
            names = loc.weekdays_min.pick(expanded)
        elif token == "ddd":
            names = loc.weekdays_short.pick(expanded)
        elif token == "dddd":
            names = loc.weekdays.pick(expanded)
        parts.append(_Part(token, names=names))
    return tuple(p for p in parts if p.token is not None or p.text)


# --- formatting, plain Python -----------------------------------------------------------------
def _zf(n: int, width: int, force_sign: bool = False) -> str:
    """moment's zeroFill."""
    sign = ("+" if force_sign else "") if n >= 0 else "-"
    return sign + str(abs(n)).zfill(width)


def _js_rem(n: int, d: int) -> int:
    """JavaScript's % (the dividend's sign)."""
    r = abs(n) % d
    return -r if n < 0 else r


def _py_days_in_year(year: int) -> int:
    return 366 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 365


def _py_first_week_offset(year: int, dow: int, doy: int) -> int:
    fwd = 7 + dow - doy
    jan1 = (date(year, 1, 1).isoweekday()) % 7  # 0 = Sunday, as getUTCDay
    fwdlw = (7 + (jan1 + fwd - 1) % 7 - dow) % 7
    return -fwdlw + fwd - 1


def _py_weeks_in_year(year: int, dow: int, doy: int) -> int:
    return (
        _py_days_in_year(year)
        - _py_first_week_offset(year, dow, doy)
        + _py_first_week_offset(year + 1, dow, doy)
    ) // 7


def _py_week_of_year(year: int, day_of_year: int, dow: int, doy: int) -> tuple[int, int]:
    """(week, week-year), moment's weekOfYearFromDayOfYear."""
    week = (day_of_year - _py_first_week_offset(year, dow, doy) - 1) // 7 + 1
    if week < 1:
        return week + _py_weeks_in_year(year - 1, dow, doy), year - 1
    if week > _py_weeks_in_year(year, dow, doy):
        return week - _py_weeks_in_year(year, dow, doy), year + 1
    return week, year


class _Moment:
    """The fields moment reads, for one instant in one zone."""

    def __init__(self, value: datetime, tz: str) -> None:
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        us = (value - _EPOCH) // timedelta(microseconds=1)
        self.ms = us // 1000
        instant = _EPOCH + timedelta(milliseconds=self.ms)
        self.local = instant.astimezone(_zone(tz))
        offset = self.local.utcoffset() or timedelta(0)
        self.offset_s = int(offset.total_seconds())
        self.abbr = self.local.tzname() or ""
        lo = self.local
        self.year, self.month, self.day = lo.year, lo.month, lo.day
        self.hour, self.minute, self.second = lo.hour, lo.minute, lo.second
        self.millisecond = lo.microsecond // 1000
        self.wday = lo.isoweekday() % 7
        self.yday = lo.timetuple().tm_yday

    def offset(self, sep: str) -> str:
        minutes = self.offset_s / 60
        sign = "+"
        if minutes < 0:
            minutes, sign = -minutes, "-"
        return sign + _zf(int(minutes / 60), 2) + sep + _zf(int(minutes) % 60, 2)

    def era(self, loc: _Locale) -> _Era | None:
        midnight = (date(self.year, self.month, self.day) - _EPOCH_DATE).days * 86_400_000
        start = midnight - self.offset_s * 1000
        for era in loc.eras:
            if era.contains(start):
                return era
        return None


def _py_token(token: str, m: _Moment, loc: _Locale, names: tuple[str, ...]) -> str:
    h12 = m.hour % 12 or 12
    if token in _ORDINAL_OF:
        base = _ORDINAL_OF[token]
        return loc.ordinals[base].py(int(_py_token(base, m, loc, names)))
    if token in ("MMM", "MMMM"):
        return names[m.month - 1]
    if token in ("dd", "ddd", "dddd"):
        return names[m.wday]
    if token[0] == "S":
        n = len(token)
        value = m.millisecond // 10 ** (3 - n) if n <= 3 else m.millisecond * 10 ** (n - 3)
        return str(value) if n == 1 else _zf(value, n)
    if token in ("N", "NN", "NNN", "NNNN", "NNNNN"):
        era = m.era(loc)
        if era is None:
            return ""
        return era.name if token == "NNNN" else era.narrow if token == "NNNNN" else era.abbr
    if token in ("y", "yy", "yyy", "yyyy"):
        era = m.era(loc)
        year = m.year if era is None else (m.year - era.since_year) * era.direction + era.offset
        return str(year) if token == "y" else _zf(year, len(token))
    simple: dict[str, Callable[[], str]] = {
        "M": lambda: str(m.month),
        "MM": lambda: _zf(m.month, 2),
        "Q": lambda: str((m.month + 2) // 3),
        "D": lambda: str(m.day),
        "DD": lambda: _zf(m.day, 2),
        "DDD": lambda: str(m.yday),
        "DDDD": lambda: _zf(m.yday, 3),
        "d": lambda: str(m.wday),
        "e": lambda: str((m.wday + 7 - loc.dow) % 7),
        "E": lambda: str(m.wday or 7),
        "eHHmm": lambda: str((m.wday + 7 - loc.dow) % 7) + _zf(m.hour, 2) + _zf(m.minute, 2),
        "w": lambda: str(_py_week_of_year(m.year, m.yday, loc.dow, loc.doy)[0]),
        "ww": lambda: _zf(_py_week_of_year(m.year, m.yday, loc.dow, loc.doy)[0], 2),
        "W": lambda: str(_py_week_of_year(m.year, m.yday, 1, 4)[0]),
        "WW": lambda: _zf(_py_week_of_year(m.year, m.yday, 1, 4)[0], 2),
        "Y": lambda: _zf(m.year, 4) if m.year <= 9999 else "+" + str(m.year),
        "YY": lambda: _zf(_js_rem(m.year, 100), 2),
        "YYYY": lambda: _zf(m.year, 4),
        "YYYYY": lambda: _zf(m.year, 5),
        "YYYYYY": lambda: _zf(m.year, 6, force_sign=True),
        "gg": lambda: _zf(_js_rem(_py_week_of_year(m.year, m.yday, loc.dow, loc.doy)[1], 100), 2),
        "gggg": lambda: _zf(_py_week_of_year(m.year, m.yday, loc.dow, loc.doy)[1], 4),
        "ggggg": lambda: _zf(_py_week_of_year(m.year, m.yday, loc.dow, loc.doy)[1], 5),
        "GG": lambda: _zf(_js_rem(_py_week_of_year(m.year, m.yday, 1, 4)[1], 100), 2),
        "GGGG": lambda: _zf(_py_week_of_year(m.year, m.yday, 1, 4)[1], 4),
        "GGGGG": lambda: _zf(_py_week_of_year(m.year, m.yday, 1, 4)[1], 5),
        "a": lambda: _py_meridiem(loc, m.hour, m.minute, lower=True),
        "A": lambda: _py_meridiem(loc, m.hour, m.minute, lower=False),
        "H": lambda: str(m.hour),
        "HH": lambda: _zf(m.hour, 2),
        "h": lambda: str(h12),
        "hh": lambda: _zf(h12, 2),
        "k": lambda: str(m.hour or 24),
        "kk": lambda: _zf(m.hour or 24, 2),
        "hmm": lambda: str(h12) + _zf(m.minute, 2),
        "hmmss": lambda: str(h12) + _zf(m.minute, 2) + _zf(m.second, 2),
        "Hmm": lambda: str(m.hour) + _zf(m.minute, 2),
        "Hmmss": lambda: str(m.hour) + _zf(m.minute, 2) + _zf(m.second, 2),
        "m": lambda: str(m.minute),
        "mm": lambda: _zf(m.minute, 2),
        "s": lambda: str(m.second),
        "ss": lambda: _zf(m.second, 2),
        "X": lambda: str(m.ms // 1000),
        "x": lambda: str(m.ms),
        "z": lambda: m.abbr,
        "zz": lambda: m.abbr,
        "Z": lambda: m.offset(":"),
        "ZZ": lambda: m.offset(""),
    }
    return simple[token]()


def _py_meridiem(loc: _Locale, hour: int, minute: int, *, lower: bool) -> str:
    t = hour * 60 + minute
    chosen = loc.meridiem[0]
    for point in loc.meridiem:
        if point[0] <= t:
            chosen = point
    return chosen[1] if lower else chosen[2]


def format_py(
    value: datetime | None, fmt: str, *, tz: str = "UTC", locale: str = "en"
) -> str | None:
    """moment.tz(value, tz).locale(locale).format(fmt), row by row, without Polars."""
    if value is None:
        return None
    loc = _locale(locale)
    _zone(tz)
    m = _Moment(value, tz)
    if not fmt:
        fmt = _default_format(tz, m.offset_s == 0)
    out = "".join(
        p.text if p.token is None else _py_token(p.token, m, loc, p.names)
        for p in _plan(fmt, loc.id)
    )
    if loc.post:
        out = "".join(loc.post.get(ch, ch) for ch in out)
    return out


# --- formatting, Polars -----------------------------------------------------------------------
def _i(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Int64)


def _s(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String)


def _pzf(n: pl.Expr, width: int, *, force_sign: bool = False, signed: bool = False) -> pl.Expr:
    digits = _s(n.abs() if signed or force_sign else n).str.zfill(width)
    if not (signed or force_sign):
        return digits
    sign = pl.when(n < 0).then(pl.lit("-")).otherwise(pl.lit("+" if force_sign else ""))
    return pl.concat_str([sign, digits])


def _pl_js_rem(n: pl.Expr, d: int) -> pl.Expr:
    return pl.when(n < 0).then(-((-n) % d)).otherwise(n % d)


class _PlMoment:
    """Polars expressions for the fields moment reads, built on first use."""

    def __init__(self, value: pl.Expr, tz: str, loc: _Locale) -> None:
        self.loc = loc
        us = value.dt.cast_time_unit("us").dt.convert_time_zone("UTC").cast(pl.Int64)
        self.ms = us // 1000
        self.local = (self.ms * 1000).cast(pl.Datetime("us", "UTC")).dt.convert_time_zone(tz)
        self.cache: dict[str, pl.Expr] = {}

    def __getattr__(self, name: str) -> pl.Expr:
        if name in ("cache", "loc", "ms", "local"):
            raise AttributeError(name)
        if name not in self.cache:
            self.cache[name] = getattr(self, "_" + name)()
        return self.cache[name]

    def _year(self) -> pl.Expr:
        return _i(self.local.dt.year())

    def _month(self) -> pl.Expr:
        return _i(self.local.dt.month())

    def _day(self) -> pl.Expr:
        return _i(self.local.dt.day())

    def _hour(self) -> pl.Expr:
        return _i(self.local.dt.hour())

    def _minute(self) -> pl.Expr:
        return _i(self.local.dt.minute())

    def _second(self) -> pl.Expr:
        return _i(self.local.dt.second())

    def _millisecond(self) -> pl.Expr:
        return _i(self.local.dt.millisecond())

    def _wday(self) -> pl.Expr:
        return _i(self.local.dt.weekday()) % 7

    def _yday(self) -> pl.Expr:
        return _i(self.local.dt.ordinal_day())

    def _offset_s(self) -> pl.Expr:
        naive = self.local.dt.replace_time_zone(None).cast(pl.Int64)
        return (naive - self.ms * 1000) // 1_000_000

    def _abbr(self) -> pl.Expr:
        return self.local.dt.strftime("%Z")

    def _h12(self) -> pl.Expr:
        return pl.when(self.hour % 12 == 0).then(pl.lit(12, pl.Int64)).otherwise(self.hour % 12)

    def _k(self) -> pl.Expr:
        return pl.when(self.hour == 0).then(pl.lit(24, pl.Int64)).otherwise(self.hour)

    def week(self, dow: int, doy: int) -> tuple[pl.Expr, pl.Expr]:
        """(week, week-year): the week starting on `dow` belongs to the year of its day
        7 + dow - doy - 1 days on (the January day always in week 1), ISO's Thursday rule
        generalised; the same numbers as moment's weekOfYear, with a small expression."""
        key = f"week{dow}_{doy}"
        if key not in self.cache:
            fwd = 7 + dow - doy
            back = (self.wday - dow) % 7
            anchor = self.local.dt.date() + pl.duration(days=(7 - fwd) - back)
            self.cache[key] = (_i(anchor.dt.ordinal_day()) - 1) // 7 + 1
            self.cache[key + "y"] = _i(anchor.dt.year())
        return self.cache[key], self.cache[key + "y"]

    def offset(self, sep: str) -> pl.Expr:
        off = self.offset_s
        total = off.abs()
        sign = pl.when(off < 0).then(pl.lit("-")).otherwise(pl.lit("+"))
        return pl.concat_str([sign, _pzf(total // 3600, 2), pl.lit(sep), _pzf(total // 60 % 60, 2)])

    def meridiem(self, *, lower: bool) -> pl.Expr:
        points = self.loc.meridiem
        t = self.hour * 60 + self.minute
        out: pl.Expr = pl.lit(points[-1][1 if lower else 2])
        for i in range(len(points) - 2, -1, -1):
            out = (
                pl.when(t < points[i + 1][0])
                .then(pl.lit(points[i][1 if lower else 2]))
                .otherwise(out)
            )
        return out

    def era_parts(self) -> tuple[pl.Expr, pl.Expr, pl.Expr, pl.Expr]:
        """(abbr, name, narrow, era year) of the era holding the start of the local day."""
        if "era" not in self.cache:
            local_midnight = (
                self.local.dt.replace_time_zone(None).cast(pl.Int64) // 86_400_000_000
            ) * 86_400_000
            start = local_midnight - self.offset_s * 1000
            abbr: pl.Expr = pl.lit("")
            name: pl.Expr = pl.lit("")
            narrow: pl.Expr = pl.lit("")
            year: pl.Expr = self.year
            for era in reversed(self.loc.eras):
                lo, hi = sorted((era.since, era.until))
                inside = pl.lit(True)
                if lo != -math.inf:
                    inside = inside & (start >= lo)
                if hi != math.inf:
                    inside = inside & (start <= hi)
                abbr = pl.when(inside).then(pl.lit(era.abbr)).otherwise(abbr)
                name = pl.when(inside).then(pl.lit(era.name)).otherwise(name)
                narrow = pl.when(inside).then(pl.lit(era.narrow)).otherwise(narrow)
                era_year = (self.year - era.since_year) * era.direction + era.offset
                year = pl.when(inside).then(era_year).otherwise(year)
            self.cache["era"] = abbr
            self.cache["era_name"] = name
            self.cache["era_narrow"] = narrow
            self.cache["era_year"] = year
        return (
            self.cache["era"],
            self.cache["era_name"],
            self.cache["era_narrow"],
            self.cache["era_year"],
        )


def _pl_ordinal(o: _Ordinal, n: pl.Expr) -> pl.Expr:
    if o.prefixes is None and len(o.suffixes) == 1 and not o.exceptions:
        return pl.concat_str([_s(n), pl.lit(o.suffixes[0])])
    size = o.base + o.period
    k = pl.when(n < size).then(n).otherwise(o.base + (n - o.base) % o.period)
    keys = list(range(size))
    parts = [_s(n), k.replace_strict(keys, list(o.suffixes), default="", return_dtype=pl.String)]
    if o.prefixes is not None:
        parts.insert(
            0, k.replace_strict(keys, list(o.prefixes), default="", return_dtype=pl.String)
        )
    out = pl.concat_str(parts)
    for e, full in o.exceptions.items():
        out = pl.when(n == e).then(pl.lit(full)).otherwise(out)
    return out


def _pl_number(token: str, m: _PlMoment) -> pl.Expr:
    """The number behind an ordinal token."""
    loc = m.loc
    return {
        "M": lambda: m.month,
        "Q": lambda: (m.month + 2) // 3,
        "D": lambda: m.day,
        "DDD": lambda: m.yday,
        "d": lambda: m.wday,
        "w": lambda: m.week(loc.dow, loc.doy)[0],
        "W": lambda: m.week(1, 4)[0],
        "y": lambda: m.era_parts()[3],
    }[token]()


def _pl_token(token: str, m: _PlMoment, names: tuple[str, ...]) -> pl.Expr:
    loc = m.loc
    if token in _ORDINAL_OF:
        base = _ORDINAL_OF[token]
        return _pl_ordinal(loc.ordinals[base], _pl_number(base, m))
    if token in ("MMM", "MMMM"):
        return m.month.replace_strict(list(range(1, 13)), list(names), return_dtype=pl.String)
    if token in ("dd", "ddd", "dddd"):
        return m.wday.replace_strict(list(range(7)), list(names), return_dtype=pl.String)
    if token[0] == "S":
        n = len(token)
        value = m.millisecond // 10 ** (3 - n) if n <= 3 else m.millisecond * 10 ** (n - 3)
        return _s(value) if n == 1 else _pzf(value, n)
    if token in ("N", "NN", "NNN"):
        return m.era_parts()[0]
    if token == "NNNN":
        return m.era_parts()[1]
    if token == "NNNNN":
        return m.era_parts()[2]
    if token in ("y", "yy", "yyy", "yyyy"):
        year = m.era_parts()[3]
        return _s(year) if token == "y" else _pzf(year, len(token), signed=True)
    lw, lwy = m.week(loc.dow, loc.doy)
    iw, iwy = m.week(1, 4)
    table: dict[str, Callable[[], pl.Expr]] = {
        "M": lambda: _s(m.month),
        "MM": lambda: _pzf(m.month, 2),
        "Q": lambda: _s((m.month + 2) // 3),
        "D": lambda: _s(m.day),
        "DD": lambda: _pzf(m.day, 2),
        "DDD": lambda: _s(m.yday),
        "DDDD": lambda: _pzf(m.yday, 3),
        "d": lambda: _s(m.wday),
        "e": lambda: _s((m.wday + 7 - loc.dow) % 7),
        "E": lambda: _s(pl.when(m.wday == 0).then(pl.lit(7, pl.Int64)).otherwise(m.wday)),
        "eHHmm": lambda: pl.concat_str(
            [_s((m.wday + 7 - loc.dow) % 7), _pzf(m.hour, 2), _pzf(m.minute, 2)]
        ),
        "w": lambda: _s(lw),
        "ww": lambda: _pzf(lw, 2),
        "W": lambda: _s(iw),
        "WW": lambda: _pzf(iw, 2),
        "Y": lambda: (
            pl.when(m.year <= 9999)
            .then(_pzf(m.year, 4, signed=True))
            .otherwise(pl.concat_str([pl.lit("+"), _s(m.year)]))
        ),
        "YY": lambda: _pzf(_pl_js_rem(m.year, 100), 2, signed=True),
        "YYYY": lambda: _pzf(m.year, 4, signed=True),
        "YYYYY": lambda: _pzf(m.year, 5, signed=True),
        "YYYYYY": lambda: _pzf(m.year, 6, force_sign=True),
        "gg": lambda: _pzf(_pl_js_rem(lwy, 100), 2, signed=True),
        "gggg": lambda: _pzf(lwy, 4, signed=True),
        "ggggg": lambda: _pzf(lwy, 5, signed=True),
        "GG": lambda: _pzf(_pl_js_rem(iwy, 100), 2, signed=True),
        "GGGG": lambda: _pzf(iwy, 4, signed=True),
        "GGGGG": lambda: _pzf(iwy, 5, signed=True),
        "a": lambda: m.meridiem(lower=True),
        "A": lambda: m.meridiem(lower=False),
        "H": lambda: _s(m.hour),
        "HH": lambda: _pzf(m.hour, 2),
        "h": lambda: _s(m.h12),
        "hh": lambda: _pzf(m.h12, 2),
        "k": lambda: _s(m.k),
        "kk": lambda: _pzf(m.k, 2),
        "hmm": lambda: pl.concat_str([_s(m.h12), _pzf(m.minute, 2)]),
        "hmmss": lambda: pl.concat_str([_s(m.h12), _pzf(m.minute, 2), _pzf(m.second, 2)]),
        "Hmm": lambda: pl.concat_str([_s(m.hour), _pzf(m.minute, 2)]),
        "Hmmss": lambda: pl.concat_str([_s(m.hour), _pzf(m.minute, 2), _pzf(m.second, 2)]),
        "m": lambda: _s(m.minute),
        "mm": lambda: _pzf(m.minute, 2),
        "s": lambda: _s(m.second),
        "ss": lambda: _pzf(m.second, 2),
        "X": lambda: _s(m.ms // 1000),
        "x": lambda: _s(m.ms),
        "z": lambda: m.abbr,
        "zz": lambda: m.abbr,
        "Z": lambda: m.offset(":"),
        "ZZ": lambda: m.offset(""),
    }
    return table[token]()


def _pl_format(m: _PlMoment, fmt: str) -> pl.Expr:
    pieces: list[pl.Expr] = []
    for p in _plan(fmt, m.loc.id):
        pieces.append(pl.lit(p.text) if p.token is None else _pl_token(p.token, m, p.names))
    if not pieces:
        return pl.when(m.ms.is_not_null()).then(pl.lit(""))
    return pl.concat_str(pieces) if len(pieces) > 1 else pl.concat_str([pieces[0]])


def format_expr(value: pl.Expr, fmt: str, *, tz: str = "UTC", locale: str = "en") -> pl.Expr:
    """moment.tz(value, tz).locale(locale).format(fmt) over a Datetime("us", "UTC") column."""
    check_format(fmt)
    loc = _locale(locale)
    check_timezone(tz)
    m = _PlMoment(value, tz, loc)
    if fmt:
        out = _pl_format(m, fmt)
    else:  # moment's default format depends on whether the offset is zero
        out = (
            pl.when(m.offset_s == 0)
            .then(_pl_format(m, _default_format(tz, zero_offset=True)))
            .otherwise(_pl_format(m, _default_format(tz, zero_offset=False)))
        )
    if loc.post:
        keys = list(loc.post)
        out = out.str.replace_many(keys, [loc.post[k] for k in keys])
    # Named after the input column, as Polars' own dt functions are (a literal has none).
    return out.name.keep() if value.meta.root_names() else out


# --- parsing: the plan (moment's tokens, each with the regex moment searches for) ----------------
_PARSE_REGEX: dict[str, str] = {
    "Y": r"[+-]?[0-9]+",
    "YY": r"[0-9][0-9]?",
    "YYYY": r"[0-9]{1,4}",
    "YYYYY": r"[+-]?[0-9]{1,6}",
    "YYYYYY": r"[+-]?[0-9]{1,6}",
    "Q": r"[0-9]",
    "DDD": r"[0-9]{1,3}",
    "DDDD": r"[0-9]{3}",
    "g": r"[+-]?[0-9]+",
    "G": r"[+-]?[0-9]+",
    "gggg": r"[0-9]{1,4}",
    "GGGG": r"[0-9]{1,4}",
    "ggggg": r"[+-]?[0-9]{1,6}",
    "GGGGG": r"[+-]?[0-9]{1,6}",
    "hmm": r"[0-9]{3}[0-9]?",
    "Hmm": r"[0-9]{3}[0-9]?",
    "hmmss": r"[0-9]{5}[0-9]?",
    "Hmmss": r"[0-9]{5}[0-9]?",
    "eHHmm": r"[0-9]{5}[0-9]?",
    "S": r"[0-9]{1,3}",
    "SS": r"[0-9]{1,3}",
    "SSS": r"[0-9]{1,3}",
    "X": r"[+-]?[0-9]+(?:\.[0-9]{1,3})?",
    "x": r"[+-]?[0-9]+",
    "Z": r"(?i:Z|[+-][0-9][0-9](?::?[0-9][0-9])?)",
    "ZZ": r"(?i:Z|[+-][0-9][0-9](?::?[0-9][0-9])?)",
    "y": r"[0-9]+",
    "yy": r"[0-9]+",
    "yyy": r"[0-9]+",
    "yyyy": r"[0-9]+",
    "yo": r"[0-9]+",
}
for _t in [
    "M",
    "MM",
    "D",
    "DD",
    "d",
    "e",
    "E",
    "w",
    "ww",
    "W",
    "WW",
    "gg",
    "GG",
    "H",
    "HH",
    "h",
    "hh",
    "k",
    "kk",
    "m",
    "mm",
    "s",
    "ss",
]:
    _PARSE_REGEX[_t] = r"[0-9][0-9]?"
for _n in range(4, 10):
    _PARSE_REGEX["S" * _n] = r"[0-9]+"
_LOCALE_REGEX = {
    "MMM",
    "MMMM",
    "dd",
    "ddd",
    "dddd",
    "Do",
    "a",
    "A",
    "N",
    "NN",
    "NNN",
    "NNNN",
    "NNNNN",
}
_REGEX_META = set("\\.+*?()|[]{}^$#&-~")


def _re_escape(text: str) -> str:
    return "".join("\\" + ch if ch in _REGEX_META else ch for ch in text)


def _js_regex(source: str, flags: str, *, rust: bool, token: bool) -> tuple[str, bool]:
    """A JavaScript regex as Python (or Rust) syntax with JavaScript's meaning: ASCII \\d and
    \\w, '.' without line terminators, '$' at the very end. For a token regex a leading '^'
    (match where the previous token stopped) is returned as a flag."""
    anchored = False
    if token and source.startswith("^"):
        anchored, source = True, source[1:]
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\" and i + 1 < len(source):
            nxt = source[i + 1]
            i += 2
            if nxt == "d":
                out.append("0-9" if in_class else "[0-9]")
            elif nxt == "D" and not in_class:
                out.append("[^0-9]")
            elif nxt == "w":
                out.append("A-Za-z0-9_" if in_class else "[A-Za-z0-9_]")
            elif nxt == "W" and not in_class:
                out.append("[^A-Za-z0-9_]")
            elif nxt in "/:'\"!@%,;=<>`" or (nxt == "-" and not in_class):
                out.append(_re_escape(nxt) if nxt == "-" else nxt)
            elif nxt in "DW":
                raise ValueError(f"unsupported regex class in {source!r}")
            else:
                out.append("\\" + nxt)
            continue
        if in_class:
            if ch == "]":
                in_class = False
            elif ch == "[":
                out.append("\\[")
                i += 1
                continue
            out.append(ch)
        elif ch == "[":
            in_class = True
            out.append(ch)
            if source[i + 1 : i + 2] == "^":
                out.append("^")
                i += 1
            if source[i + 1 : i + 2] == "]":
                raise ValueError(f"unsupported regex class in {source!r}")
        elif ch == ".":
            out.append(r"[^\n\r\u2028\u2029]")
        elif ch == "$":
            out.append("$" if rust else r"\Z")
        elif ch == "(" and source[i + 1 : i + 3] in ("?=", "?!", "?<"):
            raise ValueError(f"unsupported look-around in {source!r}")
        elif ch == "^" and token:
            raise ValueError(f"unsupported '^' inside {source!r}")
        else:
            out.append(ch)
        i += 1
    # moment's word regex bounds words to 256 characters; unbounded repeats compile far faster
    body = "".join(out).replace("{0,256}", "*").replace("{1,256}", "+")
    if "i" in flags:
        body = f"(?i:{body})"
    return body, anchored


def _pooled(index: int, *, rust: bool, token: bool) -> tuple[str, bool]:
    source, flags = _RAW["regexes"][index]
    return _js_regex(source, flags, rust=rust, token=token)


def _unescape_format(token: str) -> str:
    """moment's unescapeFormat, before regexEscape."""
    s = token.replace("\\", "", 1)

    def one(m: re.Match[str]) -> str:
        return m.group(1) or m.group(2) or m.group(3) or m.group(4) or "undefined"

    return re.sub(r"\\(\[)|\\(\])|\[([^\]\[]*)\]|\\([^\n\r\u2028\u2029])", one, s)


@dataclass(frozen=True)
class _PTok:
    token: str
    known: bool  # one of moment's format tokens: a match counts as parsed input
    group: str
    py: str
    rs: str
    anchored: bool


@dataclass(frozen=True)
class _ParsePlan:
    fmt: str
    loc: _Locale
    tokens: tuple[_PTok, ...]
    py_pattern: re.Pattern[str]
    rs_pattern: str


def _eras_regex(loc: _Locale) -> str:
    pieces = []
    for era in loc.eras:
        pieces += [_re_escape(era.name), _re_escape(era.abbr), _re_escape(era.narrow)]
    return "(?i:" + "|".join(pieces) + ")"


def _token_regex(token: str, loc: _Locale, *, rust: bool) -> tuple[str, bool]:
    if token in _PARSE_REGEX:
        return _PARSE_REGEX[token], False
    if token in _LOCALE_REGEX:
        if token[0] == "N":
            return _eras_regex(loc), True
        key = "a" if token == "A" else token
        return _pooled(loc.parse[key], rust=rust, token=True)
    literal = _unescape_format(token)
    return _re_escape(literal), False


@lru_cache(maxsize=1024)
def _parse_plan(fmt: str, locale: str) -> _ParsePlan:
    loc = _locale(locale)
    expanded = _expand(fmt, loc)
    tokens: list[_PTok] = []
    for i, match in enumerate(_FORMATTING_TOKENS.finditer(expanded)):
        token = match.group(0)
        py, anchored = _token_regex(token, loc, rust=False)
        rs, _ = _token_regex(token, loc, rust=True)
        if not py:
            continue  # an empty literal: moment's match is "" and consumes nothing
        tokens.append(_PTok(token, token in _FORMAT_TOKENS, f"t{i}", py, rs, anchored))

    def combined(rust: bool) -> str:
        skip = "(?s:.*?)"
        return "^" + "".join(
            f"(?:{'' if t.anchored else skip}(?P<{t.group}>{t.rs if rust else t.py}))?"
            for t in tokens
        )

    return _ParsePlan(
        fmt, loc, tuple(tokens), re.compile(combined(rust=False)), combined(rust=True)
    )


# --- name and meridiem lookups ----------------------------------------------------------------
@cache
def _name_regexes(locale: str, kind: str, rust: bool) -> tuple[str, ...]:
    """The regexes moment tests a matched month/weekday name with, in order."""
    loc = _locale(locale)
    spec = loc.parse[kind]
    if isinstance(spec, list):
        return tuple(_pooled(i, rust=rust, token=False)[0] for i in spec)
    if kind == "months":
        lists = [loc.months.pick(""), loc.months_short.pick("")]
    else:
        lists = [loc.weekdays.pick(""), loc.weekdays_short.pick(""), loc.weekdays_min.pick("")]
    out = []
    for i in range(len(lists[0])):
        source = "|".join("^" + names[i] for names in lists).replace(".", "", 1)
        out.append(_js_regex(source, "i", rust=rust, token=False)[0])
    return tuple(out)


def _exact_order(loc: _Locale, token: str) -> list[tuple[str, ...]]:
    """moment's handleStrictParse (non-strict): the lower-cased lists, in the token's order."""

    def low(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(n.lower() for n in names)

    if token in ("MMM", "MMMM"):
        short, long = low(loc.months_short.pick("")), low(loc.months.pick(""))
        return [short, long] if token == "MMM" else [long, short]
    mn, sh, lg = (low(x.pick("")) for x in (loc.weekdays_min, loc.weekdays_short, loc.weekdays))
    return {"dddd": [lg, sh, mn], "ddd": [sh, lg, mn]}.get(token, [mn, lg, sh])


def _py_name_index(loc: _Locale, token: str, text: str) -> int | None:
    kind = "months" if token[0] == "M" else "weekdays"
    if loc.parse[kind] == "exact":
        llc = text.lower()
        for names in _exact_order(loc, token):
            if llc in names:
                return names.index(llc)
        return None
    for i, pattern in enumerate(_name_regexes(loc.id, kind, False)):
        if re.search(pattern, text):
            return i
    return None


def _meridiem_table(loc: _Locale) -> dict[str, tuple[int | None, ...]] | None:
    table = loc.parse.get("meridiemHour")
    if table is None:
        return None
    return {w: tuple(_RAW["meridiemHours"][i]) for w, i in table.items()}


def _py_meridiem_hour(loc: _Locale, hour: int | None, word: str) -> tuple[int | None, bool]:
    """(hour, ok): moment's meridiemFixWrap."""
    table = _meridiem_table(loc)
    if table is not None:
        if word not in table:
            return None, False
        if hour is None:
            return None, True
        if not 0 <= hour <= 24:
            return None, False
        fixed = table[word][hour]
        return fixed, fixed is not None
    is_pm_spec = loc.parse["isPM"]
    if is_pm_spec == "default":
        is_pm = word.lower()[:1] == "p"
    elif word in is_pm_spec:
        is_pm = bool(is_pm_spec[word])
    else:
        return None, False
    if hour is not None and is_pm and hour < 12:
        hour += 12
    if hour is not None and not is_pm and hour == 12:
        hour = 0
    return hour, True


# --- parsing, plain Python --------------------------------------------------------------------
def _js_to_int(text: str) -> int:
    """moment's toInt(+text): a number truncated toward zero, 0 for NaN."""
    try:
        value = float(text)
    except ValueError:
        return 0
    return 0 if not math.isfinite(value) else int(value)


def _two_digit_year(text: str) -> int:
    n = _js_to_int(text)
    return n + (1900 if n > 68 else 2000)


def _days_in_month(year: int, month0: int) -> int:
    if month0 == 1:
        return 29 if _py_days_in_year(year) == 366 else 28
    return 31 - (month0 % 7) % 2


def _offset_minutes(text: str) -> int | None:
    """moment's offsetFromString for one matched offset (None when out of range)."""
    parts = re.findall(r"[+-]|\d\d", text) or ["-", "0", "0"]
    hours = int(parts[1]) if len(parts) > 1 else 0
    mins = int(parts[2]) if len(parts) > 2 else 0
    minutes = hours * 60 + mins
    if mins > 59 or (minutes > 14 * 60 if parts[0] == "+" else minutes > 12 * 60):
        return None
    return 0 if minutes == 0 else minutes if parts[0] == "+" else -minutes


def _py_week1_start(year: int, dow: int, doy: int) -> int:
    """The first day of week 1 of a week-year, as a proleptic ordinal (it may fall before
    0001-01-01): moment's firstWeekOffset from 1 January."""
    return date(year, 1, 1).toordinal() + _py_first_week_offset(year, dow, doy)


def _today(now: datetime | None, tz: str) -> date:
    instant = now or datetime.now(UTC)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(_zone(tz)).date()


def parse_py(
    text: str | None,
    fmt: str,
    *,
    tz: str = "UTC",
    locale: str = "en",
    now: datetime | None = None,
) -> datetime | None:
    """moment.tz(text, fmt, locale, tz) as a UTC datetime, or None where moment is invalid;
    row by row, without Polars. `now` (default: the current time) fills missing date parts."""
    if text is None:
        return None
    check_format(fmt)
    _zone(tz)
    plan = _parse_plan(fmt, locale)
    loc = plan.loc
    if loc.pre:
        text = "".join(loc.pre.get(ch, ch) for ch in text)
    match = plan.py_pattern.match(text)
    groups = match.groupdict() if match else {}

    a: list[int | None] = [None] * 7  # year, month (0-11), date, hour, minute, second, ms
    w: dict[str, int] = {}
    day_of_year: int | None = None
    meridiem: str | None = None
    tzm: int | None = None
    epoch_ms: int | None = None
    era: _Era | None = None
    empty = True
    for t in plan.tokens:
        value = groups.get(t.group) or None
        if value is None or not t.known:
            continue
        empty = False
        tok = t.token
        if tok in ("YYYYY", "YYYYYY", "Y", "y", "yy", "yyy", "yyyy", "yo"):
            a[0] = _js_to_int(value)
        elif tok == "YYYY":
            a[0] = _two_digit_year(value) if len(value) == 2 else _js_to_int(value)
        elif tok == "YY":
            a[0] = _two_digit_year(value)
        elif tok in ("M", "MM"):
            a[1] = _js_to_int(value) - 1
        elif tok == "Q":
            a[1] = (_js_to_int(value) - 1) * 3
        elif tok in ("MMM", "MMMM"):
            month = _py_name_index(loc, tok, value)
            if month is None:
                return None  # invalidMonth
            a[1] = month
        elif tok in ("D", "DD"):
            a[2] = _js_to_int(value)
        elif tok == "Do":
            digits = re.search(r"[0-9][0-9]?", value)
            a[2] = int(digits.group(0)) if digits else 0
        elif tok in ("DDD", "DDDD"):
            day_of_year = _js_to_int(value)
        elif tok in ("H", "HH", "h", "hh"):
            a[3] = _js_to_int(value)
        elif tok in ("k", "kk"):
            a[3] = _js_to_int(value) % 24 if _js_to_int(value) == 24 else _js_to_int(value)
        elif tok in ("hmm", "Hmm"):
            a[3], a[4] = _js_to_int(value[:-2]), _js_to_int(value[-2:])
        elif tok in ("hmmss", "Hmmss"):
            a[3], a[4], a[5] = (
                _js_to_int(value[:-4]),
                _js_to_int(value[-4:-2]),
                _js_to_int(value[-2:]),
            )
        elif tok == "eHHmm":
            w["e"] = _js_to_int(value[:-4])
            a[3], a[4] = _js_to_int(value[-4:-2]), _js_to_int(value[-2:])
        elif tok in ("a", "A"):
            meridiem = value
        elif tok in ("m", "mm"):
            a[4] = _js_to_int(value)
        elif tok in ("s", "ss"):
            a[5] = _js_to_int(value)
        elif tok[0] == "S":
            a[6] = int(float("0." + value) * 1000)
        elif tok == "X":
            epoch_ms = math.trunc(float(value) * 1000)
        elif tok == "x":
            epoch_ms = _js_to_int(value)
        elif tok in ("Z", "ZZ"):
            tzm = _offset_minutes(value)
            if tzm is None:
                return None  # invalidOffset
        elif tok in ("dd", "ddd", "dddd"):
            weekday = _py_name_index(loc, tok, value)
            if weekday is None:
                return None  # invalidWeekday
            w["d"] = weekday
        elif tok in ("d", "e", "E", "w", "W"):
            w[tok] = _js_to_int(value)
        elif tok in ("ww", "WW"):
            w[tok[0]] = _js_to_int(value)
        elif tok in ("gggg", "ggggg", "GGGG", "GGGGG"):
            w[tok[:2]] = _js_to_int(value)
        elif tok in ("gg", "GG"):
            w[tok] = _two_digit_year(value)
        elif tok[0] == "N":
            upper = value.upper()
            era = next(
                (
                    e
                    for e in loc.eras
                    if upper in (e.name.upper(), e.abbr.upper(), e.narrow.upper())
                ),
                None,
            )
            if era is None:
                return None  # invalidEra
    if empty:
        return None
    parsed_parts = any(x is not None for x in a)
    if meridiem is not None:
        if not parsed_parts:
            return None
        a[3], ok = _py_meridiem_hour(loc, a[3], meridiem)
        if not ok:
            return None
    if era is not None:
        a[0] = (
            era.since_year if a[0] is None else era.since_year + (a[0] - era.offset) * era.direction
        )

    if epoch_ms is not None:  # X / x: the instant itself; parsed parts are still range-checked
        if _overflow(a, check_date=a[0] is not None and a[1] is not None):
            return None
        try:
            instant = _EPOCH + timedelta(milliseconds=epoch_ms)
        except OverflowError:
            return None
        if fmt in ("X", "x") or tzm is not None:
            return instant
        return _localize(instant.replace(tzinfo=None), tz)

    today = _today(now, "UTC" if tzm is not None else tz)
    current = (today.year, today.month - 1, today.day)
    overflow_weeks = overflow_weekday = overflow_doy = False
    if w and a[2] is None and a[1] is None:  # moment's dayOfYearFromWeekInfo
        if "GG" in w or "W" in w or "E" in w:
            dow, doy = 1, 4
            cur_week, cur_year = _py_week_of_year(today.year, today.timetuple().tm_yday, 1, 4)
            week_year = w.get("GG", a[0] if a[0] is not None else cur_year)
            week = w.get("W", 1)
            weekday = w.get("E", 1)
            weekday_bad = weekday < 1 or weekday > 7
        else:
            dow, doy = loc.dow, loc.doy
            cur_week, cur_year = _py_week_of_year(today.year, today.timetuple().tm_yday, dow, doy)
            week_year = w.get("gg", a[0] if a[0] is not None else cur_year)
            week = w.get("w", cur_week)
            if "d" in w:
                weekday = w["d"]
                weekday_bad = weekday < 0 or weekday > 6
            elif "e" in w:
                weekday = w["e"] + dow
                weekday_bad = w["e"] < 0 or w["e"] > 6
            else:
                weekday, weekday_bad = dow, False
        if not 1 <= week_year <= 9999:
            return None
        if week < 1 or week > _py_weeks_in_year(week_year, dow, doy):
            overflow_weeks = True
        elif weekday_bad:
            overflow_weekday = True
        else:
            ordinal = (
                _py_week1_start(week_year, dow, doy) + 7 * (week - 1) + (7 + weekday - dow) % 7
            )
            if not 1 <= ordinal <= date.max.toordinal():
                return None
            day = date.fromordinal(ordinal)
            a[0] = day.year
            day_of_year = day.timetuple().tm_yday
    if day_of_year is not None:
        year_to_use = a[0] if a[0] is not None else current[0]
        if not 1 <= year_to_use <= 9999:
            return None
        if day_of_year > _py_days_in_year(year_to_use) or day_of_year == 0:
            overflow_doy = True
        try:
            day = date(year_to_use, 1, 1) + timedelta(days=day_of_year - 1)
        except OverflowError:
            return None
        a[1], a[2] = day.month - 1, day.day
    date_defaulted = a[0] is None or a[1] is None or a[2] is None
    i = 0
    while i < 3 and a[i] is None:
        a[i] = current[i]
        i += 1
    for j in range(i, 7):
        if a[j] is None:
            a[j] = 1 if j == 2 else 0
    values = [x if x is not None else 0 for x in a]
    next_day = values[3] == 24 and values[4] == 0 and values[5] == 0 and values[6] == 0
    if overflow_weeks or overflow_weekday or overflow_doy or _overflow(a, check_date=True):
        return None
    year, month0, day_n, hour, minute, second, ms = values
    if not 1 <= year <= 9999:
        return None
    wall = datetime(year, month0 + 1, day_n, 0 if next_day else hour, minute, second, ms * 1000)
    if "d" in w and not date_defaulted and w["d"] != wall.isoweekday() % 7:
        return None  # weekdayMismatch
    if next_day:
        wall += timedelta(days=1)
    if tzm is not None:
        return (wall - timedelta(minutes=tzm)).replace(tzinfo=UTC)
    return _localize(wall, tz)


def _overflow(a: Sequence[int | None], *, check_date: bool) -> bool:
    """moment's checkOverflow; comparisons with an unparsed part are false, as in JavaScript."""
    year, month, day, hour, minute, second, ms = a

    def out(v: int | None, lo: int, hi: int) -> bool:
        return v is not None and (v < lo or v > hi)

    if out(month, 0, 11):
        return True
    if day is not None and day < 1:
        return True
    if check_date and day is not None and year is not None and month is not None:  # noqa: SIM102
        if day > _days_in_month(year, month):
            return True
    if out(hour, 0, 24):
        return True
    if hour == 24 and (minute not in (0, None) or second not in (0, None) or ms not in (0, None)):
        return True
    return out(minute, 0, 59) or out(second, 0, 59) or out(ms, 0, 999)


def _localize(wall: datetime, tz: str) -> datetime | None:
    """A wall time read in `tz` as moment-timezone reads it: fold=0 is the earlier of two
    ambiguous times and, in a gap, the offset before the gap (moment's moveInvalidForward)."""
    try:
        return wall.replace(tzinfo=_zone(tz)).astimezone(UTC)
    except OverflowError:
        return None


# --- parsing, Polars --------------------------------------------------------------------------
_NULL_INT = pl.lit(None, dtype=pl.Int64)
_US_DAY = 86_400_000_000


def _pl_days_from_civil(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    """Days since 1970-01-01 of a proleptic Gregorian date (m 1-12), by arithmetic: Polars'
    pl.date raises on impossible dates, which are masked out afterwards instead."""
    y2 = y - (m <= 2).cast(pl.Int64)
    era = y2 // 400
    yoe = y2 - era * 400
    mp = pl.when(m > 2).then(m - 3).otherwise(m + 9)
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _pl_leap(y: pl.Expr) -> pl.Expr:
    return ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)


def _pl_week1_start(y: pl.Expr, dow: int, doy: int) -> pl.Expr:
    """Days since the epoch of the first day of week 1 of week-year y."""
    fwd = 7 + dow - doy
    jan1 = _pl_days_from_civil(y, pl.lit(1, pl.Int64), pl.lit(1, pl.Int64))
    fwd_day = (jan1 + (fwd - 1) + 4) % 7  # 1970-01-01 was a Thursday (4)
    fwdlw = (7 + fwd_day - dow) % 7
    return jan1 - fwdlw + (fwd - 1)


def _pl_localize(wall_us: pl.Expr, tz: str) -> pl.Expr:
    """A wall time read in `tz` as moment-timezone does (see _localize): the earlier of two
    ambiguous times; in a gap, the offset from before the gap (found a few hours earlier)."""
    naive = wall_us.cast(pl.Datetime("us"))

    def at(back_hours: int) -> pl.Expr:
        shifted = naive - pl.duration(hours=back_hours) if back_hours else naive
        local = shifted.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
        return local + pl.duration(hours=back_hours) if back_hours else local

    return pl.coalesce(at(0), at(3), at(26)).dt.convert_time_zone("UTC")


def _pl_two_digit(v: pl.Expr) -> pl.Expr:
    n = v.cast(pl.Int64, strict=False)
    return n + pl.when(n > 68).then(pl.lit(1900, pl.Int64)).otherwise(pl.lit(2000, pl.Int64))


def _pl_name_index(loc: _Locale, token: str, v: pl.Expr) -> pl.Expr:
    kind = "months" if token[0] == "M" else "weekdays"
    if loc.parse[kind] == "exact":
        mapping: dict[str, int] = {}
        for names in _exact_order(loc, token):
            for i, n in enumerate(names):
                mapping.setdefault(n, i)
        return v.str.to_lowercase().replace_strict(mapping, default=None, return_dtype=pl.Int64)
    prefixes = _name_prefixes(loc.id, kind)
    if prefixes is not None:  # plain '^name|^abbr' regexes: lower-case prefix tests, no regex
        low = v.str.to_lowercase()
        tests = [pl.any_horizontal([low.str.starts_with(p) for p in ps]) for ps in prefixes]
    else:
        tests = [v.str.contains(pattern) for pattern in _name_regexes(loc.id, kind, True)]
    chain: Any = pl.when(tests[0]).then(pl.lit(0, pl.Int64))
    for i, test in enumerate(tests[1:], start=1):
        chain = chain.when(test).then(pl.lit(i, pl.Int64))
    out: pl.Expr = chain.otherwise(_NULL_INT)
    return out


@cache
def _name_prefixes(locale: str, kind: str) -> tuple[tuple[str, ...], ...] | None:
    """moment's built '^long|^short' name regexes as lower-case prefixes, where no name holds
    a regex character (so that the regex is a plain prefix test)."""
    loc = _locale(locale)
    if loc.parse[kind] != "auto":
        return None
    if kind == "months":
        lists = [loc.months.pick(""), loc.months_short.pick("")]
    else:
        lists = [loc.weekdays.pick(""), loc.weekdays_short.pick(""), loc.weekdays_min.pick("")]
    out = []
    for i in range(len(lists[0])):
        source = "|".join("^" + names[i] for names in lists).replace(".", "", 1)
        pieces = [p[1:] for p in source.split("|")]
        if any(set(p) & (_REGEX_META | {"/"}) or p != p.strip() or not p for p in pieces):
            return None
        out.append(tuple(p.lower() for p in pieces))
    return tuple(out)


def _pl_meridiem_hour(loc: _Locale, hour: pl.Expr, word: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(hour, bad): moment's meridiemFixWrap; bad where moment's answer is not reproduced."""
    table = _meridiem_table(loc)
    if table is not None:
        fixed: pl.Expr = _NULL_INT
        for w, hours in table.items():
            mapped = hour.replace_strict(
                list(range(25)), list(hours), default=None, return_dtype=pl.Int64
            )
            fixed = pl.when(word == w).then(mapped).otherwise(fixed)
        bad = ~word.is_in(list(table)) | (hour.is_not_null() & fixed.is_null())
        return pl.when(hour.is_null()).then(hour).otherwise(fixed), bad
    spec = loc.parse["isPM"]
    if spec == "default":
        is_pm = word.str.to_lowercase().str.slice(0, 1) == "p"
    else:
        is_pm = word.replace_strict(spec, default=None, return_dtype=pl.Boolean)
    fixed = (
        pl.when(is_pm & (hour < 12))
        .then(hour + 12)
        .when(~is_pm & (hour == 12))
        .then(pl.lit(0, pl.Int64))
        .otherwise(hour)
    )
    return fixed, is_pm.is_null()


def _pl_offset_minutes(v: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(minutes east, bad) of a matched Z/ZZ offset, as moment's offsetFromString."""
    digits = v.str.replace_all(":", "", literal=True)
    zulu = v.str.to_uppercase() == "Z"
    hours = digits.str.slice(1, 2).cast(pl.Int64, strict=False).fill_null(0)
    mins = digits.str.slice(3, 2).cast(pl.Int64, strict=False).fill_null(0)
    total = hours * 60 + mins
    plus = digits.str.starts_with("+")
    bad = ~zulu & ((mins > 59) | pl.when(plus).then(total > 14 * 60).otherwise(total > 12 * 60))
    value = pl.when(zulu).then(pl.lit(0, pl.Int64)).when(plus).then(total).otherwise(-total)
    return value, bad


def _today_parts(now: datetime | None, tz: str) -> tuple[int, int, int]:
    day = _today(now, tz)
    return day.year, day.month - 1, day.day


def parse_expr(
    text: pl.Expr,
    fmt: str,
    *,
    tz: str = "UTC",
    locale: str = "en",
    now: datetime | None = None,
) -> pl.Expr:
    """moment.tz(text, fmt, locale, tz) over a String column: Datetime("us", "UTC"), null
    where moment's result is invalid. `now` (default: when the expression is built) fills
    missing date parts.

    Built as a pipeline of struct stages (struct.with_fields over pl.field) so that each
    intermediate value is computed once and the expression stays small."""
    check_format(fmt)
    check_timezone(tz)
    plan = _parse_plan(fmt, locale)
    loc = plan.loc
    out_type = pl.Datetime("us", "UTC")
    s = text.cast(pl.String)
    if not any(t.known for t in plan.tokens):
        return pl.when(s.is_null() & s.is_not_null()).then(pl.lit(None, dtype=out_type))
    if loc.pre:
        keys = list(loc.pre)
        s = s.str.replace_many(keys, [loc.pre[k] for k in keys])
    F = pl.field
    i64 = pl.Int64

    def lit(x: int) -> pl.Expr:
        return pl.lit(x, i64)

    # stage 1: each token's value; the last token that matched wins, as in moment
    vals: dict[str, list[pl.Expr]] = {}
    bad: list[pl.Expr] = []
    matched: list[pl.Expr] = []

    def put(key: str, value: pl.Expr) -> None:
        vals.setdefault(key, []).append(pl.when(v.is_not_null()).then(value))

    def num(v: pl.Expr) -> pl.Expr:
        n = v.cast(i64, strict=False)
        bad.append(v.is_not_null() & n.is_null())
        return n

    known = [t for t in plan.tokens if t.known]
    x = s.str.extract_groups(plan.rs_pattern).struct.with_fields(
        **{"v" + t.group: pl.when(F(t.group) != "").then(F(t.group)) for t in known}
    )
    names = {
        "n" + t.group: _pl_name_index(loc, t.token, F("v" + t.group))
        for t in known
        if t.token in ("MMM", "MMMM", "dd", "ddd", "dddd")
    }
    if names:
        x = x.struct.with_fields(**names)
    for t in known:
        v = F("v" + t.group)
        matched.append(v.is_not_null())
        tok = t.token
        if tok in ("YYYYY", "YYYYYY", "Y", "y", "yy", "yyy", "yyyy", "yo"):
            put("y", num(v))
        elif tok == "YYYY":
            put("y", pl.when(v.str.len_chars() == 2).then(_pl_two_digit(v)).otherwise(num(v)))
        elif tok == "YY":
            put("y", _pl_two_digit(v))
        elif tok in ("M", "MM"):
            put("mo", num(v) - 1)
        elif tok == "Q":
            put("mo", (num(v) - 1) * 3)
        elif tok in ("MMM", "MMMM", "dd", "ddd", "dddd"):
            index = F("n" + t.group)
            bad.append(v.is_not_null() & index.is_null())
            put("mo" if tok[0] == "M" else "w_d", index)
        elif tok in ("D", "DD"):
            put("d", num(v))
        elif tok == "Do":
            put("d", v.str.extract(r"([0-9][0-9]?)", 1).cast(i64).fill_null(0))
        elif tok in ("DDD", "DDDD"):
            put("doy", num(v))
        elif tok in ("H", "HH", "h", "hh"):
            put("h", num(v))
        elif tok in ("k", "kk"):
            k = num(v)
            put("h", pl.when(k == 24).then(lit(0)).otherwise(k))
        elif tok in ("hmm", "Hmm", "hmmss", "Hmmss", "eHHmm"):
            n = v.str.len_chars()
            cut = 4 if tok in ("hmmss", "Hmmss", "eHHmm") else 2
            head = num(v.str.slice(0, n - cut))
            if tok == "eHHmm":
                put("w_e", head)
                put("h", num(v.str.slice(n - 4, 2)))
                put("mi", num(v.str.slice(n - 2, 2)))
            else:
                put("h", head)
                put("mi", num(v.str.slice(n - cut, 2)))
                if cut == 4:
                    put("s", num(v.str.slice(n - 2, 2)))
        elif tok in ("a", "A"):
            put("mer", v)
        elif tok in ("m", "mm"):
            put("mi", num(v))
        elif tok in ("s", "ss"):
            put("s", num(v))
        elif tok[0] == "S":
            ms = (pl.lit("0.") + v).cast(pl.Float64, strict=False) * 1000
            put("ms", ms.cast(i64, strict=False))
        elif tok == "X":
            value = (v.cast(pl.Float64, strict=False) * 1000).cast(i64, strict=False)
            bad.append(v.is_not_null() & value.is_null())
            put("epoch", value)
        elif tok == "x":
            put("epoch", num(v))
        elif tok in ("Z", "ZZ"):
            minutes, off_bad = _pl_offset_minutes(v)
            bad.append(v.is_not_null() & off_bad)
            put("tzm", minutes)
        elif tok in ("d", "e", "E", "w", "W", "ww", "WW"):
            put("w_" + tok[0], num(v))
        elif tok in ("gggg", "ggggg", "GGGG", "GGGGG"):
            put("w_" + tok[:2], num(v))
        elif tok in ("gg", "GG"):
            put("w_" + tok, _pl_two_digit(v))
        elif tok[0] == "N":
            upper = v.str.to_uppercase()
            chain: Any = None
            for i, e in enumerate(loc.eras):
                era_names = [e.name.upper(), e.abbr.upper(), e.narrow.upper()]
                cond = upper.is_in(era_names)
                chain = (
                    pl.when(cond).then(lit(i)) if chain is None else chain.when(cond).then(lit(i))
                )
            index = chain.otherwise(lit(-1)) if chain is not None else lit(-1)
            bad.append(v.is_not_null() & (index < 0))
            put("era", pl.when(v.is_not_null()).then(index))

    def last(key: str, dtype: pl.DataType = pl.Int64()) -> pl.Expr:
        xs = vals.get(key)
        if not xs:
            return pl.lit(None, dtype=dtype)
        return pl.coalesce(list(reversed(xs))) if len(xs) > 1 else xs[0]

    invalid = ~pl.any_horizontal(matched)
    if bad:
        invalid = invalid | pl.any_horizontal([b.fill_null(False) for b in bad])
    week_keys = sorted(k for k in vals if k.startswith("w_"))
    x = x.struct.with_fields(
        y=last("y"),
        mo=last("mo"),
        d=last("d"),
        h=last("h"),
        mi=last("mi"),
        s=last("s"),
        ms=last("ms"),
        doy=last("doy"),
        mer=last("mer", pl.String()),
        tzm=last("tzm"),
        epoch=last("epoch"),
        era=last("era"),
        bad=invalid,
        **{k: last(k) for k in week_keys},
    )
    parts = ["y", "mo", "d", "h", "mi", "s", "ms"]

    # stage 2: meridiem and era
    updates: dict[str, pl.Expr] = {}
    if "mer" in vals:
        fixed, m_bad = _pl_meridiem_hour(loc, F("h"), F("mer"))
        has = F("mer").is_not_null()
        parsed_parts = pl.any_horizontal([F(p).is_not_null() for p in parts])
        updates["h"] = pl.when(has).then(fixed).otherwise(F("h"))
        updates["bad"] = F("bad") | (has & (~parsed_parts | m_bad.fill_null(True)))
    if "era" in vals:
        year: pl.Expr = F("y")
        for i, e in enumerate(loc.eras):
            converted = (
                pl.when(F("y").is_null())
                .then(lit(e.since_year))
                .otherwise(e.since_year + (F("y") - e.offset) * e.direction)
            )
            year = pl.when(F("era") == i).then(converted).otherwise(year)
        updates["y"] = year
    if updates:
        x = x.struct.with_fields(**updates)

    # moment.tz's "today" for missing parts: in the zone, or in UTC once an offset was parsed
    zone_today, utc_today = _today_parts(now, tz), _today_parts(now, "UTC")
    has_tzm = F("tzm").is_not_null()

    def pick(zone_value: int, utc_value: int) -> pl.Expr:
        if zone_value == utc_value:
            return lit(zone_value)
        return pl.when(has_tzm).then(lit(utc_value)).otherwise(lit(zone_value))

    today = [pick(zone_today[i], utc_today[i]) for i in range(3)]

    if week_keys:  # stage 3: moment's dayOfYearFromWeekInfo, where no month and no day were parsed

        def wk(key: str) -> pl.Expr:
            return F("w_" + key) if "w_" + key in vals else pl.lit(None, dtype=i64)

        def current_week(dow: int, doy: int) -> tuple[pl.Expr, pl.Expr]:
            pairs = []
            for p3 in (zone_today, utc_today):
                day = date(p3[0], p3[1] + 1, p3[2])
                pairs.append(_py_week_of_year(day.year, day.timetuple().tm_yday, dow, doy))
            return pick(pairs[0][0], pairs[1][0]), pick(pairs[0][1], pairs[1][1])

        d_, e_ = wk("d"), wk("e")
        iso_keys: list[str] = [k for k in ("w_GG", "w_W", "w_E") if k in vals]
        loc_keys = [k for k in week_keys if k not in iso_keys]
        fields: dict[str, pl.Expr] = {
            "use_week": pl.any_horizontal([F(k).is_not_null() for k in week_keys])
            & F("d").is_null()
            & F("mo").is_null(),
            "iso": pl.any_horizontal([F(k).is_not_null() for k in iso_keys])
            if iso_keys
            else pl.lit(False),
        }
        if iso_keys:
            _, iso_year = current_week(1, 4)
            fields |= {
                "wy_iso": pl.coalesce(wk("GG"), F("y"), iso_year),
                "wk_iso": wk("W").fill_null(1),
                "wd_iso": wk("E").fill_null(1),
            }
        if loc_keys:
            loc_week, loc_year = current_week(loc.dow, loc.doy)
            fields |= {
                "wy_loc": pl.coalesce(wk("gg"), F("y"), loc_year),
                "wk_loc": pl.coalesce(wk("w"), loc_week),
                "wd_loc": pl.when(d_.is_not_null())
                .then(d_)
                .when(e_.is_not_null())
                .then(e_ + loc.dow)
                .otherwise(lit(loc.dow)),
                "wdbad_loc": pl.when(d_.is_not_null())
                .then((d_ < 0) | (d_ > 6))
                .when(e_.is_not_null())
                .then((e_ < 0) | (e_ > 6))
                .otherwise(pl.lit(False)),
            }
        x = x.struct.with_fields(**fields)
        starts: dict[str, pl.Expr] = {}
        for tag, keys, dow, doy in (("iso", iso_keys, 1, 4), ("loc", loc_keys, loc.dow, loc.doy)):
            if keys:
                starts["start_" + tag] = _pl_week1_start(F("wy_" + tag).clip(1, 9999), dow, doy)
                starts["next_" + tag] = _pl_week1_start(F("wy_" + tag).clip(1, 9999) + 1, dow, doy)
        x = x.struct.with_fields(**starts)

        def branch(tag: str, dow: int) -> tuple[pl.Expr, pl.Expr]:
            wy, week, weekday = F("wy_" + tag), F("wk_" + tag), F("wd_" + tag)
            weeks = (F("next_" + tag) - F("start_" + tag)) // 7
            week_bad = (week < 1) | (week > weeks) | (wy < 1) | (wy > 9999)
            weekday_bad = (weekday < 1) | (weekday > 7) if tag == "iso" else F("wdbad_loc")
            days = F("start_" + tag) + 7 * (week - 1) + (7 + weekday - dow) % 7
            return days, week_bad | weekday_bad

        if iso_keys and loc_keys:
            days_iso, bad_iso = branch("iso", 1)
            days_loc, bad_loc = branch("loc", loc.dow)
            wdays = pl.when(F("iso")).then(days_iso).otherwise(days_loc)
            wbad = pl.when(F("iso")).then(bad_iso).otherwise(bad_loc)
        else:
            wdays, wbad = branch("iso", 1) if iso_keys else branch("loc", loc.dow)
        x = x.struct.with_fields(wdays=wdays, wbad=F("use_week") & wbad)
        ok = F("use_week") & ~F("wbad")
        wdate = pl.when(ok).then(F("wdays")).otherwise(lit(0)).cast(pl.Int32).cast(pl.Date)
        x = x.struct.with_fields(
            y=pl.when(ok).then(_i(wdate.dt.year())).otherwise(F("y")),
            doy=pl.when(ok).then(_i(wdate.dt.ordinal_day())).otherwise(F("doy")),
            bad=F("bad") | F("wbad"),
        )

    # stage 4: the day of the year (DDD, or from the week) sets month and day
    if "doy" in vals or week_keys:
        x = x.struct.with_fields(yu=pl.coalesce(F("y"), today[0]))
        diy = pl.when(_pl_leap(F("yu"))).then(lit(366)).otherwise(lit(365))
        has_doy = F("doy").is_not_null()
        doy_date = (
            pl.when(has_doy)
            .then(
                _pl_days_from_civil(F("yu").clip(1, 9999), lit(1), lit(1))
                + F("doy").clip(0, 400)
                - 1
            )
            .otherwise(lit(0))
            .cast(pl.Int32)
            .cast(pl.Date)
        )
        x = x.struct.with_fields(
            mo=pl.when(has_doy).then(_i(doy_date.dt.month()) - 1).otherwise(F("mo")),
            d=pl.when(has_doy).then(_i(doy_date.dt.day())).otherwise(F("d")),
            bad=F("bad")
            | (has_doy & ((F("doy") > diy) | (F("doy") == 0) | (F("yu") < 1) | (F("yu") > 9999))),
        )

    # stage 5: defaults (today for leading missing parts, then the lowest value), range checks
    def overflow(check_date: pl.Expr) -> pl.Expr:
        feb = pl.when(_pl_leap(F("Y"))).then(lit(29)).otherwise(lit(28))
        dim = pl.when(F("MO") == 1).then(feb).otherwise(31 - (F("MO") % 7) % 2)

        def zero(k: str) -> pl.Expr:
            return F(k).fill_null(0) != 0

        checks = [
            (F("MO") < 0) | (F("MO") > 11),
            F("D") < 1,
            check_date & (F("D") > dim),
            (F("H") < 0) | (F("H") > 24),
            (F("H") == 24) & (zero("MI") | zero("S") | zero("MS")),
            (F("MI") < 0) | (F("MI") > 59),
            (F("S") < 0) | (F("S") > 59),
            (F("MS") < 0) | (F("MS") > 999),
        ]
        return pl.any_horizontal([c.fill_null(False) for c in checks])

    x = x.struct.with_fields(
        defaulted=F("y").is_null() | F("mo").is_null() | F("d").is_null(),
        Y=pl.coalesce(F("y"), today[0]),
        MO=pl.when(F("y").is_null())
        .then(pl.coalesce(F("mo"), today[1]))
        .otherwise(F("mo").fill_null(0)),
        D=pl.when(F("y").is_null() & F("mo").is_null())
        .then(pl.coalesce(F("d"), today[2]))
        .otherwise(F("d").fill_null(1)),
        H=F("h").fill_null(0),
        MI=F("mi").fill_null(0),
        S=F("s").fill_null(0),
        MS=F("ms").fill_null(0),
    )
    x = x.struct.with_fields(
        next_day=(F("H") == 24) & (F("MI") == 0) & (F("S") == 0) & (F("MS") == 0),
        days=_pl_days_from_civil(F("Y").clip(1, 9999), F("MO").clip(0, 11) + 1, F("D").clip(1, 31)),
        wall_bad=F("bad") | overflow(pl.lit(True)) | (F("Y") < 1) | (F("Y") > 9999),
    )
    if "w_d" in vals:
        mismatch = F("w_d").is_not_null() & ~F("defaulted") & (F("w_d") != (F("days") + 4) % 7)
        x = x.struct.with_fields(wall_bad=F("wall_bad") | mismatch.fill_null(False))
    x = x.struct.with_fields(
        wall=(F("days") + F("next_day").cast(i64)) * _US_DAY
        + pl.when(F("next_day")).then(lit(0)).otherwise(F("H").clip(0, 24)) * 3_600_000_000
        + F("MI").clip(0, 59) * 60_000_000
        + F("S").clip(0, 59) * 1_000_000
        + F("MS").clip(0, 999) * 1000,
    )

    # stage 6: the instant: a parsed offset wins over the zone
    instant = _pl_localize(F("wall"), tz)
    if "tzm" in vals:
        instant = (
            pl.when(has_tzm)
            .then((F("wall") - F("tzm") * 60_000_000).cast(out_type))
            .otherwise(instant)
        )
    result: pl.Expr = pl.when(~F("wall_bad")).then(instant)
    if "epoch" in vals:  # X / x: the instant itself; parsed parts are still range-checked
        epoch_us = F("epoch").clip(_MIN_MS, _MAX_MS) * 1000
        epoch = epoch_us.cast(out_type)
        if fmt not in ("X", "x"):  # moment-timezone then reads its UTC wall time in the zone
            epoch = pl.when(has_tzm).then(epoch).otherwise(_pl_localize(epoch_us, tz))
        raw = dict(zip(["Y", "MO", "D", "H", "MI", "S", "MS"], parts, strict=True))
        x = x.struct.with_fields(**{k: F(v) for k, v in raw.items()})
        epoch_ok = ~F("bad") & ~overflow(F("y").is_not_null() & F("mo").is_not_null())
        epoch_ok = epoch_ok & (F("epoch") >= _MIN_MS) & (F("epoch") <= _MAX_MS)
        result = (
            pl.when(F("epoch").is_not_null()).then(pl.when(epoch_ok).then(epoch)).otherwise(result)
        )
    out = x.struct.with_fields(_out=result.cast(out_type)).struct.field("_out")
    return out.name.keep() if text.meta.root_names() else out


_MIN_MS = (datetime(1, 1, 1, tzinfo=UTC) - _EPOCH) // _MS
_MAX_MS = (datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC) - _EPOCH) // _MS
