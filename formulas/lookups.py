"""LOOKUP(): the other panel's key and result columns, fetched once, joined on the key as text."""

from __future__ import annotations

from typing import Protocol

import polars as pl

from formulas.ast import Call
from formulas.checker import LookupResolver
from formulas.types import T
from formulas.values import Arg, txt


class LookupSource(LookupResolver, Protocol):
    def frame(self, panel: str, key: str, result: str) -> pl.DataFrame:
        """Two columns, ``key`` and ``result``, of the other panel's current version."""


def lookup_target(call: Call) -> tuple[str, str, str]:
    """The panel, key column and result column a checked LOOKUP() call names (literals)."""
    panel, key, result = (str(call.args[i].value) for i in (0, 1, 3))  # type: ignore[union-attr]
    return panel, key, result


class LookupFrames:
    """The frames LOOKUP() calls join: each (panel, key, result) fetched from the source once,
    its key as text and unique (the first row of a repeated key wins)."""

    def __init__(self, source: LookupSource | None) -> None:
        self._source = source
        self._frames: dict[tuple[str, str, str], pl.DataFrame] = {}

    def _right(self, call: Call) -> pl.DataFrame:
        target = lookup_target(call)
        if target not in self._frames:
            assert self._source is not None, "LOOKUP() is checked only with a lookup source"
            panel, key, result = target
            other = self._source.frame(panel, key, result)
            key_type = self._source.column_type(panel, key) or T.text
            self._frames[target] = (
                other.lazy()
                .select(
                    txt(Arg(pl.col(key), None, key_type, call)).alias("key"),
                    pl.col(result).alias("value"),
                )
                .unique(subset=["key"], keep="first")
                .collect()
            )
        return self._frames[target]

    def join(self, frame: pl.LazyFrame, call: Call, key: Arg, name: str) -> pl.LazyFrame:
        """``frame`` with column ``name``: the result for each row's key (blank if none)."""
        right = self._right(call).lazy().rename({"key": f"{name}_k", "value": name})
        return (
            frame.with_columns(txt(key).alias(f"{name}_k"))
            .join(right, on=f"{name}_k", how="left", maintain_order="left")
            .drop(f"{name}_k")
        )
