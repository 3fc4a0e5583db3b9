"""Database statement time: ``database_query_duration_seconds{component, kind}``.

Statements are timed in the driver: psycopg cursors of the classes below, set as a
connection's ``cursor_factory``, so SQLAlchemy's statements and raw driver use on the same
connections (the API's compiled reads, the pipelines' COPY and publish) are timed once each.
``kind`` is the statement's first keyword (a ``WITH`` by its main verb), never its text.

The API serves the histogram at ``/metrics``. A pipeline run is a process of its own: its
samples reach ``/metrics`` only through a ``PROMETHEUS_MULTIPROC_DIR`` shared with the API
(docs/metrics.md), and each stage's totals by kind go into its Dagster metadata (``tallied``).
"""

from __future__ import annotations

import enum
import re
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Self

import psycopg
from prometheus_client import Histogram
from psycopg import pq, sql
from psycopg.abc import Params, Query
from psycopg.copy import AsyncCopy, AsyncWriter, Copy, Writer
from psycopg.rows import Row
from sqlalchemy import Engine, event
from sqlalchemy.pool import ConnectionPoolEntry

Component = Literal["api", "pipelines"]


class StatementKind(enum.StrEnum):
    select = "select"
    insert = "insert"
    update = "update"
    delete = "delete"
    copy = "copy"
    ddl = "ddl"
    other = "other"


QUERY_DURATION = Histogram(
    "database_query_duration_seconds",
    "Database statement time by component (api, pipelines) and statement kind",
    ["component", "kind"],
    # COPY and index builds of a publish take seconds to minutes; reads take milliseconds.
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120),
)

_BY_KEYWORD = {
    "SELECT": StatementKind.select,
    "VALUES": StatementKind.select,
    "TABLE": StatementKind.select,
    "FETCH": StatementKind.select,
    "INSERT": StatementKind.insert,
    "UPDATE": StatementKind.update,
    "DELETE": StatementKind.delete,
    "COPY": StatementKind.copy,
    **dict.fromkeys(
        ("CREATE", "ALTER", "DROP", "TRUNCATE", "COMMENT", "GRANT", "REVOKE"), StatementKind.ddl
    ),
}
# What decides a WITH: the first of these outside the parentheses of its CTEs.
_MAIN_VERBS = frozenset(("SELECT", "VALUES", "TABLE", "INSERT", "UPDATE", "DELETE", "MERGE"))
_HEAD = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/|\()*([A-Za-z]+)", re.DOTALL)
_TOKENS = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/|([()])|([A-Za-z_][A-Za-z_0-9$]*)",
    re.DOTALL,
)
# A WITH is read this far for its main verb; past it (CTEs of pages), it counts as a select.
_WITH_SCAN = 8192


def statement_kind(query: object) -> StatementKind:
    """The kind of a statement (str, bytes or psycopg ``sql``), from its leading keyword."""
    first = _first_text(query)
    head = _HEAD.match(first)
    keyword = head.group(1).upper() if head else ""
    if keyword != "WITH":
        return _BY_KEYWORD.get(keyword, StatementKind.other)
    text = first if isinstance(query, str | bytes) else _sql_text(query)
    return _main_verb(text[head.end() : head.end() + _WITH_SCAN] if head else "")


def _first_text(query: object) -> str:
    while isinstance(query, sql.Composed):
        query = next(iter(query), None)
    if isinstance(query, str):
        return query
    if isinstance(query, bytes):
        return query[:_WITH_SCAN].decode("latin-1")
    if isinstance(query, sql.SQL):
        return query.as_string()
    return ""  # an identifier or a literal first: not a keyword


def _sql_text(query: object) -> str:
    """A composed statement's SQL parts (identifiers and values are not keywords)."""
    if isinstance(query, sql.Composed):
        return " ".join(_sql_text(part) for part in query)
    return query.as_string() if isinstance(query, sql.SQL) else "x"


def _main_verb(text: str) -> StatementKind:
    depth = 0
    for token in _TOKENS.finditer(text):
        paren, word = token.group(1), token.group(2)
        if paren:
            depth += 1 if paren == "(" else -1
        elif word and depth == 0 and word.upper() in _MAIN_VERBS:
            return _BY_KEYWORD.get(word.upper(), StatementKind.other)
    return StatementKind.select


@dataclass
class Tally:
    """Statements observed in one context (a pipeline stage): count and seconds by kind."""

    counts: dict[StatementKind, int] = field(default_factory=dict)
    seconds: dict[StatementKind, float] = field(default_factory=dict)

    def add(self, kind: StatementKind, seconds: float) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self.seconds[kind] = self.seconds.get(kind, 0.0) + seconds

    def as_metadata(self) -> dict[str, dict[str, float]]:
        return {
            kind.value: {"count": self.counts[kind], "seconds": round(self.seconds[kind], 4)}
            for kind in sorted(self.counts)
        }


_TALLIES: ContextVar[tuple[Tally, ...]] = ContextVar("panels_statement_tallies", default=())


@contextmanager
def tallied() -> Iterator[Tally]:
    """Count the statements timed in this context (this thread or task) until the end."""
    tally = Tally()
    token = _TALLIES.set((*_TALLIES.get(), tally))
    try:
        yield tally
    finally:
        _TALLIES.reset(token)


def observe(component: Component, kind: StatementKind, seconds: float) -> None:
    QUERY_DURATION.labels(component, kind.value).observe(seconds)
    for tally in _TALLIES.get():
        tally.add(kind, seconds)


def _pipelined(cursor: psycopg.Cursor[Any] | psycopg.AsyncCursor[Any]) -> bool:
    return cursor.connection.pgconn.pipeline_status != pq.PipelineStatus.OFF


class TimedCursor(psycopg.Cursor[Row]):
    """A cursor that times execute, executemany and copy (to the end of the copy block).

    In pipeline mode a statement is sent without waiting: it is timed to its first fetch.
    """

    component: ClassVar[Component] = "api"
    _sent: tuple[float, StatementKind] | None = None

    def execute(
        self,
        query: Query,
        params: Params | None = None,
        *,
        prepare: bool | None = None,
        binary: bool | None = None,
    ) -> Self:
        kind, started = statement_kind(query), time.perf_counter()
        sent: Any = query  # a template or not, as given: psycopg's own overloads check it
        if _pipelined(self):
            self._sent = (started, kind)
            return super().execute(sent, params, prepare=prepare, binary=binary)
        try:
            return super().execute(sent, params, prepare=prepare, binary=binary)
        finally:
            observe(self.component, kind, time.perf_counter() - started)

    def executemany(
        self, query: Query, params_seq: Iterable[Params], *, returning: bool = False
    ) -> None:
        kind, started = statement_kind(query), time.perf_counter()
        try:
            super().executemany(query, params_seq, returning=returning)
        finally:
            observe(self.component, kind, time.perf_counter() - started)

    @contextmanager
    def copy(
        self, statement: Query, params: Params | None = None, *, writer: Writer | None = None
    ) -> Iterator[Copy]:
        started = time.perf_counter()
        try:
            with super().copy(statement, params, writer=writer) as copy:
                yield copy
        finally:
            observe(self.component, StatementKind.copy, time.perf_counter() - started)

    def _received(self) -> None:
        if self._sent is not None:
            (started, kind), self._sent = self._sent, None
            observe(self.component, kind, time.perf_counter() - started)

    def fetchone(self) -> Row | None:
        row = super().fetchone()
        self._received()
        return row

    def fetchmany(self, size: int = 0) -> list[Row]:
        rows = super().fetchmany(size)
        self._received()
        return rows

    def fetchall(self) -> list[Row]:
        rows = super().fetchall()
        self._received()
        return rows


class TimedAsyncCursor(psycopg.AsyncCursor[Row]):
    """The async twin of ``TimedCursor`` (the API's read engine)."""

    component: ClassVar[Component] = "api"
    _sent: tuple[float, StatementKind] | None = None

    async def execute(
        self,
        query: Query,
        params: Params | None = None,
        *,
        prepare: bool | None = None,
        binary: bool | None = None,
    ) -> Self:
        kind, started = statement_kind(query), time.perf_counter()
        sent: Any = query  # a template or not, as given: psycopg's own overloads check it
        if _pipelined(self):
            self._sent = (started, kind)
            return await super().execute(sent, params, prepare=prepare, binary=binary)
        try:
            return await super().execute(sent, params, prepare=prepare, binary=binary)
        finally:
            observe(self.component, kind, time.perf_counter() - started)

    async def executemany(
        self, query: Query, params_seq: Iterable[Params], *, returning: bool = False
    ) -> None:
        kind, started = statement_kind(query), time.perf_counter()
        try:
            await super().executemany(query, params_seq, returning=returning)
        finally:
            observe(self.component, kind, time.perf_counter() - started)

    @asynccontextmanager
    async def copy(
        self,
        statement: Query,
        params: Params | None = None,
        *,
        writer: AsyncWriter | None = None,
    ) -> AsyncIterator[AsyncCopy]:
        started = time.perf_counter()
        try:
            async with super().copy(statement, params, writer=writer) as copy:
                yield copy
        finally:
            observe(self.component, StatementKind.copy, time.perf_counter() - started)

    def _received(self) -> None:
        if self._sent is not None:
            (started, kind), self._sent = self._sent, None
            observe(self.component, kind, time.perf_counter() - started)

    async def fetchone(self) -> Row | None:
        row = await super().fetchone()
        self._received()
        return row

    async def fetchmany(self, size: int = 0) -> list[Row]:
        rows = await super().fetchmany(size)
        self._received()
        return rows

    async def fetchall(self) -> list[Row]:
        rows = await super().fetchall()
        self._received()
        return rows


class PipelinesCursor(TimedCursor[Row]):
    component: ClassVar[Component] = "pipelines"


class PipelinesAsyncCursor(TimedAsyncCursor[Row]):
    component: ClassVar[Component] = "pipelines"


CURSORS: dict[Component, tuple[type[TimedCursor[Any]], type[TimedAsyncCursor[Any]]]] = {
    "api": (TimedCursor, TimedAsyncCursor),
    "pipelines": (PipelinesCursor, PipelinesAsyncCursor),
}


def timed_cursor(component: Component) -> type[TimedCursor[Any]]:
    """The ``cursor_factory`` of a raw psycopg connection of ``component``."""
    return CURSORS[component][0]


def instrument(engine: Engine, component: Component) -> None:
    """Time every statement on the engine's psycopg connections, made from now on."""
    sync_cursor, async_cursor = CURSORS[component]

    def timed(_dbapi: Any, record: ConnectionPoolEntry) -> None:
        driver = record.driver_connection
        if isinstance(driver, psycopg.AsyncConnection):
            driver.cursor_factory = async_cursor
        elif isinstance(driver, psycopg.Connection):
            driver.cursor_factory = sync_cursor

    event.listen(engine, "connect", timed)
