"""The SQL tracker store, put right in three ways.

- **One query less per turn, and no ORM in it.** Saving a turn first counted, with a query, how many of the
  session's events are stored already. The tracker the turn loaded knows it: the store remembers on the tracker how
  many events it read (or last wrote) and counts only for a tracker it did not load. A turn runs under its
  conversation's lock, so nothing else writes those events between the load and the save — what Rasa's count
  relies on too. The session's events are read with one Core statement built once, and the new ones written with
  one multi-row insert.
- **The engine configured like the desk's** (bot/desk/db.py): on PostgreSQL `pool_pre_ping`, so a connection left
  stale by a database restart is replaced before a turn uses it; on SQLite a pool of reused connections in WAL mode
  with `synchronous=NORMAL`.
- **A tracker store that is down is an error, not a blank conversation** (`TrackerStoreUnavailable`).

Tested by tests/test_tracker_store.py (the same rows and trackers as Rasa's store, SQLite and PostgreSQL) and
tests/test_faults.py (PostgreSQL down: a message is refused, not answered from a blank conversation).
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import sqlite3
from typing import Any, Callable

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import QueuePool

logger = logging.getLogger(__name__)


def install() -> None:
    import rasa.core.tracker_store as tracker_store

    rasa_engine_kwargs = tracker_store.create_engine_kwargs

    def create_engine_kwargs(url: Any) -> dict[str, Any]:
        kwargs = dict(rasa_engine_kwargs(url))
        parsed = make_url(url)
        if parsed.get_backend_name() == "postgresql":
            kwargs["pool_pre_ping"] = True
        elif parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            kwargs.update(poolclass=QueuePool, connect_args={"check_same_thread": False})
        return kwargs

    tracker_store.create_engine_kwargs = create_engine_kwargs
    event.listen(Engine, "connect", _tune_sqlite)
    _remember_stored_events(tracker_store.SQLTrackerStore)
    _fail_loudly(tracker_store.FailSafeTrackerStore)


class TrackerStoreUnavailable(Exception):
    """The tracker store could not read or write a conversation; the turn is not run (or not kept)."""


def _fail_loudly(store_class: Any) -> None:
    """Rasa wraps the tracker store in a `FailSafeTrackerStore` that, when the database cannot be reached, treats
    the conversation as new and keeps the turn in the process's memory: the user gets an answer that ignores the
    conversation so far (a form half filled in, the ticket it is about), and the turn is gone from the record when
    the database is back. Here the error goes up instead, logged: the channel answers 503 and the client sends the
    message again once the database answers."""

    def failing(name: str) -> Callable[..., Any]:
        async def call(self: Any, *args: Any) -> Any:
            try:
                return await getattr(self._tracker_store, name)(*args)
            except Exception as error:
                logger.exception("the tracker store failed to %s", name.replace("_", " "))
                raise TrackerStoreUnavailable(
                    f"the tracker store failed to {name.replace('_', ' ')}: {error}"
                ) from error

        call.__name__ = name
        return call

    for name in ("retrieve", "retrieve_full_tracker", "save"):
        setattr(store_class, name, failing(name))


#: Where a tracker loaded from the SQL tracker store keeps how many events of its session are stored.
_STORED = "_ipdesk_stored_events"


@functools.lru_cache(maxsize=None)
def _session_events(table: Any) -> Any:
    """The events of a conversation's latest session in the order they were stored (all its events when no session
    was started): Rasa's query, as one Core statement built once instead of an ORM query built every turn."""
    from rasa.shared.core.events import SessionStarted
    from sqlalchemy import bindparam, func, or_, select

    sender = bindparam("sender_id")
    started = (
        select(func.max(table.c.timestamp))
        .where(table.c.sender_id == sender, table.c.type_name == SessionStarted.type_name)
        .scalar_subquery()
    )
    return (
        select(table.c.data)
        .where(table.c.sender_id == sender, or_(table.c.timestamp >= started, started.is_(None)))
        .order_by(table.c.id)
    )


def _event_row(sender_id: str, event: Any) -> dict[str, Any]:
    """An event as Rasa's SQL tracker store writes it: its type, timestamp, intent or action name, and JSON."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _remember_stored_events(store_class: Any) -> None:
    from rasa.shared.core.trackers import DialogueStateTracker

    retrieve, additional_events = store_class._retrieve, store_class._additional_events

    async def _retrieve(self: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        if fetch_events_from_all_sessions:
            return await retrieve(self, sender_id, fetch_events_from_all_sessions)
        with self.session_scope() as session:
            rows = session.execute(_session_events(self.SQLEvent.__table__), {"sender_id": sender_id}).scalars().all()
        if not self.domain or not rows:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, [json.loads(row) for row in rows], self.domain.slots)
        tracker.__dict__[_STORED] = len(tracker.events)
        return tracker

    def _additional_events(self: Any, session: Any, tracker: Any) -> Any:
        stored = tracker.__dict__.get(_STORED)
        if stored is None or stored > len(tracker.events):
            return additional_events(self, session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self: Any, tracker: Any) -> None:
        if not tracker.events and tracker.__dict__.get(_STORED) is None:
            tracker.__dict__[_STORED] = 0  # a new conversation: nothing to store, nothing to count
            return
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = [_event_row(tracker.sender_id, event) for event in self._additional_events(session, tracker)]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)  # one statement, in the events' order
            session.commit()
        tracker.__dict__[_STORED] = len(tracker.events)

    store_class._retrieve, store_class._additional_events, store_class.save = _retrieve, _additional_events, save


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL and `synchronous=NORMAL` for Rasa's SQLite tracker store: readers never wait for the writer, and a
    commit does not wait for the disk (a power cut may lose the last turns, never corrupt the file)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()
