"""Excel number formats for TEXT(number, format), compiled once per format.

What a format may hold, as Excel reads it:

- up to three sections ``positive;negative;zero`` (a fourth, for text, is refused). With one
  section a negative number gets a ``-``; with two or three, the negative section shows the
  number without its sign (write the sign or the parentheses you want);
- digit placeholders ``0`` (a digit, or 0), ``#`` (a digit, or nothing), ``?`` (a digit, or a
  space), one ``.``; digits beyond the placeholders to the left of the point are all shown;
  the integer's digits fill the placeholders from the right, so literals between them stay where
  they are (``000-00-0000``, ``(###) ###-####``);
- ``,`` between digit placeholders groups thousands; a ``,`` after the last one divides by 1,000;
- ``%`` multiplies by 100 and shows ``%``; ``0.00E+00`` is scientific (``E-`` shows only a
  negative exponent's sign);
- literal text: ``"quoted"``, ``\\x``, ``$ - + / ( ) : ! ^ & ' ~ { } < > =`` and space, currency
  symbols and any other letter that is not a code; ``_x`` is a space, ``*x`` (fill) is dropped;
  ``[$€-407]`` shows its currency symbol, colour codes such as ``[Red]`` are dropped;
- ``General`` is the number as ``&`` shows it.

Refused when the formula is saved, with the position in the format: conditions (``[>100]``),
``@``, a text section, and date and time codes (y, m, d, h, s, AM/PM: TEXT of a date takes
DATETIME_FORMAT's tokens instead). Rounding is half away from zero, as Excel's.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import polars as pl

from formulas.values import EvalError, number_text, number_text_py

LITERAL_CHARS = set("$-+/():!^&'~{}<>= ")
COLOURS = re.compile(r"(?i)^(black|blue|cyan|green|magenta|red|white|yellow|color\d+)$")
DATE_CODES = set("ymdhsYMDHS")
TIE = 1e-9


class FormatError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


@dataclass
class Section:
    tokens: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)
    general: bool = False
    percent: int = 0
    scale: int = 0  # divisions by 1,000
    thousands: bool = False
    exponent: tuple[bool, int] | None = None  # (always show the sign, minimum digits)
    exponent_letter: str = "E"

    def int_slots(self) -> list[tuple[str, str]]:
        out = []
        for kind, text in self.tokens:
            if kind in ("point", "exp"):
                break
            if kind in ("digit", "lit"):
                out.append((kind, text))
        return out

    def frac_slots(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        seen = False
        for kind, text in self.tokens:
            if kind == "exp":
                break
            if kind == "point":
                seen = True
            elif seen and kind in ("digit", "lit"):
                out.append((kind, text))
        return out

    @property
    def decimals(self) -> int:
        return sum(1 for k, _ in self.frac_slots() if k == "digit")

    @property
    def has_point(self) -> bool:
        return any(k == "point" for k, _ in self.tokens)


@dataclass
class Format:
    sections: list[Section]


def _split(fmt: str) -> list[tuple[str, int]]:
    """The sections and where each starts, splitting on ; outside quotes and escapes."""
    out, start, i, quoted = [], 0, 0, False
    while i < len(fmt):
        ch = fmt[i]
        if ch == '"':
            quoted = not quoted
        elif ch == "\\" and not quoted:
            i += 1
        elif ch == ";" and not quoted:
            out.append((fmt[start:i], start))
            start = i + 1
        i += 1
    out.append((fmt[start:], start))
    return out


def _section(text: str, offset: int) -> Section:
    section = Section()
    if text.strip().lower() == "general":
        section.general = True
        return section
    tokens = section.tokens
    i = 0
    while i < len(text):
        ch, pos = text[i], offset + i
        if ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise FormatError('a quoted text in the format is not closed with "', pos)
            tokens.append(("lit", text[i + 1 : end]))
            i = end + 1
            continue
        if ch == "\\" and i + 1 < len(text):
            tokens.append(("lit", text[i + 1]))
            i += 2
            continue
        if ch == "_" and i + 1 < len(text):
            tokens.append(("lit", " "))
            i += 2
            continue
        if ch == "*" and i + 1 < len(text):
            i += 2
            continue
        if ch == "[":
            end = text.find("]", i)
            if end < 0:
                raise FormatError("a [ in the format is not closed with ]", pos)
            inner = text[i + 1 : end]
            if inner.startswith("$"):
                tokens.append(("lit", inner[1:].split("-", 1)[0]))
            elif not COLOURS.match(inner):
                raise FormatError(f"[{inner}] is not supported (only [$...] and colours)", pos)
            i = end + 1
            continue
        if ch in "0#?":
            tokens.append(("digit", ch))
        elif ch == "." and not any(k == "point" for k, _ in tokens):
            tokens.append(("point", "."))
        elif ch == ",":
            tokens.append(("comma", ","))
        elif ch == "%":
            section.percent += 1
            tokens.append(("lit", "%"))
        elif ch in "eE" and i + 1 < len(text) and text[i + 1] in "+-":
            digits = len(text[i + 2 :]) - len(text[i + 2 :].lstrip("0#?"))
            if digits == 0:
                raise FormatError("an exponent needs digit placeholders after E+", pos)
            section.exponent = (text[i + 1] == "+", text[i + 2 : i + 2 + digits].count("0"))
            section.exponent_letter = ch
            tokens.append(("exp", ""))
            i += 2 + digits
            continue
        elif ch == "@":
            raise FormatError("@ (a text placeholder) has no meaning for a number", pos)
        elif text[i : i + 5].upper() == "AM/PM" or text[i : i + 3].upper() == "A/P":
            raise FormatError("AM/PM is a time code: TEXT of a date uses DATETIME_FORMAT's", pos)
        elif ch in DATE_CODES:
            raise FormatError(
                f"{ch!r} is a date code: TEXT of a date takes DATETIME_FORMAT's tokens, and"
                ' letters meant as text go in quotes ("...")',
                pos,
            )
        elif ch == "/" and "digit" in (k for k, _ in tokens) and text[i + 1 : i + 2] in "0#?":
            raise FormatError("fractions (# ?/?) are not supported", pos)
        else:
            tokens.append(("lit", ch))
        i += 1
    _commas(section)
    return section


def _commas(section: Section) -> None:
    """A comma between digit placeholders groups thousands; commas right after the last
    integer placeholder divide by 1,000 each; any other comma is shown as it is."""
    tokens = section.tokens
    out: list[tuple[str, str]] = []
    for i, (kind, text) in enumerate(tokens):
        if kind != "comma":
            out.append((kind, text))
            continue
        before = next((k for k, _ in reversed(tokens[:i]) if k != "comma"), None)
        after = next((k for k, _ in tokens[i + 1 :] if k != "comma"), None)
        in_integer = not any(k == "point" for k, _ in tokens[:i])
        if before == "digit" and after == "digit" and in_integer:
            section.thousands = True
        elif before == "digit" and after != "digit":
            section.scale += 1
        else:
            out.append(("lit", ","))
    section.tokens = out


@lru_cache(maxsize=256)
def compile_format(fmt: str) -> Format:
    parts = _split(fmt)
    if len(parts) > 3:
        raise FormatError("a fourth (text) section is not supported", parts[3][1])
    return Format([_section(text, offset) for text, offset in parts])


def check_format(fmt: str) -> None:
    compile_format(fmt)


# --- plain Python ---------------------------------------------------------------------------
def _places(slots: list[tuple[str, str]]) -> list[int]:
    return [i for i, (k, _) in enumerate(slots) if k == "digit"]


def _fill_integer(digits: str, slots: list[tuple[str, str]]) -> str:
    """Digits placed into the integer placeholders from the right; the leftmost takes the rest."""
    places = _places(slots)
    out = [text if kind == "lit" else "" for kind, text in slots]
    for n, i in enumerate(reversed(places)):
        if n == len(places) - 1:  # the leftmost placeholder: every digit still left
            rest = digits[: max(len(digits) - n, 0)]
        else:
            rest = digits[len(digits) - 1 - n] if len(digits) > n else ""
        out[i] = rest or {"0": "0", "#": "", "?": " "}[slots[i][1]]
    return "".join(out)


def _trimmed(j: int, digits: str, kinds: list[str]) -> bool:
    """Fraction placeholder j shows nothing (#) or a space (?): it and every one after it are
    # or ?, and their digits are zeros."""
    return all(k in "#?" for k in kinds[j:]) and set(digits[j:]) <= {"0"}


def _fill_fraction(digits: str, slots: list[tuple[str, str]]) -> str:
    kinds = [slots[i][1] for i in _places(slots)]
    out, j = [], 0
    for kind, text in slots:
        if kind == "lit":
            out.append(text)
            continue
        if _trimmed(j, digits, kinds):
            out.append("" if kinds[j] == "#" else " ")
        else:
            out.append(digits[j])
        j += 1
    return "".join(out)


def _around(slots: list[tuple[str, str]]) -> tuple[str, str]:
    """The literals before the first and after the last integer placeholder (with thousands
    grouping, literals between placeholders are not kept)."""
    places = _places(slots)
    if not places:
        return "".join(t for _, t in slots), ""
    return (
        "".join(t for _, t in slots[: places[0]]),
        "".join(t for _, t in slots[places[-1] + 1 :]),
    )


def _exponent_parts(section: Section) -> tuple[int, int]:
    return max(len(_places(section.int_slots())), 1), section.decimals


def _literals_after_exponent(section: Section) -> str:
    kinds = [k for k, _ in section.tokens]
    if "exp" not in kinds:
        return ""
    start = kinds.index("exp") + 1
    return "".join(t for k, t in section.tokens[start:] if k == "lit")


def _number_py(value: float, section: Section) -> str:
    x = abs(value) * 100**section.percent / 1000**section.scale
    int_slots, frac_slots = section.int_slots(), section.frac_slots()
    decimals = section.decimals
    exponent_text = ""
    if section.exponent is not None:
        int_places, _ = _exponent_parts(section)
        exp = 0 if x == 0 else math.floor(math.log10(x)) - (int_places - 1)
        if math.floor(x / 10.0**exp * 10**decimals + 0.5 + TIE) >= 10 ** (decimals + int_places):
            exp += 1
        x = x / 10.0**exp
        sign = "-" if exp < 0 else ("+" if section.exponent[0] else "")
        exponent_text = section.exponent_letter + sign + str(abs(exp)).zfill(section.exponent[1])
    total = math.floor(x * 10**decimals + 0.5 + TIE)
    whole, frac = divmod(total, 10**decimals)
    digits = str(whole) if whole else ""
    if section.thousands:
        zeros = sum(1 for _, t in int_slots if t == "0")
        padded = digits.rjust(zeros, "0")
        lead, trail = _around(int_slots)
        grouped = f"{int(padded):,}".rjust(len(padded) + (len(padded) - 1) // 3, "0")
        integer = lead + (grouped if padded else "") + trail
    else:
        integer = _fill_integer(digits, int_slots)
    text = integer
    if section.has_point:
        text += "." + _fill_fraction(str(frac).rjust(decimals, "0") if decimals else "", frac_slots)
    return text + exponent_text + _literals_after_exponent(section)


def _pick(x: float, sections: list[Section]) -> tuple[Section, str]:
    if x < 0 and len(sections) > 1:
        return sections[1], ""
    if x == 0 and len(sections) > 2:
        return sections[2], ""
    return sections[0], "-" if x < 0 else ""


def format_number_py(x: float, fmt: str) -> str:
    if not math.isfinite(x):
        raise EvalError("TEXT() of a number that is not finite")
    section, sign = _pick(x, compile_format(fmt).sections)
    if section.general:
        return sign + number_text_py(abs(x))
    return sign + _number_py(x, section)


# --- Polars -----------------------------------------------------------------------------------
def _s(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String)


def _fill_integer_expr(digits: pl.Expr, slots: list[tuple[str, str]]) -> pl.Expr:
    places = _places(slots)
    length = digits.str.len_chars().cast(pl.Int64)
    parts: list[pl.Expr] = []
    for i, (kind, text) in enumerate(slots):
        if kind == "lit":
            parts.append(pl.lit(text))
            continue
        n = len(places) - 1 - places.index(i)  # 0 for the rightmost placeholder
        default = pl.lit({"0": "0", "#": "", "?": " "}[text])
        if n == len(places) - 1:
            rest = digits.str.head((length - n).clip(lower_bound=0))
        else:
            rest = (
                pl.when(length > n).then(digits.str.slice(length - 1 - n, 1)).otherwise(pl.lit(""))
            )
        parts.append(pl.when(rest == "").then(default).otherwise(rest))
    return pl.concat_str(parts) if parts else pl.lit("")


def _fill_fraction_expr(frac: pl.Expr, decimals: int, slots: list[tuple[str, str]]) -> pl.Expr:
    kinds = [slots[i][1] for i in _places(slots)]
    digits = _s(frac).str.zfill(decimals)
    parts: list[pl.Expr] = []
    j = 0
    for kind, text in slots:
        if kind == "lit":
            parts.append(pl.lit(text))
            continue
        digit = digits.str.slice(j, 1)
        if all(k in "#?" for k in kinds[j:]):
            zeros = (frac % 10 ** (decimals - j)) == 0  # this digit and the rest are zeros
            digit = pl.when(zeros).then(pl.lit("" if kinds[j] == "#" else " ")).otherwise(digit)
        parts.append(digit)
        j += 1
    return pl.concat_str(parts) if parts else pl.lit("")


def _grouped_expr(digits: pl.Expr) -> pl.Expr:
    return (
        digits.str.reverse().str.replace_all(r"(\d{3})", "$1,").str.reverse().str.strip_prefix(",")
    )


def _number_expr(value: pl.Expr, section: Section) -> pl.Expr:
    x = value.abs() * float(100**section.percent) / float(1000**section.scale)
    int_slots, frac_slots = section.int_slots(), section.frac_slots()
    decimals = section.decimals
    exponent_text: pl.Expr | None = None
    if section.exponent is not None:
        int_places, _ = _exponent_parts(section)
        exp = pl.when(x == 0).then(0.0).otherwise(x.log10().floor() - (int_places - 1))
        over = ((x / pl.lit(10.0).pow(exp)) * 10**decimals + 0.5 + TIE).floor() >= float(
            10 ** (decimals + int_places)
        )
        exp = pl.when(over).then(exp + 1).otherwise(exp)
        x = x / pl.lit(10.0).pow(exp)
        e = exp.cast(pl.Int64)
        sign = (
            pl.when(e < 0).then(pl.lit("-")).otherwise(pl.lit("+" if section.exponent[0] else ""))
        )
        exponent_text = pl.concat_str(
            pl.lit(section.exponent_letter), sign, _s(e.abs()).str.zfill(section.exponent[1])
        )
    total = (x * float(10**decimals) + 0.5 + TIE).floor().cast(pl.Int64, strict=False)
    whole, frac = total // 10**decimals, total % 10**decimals
    digits = pl.when(whole == 0).then(pl.lit("")).otherwise(_s(whole))
    if section.thousands:
        zeros = sum(1 for _, t in int_slots if t == "0")
        padded = digits.str.zfill(zeros) if zeros else digits
        lead, trail = _around(int_slots)
        integer = pl.lit(lead) + _grouped_expr(padded) + pl.lit(trail)
    else:
        integer = _fill_integer_expr(digits, int_slots)
    parts = [integer]
    if section.has_point:
        parts += [pl.lit("."), _fill_fraction_expr(frac, decimals, frac_slots)]
    if exponent_text is not None:
        parts.append(exponent_text)
    parts.append(pl.lit(_literals_after_exponent(section)))
    return pl.concat_str(parts)


def format_number(value: pl.Expr, fmt: str) -> pl.Expr:
    """``value`` (Float64) as text in the Excel format ``fmt``; blank stays blank."""
    sections = compile_format(fmt).sections
    value = pl.when(value.is_finite()).then(value)  # inf and NaN: an error (see TEXT)

    def render(section: Section, sign: str) -> pl.Expr:
        body = number_text(value.abs()) if section.general else _number_expr(value, section)
        return pl.lit(sign) + body

    out = render(sections[0], "")
    if len(sections) == 1:
        out = pl.when(value < 0).then(render(sections[0], "-")).otherwise(out)
    else:
        negative = render(sections[1], "")
        if len(sections) > 2:
            out = pl.when(value == 0).then(render(sections[2], "")).otherwise(out)
        out = pl.when(value < 0).then(negative).otherwise(out)
    return pl.when(value.is_null()).then(None).otherwise(out)
