from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.change import Change
    from ..models.plan_summary import PlanSummary


T = TypeVar("T", bound="ApplyResult")


@_attrs_define
class ApplyResult:
    """
    Attributes:
        applied (bool):
        changes (list[Change]):
        summary (PlanSummary):
        text (str): The plan as the CLI prints it
        kept (list[str] | Unset): Objects the document leaves out, kept (no --prune)
        notes (list[str] | Unset):
    """

    applied: bool
    changes: list[Change]
    summary: PlanSummary
    text: str
    kept: list[str] | Unset = UNSET
    notes: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        applied = self.applied

        changes = []
        for changes_item_data in self.changes:
            changes_item = changes_item_data.to_dict()
            changes.append(changes_item)

        summary = self.summary.to_dict()

        text = self.text

        kept: list[str] | Unset = UNSET
        if not isinstance(self.kept, Unset):
            kept = self.kept

        notes: list[str] | Unset = UNSET
        if not isinstance(self.notes, Unset):
            notes = self.notes

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "applied": applied,
                "changes": changes,
                "summary": summary,
                "text": text,
            }
        )
        if kept is not UNSET:
            field_dict["kept"] = kept
        if notes is not UNSET:
            field_dict["notes"] = notes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.change import Change  # noqa: PLC0415
        from ..models.plan_summary import PlanSummary  # noqa: PLC0415

        d = dict(src_dict)
        applied = d.pop("applied")

        changes = []
        _changes = d.pop("changes")
        for changes_item_data in _changes:
            changes_item = Change.from_dict(changes_item_data)

            changes.append(changes_item)

        summary = PlanSummary.from_dict(d.pop("summary"))

        text = d.pop("text")

        kept = cast(list[str], d.pop("kept", UNSET))

        notes = cast(list[str], d.pop("notes", UNSET))

        apply_result = cls(
            applied=applied,
            changes=changes,
            summary=summary,
            text=text,
            kept=kept,
            notes=notes,
        )

        return apply_result
