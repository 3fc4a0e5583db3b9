from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.source_create import SourceCreate


T = TypeVar("T", bound="SourcePreviewRequest")


@_attrs_define
class SourcePreviewRequest:
    """An unsaved source, previewed before it is created (the same body as a create).

    Attributes:
        source (SourceCreate):
        limit (int | Unset): Rows read at most Default: 1000.
        timeout (float | Unset): Seconds, at most Default: 10.0.
    """

    source: SourceCreate
    limit: int | Unset = 1000
    timeout: float | Unset = 10.0

    def to_dict(self) -> dict[str, Any]:
        source = self.source.to_dict()

        limit = self.limit

        timeout = self.timeout

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "source": source,
            }
        )
        if limit is not UNSET:
            field_dict["limit"] = limit
        if timeout is not UNSET:
            field_dict["timeout"] = timeout

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.source_create import SourceCreate  # noqa: PLC0415

        d = dict(src_dict)
        source = SourceCreate.from_dict(d.pop("source"))

        limit = d.pop("limit", UNSET)

        timeout = d.pop("timeout", UNSET)

        source_preview_request = cls(
            source=source,
            limit=limit,
            timeout=timeout,
        )

        return source_preview_request
