"""The API's typed clients, generated from the API's own OpenAPI document by this one script.

    .venv/bin/python -m clients.generate           # regenerate them in place (make clients)
    .venv/bin/python -m clients.generate --check   # regenerate into a temporary folder; exit 1
                                                   # naming every file that differs (drift)

What it writes:

- ``clients/openapi.json``: ``create_app(settings).openapi()`` (no database needed), keys
  sorted, each operation id shortened to its route function's name (FastAPI's default ids
  repeat the path and method: ``read_rows_api_v1_panels__panel_id__rows_get`` is
  ``read_rows``). It is the input of both generators, so either can be rerun by hand on it.
- ``clients/python/panels_client``: openapi-python-client over that document, run from its
  own environment (``.venv/openapi-generator``, pinned by ``clients/generator.lock``) with
  ``clients/openapi-python-client.yaml`` and the template in ``clients/templates``. The
  modules named in ``HAND_WRITTEN`` are never touched.
- ``web/src/api-schema.ts``: openapi-typescript (``web/``'s pinned devDependency) over it.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from core.settings import Settings
from serving.api.app import create_app

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = Path("clients/openapi.json")
PACKAGE = Path("clients/python/panels_client")
TYPESCRIPT = Path("web/src/api-schema.ts")
CONFIG = ROOT / "clients" / "openapi-python-client.yaml"
TEMPLATES = ROOT / "clients" / "templates"
GENERATOR = ROOT / ".venv" / "openapi-generator" / "bin"
OPENAPI_TYPESCRIPT = ROOT / "web" / "node_modules" / ".bin" / "openapi-typescript"
# The package's hand-written layer (what the generator cannot express). Listed here, so that
# a regeneration keeps them and the drift check can tell a stale generated file from them.
HAND_WRITTEN = frozenset(
    {"events.py", "export.py", "paging.py", "problems.py", "webhooks.py", "py.typed"}
)
DIFF_LINES = 12  # of each differing file, in the drift report


class _ArgumentsOnly(Settings):
    """Settings from the arguments alone: the document never depends on this machine's
    ``PANELS_*`` variables or ``.env`` (a production environment there would refuse the
    development secrets, for instance)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def document() -> dict[str, Any]:
    """The API's OpenAPI document, operation ids shortened to the route names."""
    # create_app connects to nothing until the app starts: the URL only has to be well formed.
    settings = _ArgumentsOnly(
        database_url="postgresql+psycopg://openapi@127.0.0.1:1/openapi",
        analytics_engine="postgres",
        memory_cache_mb=0,
        events_relay=False,
        log_level="WARNING",
    )
    schema: dict[str, Any] = create_app(settings).openapi()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            # fastapi.utils.generate_unique_id: re.sub(r"\W", "_", name + path) + "_" + method
            suffix = re.sub(r"\W", "_", path) + "_" + method
            if operation["operationId"].endswith(suffix):
                operation["operationId"] = operation["operationId"].removesuffix(suffix)
    ids = [op["operationId"] for item in schema["paths"].values() for op in item.values()]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise SystemExit(f"two routes share a function name, so an operation id: {repeated}")
    return schema


def _run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(  # noqa: S603 - our pinned generators, arguments we build
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(
            f"{Path(command[0]).name} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )


def _require(tool: Path) -> None:
    if not tool.exists():
        raise SystemExit(f"{tool.relative_to(ROOT)} is missing: run `make install` first")


def build(into: Path) -> None:
    """Everything generated, under ``into`` as in the repository (no hand-written module)."""
    _require(GENERATOR / "openapi-python-client")
    _require(OPENAPI_TYPESCRIPT)
    text = json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (into / DOCUMENT).parent.mkdir(parents=True, exist_ok=True)
    (into / DOCUMENT).write_text(text)
    # The post hooks (ruff) are looked up on PATH: the generator environment's comes first.
    env = {**os.environ, "PATH": f"{GENERATOR}{os.pathsep}{os.environ.get('PATH', '')}"}
    _run(
        [
            str(GENERATOR / "openapi-python-client"),
            "generate",
            *("--path", str(into / DOCUMENT)),
            *("--config", str(CONFIG)),
            *("--custom-template-path", str(TEMPLATES)),
            *("--meta", "none"),  # clients/python/pyproject.toml is ours
            *("--output-path", str(into / PACKAGE)),
            "--fail-on-warning",
        ],
        cwd=into,
        env=env,
    )
    (into / TYPESCRIPT).parent.mkdir(parents=True, exist_ok=True)
    _run(
        [str(OPENAPI_TYPESCRIPT), str(into / DOCUMENT), "--output", str(into / TYPESCRIPT)],
        cwd=ROOT / "web",
    )


def _files(root: Path) -> Iterator[Path]:
    """The generated files under ``root`` (relative paths; hand-written modules left out)."""
    yield DOCUMENT
    yield TYPESCRIPT
    package = root / PACKAGE
    for path in sorted(package.rglob("*")) if package.is_dir() else []:
        relative = path.relative_to(package)
        if path.is_dir() or "__pycache__" in relative.parts or path.suffix == ".pyc":
            continue
        if len(relative.parts) == 1 and relative.name in HAND_WRITTEN:
            continue
        yield PACKAGE / relative


def differences(built: Path, root: Path) -> list[str]:
    """How ``root`` differs from a fresh ``build``: one entry per file, with a short diff."""
    found = []
    for relative in sorted(set(_files(built)) | set(_files(root))):
        new, old = built / relative, root / relative
        if not old.exists():
            found.append(f"{relative}: missing (the generator makes it)")
        elif not new.exists():
            found.append(
                f"{relative}: not generated any more (delete it, or list it in HAND_WRITTEN)"
            )
        elif new.read_bytes() != old.read_bytes():
            diff = difflib.unified_diff(
                old.read_text().splitlines(),
                new.read_text().splitlines(),
                f"committed/{relative}",
                f"generated/{relative}",
                lineterm="",
                n=1,
            )
            lines = list(diff)
            shown = "\n".join(f"    {line}" for line in lines[:DIFF_LINES])
            hidden = len(lines) - DIFF_LINES
            more = f"\n    ... {hidden} more lines" if hidden > 0 else ""
            found.append(f"{relative}: differs\n{shown}{more}")
    return found


def write(built: Path, root: Path) -> None:
    """Replace the generated files under ``root`` with ``built``'s; hand-written ones stay."""
    for relative in (DOCUMENT, TYPESCRIPT):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built / relative, root / relative)
    package = root / PACKAGE
    package.mkdir(parents=True, exist_ok=True)
    for path in package.iterdir():
        if path.name in HAND_WRITTEN:
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    for path in (built / PACKAGE).iterdir():
        if path.name in HAND_WRITTEN:
            raise SystemExit(f"the generator now makes {path.name}, a hand-written module")
        if path.is_dir():
            shutil.copytree(path, package / path.name)
        else:
            shutil.copyfile(path, package / path.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m clients.generate", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if anything differs"
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the tree to write or check (default: this one)"
    )
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    with tempfile.TemporaryDirectory(prefix="panels-clients-") as tmp:
        built = Path(tmp)
        build(built)
        if not args.check:
            write(built, root)
            print(f"generated {DOCUMENT}, {PACKAGE}/ and {TYPESCRIPT}")
            return 0
        found = differences(built, root)
    if found:
        print(
            f"{len(found)} generated file(s) differ from what the API's OpenAPI document gives;"
            " run `make clients` and commit the result:\n" + "\n".join(found),
            file=sys.stderr,
        )
        return 1
    print("the clients match the API's OpenAPI document")
    return 0


if __name__ == "__main__":
    sys.exit(main())
