"""Run Alembic migrations programmatically (``panels db upgrade`` and the test fixtures)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from models.db import sqlalchemy_url


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "models:migrations")
    config.attributes["database_url"] = sqlalchemy_url(database_url)
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)
