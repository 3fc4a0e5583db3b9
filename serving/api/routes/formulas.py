"""The formula catalogue and formula previews: what a formula editor needs besides saving."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from formulas.catalog import catalog
from schemas.formulas import FormulaPreview, FormulaPreviewPublic, FunctionList, FunctionPublic
from serving.api.deps import EditorDep, SessionDep, ViewerDep
from serving.api.routes.panels import load_panel
from serving.writes.formula_preview import preview

router = APIRouter(tags=["formulas"])
_CATALOG = [FunctionPublic.model_validate(f) for f in catalog()]
FUNCTIONS = FunctionList(data=_CATALOG, count=len(_CATALOG))


@router.get("/formulas/functions", response_model=FunctionList)
def list_functions(principal: ViewerDep) -> FunctionList:
    """Every function a formula may call: usage, result type, description and an example with
    its result, generated from the engine's registry."""
    return FUNCTIONS


@router.post("/panels/{panel_id}/formula-preview", response_model=FormulaPreviewPublic)
def preview_formula(
    session: SessionDep, principal: EditorDep, panel_id: uuid.UUID, body: FormulaPreview
) -> FormulaPreviewPublic:
    """Check a formula against the panel's columns, as saving a column would (a 422 names the
    position and a hint), and evaluate it over the first rows of the current version. Nothing
    is saved."""
    panel = load_panel(session, principal, panel_id)
    return preview(session, principal, panel, body)
