from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.column_public import ColumnPublic
    from ..models.skipped_field import SkippedField


T = TypeVar("T", bound="ColumnsFromSourcePublic")


@_attrs_define
class ColumnsFromSourcePublic:
    """
    Attributes:
        created (list[ColumnPublic]):
        skipped (list[SkippedField]): Fields a column already maps
    """

    created: list[ColumnPublic]
    skipped: list[SkippedField]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created = []
        for created_item_data in self.created:
            created_item = created_item_data.to_dict()
            created.append(created_item)

        skipped = []
        for skipped_item_data in self.skipped:
            skipped_item = skipped_item_data.to_dict()
            skipped.append(skipped_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created": created,
                "skipped": skipped,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.column_public import ColumnPublic  # noqa: PLC0415
        from ..models.skipped_field import SkippedField  # noqa: PLC0415

        d = dict(src_dict)
        created = []
        _created = d.pop("created")
        for created_item_data in _created:
            created_item = ColumnPublic.from_dict(created_item_data)

            created.append(created_item)

        skipped = []
        _skipped = d.pop("skipped")
        for skipped_item_data in _skipped:
            skipped_item = SkippedField.from_dict(skipped_item_data)

            skipped.append(skipped_item)

        columns_from_source_public = cls(
            created=created,
            skipped=skipped,
        )

        columns_from_source_public.additional_properties = d
        return columns_from_source_public

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
