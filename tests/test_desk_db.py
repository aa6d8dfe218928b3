"""The desk's database plumbing: SQLite set up for several writers, times stored in UTC on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from bot.desk.db import create_schema, make_engine, sessions
from bot.desk.schema import Expert


def test_sqlite_gets_its_folder_wal_foreign_keys_and_a_busy_timeout(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'var' / 'desk.db'}")
    create_schema(engine)
    create_schema(engine)  # a second time leaves the tables alone
    assert (tmp_path / "nested" / "var" / "desk.db").exists()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000
    engine.dispose()


def test_times_are_stored_in_utc_and_come_back_aware(desk_sessions) -> None:
    beijing = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with desk_sessions.begin() as session:
        session.add(Expert(name="专家", ip_types=["专利"], created_at=beijing, updated_at=beijing))
    with desk_sessions() as session:
        expert = session.scalars(select(Expert)).one()
        assert expert.created_at == beijing and expert.created_at.tzinfo == timezone.utc
        assert expert.created_at.hour == 2
        assert expert.languages == ["zh"] and expert.available is True and expert.max_open_cases == 3
        later = session.scalars(select(Expert).where(Expert.created_at > beijing - timedelta(seconds=1))).all()
        assert later == [expert]
    with pytest.raises(StatementError, match="naive datetime"), desk_sessions.begin() as session:
        session.add(Expert(name="无时区", ip_types=["专利"], created_at=datetime(2026, 1, 1), updated_at=beijing))


def test_the_database_refuses_impossible_values(desk_sessions, desk_clock) -> None:
    now = desk_clock.now()
    with pytest.raises(Exception, match=r"(?i)check"), desk_sessions.begin() as session:
        session.add(Expert(name="零容量", ip_types=["专利"], max_open_cases=0, created_at=now, updated_at=now))
    with desk_sessions() as session:
        assert session.execute(text("SELECT count(*) FROM desk_experts")).scalar() == 0


def test_sessions_keep_objects_readable_after_commit(desk_engine, desk_clock) -> None:
    factory = sessions(desk_engine)
    with factory.begin() as session:
        expert = Expert(name="专家", ip_types=["专利"], created_at=desk_clock.now(), updated_at=desk_clock.now())
        session.add(expert)
    assert expert.id is not None and expert.name == "专家"


@pytest.mark.parametrize("desk_engine", ["postgresql"], indirect=True)
def test_postgresql_connections_dropped_by_a_restart_are_replaced(desk_engine) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    with desk_engine.connect() as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    killer = create_engine(desk_engine.url, future=True, poolclass=NullPool)
    with killer.connect() as connection:
        assert connection.exec_driver_sql(f"SELECT pg_terminate_backend({pid})").scalar() is True
    killer.dispose()
    with desk_engine.connect() as connection:  # the pooled connection is dead; the pre-ping replaces it
        assert connection.exec_driver_sql("SELECT count(*) FROM desk_experts").scalar() == 0
        assert connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid
