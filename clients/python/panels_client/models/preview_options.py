from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PreviewOptions")


@_attrs_define
class PreviewOptions:
    """How much of a source a preview reads: rows and seconds, both bounded.

    Attributes:
        limit (int | Unset): Rows read at most Default: 1000.
        timeout (float | Unset): Seconds, at most Default: 10.0.
    """

    limit: int | Unset = 1000
    timeout: float | Unset = 10.0

    def to_dict(self) -> dict[str, Any]:
        limit = self.limit

        timeout = self.timeout

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if limit is not UNSET:
            field_dict["limit"] = limit
        if timeout is not UNSET:
            field_dict["timeout"] = timeout

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        limit = d.pop("limit", UNSET)

        timeout = d.pop("timeout", UNSET)

        preview_options = cls(
            limit=limit,
            timeout=timeout,
        )

        return preview_options
