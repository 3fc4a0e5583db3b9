from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.group_public_group import GroupPublicGroup
    from ..models.group_public_values import GroupPublicValues


T = TypeVar("T", bound="GroupPublic")


@_attrs_define
class GroupPublic:
    """
    Attributes:
        group (GroupPublicGroup):
        values (GroupPublicValues):
    """

    group: GroupPublicGroup
    values: GroupPublicValues
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        group = self.group.to_dict()

        values = self.values.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "group": group,
                "values": values,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.group_public_group import GroupPublicGroup  # noqa: PLC0415
        from ..models.group_public_values import GroupPublicValues  # noqa: PLC0415

        d = dict(src_dict)
        group = GroupPublicGroup.from_dict(d.pop("group"))

        values = GroupPublicValues.from_dict(d.pop("values"))

        group_public = cls(
            group=group,
            values=values,
        )

        group_public.additional_properties = d
        return group_public

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
