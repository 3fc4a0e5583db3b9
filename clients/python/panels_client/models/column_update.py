from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.column_type import ColumnType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.column_mapping import ColumnMapping


T = TypeVar("T", bound="ColumnUpdate")


@_attrs_define
class ColumnUpdate:
    """
    Attributes:
        formula (None | str | Unset):
        key (None | str | Unset):
        mapping (ColumnMapping | None | Unset):
        name (None | str | Unset):
        position (int | None | Unset):
        type_ (ColumnType | None | Unset):
    """

    formula: None | str | Unset = UNSET
    key: None | str | Unset = UNSET
    mapping: ColumnMapping | None | Unset = UNSET
    name: None | str | Unset = UNSET
    position: int | None | Unset = UNSET
    type_: ColumnType | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.column_mapping import ColumnMapping  # noqa: PLC0415

        formula: None | str | Unset
        if isinstance(self.formula, Unset):
            formula = UNSET
        else:
            formula = self.formula

        key: None | str | Unset
        if isinstance(self.key, Unset):
            key = UNSET
        else:
            key = self.key

        mapping: dict[str, Any] | None | Unset
        if isinstance(self.mapping, Unset):
            mapping = UNSET
        elif isinstance(self.mapping, ColumnMapping):
            mapping = self.mapping.to_dict()
        else:
            mapping = self.mapping

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        position: int | None | Unset
        if isinstance(self.position, Unset):
            position = UNSET
        else:
            position = self.position

        type_: None | str | Unset
        if isinstance(self.type_, Unset):
            type_ = UNSET
        elif isinstance(self.type_, ColumnType):
            type_ = self.type_.value
        else:
            type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if formula is not UNSET:
            field_dict["formula"] = formula
        if key is not UNSET:
            field_dict["key"] = key
        if mapping is not UNSET:
            field_dict["mapping"] = mapping
        if name is not UNSET:
            field_dict["name"] = name
        if position is not UNSET:
            field_dict["position"] = position
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.column_mapping import ColumnMapping  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_formula(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        formula = _parse_formula(d.pop("formula", UNSET))

        def _parse_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        key = _parse_key(d.pop("key", UNSET))

        def _parse_mapping(data: object) -> ColumnMapping | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                mapping_type_0 = ColumnMapping.from_dict(data)

                return mapping_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(ColumnMapping | None | Unset, data)

        mapping = _parse_mapping(d.pop("mapping", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_position(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(int | None | Unset, data)

        position = _parse_position(d.pop("position", UNSET))

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

        column_update = cls(
            formula=formula,
            key=key,
            mapping=mapping,
            name=name,
            position=position,
            type_=type_,
        )

        return column_update
