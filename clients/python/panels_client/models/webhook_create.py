from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.event_type import EventType
from ..types import UNSET, Unset

T = TypeVar("T", bound="WebhookCreate")


@_attrs_define
class WebhookCreate:
    """
    Attributes:
        event_types (list[EventType]): The event types sent to this endpoint
        url (str):
        description (str | Unset):  Default: ''.
        enabled (bool | Unset):  Default: True.
        panels (list[str] | None | Unset): Only these panels' events (ids or slugs); null: every panel's
    """

    event_types: list[EventType]
    url: str
    description: str | Unset = ""
    enabled: bool | Unset = True
    panels: list[str] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        event_types = []
        for event_types_item_data in self.event_types:
            event_types_item = event_types_item_data.value
            event_types.append(event_types_item)

        url = self.url

        description = self.description

        enabled = self.enabled

        panels: list[str] | None | Unset
        if isinstance(self.panels, Unset):
            panels = UNSET
        elif isinstance(self.panels, list):
            panels = self.panels

        else:
            panels = self.panels

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "event_types": event_types,
                "url": url,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if panels is not UNSET:
            field_dict["panels"] = panels

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        event_types = []
        _event_types = d.pop("event_types")
        for event_types_item_data in _event_types:
            event_types_item = EventType(event_types_item_data)

            event_types.append(event_types_item)

        url = d.pop("url")

        description = d.pop("description", UNSET)

        enabled = d.pop("enabled", UNSET)

        def _parse_panels(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                panels_type_0 = cast(list[str], data)

                return panels_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(list[str] | None | Unset, data)

        panels = _parse_panels(d.pop("panels", UNSET))

        webhook_create = cls(
            event_types=event_types,
            url=url,
            description=description,
            enabled=enabled,
            panels=panels,
        )

        return webhook_create
