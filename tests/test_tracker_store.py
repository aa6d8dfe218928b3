"""The SQL tracker store as our Rasa servers run it (bot/runtime/patches/tracker_store.py reads and writes a
turn's events with statements built once) stores and returns exactly what Rasa's own does, on SQLite and on PostgreSQL.

Each variant runs in a process of its own, since the fixes change Rasa's classes for the whole process: the same
conversation — two turns, a second Rasa server adding a turn, a new session — is saved and read back through
Rasa's store and through ours, and the rows and every tracker read back must be the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

pytestmark = pytest.mark.stack  # runs Rasa's tracker store in processes of its own

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("DESK_TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")

CONVERSATION = r"""
import asyncio, json, sys
from sqlalchemy import text
if sys.argv[1] == "ours":
    from bot.runtime.server import install
    install()
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered)


domain = Domain.load("domain.yml")
options = json.loads(sys.argv[2])
sender = sys.argv[3]
clock = iter(range(1, 1000))

def turn(text, intent, country=None):
    entities = [{"entity": "country", "value": country, "start": 0, "end": 2}] if country else []
    events = [UserUttered(text, {"name": intent, "confidence": 0.93}, entities,
                          parse_data={"text": text, "intent": {"name": intent, "confidence": 0.93},
                                      "entities": entities, "intent_ranking": []},
                          timestamp=next(clock)),
              ActionExecuted("action_answer", timestamp=next(clock)),
              BotUttered(f"答复：{text}", {"custom": {"kind": "answer", "sources": ["policy:7"]}},
                         timestamp=next(clock))]
    if country:
        events.append(SlotSet("country", country, timestamp=next(clock)))
    return events + [ActionExecuted("action_listen", timestamp=next(clock))]

async def main():
    first, second = SQLTrackerStore(domain, **options), SQLTrackerStore(domain, **options)
    seen = []
    tracker = await first.get_or_create_tracker(sender, append_action_listen=False)
    for event in [ActionExecuted("action_session_start", timestamp=next(clock)),
                  SessionStarted(timestamp=next(clock)), ActionExecuted("action_listen", timestamp=next(clock)),
                  *turn("337调查一般要多久", "ask_itc337", "美国")]:
        tracker.update(event)
    await first.save(tracker)
    tracker = await first.retrieve(sender)
    seen.append([e.as_dict() for e in tracker.events])
    for event in turn("有哪些海外知识产权保险", "ask_insurance"):
        tracker.update(event)
    await first.save(tracker)
    other = await second.retrieve(sender)  # the next message goes to the other Rasa server
    for event in turn("德国展会被诉怎么办", "ask_exhibition", "德国"):
        other.update(event)
    await second.save(other)
    tracker = await first.retrieve(sender)
    seen.append([e.as_dict() for e in tracker.events])
    for event in [ActionExecuted("action_session_start", timestamp=next(clock)), SessionStarted(timestamp=next(clock)),
                  SlotSet("country", "德国", timestamp=next(clock)),
                  ActionExecuted("action_listen", timestamp=next(clock)), *turn("你好", "greet")]:
        tracker.update(event)
    await first.save(tracker)
    seen.append([e.as_dict() for e in (await second.retrieve(sender)).events])
    seen.append([e.as_dict() for e in (await second.retrieve_full_tracker(sender)).events])
    seen.append(await first.retrieve("nobody-" + sender))
    def rows():
        with first.engine.connect() as connection:
            return [list(row) for row in connection.execute(
                text("SELECT type_name, timestamp, intent_name, action_name, data FROM events "
                     "WHERE sender_id = :s ORDER BY id"), {"s": sender})]
    stored = rows()
    await first.save(tracker)  # the same tracker saved again (Rasa's own store counts the stored events anew)
    print(json.dumps({"seen": seen, "rows": stored, "saved_again": rows()}, ensure_ascii=False))

asyncio.run(main())
"""


def run_conversation(which: str, options: dict, sender: str, env: dict[str, str] | None = None) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", CONVERSATION, which, json.dumps(options), sender],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {}), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def texts(events: list[dict]) -> list[str]:
    return [e["text"] for e in events if e["event"] == "user"]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """Options for Rasa's SQLTrackerStore and the environment it runs in: a SQLite file, or a PostgreSQL schema of
    its own (Rasa's POSTGRESQL_SCHEMA), dropped afterwards."""
    if request.param == "sqlite":
        yield {"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}, {}
        return
    schema = f"tracker_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, future=True, poolclass=NullPool)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = admin.url
    try:
        yield (
            {"dialect": "postgresql", "host": url.host, "port": url.port, "db": url.database, "username": url.username},
            {"POSTGRESQL_SCHEMA": schema},
        )
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def test_our_store_keeps_and_returns_a_conversation_exactly_as_rasas_does(store) -> None:
    options, env = store
    rasa = run_conversation("rasa", options, "rasa-" + uuid.uuid4().hex[:8], env)
    ours = run_conversation("ours", options, "ours-" + uuid.uuid4().hex[:8], env)

    assert ours["rows"] == rasa["rows"]
    assert ours["seen"] == rasa["seen"]
    first_turn, after_other_server, new_session, whole, nobody = ours["seen"]
    assert texts(first_turn) == ["337调查一般要多久"]
    assert texts(after_other_server) == ["337调查一般要多久", "有哪些海外知识产权保险", "德国展会被诉怎么办"]
    assert texts(new_session) == ["你好"]  # a turn reads its session only
    assert texts(whole) == texts(after_other_server) + ["你好"]
    assert nobody is None
    assert len(ours["rows"]) == len(whole)
    assert ours["saved_again"] == ours["rows"]  # nothing stored twice (Rasa's own store repeats the session before)
    user_rows = [row for row in ours["rows"] if row[0] == "user"]
    assert [row[2] for row in user_rows] == ["ask_itc337", "ask_insurance", "ask_exhibition", "greet"]
