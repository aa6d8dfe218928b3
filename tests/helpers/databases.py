"""A database of its own for one test: a SQLite file, or a PostgreSQL schema dropped afterwards.

An unreachable PostgreSQL fails the PostgreSQL variants: the desk must work on both, so not testing one is not a
pass."""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
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
    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_engine(DESK_PG_URL, future=True, poolclass=NullPool, connect_args={"connect_timeout": 5})
    unreachable = None
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except OperationalError as error:
        unreachable = str(error.orig).strip()
    if unreachable is not None:
        admin.dispose()
        pytest.fail(
            f"PostgreSQL is unreachable at {DESK_PG_URL}: {unreachable}\n"
            "The desk tests run on SQLite and on PostgreSQL. Start PostgreSQL on 127.0.0.1:5432 (trust auth, "
            "database `test`) or point DESK_TEST_DATABASE_URL at one.",
            pytrace=False,
        )
    engine = make_engine(DESK_PG_URL, connect_args={"options": f"-csearch_path={schema}", "connect_timeout": 5})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
