"""Statements compiled once for psycopg, run on the raw driver with bound parameters.

SQLAlchemy Core builds them; what a request adds is only its parameter values, so the hot read
paths skip SQLAlchemy's per-execution work (cache key, compiled-cache lookup, result rows).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from models.db import PG_DIALECT

if TYPE_CHECKING:
    from serving.reads.session import Reading

PG = PG_DIALECT


class Compiled:
    """A statement compiled once; ``params`` adds the call's values to its own literals.

    Expanding ``IN`` lists are rendered into the text with one parameter per value (their
    values among the literals): a compiled statement is for one shape of its inputs.
    """

    def __init__(self, stmt: Any) -> None:
        compiled = stmt.compile(dialect=PG, compile_kwargs={"render_postcompile": True})
        self.sql = str(compiled)
        self.literals = dict(compiled.params)

    def params(self, **values: Any) -> dict[str, Any]:
        return {**self.literals, **values}

    async def rows(self, reading: Reading, **values: Any) -> list[dict[str, Any]]:
        return await reading.fetch_all(self.sql, self.params(**values))
