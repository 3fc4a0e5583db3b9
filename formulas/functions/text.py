"""Text functions.

Positions are 1-based and count characters. TRIM removes leading and trailing whitespace only
(Airtable; Excel also squeezes inner spaces). FIND and SEARCH are both case-sensitive, as in
Airtable; FIND gives 0 when the text is not found, SEARCH gives blank. Their optional start is
1-based like Excel's (0, Airtable's default, means the start too). SUBSTITUTE replaces every
occurrence, or only the index-th. Regular expressions use the Rust ``regex`` dialect (close to
RE2, which Airtable uses: no look-around, no back-references); REGEX_EXTRACT gives the first
match or blank; an invalid pattern in a column is an error for that row, a literal one is
refused when the formula is saved. REPT refuses results longer than 32,767 characters (Excel).
TEXT(number, format) understands 0, 0.00, #,##0.00 and a trailing %; TEXT(date, format) uses
DATETIME_FORMAT's tokens.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import polars as pl

from formulas.ast import Call, Literal
from formulas.functions import alias, register
from formulas.functions.logic import TypeMismatch
from formulas.numfmt import FormatError, check_format, format_number, format_number_py
from formulas.types import DATES, T
from formulas.values import Arg, EvalError, num, num_py, subject, txt, txt_py

MAX_TEXT = 32_767


def _texts(args: list[Arg]) -> list[pl.Expr]:
    return [txt(a) for a in args]


def _strs(values: list[Any], types: list[T]) -> list[str]:
    return [txt_py(v, t) for v, t in zip(values, types, strict=True)]


def _count(arg: Arg) -> pl.Expr:
    return num(arg).cast(pl.Int64, strict=False)


def _count_py(v: Any) -> int:
    return int(num_py(v))


@register(
    "CONCAT",
    "t t*",
    T.text,
    doc="CONCAT(text1, [text2, ...]): the values joined as text",
    example=('CONCAT("Bob", " - ", 43)', "Bob - 43"),
)
def _concat():
    return (
        lambda args, call: (pl.concat_str(_texts(args)), None),
        lambda values, types, call: "".join(_strs(values, types)),
    )


alias("CONCATENATE", "CONCAT", ('CONCATENATE("a", "b")', "ab"))


@register(
    "LEN", "t", T.number, doc="LEN(text): the number of characters", example=('LEN("quick")', "5")
)
def _len():
    return (
        lambda args, call: (txt(args[0]).str.len_chars().cast(pl.Float64), None),
        lambda values, types, call: float(len(txt_py(values[0], types[0]))),
    )


@register(
    "LOWER", "t", T.text, doc="LOWER(text): in lower case", example=('LOWER("Hello")', "hello")
)
def _lower():
    return (
        lambda args, call: (txt(args[0]).str.to_lowercase(), None),
        lambda values, types, call: txt_py(values[0], types[0]).lower(),
    )


@register(
    "UPPER", "t", T.text, doc="UPPER(text): in upper case", example=('UPPER("Hello")', "HELLO")
)
def _upper():
    return (
        lambda args, call: (txt(args[0]).str.to_uppercase(), None),
        lambda values, types, call: txt_py(values[0], types[0]).upper(),
    )


@register(
    "TRIM",
    "t",
    T.text,
    doc="TRIM(text): without leading and trailing whitespace",
    example=('TRIM("  hi  ")', "hi"),
)
def _trim():
    return (
        lambda args, call: (txt(args[0]).str.strip_chars(), None),
        lambda values, types, call: txt_py(values[0], types[0]).strip(),
    )


def _side(kind: str):
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        n = _count(args[1])
        s = subject(args[0])
        safe = n.clip(lower_bound=0)
        return (s.str.head(safe) if kind == "left" else s.str.tail(safe)), (n < 0).fill_null(False)

    def python(values: list[Any], types: list[T], call: Call) -> str:
        n = _count_py(values[1])
        if n < 0:
            raise EvalError("negative count")
        s = txt_py(values[0], types[0])
        return s[:n] if kind == "left" else (s[-n:] if n else "")

    return polars, python


register(
    "LEFT",
    "t n",
    T.text,
    doc="LEFT(text, count): the first count characters",
    example=('LEFT("quick brown", 5)', "quick"),
)(lambda: _side("left"))
register(
    "RIGHT",
    "t n",
    T.text,
    doc="RIGHT(text, count): the last count characters",
    example=('RIGHT("quick brown", 5)', "brown"),
)(lambda: _side("right"))


@register(
    "MID",
    "t n n",
    T.text,
    doc="MID(text, start, count): count characters from start (1-based)",
    example=('MID("quick brown", 7, 5)', "brown"),
)
def _mid():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        start, count = _count(args[1]), _count(args[2])
        bad = (start < 1) | (count < 0)
        out = subject(args[0]).str.slice((start - 1).clip(lower_bound=0), count.clip(lower_bound=0))
        return out, bad.fill_null(False)

    def python(values: list[Any], types: list[T], call: Call) -> str:
        start, count = _count_py(values[1]), _count_py(values[2])
        if start < 1 or count < 0:
            raise EvalError("MID start < 1 or count < 0")
        return txt_py(values[0], types[0])[start - 1 : start - 1 + count]

    return polars, python


def _find(kind: str):
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        needle, hay = txt(args[0]), subject(args[1])
        start = (
            (_count(args[2]).clip(lower_bound=1) - 1)
            if len(args) > 2
            else pl.lit(0, dtype=pl.Int64)
        )
        rest = hay.str.slice(start)
        found = rest.str.contains(needle, literal=True) & (start <= hay.str.len_chars())
        position = rest.str.split(needle).list.first().str.len_chars().cast(pl.Int64) + start + 1
        position = pl.when(needle == "").then(start + 1).otherwise(position)
        missing = pl.lit(0.0) if kind == "find" else pl.lit(None, dtype=pl.Float64)
        return pl.when(found).then(position.cast(pl.Float64)).otherwise(missing), None

    def python(values: list[Any], types: list[T], call: Call) -> float | None:
        needle, hay = txt_py(values[0], types[0]), txt_py(values[1], types[1])
        start = max(_count_py(values[2]), 1) - 1 if len(values) > 2 else 0
        index = hay.find(needle, start) if start <= len(hay) else -1
        if index < 0:
            return 0.0 if kind == "find" else None
        return float(index + 1)

    return polars, python


register(
    "FIND",
    "t t n?",
    T.number,
    doc="FIND(needle, text, [start]): the 1-based position of needle in text, 0 when absent",
    example=('FIND("fox", "quick brown fox")', "13"),
)(lambda: _find("find"))
register(
    "SEARCH",
    "t t n?",
    T.number,
    doc="SEARCH(needle, text, [start]): the 1-based position of needle in text, blank when absent",
    example=('SEARCH("brown", "quick brown fox")', "7"),
)(lambda: _find("search"))


@register(
    "SUBSTITUTE",
    "t t t n?",
    T.text,
    doc="SUBSTITUTE(text, old, new, [index]): every old (or only the index-th) replaced by new",
    example=('SUBSTITUTE("gold mold", "old", "et")', "get met"),
)
def _substitute():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        s, old, new = subject(args[0]), txt(args[1]), txt(args[2])
        if len(args) < 4:
            return pl.when(old == "").then(s).otherwise(
                s.str.replace_all(old, new, literal=True)
            ), None
        index = _count(args[3])
        parts = s.str.split(old)
        replaced = (
            parts.list.slice(0, index).list.join(old) + new + parts.list.slice(index).list.join(old)
        )
        usable = (old != "") & (index >= 1) & (parts.list.len() > index)
        return pl.when(usable).then(replaced).otherwise(s), None

    def python(values: list[Any], types: list[T], call: Call) -> str:
        s, old, new = (txt_py(v, t) for v, t in zip(values[:3], types[:3], strict=True))
        if old == "":
            return s
        if len(values) < 4:
            return s.replace(old, new)
        index = _count_py(values[3])
        parts = s.split(old)
        if index < 1 or len(parts) <= index:
            return s
        return old.join(parts[:index]) + new + old.join(parts[index:])

    return polars, python


@register(
    "REPLACE",
    "t n n t",
    T.text,
    doc="REPLACE(text, start, count, replacement): count characters from start replaced",
    example=('REPLACE("database", 2, 5, "o")', "dose"),
)
def _replace():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        s, start, count, new = subject(args[0]), _count(args[1]), _count(args[2]), txt(args[3])
        head = s.str.head((start - 1).clip(lower_bound=0))
        tail = s.str.slice((start - 1 + count).clip(lower_bound=0))
        return head + new + tail, ((start < 1) | (count < 0)).fill_null(False)

    def python(values: list[Any], types: list[T], call: Call) -> str:
        s, start, count = txt_py(values[0], types[0]), _count_py(values[1]), _count_py(values[2])
        if start < 1 or count < 0:
            raise EvalError("REPLACE start < 1 or count < 0")
        return s[: start - 1] + txt_py(values[3], types[3]) + s[start - 1 + count :]

    return polars, python


@register(
    "REPT",
    "t n",
    T.text,
    doc="REPT(text, number): the text repeated",
    example=('REPT("Hi! ", 3)', "Hi! Hi! Hi! "),
)
def _rept():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        s, n = subject(args[0]), _count(args[1])
        bad = (n < 0) | (s.str.len_chars().cast(pl.Int64) * n > MAX_TEXT)
        safe = pl.when(bad).then(0).otherwise(n)
        return s.repeat_by(safe).list.join(""), bad.fill_null(False)

    def python(values: list[Any], types: list[T], call: Call) -> str:
        s, n = txt_py(values[0], types[0]), _count_py(values[1])
        if n < 0 or len(s) * n > MAX_TEXT:
            raise EvalError("REPT count out of range")
        return s * n

    return polars, python


# --- regular expressions ---------------------------------------------------------------------
def validate_pattern(node: Any) -> None:
    """Refuse an invalid literal pattern when the formula is saved."""
    if isinstance(node, Literal) and isinstance(node.value, str):
        try:
            pl.select(pl.lit("").str.contains(node.value))
        except pl.exceptions.PolarsError as exc:
            raise TypeMismatch(
                f"invalid regular expression: {str(exc).splitlines()[0][:200]}",
                node.pos,
                hint="the dialect is RE2-like: no look-around or back-references",
            ) from None


@lru_cache(maxsize=256)
def _regex_valid(pattern: str) -> bool:
    try:
        pl.select(pl.lit("").str.contains(pattern))
        return True
    except pl.exceptions.PolarsError:
        return False


def _regex_type(result: T):
    def returns(types: list[T], call: Call) -> T:
        validate_pattern(call.args[1])
        return result

    return returns


def _regex(kind: str):
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        s, pattern = subject(args[0]), txt(args[1])
        if isinstance(call.args[1], Literal):
            literal = str(call.args[1].value)
            if kind == "match":
                return s.str.contains(literal), None
            if kind == "extract":
                return s.str.extract(literal, 0), None
            return s.str.replace_all(literal, txt(args[2])), None
        # A pattern from a column: invalid patterns become errors row by row.
        valid = pattern.map_elements(_regex_valid, return_dtype=pl.Boolean)
        safe = pl.when(valid).then(pattern).otherwise(pl.lit("$^"))
        if kind == "match":
            out = s.str.contains(safe, strict=False)
        elif kind == "extract":
            out = pl.struct(s.alias("s"), safe.alias("p")).map_elements(
                lambda r: _extract_one(r["s"], r["p"]), return_dtype=pl.String
            )
        else:
            out = pl.struct(s.alias("s"), safe.alias("p"), txt(args[2]).alias("r")).map_elements(
                lambda r: _replace_one(r["s"], r["p"], r["r"]), return_dtype=pl.String
            )
        return out, ~valid

    def python(values: list[Any], types: list[T], call: Call) -> Any:
        s, pattern = txt_py(values[0], types[0]), txt_py(values[1], types[1])
        if not _regex_valid(pattern):
            raise EvalError("invalid regular expression")
        if kind == "match":
            return bool(pl.select(pl.lit(s).str.contains(pattern)).item())
        if kind == "extract":
            return _extract_one(s, pattern)
        return _replace_one(s, pattern, txt_py(values[2], types[2]))

    return polars, python


def _extract_one(s: str, pattern: str) -> str | None:
    value = pl.select(pl.lit(s).str.extract(pattern, 0)).item()
    return None if value is None else str(value)


def _replace_one(s: str, pattern: str, replacement: str) -> str:
    return str(pl.select(pl.lit(s).str.replace_all(pattern, replacement)).item())


register(
    "REGEX_MATCH",
    "t t",
    _regex_type(T.boolean),
    doc="REGEX_MATCH(text, regex): whether the regular expression matches",
    example=('REGEX_MATCH("Hello World", "Hello.World")', "TRUE"),
    returns_doc="boolean",
)(lambda: _regex("match"))
register(
    "REGEX_EXTRACT",
    "t t",
    _regex_type(T.text),
    doc="REGEX_EXTRACT(text, regex): the first match, blank when none",
    example=('REGEX_EXTRACT("Hello World", "W.*")', "World"),
    returns_doc="text",
)(lambda: _regex("extract"))
register(
    "REGEX_REPLACE",
    "t t t",
    _regex_type(T.text),
    doc="REGEX_REPLACE(text, regex, replacement): every match replaced",
    example=('REGEX_REPLACE("Hello World", " W.*", "")', "Hello"),
    returns_doc="text",
)(lambda: _regex("replace"))


# --- TEXT ----------------------------------------------------------------------------------
def _text_type(types: list[T], call: Call) -> T:
    if len(call.args) > 1 and not (
        isinstance(call.args[1], Literal) and isinstance(call.args[1].value, str)
    ):
        raise TypeMismatch("TEXT() needs its format as a literal text", call.args[1].pos)
    if len(call.args) > 1 and types[0] in (T.number, T.boolean):
        try:
            check_format(str(call.args[1].value))  # type: ignore[union-attr]
        except FormatError as exc:
            # The position inside the format, after its opening quote.
            raise TypeMismatch(
                f"TEXT() format: {exc}",
                call.args[1].pos + 1 + exc.position,
                hint='an Excel number format such as "#,##0.00", "$0.00;($0.00)" or "0.0%"',
            ) from None
    return T.text


@register(
    "TEXT",
    "x t?",
    _text_type,
    doc="TEXT(value, [format]): the value as text, numbers in an Excel format, dates in a"
    " DATETIME_FORMAT one",
    example=('TEXT(1234.5, "#,##0.00")', "1,234.50"),
    returns_doc="text",
)
def _text():
    from formulas.functions.dates import format_datetime, format_datetime_py  # noqa: PLC0415

    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        a = args[0]
        if len(args) == 1:
            return txt(a), None
        fmt = str(call.args[1].value)  # type: ignore[union-attr]
        if a.type in DATES:
            return format_datetime(a, fmt), None
        if a.type in (T.number, T.boolean):
            value = a.expr.cast(pl.Float64)
            return format_number(value, fmt), (~value.is_finite()).fill_null(False)
        return txt(a), None

    def python(values: list[Any], types: list[T], call: Call) -> str | None:
        v, t = values[0], types[0]
        if len(values) == 1:
            return txt_py(v, t)
        fmt = str(call.args[1].value)  # type: ignore[union-attr]
        if t in DATES:
            return format_datetime_py(v, call.args[0], fmt)
        if t in (T.number, T.boolean):
            return None if v is None else format_number_py(float(v), fmt)
        return txt_py(v, t)

    return polars, python


@register(
    "T",
    "x",
    T.text,
    doc="T(value): the value when it is text, blank otherwise",
    example=('T("hello") & T(42)', "hello"),
)
def _t():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        a = args[0]
        return (a.expr if a.type is T.text else pl.lit(None, dtype=pl.String)), None

    def python(values: list[Any], types: list[T], call: Call) -> str | None:
        return values[0] if types[0] is T.text else None

    return polars, python


# encodeURIComponent's unreserved characters: everything else is percent-encoded as UTF-8.
_UNRESERVED_RE = "^[A-Za-z0-9_.!~*'()-]$"


@register(
    "ENCODE_URL_COMPONENT",
    "t",
    T.text,
    doc="ENCODE_URL_COMPONENT(text): percent-encoded for a URL, as JavaScript's encodeURIComponent",
    example=(
        '"https://example.com/?q=" & ENCODE_URL_COMPONENT("a b&c")',
        "https://example.com/?q=a%20b%26c",
    ),
)
def _encode_url():
    def polars(args: list[Arg], call: Call) -> tuple[pl.Expr, pl.Expr | None]:
        s = txt(args[0])
        char = pl.element()
        encoded = char.str.encode("hex").str.to_uppercase().str.replace_all("(..)", "%$1")
        each = pl.when(char.str.contains(_UNRESERVED_RE)).then(char).otherwise(encoded)
        out = s.str.split("").list.eval(each).list.join("")
        # Text with nothing to encode (most) skips the split.
        plain = s.str.contains("^[A-Za-z0-9_.!~*'()-]*$")
        return pl.when(plain).then(s).otherwise(out), None

    def python(values: list[Any], types: list[T], call: Call) -> str:
        from urllib.parse import quote  # noqa: PLC0415

        return quote(txt_py(values[0], types[0]), safe="-_.!~*'()")

    return polars, python
