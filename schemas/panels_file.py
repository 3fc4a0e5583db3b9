"""Panels as code: the file format of a tenant's panel definitions (YAML or JSON).

One document declares panels with their sources, columns, views and quality rules. Objects are
named, never numbered: a panel by its slug, a source by its name, a column by its key, a view
and a rule by their names; renaming one is deleting it and creating another. The fields are the
API's own (``PanelCreate``, ``SourceCreate``, ``ColumnCreate``, ``ViewCreate``,
``QualityRuleCreate``), so a file and a request say the same things in the same words, and the
apply runs them through the same checks.

Secrets are never values in a file: every secret is a reference, ``{env: NAME}``, resolved
where the plan runs (the CLI's environment; over HTTP, the request's ``secrets`` map, which the
CLI fills from its environment). The JSON Schema for editors is ``PanelsFile.model_json_schema``
(``panels schema``, and ``docs/panels-file.schema.json``).
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import Field, field_validator, model_validator

from core.enums import ColumnType, SourceKind
from schemas.columns import ColumnMapping, MappedOrFormula
from schemas.common import ColumnKey, InputModel, Name, Slug
from schemas.panels import PanelCreate
from schemas.quality import QualityRuleCreate
from schemas.sources import shapes_of
from schemas.views import ViewCreate

ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class SecretRef(InputModel):
    """A secret's value, read from an environment variable where the plan runs."""

    env: str = Field(pattern=ENV_NAME, examples=["FLIGHTS_API_TOKEN"])


SecretLeaf = SecretRef | dict[str, SecretRef]


class SourceDoc(InputModel):
    name: ColumnKey = Field(examples=["flights_csv"])
    kind: SourceKind
    config: dict[str, Any] = Field(
        description="The kind's config, as in the API (file: path/url/format...; http: url,"
        " record_path, pagination...; sql: query...)",
        examples=[{"path": "nycflights13/flights.csv"}],
    )
    secrets: dict[str, SecretLeaf] | None = Field(
        default=None,
        description="References only: {env: NAME}, or a map of them (headers, params)",
        examples=[{"headers": {"Authorization": {"env": "API_TOKEN"}}}],
    )

    @model_validator(mode="after")
    def _config_of_its_kind(self) -> Self:
        # The config alone: secrets are checked once their references are resolved.
        shapes_of(self.kind).config.model_validate(self.config)
        return self


class ColumnDoc(MappedOrFormula):
    key: ColumnKey = Field(examples=["dep_delay"])
    name: Name | None = Field(default=None, description="Default: the key")
    type: ColumnType = Field(examples=["number"])
    mapping: ColumnMapping | None = None
    formula: str | None = Field(default=None, min_length=1, max_length=10_000)


class ViewColumnDoc(InputModel):
    column: ColumnKey
    visible: bool = True
    width: int | None = Field(default=None, ge=20, le=2000)


class ViewDoc(ViewCreate):
    columns: list[ColumnKey | ViewColumnDoc] | None = Field(  # type: ignore[assignment]
        default=None,
        description="Shown columns in order, by key (or {column, visible, width}); omitted:"
        " every column of the panel, in the panel's order",
    )


class PanelDoc(PanelCreate):
    sources: list[SourceDoc] = Field(default_factory=list)
    columns: list[ColumnDoc] = Field(default_factory=list)
    views: list[ViewDoc] = Field(default_factory=list)
    rules: list[QualityRuleCreate] = Field(default_factory=list, description="Quality rules")

    @model_validator(mode="after")
    def _names_once(self) -> Self:
        for what, names in (
            ("source", [s.name for s in self.sources]),
            ("column", [c.key for c in self.columns]),
            ("view", [v.name for v in self.views]),
            ("rule", [r.name for r in self.rules]),
        ):
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise ValueError(f"{what} {twice[0]!r} is declared twice in panel {self.slug!r}")
        return self


class PanelsFile(InputModel):
    """A tenant's panels, declared."""

    version: Literal[1] = 1
    tenant: Slug | None = Field(
        default=None, description="The tenant's slug (the CLI's --tenant, when left out)"
    )
    panels: list[PanelDoc] = Field(default_factory=list)

    @field_validator("panels")
    @classmethod
    def _slugs_once(cls, panels: list[PanelDoc]) -> list[PanelDoc]:
        slugs = [p.slug for p in panels]
        twice = sorted({s for s in slugs if slugs.count(s) > 1})
        if twice:
            raise ValueError(f"panel {twice[0]!r} is declared twice")
        return panels


class ApplyRequest(InputModel):
    """POST /api/v1/apply: plan a document against the tenant's panels, and apply it."""

    document: PanelsFile
    secrets: dict[str, str] = Field(
        default_factory=dict,
        description="Values of the {env: NAME} references the document makes (the CLI sends"
        " its environment's); the server never reads its own environment for them",
    )
    prune: bool = Field(default=False, description="Delete what the document does not declare")
    dry_run: bool = Field(default=False, description="Plan only: change nothing")


class Change(InputModel):
    action: Literal["create", "update", "delete"]
    object_type: Literal["panel", "source", "column", "view", "quality_rule"]
    panel: str = Field(description="The panel's slug")
    name: str = Field(description="The object's slug, name or key")
    path: str = Field(description="Where the document declares it: panels.0.columns.3")
    fields: dict[str, list[Any]] = Field(
        default_factory=dict, description="Per changed field: [current, declared]"
    )


class PlanSummary(InputModel):
    create: int
    update: int
    delete: int


class ApplyResult(InputModel):
    changes: list[Change]
    summary: PlanSummary
    kept: list[str] = Field(
        default_factory=list, description="Objects the document leaves out, kept (no --prune)"
    )
    notes: list[str] = Field(default_factory=list)
    applied: bool
    text: str = Field(description="The plan as the CLI prints it")
