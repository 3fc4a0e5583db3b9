"""Explicit state enums shared by the models, the API shapes and the pipelines."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    viewer = "viewer"
    editor = "editor"
    admin = "admin"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]

    def allows(self, required: Role) -> bool:
        return self.rank >= required.rank


_ROLE_RANK = {Role.viewer: 0, Role.editor: 1, Role.admin: 2}


class SourceKind(enum.StrEnum):
    file = "file"
    http = "http"
    sql = "sql"


class ColumnType(enum.StrEnum):
    text = "text"
    integer = "integer"
    number = "number"
    boolean = "boolean"
    date = "date"
    datetime = "datetime"
    json = "json"


class VersionStatus(enum.StrEnum):
    running = "running"
    published = "published"
    failed = "failed"
    superseded = "superseded"
    dropped = "dropped"


class TokenScope(enum.StrEnum):
    read = "read"
    write = "write"
    admin = "admin"
