"""The desk worker process: delivers the outbox to the conversations that live in Rasa (REST, the terminal shell).

`make run` starts one beside the Rasa servers. Several may run at once (the outbox claims are exclusive), so a second
machine can run its own. Time-based work (SLA checks, follow-ups, reminders) is the scheduler's (bot/processes/scheduler.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import threading

from bot.clock import SystemClock
from bot.settings import DeskSettings, text
from bot.desk.services import open_database
from bot.desk.outbox import OutboxWorker, Sender
from bot.runtime.relay import RasaRelay

logger = logging.getLogger("bot.processes.worker")


def senders_from_environment() -> dict[str, Sender]:
    """The channels this worker can deliver to; messages of other channels wait for a worker that can."""
    senders: dict[str, Sender] = {}
    rasa_url, token = text(os.environ, "IPDESK_RASA_URL"), text(os.environ, "IPDESK_RASA_TOKEN")
    if rasa_url and token:
        relay = RasaRelay(rasa_url, token)
        senders.update(rest=relay, cmdline=relay)
        # The web chat's conversations live in Rasa too: the browser reads the delivered message from there.
        senders.update(webchat=relay)
    else:
        logger.warning("IPDESK_RASA_URL or IPDESK_RASA_TOKEN is not set: REST conversations get no desk messages")
    return senders


def run(stop: threading.Event, *, interval: float = 2.0) -> None:
    settings = DeskSettings.from_environment()
    database = open_database(settings)
    engine = database.engine
    clock = SystemClock()
    worker = OutboxWorker(
        database.sessions,
        senders_from_environment(),
        clock,
        f"{socket.gethostname()}:{os.getpid()}",
        lease=settings.outbox_lease,
        settings=settings,
    )
    logger.info("desk worker started on %s", engine.url.render_as_string(hide_password=True))
    while not stop.is_set():
        try:
            worker.run_once()
        except Exception:  # a database restart or a bad row must not end the worker: log, wait, go on
            logger.exception("desk worker cycle failed; retrying in %.0f s", interval)
        stop.wait(interval)
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between outbox passes")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s  %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    run(stop, interval=args.interval)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
