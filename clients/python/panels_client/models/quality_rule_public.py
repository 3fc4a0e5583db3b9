from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.quality_rule_public_params import QualityRulePublicParams


T = TypeVar("T", bound="QualityRulePublic")


@_attrs_define
class QualityRulePublic:
    """
    Attributes:
        column (None | str):
        created_at (datetime.datetime):
        id (UUID):
        kind (str):
        name (str):
        panel_id (UUID):
        params (QualityRulePublicParams):
        severity (str):
        updated_at (datetime.datetime):
    """

    column: None | str
    created_at: datetime.datetime
    id: UUID
    kind: str
    name: str
    panel_id: UUID
    params: QualityRulePublicParams
    severity: str
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        column: None | str
        column = self.column

        created_at = self.created_at.isoformat()

        id = str(self.id)

        kind = self.kind

        name = self.name

        panel_id = str(self.panel_id)

        params = self.params.to_dict()

        severity = self.severity

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "column": column,
                "created_at": created_at,
                "id": id,
                "kind": kind,
                "name": name,
                "panel_id": panel_id,
                "params": params,
                "severity": severity,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.quality_rule_public_params import QualityRulePublicParams  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_column(data: object) -> None | str:
            if data is None:
                return data
            from typing import cast

            return cast(None | str, data)

        column = _parse_column(d.pop("column"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = UUID(d.pop("id"))

        kind = d.pop("kind")

        name = d.pop("name")

        panel_id = UUID(d.pop("panel_id"))

        params = QualityRulePublicParams.from_dict(d.pop("params"))

        severity = d.pop("severity")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        quality_rule_public = cls(
            column=column,
            created_at=created_at,
            id=id,
            kind=kind,
            name=name,
            panel_id=panel_id,
            params=params,
            severity=severity,
            updated_at=updated_at,
        )

        quality_rule_public.additional_properties = d
        return quality_rule_public

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
