from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.role import Role

T = TypeVar("T", bound="Me")


@_attrs_define
class Me:
    """
    Attributes:
        role (Role):
        tenant_id (UUID):
        tenant_slug (str):
        user_id (UUID):
        via (str):
    """

    role: Role
    tenant_id: UUID
    tenant_slug: str
    user_id: UUID
    via: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        role = self.role.value

        tenant_id = str(self.tenant_id)

        tenant_slug = self.tenant_slug

        user_id = str(self.user_id)

        via = self.via

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "role": role,
                "tenant_id": tenant_id,
                "tenant_slug": tenant_slug,
                "user_id": user_id,
                "via": via,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        role = Role(d.pop("role"))

        tenant_id = UUID(d.pop("tenant_id"))

        tenant_slug = d.pop("tenant_slug")

        user_id = UUID(d.pop("user_id"))

        via = d.pop("via")

        me = cls(
            role=role,
            tenant_id=tenant_id,
            tenant_slug=tenant_slug,
            user_id=user_id,
            via=via,
        )

        me.additional_properties = d
        return me

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
