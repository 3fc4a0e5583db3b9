from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.attempt_outcome import AttemptOutcome

T = TypeVar("T", bound="AttemptPublic")


@_attrs_define
class AttemptPublic:
    """
    Attributes:
        at (datetime.datetime):
        attempt (int):
        error (None | str):
        latency_ms (float | None):
        next_attempt_at (datetime.datetime | None):
        outcome (AttemptOutcome):
        status_code (int | None):
    """

    at: datetime.datetime
    attempt: int
    error: None | str
    latency_ms: float | None
    next_attempt_at: datetime.datetime | None
    outcome: AttemptOutcome
    status_code: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        at = self.at.isoformat()

        attempt = self.attempt

        error: None | str
        error = self.error

        latency_ms: float | None
        latency_ms = self.latency_ms

        next_attempt_at: None | str
        if isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        outcome = self.outcome.value

        status_code: int | None
        status_code = self.status_code

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "at": at,
                "attempt": attempt,
                "error": error,
                "latency_ms": latency_ms,
                "next_attempt_at": next_attempt_at,
                "outcome": outcome,
                "status_code": status_code,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        at = datetime.datetime.fromisoformat(d.pop("at"))

        attempt = d.pop("attempt")

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            from typing import cast

            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        def _parse_latency_ms(data: object) -> float | None:
            if data is None:
                return data
            from typing import cast

            return cast(float | None, data)

        latency_ms = _parse_latency_ms(d.pop("latency_ms"))

        def _parse_next_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(datetime.datetime | None, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at"))

        outcome = AttemptOutcome(d.pop("outcome"))

        def _parse_status_code(data: object) -> int | None:
            if data is None:
                return data
            from typing import cast

            return cast(int | None, data)

        status_code = _parse_status_code(d.pop("status_code"))

        attempt_public = cls(
            at=at,
            attempt=attempt,
            error=error,
            latency_ms=latency_ms,
            next_attempt_at=next_attempt_at,
            outcome=outcome,
            status_code=status_code,
        )

        attempt_public.additional_properties = d
        return attempt_public

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
