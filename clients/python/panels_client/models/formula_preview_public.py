from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.column_type import ColumnType

if TYPE_CHECKING:
    from ..models.preview_row import PreviewRow


T = TypeVar("T", bound="FormulaPreviewPublic")


@_attrs_define
class FormulaPreviewPublic:
    """
    Attributes:
        columns (list[str]): The column keys the formula reads
        complete (bool): Every row of the version was evaluated
        errors (int): Rows whose value is an error
        formula_type (str): The formula's own type
        notes (list[str]): What differs from a sync's evaluation, if anything
        rows (list[PreviewRow]):
        type_ (ColumnType):
        version (int | None): The version the rows come from
    """

    columns: list[str]
    complete: bool
    errors: int
    formula_type: str
    notes: list[str]
    rows: list[PreviewRow]
    type_: ColumnType
    version: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        columns = self.columns

        complete = self.complete

        errors = self.errors

        formula_type = self.formula_type

        notes = self.notes

        rows = []
        for rows_item_data in self.rows:
            rows_item = rows_item_data.to_dict()
            rows.append(rows_item)

        type_ = self.type_.value

        version: int | None
        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "columns": columns,
                "complete": complete,
                "errors": errors,
                "formula_type": formula_type,
                "notes": notes,
                "rows": rows,
                "type": type_,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.preview_row import PreviewRow  # noqa: PLC0415

        d = dict(src_dict)
        columns = cast(list[str], d.pop("columns"))

        complete = d.pop("complete")

        errors = d.pop("errors")

        formula_type = d.pop("formula_type")

        notes = cast(list[str], d.pop("notes"))

        rows = []
        _rows = d.pop("rows")
        for rows_item_data in _rows:
            rows_item = PreviewRow.from_dict(rows_item_data)

            rows.append(rows_item)

        type_ = ColumnType(d.pop("type"))

        def _parse_version(data: object) -> int | None:
            if data is None:
                return data
            from typing import cast

            return cast(int | None, data)

        version = _parse_version(d.pop("version"))

        formula_preview_public = cls(
            columns=columns,
            complete=complete,
            errors=errors,
            formula_type=formula_type,
            notes=notes,
            rows=rows,
            type_=type_,
            version=version,
        )

        formula_preview_public.additional_properties = d
        return formula_preview_public

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
