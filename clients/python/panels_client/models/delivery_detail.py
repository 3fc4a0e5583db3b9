from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.delivery_state import DeliveryState
from ..models.event_type import EventType

if TYPE_CHECKING:
    from ..models.attempt_public import AttemptPublic


T = TypeVar("T", bound="DeliveryDetail")


@_attrs_define
class DeliveryDetail:
    """
    Attributes:
        attempts (int):
        created_at (datetime.datetime):
        delivered_at (datetime.datetime | None):
        error (None | str): Why the last attempt failed
        event_id (int): The event's id (its webhook-id header): the same on every attempt
        event_type (EventType):
        id (int):
        last_attempt_at (datetime.datetime | None):
        latency_ms (float | None):
        log (list[AttemptPublic]): Every attempt, first to last
        next_attempt_at (datetime.datetime | None): When a pending delivery is tried next
        panel_id (None | UUID):
        state (DeliveryState):
        status_code (int | None): The last attempt's HTTP status, if any
    """

    attempts: int
    created_at: datetime.datetime
    delivered_at: datetime.datetime | None
    error: None | str
    event_id: int
    event_type: EventType
    id: int
    last_attempt_at: datetime.datetime | None
    latency_ms: float | None
    log: list[AttemptPublic]
    next_attempt_at: datetime.datetime | None
    panel_id: None | UUID
    state: DeliveryState
    status_code: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        created_at = self.created_at.isoformat()

        delivered_at: None | str
        if isinstance(self.delivered_at, datetime.datetime):
            delivered_at = self.delivered_at.isoformat()
        else:
            delivered_at = self.delivered_at

        error: None | str
        error = self.error

        event_id = self.event_id

        event_type = self.event_type.value

        id = self.id

        last_attempt_at: None | str
        if isinstance(self.last_attempt_at, datetime.datetime):
            last_attempt_at = self.last_attempt_at.isoformat()
        else:
            last_attempt_at = self.last_attempt_at

        latency_ms: float | None
        latency_ms = self.latency_ms

        log = []
        for log_item_data in self.log:
            log_item = log_item_data.to_dict()
            log.append(log_item)

        next_attempt_at: None | str
        if isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        panel_id: None | str
        if isinstance(self.panel_id, UUID):
            panel_id = str(self.panel_id)
        else:
            panel_id = self.panel_id

        state = self.state.value

        status_code: int | None
        status_code = self.status_code

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "created_at": created_at,
                "delivered_at": delivered_at,
                "error": error,
                "event_id": event_id,
                "event_type": event_type,
                "id": id,
                "last_attempt_at": last_attempt_at,
                "latency_ms": latency_ms,
                "log": log,
                "next_attempt_at": next_attempt_at,
                "panel_id": panel_id,
                "state": state,
                "status_code": status_code,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.attempt_public import AttemptPublic  # noqa: PLC0415

        d = dict(src_dict)
        attempts = d.pop("attempts")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_delivered_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                delivered_at_type_0 = datetime.datetime.fromisoformat(data)

                return delivered_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(datetime.datetime | None, data)

        delivered_at = _parse_delivered_at(d.pop("delivered_at"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            from typing import cast

            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        event_id = d.pop("event_id")

        event_type = EventType(d.pop("event_type"))

        id = d.pop("id")

        def _parse_last_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(datetime.datetime | None, data)

        last_attempt_at = _parse_last_attempt_at(d.pop("last_attempt_at"))

        def _parse_latency_ms(data: object) -> float | None:
            if data is None:
                return data
            from typing import cast

            return cast(float | None, data)

        latency_ms = _parse_latency_ms(d.pop("latency_ms"))

        log = []
        _log = d.pop("log")
        for log_item_data in _log:
            log_item = AttemptPublic.from_dict(log_item_data)

            log.append(log_item)

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

        def _parse_panel_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                panel_id_type_0 = UUID(data)

                return panel_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(None | UUID, data)

        panel_id = _parse_panel_id(d.pop("panel_id"))

        state = DeliveryState(d.pop("state"))

        def _parse_status_code(data: object) -> int | None:
            if data is None:
                return data
            from typing import cast

            return cast(int | None, data)

        status_code = _parse_status_code(d.pop("status_code"))

        delivery_detail = cls(
            attempts=attempts,
            created_at=created_at,
            delivered_at=delivered_at,
            error=error,
            event_id=event_id,
            event_type=event_type,
            id=id,
            last_attempt_at=last_attempt_at,
            latency_ms=latency_ms,
            log=log,
            next_attempt_at=next_attempt_at,
            panel_id=panel_id,
            state=state,
            status_code=status_code,
        )

        delivery_detail.additional_properties = d
        return delivery_detail

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
