"""Where columnar snapshots live: a local folder, or object storage through fsspec.

``PANELS_SNAPSHOT_ROOT`` is a folder (one machine, or a shared mount) or a URL fsspec knows
(``s3://bucket/prefix`` with ``s3fs`` installed, ``gs://``, ``az://``; ``memory://`` in
tests). Publishes write each file locally and move it into place (a rename on a folder, one
upload to object storage: a reader sees a whole file or none); API processes list a store's
folder and hand DuckDB the files' URLs (it reads object storage through the same fsspec
filesystem, registered on its connection).

A store's folder is ``<root>/<panel id>/<store>/``, made only from a panel id and a store
name the database gave (never from a request), so a path names one panel's snapshot and
nothing else (:func:`core.storage.segment_files`, :func:`core.storage.base_file`).
"""

from __future__ import annotations

import contextlib
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

from core.storage import BASE_FILE, base_file, segment_files


@dataclass(frozen=True)
class Chain:
    """The files version M of a store reads: the opened states (a base first, if any), and
    the closed identities of the segments after the base (or after the store's first)."""

    opened: tuple[str, ...]
    closed: tuple[str, ...]
    base: int | None  # the version of the base read, if any
    segments: int  # the segments read after the base (or from the store's start)


class SnapshotRoot:
    """The snapshot root ``url``: a folder or an fsspec URL."""

    def __init__(self, url: str | Path) -> None:
        self.url = str(url)
        fs, path = fsspec.core.url_to_fs(self.url)
        self.fs: Any = fs
        self.path: str = str(path).rstrip("/")
        self.local = isinstance(fs, LocalFileSystem)

    def __repr__(self) -> str:
        return f"SnapshotRoot({self.url!r})"

    def folder(self, panel_id: uuid.UUID, store: str) -> str:
        """A store's folder (a path of the root's filesystem)."""
        return f"{self.path}/{panel_id.hex}/{store}"

    def uri(self, path: str) -> str:
        """What DuckDB reads for ``path``: the path itself, or its URL on object storage."""
        return path if self.local else str(self.fs.unstrip_protocol(path))

    def names(self, folder: str) -> set[str] | None:
        """The file names in ``folder``, or None when it does not exist."""
        try:
            return {str(p).rsplit("/", 1)[-1] for p in self.fs.ls(folder, detail=False)}
        except (FileNotFoundError, NotADirectoryError):
            return None

    def stores(self, panel_id: uuid.UUID) -> list[str]:
        """The store folders a panel has (what retention compares with its kept stores)."""
        try:
            listed = self.fs.ls(f"{self.path}/{panel_id.hex}", detail=False)
        except FileNotFoundError:
            return []
        return [str(p).rstrip("/").rsplit("/", 1)[-1] for p in listed]

    def panels(self) -> list[uuid.UUID]:
        """The panels with a folder under the root (other names are ignored)."""
        try:
            listed = self.fs.ls(self.path, detail=False)
        except FileNotFoundError:
            return []
        out = []
        for path in listed:
            try:
                out.append(uuid.UUID(hex=str(path).rstrip("/").rsplit("/", 1)[-1]))
            except ValueError:
                continue
        return out

    def remove_panel(self, panel_id: uuid.UUID) -> None:
        """Remove a panel's folder, every store in it."""
        self._remove(f"{self.path}/{panel_id.hex}")

    def staging(self, panel_id: uuid.UUID, store: str, scratch: Path) -> Path:
        """A local folder a publish writes a store's files in before :meth:`put`: the store's
        own folder on a local root (a rename then moves them), else one under ``scratch``."""
        if self.local:
            folder = Path(self.folder(panel_id, store))
        else:
            folder = scratch / "snapshots" / panel_id.hex / store
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def put(self, written: Path, panel_id: uuid.UUID, store: str, name: str) -> int:
        """Move the local file ``written`` into the store's folder as ``name`` (whole or not
        at all, as readers see it); returns its bytes."""
        size = written.stat().st_size
        target = f"{self.folder(panel_id, store)}/{name}"
        if self.local:
            written.replace(target)
        else:
            self.fs.put_file(str(written), target)
            written.unlink()
        return size

    def remove(self, panel_id: uuid.UUID, store: str) -> None:
        """Remove a store's folder (never an error: a file a reader still holds open, as NFS
        keeps ``.nfs`` files, goes next time)."""
        self._remove(self.folder(panel_id, store))

    def _remove(self, folder: str) -> None:
        if self.local:
            shutil.rmtree(folder, ignore_errors=True)
            return
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm(folder, recursive=True)

    def chain(
        self, panel_id: uuid.UUID, store: str, versions: list[tuple[int, bool]]
    ) -> Chain | None:
        """What a version reads, or None when its snapshot is not complete.

        ``versions`` are the store's committed versions up to the one read, oldest first,
        each with whether its publish recorded a segment. The newest base at or before the
        version read whose later versions all have their segment wins; without one, every
        version of the store must have its segment. Lists the store's folder once (call it off
        the event loop)."""
        if not versions:
            return None
        folder = self.folder(panel_id, store)
        names = self.names(folder)
        if names is None:
            return None
        numbers = {n for n, _ in versions}
        bases = sorted(
            (int(m.group(1)) for m in map(BASE_FILE.fullmatch, names) if m), reverse=True
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
            opened = [self.uri(f"{folder}/{o}") for o, _ in files]
            closed = [self.uri(f"{folder}/{c}") for _, c in files]
            if start is None:
                closed = closed[1:]  # the store's first version closed nothing in it
            else:
                opened.insert(0, self.uri(f"{folder}/{base_file(start)}"))
            return Chain(tuple(opened), tuple(closed), start, len(after))
        return None
