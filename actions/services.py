"""The desk's services as the action server uses them: one of each per process over the configured database."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import sessionmaker

from bot.clock import Clock, SystemClock
from bot.settings import DeskSettings
from bot.desk.db import create_schema, make_engine, sessions
from bot.desk.tickets import Desk
from bot.desk.exhibitions import Exhibitions
from bot.desk.risk_warnings import Warnings


@lru_cache(maxsize=1)
def desk_clock() -> Clock:
    return SystemClock()


@lru_cache(maxsize=1)
def _database() -> tuple[sessionmaker, DeskSettings]:
    """Opened on first use (the schema is created if missing), so the action server starts without a database."""
    settings = DeskSettings.from_environment()
    engine = make_engine(settings.database_url)
    create_schema(engine)
    return sessions(engine), settings


@lru_cache(maxsize=1)
def desk() -> Desk:
    maker, settings = _database()
    return Desk(maker, desk_clock(), settings)


@lru_cache(maxsize=1)
def warnings() -> Warnings:
    maker, settings = _database()
    return Warnings(maker, desk_clock(), settings, vocabulary=desk().vocabulary)


@lru_cache(maxsize=1)
def exhibitions() -> Exhibitions:
    maker, settings = _database()
    return Exhibitions(maker, desk_clock(), settings, desk())
