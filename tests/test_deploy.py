"""The deployment files, checked as a parser would (no Docker engine runs on these machines):
docker-compose.yml's services, health checks, ordering and volumes; the image's contents;
the Dagster workspace the containers load."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_compose_runs_postgres_redis_dagster_and_the_api_in_order() -> None:
    compose = _compose()
    services = compose["services"]
    assert {
        "postgres",
        "redis",
        "migrate",
        "code-server",
        "dagster-webserver",
        "dagster-daemon",
        "api",
    } <= set(services)
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("postgres", "redis", "code-server", "api"):
        assert "test" in services[name]["healthcheck"], name
    # Every dependency names a service, with a condition that exists in the compose spec.
    conditions = {"service_started", "service_healthy", "service_completed_successfully"}
    for name, service in services.items():
        for dep, rule in (service.get("depends_on") or {}).items():
            assert dep in services, (name, dep)
            assert rule["condition"] in conditions, (name, dep)
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], (name, dep)
    # Migrations once, before the API and the code server.
    assert services["migrate"]["command"] == ["panels", "db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    for name in ("api", "code-server"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    workers = services["api"]["command"][services["api"]["command"].index("--workers") + 1]
    assert int(workers) > 1
    # Named volumes are declared; bind mounts point at files of this repository.
    declared = set(compose["volumes"])
    for name, service in services.items():
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), (name, source)
            else:
                assert source in declared, (name, source)
    env = services["api"]["environment"]
    assert env["PANELS_REDIS_URL"].startswith("redis://redis:")
    assert env["PANELS_DAGSTER_PG_URL"].startswith("postgresql+psycopg2://")
    assert "${PANELS_JWT_SECRET:?" in env["PANELS_JWT_SECRET"], "no default secret in production"


def test_the_image_holds_every_package_and_the_compose_workspace() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\S+) ", dockerfile, flags=re.MULTILINE))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    assert set(packages) <= copied, f"the image misses {set(packages) - copied}"
    for source in copied - {"--from=web"}:
        assert (ROOT / source).exists(), source
    # The web page is built in its own stage and served from where the settings point.
    assert "RUN npm run build" in dockerfile
    assert "COPY --from=web /web/dist /app/web/dist" in dockerfile
    assert "ENV PANELS_WEB_DIR=/app/web/dist" in dockerfile
    assert "COPY deploy/workspace.compose.yaml /app/workspace.yaml" in dockerfile
    workspace = yaml.safe_load((ROOT / "deploy" / "workspace.compose.yaml").read_text())
    (location,) = workspace["load_from"]
    code_server = _compose()["services"]["code-server"]["command"]
    assert location["grpc_server"]["host"] == "code-server"
    assert str(location["grpc_server"]["port"]) == code_server[code_server.index("-p") + 1]
    instance = yaml.safe_load((ROOT / "dagster.yaml").read_text())
    assert instance["storage"]["postgres"]["postgres_url"] == {"env": "PANELS_DAGSTER_PG_URL"}
