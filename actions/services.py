"""The desk's services as the action server uses them: one of each per process over the configured database."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import sessionmaker

from bot.clock import Clock, SystemClock
from bot.desk.exhibitions import Exhibitions
from bot.desk.risk_warnings import Warnings
from bot.desk.services import DeskServices, open_database
from bot.desk.tickets import Desk


@lru_cache(maxsize=1)
def desk_clock() -> Clock:
    return SystemClock()


@lru_cache(maxsize=1)
def _services() -> DeskServices:
    """Opened on first use (the schema is created if missing), so the action server starts without a database."""
    return DeskServices.over(open_database(), desk_clock())


def desk_sessions() -> sessionmaker:
    """The database's session factory (the published knowledge reads its versions through it)."""
    return _services().sessions


def desk() -> Desk:
    return _services().desk


def warnings() -> Warnings:
    return _services().warnings


def exhibitions() -> Exhibitions:
    return _services().exhibitions
