from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SyncCreate")


@_attrs_define
class SyncCreate:
    """
    Attributes:
        formulas_only (bool | Unset): Re-evaluate formulas from the last extract, without the sources Default: False.
    """

    formulas_only: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        formulas_only = self.formulas_only

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if formulas_only is not UNSET:
            field_dict["formulas_only"] = formulas_only

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        formulas_only = d.pop("formulas_only", UNSET)

        sync_create = cls(
            formulas_only=formulas_only,
        )

        return sync_create
