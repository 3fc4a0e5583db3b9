from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.filter_operators_operators import FilterOperatorsOperators
    from ..models.filter_operators_types import FilterOperatorsTypes


T = TypeVar("T", bound="FilterOperators")


@_attrs_define
class FilterOperators:
    """
    Attributes:
        operators (FilterOperatorsOperators): Every operator, by name
        types (FilterOperatorsTypes): The operators of each column type
    """

    operators: FilterOperatorsOperators
    types: FilterOperatorsTypes
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        operators = self.operators.to_dict()

        types = self.types.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "operators": operators,
                "types": types,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.filter_operators_operators import FilterOperatorsOperators  # noqa: PLC0415
        from ..models.filter_operators_types import FilterOperatorsTypes  # noqa: PLC0415

        d = dict(src_dict)
        operators = FilterOperatorsOperators.from_dict(d.pop("operators"))

        types = FilterOperatorsTypes.from_dict(d.pop("types"))

        filter_operators = cls(
            operators=operators,
            types=types,
        )

        filter_operators.additional_properties = d
        return filter_operators

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
