from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.source_kind import SourceKind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.source_doc_config import SourceDocConfig
    from ..models.source_doc_secrets_type_0 import SourceDocSecretsType0


T = TypeVar("T", bound="SourceDoc")


@_attrs_define
class SourceDoc:
    """
    Attributes:
        config (SourceDocConfig): The kind's config, as in the API (file: path/url/format...; http: url, record_path,
            pagination...; sql: query...)
        kind (SourceKind):
        name (str):
        secrets (None | SourceDocSecretsType0 | Unset): References only: {env: NAME}, or a map of them (headers, params)
    """

    config: SourceDocConfig
    kind: SourceKind
    name: str
    secrets: None | SourceDocSecretsType0 | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.source_doc_secrets_type_0 import SourceDocSecretsType0  # noqa: PLC0415

        config = self.config.to_dict()

        kind = self.kind.value

        name = self.name

        secrets: dict[str, Any] | None | Unset
        if isinstance(self.secrets, Unset):
            secrets = UNSET
        elif isinstance(self.secrets, SourceDocSecretsType0):
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
        from ..models.source_doc_config import SourceDocConfig  # noqa: PLC0415
        from ..models.source_doc_secrets_type_0 import SourceDocSecretsType0  # noqa: PLC0415

        d = dict(src_dict)
        config = SourceDocConfig.from_dict(d.pop("config"))

        kind = SourceKind(d.pop("kind"))

        name = d.pop("name")

        def _parse_secrets(data: object) -> None | SourceDocSecretsType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                secrets_type_0 = SourceDocSecretsType0.from_dict(data)

                return secrets_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(None | SourceDocSecretsType0 | Unset, data)

        secrets = _parse_secrets(d.pop("secrets", UNSET))

        source_doc = cls(
            config=config,
            kind=kind,
            name=name,
            secrets=secrets,
        )

        return source_doc
