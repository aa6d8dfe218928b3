"""The Rasa server as the launcher runs it: Rasa's own `rasa run`, with per-turn work Rasa 3.6 repeats done once.

`python -m bot.rasa_server run …` takes exactly the arguments of `rasa run`. Before handing over to Rasa's command
line it replaces two pieces of Rasa 3.6 that redo constant work on every turn; the profile of `make bench` found
them (README, "Measured"):

- Every answer of the action server is checked against Rasa's response schema with `jsonschema.validate`, which
  first checks the *schema itself* against the JSON Schema meta-schema: about 45 ms of CPU per custom action on
  our 2-core machines, more than half of the Rasa server's time under load. The schema never changes, so a
  validator is built for it once and each answer is checked against that (about 0.5 ms). Same checks, same error.
- Every stored event read back from the tracker store finds its class by walking all subclasses of `Event`; the
  classes are fixed once Rasa is imported, so the lookup is remembered per event name.

and it configures the database engine of Rasa's own `SQLTrackerStore` the way `bot.db` configures the desk's:

- on PostgreSQL, `pool_pre_ping`: a connection left stale by a database restart is replaced before a turn uses
  it, instead of failing that turn;
- on SQLite (one machine), a pool of reused connections (SQLAlchemy 1.4 opens a new one for every query of a
  file database, three or four per turn) in WAL mode with `synchronous=NORMAL`, as the desk's database runs.

Last, it lets our channels see a custom action fail. Rasa 3.6 logs the failure and carries on with the turn as if
the action had said nothing, so the user would get no answer and the tracker a turn without one; a channel that
runs a turn inside `watch_action_failures()` learns which actions failed and can hold the question instead
(bot/rest_channel.py).

Nothing else about Rasa changes: its channels, tracker and lock stores and HTTP API are Rasa's own.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import sqlite3
import sys
from typing import Any, Callable, Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import QueuePool


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
    from jsonschema import validators
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
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
    schema = RemoteAction.action_response_format_spec()
    validator = validators.validator_for(schema)(schema)
    original_validate: Callable[[RemoteAction, dict[str, Any]], bool] = RemoteAction._validate_action_result

    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        if best_match(validator.iter_errors(result)) is None:
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
    # Run the module's other copy, `bot.rasa_server`, the one the channels import: `python -m` executes this file as
    # `__main__`, whose failure watch the channels would never see.
    from bot.rasa_server import main as package_main

    package_main()
