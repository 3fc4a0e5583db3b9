from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.role import Role
from ..types import UNSET, Unset

T = TypeVar("T", bound="UserCreated")


@_attrs_define
class UserCreated:
    """
    Attributes:
        created_at (datetime.datetime):
        email (str):
        id (UUID):
        is_active (bool):
        role (Role):
        generated_password (None | str | Unset):
    """

    created_at: datetime.datetime
    email: str
    id: UUID
    is_active: bool
    role: Role
    generated_password: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        email = self.email

        id = str(self.id)

        is_active = self.is_active

        role = self.role.value

        generated_password: None | str | Unset
        if isinstance(self.generated_password, Unset):
            generated_password = UNSET
        else:
            generated_password = self.generated_password

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "email": email,
                "id": id,
                "is_active": is_active,
                "role": role,
            }
        )
        if generated_password is not UNSET:
            field_dict["generated_password"] = generated_password

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        email = d.pop("email")

        id = UUID(d.pop("id"))

        is_active = d.pop("is_active")

        role = Role(d.pop("role"))

        def _parse_generated_password(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        generated_password = _parse_generated_password(
            d.pop("generated_password", UNSET)
        )

        user_created = cls(
            created_at=created_at,
            email=email,
            id=id,
            is_active=is_active,
            role=role,
            generated_password=generated_password,
        )

        user_created.additional_properties = d
        return user_created

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
