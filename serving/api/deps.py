"""Annotated dependencies: route functions declare SessionDep, ViewerDep, ReadDep..."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.orm import Session

from core.enums import Role
from core.settings import Settings
from serving.api.dependencies import (
    get_paging,
    get_principal,
    get_reading,
    get_session,
    get_settings,
    require,
)
from serving.auth.principal import Principal, bearer
from serving.reads.paging import Paging
from serving.reads.session import Reading

SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
ViewerDep = Annotated[Principal, require(Role.viewer)]
EditorDep = Annotated[Principal, require(Role.editor)]
AdminDep = Annotated[Principal, require(Role.admin)]
ReadDep = Annotated[Reading, Depends(get_reading)]
PagingDep = Annotated[Paging, Depends(get_paging)]
