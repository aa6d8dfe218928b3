"""The retraining runner's process (`python -m bot.processes.trainer`, started by `make run` and the scaled-out layout):
runs queued retraining jobs one at a time (bot/runtime/retrain.py). One runner is enough; a second one (another
machine) never runs the same job, as jobs are claimed in the database.

`python -m bot.processes.trainer evaluate MODEL` prints a model's held-out intent accuracy and macro F1 as one line of
JSON (`nlu.evaluate.evaluate`, what `make eval` reports): the runner evaluates in that subprocess, so TensorFlow's
memory is given back after each evaluation.

Reads IPDESK_DATABASE_URL, IPDESK_RASA_TOKEN, IPDESK_MODEL (what `make model` builds; candidates go to a
`retrained/` folder beside it) and IPDESK_RASA_SERVERS (every Rasa server to swap, comma separated; unset:
IPDESK_RASA_URL).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
from pathlib import Path

from bot.clock import SystemClock
from bot.desk.retraining import Retraining
from bot.desk.services import open_database
from bot.runtime.retrain import Retrainer, RunnerSettings
from bot.settings import DeskSettings, SettingsError, model_path, text

log = logging.getLogger("bot.processes.trainer")


def runner_settings(env: dict[str, str] | None = None) -> RunnerSettings:
    env = dict(os.environ if env is None else env)
    servers = text(env, "IPDESK_RASA_SERVERS") or text(env, "IPDESK_RASA_URL") or "http://127.0.0.1:5005"
    token = text(env, "IPDESK_RASA_TOKEN")
    if not token:
        raise SettingsError("IPDESK_RASA_TOKEN is not set: the runner swaps models through Rasa's API, which needs it")
    model = model_path(env)
    return RunnerSettings(
        rasa_servers=tuple(url.strip() for url in servers.split(",") if url.strip()),
        rasa_token=token,
        default_model=model,
        models_dir=model.parent / "retrained",
    )


def evaluate(model: Path) -> int:
    from nlu.evaluate import evaluate as run

    report = run(model)
    print(json.dumps({"accuracy": report.accuracy, "macro_f1": report.macro_f1, "examples": len(report.predictions)}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.processes.trainer", description=__doc__.split("\n\n")[0])
    parser.add_argument("--poll", type=float, default=5.0, help="seconds between looks for a queued job")
    commands = parser.add_subparsers(dest="command")
    evaluating = commands.add_parser("evaluate", help="print a model's held-out accuracy and macro F1 as JSON")
    evaluating.add_argument("model", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s  %(message)s")
    if args.command == "evaluate":
        return evaluate(args.model)
    try:
        settings, desk = runner_settings(), DeskSettings.from_environment()
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr, flush=True)
        return 2
    database = open_database(desk)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    runner = Retrainer(
        Retraining(database.sessions, SystemClock()), settings, f"{socket.gethostname()}:{os.getpid()}", stop
    )
    log.info("trainer started: swaps %s, candidates in %s", ", ".join(settings.rasa_servers), settings.models_dir)
    try:
        while not stop.is_set():
            try:
                runner.run_once()
            except Exception:  # a database restart must not end the runner: log, wait, go on
                log.exception("trainer cycle failed; retrying in %.0f s", args.poll)
            stop.wait(args.poll)
    finally:
        database.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
