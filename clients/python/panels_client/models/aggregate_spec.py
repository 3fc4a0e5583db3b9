from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.aggregate_spec_function import AggregateSpecFunction

T = TypeVar("T", bound="AggregateSpec")


@_attrs_define
class AggregateSpec:
    """
    Attributes:
        column (str):
        function (AggregateSpecFunction):
    """

    column: str
    function: AggregateSpecFunction

    def to_dict(self) -> dict[str, Any]:
        column = self.column

        function = self.function.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "column": column,
                "function": function,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        column = d.pop("column")

        function = AggregateSpecFunction(d.pop("function"))

        aggregate_spec = cls(
            column=column,
            function=function,
        )

        return aggregate_spec
