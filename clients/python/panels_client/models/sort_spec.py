from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.sort_spec_direction import SortSpecDirection
from ..types import UNSET, Unset

T = TypeVar("T", bound="SortSpec")


@_attrs_define
class SortSpec:
    """
    Attributes:
        column (str):
        direction (SortSpecDirection | Unset):  Default: SortSpecDirection.ASC.
    """

    column: str
    direction: SortSpecDirection | Unset = SortSpecDirection.ASC

    def to_dict(self) -> dict[str, Any]:
        column = self.column

        direction: str | Unset = UNSET
        if not isinstance(self.direction, Unset):
            direction = self.direction.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "column": column,
            }
        )
        if direction is not UNSET:
            field_dict["direction"] = direction

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        column = d.pop("column")

        _direction = d.pop("direction", UNSET)
        direction: SortSpecDirection | Unset
        if isinstance(_direction, Unset):
            direction = UNSET
        else:
            direction = SortSpecDirection(_direction)

        sort_spec = cls(
            column=column,
            direction=direction,
        )

        return sort_spec
