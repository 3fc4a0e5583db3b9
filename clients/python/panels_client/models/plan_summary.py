from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="PlanSummary")


@_attrs_define
class PlanSummary:
    """
    Attributes:
        create (int):
        delete (int):
        update (int):
    """

    create: int
    delete: int
    update: int

    def to_dict(self) -> dict[str, Any]:
        create = self.create

        delete = self.delete

        update = self.update

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "create": create,
                "delete": delete,
                "update": update,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        create = d.pop("create")

        delete = d.pop("delete")

        update = d.pop("update")

        plan_summary = cls(
            create=create,
            delete=delete,
            update=update,
        )

        return plan_summary
