from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.column_doc import ColumnDoc
    from ..models.quality_rule_create import QualityRuleCreate
    from ..models.source_doc import SourceDoc
    from ..models.view_doc import ViewDoc


T = TypeVar("T", bound="PanelDoc")


@_attrs_define
class PanelDoc:
    """
    Attributes:
        name (str):
        slug (str):
        columns (list[ColumnDoc] | Unset):
        description (str | Unset):  Default: ''.
        refresh_cron (None | str | Unset):
        rules (list[QualityRuleCreate] | Unset): Quality rules
        sources (list[SourceDoc] | Unset):
        strict (bool | Unset): Fail the sync on a bad row instead of quarantining it Default: False.
        timezone (str | Unset):  Default: 'UTC'.
        views (list[ViewDoc] | Unset):
    """

    name: str
    slug: str
    columns: list[ColumnDoc] | Unset = UNSET
    description: str | Unset = ""
    refresh_cron: None | str | Unset = UNSET
    rules: list[QualityRuleCreate] | Unset = UNSET
    sources: list[SourceDoc] | Unset = UNSET
    strict: bool | Unset = False
    timezone: str | Unset = "UTC"
    views: list[ViewDoc] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        slug = self.slug

        columns: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.columns, Unset):
            columns = []
            for columns_item_data in self.columns:
                columns_item = columns_item_data.to_dict()
                columns.append(columns_item)

        description = self.description

        refresh_cron: None | str | Unset
        if isinstance(self.refresh_cron, Unset):
            refresh_cron = UNSET
        else:
            refresh_cron = self.refresh_cron

        rules: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.rules, Unset):
            rules = []
            for rules_item_data in self.rules:
                rules_item = rules_item_data.to_dict()
                rules.append(rules_item)

        sources: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.sources, Unset):
            sources = []
            for sources_item_data in self.sources:
                sources_item = sources_item_data.to_dict()
                sources.append(sources_item)

        strict = self.strict

        timezone = self.timezone

        views: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.views, Unset):
            views = []
            for views_item_data in self.views:
                views_item = views_item_data.to_dict()
                views.append(views_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "slug": slug,
            }
        )
        if columns is not UNSET:
            field_dict["columns"] = columns
        if description is not UNSET:
            field_dict["description"] = description
        if refresh_cron is not UNSET:
            field_dict["refresh_cron"] = refresh_cron
        if rules is not UNSET:
            field_dict["rules"] = rules
        if sources is not UNSET:
            field_dict["sources"] = sources
        if strict is not UNSET:
            field_dict["strict"] = strict
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if views is not UNSET:
            field_dict["views"] = views

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.column_doc import ColumnDoc  # noqa: PLC0415
        from ..models.quality_rule_create import QualityRuleCreate  # noqa: PLC0415
        from ..models.source_doc import SourceDoc  # noqa: PLC0415
        from ..models.view_doc import ViewDoc  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        slug = d.pop("slug")

        _columns = d.pop("columns", UNSET)
        columns: list[ColumnDoc] | Unset = UNSET
        if _columns is not UNSET:
            columns = []
            for columns_item_data in _columns:
                columns_item = ColumnDoc.from_dict(columns_item_data)

                columns.append(columns_item)

        description = d.pop("description", UNSET)

        def _parse_refresh_cron(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        refresh_cron = _parse_refresh_cron(d.pop("refresh_cron", UNSET))

        _rules = d.pop("rules", UNSET)
        rules: list[QualityRuleCreate] | Unset = UNSET
        if _rules is not UNSET:
            rules = []
            for rules_item_data in _rules:
                rules_item = QualityRuleCreate.from_dict(rules_item_data)

                rules.append(rules_item)

        _sources = d.pop("sources", UNSET)
        sources: list[SourceDoc] | Unset = UNSET
        if _sources is not UNSET:
            sources = []
            for sources_item_data in _sources:
                sources_item = SourceDoc.from_dict(sources_item_data)

                sources.append(sources_item)

        strict = d.pop("strict", UNSET)

        timezone = d.pop("timezone", UNSET)

        _views = d.pop("views", UNSET)
        views: list[ViewDoc] | Unset = UNSET
        if _views is not UNSET:
            views = []
            for views_item_data in _views:
                views_item = ViewDoc.from_dict(views_item_data)

                views.append(views_item)

        panel_doc = cls(
            name=name,
            slug=slug,
            columns=columns,
            description=description,
            refresh_cron=refresh_cron,
            rules=rules,
            sources=sources,
            strict=strict,
            timezone=timezone,
            views=views,
        )

        return panel_doc
