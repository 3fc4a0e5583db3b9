from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.check_result import CheckResult


T = TypeVar("T", bound="VersionChecks")


@_attrs_define
class VersionChecks:
    """
    Attributes:
        results (list[CheckResult]):
        status (None | str): passed, warned, failed, or null without rules
        version (int | None):
    """

    results: list[CheckResult]
    status: None | str
    version: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)

        status: None | str
        status = self.status

        version: int | None
        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "results": results,
                "status": status,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.check_result import CheckResult  # noqa: PLC0415

        d = dict(src_dict)
        results = []
        _results = d.pop("results")
        for results_item_data in _results:
            results_item = CheckResult.from_dict(results_item_data)

            results.append(results_item)

        def _parse_status(data: object) -> None | str:
            if data is None:
                return data
            from typing import cast

            return cast(None | str, data)

        status = _parse_status(d.pop("status"))

        def _parse_version(data: object) -> int | None:
            if data is None:
                return data
            from typing import cast

            return cast(int | None, data)

        version = _parse_version(d.pop("version"))

        version_checks = cls(
            results=results,
            status=status,
            version=version,
        )

        version_checks.additional_properties = d
        return version_checks

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
