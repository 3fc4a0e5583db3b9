from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.source_kind import SourceKind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.source_public_config import SourcePublicConfig


T = TypeVar("T", bound="SourcePublic")


@_attrs_define
class SourcePublic:
    """
    Attributes:
        config (SourcePublicConfig):
        created_at (datetime.datetime):
        has_secrets (bool):
        id (UUID):
        kind (SourceKind):
        name (str):
        panel_id (UUID):
        updated_at (datetime.datetime):
        warnings (list[str] | Unset): Said when saved: what may stop a sync later (a file not there yet)
    """

    config: SourcePublicConfig
    created_at: datetime.datetime
    has_secrets: bool
    id: UUID
    kind: SourceKind
    name: str
    panel_id: UUID
    updated_at: datetime.datetime
    warnings: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        config = self.config.to_dict()

        created_at = self.created_at.isoformat()

        has_secrets = self.has_secrets

        id = str(self.id)

        kind = self.kind.value

        name = self.name

        panel_id = str(self.panel_id)

        updated_at = self.updated_at.isoformat()

        warnings: list[str] | Unset = UNSET
        if not isinstance(self.warnings, Unset):
            warnings = self.warnings

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "config": config,
                "created_at": created_at,
                "has_secrets": has_secrets,
                "id": id,
                "kind": kind,
                "name": name,
                "panel_id": panel_id,
                "updated_at": updated_at,
            }
        )
        if warnings is not UNSET:
            field_dict["warnings"] = warnings

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.source_public_config import SourcePublicConfig  # noqa: PLC0415

        d = dict(src_dict)
        config = SourcePublicConfig.from_dict(d.pop("config"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        has_secrets = d.pop("has_secrets")

        id = UUID(d.pop("id"))

        kind = SourceKind(d.pop("kind"))

        name = d.pop("name")

        panel_id = UUID(d.pop("panel_id"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        warnings = cast(list[str], d.pop("warnings", UNSET))

        source_public = cls(
            config=config,
            created_at=created_at,
            has_secrets=has_secrets,
            id=id,
            kind=kind,
            name=name,
            panel_id=panel_id,
            updated_at=updated_at,
            warnings=warnings,
        )

        source_public.additional_properties = d
        return source_public

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
