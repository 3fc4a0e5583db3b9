from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.row_group_group import RowGroupGroup


T = TypeVar("T", bound="RowGroup")


@_attrs_define
class RowGroup:
    """
    Attributes:
        count (int): Rows in this group over the whole (filtered) result
        group (RowGroupGroup):
        start (int): Index in data of the group's first row on this page
    """

    count: int
    group: RowGroupGroup
    start: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        count = self.count

        group = self.group.to_dict()

        start = self.start

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "count": count,
                "group": group,
                "start": start,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.row_group_group import RowGroupGroup  # noqa: PLC0415

        d = dict(src_dict)
        count = d.pop("count")

        group = RowGroupGroup.from_dict(d.pop("group"))

        start = d.pop("start")

        row_group = cls(
            count=count,
            group=group,
            start=start,
        )

        row_group.additional_properties = d
        return row_group

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
