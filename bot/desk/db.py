"""Connecting to the desk's database: SQLite on one machine, PostgreSQL when several processes scale out.

The two need different care. SQLite allows one writer at a time: every transaction starts with
`BEGIN IMMEDIATE`, so a second writer waits (up to the busy timeout) for the first instead of failing halfway
with "database is locked" when its read lock cannot be upgraded, and WAL lets readers carry on meanwhile.
PostgreSQL connections go stale when the server restarts: `pool_pre_ping` replaces them before use.

Both keep their connections in a pool. SQLAlchemy 1.4 would open a new SQLite connection for every transaction of
a file database (and run the pragmas below each time): in the action server, which records every chat turn, that
was most of its work per message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, create_engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql.schema import Table

SQLITE_BUSY_TIMEOUT_SECONDS = 30


def make_engine(url: str, *, connect_args: dict[str, Any] | None = None) -> Engine:
    """An engine for `url`; `connect_args` go to the driver (e.g. a PostgreSQL search_path)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        args = {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False, **(connect_args or {})}
        pool = {"poolclass": QueuePool} if database and database != ":memory:" else {}
        engine = create_engine(parsed, future=True, connect_args=args, json_serializer=_json, **pool)
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(
        parsed, future=True, pool_pre_ping=True, connect_args=connect_args or {}, json_serializer=_json
    )


def _json(value: Any) -> str:
    """JSON with Chinese kept readable in the database (专利, not \\u4e13\\u5229)."""
    return json.dumps(value, ensure_ascii=False)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module, whose implicit BEGIN is deferred; `_begin_immediate`
    # issues our own. Foreign keys are off in SQLite unless asked for, per connection.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
    finally:
        cursor.close()


def _begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_schema(engine: Engine) -> None:
    """Bring the desk's schema up to date: the newest revision of bot/desk/migrations (see `upgrade` there)."""
    from bot.desk.migrations import upgrade

    upgrade(engine)


def sessions(engine: Engine) -> sessionmaker:
    """The session factory the desk uses. Objects stay readable after commit, so the desk can return them."""
    return sessionmaker(engine, class_=Session, future=True, expire_on_commit=False)


def dialect_insert(session: Session, table: Table) -> Any:
    """An INSERT for this session's database that supports ON CONFLICT (PostgreSQL and SQLite ≥ 3.24)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"the desk supports SQLite and PostgreSQL, not {name}")
