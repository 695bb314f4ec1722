"""Alembic environment: runs on the connection bot/migrate.py hands over."""

from __future__ import annotations

from alembic import context

from bot import models  # noqa: F401  (registers the tables)
from bot.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode copies the table instead
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
