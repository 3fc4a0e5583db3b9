"""A small hand-written tokenizer and Pratt parser: no eval, bounded length and depth.

Grammar (lowest precedence first): comparisons ``= != <> < <= > >=``; ``&`` (concatenation);
``+ -``; ``* / %``; ``^`` (right-associative); unary ``-``/``+`` (binds tighter than ``^``,
as in Excel: ``-2^2`` is 4). Operands: numbers, "double" or 'single' quoted strings with
backslash escapes, ``TRUE``/``FALSE``, date literals ``#2024-01-31#`` or
``#2024-01-31T10:00:00Z#``, ``{Column name}`` references (``\\}`` escapes a brace), function
calls ``NAME(arg, ...)`` and parentheses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from formulas.ast import Binary, Call, ColumnRef, Literal, Node, Unary
from formulas.errors import FormulaError

MAX_LENGTH = 10_000
MAX_DEPTH = 64

_NUMBER = re.compile(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = ("<=", ">=", "!=", "<>", "=", "<", ">", "&", "+", "-", "*", "/", "%", "^")
_BINARY_POWER = {
    "=": 10,
    "!=": 10,
    "<>": 10,
    "<": 10,
    "<=": 10,
    ">": 10,
    ">=": 10,
    "&": 20,
    "+": 30,
    "-": 30,
    "*": 40,
    "/": 40,
    "%": 40,
    "^": 50,
}
_UNARY_POWER = 60


@dataclass(frozen=True)
class Token:
    kind: str  # number string date ref name op lparen rparen comma end
    text: str
    pos: int
    value: object = None


def _string(source: str, start: int) -> tuple[str, int]:
    quote = source[start]
    out, i = [], start + 1
    while i < len(source):
        ch = source[i]
        if ch == "\\" and i + 1 < len(source):
            nxt = source[i + 1]
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            i += 2
            continue
        if ch == quote:
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise FormulaError("unterminated string", start, hint=f"close it with {quote}", source=source)


def _date_literal(source: str, start: int) -> tuple[date | datetime, int]:
    end = source.find("#", start + 1)
    if end < 0:
        raise FormulaError(
            "unterminated date literal", start, hint="write #2024-01-31#", source=source
        )
    text = source[start + 1 : end].strip()
    try:
        if "T" in text or " " in text:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
            return parsed, end + 1
        return date.fromisoformat(text), end + 1
    except ValueError:
        raise FormulaError(
            f"invalid date {text!r}",
            start,
            hint="use ISO 8601: #2024-01-31# or #2024-01-31T10:00:00Z#",
            source=source,
        ) from None


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "\"'":
            text, end = _string(source, i)
            tokens.append(Token("string", source[i:end], i, text))
            i = end
        elif ch == "#":
            value, end = _date_literal(source, i)
            tokens.append(Token("date", source[i:end], i, value))
            i = end
        elif ch == "{":
            out, j = [], i + 1
            while j < len(source) and source[j] != "}":
                if source[j] == "\\" and j + 1 < len(source):
                    j += 1
                out.append(source[j])
                j += 1
            if j >= len(source):
                raise FormulaError(
                    "unterminated column reference", i, hint="close it with }", source=source
                )
            name = "".join(out).strip()
            if not name:
                raise FormulaError("empty column reference", i, source=source)
            tokens.append(Token("ref", source[i : j + 1], i, name))
            i = j + 1
        elif ch.isdigit() or (ch == "." and i + 1 < len(source) and source[i + 1].isdigit()):
            match = _NUMBER.match(source, i)
            assert match is not None
            tokens.append(Token("number", match.group(), i, float(match.group())))
            i = match.end()
        elif ch.isalpha() or ch == "_":
            match = _NAME.match(source, i)
            assert match is not None
            tokens.append(Token("name", match.group(), i))
            i = match.end()
        elif ch in "(),":
            tokens.append(Token({"(": "lparen", ")": "rparen", ",": "comma"}[ch], ch, i))
            i += 1
        else:
            op = next((o for o in _OPERATORS if source.startswith(o, i)), None)
            if op is None:
                raise FormulaError(f"unexpected character {ch!r}", i, source=source)
            tokens.append(Token("op", op, i))
            i += len(op)
    tokens.append(Token("end", "", len(source)))
    return tokens


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.i = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def error(self, message: str, token: Token, hint: str | None = None) -> FormulaError:
        return FormulaError(message, token.pos, hint=hint, source=self.source)

    def expect(self, kind: str, what: str) -> Token:
        token = self.peek()
        if token.kind != kind:
            found = "the end of the formula" if token.kind == "end" else repr(token.text)
            raise self.error(f"expected {what}, found {found}", token)
        return self.take()

    def expression(self, min_power: int = 0, depth: int = 0) -> Node:
        if depth > MAX_DEPTH:
            raise self.error(f"the formula nests deeper than {MAX_DEPTH} levels", self.peek())
        left = self.operand(depth)
        while True:
            token = self.peek()
            if token.kind != "op":
                break
            power = _BINARY_POWER[token.text]
            if power < min_power or (power == min_power and token.text != "^"):
                break
            self.take()
            # ``^`` is right-associative: the right side may contain another ``^``.
            right = self.expression(power if token.text == "^" else power + 1, depth + 1)
            left = Binary("!=" if token.text == "<>" else token.text, left, right, token.pos)
        return left

    def operand(self, depth: int) -> Node:
        token = self.take()
        if token.kind == "number":
            return Literal(token.value, token.pos)  # type: ignore[arg-type]
        if token.kind == "string":
            return Literal(str(token.value), token.pos)
        if token.kind == "date":
            return Literal(token.value, token.pos)  # type: ignore[arg-type]
        if token.kind == "ref":
            return ColumnRef(str(token.value), token.pos)
        if token.kind == "op" and token.text in "+-":
            return Unary(token.text, self.expression(_UNARY_POWER, depth + 1), token.pos)
        if token.kind == "lparen":
            inner = self.expression(0, depth + 1)
            self.expect("rparen", "')'")
            return inner
        if token.kind == "name":
            upper = token.text.upper()
            if self.peek().kind == "lparen":
                self.take()
                args: list[Node] = []
                if self.peek().kind != "rparen":
                    while True:
                        args.append(self.expression(0, depth + 1))
                        if self.peek().kind == "comma":
                            self.take()
                            continue
                        break
                self.expect("rparen", f"',' or ')' to close {upper}(")
                return Call(upper, tuple(args), token.pos)
            if upper in ("TRUE", "FALSE"):
                return Literal(upper == "TRUE", token.pos)
            raise self.error(
                f"unknown name {token.text!r}",
                token,
                hint=f"write column references in braces, like {{{token.text}}},"
                " and call functions with ()",
            )
        found = "the end of the formula" if token.kind == "end" else repr(token.text)
        raise self.error(f"expected a value, found {found}", token)


def parse(source: str) -> Node:
    if len(source) > MAX_LENGTH:
        raise FormulaError(
            f"the formula is longer than {MAX_LENGTH} characters", MAX_LENGTH, source=source
        )
    if not source.strip():
        raise FormulaError("the formula is empty", 0, source=source)
    parser = _Parser(source)
    node = parser.expression()
    token = parser.peek()
    if token.kind != "end":
        raise parser.error(
            f"unexpected {token.text!r}", token, hint="is an operator or a comma missing?"
        )
    return node
