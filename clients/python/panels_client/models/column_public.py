from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.column_type import ColumnType

if TYPE_CHECKING:
    from ..models.column_mapping import ColumnMapping


T = TypeVar("T", bound="ColumnPublic")


@_attrs_define
class ColumnPublic:
    """
    Attributes:
        created_at (datetime.datetime):
        formula (None | str):
        id (UUID):
        key (str):
        mapping (ColumnMapping | None):
        name (str):
        panel_id (UUID):
        position (int):
        type_ (ColumnType):
        updated_at (datetime.datetime):
    """

    created_at: datetime.datetime
    formula: None | str
    id: UUID
    key: str
    mapping: ColumnMapping | None
    name: str
    panel_id: UUID
    position: int
    type_: ColumnType
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.column_mapping import ColumnMapping  # noqa: PLC0415

        created_at = self.created_at.isoformat()

        formula: None | str
        formula = self.formula

        id = str(self.id)

        key = self.key

        mapping: dict[str, Any] | None
        if isinstance(self.mapping, ColumnMapping):
            mapping = self.mapping.to_dict()
        else:
            mapping = self.mapping

        name = self.name

        panel_id = str(self.panel_id)

        position = self.position

        type_ = self.type_.value

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "formula": formula,
                "id": id,
                "key": key,
                "mapping": mapping,
                "name": name,
                "panel_id": panel_id,
                "position": position,
                "type": type_,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.column_mapping import ColumnMapping  # noqa: PLC0415

        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_formula(data: object) -> None | str:
            if data is None:
                return data
            from typing import cast

            return cast(None | str, data)

        formula = _parse_formula(d.pop("formula"))

        id = UUID(d.pop("id"))

        key = d.pop("key")

        def _parse_mapping(data: object) -> ColumnMapping | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                mapping_type_0 = ColumnMapping.from_dict(data)

                return mapping_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(ColumnMapping | None, data)

        mapping = _parse_mapping(d.pop("mapping"))

        name = d.pop("name")

        panel_id = UUID(d.pop("panel_id"))

        position = d.pop("position")

        type_ = ColumnType(d.pop("type"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        column_public = cls(
            created_at=created_at,
            formula=formula,
            id=id,
            key=key,
            mapping=mapping,
            name=name,
            panel_id=panel_id,
            position=position,
            type_=type_,
            updated_at=updated_at,
        )

        column_public.additional_properties = d
        return column_public

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
