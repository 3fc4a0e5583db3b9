from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="TokenRequest")


@_attrs_define
class TokenRequest:
    """
    Attributes:
        email (str):
        password (str):
        tenant (str):
    """

    email: str
    password: str
    tenant: str

    def to_dict(self) -> dict[str, Any]:
        email = self.email

        password = self.password

        tenant = self.tenant

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "email": email,
                "password": password,
                "tenant": tenant,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        email = d.pop("email")

        password = d.pop("password")

        tenant = d.pop("tenant")

        token_request = cls(
            email=email,
            password=password,
            tenant=tenant,
        )

        return token_request
