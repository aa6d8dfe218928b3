"""The scheduler: the one process that does the desk's time-based work (`python -m bot.processes.scheduler`, started by
`make run`).

Its jobs, each run every so often by the clock it is given:

| job                 | every   | what it does                                                                   |
| ------------------- | ------- | ------------------------------------------------------------------------------ |
| sla                 | 1 min   | passes assignments not accepted in time to the next expert, alerts staff       |
| exhibition-notices  | 1 min   | queues trade-fair reminders, on-site contacts and post-show questions when due |
| follow-ups          | 10 min  | queues the follow-up question to enterprises a week after their case closed    |
| warning-expiry      | 10 min  | marks warnings past their last day as expired                                  |
| retention           | 1 day   | anonymises personal data past `IPDESK_RETENTION_DAYS` (bot/desk/retention.py), |
|                     |         | the conversations, the Telegram inbox and the logs in IPDESK_VAR_DIR too        |

Jobs only queue messages; the channel workers deliver the outbox. Running two schedulers at once (two machines, or a
restart that overlaps) never sends anything twice: every job claims its rows in the database — a conditional update
or a row lock, re-checked in the transaction that queues the message — and the outbox refuses a repeated key. No job
relies on a lock held in this process. A failing job (the database is down) is logged and tried again at its next
turn; the others go on.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Sized

from sqlalchemy.orm import sessionmaker

from bot.clock import Clock, SystemClock
from bot.settings import DeskSettings, SettingsError
from bot.desk.retention import PersonalStores, purge
from bot.desk.services import DeskServices, open_database

log = logging.getLogger("bot.processes.scheduler")


@dataclass(frozen=True)
class Job:
    """Work that is due every `every`: `run(now)` does what is due at `now` and returns what it did."""

    name: str
    every: timedelta
    run: Callable[[datetime], Sized]


def desk_jobs(maker: sessionmaker, clock: Clock, settings: DeskSettings) -> list[Job]:
    """The desk's time-based jobs over one database (see the module's table)."""
    services = DeskServices.build(maker, settings, clock)
    desk, exhibitions, warnings = services.desk, services.exhibitions, services.warnings
    return [
        Job("sla", timedelta(minutes=1), desk.check_sla),
        Job("exhibition-notices", timedelta(minutes=1), exhibitions.due_notices),
        Job("follow-ups", timedelta(minutes=10), desk.due_follow_ups),
        Job("warning-expiry", timedelta(minutes=10), warnings.expire_due),
        Job(
            "retention",
            timedelta(days=1),
            lambda now: purge(
                maker, clock, settings, actor="scheduler", stores=PersonalStores.from_environment(maker.kw["bind"])
            ),
        ),
    ]


class Scheduler:
    """Runs each job when its time comes by `clock`: at the first `run_due`, then every `job.every`."""

    def __init__(self, jobs: list[Job], clock: Clock, name: str = "scheduler") -> None:
        if len({job.name for job in jobs}) != len(jobs):
            raise ValueError("job names must be unique")
        self.jobs = jobs
        self.clock = clock
        self.name = name
        self._next: dict[str, datetime] = {}

    def run_due(self) -> dict[str, int]:
        """Run every job that is due now; how many things each one did (a failed job is absent and retried at its
        next turn)."""
        now = self.clock.now()
        done: dict[str, int] = {}
        for job in self.jobs:
            if self._next.get(job.name, now) > now:
                continue
            self._next[job.name] = now + job.every
            try:
                done[job.name] = len(job.run(now))
            except Exception:  # a database restart or one bad row must not stop the other jobs or the next turn
                log.exception(
                    "%s: job %s failed at %s; it runs again at its next turn", self.name, job.name, now.isoformat()
                )
                continue
            if done[job.name]:
                log.info("%s: %s did %d thing(s)", self.name, job.name, done[job.name])
        return done

    def run_forever(self, stop: threading.Event, *, poll: float = 5.0) -> None:
        """Run due jobs until `stop` is set, looking every `poll` seconds."""
        log.info("%s started: %s", self.name, ", ".join(f"{job.name} every {job.every}" for job in self.jobs))
        while not stop.is_set():
            self.run_due()
            stop.wait(poll)
        log.info("%s stopped", self.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.processes.scheduler", description=__doc__.split("\n\n")[0])
    parser.add_argument("--once", action="store_true", help="run every job once and exit (e.g. from cron)")
    parser.add_argument("--poll", type=float, default=5.0, help="seconds between looks at what is due")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s  %(message)s")
    try:
        settings = DeskSettings.from_environment()
    except SettingsError as error:
        print(f"configuration error: {error}", flush=True)
        return 2
    database = open_database(settings, schema=False)
    try:
        database.create_schema()
        clock = SystemClock()
        scheduler = Scheduler(
            desk_jobs(database.sessions, clock, settings), clock, f"scheduler {socket.gethostname()}:{os.getpid()}"
        )
        if args.once:
            done = scheduler.run_due()
            print(", ".join(f"{name}: {count}" for name, count in done.items()))
            return 0 if len(done) == len(scheduler.jobs) else 1
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        scheduler.run_forever(stop, poll=args.poll)
        return 0
    finally:
        database.engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
