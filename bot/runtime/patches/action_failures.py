"""Failed custom actions are visible. Rasa logs a custom action that fails (the action server is down) and carries
on as if it had said nothing. A channel that runs a turn inside `watch_action_failures()` learns which actions
failed, and holds the question instead (bot/channels/rest.py, bot/runtime/turns.py).

Tested by tests/test_faults.py (the action server killed under load; on Telegram, the action server down).
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Iterator

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
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction

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
