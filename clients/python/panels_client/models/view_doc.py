from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.aggregate_spec import AggregateSpec
    from ..models.chart_spec import ChartSpec
    from ..models.sort_spec import SortSpec
    from ..models.view_column_doc import ViewColumnDoc
    from ..models.view_doc_filters_type_0 import ViewDocFiltersType0


T = TypeVar("T", bound="ViewDoc")


@_attrs_define
class ViewDoc:
    """
    Attributes:
        name (str):
        aggregates (list[AggregateSpec] | Unset):
        chart (ChartSpec | None | Unset): Show the view as a chart
        columns (list[str | ViewColumnDoc] | None | Unset): Shown columns in order, by key (or {column, visible,
            width}); omitted: every column of the panel, in the panel's order
        filters (None | Unset | ViewDocFiltersType0):
        group_by (list[str] | Unset):
        sorts (list[SortSpec] | Unset):
    """

    name: str
    aggregates: list[AggregateSpec] | Unset = UNSET
    chart: ChartSpec | None | Unset = UNSET
    columns: list[str | ViewColumnDoc] | None | Unset = UNSET
    filters: None | Unset | ViewDocFiltersType0 = UNSET
    group_by: list[str] | Unset = UNSET
    sorts: list[SortSpec] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.chart_spec import ChartSpec  # noqa: PLC0415
        from ..models.view_column_doc import ViewColumnDoc  # noqa: PLC0415
        from ..models.view_doc_filters_type_0 import ViewDocFiltersType0  # noqa: PLC0415

        name = self.name

        aggregates: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.aggregates, Unset):
            aggregates = []
            for aggregates_item_data in self.aggregates:
                aggregates_item = aggregates_item_data.to_dict()
                aggregates.append(aggregates_item)

        chart: dict[str, Any] | None | Unset
        if isinstance(self.chart, Unset):
            chart = UNSET
        elif isinstance(self.chart, ChartSpec):
            chart = self.chart.to_dict()
        else:
            chart = self.chart

        columns: list[dict[str, Any] | str] | None | Unset
        if isinstance(self.columns, Unset):
            columns = UNSET
        elif isinstance(self.columns, list):
            columns = []
            for columns_type_0_item_data in self.columns:
                columns_type_0_item: dict[str, Any] | str
                if isinstance(columns_type_0_item_data, ViewColumnDoc):
                    columns_type_0_item = columns_type_0_item_data.to_dict()
                else:
                    columns_type_0_item = columns_type_0_item_data
                columns.append(columns_type_0_item)

        else:
            columns = self.columns

        filters: dict[str, Any] | None | Unset
        if isinstance(self.filters, Unset):
            filters = UNSET
        elif isinstance(self.filters, ViewDocFiltersType0):
            filters = self.filters.to_dict()
        else:
            filters = self.filters

        group_by: list[str] | Unset = UNSET
        if not isinstance(self.group_by, Unset):
            group_by = self.group_by

        sorts: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.sorts, Unset):
            sorts = []
            for sorts_item_data in self.sorts:
                sorts_item = sorts_item_data.to_dict()
                sorts.append(sorts_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if aggregates is not UNSET:
            field_dict["aggregates"] = aggregates
        if chart is not UNSET:
            field_dict["chart"] = chart
        if columns is not UNSET:
            field_dict["columns"] = columns
        if filters is not UNSET:
            field_dict["filters"] = filters
        if group_by is not UNSET:
            field_dict["group_by"] = group_by
        if sorts is not UNSET:
            field_dict["sorts"] = sorts

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.aggregate_spec import AggregateSpec  # noqa: PLC0415
        from ..models.chart_spec import ChartSpec  # noqa: PLC0415
        from ..models.sort_spec import SortSpec  # noqa: PLC0415
        from ..models.view_column_doc import ViewColumnDoc  # noqa: PLC0415
        from ..models.view_doc_filters_type_0 import ViewDocFiltersType0  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        _aggregates = d.pop("aggregates", UNSET)
        aggregates: list[AggregateSpec] | Unset = UNSET
        if _aggregates is not UNSET:
            aggregates = []
            for aggregates_item_data in _aggregates:
                aggregates_item = AggregateSpec.from_dict(aggregates_item_data)

                aggregates.append(aggregates_item)

        def _parse_chart(data: object) -> ChartSpec | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                chart_type_0 = ChartSpec.from_dict(data)

                return chart_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(ChartSpec | None | Unset, data)

        chart = _parse_chart(d.pop("chart", UNSET))

        def _parse_columns(data: object) -> list[str | ViewColumnDoc] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                columns_type_0 = []
                _columns_type_0 = data
                for columns_type_0_item_data in _columns_type_0:

                    def _parse_columns_type_0_item(data: object) -> str | ViewColumnDoc:
                        try:
                            if not isinstance(data, dict):
                                raise TypeError()
                            columns_type_0_item_type_1 = ViewColumnDoc.from_dict(data)

                            return columns_type_0_item_type_1
                        except (TypeError, ValueError, AttributeError, KeyError):
                            pass
                        from typing import cast

                        return cast(str | ViewColumnDoc, data)

                    columns_type_0_item = _parse_columns_type_0_item(
                        columns_type_0_item_data
                    )

                    columns_type_0.append(columns_type_0_item)

                return columns_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(list[str | ViewColumnDoc] | None | Unset, data)

        columns = _parse_columns(d.pop("columns", UNSET))

        def _parse_filters(data: object) -> None | Unset | ViewDocFiltersType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                filters_type_0 = ViewDocFiltersType0.from_dict(data)

                return filters_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(None | Unset | ViewDocFiltersType0, data)

        filters = _parse_filters(d.pop("filters", UNSET))

        group_by = cast(list[str], d.pop("group_by", UNSET))

        _sorts = d.pop("sorts", UNSET)
        sorts: list[SortSpec] | Unset = UNSET
        if _sorts is not UNSET:
            sorts = []
            for sorts_item_data in _sorts:
                sorts_item = SortSpec.from_dict(sorts_item_data)

                sorts.append(sorts_item)

        view_doc = cls(
            name=name,
            aggregates=aggregates,
            chart=chart,
            columns=columns,
            filters=filters,
            group_by=group_by,
            sorts=sorts,
        )

        return view_doc
