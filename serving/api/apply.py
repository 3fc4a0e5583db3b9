"""Panels as code: plan a declared document against a tenant's panels, and apply it.

The plan compares each declared object (panel by slug, source by name, column by key, view and
rule by name) with what exists, field by field. The apply then makes every change through the
functions the API's routes use (the same checks, audit rows and outbox events), in one
database transaction: the routes' commits become savepoints (the session joins an outer
transaction with ``join_transaction_mode="create_savepoint"``), and the outer transaction is
committed only when every change passed, or rolled back at the first refusal, with the
refusal's field moved to where the document declares the object (``panels.0.columns.3.formula``).
A dry run makes every change the same way and rolls back: the plan it shows has passed every
check the apply makes.

Dagster partitions follow after the commit (``after_commit``), as for the API's own panel
routes.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from core.crypto import SecretBox
from core.settings import Settings
from models import DataSource, Panel, PanelColumn, QualityRule, View
from models.db import set_tenant
from schemas.columns import ColumnCreate, ColumnMapping, ColumnUpdate
from schemas.common import FieldError
from schemas.panels import PanelCreate, PanelPublic
from schemas.panels_file import (
    ApplyRequest,
    ApplyResult,
    Change,
    ColumnDoc,
    PanelDoc,
    PanelsFile,
    PlanSummary,
    SecretLeaf,
    SecretRef,
    SourceDoc,
    ViewColumnDoc,
    ViewDoc,
)
from schemas.quality import QualityRuleCreate, QualityRuleUpdate
from schemas.sources import SourceCreate, SourceUpdate, parse_source, stored
from schemas.views import ViewColumnIn, ViewCreate, ViewPublic, ViewUpdate
from serving.api.routes import columns as column_routes
from serving.api.routes import panels as panel_routes
from serving.api.routes import quality as rule_routes
from serving.api.routes import sources as source_routes
from serving.api.routes import views as view_routes
from serving.auth.principal import Principal
from serving.http.errors import ApiError
from serving.writes import mutations

PANEL_FIELDS = ("name", "description", "refresh_cron", "timezone", "strict")
VIEW_FIELDS = ("filters", "sorts", "group_by", "aggregates", "columns", "chart")
HIDDEN = "(hidden)"


@dataclass(frozen=True)
class Context:
    settings: Settings
    box: SecretBox
    principal: Principal


@dataclass
class _Current:
    """A tenant's panels as they are, by name."""

    panels: dict[str, Panel]
    sources: dict[str, dict[str, DataSource]]
    columns: dict[str, list[PanelColumn]]  # in their order
    views: dict[str, dict[str, View]]
    rules: dict[str, dict[str, QualityRule]]


@dataclass
class _Step:
    change: Change
    run: Callable[[], Any]
    retry: bool = False  # formula columns: may wait for the columns they read
    shown: bool = True  # False: a renumbering of positions, nothing the user changed


@dataclass
class _Plan:
    steps: list[_Step] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)  # partitions to add after the commit
    removed: list[str] = field(default_factory=list)


def load_current(session: Session, tenant_id: uuid.UUID) -> _Current:
    panels = {
        p.slug: p
        for p in session.scalars(
            select(Panel).where(Panel.tenant_id == tenant_id).order_by(Panel.slug)
        )
    }
    by_id = {p.id: p.slug for p in panels.values()}
    current = _Current(panels, {}, {}, {}, {})
    for slug in panels:
        current.sources[slug], current.columns[slug] = {}, []
        current.views[slug], current.rules[slug] = {}, {}
    for s in session.scalars(
        select(DataSource).where(DataSource.tenant_id == tenant_id).order_by(DataSource.name)
    ):
        current.sources[by_id[s.panel_id]][s.name] = s
    for c in session.scalars(
        select(PanelColumn)
        .where(PanelColumn.tenant_id == tenant_id)
        .order_by(PanelColumn.position, PanelColumn.key)
    ):
        current.columns[by_id[c.panel_id]].append(c)
    for v in session.scalars(
        select(View)
        .where(View.tenant_id == tenant_id)
        .options(selectinload(View.view_columns))
        .order_by(View.name)
    ):
        current.views[by_id[v.panel_id]][v.name] = v
    for r in session.scalars(
        select(QualityRule).where(QualityRule.tenant_id == tenant_id).order_by(QualityRule.name)
    ):
        current.rules[by_id[r.panel_id]][r.name] = r
    return current


# --- what an object is, in comparable JSON --------------------------------------------------


def _mapping(value: dict[str, Any] | ColumnMapping | None) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, ColumnMapping):
        return value.model_dump(mode="json")
    return ColumnMapping.model_validate(value).model_dump(mode="json")


def _column_doc(c: ColumnDoc) -> dict[str, Any]:
    return {
        "name": c.name or c.key,
        "type": c.type.value,
        "mapping": _mapping(c.mapping),
        "formula": c.formula,
    }


def _column_now(c: PanelColumn) -> dict[str, Any]:
    return {
        "name": c.name,
        "type": c.type.value,
        "mapping": _mapping(c.mapping),
        "formula": c.formula,
    }


def _view_columns_doc(view: ViewDoc, order: list[str]) -> list[dict[str, Any]]:
    if view.columns is None:
        return [{"column": key, "visible": True, "width": None} for key in order]
    out = []
    for item in view.columns:
        doc = ViewColumnDoc(column=item) if isinstance(item, str) else item
        out.append(doc.model_dump(mode="json"))
    return out


def _view_doc(view: ViewDoc, order: list[str]) -> dict[str, Any]:
    dumped = view.model_dump(mode="json", include=set(VIEW_FIELDS) - {"columns"})
    return {**dumped, "columns": _view_columns_doc(view, order)}


def _view_now(view: View, keys: dict[uuid.UUID, str]) -> dict[str, Any]:
    public = ViewPublic.model_validate(view).model_dump(
        mode="json", include=set(VIEW_FIELDS) - {"columns"}
    )
    shown = sorted(view.view_columns, key=lambda vc: vc.position)
    public["columns"] = [
        {
            "column": keys.get(vc.column_id, str(vc.column_id)),
            "visible": vc.visible,
            "width": vc.width,
        }
        for vc in shown
    ]
    return public


def _rule_doc(rule: QualityRuleCreate) -> dict[str, Any]:
    return rule.model_dump(mode="json", include={"kind", "column", "params", "severity"})


def _rule_now(rule: QualityRule) -> dict[str, Any]:
    return {
        "kind": rule.kind.value if hasattr(rule.kind, "value") else rule.kind,
        "column": rule.column_key,
        "params": rule.params or {},
        "severity": rule.severity.value if hasattr(rule.severity, "value") else rule.severity,
    }


def _diff(now: dict[str, Any], wanted: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [now.get(k), v] for k, v in wanted.items() if now.get(k) != v}


# --- secrets ---------------------------------------------------------------------------------


def _resolve(
    leaf: SecretLeaf, values: dict[str, str], path: str, missing: list[tuple[str, str]]
) -> Any:
    if isinstance(leaf, SecretRef):
        if leaf.env not in values:
            missing.append((f"{path}.env", leaf.env))
            return None
        return values[leaf.env]
    return {k: _resolve(v, values, f"{path}.{k}", missing) for k, v in leaf.items()}


def resolve_secrets(
    source: SourceDoc, values: dict[str, str], path: str
) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """The source's secrets with every reference's value, and the references with none."""
    if source.secrets is None:
        return None, []
    missing: list[tuple[str, str]] = []
    resolved = {
        k: _resolve(v, values, f"{path}.secrets.{k}", missing) for k, v in source.secrets.items()
    }
    return resolved, missing


def references(document: PanelsFile) -> list[str]:
    """Every environment variable the document's secrets refer to."""

    def walk(leaf: SecretLeaf) -> Iterator[str]:
        if isinstance(leaf, SecretRef):
            yield leaf.env
        else:
            for v in leaf.values():
                yield from walk(v)

    names = [
        name
        for panel in document.panels
        for source in panel.sources
        for leaf in (source.secrets or {}).values()
        for name in walk(leaf)
    ]
    return list(dict.fromkeys(names))


# --- errors, moved to where the document declares the object --------------------------------


def _moved(exc: Exception, path: str) -> ApiError:
    """A route's refusal (``body.x``) as the document's (``document.<path>.x``)."""
    where = f"document.{path}"

    def field_of(loc: str) -> str:
        return where + loc.removeprefix("body") if loc.startswith("body") else f"{where}.{loc}"

    if isinstance(exc, ApiError):
        errors = [e.model_copy(update={"field": field_of(e.field)}) for e in exc.errors]
        detail = exc.detail
        for e in exc.errors:
            detail = detail.replace(e.field, field_of(e.field), 1)
        if not errors:
            detail = f"{where}: {detail}"
        return ApiError(
            exc.status,
            detail,
            errors=errors or [FieldError(field=where, message=exc.detail, type="refused")],
        )
    if isinstance(exc, (RequestValidationError, ValidationError)):
        raw = exc.errors()
        errors = [
            FieldError(
                field=field_of(".".join(str(x) for x in e["loc"])),
                message=str(e["msg"]),
                type=str(e["type"]),
            )
            for e in raw
        ]
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
        return ApiError(422, detail, errors=errors)
    raise exc


# --- the plan ---------------------------------------------------------------------------------


class Planner:
    def __init__(self, session: Session, ctx: Context, request: ApplyRequest) -> None:
        self.session, self.ctx, self.request = session, ctx, request
        self.current = load_current(session, ctx.principal.tenant_id)
        self.plan = _Plan()
        self.ids: dict[str, uuid.UUID] = {s: p.id for s, p in self.current.panels.items()}

    def _step(
        self,
        action: str,
        object_type: str,
        panel: str,
        name: str,
        path: str,
        run: Callable[[], Any],
        fields: dict[str, list[Any]] | None = None,
        retry: bool = False,
        shown: bool = True,
    ) -> None:
        change = Change(
            action=action,
            object_type=object_type,
            panel=panel,
            name=name,
            path=path,
            fields=fields or {},
        )

        def guarded() -> Any:
            try:
                return run()
            except (ApiError, RequestValidationError, ValidationError) as exc:
                raise _moved(exc, path) from exc

        self.plan.steps.append(_Step(change, guarded, retry, shown))

    def build(self) -> _Plan:
        document = self.request.document
        declared = {p.slug for p in document.panels}
        for i, panel in enumerate(document.panels):
            self._panel(i, panel)
        for slug in self.current.panels:
            if slug not in declared:
                self._gone("panel", slug, slug, functools.partial(self._delete_panel, slug))
        return self.plan

    def _gone(self, object_type: str, panel: str, name: str, run: Callable[[], Any]) -> None:
        label = f"{object_type} {panel}" + ("" if object_type == "panel" else f".{name}")
        if self.request.prune:
            # A column may be read by a formula column deleted after it: it waits.
            self._step(
                "delete", object_type, panel, name, label, run, retry=object_type == "column"
            )
        else:
            self.plan.kept.append(label)

    # panels

    def _panel(self, i: int, doc: PanelDoc) -> None:
        path, slug = f"panels.{i}", doc.slug
        wanted = doc.model_dump(mode="json", include=set(PANEL_FIELDS))
        existing = self.current.panels.get(slug)
        principal = self.ctx.principal
        if existing is None:
            body = PanelCreate.model_validate(doc.model_dump(include={"slug", *PANEL_FIELDS}))

            def create() -> None:
                made = panel_routes.add_panel(self.session, principal, body)
                self.ids[slug] = made.id

            self._step("create", "panel", slug, slug, path, create)
            self.plan.added.append(f"{principal.tenant_slug}.{slug}")
        else:
            now = {k: getattr(existing, k) for k in PANEL_FIELDS}
            changed = _diff(now, wanted)
            if changed:
                changes = {k: v[1] for k, v in changed.items()}
                self._step(
                    "update",
                    "panel",
                    slug,
                    slug,
                    path,
                    lambda: panel_routes.change_panel(self.session, principal, existing, changes),
                    changed,
                )
        self._sources(path, doc)
        order = self._columns(path, doc)
        self._views(path, doc, order)
        self._rules(path, doc)

    def _delete_panel(self, slug: str) -> None:
        panel = self.current.panels[slug]
        mutations.delete(self.session, self.ctx.principal, panel, PanelPublic, object_type="panel")
        self.plan.removed.append(f"{self.ctx.principal.tenant_slug}.{slug}")

    # sources

    def _sources(self, path: str, doc: PanelDoc) -> None:
        slug, principal = doc.slug, self.ctx.principal
        settings, box = self.ctx.settings, self.ctx.box
        existing = self.current.sources.get(slug, {})
        for j, source in enumerate(doc.sources):
            where = f"{path}.sources.{j}"
            secrets, missing = resolve_secrets(source, self.request.secrets, where)
            now = existing.get(source.name)
            if missing and now is None:
                loc, name = missing[0]
                message = f"environment variable {name} is not set (secrets are references)"
                raise ApiError(
                    422,
                    f"document.{loc}: {message}",
                    errors=[
                        FieldError(field=f"document.{loc}", message=message, type="missing_secret")
                    ],
                )
            if missing:
                names = ", ".join(sorted({n for _, n in missing}))
                self.plan.notes.append(
                    f"source {slug}.{source.name}: {names} not set, its stored secrets are kept"
                )
                secrets = None  # keep
            try:
                config, _ = parse_source(source.kind, source.config, None)
                if secrets is not None:
                    _, parsed = parse_source(source.kind, source.config, secrets)
                    secrets = parsed.model_dump(exclude_unset=True) if parsed else None
            except ValidationError as exc:
                raise _moved(exc, where) from exc
            wanted = {"kind": source.kind.value, "config": stored(config)}
            if now is None:
                body = {"name": source.name, "kind": source.kind, "config": source.config}
                if secrets is not None:
                    body["secrets"] = secrets

                def create(body: dict[str, Any] = body) -> None:
                    source_in = SourceCreate.model_validate(body)
                    source_routes.add_source(
                        self.session, principal, settings, box, self.ids[slug], source_in
                    )

                self._step("create", "source", slug, source.name, where, create)
                continue
            current = {"kind": now.kind.value, "config": dict(now.config)}
            changed = _diff(current, wanted)
            old_secrets = box.open(now.secret_config) if now.secret_config else None
            secrets_change = not missing and (secrets or None) != (old_secrets or None)
            if secrets_change:
                changed["secrets"] = [HIDDEN if old_secrets else None, HIDDEN if secrets else None]
            if not changed:
                continue
            if "kind" in changed:
                raise ApiError(
                    422,
                    f"document.{where}.kind: a source's kind cannot change; give the new source"
                    " another name",
                    errors=[
                        FieldError(
                            field=f"document.{where}.kind",
                            message="a source's kind cannot change",
                            type="immutable",
                        )
                    ],
                )
            update: dict[str, Any] = {}
            if "config" in changed:
                update["config"] = source.config
            if secrets_change:
                update["secrets"] = secrets

            def change(now: DataSource = now, update: dict[str, Any] = update) -> None:
                source_routes.change_source(
                    self.session, principal, settings, box, now, SourceUpdate.model_validate(update)
                )

            self._step("update", "source", slug, source.name, where, change, changed)
        for name in existing:
            if name not in {s.name for s in doc.sources}:
                self._gone("source", slug, name, self._deleter(existing[name], "source", slug))

    def _deleter(self, obj: Any, object_type: str, slug: str) -> Callable[[], None]:
        principal = self.ctx.principal
        route = {
            "source": source_routes.delete_source,
            "column": column_routes.delete_column,
            "view": view_routes.delete_view,
            "quality_rule": rule_routes.delete_rule,
        }[object_type]

        def delete() -> None:
            route(self.session, principal, obj.panel_id, obj.id)

        return delete

    # columns

    def _columns(self, path: str, doc: PanelDoc) -> list[str]:
        """Plan the columns; the panel's column keys in their order after the apply."""
        slug, principal = doc.slug, self.ctx.principal
        existing = self.current.columns.get(slug, [])
        by_key = {c.key: c for c in existing}
        declared = [c.key for c in doc.columns]
        kept = [c.key for c in existing if c.key not in declared]
        order = declared + ([] if self.request.prune else kept)
        now_rank = {c.key: i for i, c in enumerate(existing)}
        reorder = any(k not in by_key or now_rank[k] != i for i, k in enumerate(order))
        for j, column in enumerate(doc.columns):
            where = f"{path}.columns.{j}"
            wanted = _column_doc(column)
            rank = order.index(column.key)
            now = by_key.get(column.key)
            if now is None:
                body = ColumnCreate(key=column.key, position=rank, **wanted)

                def create(body: ColumnCreate = body) -> None:
                    column_routes.create_column(self.session, principal, self.ids[slug], body)

                self._step(
                    "create",
                    "column",
                    slug,
                    column.key,
                    where,
                    create,
                    retry=column.formula is not None,
                )
                continue
            changed = _diff(_column_now(now), wanted)
            if now_rank[column.key] != rank:
                changed["position"] = [now_rank[column.key], rank]
            update = {k: v[1] for k, v in changed.items() if k != "position"}
            for side in ("mapping", "formula"):  # the one set clears the other
                if update.get(side) is None:
                    update.pop(side, None)
            # Stored positions are renumbered only when the order changes (a new column, a
            # move): an unchanged panel with gaps in its positions is left as it is.
            if reorder and now.position != rank:
                update["position"] = rank
            if not update:
                continue

            def change(now: PanelColumn = now, update: dict[str, Any] = update) -> None:
                column_routes.update_column(
                    self.session,
                    principal,
                    now.panel_id,
                    now.id,
                    ColumnUpdate.model_validate(update),
                )

            # No change shown: a renumbering only (gaps in the stored positions).
            self._step(
                "update",
                "column",
                slug,
                column.key,
                where,
                change,
                changed,
                retry=True,
                shown=bool(changed),
            )
        for key in kept:
            if self.request.prune:
                self._gone("column", slug, key, self._deleter(by_key[key], "column", slug))
                continue
            self.plan.kept.append(f"column {slug}.{key}")
            rank, now = order.index(key), by_key[key]
            if reorder and now.position != rank:  # kept, after the declared ones

                def move(now: PanelColumn = now, rank: int = rank) -> None:
                    column_routes.update_column(
                        self.session, principal, now.panel_id, now.id, ColumnUpdate(position=rank)
                    )

                self._step("update", "column", slug, key, f"column {slug}.{key}", move, shown=False)
        return order

    # views and rules

    def _views(self, path: str, doc: PanelDoc, order: list[str]) -> None:
        slug, principal = doc.slug, self.ctx.principal
        existing = self.current.views.get(slug, {})
        keys = {c.id: c.key for c in self.current.columns.get(slug, [])}
        for j, view in enumerate(doc.views):
            where = f"{path}.views.{j}"
            wanted = _view_doc(view, order)
            shown = [
                ViewColumnIn(column=c["column"], visible=c["visible"], width=c["width"])
                for c in wanted["columns"]
            ]
            now = existing.get(view.name)
            if now is None:
                body = ViewCreate(
                    name=view.name,
                    filters=view.filters,
                    sorts=view.sorts,
                    group_by=view.group_by,
                    aggregates=view.aggregates,
                    columns=shown,
                    chart=view.chart,
                )

                def create(body: ViewCreate = body) -> None:
                    view_routes.create_view(self.session, principal, self.ids[slug], body)

                self._step("create", "view", slug, view.name, where, create)
                continue
            changed = _diff(_view_now(now, keys), wanted)
            if not changed:
                continue
            update: dict[str, Any] = {}
            for k in changed:
                update[k] = shown if k == "columns" else getattr(view, k)

            def change(now: View = now, update: dict[str, Any] = update) -> None:
                view_routes.update_view(
                    self.session, principal, now.panel_id, now.id, ViewUpdate(**update)
                )

            self._step("update", "view", slug, view.name, where, change, changed)
        for name in existing:
            if name not in {v.name for v in doc.views}:
                self._gone("view", slug, name, self._deleter(existing[name], "view", slug))

    def _rules(self, path: str, doc: PanelDoc) -> None:
        slug, principal = doc.slug, self.ctx.principal
        existing = self.current.rules.get(slug, {})
        for j, rule in enumerate(doc.rules):
            where = f"{path}.rules.{j}"
            wanted = _rule_doc(rule)
            now = existing.get(rule.name)
            if now is not None:
                changed = _diff(_rule_now(now), wanted)
                if not changed:
                    continue
                if "kind" not in changed:
                    update = {k: v[1] for k, v in changed.items()}

                    def change(now: QualityRule = now, update: dict[str, Any] = update) -> None:
                        rule_routes.update_rule(
                            self.session,
                            principal,
                            now.panel_id,
                            now.id,
                            QualityRuleUpdate.model_validate(update),
                        )

                    self._step("update", "quality_rule", slug, rule.name, where, change, changed)
                    continue

                def replace(now: QualityRule = now, rule: QualityRuleCreate = rule) -> None:
                    rule_routes.delete_rule(self.session, principal, now.panel_id, now.id)
                    rule_routes.create_rule(self.session, principal, now.panel_id, rule)

                self._step("update", "quality_rule", slug, rule.name, where, replace, changed)
                continue

            def create(rule: QualityRuleCreate = rule) -> None:
                rule_routes.create_rule(self.session, principal, self.ids[slug], rule)

            self._step("create", "quality_rule", slug, rule.name, where, create)
        for name in existing:
            if name not in {r.name for r in doc.rules}:
                self._gone(
                    "quality_rule", slug, name, self._deleter(existing[name], "quality_rule", slug)
                )


def _execute(steps: list[_Step]) -> None:
    """Run the steps in order; formula columns that read a column made later wait for it."""
    waiting: list[_Step] = []
    for step in steps:
        if step.retry:
            try:
                step.run()
            except ApiError:
                waiting.append(step)
            continue
        _drain(waiting, final=False)
        step.run()
    _drain(waiting, final=True)


def _drain(waiting: list[_Step], *, final: bool) -> None:
    while waiting:
        left, refusals = [], []
        for step in waiting:
            try:
                step.run()
            except ApiError as exc:
                left.append(step)
                refusals.append(exc)
        if len(left) == len(waiting):
            if not final:
                return
            raise _cause(left, refusals)
        waiting[:] = left


def _cause(steps: list[_Step], refusals: list[ApiError]) -> ApiError:
    """Of refusals that may wait on each other, the one that does not name another's column
    (``{label}`` reads ``{twice}``, refused for its own formula: the refusal is twice's)."""
    names = {s.change.name for s in steps}
    for step, exc in zip(steps, refusals, strict=True):
        if not any(
            f"{{{n}}}" in exc.detail or f"'{n}'" in exc.detail for n in names - {step.change.name}
        ):
            return exc
    return refusals[0]


# --- the text of a plan -----------------------------------------------------------------------

SIGNS = {"create": "+", "update": "~", "delete": "-"}


def _short(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


def render(changes: list[Change], kept: list[str], notes: list[str], summary: PlanSummary) -> str:
    lines = []
    for change in changes:
        label = change.object_type.replace("_", " ")
        name = change.panel if change.object_type == "panel" else f"{change.panel}.{change.name}"
        lines.append(f"{SIGNS[change.action]} {label} {name}")
        for key, (old, new) in change.fields.items():
            lines.append(f"    {key}: {_short(old)} -> {_short(new)}")
    if kept:
        lines.append(f"{len(kept)} not in the file, kept (--prune deletes them): {', '.join(kept)}")
    lines.extend(f"note: {n}" for n in notes)
    lines.append(
        f"{summary.create} to create, {summary.update} to update, {summary.delete} to delete"
    )
    return "\n".join(lines)


# --- running it -------------------------------------------------------------------------------


@contextmanager
def _joined_session(engine: Engine, tenant_id: uuid.UUID) -> Iterator[tuple[Session, Any]]:
    with engine.connect() as conn:
        outer = conn.begin()
        session = Session(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        set_tenant(session, tenant_id)
        try:
            yield session, outer
        finally:
            session.close()
            if outer.is_active:
                outer.rollback()


def run(engine: Engine, ctx: Context, request: ApplyRequest) -> ApplyResult:
    """Plan ``request.document`` and apply it (all or nothing), or only plan it (dry run)."""
    with _joined_session(engine, ctx.principal.tenant_id) as (session, outer):
        planner = Planner(session, ctx, request)
        plan = planner.build()
        _execute(plan.steps)
        changes = [s.change for s in plan.steps if s.shown]
        summary = PlanSummary(
            create=sum(c.action == "create" for c in changes),
            update=sum(c.action == "update" for c in changes),
            delete=sum(c.action == "delete" for c in changes),
        )
        applied = not request.dry_run and bool(plan.steps)
        if applied:
            outer.commit()
        else:
            outer.rollback()
    if applied:
        for key in plan.added:
            panel_routes.follow_partition(ctx.settings, add=key)
        for key in plan.removed:
            panel_routes.follow_partition(ctx.settings, remove=key)
    return ApplyResult(
        changes=changes,
        summary=summary,
        kept=plan.kept,
        notes=plan.notes,
        applied=applied,
        text=render(changes, plan.kept, plan.notes, summary),
    )


# --- export -----------------------------------------------------------------------------------


def secret_variable(panel: str, source: str, *keys: str) -> str:
    """The environment variable an exported secret refers to: PANELS_SECRET_PANEL_SOURCE_KEY."""
    raw = "_".join(("PANELS_SECRET", panel, source, *keys))
    return "".join(ch if ch.isalnum() else "_" for ch in raw).upper()


def _refs(panel: str, source: str, secrets: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in secrets.items():
        if isinstance(value, dict):
            out[key] = {sub: {"env": secret_variable(panel, source, key, sub)} for sub in value}
        else:
            out[key] = {"env": secret_variable(panel, source, key)}
    return out


def export(
    session: Session, tenant_slug: str, tenant_id: uuid.UUID, box: SecretBox, panel: str | None
) -> PanelsFile:
    """The tenant's panels (or one) as a document that plans to no change."""
    current = load_current(session, tenant_id)
    if panel is not None and panel not in current.panels:
        raise LookupError(panel)
    docs = []
    for slug, found in current.panels.items():
        if panel is not None and slug != panel:
            continue
        columns = current.columns[slug]
        keys = {c.id: c.key for c in columns}
        sources = [
            SourceDoc(
                name=s.name,
                kind=s.kind,
                config=dict(s.config),
                secrets=_refs(slug, s.name, box.open(s.secret_config)) if s.secret_config else None,
            )
            for s in current.sources[slug].values()
        ]
        docs.append(
            PanelDoc(
                slug=slug,
                **{k: getattr(found, k) for k in PANEL_FIELDS},
                sources=sources,
                columns=[
                    ColumnDoc(
                        key=c.key,
                        name=c.name,
                        type=c.type,
                        mapping=ColumnMapping.model_validate(c.mapping) if c.mapping else None,
                        formula=c.formula,
                    )
                    for c in columns
                ],
                views=[
                    ViewDoc.model_validate({"name": v.name, **_view_now(v, keys)})
                    for v in current.views[slug].values()
                ],
                rules=[
                    QualityRuleCreate.model_validate({"name": r.name, **_rule_now(r)})
                    for r in current.rules[slug].values()
                ],
            )
        )
    return PanelsFile(tenant=tenant_slug, panels=docs)


def document_json(document: PanelsFile) -> dict[str, Any]:
    """The document as plain JSON, leaving out what says only a default."""
    body: dict[str, Any] = document.model_dump(mode="json", exclude_defaults=True)
    for panel in body.get("panels", []):
        for column in panel.get("columns", []):
            if column.get("name") == column["key"]:
                del column["name"]
        for view in panel.get("views", []):
            view["columns"] = [
                c["column"] if set(c) == {"column"} else c for c in view.get("columns", [])
            ]
    return body
