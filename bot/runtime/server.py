"""The Rasa server as the launcher runs it: Rasa's own `rasa run`, with a few pieces of Rasa 3.6 put right.

`python -m bot.runtime.server run …` takes exactly the arguments of `rasa run`, applies `install()` in the process
and hands over to Rasa's command line. (Our channels call `install()` too, so a plain `rasa run` with
credentials.yml gets the same.) Each fix is a module of bot/runtime/patches/ that names its test:

- response_schema: an action server's answer is checked with validators built once, and an event's class lookup
  is remembered (the profile of `make bench` found these first: more than half of the server's time under load);
- model_loading: the model loads for answering without Rasa's one-step training run, in half the time;
- tracker_store: one query less per turn and no ORM in it, the engine configured like the desk's, and a tracker
  store that is down is an error (`TrackerStoreUnavailable`, the channel answers 503), not a blank conversation;
- sessions: a long conversation starts a new session that carries each slot's last value once;
- rule_policy: the rule policy parses each learned rule once;
- action_failures: a channel that runs a turn inside `watch_action_failures()` learns which custom actions failed.

Rasa's channels, tracker store, lock store and HTTP API stay Rasa's own.
"""
from __future__ import annotations

import sys

from bot.runtime.patches import action_failures, model_loading, response_schema, rule_policy, sessions, tracker_store
from bot.runtime.patches.response_schema import response_checker
from bot.runtime.patches.tracker_store import TrackerStoreUnavailable

__all__ = ["TrackerStoreUnavailable", "install", "main", "response_checker"]


def install() -> None:
    """Apply the fixes to the Rasa modules of this process (idempotent)."""
    if response_schema.installed():
        return
    action_failures.install()
    response_schema.install()
    tracker_store.install()
    sessions.install()
    model_loading.install()
    rule_policy.install()


def main() -> None:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
