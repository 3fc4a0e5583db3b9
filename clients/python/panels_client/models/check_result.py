from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CheckResult")


@_attrs_define
class CheckResult:
    """
    Attributes:
        column (None | str):
        kind (str):
        name (str):
        rule_id (UUID):
        severity (str):
        success (bool):
        error (None | str | Unset):
        examples (list[Any] | Unset): Up to five failing values
        observed (Any | Unset):
        unexpected_count (int | None | Unset):
        unexpected_percent (float | None | Unset):
    """

    column: None | str
    kind: str
    name: str
    rule_id: UUID
    severity: str
    success: bool
    error: None | str | Unset = UNSET
    examples: list[Any] | Unset = UNSET
    observed: Any | Unset = UNSET
    unexpected_count: int | None | Unset = UNSET
    unexpected_percent: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        column: None | str
        column = self.column

        kind = self.kind

        name = self.name

        rule_id = str(self.rule_id)

        severity = self.severity

        success = self.success

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        examples: list[Any] | Unset = UNSET
        if not isinstance(self.examples, Unset):
            examples = self.examples

        observed = self.observed

        unexpected_count: int | None | Unset
        if isinstance(self.unexpected_count, Unset):
            unexpected_count = UNSET
        else:
            unexpected_count = self.unexpected_count

        unexpected_percent: float | None | Unset
        if isinstance(self.unexpected_percent, Unset):
            unexpected_percent = UNSET
        else:
            unexpected_percent = self.unexpected_percent

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "column": column,
                "kind": kind,
                "name": name,
                "rule_id": rule_id,
                "severity": severity,
                "success": success,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error
        if examples is not UNSET:
            field_dict["examples"] = examples
        if observed is not UNSET:
            field_dict["observed"] = observed
        if unexpected_count is not UNSET:
            field_dict["unexpected_count"] = unexpected_count
        if unexpected_percent is not UNSET:
            field_dict["unexpected_percent"] = unexpected_percent

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_column(data: object) -> None | str:
            if data is None:
                return data
            from typing import cast

            return cast(None | str, data)

        column = _parse_column(d.pop("column"))

        kind = d.pop("kind")

        name = d.pop("name")

        rule_id = UUID(d.pop("rule_id"))

        severity = d.pop("severity")

        success = d.pop("success")

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        examples = cast(list[Any], d.pop("examples", UNSET))

        observed = d.pop("observed", UNSET)

        def _parse_unexpected_count(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(int | None | Unset, data)

        unexpected_count = _parse_unexpected_count(d.pop("unexpected_count", UNSET))

        def _parse_unexpected_percent(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(float | None | Unset, data)

        unexpected_percent = _parse_unexpected_percent(
            d.pop("unexpected_percent", UNSET)
        )

        check_result = cls(
            column=column,
            kind=kind,
            name=name,
            rule_id=rule_id,
            severity=severity,
            success=success,
            error=error,
            examples=examples,
            observed=observed,
            unexpected_count=unexpected_count,
            unexpected_percent=unexpected_percent,
        )

        check_result.additional_properties = d
        return check_result

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
