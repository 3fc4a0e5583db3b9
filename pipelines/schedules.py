"""The per-panel refresh cron, evaluated by one sensor that requests runs for due panels only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
from cronsim import CronSim, CronSimError
from sqlalchemy import select

from models import Panel, Tenant
from pipelines.jobs import sync_panels_batch
from pipelines.partitions import partition_key
from pipelines.resources import PanelsDatabase

BATCH_SIZE = 100
FIRST_LOOKBACK = timedelta(minutes=1)


@dataclass(frozen=True)
class Schedule:
    key: str
    cron: str
    timezone: str


def due(schedules: Iterable[Schedule], since: datetime, now: datetime) -> list[str]:
    """Keys whose cron fires in (since, now], each evaluated in the panel's own time zone."""
    keys = []
    for s in schedules:
        try:
            zone = ZoneInfo(s.timezone)
            following = next(CronSim(s.cron, since.astimezone(zone)))
        except (CronSimError, KeyError, StopIteration, ValueError):
            continue
        if following.astimezone(UTC) <= now:
            keys.append(s.key)
    return sorted(keys)


def load_schedules(panels_db: PanelsDatabase) -> list[Schedule]:
    with panels_db.all_tenants() as session:
        rows = session.execute(
            select(Tenant.slug, Panel.slug, Panel.refresh_cron, Panel.timezone)
            .join(Panel, Panel.tenant_id == Tenant.id)
            .where(Panel.refresh_cron.is_not(None))
        ).all()
    return [Schedule(partition_key(t, p), str(cron), tz) for t, p, cron, tz in rows]


@dg.sensor(
    job=sync_panels_batch,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs the panels whose refresh cron is due, in batches; run keys make each tick"
    " request a batch once.",
)
def panel_refresh_scheduler(
    context: dg.SensorEvaluationContext, panels_db: PanelsDatabase
) -> dg.SensorResult:
    now = datetime.now(UTC)
    since = datetime.fromisoformat(context.cursor) if context.cursor else now - FIRST_LOOKBACK
    keys = due(load_schedules(panels_db), since, now)
    requests = [
        dg.RunRequest(
            run_key=f"cron:{now.isoformat()}:{i}",
            run_config=dg.RunConfig(
                ops={"sync_panels": {"config": {"partitions": keys[i : i + BATCH_SIZE]}}}
            ),
            tags={"panels/trigger": "schedule"},
        )
        for i in range(0, len(keys), BATCH_SIZE)
    ]
    if keys:
        context.log.info(
            f"{len(keys)} panels due: {', '.join(keys[:20])}{' ...' if len(keys) > 20 else ''}"
        )
    return dg.SensorResult(run_requests=requests, cursor=now.isoformat())
