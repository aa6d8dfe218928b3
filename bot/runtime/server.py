"""The Rasa server as the launcher runs it: Rasa's own `rasa run`, with a few pieces of Rasa 3.6 put right.

`python -m bot.runtime.server run …` takes exactly the arguments of `rasa run`, applies `install()` in the process and
hands over to Rasa's command line. (Our channels call `install()` too, so a plain `rasa run` with credentials.yml
gets the same.) The profile of `make bench` found the first three (README, "Measured"):

- **Per-turn work done once.** Every answer of the action server is checked against Rasa's response schema with
  `jsonschema.validate`, which first checks the *schema itself* against the JSON Schema meta-schema: about 45 ms of
  CPU per custom action on our 2-core machines, more than half of the Rasa server's time under load. The schema
  never changes, so validators are built for it once, one per event type (an event is checked against the schema
  its name picks instead of all 23 of its `oneOf`: about 0.1 ms a check; same checks, same error). Every event
  read back from the tracker store finds its class by walking all subclasses of `Event`: the lookup is remembered.
- **The model loads in half the time.** To load DIET, Rasa builds the model by training it one step on one example
  (tracing the whole training graph: about 10 s of a 20 s start on our machines), then overwrites the weights with
  the trained ones. For answering, the weights are restored as the model builds them for its first prediction,
  which Rasa makes anyway; the training step is skipped. Every held-out message gets the same intent ranking and
  entities either way (tests/test_rasa_server.py).
- **One query less per turn, and no ORM in it.** Saving a turn to the SQL tracker store first counts, with a query,
  how many of the session's events are stored already. The tracker the turn loaded knows it: the store remembers
  on the tracker how many events it read (or last wrote) and counts only for a tracker it did not load. A turn runs
  under its conversation's lock, so nothing else writes those events between the load and the save — what Rasa's
  count relies on too. (Rasa's count also goes wrong for a tracker that holds two sessions: it re-stores the
  earlier one.) The session's events are read with one Core statement built once, and the new ones written with
  one multi-row insert: building Rasa's ORM query every turn and its unit of work took more than half of the
  tracker store's time. Same rows, same trackers read back (tests/test_tracker_store.py, SQLite and PostgreSQL).
- **The tracker store's engine configured like the desk's** (bot/desk/db.py): on PostgreSQL `pool_pre_ping`, so a
  connection left stale by a database restart is replaced before a turn uses it instead of failing that turn; on
  SQLite a pool of reused connections (SQLAlchemy 1.4 opens one per query of a file database) in WAL mode with
  `synchronous=NORMAL`.
- **A tracker store that is down is an error, not a blank conversation.** Rasa's `FailSafeTrackerStore` treats a
  conversation it cannot read as new and keeps a turn it cannot write in memory: the answer ignores the
  conversation so far and the turn is lost from the record. Here the error goes up, logged; the channel answers 503.
- **A long conversation starts a new session.** Every turn reads, replays, copies and sends to the action server
  all events of the conversation's session, so a turn slows down as the session grows: a Telegram chat that goes
  on all day, never idle for the hour after which Rasa ends a session, got slower with every message (a turn after
  300 turns took eight times a new conversation's). A session now also ends once it holds
  `IPDESK_SESSION_MAX_EVENTS` events (200, about thirty turns) and no form is under way; the new session carries the
  slots over (domain.yml), so the conversation goes on where it was. Rasa carries them over by repeating every
  slot event of the old session, the ones it carried into it included, so each session began longer than the last;
  it now carries each slot's last value once.
- **Rules parsed once.** The rule policy parsed every learned rule from JSON again for each turn of history it
  compared, twice a turn; each is parsed once.
- **Failed custom actions are visible.** Rasa logs a custom action that fails (the action server is down) and
  carries on as if it had said nothing. A channel that runs a turn inside `watch_action_failures()` learns which
  actions failed, and holds the question instead (bot/channels/rest.py).

Rasa's channels, tracker store, lock store and HTTP API stay Rasa's own.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import itertools
import json
import logging
import os
import sqlite3
import sys
from typing import Any, Callable, Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import QueuePool


logger = logging.getLogger(__name__)

#: A session ends once it holds this many events (about thirty turns) and no form is under way.
DEFAULT_SESSION_MAX_EVENTS = 200

#: The custom actions that failed in the turn being watched (None when no turn is watched).
_failed_actions: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("failed_actions", default=None)


@contextlib.contextmanager
def watch_action_failures() -> Iterator[list[str]]:
    """Collect the names of the custom actions that fail (action server down, timing out or erring) while the
    block runs, in this task; a rejection by a form's validation is an answer, not a failure."""
    failures: list[str] = []
    token = _failed_actions.set(failures)
    try:
        yield failures
    finally:
        _failed_actions.reset(token)


def install() -> None:
    """Apply the fixes to the Rasa modules of this process (idempotent)."""
    from rasa.core.actions.action import ActionExecutionRejection, ActionSessionStart, RemoteAction
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.core.processor import MessageProcessor
    from rasa.utils.tensorflow.models import RasaModel
    from rasa.shared.core.events import Event

    if getattr(RemoteAction._validate_action_result, "_ipdesk", False):
        return

    run_remote = RemoteAction.run

    async def run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
        try:
            return await run_remote(self, *args, **kwargs)
        except ActionExecutionRejection:
            raise
        except Exception:
            failures = _failed_actions.get()
            if failures is not None:
                failures.append(self.name())
            raise

    RemoteAction.run = run  # type: ignore[method-assign]
    is_valid = response_checker(RemoteAction.action_response_format_spec())
    original_validate: Callable[[RemoteAction, dict[str, Any]], bool] = RemoteAction._validate_action_result

    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        if is_valid(result):
            return True
        return original_validate(self, result)  # Rasa's own check raises its own error, with its own wording

    validate_action_result._ipdesk = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]

    resolve = Event.resolve_by_type

    @functools.lru_cache(maxsize=None)
    def resolve_known(type_name: str) -> Any:
        return resolve(type_name, None)

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        found = resolve_known(type_name)
        if found is not None:
            return found
        return resolve(type_name, default)  # unknown names keep Rasa's behaviour (default, None or ValueError)

    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]

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
    _end_long_sessions(MessageProcessor, session_max_events())
    _load_for_prediction(RasaModel)
    _carry_slots_once(ActionSessionStart)
    _parse_rule_keys_once(RulePolicy)


def response_checker(schema: dict[str, Any]) -> Callable[[Any], bool]:
    """Whether an action server's answer fits Rasa's response schema, with validators built once.

    Each event of the answer must match exactly one of the schema's `oneOf` event schemas, and jsonschema tries
    every one of them (23) for every event. Each of them fixes the `event` name to a constant of its own, so an
    event matches exactly one iff it matches the one its name picks: the same answer, a fraction of the work."""
    from jsonschema import validators

    def validator(part: dict[str, Any]) -> Any:
        return validators.validator_for(schema)(part)

    events = schema["properties"]["events"]
    item = events["items"]
    by_name = {variant["properties"]["event"]["const"]: variant for variant in item["oneOf"]}
    if len(by_name) != len(item["oneOf"]):  # a schema of another Rasa version: check it as it is
        return validator(schema).is_valid
    outer = validator({**schema, "properties": {**schema["properties"], "events": {"type": "array"}}})
    base = {key: value for key, value in item.items() if key != "oneOf"}
    per_event = {name: validator({**base, "allOf": [variant]}) for name, variant in by_name.items()}

    def is_valid(result: Any) -> bool:
        if not outer.is_valid(result):
            return False
        for event in result.get("events") or ():
            name = event.get("event") if isinstance(event, dict) else None
            if not isinstance(name, str) or name not in per_event or not per_event[name].is_valid(event):
                return False
        return True

    return is_valid


def session_max_events() -> int:
    raw = os.environ.get("IPDESK_SESSION_MAX_EVENTS", "").strip()
    value = int(raw) if raw.isdigit() else DEFAULT_SESSION_MAX_EVENTS
    return max(value, 20)


def _end_long_sessions(processor_class: Any, max_events: int) -> None:
    has_expired = processor_class._has_session_expired

    def _has_session_expired(self: Any, tracker: Any) -> bool:
        if has_expired(self, tracker):
            return True
        if not self.domain.session_config.are_sessions_enabled() or tracker.active_loop_name:
            return False
        return _events_in_session(tracker, max_events) >= max_events

    processor_class._has_session_expired = _has_session_expired


def _load_for_prediction(model_class: Any) -> None:
    load = model_class.load.__func__

    def load_for_prediction(cls: Any, model_file_name: str, model_data_example: Any, predict_data_example: Any = None,
                            finetune_mode: bool = False, *args: Any, **kwargs: Any) -> Any:
        if finetune_mode or predict_data_example is None:  # training goes on from these weights: Rasa's way
            return load(cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs)
        model = cls(*args, **kwargs)
        restoring = model.load_weights(model_file_name)  # restored as the first prediction creates each variable
        model.run_inference(predict_data_example)
        restoring.expect_partial()  # the optimizer's slots in the checkpoint are for training only
        restoring.assert_existing_objects_matched()
        return model

    model_class.load = classmethod(load_for_prediction)


def _carry_slots_once(session_start_class: Any) -> None:
    from rasa.shared.core.events import SlotSet

    def _slot_set_events_from_tracker(tracker: Any) -> list[Any]:
        latest: dict[str, Any] = {}
        for event in tracker.applied_events():
            if isinstance(event, SlotSet):
                latest.pop(event.key, None)  # keep the order in which the slots last changed
                latest[event.key] = event
        return [SlotSet(key=e.key, value=e.value, metadata=e.metadata) for e in latest.values()]

    session_start_class._slot_set_events_from_tracker = staticmethod(_slot_set_events_from_tracker)


def _parse_rule_keys_once(policy_class: Any) -> None:
    """The rule policy keeps each learned rule as a JSON string and parses it again for every rule, every turn of
    the conversation's history it compares, every prediction: a quarter of its time. Each string is parsed once;
    the policy only reads what it gets back."""
    policy_class._rule_key_to_state = staticmethod(functools.lru_cache(maxsize=4096)(policy_class._rule_key_to_state))


def _events_in_session(tracker: Any, limit: int) -> int:
    """The events since the session began, counted up to `limit`."""
    from rasa.shared.core.events import SessionStarted

    count = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted) or count >= limit:
            break
        count += 1
    return count


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
                raise TrackerStoreUnavailable(f"the tracker store failed to {name.replace('_', ' ')}: {error}") from error
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
    started = (select(func.max(table.c.timestamp))
               .where(table.c.sender_id == sender, table.c.type_name == SessionStarted.type_name)
               .scalar_subquery())
    return (select(table.c.data)
            .where(table.c.sender_id == sender, or_(table.c.timestamp >= started, started.is_(None)))
            .order_by(table.c.id))


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


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    # Run the module's other copy, `bot.runtime.server`, the one the channels import: `python -m` executes this file as
    # `__main__`, whose failure watch the channels would never see.
    from bot.runtime.server import main as package_main

    package_main()
