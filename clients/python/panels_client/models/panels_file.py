from __future__ import annotations

from collections.abc import Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    Literal,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.panel_doc import PanelDoc


T = TypeVar("T", bound="PanelsFile")


@_attrs_define
class PanelsFile:
    """A tenant's panels, declared.

    Attributes:
        panels (list[PanelDoc] | Unset):
        tenant (None | str | Unset): The tenant's slug (the CLI's --tenant, when left out)
        version (Literal[1] | Unset):  Default: 1.
    """

    panels: list[PanelDoc] | Unset = UNSET
    tenant: None | str | Unset = UNSET
    version: Literal[1] | Unset = 1

    def to_dict(self) -> dict[str, Any]:
        panels: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.panels, Unset):
            panels = []
            for panels_item_data in self.panels:
                panels_item = panels_item_data.to_dict()
                panels.append(panels_item)

        tenant: None | str | Unset
        if isinstance(self.tenant, Unset):
            tenant = UNSET
        else:
            tenant = self.tenant

        version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if panels is not UNSET:
            field_dict["panels"] = panels
        if tenant is not UNSET:
            field_dict["tenant"] = tenant
        if version is not UNSET:
            field_dict["version"] = version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.panel_doc import PanelDoc  # noqa: PLC0415

        d = dict(src_dict)
        _panels = d.pop("panels", UNSET)
        panels: list[PanelDoc] | Unset = UNSET
        if _panels is not UNSET:
            panels = []
            for panels_item_data in _panels:
                panels_item = PanelDoc.from_dict(panels_item_data)

                panels.append(panels_item)

        def _parse_tenant(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        tenant = _parse_tenant(d.pop("tenant", UNSET))

        version = cast(Literal[1] | Unset, d.pop("version", UNSET))
        if version != 1 and not isinstance(version, Unset):
            raise ValueError(f"version must match const 1, got '{version}'")

        panels_file = cls(
            panels=panels,
            tenant=tenant,
            version=version,
        )

        return panels_file
