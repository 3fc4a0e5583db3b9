from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.sql_config_schema_drift import SqlConfigSchemaDrift
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.incremental_sync import IncrementalSync


T = TypeVar("T", bound="SqlConfig")


@_attrs_define
class SqlConfig:
    """One read-only SELECT (or WITH) statement; ``:cursor`` binds the incremental cursor.

    Attributes:
        query (str):
        schema_drift (SqlConfigSchemaDrift | Unset): New or missing fields: ignore them, add columns, or fail Default:
            SqlConfigSchemaDrift.IGNORE.
        sync (IncrementalSync | None | Unset):
        timeout_seconds (float | Unset):  Default: 300.0.
        transform (None | str | Unset): DuckDB SQL over the extract, seen as `source`
        url (None | str | Unset): Only without a password: use secrets.url
    """

    query: str
    schema_drift: SqlConfigSchemaDrift | Unset = SqlConfigSchemaDrift.IGNORE
    sync: IncrementalSync | None | Unset = UNSET
    timeout_seconds: float | Unset = 300.0
    transform: None | str | Unset = UNSET
    url: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.incremental_sync import IncrementalSync  # noqa: PLC0415

        query = self.query

        schema_drift: str | Unset = UNSET
        if not isinstance(self.schema_drift, Unset):
            schema_drift = self.schema_drift.value

        sync: dict[str, Any] | None | Unset
        if isinstance(self.sync, Unset):
            sync = UNSET
        elif isinstance(self.sync, IncrementalSync):
            sync = self.sync.to_dict()
        else:
            sync = self.sync

        timeout_seconds = self.timeout_seconds

        transform: None | str | Unset
        if isinstance(self.transform, Unset):
            transform = UNSET
        else:
            transform = self.transform

        url: None | str | Unset
        if isinstance(self.url, Unset):
            url = UNSET
        else:
            url = self.url

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "query": query,
            }
        )
        if schema_drift is not UNSET:
            field_dict["schema_drift"] = schema_drift
        if sync is not UNSET:
            field_dict["sync"] = sync
        if timeout_seconds is not UNSET:
            field_dict["timeout_seconds"] = timeout_seconds
        if transform is not UNSET:
            field_dict["transform"] = transform
        if url is not UNSET:
            field_dict["url"] = url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.incremental_sync import IncrementalSync  # noqa: PLC0415

        d = dict(src_dict)
        query = d.pop("query")

        _schema_drift = d.pop("schema_drift", UNSET)
        schema_drift: SqlConfigSchemaDrift | Unset
        if isinstance(_schema_drift, Unset):
            schema_drift = UNSET
        else:
            schema_drift = SqlConfigSchemaDrift(_schema_drift)

        def _parse_sync(data: object) -> IncrementalSync | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                sync_type_0 = IncrementalSync.from_dict(data)

                return sync_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(IncrementalSync | None | Unset, data)

        sync = _parse_sync(d.pop("sync", UNSET))

        timeout_seconds = d.pop("timeout_seconds", UNSET)

        def _parse_transform(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        transform = _parse_transform(d.pop("transform", UNSET))

        def _parse_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        url = _parse_url(d.pop("url", UNSET))

        sql_config = cls(
            query=query,
            schema_drift=schema_drift,
            sync=sync,
            timeout_seconds=timeout_seconds,
            transform=transform,
            url=url,
        )

        return sql_config
