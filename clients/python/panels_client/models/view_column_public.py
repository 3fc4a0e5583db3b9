from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ViewColumnPublic")


@_attrs_define
class ViewColumnPublic:
    """
    Attributes:
        column_id (UUID):
        position (int):
        visible (bool):
        width (int | None):
    """

    column_id: UUID
    position: int
    visible: bool
    width: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        column_id = str(self.column_id)

        position = self.position

        visible = self.visible

        width: int | None
        width = self.width

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "column_id": column_id,
                "position": position,
                "visible": visible,
                "width": width,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        column_id = UUID(d.pop("column_id"))

        position = d.pop("position")

        visible = d.pop("visible")

        def _parse_width(data: object) -> int | None:
            if data is None:
                return data
            from typing import cast

            return cast(int | None, data)

        width = _parse_width(d.pop("width"))

        view_column_public = cls(
            column_id=column_id,
            position=position,
            visible=visible,
            width=width,
        )

        view_column_public.additional_properties = d
        return view_column_public

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
