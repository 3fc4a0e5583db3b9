from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.preview_field_public import PreviewFieldPublic
    from ..models.source_preview_rows_item import SourcePreviewRowsItem


T = TypeVar("T", bound="SourcePreview")


@_attrs_define
class SourcePreview:
    """
    Attributes:
        complete (bool): The source held no more rows than were read
        elapsed_ms (float):
        fields (list[PreviewFieldPublic]):
        notes (list[str]):
        rows (list[SourcePreviewRowsItem]): Up to 50 of the rows read
        rows_read (int):
        timed_out (bool):
    """

    complete: bool
    elapsed_ms: float
    fields: list[PreviewFieldPublic]
    notes: list[str]
    rows: list[SourcePreviewRowsItem]
    rows_read: int
    timed_out: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        complete = self.complete

        elapsed_ms = self.elapsed_ms

        fields = []
        for fields_item_data in self.fields:
            fields_item = fields_item_data.to_dict()
            fields.append(fields_item)

        notes = self.notes

        rows = []
        for rows_item_data in self.rows:
            rows_item = rows_item_data.to_dict()
            rows.append(rows_item)

        rows_read = self.rows_read

        timed_out = self.timed_out

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "complete": complete,
                "elapsed_ms": elapsed_ms,
                "fields": fields,
                "notes": notes,
                "rows": rows,
                "rows_read": rows_read,
                "timed_out": timed_out,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.preview_field_public import PreviewFieldPublic  # noqa: PLC0415
        from ..models.source_preview_rows_item import SourcePreviewRowsItem  # noqa: PLC0415

        d = dict(src_dict)
        complete = d.pop("complete")

        elapsed_ms = d.pop("elapsed_ms")

        fields = []
        _fields = d.pop("fields")
        for fields_item_data in _fields:
            fields_item = PreviewFieldPublic.from_dict(fields_item_data)

            fields.append(fields_item)

        notes = cast(list[str], d.pop("notes"))

        rows = []
        _rows = d.pop("rows")
        for rows_item_data in _rows:
            rows_item = SourcePreviewRowsItem.from_dict(rows_item_data)

            rows.append(rows_item)

        rows_read = d.pop("rows_read")

        timed_out = d.pop("timed_out")

        source_preview = cls(
            complete=complete,
            elapsed_ms=elapsed_ms,
            fields=fields,
            notes=notes,
            rows=rows,
            rows_read=rows_read,
            timed_out=timed_out,
        )

        source_preview.additional_properties = d
        return source_preview

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
