from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.incremental_sync_mode import IncrementalSyncMode
from ..types import UNSET, Unset

T = TypeVar("T", bound="IncrementalSync")


@_attrs_define
class IncrementalSync:
    """``mode: incremental`` reads rows past the stored cursor and merges them by ``key``.

    Attributes:
        cursor_field (None | str | Unset):
        cursor_param (None | str | Unset): HTTP sources: the query parameter the cursor is sent as
        key (list[str] | Unset): Fields identifying a row
        mode (IncrementalSyncMode | Unset):  Default: IncrementalSyncMode.FULL.
    """

    cursor_field: None | str | Unset = UNSET
    cursor_param: None | str | Unset = UNSET
    key: list[str] | Unset = UNSET
    mode: IncrementalSyncMode | Unset = IncrementalSyncMode.FULL

    def to_dict(self) -> dict[str, Any]:
        cursor_field: None | str | Unset
        if isinstance(self.cursor_field, Unset):
            cursor_field = UNSET
        else:
            cursor_field = self.cursor_field

        cursor_param: None | str | Unset
        if isinstance(self.cursor_param, Unset):
            cursor_param = UNSET
        else:
            cursor_param = self.cursor_param

        key: list[str] | Unset = UNSET
        if not isinstance(self.key, Unset):
            key = self.key

        mode: str | Unset = UNSET
        if not isinstance(self.mode, Unset):
            mode = self.mode.value

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if cursor_field is not UNSET:
            field_dict["cursor_field"] = cursor_field
        if cursor_param is not UNSET:
            field_dict["cursor_param"] = cursor_param
        if key is not UNSET:
            field_dict["key"] = key
        if mode is not UNSET:
            field_dict["mode"] = mode

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_cursor_field(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        cursor_field = _parse_cursor_field(d.pop("cursor_field", UNSET))

        def _parse_cursor_param(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        cursor_param = _parse_cursor_param(d.pop("cursor_param", UNSET))

        key = cast(list[str], d.pop("key", UNSET))

        _mode = d.pop("mode", UNSET)
        mode: IncrementalSyncMode | Unset
        if isinstance(_mode, Unset):
            mode = UNSET
        else:
            mode = IncrementalSyncMode(_mode)

        incremental_sync = cls(
            cursor_field=cursor_field,
            cursor_param=cursor_param,
            key=key,
            mode=mode,
        )

        return incremental_sync
