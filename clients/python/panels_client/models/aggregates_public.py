from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.aggregates_public_footer import AggregatesPublicFooter
    from ..models.group_public import GroupPublic


T = TypeVar("T", bound="AggregatesPublic")


@_attrs_define
class AggregatesPublic:
    """
    Attributes:
        footer (AggregatesPublicFooter): The same aggregates over every (filtered) row
        groups (list[GroupPublic]):
        truncated (bool): More than 1,000 groups: only the first are returned
        version (int | None):
    """

    footer: AggregatesPublicFooter
    groups: list[GroupPublic]
    truncated: bool
    version: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        footer = self.footer.to_dict()

        groups = []
        for groups_item_data in self.groups:
            groups_item = groups_item_data.to_dict()
            groups.append(groups_item)

        truncated = self.truncated

        version: int | None
        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "footer": footer,
                "groups": groups,
                "truncated": truncated,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.aggregates_public_footer import AggregatesPublicFooter  # noqa: PLC0415
        from ..models.group_public import GroupPublic  # noqa: PLC0415

        d = dict(src_dict)
        footer = AggregatesPublicFooter.from_dict(d.pop("footer"))

        groups = []
        _groups = d.pop("groups")
        for groups_item_data in _groups:
            groups_item = GroupPublic.from_dict(groups_item_data)

            groups.append(groups_item)

        truncated = d.pop("truncated")

        def _parse_version(data: object) -> int | None:
            if data is None:
                return data
            from typing import cast

            return cast(int | None, data)

        version = _parse_version(d.pop("version"))

        aggregates_public = cls(
            footer=footer,
            groups=groups,
            truncated=truncated,
            version=version,
        )

        aggregates_public.additional_properties = d
        return aggregates_public

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
