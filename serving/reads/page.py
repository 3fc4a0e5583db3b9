"""One page of a version's rows: keyset or offset, its total, and the groups on it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import and_, column, func, or_, select, table
from sqlalchemy.exc import ProgrammingError

from core.clock import today
from core.storage import DATA_SCHEMA
from schemas.rows import RowGroup, RowsPage
from serving.http.errors import NotFound
from serving.memory.cache import Memo
from serving.reads.analytics import Analytics, on_snapshot
from serving.reads.prepare import Prepared
from serving.reads.rows import RowQuery, count, encode_cursor
from serving.reads.session import Reading


async def read_page(
    reading: Reading,
    prepared: Prepared,
    *,
    limit: int,
    offset: int,
    decoded: dict[str, Any] | None,
    counts: Memo,
    meta: bool = False,
    analytics: Analytics | None = None,
) -> RowsPage:
    """The page; ``counts`` memoises filtered totals per version (a version never changes).
    With ``analytics``, the total of a new filter and the group counts come from the
    version's snapshot (DuckDB) when it has one; the page itself is PostgreSQL's."""
    found, query = prepared.version, prepared.query
    rows: list[dict[str, Any]] = []
    try:
        for stmt, values in query.page_sql(offset=offset, cursor=decoded):
            rows += await stmt.rows(reading, **values, lim=limit + 1 - len(rows))
            if len(rows) > limit:
                break
    except ProgrammingError as exc:  # its table was dropped by retention meanwhile
        raise NotFound("version", found.number) from exc
    more = len(rows) > limit
    rows = rows[:limit]
    total = await _total(reading, prepared, decoded, counts, analytics)
    last = rows[-1] if more and rows else None
    next_cursor = (
        encode_cursor(found.number, query.sorts, last, total, query.group_by) if last else None
    )
    groups = None
    if query.group_by:
        groups = await group_counts(reading, query, rows, prepared, analytics)
    history = await row_history(reading, query, rows) if meta else None
    if query.extra:  # sort or group keys read but not shown
        rows = [{k: r[k] for k in query.columns} for r in rows]
    else:  # the page statements select _row_id, then the columns in order
        for row in rows:
            del row["_row_id"]
    if history is not None:
        for row, known in zip(rows, history, strict=True):
            row["_meta"] = known
    # Built from values the database typed and our own models: nothing to validate.
    return RowsPage.model_construct(
        data=rows,
        columns=prepared.columns,
        version=found.number,
        total=total,
        next_cursor=next_cursor,
        groups=groups,
    )


async def _total(
    reading: Reading,
    prepared: Prepared,
    decoded: dict[str, Any] | None,
    counts: Memo,
    analytics: Analytics | None = None,
) -> int | None:
    """A filtered read is counted once, on its first page; the cursor carries the total on:
    no count(*) on every page."""
    found = prepared.version
    if not prepared.filters:
        rows: int | None = found.row_count
        return rows
    if decoded is not None and decoded.get("t") is not None:
        return int(decoded["t"])
    key = (found.id, json.dumps([prepared.filters, today().isoformat()], default=str))
    total = counts.get(key)
    if total is None:
        stmt = count(prepared.query)
        answered = await on_snapshot(reading, prepared, analytics, [stmt])
        if answered is not None:
            total = int(answered[0][0][0])
        else:
            total = int((await reading.execute(stmt)).scalar_one())
        counts.put(key, total)
    return int(total)


async def row_history(
    reading: Reading, query: RowQuery, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each row's identity and the versions it first appeared and last changed in (a
    version published before versions shared a store knows only the identity)."""
    ids = [r["_row_id"] for r in rows]
    known: dict[int, tuple[int | None, int | None]] = {}
    if ids:
        versions = table(
            query.table_name,
            column("_row_id"),
            column("_created"),
            column("_changed"),
            schema=DATA_SCHEMA,
        )
        stmt = select(versions.c._row_id, versions.c._created, versions.c._changed).where(
            versions.c._row_id.in_(ids)
        )
        try:
            found = (await reading.execute(stmt)).all()
        except ProgrammingError:  # no such columns: a version from before (read last, so the
            found = []  # aborted transaction has nothing left to run)
        known = {int(r[0]): (r[1], r[2]) for r in found}
    return [
        {
            "id": i,
            "created_version": known.get(i, (None, None))[0],
            "changed_version": known.get(i, (None, None))[1],
        }
        for i in ids
    ]


async def group_counts(
    reading: Reading,
    query: RowQuery,
    rows: list[dict[str, Any]],
    prepared: Prepared | None = None,
    analytics: Analytics | None = None,
) -> list[RowGroup]:
    """The groups on this page, in page order, with their row counts over the whole result."""
    keys = query.group_by
    seen: dict[tuple[Any, ...], int] = {}
    for i, row in enumerate(rows):
        seen.setdefault(tuple(row[k] for k in keys), i)
    if not seen:
        return []
    cols = [query.table.c[k] for k in keys]
    wanted = or_(
        *(
            and_(*(c.is_not_distinct_from(v) for c, v in zip(cols, values, strict=True)))
            for values in seen
        )
    )
    stmt = select(*cols, func.count()).where(*query.where, wanted).group_by(*cols)
    answered = None
    if prepared is not None:
        answered = await on_snapshot(reading, prepared, analytics, [stmt])
    found = answered[0] if answered is not None else list((await reading.execute(stmt)).all())
    counts = {tuple(r[: len(keys)]): r[-1] for r in found}
    return [
        RowGroup(group=dict(zip(keys, values, strict=True)), count=counts.get(values, 0), start=i)
        for values, i in seen.items()
    ]
