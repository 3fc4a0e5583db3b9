from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.column_type import ColumnType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.column_mapping import ColumnMapping


T = TypeVar("T", bound="ColumnCreate")


@_attrs_define
class ColumnCreate:
    """
    Attributes:
        key (str):
        name (str):
        type_ (ColumnType):
        formula (None | str | Unset):
        mapping (ColumnMapping | None | Unset):
        position (int | None | Unset):
    """

    key: str
    name: str
    type_: ColumnType
    formula: None | str | Unset = UNSET
    mapping: ColumnMapping | None | Unset = UNSET
    position: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.column_mapping import ColumnMapping  # noqa: PLC0415

        key = self.key

        name = self.name

        type_ = self.type_.value

        formula: None | str | Unset
        if isinstance(self.formula, Unset):
            formula = UNSET
        else:
            formula = self.formula

        mapping: dict[str, Any] | None | Unset
        if isinstance(self.mapping, Unset):
            mapping = UNSET
        elif isinstance(self.mapping, ColumnMapping):
            mapping = self.mapping.to_dict()
        else:
            mapping = self.mapping

        position: int | None | Unset
        if isinstance(self.position, Unset):
            position = UNSET
        else:
            position = self.position

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "key": key,
                "name": name,
                "type": type_,
            }
        )
        if formula is not UNSET:
            field_dict["formula"] = formula
        if mapping is not UNSET:
            field_dict["mapping"] = mapping
        if position is not UNSET:
            field_dict["position"] = position

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.column_mapping import ColumnMapping  # noqa: PLC0415

        d = dict(src_dict)
        key = d.pop("key")

        name = d.pop("name")

        type_ = ColumnType(d.pop("type"))

        def _parse_formula(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        formula = _parse_formula(d.pop("formula", UNSET))

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

        def _parse_position(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(int | None | Unset, data)

        position = _parse_position(d.pop("position", UNSET))

        column_create = cls(
            key=key,
            name=name,
            type_=type_,
            formula=formula,
            mapping=mapping,
            position=position,
        )

        return column_create
