"""Analytic reads answered by DuckDB over a version's columnar snapshot.

A published version has a columnar snapshot when every version of its store up to it wrote
its segment (:mod:`pipelines.snapshot`): the states each opened, the identities each closed.
The version reads, in DuckDB, as the opened states no version up to it closed, under the name
its view has in PostgreSQL (``panel_data.p_<panel>_v<N>``). So the same SQLAlchemy statement
the read engine builds for PostgreSQL (filters, aggregates, groups: one definition) is
compiled a second time for DuckDB (duckdb_engine's dialect, bound parameters) and runs on
either engine.

Which files a version reads is decided only by rows the caller's tenant can see (the version
was resolved under row-level security, its store's versions are looked up the same way) and
the server's snapshot root: no request value reaches a path or the SQL text.

A version without a complete snapshot (published before snapshots, or a segment lost) is
answered by PostgreSQL; so is any statement DuckDB refuses (logged). DuckDB runs in this
process: one in-memory database, ``PANELS_ANALYTICS_THREADS`` threads and a memory limit,
queries bounded by the same number of worker threads and interrupted past a timeout or when
the request is cancelled.
"""
# ruff: noqa: S608 (view statements: server-made names and paths, quoted)

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import anyio
import duckdb
import duckdb_engine
import pyarrow as pa
from sqlalchemy import bindparam, select
from sqlalchemy.sql import Select

from core.enums import VersionStatus
from core.snapshots import SnapshotRoot
from core.storage import DATA_SCHEMA
from models import PanelVersion
from serving.http.errors import ApiError
from serving.http.metrics import ANALYTIC_INTERRUPTS, ANALYTIC_READS
from serving.memory.cache import Memo
from serving.reads.session import Reading

log = logging.getLogger("panels.analytics")
VERSION = PanelVersion.__table__
COMMITTED = (VersionStatus.published, VersionStatus.superseded, VersionStatus.dropped)
META = ("_row_id", "_created", "_changed")
MAX_VIEWS = 10_000  # versions whose DuckDB view (and snapshot files) a process holds
RECHECK_SECONDS = 60.0  # a held snapshot is looked for again after this (a compaction)


def _dialect() -> duckdb_engine.Dialect:
    """duckdb_engine's dialect, numbered parameters; every DuckDB keyword is quoted."""
    dialect = duckdb_engine.Dialect(paramstyle="numeric_dollar")
    with duckdb.connect() as conn:
        keywords = conn.execute(
            "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category <> 'unreserved'"
        ).fetchall()
    dialect.identifier_preparer.reserved_words.update(k for (k,) in keywords)
    return dialect


DIALECT = _dialect()


def duckdb_sql(statement: Select[Any]) -> tuple[str, list[Any]]:
    """A statement's DuckDB text and its positional parameters (bound, never inlined)."""
    compiled = statement.compile(dialect=DIALECT, compile_kwargs={"render_postcompile": True})
    return str(compiled), [compiled.params[k] for k in compiled.positiontup or []]


@dataclass(frozen=True)
class Snapshot:
    """The files a version reads: opened states, closed identities."""

    name: str  # the version's view name, the same in both engines
    opened: tuple[str, ...]
    closed: tuple[str, ...]


_STORE = (
    select(VERSION.c.stats["store"].astext)
    .where(VERSION.c.tenant_id == bindparam("tenant"), VERSION.c.id == bindparam("version"))
    .scalar_subquery()
)
# The versions of the read version's store up to it, oldest first, and their segments.
_SEGMENTS = (
    select(
        VERSION.c.number,
        VERSION.c.stats["store"].astext.label("store"),
        VERSION.c.stats["snapshot"].label("snapshot"),
    )
    .where(
        VERSION.c.tenant_id == bindparam("tenant"),
        VERSION.c.panel_id == bindparam("panel"),
        VERSION.c.stats["store"].astext == _STORE,
        VERSION.c.number <= bindparam("number"),
        VERSION.c.status.in_([s.value for s in COMMITTED]),
    )
    .order_by(VERSION.c.number)
)


class Analytics:
    """DuckDB over the snapshots under ``root``, for one API process."""

    def __init__(
        self, root: SnapshotRoot, *, threads: int, memory_mb: int, timeout_seconds: float
    ) -> None:
        self.root = root
        self.timeout = timeout_seconds
        # Spills go to a folder of this process's own (several workers share a directory).
        self._spill = tempfile.mkdtemp(prefix="panels-duckdb-")
        self._db = duckdb.connect(
            config={
                "threads": threads,
                "memory_limit": f"{memory_mb}MB",
                "temp_directory": self._spill,
            }
        )
        self._db.execute(f'CREATE SCHEMA IF NOT EXISTS "{DATA_SCHEMA}"')
        if not root.local:
            # Object storage read through the same fsspec filesystem the root lists with.
            self._db.register_filesystem(root.fs)
        self._limiter = anyio.CapacityLimiter(threads)
        # (tenant, version id) -> (Snapshot, when found): looked for again after
        # RECHECK_SECONDS, so a base the keeper wrote (a compaction) is read from then on.
        self._snapshots = Memo(MAX_VIEWS)
        # view name -> the Snapshot it reads, oldest first (dropped past MAX_VIEWS)
        self._views: OrderedDict[str, Snapshot] = OrderedDict()
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()
        shutil.rmtree(self._spill, ignore_errors=True)

    async def snapshot(
        self, reading: Reading, panel_id: uuid.UUID, version: Any
    ) -> Snapshot | None:
        """The version's snapshot files, or None when it has no complete snapshot."""
        key = (reading.tenant_id, version.id)
        held = self._snapshots.get(key)
        if held is not None and time.monotonic() - held[1] < RECHECK_SECONDS:
            return cast(Snapshot, held[0])
        # Not held when missing: PostgreSQL's answer costs far more than looking again, and a
        # snapshot rebuilt in the background (or shown late by a shared mount) is read as
        # soon as it is there.
        found = await self._find(reading, panel_id, version)
        if found is not None:
            self._snapshots.put(key, (found, time.monotonic()))
        return found

    async def answer(
        self, reading: Reading, prepared: Any, statements: list[Select[Any]]
    ) -> list[list[tuple[Any, ...]]] | None:
        """Each statement's rows from the snapshot of the prepared read's version, or None
        when PostgreSQL must answer (no complete snapshot, or DuckDB refused: logged, and
        the snapshot is looked for again next time). A timeout is raised as TimeoutError."""
        snapshot = await self.usable(reading, prepared)
        if snapshot is None:
            return None
        columns = [c["key"] for c in prepared.version.schema]
        try:
            return await self.rows(snapshot, columns, statements)
        except duckdb.Error:
            log.exception("DuckDB refused a read of %s; PostgreSQL answers", snapshot.name)
            self.forget(reading, prepared.version)
            return None

    async def usable(self, reading: Reading, prepared: Any) -> Snapshot | None:
        """The snapshot DuckDB reads for the prepared read, or None when PostgreSQL answers."""
        if prepared.panel_id is None:
            return None
        if any(c["type"] == "json" for c in prepared.version.schema):
            # PostgreSQL keeps JSON normalised (jsonb), the snapshot as the source wrote it:
            # groups and distinct counts could differ, so PostgreSQL answers.
            return None
        return await self.snapshot(reading, prepared.panel_id, prepared.version)

    async def batches(
        self, reading: Reading, prepared: Any, statement: Select[Any], rows: int
    ) -> Iterator[pa.RecordBatch] | None:
        """The statement's rows as Arrow batches of about ``rows`` rows, streamed from the
        snapshot (an export: no query slot, no timeout; closing the iterator, as a response
        whose client went away does, closes the cursor), or None when PostgreSQL must answer.
        The query starts and its first batch is read here, so a snapshot DuckDB cannot read
        is found before the response starts."""
        snapshot = await self.usable(reading, prepared)
        if snapshot is None:
            return None
        columns = [c["key"] for c in prepared.version.schema]
        text, params = duckdb_sql(statement)
        with self._lock:
            cursor = self._db.cursor()

        def first() -> tuple[pa.RecordBatchReader, pa.RecordBatch | None]:
            self._view(snapshot, columns)
            reader = cursor.sql(text, params=params).to_arrow_reader(rows)
            try:
                return reader, reader.read_next_batch()
            except StopIteration:
                return reader, None

        try:
            reader, batch = await anyio.to_thread.run_sync(first)
        except duckdb.Error:
            cursor.close()
            log.exception("DuckDB refused an export of %s; PostgreSQL answers", snapshot.name)
            self.forget(reading, prepared.version)
            return None

        def stream() -> Iterator[pa.RecordBatch]:
            try:
                if batch is not None:
                    yield batch
                    yield from reader
            finally:
                cursor.close()

        return stream()

    def forget(self, reading: Reading, version: Any) -> None:
        """Look for the version's snapshot again next time (its files failed to read)."""
        self._snapshots.put((reading.tenant_id, version.id), None)
        with self._lock:
            self._views.pop(str(version.table_name), None)

    async def _find(self, reading: Reading, panel_id: uuid.UUID, version: Any) -> Snapshot | None:
        params = {
            "tenant": reading.tenant_id,
            "panel": panel_id,
            "version": version.id,
            "number": version.number,
        }
        rows = (await reading.execute(_SEGMENTS.params(**params))).all()
        if not rows:
            return None
        store = str(rows[0][1])
        versions = [(int(number), bool(snapshot)) for number, _, snapshot in rows]
        chain = await anyio.to_thread.run_sync(self.root.chain, panel_id, store, versions)
        if chain is None:
            log.info("version %s of %s has no complete snapshot", version.number, store)
            return None
        return Snapshot(str(version.table_name), chain.opened, chain.closed)

    def _view(self, snapshot: Snapshot, columns: list[str]) -> None:
        """The version's view in DuckDB, made once per process and its files (a compaction
        gives a version other files: its view is made again); past MAX_VIEWS views, the one
        made longest ago is dropped (and made again when read)."""
        if self._views.get(snapshot.name) == snapshot:
            return
        with self._lock:
            if self._views.get(snapshot.name) == snapshot:
                self._views.move_to_end(snapshot.name)
                return
            listed = ", ".join(f'"{c}"' for c in [*META, *columns])
            files = ", ".join(_literal(p) for p in snapshot.opened)
            body = f"SELECT {listed} FROM read_parquet([{files}]) s"
            if snapshot.closed:
                closed = ", ".join(_literal(p) for p in snapshot.closed)
                body += (
                    f" WHERE NOT EXISTS (SELECT 1 FROM read_parquet([{closed}]) c"
                    " WHERE c._row_id = s._row_id AND c._to > s._from)"
                )
            with self._db.cursor() as ddl:
                ddl.execute(f'CREATE OR REPLACE VIEW "{DATA_SCHEMA}"."{snapshot.name}" AS {body}')
                self._views[snapshot.name] = snapshot
                while len(self._views) > MAX_VIEWS:
                    dropped, _ = self._views.popitem(last=False)
                    ddl.execute(f'DROP VIEW IF EXISTS "{DATA_SCHEMA}"."{dropped}"')

    async def rows(
        self, snapshot: Snapshot, columns: list[str], statements: list[Select[Any]]
    ) -> list[list[tuple[Any, ...]]]:
        """Each statement's rows, run in DuckDB over the snapshot (in a worker thread, at most
        ``threads`` at once, interrupted past the timeout or when the request goes away)."""
        compiled = [duckdb_sql(s) for s in statements]
        with self._lock:
            cursor = self._db.cursor()
        # The worker thread owns the cursor: it closes it. A timeout (a timer) or a client that
        # went away (the request's cancellation) stops it: the flag is checked before each
        # statement, and the running one is interrupted (never once the cursor is closed).
        stop = threading.Event()
        guard = threading.Lock()
        state = {"closed": False, "timed_out": False}

        def interrupt() -> None:
            stop.set()
            with guard:
                if not state["closed"]:
                    cursor.interrupt()

        def on_timeout() -> None:
            state["timed_out"] = True
            interrupt()

        def run() -> list[list[tuple[Any, ...]]]:
            timer = threading.Timer(self.timeout, on_timeout)
            timer.start()
            try:
                self._view(snapshot, columns)
                out = []
                for text, params in compiled:
                    if stop.is_set():
                        raise duckdb.InterruptException("stopped")
                    out.append(_utc(cursor.execute(text, params).fetchall()))
                return out
            except duckdb.InterruptException:
                if state["timed_out"]:
                    ANALYTIC_INTERRUPTS.labels("timeout").inc()
                    raise TimeoutError(f"past {self.timeout} s") from None
                ANALYTIC_INTERRUPTS.labels("cancelled").inc()
                raise
            finally:
                timer.cancel()
                with guard:
                    state["closed"] = True
                    cursor.close()

        try:
            return await anyio.to_thread.run_sync(
                run, limiter=self._limiter, abandon_on_cancel=True
            )
        except anyio.get_cancelled_exc_class():
            interrupt()  # the client went away: the abandoned worker stops at once
            raise


def _utc(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Times as PostgreSQL's session gives them here: in UTC (DuckDB gives local time)."""
    return [
        tuple(
            v.astimezone(UTC) if isinstance(v, datetime) and v.tzinfo is not None else v
            for v in row
        )
        for row in rows
    ]


async def on_snapshot(
    reading: Reading, prepared: Any, analytics: Analytics | None, statements: list[Select[Any]]
) -> list[list[tuple[Any, ...]]] | None:
    """Each statement's rows from DuckDB, or None when PostgreSQL is to answer; counts which
    engine answered (``analytic_reads_total``), and a DuckDB read past the timeout is a 504."""
    found = None
    if analytics is not None:
        try:
            found = await analytics.answer(reading, prepared, statements)
        except TimeoutError:
            raise ApiError(
                504,
                f"the read took longer than {analytics.timeout:g} s"
                " (PANELS_ANALYTICS_TIMEOUT_SECONDS); narrow the filter or the groups",
            ) from None
    ANALYTIC_READS.labels("postgres" if found is None else "duckdb").inc()
    return found


def _literal(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


__all__ = ["Analytics", "Snapshot", "on_snapshot"]
