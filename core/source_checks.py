"""Checks a source's location and query before anything reads it (at save and again at sync).

Each check raises ``SourceError`` with the reason, or returns a warning for what may still
change before a sync (a file that has not arrived yet, a host that does not resolve now).
A source's config says what it reaches as a list of ``Check`` (whatever its kind);
``run_checks`` runs them in order and names the field of the first one refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from core.errors import SourceError
from core.netguard import InvalidHost, NetworkPolicy, resolve

SCHEMES = ("http", "https")
# Statements and clauses that write, lock or leave the query: refused anywhere in the tree.
_WRITES = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Merge,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.TruncateTable,
    exp.Command,
    exp.Into,
    exp.Lock,
    exp.Copy,
    exp.Set,
)
_READS = (exp.Select, exp.SetOperation, exp.Subquery)
# SQLAlchemy driver names to sqlglot dialects (anything else is parsed as generic SQL).
_DIALECTS = {
    "postgresql": "postgres",
    "postgres": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
    "mssql": "tsql",
    "oracle": "oracle",
    "duckdb": "duckdb",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
}


def check_path(data_root: Path, relative: str) -> str | None:
    """Refuse a path that is absolute or leaves the data root; warn when nothing is there yet."""
    root = data_root.resolve()
    candidate = Path(relative)
    if candidate.is_absolute():
        raise SourceError(f"path {relative!r} is absolute: give it relative to the data root")
    resolved = (root / candidate).resolve()
    if not resolved.is_relative_to(root):
        raise SourceError(f"path {relative!r} leaves the data root")
    if not resolved.is_file():
        return f"no file {relative!r} under the data root yet: a sync fails until it is there"
    return None


def check_url(url: str, policy: NetworkPolicy) -> str | None:
    """Refuse other schemes and hosts the network guard refuses; warn when a host won't resolve.

    The guard checks again at every connection, since what a name resolves to can change.
    """
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise SourceError(f"{url!r} is not a URL: {exc}") from exc
    if parts.scheme.lower() not in SCHEMES:
        scheme = parts.scheme or "none"
        raise SourceError(f"URL scheme {scheme!r} is not read; use http or https")
    if not host:
        raise SourceError(f"{url!r} names no host")
    try:
        addresses = resolve(host, port)
    except InvalidHost:
        raise
    except SourceError as exc:
        return f"{exc}: the sync will try again"
    policy.check_addresses(host, addresses)
    return None


def dialect_of(url: str | None) -> str | None:
    """The sqlglot dialect of a SQLAlchemy database URL (``postgresql+psycopg://`` -> postgres)."""
    if not url:
        return None
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
    return _DIALECTS.get(scheme)


def check_select(query: str, dialect: str | None = None) -> None:
    """Refuse anything but one read-only SELECT (or WITH ... SELECT, or a set operation)."""
    try:
        statements = [s for s in sqlglot.parse(query, read=dialect) if s is not None]
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        where = f" at line {first.get('line')}, column {first.get('col')}" if first else ""
        reason = first.get("description", exc)
        raise SourceError(f"the query is not valid SQL{where}: {reason}") from None
    if len(statements) != 1:
        raise SourceError(f"the query holds {len(statements)} statements; give exactly one")
    (statement,) = statements
    for node in statement.walk():
        if isinstance(node, _WRITES):
            name = node.key.upper() if not isinstance(node, exp.Command) else str(node.this)
            raise SourceError(f"the query must only read: {name} is not allowed")
    if not isinstance(statement, _READS):
        raise SourceError(
            f"the query must be one SELECT (or WITH ... SELECT); it is {statement.key.upper()}"
        )


@dataclass(frozen=True)
class Check:
    """One thing a source reaches, at ``loc`` in its config or secrets (``("config", "url")``)."""

    loc: tuple[str, ...]

    def run(self, data_root: Path, policy: NetworkPolicy) -> str | None:
        """Raise ``SourceError`` to refuse; return a warning for what may still change."""
        raise NotImplementedError


@dataclass(frozen=True)
class PathCheck(Check):
    """A file under the data root."""

    path: str

    def run(self, data_root: Path, policy: NetworkPolicy) -> str | None:
        return check_path(data_root, self.path)


@dataclass(frozen=True)
class UrlCheck(Check):
    """An http(s) URL."""

    url: str

    def run(self, data_root: Path, policy: NetworkPolicy) -> str | None:
        return check_url(self.url, policy)


@dataclass(frozen=True)
class DatabaseCheck(Check):
    """A database URL (SQLAlchemy)."""

    url: str

    def run(self, data_root: Path, policy: NetworkPolicy) -> str | None:
        policy.check_sql_url(self.url)
        return None


@dataclass(frozen=True)
class SelectCheck(Check):
    """A query that must only read, in a SQL dialect (None: generic SQL)."""

    query: str
    dialect: str | None

    def run(self, data_root: Path, policy: NetworkPolicy) -> str | None:
        check_select(self.query, self.dialect)
        return None


class Refused(SourceError):
    """A check refused what is at ``loc``; ``reason`` says why."""

    def __init__(self, loc: tuple[str, ...], reason: SourceError) -> None:
        super().__init__(str(reason))
        self.loc, self.reason = loc, reason


def run_checks(checks: list[Check], data_root: Path, policy: NetworkPolicy) -> list[str]:
    """Run ``checks`` in order: the warnings, or ``Refused`` for the first one refused."""
    warnings: list[str] = []
    for check in checks:
        try:
            warning = check.run(data_root, policy)
        except SourceError as exc:
            raise Refused(check.loc, exc) from exc
        except (ValueError, OSError) as exc:  # a NUL byte, an over-long path, a bad port
            raise Refused(check.loc, SourceError(f"not usable here: {exc}")) from exc
        if warning:
            warnings.append(warning)
    return warnings
