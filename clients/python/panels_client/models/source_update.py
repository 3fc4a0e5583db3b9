from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.source_update_config_type_0 import SourceUpdateConfigType0
    from ..models.source_update_secrets_type_0 import SourceUpdateSecretsType0


T = TypeVar("T", bound="SourceUpdate")


@_attrs_define
class SourceUpdate:
    """
    Attributes:
        config (None | SourceUpdateConfigType0 | Unset): The whole new config, in the shape of the source's kind
        name (None | str | Unset):
        secrets (None | SourceUpdateSecretsType0 | Unset):
    """

    config: None | SourceUpdateConfigType0 | Unset = UNSET
    name: None | str | Unset = UNSET
    secrets: None | SourceUpdateSecretsType0 | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.source_update_config_type_0 import SourceUpdateConfigType0  # noqa: PLC0415
        from ..models.source_update_secrets_type_0 import SourceUpdateSecretsType0  # noqa: PLC0415

        config: dict[str, Any] | None | Unset
        if isinstance(self.config, Unset):
            config = UNSET
        elif isinstance(self.config, SourceUpdateConfigType0):
            config = self.config.to_dict()
        else:
            config = self.config

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        secrets: dict[str, Any] | None | Unset
        if isinstance(self.secrets, Unset):
            secrets = UNSET
        elif isinstance(self.secrets, SourceUpdateSecretsType0):
            secrets = self.secrets.to_dict()
        else:
            secrets = self.secrets

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if config is not UNSET:
            field_dict["config"] = config
        if name is not UNSET:
            field_dict["name"] = name
        if secrets is not UNSET:
            field_dict["secrets"] = secrets

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.source_update_config_type_0 import SourceUpdateConfigType0  # noqa: PLC0415
        from ..models.source_update_secrets_type_0 import SourceUpdateSecretsType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_config(data: object) -> None | SourceUpdateConfigType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                config_type_0 = SourceUpdateConfigType0.from_dict(data)

                return config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(None | SourceUpdateConfigType0 | Unset, data)

        config = _parse_config(d.pop("config", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_secrets(data: object) -> None | SourceUpdateSecretsType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                secrets_type_0 = SourceUpdateSecretsType0.from_dict(data)

                return secrets_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(None | SourceUpdateSecretsType0 | Unset, data)

        secrets = _parse_secrets(d.pop("secrets", UNSET))

        source_update = cls(
            config=config,
            name=name,
            secrets=secrets,
        )

        return source_update
