"""The escalation desk as the action server uses it: one `Desk` per process over the configured database."""
from __future__ import annotations

from functools import lru_cache

from bot.clock import Clock, SystemClock
from bot.config import DeskSettings
from bot.db import create_schema, make_engine, sessions
from bot.desk import Desk


@lru_cache(maxsize=1)
def desk_clock() -> Clock:
    return SystemClock()


@lru_cache(maxsize=1)
def desk() -> Desk:
    """Built on first use (the schema is created if missing), so the action server starts without a database."""
    settings = DeskSettings.from_environment()
    engine = make_engine(settings.database_url)
    create_schema(engine)
    return Desk(sessions(engine), desk_clock(), settings)
