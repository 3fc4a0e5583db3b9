from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.apply_request_secrets import ApplyRequestSecrets
    from ..models.panels_file import PanelsFile


T = TypeVar("T", bound="ApplyRequest")


@_attrs_define
class ApplyRequest:
    """POST /api/v1/apply: plan a document against the tenant's panels, and apply it.

    Attributes:
        document (PanelsFile): A tenant's panels, declared.
        dry_run (bool | Unset): Plan only: change nothing Default: False.
        prune (bool | Unset): Delete what the document does not declare Default: False.
        secrets (ApplyRequestSecrets | Unset): Values of the {env: NAME} references the document makes (the CLI sends
            its environment's); the server never reads its own environment for them
    """

    document: PanelsFile
    dry_run: bool | Unset = False
    prune: bool | Unset = False
    secrets: ApplyRequestSecrets | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        document = self.document.to_dict()

        dry_run = self.dry_run

        prune = self.prune

        secrets: dict[str, Any] | Unset = UNSET
        if not isinstance(self.secrets, Unset):
            secrets = self.secrets.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "document": document,
            }
        )
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run
        if prune is not UNSET:
            field_dict["prune"] = prune
        if secrets is not UNSET:
            field_dict["secrets"] = secrets

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.apply_request_secrets import ApplyRequestSecrets  # noqa: PLC0415
        from ..models.panels_file import PanelsFile  # noqa: PLC0415

        d = dict(src_dict)
        document = PanelsFile.from_dict(d.pop("document"))

        dry_run = d.pop("dry_run", UNSET)

        prune = d.pop("prune", UNSET)

        _secrets = d.pop("secrets", UNSET)
        secrets: ApplyRequestSecrets | Unset
        if isinstance(_secrets, Unset):
            secrets = UNSET
        else:
            secrets = ApplyRequestSecrets.from_dict(_secrets)

        apply_request = cls(
            document=document,
            dry_run=dry_run,
            prune=prune,
            secrets=secrets,
        )

        return apply_request
