from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.aggregate_spec import AggregateSpec
    from ..models.chart_spec import ChartSpec
    from ..models.sort_spec import SortSpec
    from ..models.view_column_public import ViewColumnPublic
    from ..models.view_public_filters_type_0 import ViewPublicFiltersType0


T = TypeVar("T", bound="ViewPublic")


@_attrs_define
class ViewPublic:
    """
    Attributes:
        aggregates (list[AggregateSpec]):
        columns (list[ViewColumnPublic]):
        created_at (datetime.datetime):
        filters (None | ViewPublicFiltersType0):
        group_by (list[str]):
        id (UUID):
        name (str):
        panel_id (UUID):
        sorts (list[SortSpec]):
        updated_at (datetime.datetime):
        chart (ChartSpec | None | Unset):
    """

    aggregates: list[AggregateSpec]
    columns: list[ViewColumnPublic]
    created_at: datetime.datetime
    filters: None | ViewPublicFiltersType0
    group_by: list[str]
    id: UUID
    name: str
    panel_id: UUID
    sorts: list[SortSpec]
    updated_at: datetime.datetime
    chart: ChartSpec | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.chart_spec import ChartSpec  # noqa: PLC0415
        from ..models.view_public_filters_type_0 import ViewPublicFiltersType0  # noqa: PLC0415

        aggregates = []
        for aggregates_item_data in self.aggregates:
            aggregates_item = aggregates_item_data.to_dict()
            aggregates.append(aggregates_item)

        columns = []
        for columns_item_data in self.columns:
            columns_item = columns_item_data.to_dict()
            columns.append(columns_item)

        created_at = self.created_at.isoformat()

        filters: dict[str, Any] | None
        if isinstance(self.filters, ViewPublicFiltersType0):
            filters = self.filters.to_dict()
        else:
            filters = self.filters

        group_by = self.group_by

        id = str(self.id)

        name = self.name

        panel_id = str(self.panel_id)

        sorts = []
        for sorts_item_data in self.sorts:
            sorts_item = sorts_item_data.to_dict()
            sorts.append(sorts_item)

        updated_at = self.updated_at.isoformat()

        chart: dict[str, Any] | None | Unset
        if isinstance(self.chart, Unset):
            chart = UNSET
        elif isinstance(self.chart, ChartSpec):
            chart = self.chart.to_dict()
        else:
            chart = self.chart

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "aggregates": aggregates,
                "columns": columns,
                "created_at": created_at,
                "filters": filters,
                "group_by": group_by,
                "id": id,
                "name": name,
                "panel_id": panel_id,
                "sorts": sorts,
                "updated_at": updated_at,
            }
        )
        if chart is not UNSET:
            field_dict["chart"] = chart

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.aggregate_spec import AggregateSpec  # noqa: PLC0415
        from ..models.chart_spec import ChartSpec  # noqa: PLC0415
        from ..models.sort_spec import SortSpec  # noqa: PLC0415
        from ..models.view_column_public import ViewColumnPublic  # noqa: PLC0415
        from ..models.view_public_filters_type_0 import ViewPublicFiltersType0  # noqa: PLC0415

        d = dict(src_dict)
        aggregates = []
        _aggregates = d.pop("aggregates")
        for aggregates_item_data in _aggregates:
            aggregates_item = AggregateSpec.from_dict(aggregates_item_data)

            aggregates.append(aggregates_item)

        columns = []
        _columns = d.pop("columns")
        for columns_item_data in _columns:
            columns_item = ViewColumnPublic.from_dict(columns_item_data)

            columns.append(columns_item)

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_filters(data: object) -> None | ViewPublicFiltersType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                filters_type_0 = ViewPublicFiltersType0.from_dict(data)

                return filters_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(None | ViewPublicFiltersType0, data)

        filters = _parse_filters(d.pop("filters"))

        group_by = cast(list[str], d.pop("group_by"))

        id = UUID(d.pop("id"))

        name = d.pop("name")

        panel_id = UUID(d.pop("panel_id"))

        sorts = []
        _sorts = d.pop("sorts")
        for sorts_item_data in _sorts:
            sorts_item = SortSpec.from_dict(sorts_item_data)

            sorts.append(sorts_item)

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

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

        view_public = cls(
            aggregates=aggregates,
            columns=columns,
            created_at=created_at,
            filters=filters,
            group_by=group_by,
            id=id,
            name=name,
            panel_id=panel_id,
            sorts=sorts,
            updated_at=updated_at,
            chart=chart,
        )

        view_public.additional_properties = d
        return view_public

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
