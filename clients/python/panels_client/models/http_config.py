from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.http_config_schema_drift import HttpConfigSchemaDrift
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.http_config_params import HttpConfigParams
    from ..models.incremental_sync import IncrementalSync
    from ..models.pagination import Pagination


T = TypeVar("T", bound="HttpConfig")


@_attrs_define
class HttpConfig:
    """A JSON API: records at ``record_path`` of each page.

    Attributes:
        url (str):
        pagination (Pagination | Unset):
        params (HttpConfigParams | Unset):
        record_path (None | str | Unset): Dotted; empty: the body is a list
        retries (int | Unset):  Default: 5.
        schema_drift (HttpConfigSchemaDrift | Unset): New or missing fields: ignore them, add columns, or fail Default:
            HttpConfigSchemaDrift.IGNORE.
        sync (IncrementalSync | None | Unset):
        timeout (float | Unset):  Default: 30.0.
        transform (None | str | Unset): DuckDB SQL over the extract, seen as `source`
    """

    url: str
    pagination: Pagination | Unset = UNSET
    params: HttpConfigParams | Unset = UNSET
    record_path: None | str | Unset = UNSET
    retries: int | Unset = 5
    schema_drift: HttpConfigSchemaDrift | Unset = HttpConfigSchemaDrift.IGNORE
    sync: IncrementalSync | None | Unset = UNSET
    timeout: float | Unset = 30.0
    transform: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.incremental_sync import IncrementalSync  # noqa: PLC0415

        url = self.url

        pagination: dict[str, Any] | Unset = UNSET
        if not isinstance(self.pagination, Unset):
            pagination = self.pagination.to_dict()

        params: dict[str, Any] | Unset = UNSET
        if not isinstance(self.params, Unset):
            params = self.params.to_dict()

        record_path: None | str | Unset
        if isinstance(self.record_path, Unset):
            record_path = UNSET
        else:
            record_path = self.record_path

        retries = self.retries

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

        timeout = self.timeout

        transform: None | str | Unset
        if isinstance(self.transform, Unset):
            transform = UNSET
        else:
            transform = self.transform

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "url": url,
            }
        )
        if pagination is not UNSET:
            field_dict["pagination"] = pagination
        if params is not UNSET:
            field_dict["params"] = params
        if record_path is not UNSET:
            field_dict["record_path"] = record_path
        if retries is not UNSET:
            field_dict["retries"] = retries
        if schema_drift is not UNSET:
            field_dict["schema_drift"] = schema_drift
        if sync is not UNSET:
            field_dict["sync"] = sync
        if timeout is not UNSET:
            field_dict["timeout"] = timeout
        if transform is not UNSET:
            field_dict["transform"] = transform

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.http_config_params import HttpConfigParams  # noqa: PLC0415
        from ..models.incremental_sync import IncrementalSync  # noqa: PLC0415
        from ..models.pagination import Pagination  # noqa: PLC0415

        d = dict(src_dict)
        url = d.pop("url")

        _pagination = d.pop("pagination", UNSET)
        pagination: Pagination | Unset
        if isinstance(_pagination, Unset):
            pagination = UNSET
        else:
            pagination = Pagination.from_dict(_pagination)

        _params = d.pop("params", UNSET)
        params: HttpConfigParams | Unset
        if isinstance(_params, Unset):
            params = UNSET
        else:
            params = HttpConfigParams.from_dict(_params)

        def _parse_record_path(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        record_path = _parse_record_path(d.pop("record_path", UNSET))

        retries = d.pop("retries", UNSET)

        _schema_drift = d.pop("schema_drift", UNSET)
        schema_drift: HttpConfigSchemaDrift | Unset
        if isinstance(_schema_drift, Unset):
            schema_drift = UNSET
        else:
            schema_drift = HttpConfigSchemaDrift(_schema_drift)

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

        timeout = d.pop("timeout", UNSET)

        def _parse_transform(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        transform = _parse_transform(d.pop("transform", UNSET))

        http_config = cls(
            url=url,
            pagination=pagination,
            params=params,
            record_path=record_path,
            retries=retries,
            schema_drift=schema_drift,
            sync=sync,
            timeout=timeout,
            transform=transform,
        )

        return http_config
