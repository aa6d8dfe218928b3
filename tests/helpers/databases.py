"""A database of its own for one test: a SQLite file, or a PostgreSQL schema dropped afterwards.

An unreachable PostgreSQL fails the PostgreSQL variants: the desk must work on both, so not testing one is not a
pass."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import uuid
from pathlib import Path
from typing import Iterator, NoReturn

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from bot.desk.db import make_engine

DESK_PG_URL = os.environ.get("DESK_TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


@contextlib.contextmanager
def empty_database(kind: str, directory: Path, prefix: str = "desk_test") -> Iterator[Engine]:
    """An empty database of `kind` ("sqlite" or "postgresql"), the engine to it disposed (and the schema dropped)
    afterwards."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{directory / 'desk.db'}")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    schema = _create_schema(prefix)
    engine = make_engine(DESK_PG_URL, connect_args={"options": f"-csearch_path={schema}", "connect_timeout": 5})
    try:
        yield engine
    finally:
        engine.dispose()
        _drop_schema(schema)


def _unreachable(reason: str) -> NoReturn:
    pytest.fail(
        f"PostgreSQL is unreachable at {DESK_PG_URL}: {reason}\n"
        "The desk tests run on SQLite and on PostgreSQL. Start PostgreSQL on 127.0.0.1:5432 (trust auth, "
        "database `test`) or point DESK_TEST_DATABASE_URL at one.",
        pytrace=False,
    )


class MigratedDatabases:
    """Desk databases at the newest schema for one test each, without running the migrations for every test.

    Migrating an empty database takes a few hundred milliseconds of Alembic per test and database, which over the
    several hundred desk tests was a third of `make test-fast`. So each kind is migrated once per test process:
    SQLite into a template file that every test gets a copy of; PostgreSQL into a schema of this process's own that
    is emptied after each test (every row of the tables the migrations made deleted, identities restarted; every table a test
    added dropped). Emptying that fails — a lock held by something the test left running — falls back to a new
    schema, so one test's leftovers never reach the next.
    """

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._sqlite_template: Path | None = None
        self._schema: str | None = None
        self._tables: list[str] = []
        self._sequences: list[str] = []

    @contextlib.contextmanager
    def database(self, kind: str, directory: Path) -> Iterator[Engine]:
        """A migrated, empty database of `kind` for one test; `directory` holds a SQLite test's file."""
        if kind == "sqlite":
            target = directory / "desk.db"
            shutil.copyfile(self._sqlite(), target)
            engine = make_engine(f"sqlite:///{target}")
            try:
                yield engine
            finally:
                engine.dispose()
            return
        schema = self._postgres_schema()
        engine = make_engine(DESK_PG_URL, connect_args={"options": f"-csearch_path={schema}", "connect_timeout": 5})
        try:
            yield engine
        finally:
            engine.dispose()
            self._empty(schema)

    def close(self) -> None:
        """Drop this process's PostgreSQL schema."""
        if self._schema is not None:
            _drop_schema(self._schema)
            self._schema = None

    def _sqlite(self) -> Path:
        if self._sqlite_template is None:
            from bot.desk.db import create_schema

            template = self._directory / "desk-template.db"
            engine = make_engine(f"sqlite:///{template}")
            try:
                create_schema(engine)
            finally:
                engine.dispose()
            self._sqlite_template = template
        return self._sqlite_template

    def _postgres_schema(self) -> str:
        if self._schema is None:
            from bot.desk.db import create_schema

            schema = _create_schema("desk_test")
            engine = make_engine(DESK_PG_URL, connect_args={"options": f"-csearch_path={schema}"})
            try:
                create_schema(engine)
            finally:
                engine.dispose()
            admin = _admin()
            try:
                with admin.connect() as connection:
                    self._tables = _names(connection, schema, "tables")
                    self._sequences = _names(connection, schema, "sequences")
            finally:
                admin.dispose()
            self._schema = schema
        return self._schema

    def _empty(self, schema: str) -> None:
        admin = _admin()
        try:
            with admin.begin() as connection:
                connection.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
                for table in set(_names(connection, schema, "tables")) - set(self._tables):
                    connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{schema}"."{table}" CASCADE')
                # DELETE, not TRUNCATE: TRUNCATE makes new files for every table and index, ten times slower on
                # tables this small. Foreign keys are not checked meanwhile (replica role), as every row goes.
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
                # The names come from the catalog, not from a test.
                emptied = [f'DELETE FROM "{schema}"."{t}"' for t in self._tables if t != "alembic_version"]  # noqa: S608
                restarted = [f'SELECT setval(\'"{schema}"."{sequence}"\', 1, false)' for sequence in self._sequences]
                connection.exec_driver_sql(";".join(emptied + restarted))
        except DBAPIError as error:
            logging.getLogger(__name__).warning(
                "emptying %s failed (%s): the next test gets a new schema", schema, error
            )
            _drop_schema(schema)
            self._schema = None
        finally:
            admin.dispose()


def _create_schema(prefix: str) -> str:
    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = _admin()
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except OperationalError as error:
        _unreachable(str(error.orig).strip())
    finally:
        admin.dispose()
    return schema


def _drop_schema(schema: str) -> None:
    admin = _admin()
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        admin.dispose()


#: The tables and the sequences of a schema, from the catalog.
_CATALOG = {
    "tables": "SELECT tablename FROM pg_tables WHERE schemaname = :s",
    "sequences": "SELECT sequencename FROM pg_sequences WHERE schemaname = :s",
}


def _names(connection: Connection, schema: str, kind: str) -> list[str]:
    """The names of the tables or the sequences (`kind`) in `schema`."""
    return sorted(row[0] for row in connection.execute(text(_CATALOG[kind]), {"s": schema}))


def _admin() -> Engine:
    """An engine on the test database outside any schema of a test's: to create, empty and drop them."""
    return create_engine(DESK_PG_URL, future=True, poolclass=NullPool, connect_args={"connect_timeout": 5})
