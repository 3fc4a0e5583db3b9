from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="VersionPublic")


@_attrs_define
class VersionPublic:
    """
    Attributes:
        dagster_run_id (None | str):
        error (None | str):
        finished_at (datetime.datetime | None):
        id (UUID):
        number (int):
        reject_count (int | None):
        row_count (int | None):
        started_at (datetime.datetime):
        status (str):
        check_status (None | str | Unset): Quality rules: passed, warned, failed, or null
        current (bool | Unset):  Default: False.
    """

    dagster_run_id: None | str
    error: None | str
    finished_at: datetime.datetime | None
    id: UUID
    number: int
    reject_count: int | None
    row_count: int | None
    started_at: datetime.datetime
    status: str
    check_status: None | str | Unset = UNSET
    current: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        dagster_run_id: None | str
        dagster_run_id = self.dagster_run_id

        error: None | str
        error = self.error

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        id = str(self.id)

        number = self.number

        reject_count: int | None
        reject_count = self.reject_count

        row_count: int | None
        row_count = self.row_count

        started_at = self.started_at.isoformat()

        status = self.status

        check_status: None | str | Unset
        if isinstance(self.check_status, Unset):
            check_status = UNSET
        else:
            check_status = self.check_status

        current = self.current

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "dagster_run_id": dagster_run_id,
                "error": error,
                "finished_at": finished_at,
                "id": id,
                "number": number,
                "reject_count": reject_count,
                "row_count": row_count,
                "started_at": started_at,
                "status": status,
            }
        )
        if check_status is not UNSET:
            field_dict["check_status"] = check_status
        if current is not UNSET:
            field_dict["current"] = current

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_dagster_run_id(data: object) -> None | str:
            if data is None:
                return data
            from typing import cast

            return cast(None | str, data)

        dagster_run_id = _parse_dagster_run_id(d.pop("dagster_run_id"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            from typing import cast

            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        id = UUID(d.pop("id"))

        number = d.pop("number")

        def _parse_reject_count(data: object) -> int | None:
            if data is None:
                return data
            from typing import cast

            return cast(int | None, data)

        reject_count = _parse_reject_count(d.pop("reject_count"))

        def _parse_row_count(data: object) -> int | None:
            if data is None:
                return data
            from typing import cast

            return cast(int | None, data)

        row_count = _parse_row_count(d.pop("row_count"))

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        status = d.pop("status")

        def _parse_check_status(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        check_status = _parse_check_status(d.pop("check_status", UNSET))

        current = d.pop("current", UNSET)

        version_public = cls(
            dagster_run_id=dagster_run_id,
            error=error,
            finished_at=finished_at,
            id=id,
            number=number,
            reject_count=reject_count,
            row_count=row_count,
            started_at=started_at,
            status=status,
            check_status=check_status,
            current=current,
        )

        version_public.additional_properties = d
        return version_public

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
