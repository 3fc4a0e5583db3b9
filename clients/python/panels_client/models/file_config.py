from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.file_config_format_type_0 import FileConfigFormatType0
from ..models.file_config_schema_drift import FileConfigSchemaDrift
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.incremental_sync import IncrementalSync


T = TypeVar("T", bound="FileConfig")


@_attrs_define
class FileConfig:
    """A CSV, Parquet, JSON or NDJSON file under the data root (``path``) or at an http(s) URL.

    Attributes:
        delimiter (str | Unset):  Default: ','.
        format_ (FileConfigFormatType0 | None | Unset):
        null_values (list[str] | None | Unset):
        path (None | str | Unset):
        schema_drift (FileConfigSchemaDrift | Unset): New or missing fields: ignore them, add columns, or fail Default:
            FileConfigSchemaDrift.IGNORE.
        sync (IncrementalSync | None | Unset):
        timeout (float | Unset):  Default: 60.0.
        transform (None | str | Unset): DuckDB SQL over the extract, seen as `source`
        url (None | str | Unset):
    """

    delimiter: str | Unset = ","
    format_: FileConfigFormatType0 | None | Unset = UNSET
    null_values: list[str] | None | Unset = UNSET
    path: None | str | Unset = UNSET
    schema_drift: FileConfigSchemaDrift | Unset = FileConfigSchemaDrift.IGNORE
    sync: IncrementalSync | None | Unset = UNSET
    timeout: float | Unset = 60.0
    transform: None | str | Unset = UNSET
    url: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.incremental_sync import IncrementalSync  # noqa: PLC0415

        delimiter = self.delimiter

        format_: None | str | Unset
        if isinstance(self.format_, Unset):
            format_ = UNSET
        elif isinstance(self.format_, FileConfigFormatType0):
            format_ = self.format_.value
        else:
            format_ = self.format_

        null_values: list[str] | None | Unset
        if isinstance(self.null_values, Unset):
            null_values = UNSET
        elif isinstance(self.null_values, list):
            null_values = self.null_values

        else:
            null_values = self.null_values

        path: None | str | Unset
        if isinstance(self.path, Unset):
            path = UNSET
        else:
            path = self.path

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

        url: None | str | Unset
        if isinstance(self.url, Unset):
            url = UNSET
        else:
            url = self.url

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if delimiter is not UNSET:
            field_dict["delimiter"] = delimiter
        if format_ is not UNSET:
            field_dict["format"] = format_
        if null_values is not UNSET:
            field_dict["null_values"] = null_values
        if path is not UNSET:
            field_dict["path"] = path
        if schema_drift is not UNSET:
            field_dict["schema_drift"] = schema_drift
        if sync is not UNSET:
            field_dict["sync"] = sync
        if timeout is not UNSET:
            field_dict["timeout"] = timeout
        if transform is not UNSET:
            field_dict["transform"] = transform
        if url is not UNSET:
            field_dict["url"] = url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.incremental_sync import IncrementalSync  # noqa: PLC0415

        d = dict(src_dict)
        delimiter = d.pop("delimiter", UNSET)

        def _parse_format_(data: object) -> FileConfigFormatType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                format_type_0 = FileConfigFormatType0(data)

                return format_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(FileConfigFormatType0 | None | Unset, data)

        format_ = _parse_format_(d.pop("format", UNSET))

        def _parse_null_values(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                null_values_type_0 = cast(list[str], data)

                return null_values_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(list[str] | None | Unset, data)

        null_values = _parse_null_values(d.pop("null_values", UNSET))

        def _parse_path(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        path = _parse_path(d.pop("path", UNSET))

        _schema_drift = d.pop("schema_drift", UNSET)
        schema_drift: FileConfigSchemaDrift | Unset
        if isinstance(_schema_drift, Unset):
            schema_drift = UNSET
        else:
            schema_drift = FileConfigSchemaDrift(_schema_drift)

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

        def _parse_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        url = _parse_url(d.pop("url", UNSET))

        file_config = cls(
            delimiter=delimiter,
            format_=format_,
            null_values=null_values,
            path=path,
            schema_drift=schema_drift,
            sync=sync,
            timeout=timeout,
            transform=transform,
            url=url,
        )

        return file_config
