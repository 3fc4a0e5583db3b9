from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.source_kind import SourceKind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.file_config import FileConfig
    from ..models.http_config import HttpConfig
    from ..models.source_create_secrets_type_0 import SourceCreateSecretsType0
    from ..models.sql_config import SqlConfig


T = TypeVar("T", bound="SourceCreate")


@_attrs_define
class SourceCreate:
    """
    Attributes:
        config (FileConfig | HttpConfig | SqlConfig): The shape of the kind: FileConfig, HttpConfig or SqlConfig
        kind (SourceKind):
        name (str):
        secrets (None | SourceCreateSecretsType0 | Unset): Encrypted at rest and never returned: FileSecrets,
            HttpSecrets or SqlSecrets (auth headers, query parameters, a database URL with its password)
    """

    config: FileConfig | HttpConfig | SqlConfig
    kind: SourceKind
    name: str
    secrets: None | SourceCreateSecretsType0 | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.file_config import FileConfig  # noqa: PLC0415
        from ..models.http_config import HttpConfig  # noqa: PLC0415
        from ..models.source_create_secrets_type_0 import SourceCreateSecretsType0  # noqa: PLC0415

        config: dict[str, Any]
        if isinstance(self.config, FileConfig):
            config = self.config.to_dict()
        elif isinstance(self.config, HttpConfig):
            config = self.config.to_dict()
        else:
            config = self.config.to_dict()

        kind = self.kind.value

        name = self.name

        secrets: dict[str, Any] | None | Unset
        if isinstance(self.secrets, Unset):
            secrets = UNSET
        elif isinstance(self.secrets, SourceCreateSecretsType0):
            secrets = self.secrets.to_dict()
        else:
            secrets = self.secrets

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "config": config,
                "kind": kind,
                "name": name,
            }
        )
        if secrets is not UNSET:
            field_dict["secrets"] = secrets

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.file_config import FileConfig  # noqa: PLC0415
        from ..models.http_config import HttpConfig  # noqa: PLC0415
        from ..models.source_create_secrets_type_0 import SourceCreateSecretsType0  # noqa: PLC0415
        from ..models.sql_config import SqlConfig  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_config(data: object) -> FileConfig | HttpConfig | SqlConfig:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                config_type_0 = FileConfig.from_dict(data)

                return config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                config_type_1 = HttpConfig.from_dict(data)

                return config_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            config_type_2 = SqlConfig.from_dict(data)

            return config_type_2

        config = _parse_config(d.pop("config"))

        kind = SourceKind(d.pop("kind"))

        name = d.pop("name")

        def _parse_secrets(data: object) -> None | SourceCreateSecretsType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                secrets_type_0 = SourceCreateSecretsType0.from_dict(data)

                return secrets_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(None | SourceCreateSecretsType0 | Unset, data)

        secrets = _parse_secrets(d.pop("secrets", UNSET))

        source_create = cls(
            config=config,
            kind=kind,
            name=name,
            secrets=secrets,
        )

        return source_create
