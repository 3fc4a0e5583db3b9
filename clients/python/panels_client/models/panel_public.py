from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PanelPublic")


@_attrs_define
class PanelPublic:
    """
    Attributes:
        created_at (datetime.datetime):
        current_version_id (None | UUID):
        description (str):
        id (UUID):
        name (str):
        refresh_cron (None | str):
        slug (str):
        strict (bool):
        timezone (str):
        updated_at (datetime.datetime):
    """

    created_at: datetime.datetime
    current_version_id: None | UUID
    description: str
    id: UUID
    name: str
    refresh_cron: None | str
    slug: str
    strict: bool
    timezone: str
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        current_version_id: None | str
        if isinstance(self.current_version_id, UUID):
            current_version_id = str(self.current_version_id)
        else:
            current_version_id = self.current_version_id

        description = self.description

        id = str(self.id)

        name = self.name

        refresh_cron: None | str
        refresh_cron = self.refresh_cron

        slug = self.slug

        strict = self.strict

        timezone = self.timezone

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "current_version_id": current_version_id,
                "description": description,
                "id": id,
                "name": name,
                "refresh_cron": refresh_cron,
                "slug": slug,
                "strict": strict,
                "timezone": timezone,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_current_version_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                current_version_id_type_0 = UUID(data)

                return current_version_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(None | UUID, data)

        current_version_id = _parse_current_version_id(d.pop("current_version_id"))

        description = d.pop("description")

        id = UUID(d.pop("id"))

        name = d.pop("name")

        def _parse_refresh_cron(data: object) -> None | str:
            if data is None:
                return data
            from typing import cast

            return cast(None | str, data)

        refresh_cron = _parse_refresh_cron(d.pop("refresh_cron"))

        slug = d.pop("slug")

        strict = d.pop("strict")

        timezone = d.pop("timezone")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        panel_public = cls(
            created_at=created_at,
            current_version_id=current_version_id,
            description=description,
            id=id,
            name=name,
            refresh_cron=refresh_cron,
            slug=slug,
            strict=strict,
            timezone=timezone,
            updated_at=updated_at,
        )

        panel_public.additional_properties = d
        return panel_public

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
