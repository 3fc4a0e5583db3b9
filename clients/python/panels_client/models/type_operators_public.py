from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TypeOperatorsPublic")


@_attrs_define
class TypeOperatorsPublic:
    """
    Attributes:
        editor (list[str]): Those the page's filter editor offers, in its order (the first is a new condition's)
        operators (list[str]): Every operator the column type takes, the editor's first
    """

    editor: list[str]
    operators: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        editor = self.editor

        operators = self.operators

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "editor": editor,
                "operators": operators,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        editor = cast(list[str], d.pop("editor"))

        operators = cast(list[str], d.pop("operators"))

        type_operators_public = cls(
            editor=editor,
            operators=operators,
        )

        type_operators_public.additional_properties = d
        return type_operators_public

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
