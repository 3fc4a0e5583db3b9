from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.audit_event_public_after_type_0 import AuditEventPublicAfterType0
    from ..models.audit_event_public_before_type_0 import AuditEventPublicBeforeType0


T = TypeVar("T", bound="AuditEventPublic")


@_attrs_define
class AuditEventPublic:
    """
    Attributes:
        action (str):
        actor_id (None | UUID):
        actor_type (str):
        after (AuditEventPublicAfterType0 | None):
        at (datetime.datetime):
        before (AuditEventPublicBeforeType0 | None):
        id (int):
        object_id (str):
        object_type (str):
        request_id (None | str):
    """

    action: str
    actor_id: None | UUID
    actor_type: str
    after: AuditEventPublicAfterType0 | None
    at: datetime.datetime
    before: AuditEventPublicBeforeType0 | None
    id: int
    object_id: str
    object_type: str
    request_id: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.audit_event_public_after_type_0 import AuditEventPublicAfterType0  # noqa: PLC0415
        from ..models.audit_event_public_before_type_0 import (
            AuditEventPublicBeforeType0,  # noqa: PLC0415
        )

        action = self.action

        actor_id: None | str
        if isinstance(self.actor_id, UUID):
            actor_id = str(self.actor_id)
        else:
            actor_id = self.actor_id

        actor_type = self.actor_type

        after: dict[str, Any] | None
        if isinstance(self.after, AuditEventPublicAfterType0):
            after = self.after.to_dict()
        else:
            after = self.after

        at = self.at.isoformat()

        before: dict[str, Any] | None
        if isinstance(self.before, AuditEventPublicBeforeType0):
            before = self.before.to_dict()
        else:
            before = self.before

        id = self.id

        object_id = self.object_id

        object_type = self.object_type

        request_id: None | str
        request_id = self.request_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "actor_id": actor_id,
                "actor_type": actor_type,
                "after": after,
                "at": at,
                "before": before,
                "id": id,
                "object_id": object_id,
                "object_type": object_type,
                "request_id": request_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audit_event_public_after_type_0 import AuditEventPublicAfterType0  # noqa: PLC0415
        from ..models.audit_event_public_before_type_0 import (
            AuditEventPublicBeforeType0,  # noqa: PLC0415
        )

        d = dict(src_dict)
        action = d.pop("action")

        def _parse_actor_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                actor_id_type_0 = UUID(data)

                return actor_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(None | UUID, data)

        actor_id = _parse_actor_id(d.pop("actor_id"))

        actor_type = d.pop("actor_type")

        def _parse_after(data: object) -> AuditEventPublicAfterType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                after_type_0 = AuditEventPublicAfterType0.from_dict(data)

                return after_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(AuditEventPublicAfterType0 | None, data)

        after = _parse_after(d.pop("after"))

        at = datetime.datetime.fromisoformat(d.pop("at"))

        def _parse_before(data: object) -> AuditEventPublicBeforeType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                before_type_0 = AuditEventPublicBeforeType0.from_dict(data)

                return before_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            from typing import cast

            return cast(AuditEventPublicBeforeType0 | None, data)

        before = _parse_before(d.pop("before"))

        id = d.pop("id")

        object_id = d.pop("object_id")

        object_type = d.pop("object_type")

        def _parse_request_id(data: object) -> None | str:
            if data is None:
                return data
            from typing import cast

            return cast(None | str, data)

        request_id = _parse_request_id(d.pop("request_id"))

        audit_event_public = cls(
            action=action,
            actor_id=actor_id,
            actor_type=actor_type,
            after=after,
            at=at,
            before=before,
            id=id,
            object_id=object_id,
            object_type=object_type,
            request_id=request_id,
        )

        audit_event_public.additional_properties = d
        return audit_event_public

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
