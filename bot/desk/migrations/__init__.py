"""The history of the desk's schema (Alembic): one revision per change under versions/, the first of them the
baseline, the schema as it stood when migrations began. The models (bot/desk/schema/) are the truth; a test
upgrades an empty database on SQLite and PostgreSQL and finds no difference from them.

`upgrade(engine)` is how every process opens the database (bot/desk/services.py): under a lock, so that processes
starting together migrate once, a database at a revision is upgraded to the newest; one at none (empty, or made
before migrations by `create_all`) gets the models' tables it lacks and is stamped with the newest revision —
Alembic's own recipe for a new database, and what `create_schema` did for an old one. A new revision: change the
models, then

    .venv/bin/python -m bot.desk.migrations revision "what changed"

which writes versions/NNNN_what_changed.py from the difference between the models and a database at the newest
revision (review it: renames come out as a drop and an add).
"""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

HERE = Path(__file__).resolve().parent
#: Held (PostgreSQL: for the transaction) while a process migrates, so that processes starting together wait.
LOCK_KEY = 0x1D5E5C


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, in code: the scripts here, and the connection to run them on."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None
    return revision


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the desk's schema to the newest revision (see the module's docstring)."""
    from bot.desk.schema import Base

    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")
        # (SQLite: the engine begins every transaction IMMEDIATE, which already holds the write lock.)
        if current(connection) is None:
            Base.metadata.create_all(connection)
            command.stamp(config(connection), "head")
        else:
            command.upgrade(config(connection), "head")


def upgrade_by_revisions(engine: Engine) -> None:
    """Run every revision from the first on an empty database (the test that the history builds the models)."""
    with engine.begin() as connection:
        command.upgrade(config(connection), "head")


def main(argv: list[str] | None = None) -> int:
    """`python -m bot.desk.migrations revision MESSAGE`: a new revision from the models' difference."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] != "revision":
        print(__doc__, file=sys.stderr)
        return 2
    import tempfile

    from bot.desk.db import make_engine

    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{scratch}/scratch.db")
        upgrade_by_revisions(engine)
        with engine.begin() as connection:
            command.revision(
                config(connection),
                message=args[1],
                autogenerate=True,
                rev_id=f"{len(list(ScriptDirectory.from_config(config()).walk_revisions())) + 1:04d}",
            )
        engine.dispose()
    return 0
