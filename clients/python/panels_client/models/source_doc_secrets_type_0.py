from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.secret_ref import SecretRef
    from ..models.source_doc_secrets_type_0_additional_property_type_1 import (
        SourceDocSecretsType0AdditionalPropertyType1,
    )


T = TypeVar("T", bound="SourceDocSecretsType0")


@_attrs_define
class SourceDocSecretsType0:
    additional_properties: dict[
        str, SecretRef | SourceDocSecretsType0AdditionalPropertyType1
    ] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.secret_ref import SecretRef  # noqa: PLC0415

        field_dict: dict[str, Any] = {}
        for prop_name, prop in self.additional_properties.items():
            if isinstance(prop, SecretRef):
                field_dict[prop_name] = prop.to_dict()
            else:
                field_dict[prop_name] = prop.to_dict()

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.secret_ref import SecretRef  # noqa: PLC0415
        from ..models.source_doc_secrets_type_0_additional_property_type_1 import (
            SourceDocSecretsType0AdditionalPropertyType1,  # noqa: PLC0415
        )

        d = dict(src_dict)
        source_doc_secrets_type_0 = cls()

        additional_properties = {}
        for prop_name, prop_dict in d.items():

            def _parse_additional_property(
                data: object,
            ) -> SecretRef | SourceDocSecretsType0AdditionalPropertyType1:
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    additional_property_type_0 = SecretRef.from_dict(data)

                    return additional_property_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                additional_property_type_1 = (
                    SourceDocSecretsType0AdditionalPropertyType1.from_dict(data)
                )

                return additional_property_type_1

            additional_property = _parse_additional_property(prop_dict)

            additional_properties[prop_name] = additional_property

        source_doc_secrets_type_0.additional_properties = additional_properties
        return source_doc_secrets_type_0

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(
        self, key: str
    ) -> SecretRef | SourceDocSecretsType0AdditionalPropertyType1:
        return self.additional_properties[key]

    def __setitem__(
        self, key: str, value: SecretRef | SourceDocSecretsType0AdditionalPropertyType1
    ) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
