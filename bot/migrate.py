"""Brings the database schema up to date with the Alembic migrations in bot/migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# the revision that matches the schema the gateway created before migrations existed
TRANSCRIPTS_ONLY_REVISION = "0001"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        tables = set(inspect(connection).get_table_names())
        if "transcript_messages" in tables and "alembic_version" not in tables:
            # a database from before migrations: adopt it instead of creating it again
            command.stamp(config, TRANSCRIPTS_ONLY_REVISION)
        command.upgrade(config, revision)


def downgrade_all(engine: Engine) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
