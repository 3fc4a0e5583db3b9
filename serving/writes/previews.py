"""Previews of a source's first rows for the API: what the connector reads, never published.

The preview runs in the request (a worker thread), through the sync's own connector, network
policy and the tenant's data root; ``connectors.preview`` bounds it by rows and seconds. A
source that cannot be read is a 422 naming the source and what failed; one that did not answer
in time, or answered 5xx, a 502.
"""

from __future__ import annotations

from pathlib import Path

from connectors.preview import Preview, preview
from connectors.spec import SourceSpec
from core.crypto import SecretBox
from core.enums import SourceKind
from core.errors import SourceError, TransientSourceError
from core.netguard import NetworkPolicy
from core.settings import Settings
from core.storage import tenant_files
from models import DataSource
from schemas.common import FieldError
from schemas.sources import PreviewOptions, SourcePreview
from serving.http.errors import ApiError


def saved_spec(source: DataSource, box: SecretBox) -> SourceSpec:
    """A saved source as its connector reads it (secrets opened)."""
    return SourceSpec(
        id=source.id,
        name=source.name,
        kind=SourceKind(source.kind),
        config=dict(source.config),
        secrets=box.open(source.secret_config) if source.secret_config else {},
        state=dict(source.state or {}),
    )


def read_preview(
    settings: Settings, tenant_slug: str, spec: SourceSpec, options: PreviewOptions, field: str
) -> Preview:
    """The preview of ``spec`` (``field`` names the source in errors: ``body.source``...)."""
    root: Path = tenant_files(settings.data_root, tenant_slug)
    try:
        return preview(
            spec,
            data_root=root,
            policy=NetworkPolicy.from_settings(settings),
            limit=options.limit,
            timeout=options.timeout,
        )
    except TransientSourceError as exc:
        error = FieldError(field=field, message=str(exc), type="source_unavailable")
        raise ApiError(502, f"{field}: {exc}", errors=[error]) from exc
    except (SourceError, ValueError) as exc:
        error = FieldError(field=field, message=str(exc), type="source_unreadable")
        raise ApiError(422, f"{field}: {exc}", errors=[error]) from exc


def public(result: Preview) -> SourcePreview:
    return SourcePreview.model_validate(result)
