"""Alembic's environment: migrations run on the connection `bot.desk.migrations.upgrade` hands over, in its
transaction, against the desk's models."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context

from bot.desk.schema import Base, UTCDateTime


def render_item(kind: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """UTCDateTime converts in Python only; in the schema it is a timezone-aware DateTime."""
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through bot.desk.migrations (upgrade, or python -m bot.desk.migrations)")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_item=render_item,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
