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

Rasa's channels, tracker store, lock store and HTTP API stay Rasa's own. Two things `main` adds to `rasa run`:
the API's token is read from IPDESK_RASA_TOKEN in the environment when `--auth-token` is not given (a token on a
command line is visible to every user of the machine), and the server reads no request body larger than
`MAX_REQUEST_BYTES` (Sanic's default is 100 MB, buffered whole before any channel checks it).
"""

from __future__ import annotations

import os
import sys
from typing import Mapping

from bot.runtime.patches import action_failures, model_loading, response_schema, rule_policy, sessions, tracker_store
from bot.runtime.patches.response_schema import response_checker
from bot.runtime.patches.tracker_store import TrackerStoreUnavailable

__all__ = ["TrackerStoreUnavailable", "install", "main", "response_checker"]

#: The largest request body the Rasa server reads: the REST channel takes 64 KiB, the services' calls (the Telegram
#: bridge, a desk message through the API) far less; nginx's services' entry allows the same.
MAX_REQUEST_BYTES = 1024 * 1024


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


def rasa_arguments(argv: list[str], env: Mapping[str, str]) -> list[str]:
    """`argv` with the API's token from IPDESK_RASA_TOKEN added when the API is enabled without one."""
    from bot.settings import text

    token = text(env, "IPDESK_RASA_TOKEN")
    if "--enable-api" in argv and token and not any(a == "--auth-token" or a.startswith("--auth-token=") for a in argv):
        return [*argv, f"--auth-token={token}"]
    return argv


def main() -> None:
    install()
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(MAX_REQUEST_BYTES))
    os.environ.setdefault("SANIC_FALLBACK_ERROR_FORMAT", "json")
    from rasa.__main__ import main as rasa_main

    # Changed in this process only: /proc/<pid>/cmdline keeps the command line the process was started with.
    sys.argv = ["rasa", *rasa_arguments(sys.argv[1:], os.environ)]
    rasa_main()


if __name__ == "__main__":
    main()
