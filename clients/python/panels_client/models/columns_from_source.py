from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ColumnsFromSource")


@_attrs_define
class ColumnsFromSource:
    """Map a source's fields to new columns, typed from a preview of its first rows.

    Attributes:
        fields (list[str] | None | Unset): Only these fields (default: every field)
        limit (int | Unset): Rows read to infer types Default: 1000.
        source (None | str | Unset): The source's name; may be left out when the panel has one
        timeout (float | Unset):  Default: 10.0.
    """

    fields: list[str] | None | Unset = UNSET
    limit: int | Unset = 1000
    source: None | str | Unset = UNSET
    timeout: float | Unset = 10.0

    def to_dict(self) -> dict[str, Any]:
        fields: list[str] | None | Unset
        if isinstance(self.fields, Unset):
            fields = UNSET
        elif isinstance(self.fields, list):
            fields = self.fields

        else:
            fields = self.fields

        limit = self.limit

        source: None | str | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        else:
            source = self.source

        timeout = self.timeout

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if fields is not UNSET:
            field_dict["fields"] = fields
        if limit is not UNSET:
            field_dict["limit"] = limit
        if source is not UNSET:
            field_dict["source"] = source
        if timeout is not UNSET:
            field_dict["timeout"] = timeout

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_fields(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                fields_type_0 = cast(list[str], data)

                return fields_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(list[str] | None | Unset, data)

        fields = _parse_fields(d.pop("fields", UNSET))

        limit = d.pop("limit", UNSET)

        def _parse_source(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        source = _parse_source(d.pop("source", UNSET))

        timeout = d.pop("timeout", UNSET)

        columns_from_source = cls(
            fields=fields,
            limit=limit,
            source=source,
            timeout=timeout,
        )

        return columns_from_source
