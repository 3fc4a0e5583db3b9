from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.preview_row_inputs import PreviewRowInputs


T = TypeVar("T", bound="PreviewRow")


@_attrs_define
class PreviewRow:
    """
    Attributes:
        error (bool): The row's value is an error (blank in the column)
        inputs (PreviewRowInputs): The values of the columns the formula reads
        row_id (int):
        value (Any):
    """

    error: bool
    inputs: PreviewRowInputs
    row_id: int
    value: Any
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error = self.error

        inputs = self.inputs.to_dict()

        row_id = self.row_id

        value = self.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "error": error,
                "inputs": inputs,
                "row_id": row_id,
                "value": value,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.preview_row_inputs import PreviewRowInputs  # noqa: PLC0415

        d = dict(src_dict)
        error = d.pop("error")

        inputs = PreviewRowInputs.from_dict(d.pop("inputs"))

        row_id = d.pop("row_id")

        value = d.pop("value")

        preview_row = cls(
            error=error,
            inputs=inputs,
            row_id=row_id,
            value=value,
        )

        preview_row.additional_properties = d
        return preview_row

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
