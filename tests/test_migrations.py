"""The schema's history builds the models: every revision of bot/desk/migrations, run from the first on an empty
database, gives the schema the models describe, on SQLite and on PostgreSQL; and a database opened by the
processes is at the newest revision."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.desk import migrations
from bot.desk.db import create_schema
from bot.desk.schema import Base
from tests.helpers.databases import empty_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request, tmp_path):
    with empty_database(request.param, tmp_path, prefix="migrations_test") as engine:
        yield engine


def differences(engine) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)


def test_upgrading_an_empty_database_gives_the_models_schema(empty_engine) -> None:
    migrations.upgrade_by_revisions(empty_engine)
    assert differences(empty_engine) == []
    with empty_engine.connect() as connection:
        assert migrations.current(connection) == migrations.head()


def test_a_database_opened_by_the_processes_is_at_the_newest_revision(empty_engine) -> None:
    create_schema(empty_engine)
    create_schema(empty_engine)  # a second process opening it changes nothing
    assert differences(empty_engine) == []
    with empty_engine.connect() as connection:
        assert migrations.current(connection) == migrations.head()


def test_a_database_made_before_migrations_is_completed_and_stamped(empty_engine) -> None:
    Base.metadata.tables["desk_experts"].create(empty_engine)  # an old desk: some of today's tables
    create_schema(empty_engine)
    assert set(Base.metadata.tables) <= set(inspect(empty_engine).get_table_names())
    with empty_engine.connect() as connection:
        assert migrations.current(connection) == migrations.head()


def test_revision_0005_lets_accounts_be_editors_keeps_them_and_downgrades_only_without_them(empty_engine) -> None:
    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    account = (
        "INSERT INTO console_users (username, display_name, role, password_hash, active, created_at, updated_at) "
        "VALUES (:name, :name, :role, 'x', true, '2026-12-06 10:00:00+00', '2026-12-06 10:00:00+00')"
    )
    with empty_engine.begin() as connection:
        command.upgrade(migrations.config(connection), "0004")
        connection.execute(text(account), {"name": "wang", "role": "staff"})
    with pytest.raises(IntegrityError), empty_engine.begin() as connection:
        connection.execute(text(account), {"name": "li.editor", "role": "editor"})
    migrations.upgrade(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(text(account), {"name": "li.editor", "role": "editor"})
    with pytest.raises(IntegrityError), empty_engine.begin() as connection:
        connection.execute(text(account), {"name": "nobody", "role": "root"})
    with pytest.raises(RuntimeError, match="editor role"), empty_engine.begin() as connection:
        command.downgrade(migrations.config(connection), "0004")
    with empty_engine.begin() as connection:
        connection.execute(text("UPDATE console_users SET role = 'staff' WHERE role = 'editor'"))
        command.downgrade(migrations.config(connection), "0004")
        assert migrations.current(connection) == "0004"
        assert connection.execute(text("SELECT count(*) FROM console_users")).scalar() == 2


def test_revision_0006_keeps_the_gaps_adopts_them_and_downgrades_only_once_none_is_adopted(empty_engine) -> None:
    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    gap = (
        "INSERT INTO knowledge_gaps (at, channel, kind, language, question, status) "
        "VALUES ('2026-12-06 10:00:00+00', 'rest', 'clarify', 'zh', :question, :status)"
    )
    version = (
        "INSERT INTO knowledge_versions (created_at, author, reason, digest, items, files) "
        "VALUES ('2026-12-06 10:00:00+00', 'li', '种子', :digest, 0, '{}')"
    )
    with empty_engine.begin() as connection:
        command.upgrade(migrations.config(connection), "0005")
        connection.execute(text(gap), {"question": "国内商标要多久", "status": "open"})
        connection.execute(text(version), {"digest": "0" * 64})
    with pytest.raises(IntegrityError), empty_engine.begin() as connection:
        connection.execute(text(gap), {"question": "x", "status": "adopted"})
    migrations.upgrade(empty_engine)
    with empty_engine.begin() as connection:
        assert connection.execute(text("SELECT proposed FROM knowledge_versions")).scalar() in (False, 0)
        connection.execute(text("UPDATE knowledge_gaps SET status = 'adopted', version_id = 1"))
    with pytest.raises(RuntimeError, match="adopted"), empty_engine.begin() as connection:
        command.downgrade(migrations.config(connection), "0005")
    with empty_engine.begin() as connection:
        connection.execute(text("UPDATE knowledge_gaps SET status = 'dismissed'"))
        command.downgrade(migrations.config(connection), "0005")
        assert migrations.current(connection) == "0005"
        assert connection.execute(text("SELECT question FROM knowledge_gaps")).scalar() == "国内商标要多久"
