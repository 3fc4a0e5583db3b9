from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ViewColumnIn")


@_attrs_define
class ViewColumnIn:
    """A shown column, by its id or its key.

    Attributes:
        column (None | str | Unset): The column's key
        column_id (None | Unset | UUID):
        visible (bool | Unset):  Default: True.
        width (int | None | Unset):
    """

    column: None | str | Unset = UNSET
    column_id: None | Unset | UUID = UNSET
    visible: bool | Unset = True
    width: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        column: None | str | Unset
        if isinstance(self.column, Unset):
            column = UNSET
        else:
            column = self.column

        column_id: None | str | Unset
        if isinstance(self.column_id, Unset):
            column_id = UNSET
        elif isinstance(self.column_id, UUID):
            column_id = str(self.column_id)
        else:
            column_id = self.column_id

        visible = self.visible

        width: int | None | Unset
        if isinstance(self.width, Unset):
            width = UNSET
        else:
            width = self.width

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if column is not UNSET:
            field_dict["column"] = column
        if column_id is not UNSET:
            field_dict["column_id"] = column_id
        if visible is not UNSET:
            field_dict["visible"] = visible
        if width is not UNSET:
            field_dict["width"] = width

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_column(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        column = _parse_column(d.pop("column", UNSET))

        def _parse_column_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                column_id_type_0 = UUID(data)

                return column_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(None | Unset | UUID, data)

        column_id = _parse_column_id(d.pop("column_id", UNSET))

        visible = d.pop("visible", UNSET)

        def _parse_width(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(int | None | Unset, data)

        width = _parse_width(d.pop("width", UNSET))

        view_column_in = cls(
            column=column,
            column_id=column_id,
            visible=visible,
            width=width,
        )

        return view_column_in
