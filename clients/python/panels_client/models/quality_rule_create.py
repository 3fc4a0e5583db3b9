from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.quality_rule_create_kind import QualityRuleCreateKind
from ..models.quality_rule_create_severity import QualityRuleCreateSeverity
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.quality_rule_create_params import QualityRuleCreateParams


T = TypeVar("T", bound="QualityRuleCreate")


@_attrs_define
class QualityRuleCreate:
    """
    Attributes:
        kind (QualityRuleCreateKind):
        name (str):
        column (None | str | Unset): Not for row_count_between
        params (QualityRuleCreateParams | Unset):
        severity (QualityRuleCreateSeverity | Unset): error blocks the publish; warning only reports Default:
            QualityRuleCreateSeverity.ERROR.
    """

    kind: QualityRuleCreateKind
    name: str
    column: None | str | Unset = UNSET
    params: QualityRuleCreateParams | Unset = UNSET
    severity: QualityRuleCreateSeverity | Unset = QualityRuleCreateSeverity.ERROR

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind.value

        name = self.name

        column: None | str | Unset
        if isinstance(self.column, Unset):
            column = UNSET
        else:
            column = self.column

        params: dict[str, Any] | Unset = UNSET
        if not isinstance(self.params, Unset):
            params = self.params.to_dict()

        severity: str | Unset = UNSET
        if not isinstance(self.severity, Unset):
            severity = self.severity.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "kind": kind,
                "name": name,
            }
        )
        if column is not UNSET:
            field_dict["column"] = column
        if params is not UNSET:
            field_dict["params"] = params
        if severity is not UNSET:
            field_dict["severity"] = severity

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.quality_rule_create_params import QualityRuleCreateParams  # noqa: PLC0415

        d = dict(src_dict)
        kind = QualityRuleCreateKind(d.pop("kind"))

        name = d.pop("name")

        def _parse_column(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        column = _parse_column(d.pop("column", UNSET))

        _params = d.pop("params", UNSET)
        params: QualityRuleCreateParams | Unset
        if isinstance(_params, Unset):
            params = UNSET
        else:
            params = QualityRuleCreateParams.from_dict(_params)

        _severity = d.pop("severity", UNSET)
        severity: QualityRuleCreateSeverity | Unset
        if isinstance(_severity, Unset):
            severity = UNSET
        else:
            severity = QualityRuleCreateSeverity(_severity)

        quality_rule_create = cls(
            kind=kind,
            name=name,
            column=column,
            params=params,
            severity=severity,
        )

        return quality_rule_create
