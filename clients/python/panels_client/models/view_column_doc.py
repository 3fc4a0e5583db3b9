from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ViewColumnDoc")


@_attrs_define
class ViewColumnDoc:
    """
    Attributes:
        column (str):
        visible (bool | Unset):  Default: True.
        width (int | None | Unset):
    """

    column: str
    visible: bool | Unset = True
    width: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        column = self.column

        visible = self.visible

        width: int | None | Unset
        if isinstance(self.width, Unset):
            width = UNSET
        else:
            width = self.width

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "column": column,
            }
        )
        if visible is not UNSET:
            field_dict["visible"] = visible
        if width is not UNSET:
            field_dict["width"] = width

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        column = d.pop("column")

        visible = d.pop("visible", UNSET)

        def _parse_width(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(int | None | Unset, data)

        width = _parse_width(d.pop("width", UNSET))

        view_column_doc = cls(
            column=column,
            visible=visible,
            width=width,
        )

        return view_column_doc
