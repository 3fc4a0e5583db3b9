"""The function registry. Each function has a signature, a Polars form and a Python form.

Argument kinds in signatures: ``n`` number (blank and booleans count, text is refused with a
hint to use VALUE), ``t`` text (any value, shown as text), ``d`` date or datetime, ``x`` any;
a trailing ``?`` makes it optional, ``*`` repeats it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from formulas.ast import Call
from formulas.errors import FormulaError
from formulas.types import DATES, T
from formulas.values import Arg

PolarsForm = Callable[[list[Arg], Call], tuple[pl.Expr, pl.Expr | None]]
# Strict: values of the evaluated arguments (with their types); lazy: thunks -> (value, error).
PythonForm = Callable[..., Any]
Returns = T | Callable[[list[T], Call], T]


@dataclass(frozen=True)
class Function:
    name: str
    signature: str
    returns: Returns
    polars: PolarsForm
    python: PythonForm
    lazy: bool = False
    doc: str = ""  # "NAME(arg, [optional]): what it gives"
    example: tuple[str, str] = ("", "")  # a formula of literals and its result, as text
    returns_doc: str = ""  # the result type, where ``returns`` depends on the arguments
    category: str = ""

    @property
    def usage(self) -> str:
        return self.doc.split("): ", 1)[0] + ")" if "): " in self.doc else self.doc

    @property
    def description(self) -> str:
        return self.doc.split("): ", 1)[1] if "): " in self.doc else ""

    @property
    def kinds(self) -> list[str]:
        return self.signature.split()

    def arity(self) -> tuple[int, int | None]:
        kinds = self.kinds
        required = sum(1 for k in kinds if not k.endswith(("?", "*")))
        return required, None if any(k.endswith("*") for k in kinds) else len(kinds)


REGISTRY: dict[str, Function] = {}


def register(
    name: str,
    signature: str,
    returns: Returns,
    *,
    lazy: bool = False,
    doc: str,
    example: tuple[str, str],
    returns_doc: str = "",
) -> Callable[[Any], Any]:
    """Decorates a class-less pair: ``@register(...)`` on a function returning (polars, python).

    ``doc`` is "NAME(args): description"; ``example`` a formula and its result as text, which
    the catalogue (``GET /formulas/functions``) shows and a test evaluates."""

    def wrap(build: Callable[[], tuple[PolarsForm, PythonForm]]) -> Callable[[], Any]:
        polars_form, python_form = build()
        category = build.__module__.rsplit(".", 1)[-1]
        REGISTRY[name] = Function(
            name,
            signature,
            returns,
            polars_form,
            python_form,
            lazy,
            doc,
            example,
            returns_doc,
            category,
        )
        return build

    return wrap


def alias(name: str, target: str, example: tuple[str, str]) -> None:
    fn = REGISTRY[target]
    doc = name + fn.doc[len(target) :]
    REGISTRY[name] = replace(fn, name=name, doc=doc, example=example)


_KIND_NAMES = {"n": "a number", "t": "text", "d": "a date", "x": "a value"}


def check_args(fn: Function, types: Sequence[T], call: Call, source: str) -> None:
    required, most = fn.arity()
    if len(types) < required or (most is not None and len(types) > most):
        expected = (
            f"{required}"
            if most == required
            else (f"{required} to {most}" if most else f"at least {required}")
        )
        raise FormulaError(
            f"{fn.name}() takes {expected} argument{'' if (most or required) == 1 else 's'},"
            f" got {len(types)}",
            call.pos,
            hint=fn.usage,
            source=source,
        )
    kinds = fn.kinds
    for i, t in enumerate(types):
        kind = kinds[min(i, len(kinds) - 1)].rstrip("?*")
        node = call.args[i]
        if t is T.blank or kind in ("x", "t"):
            continue
        if kind == "n" and t not in (T.number, T.boolean):
            hint = "convert text with VALUE()" if t is T.text else None
            raise FormulaError(
                f"{fn.name}() argument {i + 1} must be a number, not {t.value}",
                node.pos,
                hint=hint,
                source=source,
            )
        if kind == "d" and t not in DATES:
            hint = "parse text with DATETIME_PARSE()" if t is T.text else None
            raise FormulaError(
                f"{fn.name}() argument {i + 1} must be a date, not {t.value}",
                node.pos,
                hint=hint,
                source=source,
            )


def result_type(fn: Function, types: list[T], call: Call) -> T:
    return fn.returns(types, call) if callable(fn.returns) else fn.returns


def load() -> dict[str, Function]:
    from formulas.functions import arrays, dates, logic, numbers, record, text  # noqa: F401, PLC0415

    return REGISTRY
