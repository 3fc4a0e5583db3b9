from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.chart_spec_kind import ChartSpecKind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.aggregate_spec import AggregateSpec


T = TypeVar("T", bound="ChartSpec")


@_attrs_define
class ChartSpec:
    """A view shown as a chart, fed by ``/aggregates``: one value per group of ``dimension``.

    - ``bar``: a bar per value of the dimension (any column but JSON);
    - ``line``: a point per ``bucket`` of a date or time dimension (day, week, month,
      quarter or year; day when omitted);
    - ``histogram``: a bar per bin of a number dimension, ``bucket`` wide (a width the page
      picks from the range when omitted).

    The measure is an aggregate of a column (the count of rows when omitted).

        Attributes:
            dimension (str): The column along the x axis
            kind (ChartSpecKind):
            bucket (None | str | Unset): line: day, week, month, quarter or year; histogram: the bin width
            measure (AggregateSpec | None | Unset): What each bar or point shows; omitted: the count of rows
    """

    dimension: str
    kind: ChartSpecKind
    bucket: None | str | Unset = UNSET
    measure: AggregateSpec | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.aggregate_spec import AggregateSpec  # noqa: PLC0415

        dimension = self.dimension

        kind = self.kind.value

        bucket: None | str | Unset
        if isinstance(self.bucket, Unset):
            bucket = UNSET
        else:
            bucket = self.bucket

        measure: dict[str, Any] | None | Unset
        if isinstance(self.measure, Unset):
            measure = UNSET
        elif isinstance(self.measure, AggregateSpec):
            measure = self.measure.to_dict()
        else:
            measure = self.measure

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "dimension": dimension,
                "kind": kind,
            }
        )
        if bucket is not UNSET:
            field_dict["bucket"] = bucket
        if measure is not UNSET:
            field_dict["measure"] = measure

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.aggregate_spec import AggregateSpec  # noqa: PLC0415

        d = dict(src_dict)
        dimension = d.pop("dimension")

        kind = ChartSpecKind(d.pop("kind"))

        def _parse_bucket(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        bucket = _parse_bucket(d.pop("bucket", UNSET))

        def _parse_measure(data: object) -> AggregateSpec | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                measure_type_0 = AggregateSpec.from_dict(data)

                return measure_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(AggregateSpec | None | Unset, data)

        measure = _parse_measure(d.pop("measure", UNSET))

        chart_spec = cls(
            dimension=dimension,
            kind=kind,
            bucket=bucket,
            measure=measure,
        )

        return chart_spec
