from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.change_action import ChangeAction
from ..models.change_object_type import ChangeObjectType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.change_fields import ChangeFields


T = TypeVar("T", bound="Change")


@_attrs_define
class Change:
    """
    Attributes:
        action (ChangeAction):
        name (str): The object's slug, name or key
        object_type (ChangeObjectType):
        panel (str): The panel's slug
        path (str): Where the document declares it: panels.0.columns.3
        fields (ChangeFields | Unset): Per changed field: [current, declared]
    """

    action: ChangeAction
    name: str
    object_type: ChangeObjectType
    panel: str
    path: str
    fields: ChangeFields | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        action = self.action.value

        name = self.name

        object_type = self.object_type.value

        panel = self.panel

        path = self.path

        fields: dict[str, Any] | Unset = UNSET
        if not isinstance(self.fields, Unset):
            fields = self.fields.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "action": action,
                "name": name,
                "object_type": object_type,
                "panel": panel,
                "path": path,
            }
        )
        if fields is not UNSET:
            field_dict["fields"] = fields

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.change_fields import ChangeFields  # noqa: PLC0415

        d = dict(src_dict)
        action = ChangeAction(d.pop("action"))

        name = d.pop("name")

        object_type = ChangeObjectType(d.pop("object_type"))

        panel = d.pop("panel")

        path = d.pop("path")

        _fields = d.pop("fields", UNSET)
        fields: ChangeFields | Unset
        if isinstance(_fields, Unset):
            fields = UNSET
        else:
            fields = ChangeFields.from_dict(_fields)

        change = cls(
            action=action,
            name=name,
            object_type=object_type,
            panel=panel,
            path=path,
            fields=fields,
        )

        return change
