from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.aggregate_spec import AggregateSpec
    from ..models.chart_spec import ChartSpec
    from ..models.sort_spec import SortSpec
    from ..models.view_column_in import ViewColumnIn
    from ..models.view_update_filters_type_0 import ViewUpdateFiltersType0


T = TypeVar("T", bound="ViewUpdate")


@_attrs_define
class ViewUpdate:
    """
    Attributes:
        aggregates (list[AggregateSpec] | None | Unset):
        chart (ChartSpec | None | Unset): null shows the view as a grid
        columns (list[ViewColumnIn] | None | Unset):
        filters (None | Unset | ViewUpdateFiltersType0):
        group_by (list[str] | None | Unset):
        name (None | str | Unset):
        sorts (list[SortSpec] | None | Unset):
    """

    aggregates: list[AggregateSpec] | None | Unset = UNSET
    chart: ChartSpec | None | Unset = UNSET
    columns: list[ViewColumnIn] | None | Unset = UNSET
    filters: None | Unset | ViewUpdateFiltersType0 = UNSET
    group_by: list[str] | None | Unset = UNSET
    name: None | str | Unset = UNSET
    sorts: list[SortSpec] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.chart_spec import ChartSpec  # noqa: PLC0415
        from ..models.view_update_filters_type_0 import ViewUpdateFiltersType0  # noqa: PLC0415

        aggregates: list[dict[str, Any]] | None | Unset
        if isinstance(self.aggregates, Unset):
            aggregates = UNSET
        elif isinstance(self.aggregates, list):
            aggregates = []
            for aggregates_type_0_item_data in self.aggregates:
                aggregates_type_0_item = aggregates_type_0_item_data.to_dict()
                aggregates.append(aggregates_type_0_item)

        else:
            aggregates = self.aggregates

        chart: dict[str, Any] | None | Unset
        if isinstance(self.chart, Unset):
            chart = UNSET
        elif isinstance(self.chart, ChartSpec):
            chart = self.chart.to_dict()
        else:
            chart = self.chart

        columns: list[dict[str, Any]] | None | Unset
        if isinstance(self.columns, Unset):
            columns = UNSET
        elif isinstance(self.columns, list):
            columns = []
            for columns_type_0_item_data in self.columns:
                columns_type_0_item = columns_type_0_item_data.to_dict()
                columns.append(columns_type_0_item)

        else:
            columns = self.columns

        filters: dict[str, Any] | None | Unset
        if isinstance(self.filters, Unset):
            filters = UNSET
        elif isinstance(self.filters, ViewUpdateFiltersType0):
            filters = self.filters.to_dict()
        else:
            filters = self.filters

        group_by: list[str] | None | Unset
        if isinstance(self.group_by, Unset):
            group_by = UNSET
        elif isinstance(self.group_by, list):
            group_by = self.group_by

        else:
            group_by = self.group_by

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        sorts: list[dict[str, Any]] | None | Unset
        if isinstance(self.sorts, Unset):
            sorts = UNSET
        elif isinstance(self.sorts, list):
            sorts = []
            for sorts_type_0_item_data in self.sorts:
                sorts_type_0_item = sorts_type_0_item_data.to_dict()
                sorts.append(sorts_type_0_item)

        else:
            sorts = self.sorts

        field_dict: dict[str, Any] = {}

        field_dict.update({})
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
        if name is not UNSET:
            field_dict["name"] = name
        if sorts is not UNSET:
            field_dict["sorts"] = sorts

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.aggregate_spec import AggregateSpec  # noqa: PLC0415
        from ..models.chart_spec import ChartSpec  # noqa: PLC0415
        from ..models.sort_spec import SortSpec  # noqa: PLC0415
        from ..models.view_column_in import ViewColumnIn  # noqa: PLC0415
        from ..models.view_update_filters_type_0 import ViewUpdateFiltersType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_aggregates(data: object) -> list[AggregateSpec] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                aggregates_type_0 = []
                _aggregates_type_0 = data
                for aggregates_type_0_item_data in _aggregates_type_0:
                    aggregates_type_0_item = AggregateSpec.from_dict(
                        aggregates_type_0_item_data
                    )

                    aggregates_type_0.append(aggregates_type_0_item)

                return aggregates_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(list[AggregateSpec] | None | Unset, data)

        aggregates = _parse_aggregates(d.pop("aggregates", UNSET))

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

        def _parse_columns(data: object) -> list[ViewColumnIn] | None | Unset:
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
                    columns_type_0_item = ViewColumnIn.from_dict(
                        columns_type_0_item_data
                    )

                    columns_type_0.append(columns_type_0_item)

                return columns_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(list[ViewColumnIn] | None | Unset, data)

        columns = _parse_columns(d.pop("columns", UNSET))

        def _parse_filters(data: object) -> None | Unset | ViewUpdateFiltersType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                filters_type_0 = ViewUpdateFiltersType0.from_dict(data)

                return filters_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(None | Unset | ViewUpdateFiltersType0, data)

        filters = _parse_filters(d.pop("filters", UNSET))

        def _parse_group_by(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                group_by_type_0 = cast(list[str], data)

                return group_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(list[str] | None | Unset, data)

        group_by = _parse_group_by(d.pop("group_by", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_sorts(data: object) -> list[SortSpec] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                sorts_type_0 = []
                _sorts_type_0 = data
                for sorts_type_0_item_data in _sorts_type_0:
                    sorts_type_0_item = SortSpec.from_dict(sorts_type_0_item_data)

                    sorts_type_0.append(sorts_type_0_item)

                return sorts_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(list[SortSpec] | None | Unset, data)

        sorts = _parse_sorts(d.pop("sorts", UNSET))

        view_update = cls(
            aggregates=aggregates,
            chart=chart,
            columns=columns,
            filters=filters,
            group_by=group_by,
            name=name,
            sorts=sorts,
        )

        return view_update
