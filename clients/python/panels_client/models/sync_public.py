from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.check_result import CheckResult


T = TypeVar("T", bound="SyncPublic")


@_attrs_define
class SyncPublic:
    """
    Attributes:
        id (str): The Dagster run id
        panel_id (UUID):
        partition (str):
        status (str):
        dagster_url (None | str | Unset): The run in the Dagster UI
        error (None | str | Unset): Why it failed: the source error, the blocking quality rules, or the Dagster failure
            when the run ended before Panels recorded one
        failed_rules (list[CheckResult] | Unset): The quality rules that did not pass, with their counts
        failed_version (int | None | Unset): The version number the failed attempt had taken
        finished_at (datetime.datetime | None | Unset):
        retry_pending (bool | Unset): Failed, and Dagster's retry daemon will re-execute the run (not yet done) Default:
            False.
        retry_run_id (None | str | Unset): The run Dagster launched to retry this one: follow it
        row_count (int | None | Unset):
        started_at (datetime.datetime | None | Unset):
        version (int | None | Unset): The version it published
    """

    id: str
    panel_id: UUID
    partition: str
    status: str
    dagster_url: None | str | Unset = UNSET
    error: None | str | Unset = UNSET
    failed_rules: list[CheckResult] | Unset = UNSET
    failed_version: int | None | Unset = UNSET
    finished_at: datetime.datetime | None | Unset = UNSET
    retry_pending: bool | Unset = False
    retry_run_id: None | str | Unset = UNSET
    row_count: int | None | Unset = UNSET
    started_at: datetime.datetime | None | Unset = UNSET
    version: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        panel_id = str(self.panel_id)

        partition = self.partition

        status = self.status

        dagster_url: None | str | Unset
        if isinstance(self.dagster_url, Unset):
            dagster_url = UNSET
        else:
            dagster_url = self.dagster_url

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        failed_rules: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.failed_rules, Unset):
            failed_rules = []
            for failed_rules_item_data in self.failed_rules:
                failed_rules_item = failed_rules_item_data.to_dict()
                failed_rules.append(failed_rules_item)

        failed_version: int | None | Unset
        if isinstance(self.failed_version, Unset):
            failed_version = UNSET
        else:
            failed_version = self.failed_version

        finished_at: None | str | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        retry_pending = self.retry_pending

        retry_run_id: None | str | Unset
        if isinstance(self.retry_run_id, Unset):
            retry_run_id = UNSET
        else:
            retry_run_id = self.retry_run_id

        row_count: int | None | Unset
        if isinstance(self.row_count, Unset):
            row_count = UNSET
        else:
            row_count = self.row_count

        started_at: None | str | Unset
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        elif isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        version: int | None | Unset
        if isinstance(self.version, Unset):
            version = UNSET
        else:
            version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "panel_id": panel_id,
                "partition": partition,
                "status": status,
            }
        )
        if dagster_url is not UNSET:
            field_dict["dagster_url"] = dagster_url
        if error is not UNSET:
            field_dict["error"] = error
        if failed_rules is not UNSET:
            field_dict["failed_rules"] = failed_rules
        if failed_version is not UNSET:
            field_dict["failed_version"] = failed_version
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
        if retry_pending is not UNSET:
            field_dict["retry_pending"] = retry_pending
        if retry_run_id is not UNSET:
            field_dict["retry_run_id"] = retry_run_id
        if row_count is not UNSET:
            field_dict["row_count"] = row_count
        if started_at is not UNSET:
            field_dict["started_at"] = started_at
        if version is not UNSET:
            field_dict["version"] = version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.check_result import CheckResult  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        panel_id = UUID(d.pop("panel_id"))

        partition = d.pop("partition")

        status = d.pop("status")

        def _parse_dagster_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        dagster_url = _parse_dagster_url(d.pop("dagster_url", UNSET))

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        _failed_rules = d.pop("failed_rules", UNSET)
        failed_rules: list[CheckResult] | Unset = UNSET
        if _failed_rules is not UNSET:
            failed_rules = []
            for failed_rules_item_data in _failed_rules:
                failed_rules_item = CheckResult.from_dict(failed_rules_item_data)

                failed_rules.append(failed_rules_item)

        def _parse_failed_version(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(int | None | Unset, data)

        failed_version = _parse_failed_version(d.pop("failed_version", UNSET))

        def _parse_finished_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(datetime.datetime | None | Unset, data)

        finished_at = _parse_finished_at(d.pop("finished_at", UNSET))

        retry_pending = d.pop("retry_pending", UNSET)

        def _parse_retry_run_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        retry_run_id = _parse_retry_run_id(d.pop("retry_run_id", UNSET))

        def _parse_row_count(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(int | None | Unset, data)

        row_count = _parse_row_count(d.pop("row_count", UNSET))

        def _parse_started_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(datetime.datetime | None | Unset, data)

        started_at = _parse_started_at(d.pop("started_at", UNSET))

        def _parse_version(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(int | None | Unset, data)

        version = _parse_version(d.pop("version", UNSET))

        sync_public = cls(
            id=id,
            panel_id=panel_id,
            partition=partition,
            status=status,
            dagster_url=dagster_url,
            error=error,
            failed_rules=failed_rules,
            failed_version=failed_version,
            finished_at=finished_at,
            retry_pending=retry_pending,
            retry_run_id=retry_run_id,
            row_count=row_count,
            started_at=started_at,
            version=version,
        )

        sync_public.additional_properties = d
        return sync_public

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
