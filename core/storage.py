"""Names of the storage objects every layer shares: the data schema, the app role, tables."""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Final

DATA_SCHEMA: Final = "panel_data"  # panels' row stores, a view per version, rejects per version
APP_ROLE: Final = "panels_app"  # the role API requests run as, under row-level security


def table_names(panel_id: uuid.UUID, number: int) -> tuple[str, str]:
    """The rows table and the rejects table of version ``number`` of a panel."""
    return f"p_{panel_id.hex}_v{number}", f"r_{panel_id.hex}_v{number}"


def store_name(panel_id: uuid.UUID, generation: int) -> str:
    """The row store a panel's versions share from version ``generation`` on."""
    return f"s_{panel_id.hex}_g{generation}"


def snapshot_folder(root: Path, panel_id: uuid.UUID, store: str) -> Path:
    """Where the columnar snapshot of a store's versions lives: ``<root>/<panel>/<store>/``.

    Made only from a panel id and a store name the database gave (never from a request), so
    a path names one panel's snapshot and nothing else."""
    return root / panel_id.hex / store


def segment_files(number: int) -> tuple[str, str]:
    """Version ``number``'s segment of its store's snapshot: the row states it opened, and
    the identities of the states it closed (``_row_id``, ``_to``)."""
    return f"v{number}.parquet", f"v{number}.closed.parquet"


def base_file(number: int) -> str:
    """A *base* of a store's snapshot: every state version ``number`` reads, in one file.

    Written from PostgreSQL in the background, for a version whose segments are missing (it
    was published before snapshots, or a segment was lost), and to compact a store extended by
    many versions: version M then reads the newest base up to M plus the segments after it."""
    return f"base-v{number}.parquet"


BASE_FILE = re.compile(r"base-v(\d+)\.parquet")


@dataclass(frozen=True)
class Chain:
    """The files version M of a store reads: the opened states (a base first, if any), and
    the closed identities of the segments after the base (or after the store's first)."""

    opened: tuple[Path, ...]
    closed: tuple[Path, ...]
    base: int | None  # the version of the base read, if any
    segments: int  # the segments read after the base (or from the store's start)


def snapshot_chain(folder: Path, versions: list[tuple[int, bool]]) -> Chain | None:
    """What a version reads from ``folder``, or None when its snapshot is not complete.

    ``versions`` are the store's committed versions up to the one read, oldest first, each
    with whether its publish recorded a segment. The newest base at or before the version
    read whose later versions all have their segment on disk wins; without one, every version
    of the store must have its segment. Lists ``folder`` once (call it off the event loop)."""
    if not versions:
        return None
    try:
        names = set(os.listdir(folder))
    except OSError:
        return None
    numbers = [n for n, _ in versions]
    bases = sorted(
        (int(m.group(1)) for m in map(BASE_FILE.fullmatch, names) if m),
        reverse=True,
    )
    starts: list[int | None] = [b for b in bases if b in numbers]
    starts.append(None)
    for start in starts:
        after = [(n, recorded) for n, recorded in versions if start is None or n > start]
        files = [segment_files(n) for n, _ in after]
        if not all(recorded for _, recorded in after) or not all(
            opened in names and closed in names for opened, closed in files
        ):
            continue
        opened = [folder / o for o, _ in files]
        closed = [folder / c for _, c in files]
        if start is None:
            closed = closed[1:]  # the store's first version closed nothing in it
        else:
            opened.insert(0, folder / base_file(start))
        return Chain(tuple(opened), tuple(closed), start, len(after))
    return None


TENANT_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def tenant_files(data_root: Path, tenant_slug: str) -> Path:
    """The folder a tenant's file sources read from, ``<data root>/<tenant slug>/``.

    A file source's path is relative to it and may not leave it: one tenant never names
    another's files.
    """
    if not TENANT_SLUG.fullmatch(tenant_slug):
        raise ValueError(f"{tenant_slug!r} is not a tenant slug")
    return data_root / tenant_slug
