from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PanelCreate")


@_attrs_define
class PanelCreate:
    """
    Attributes:
        name (str):
        slug (str):
        description (str | Unset):  Default: ''.
        refresh_cron (None | str | Unset):
        strict (bool | Unset): Fail the sync on a bad row instead of quarantining it Default: False.
        timezone (str | Unset):  Default: 'UTC'.
    """

    name: str
    slug: str
    description: str | Unset = ""
    refresh_cron: None | str | Unset = UNSET
    strict: bool | Unset = False
    timezone: str | Unset = "UTC"

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        slug = self.slug

        description = self.description

        refresh_cron: None | str | Unset
        if isinstance(self.refresh_cron, Unset):
            refresh_cron = UNSET
        else:
            refresh_cron = self.refresh_cron

        strict = self.strict

        timezone = self.timezone

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "slug": slug,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if refresh_cron is not UNSET:
            field_dict["refresh_cron"] = refresh_cron
        if strict is not UNSET:
            field_dict["strict"] = strict
        if timezone is not UNSET:
            field_dict["timezone"] = timezone

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        slug = d.pop("slug")

        description = d.pop("description", UNSET)

        def _parse_refresh_cron(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        refresh_cron = _parse_refresh_cron(d.pop("refresh_cron", UNSET))

        strict = d.pop("strict", UNSET)

        timezone = d.pop("timezone", UNSET)

        panel_create = cls(
            name=name,
            slug=slug,
            description=description,
            refresh_cron=refresh_cron,
            strict=strict,
            timezone=timezone,
        )

        return panel_create
