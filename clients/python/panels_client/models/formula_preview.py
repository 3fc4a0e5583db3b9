from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.column_type import ColumnType
from ..types import UNSET, Unset

T = TypeVar("T", bound="FormulaPreview")


@_attrs_define
class FormulaPreview:
    """A formula checked against the panel's columns and evaluated over the first rows of its
    current version; nothing is saved.

        Attributes:
            formula (str):
            key (None | str | Unset): The column being edited, when it exists: the formula replaces its own, and using
                itself is a cycle
            limit (int | Unset): Rows evaluated Default: 20.
            type_ (ColumnType | None | Unset): The column type it would fill (checked as a save would); default: the
                formula's own type
    """

    formula: str
    key: None | str | Unset = UNSET
    limit: int | Unset = 20
    type_: ColumnType | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        formula = self.formula

        key: None | str | Unset
        if isinstance(self.key, Unset):
            key = UNSET
        else:
            key = self.key

        limit = self.limit

        type_: None | str | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        elif isinstance(self.type_, ColumnType):
            type_ = self.type_.value
        else:
            type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "formula": formula,
            }
        )
        if key is not UNSET:
            field_dict["key"] = key
        if limit is not UNSET:
            field_dict["limit"] = limit
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        formula = d.pop("formula")

        def _parse_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        key = _parse_key(d.pop("key", UNSET))

        limit = d.pop("limit", UNSET)

        def _parse_type_(data: object) -> ColumnType | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                type_type_0 = ColumnType(data)

                return type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(ColumnType | None | Unset, data)

        type_ = _parse_type_(d.pop("type", UNSET))

        formula_preview = cls(
            formula=formula,
            key=key,
            limit=limit,
            type_=type_,
        )

        return formula_preview
