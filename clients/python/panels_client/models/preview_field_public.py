from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.column_type import ColumnType

T = TypeVar("T", bound="PreviewFieldPublic")


@_attrs_define
class PreviewFieldPublic:
    """
    Attributes:
        examples (list[Any]): A few distinct values, in the order read
        name (str): A column mapping's field: a name, or a dotted JSON path
        nulls (int): Null values among the rows read
        type_ (ColumnType):
    """

    examples: list[Any]
    name: str
    nulls: int
    type_: ColumnType
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        examples = self.examples

        name = self.name

        nulls = self.nulls

        type_ = self.type_.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "examples": examples,
                "name": name,
                "nulls": nulls,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        examples = cast(list[Any], d.pop("examples"))

        name = d.pop("name")

        nulls = d.pop("nulls")

        type_ = ColumnType(d.pop("type"))

        preview_field_public = cls(
            examples=examples,
            name=name,
            nulls=nulls,
            type_=type_,
        )

        preview_field_public.additional_properties = d
        return preview_field_public

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
