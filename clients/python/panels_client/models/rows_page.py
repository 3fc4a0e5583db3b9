from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.column_info import ColumnInfo
    from ..models.row_group import RowGroup
    from ..models.rows_page_data_item import RowsPageDataItem


T = TypeVar("T", bound="RowsPage")


@_attrs_define
class RowsPage:
    """
    Attributes:
        columns (list[ColumnInfo]):
        data (list[RowsPageDataItem]):
        total (int | None): Rows in the version
        version (int | None): The panel version read; null before the first sync
        groups (list[RowGroup] | None | Unset): With group_by: the groups on this page, in order
        next_cursor (None | str | Unset): Pass as cursor= for the next page
    """

    columns: list[ColumnInfo]
    data: list[RowsPageDataItem]
    total: int | None
    version: int | None
    groups: list[RowGroup] | None | Unset = UNSET
    next_cursor: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        columns = []
        for columns_item_data in self.columns:
            columns_item = columns_item_data.to_dict()
            columns.append(columns_item)

        data = []
        for data_item_data in self.data:
            data_item = data_item_data.to_dict()
            data.append(data_item)

        total: int | None
        total = self.total

        version: int | None
        version = self.version

        groups: list[dict[str, Any]] | None | Unset
        if isinstance(self.groups, Unset):
            groups = UNSET
        elif isinstance(self.groups, list):
            groups = []
            for groups_type_0_item_data in self.groups:
                groups_type_0_item = groups_type_0_item_data.to_dict()
                groups.append(groups_type_0_item)

        else:
            groups = self.groups

        next_cursor: None | str | Unset
        if isinstance(self.next_cursor, Unset):
            next_cursor = UNSET
        else:
            next_cursor = self.next_cursor

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "columns": columns,
                "data": data,
                "total": total,
                "version": version,
            }
        )
        if groups is not UNSET:
            field_dict["groups"] = groups
        if next_cursor is not UNSET:
            field_dict["next_cursor"] = next_cursor

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.column_info import ColumnInfo  # noqa: PLC0415
        from ..models.row_group import RowGroup  # noqa: PLC0415
        from ..models.rows_page_data_item import RowsPageDataItem  # noqa: PLC0415

        d = dict(src_dict)
        columns = []
        _columns = d.pop("columns")
        for columns_item_data in _columns:
            columns_item = ColumnInfo.from_dict(columns_item_data)

            columns.append(columns_item)

        data = []
        _data = d.pop("data")
        for data_item_data in _data:
            data_item = RowsPageDataItem.from_dict(data_item_data)

            data.append(data_item)

        def _parse_total(data: object) -> int | None:
            if data is None:
                return data
            from typing import cast

            return cast(int | None, data)

        total = _parse_total(d.pop("total"))

        def _parse_version(data: object) -> int | None:
            if data is None:
                return data
            from typing import cast

            return cast(int | None, data)

        version = _parse_version(d.pop("version"))

        def _parse_groups(data: object) -> list[RowGroup] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                groups_type_0 = []
                _groups_type_0 = data
                for groups_type_0_item_data in _groups_type_0:
                    groups_type_0_item = RowGroup.from_dict(groups_type_0_item_data)

                    groups_type_0.append(groups_type_0_item)

                return groups_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(list[RowGroup] | None | Unset, data)

        groups = _parse_groups(d.pop("groups", UNSET))

        def _parse_next_cursor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        next_cursor = _parse_next_cursor(d.pop("next_cursor", UNSET))

        rows_page = cls(
            columns=columns,
            data=data,
            total=total,
            version=version,
            groups=groups,
            next_cursor=next_cursor,
        )

        rows_page.additional_properties = d
        return rows_page

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
