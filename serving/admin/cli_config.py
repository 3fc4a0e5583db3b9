"""Where the CLI finds its settings: the environment (and ``.env``) first, else the file a
running ``panels demo`` writes into the state directory.

The file holds ``PANELS_*=value`` lines, one a line, readable by the owner only (the URLs may
carry passwords). The demo removes it when it stops, so a stale file means a killed demo.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from core.settings import Settings

FILE_NAME = "cli.env"
PREFIX = "PANELS_"


def config_path(state_dir: Path) -> Path:
    return state_dir / FILE_NAME


def write(state_dir: Path, values: dict[str, str], *, note: str) -> Path:
    """Write ``values`` (PANELS_* variables) for other shells' commands; returns the path."""
    path = config_path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# {note}", *(f"{key}={value}" for key, value in values.items())]
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    os.fchmod(descriptor, 0o600)  # an older file keeps its mode through O_CREAT
    with os.fdopen(descriptor, "w") as out:
        out.write("\n".join(lines) + "\n")
    return path


def read(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key.startswith(PREFIX) and not key.startswith("#"):
            values[key] = value
    return values


@dataclass(frozen=True)
class Loaded:
    settings: Settings
    path: Path
    used: list[str]  # the variables taken from the file


def load() -> Loaded:
    """The settings, with what the environment leaves unset taken from the state dir's file."""
    base = Settings()
    path = config_path(base.state_dir)
    try:
        found = read(path)
    except FileNotFoundError:  # no demo running (or it stopped just now)
        return Loaded(base, path, [])
    fields = Settings.model_fields
    update = {}
    for key, value in found.items():
        name = key.removeprefix(PREFIX).lower()
        if name in fields and name != "state_dir" and name not in base.model_fields_set:
            update[name] = value
    if not update:
        return Loaded(base, path, [])
    settings = Settings(**update)  # type: ignore[arg-type]  # validated like the environment
    return Loaded(settings, path, sorted(PREFIX + name.upper() for name in update))
