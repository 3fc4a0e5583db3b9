from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.quality_rule_update_severity_type_0 import QualityRuleUpdateSeverityType0
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.quality_rule_update_params_type_0 import QualityRuleUpdateParamsType0


T = TypeVar("T", bound="QualityRuleUpdate")


@_attrs_define
class QualityRuleUpdate:
    """
    Attributes:
        column (None | str | Unset):
        name (None | str | Unset):
        params (None | QualityRuleUpdateParamsType0 | Unset):
        severity (None | QualityRuleUpdateSeverityType0 | Unset):
    """

    column: None | str | Unset = UNSET
    name: None | str | Unset = UNSET
    params: None | QualityRuleUpdateParamsType0 | Unset = UNSET
    severity: None | QualityRuleUpdateSeverityType0 | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.quality_rule_update_params_type_0 import (
            QualityRuleUpdateParamsType0,  # noqa: PLC0415
        )

        column: None | str | Unset
        if isinstance(self.column, Unset):
            column = UNSET
        else:
            column = self.column

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        params: dict[str, Any] | None | Unset
        if isinstance(self.params, Unset):
            params = UNSET
        elif isinstance(self.params, QualityRuleUpdateParamsType0):
            params = self.params.to_dict()
        else:
            params = self.params

        severity: None | str | Unset
        if isinstance(self.severity, Unset):
            severity = UNSET
        elif isinstance(self.severity, QualityRuleUpdateSeverityType0):
            severity = self.severity.value
        else:
            severity = self.severity

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if column is not UNSET:
            field_dict["column"] = column
        if name is not UNSET:
            field_dict["name"] = name
        if params is not UNSET:
            field_dict["params"] = params
        if severity is not UNSET:
            field_dict["severity"] = severity

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.quality_rule_update_params_type_0 import (
            QualityRuleUpdateParamsType0,  # noqa: PLC0415
        )

        d = dict(src_dict)

        def _parse_column(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        column = _parse_column(d.pop("column", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_params(data: object) -> None | QualityRuleUpdateParamsType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                params_type_0 = QualityRuleUpdateParamsType0.from_dict(data)

                return params_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(None | QualityRuleUpdateParamsType0 | Unset, data)

        params = _parse_params(d.pop("params", UNSET))

        def _parse_severity(
            data: object,
        ) -> None | QualityRuleUpdateSeverityType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                severity_type_0 = QualityRuleUpdateSeverityType0(data)

                return severity_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(None | QualityRuleUpdateSeverityType0 | Unset, data)

        severity = _parse_severity(d.pop("severity", UNSET))

        quality_rule_update = cls(
            column=column,
            name=name,
            params=params,
            severity=severity,
        )

        return quality_rule_update
