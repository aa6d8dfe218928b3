"""The one way to open the desk's database and build its services, for every process that needs them (the action
server, the console, the scheduler, the workers, the command line, the launcher and the tests).

`open_database` makes the engine (bot/desk/db.py), brings the schema up to date unless told not to, and hands out
the session factory; `DeskServices.over` (or `.build` over a session factory) makes the desk (tickets), warnings and trade fairs over it with one
clock and one vocabulary, so that no process builds them differently.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.clock import Clock, SystemClock
from bot.desk.db import create_schema, make_engine, sessions
from bot.desk.exhibitions import Exhibitions
from bot.desk.risk_warnings import Warnings
from bot.desk.tickets import Desk
from bot.settings import DeskSettings
from knowledge.vocabulary import Vocabulary


@dataclass(frozen=True)
class Database:
    """The desk's database as a process holds it: the engine, its session factory, and the settings it came from."""

    engine: Engine
    sessions: sessionmaker
    settings: DeskSettings

    def create_schema(self) -> None:
        """Bring the schema up to date (for a process that opened the database before it could be reached)."""
        create_schema(self.engine)


def open_database(
    settings: DeskSettings | None = None, *, engine: Engine | None = None, schema: bool = True
) -> Database:
    """The desk's database of `settings` (read from the environment when not given), or over `engine`; the schema is
    brought up to date unless `schema` is false (a process that must start while the database is down)."""
    settings = settings or DeskSettings.from_environment()
    engine = engine or make_engine(settings.database_url)
    if schema:
        create_schema(engine)
    return Database(engine, sessions(engine), settings)


@dataclass(frozen=True)
class DeskServices:
    """The desk's services over one database's sessions, one clock and one vocabulary."""

    sessions: sessionmaker
    settings: DeskSettings
    clock: Clock
    desk: Desk
    warnings: Warnings
    exhibitions: Exhibitions

    @classmethod
    def build(
        cls,
        sessions: sessionmaker,
        settings: DeskSettings,
        clock: Clock | None = None,
        *,
        vocabulary: Vocabulary | None = None,
    ) -> "DeskServices":
        clock = clock or SystemClock()
        desk = Desk(sessions, clock, settings, vocabulary=vocabulary)
        return cls(
            sessions,
            settings,
            clock,
            desk,
            Warnings(sessions, clock, settings, vocabulary=desk.vocabulary),
            Exhibitions(sessions, clock, settings, desk, vocabulary=desk.vocabulary),
        )

    @classmethod
    def over(
        cls, database: Database, clock: Clock | None = None, *, vocabulary: Vocabulary | None = None
    ) -> "DeskServices":
        return cls.build(database.sessions, database.settings, clock, vocabulary=vocabulary)

    @property
    def vocabulary(self) -> Vocabulary:
        return self.desk.vocabulary
