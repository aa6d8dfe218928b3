"""The scheduler on SQLite and PostgreSQL: jobs run when the (manual) clock says they are due, a failing job does not
stop the others, and two schedulers running at once never send a reminder, a follow-up or an SLA alert twice."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.clock import SystemClock
from bot.desk.exhibitions import Exhibitions
from bot.desk.schema import ExhibitionNotice, OutboxMessage, TicketEvent
from bot.processes.scheduler import Job, Scheduler, desk_jobs

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_jobs_run_when_their_time_comes_and_a_failing_one_does_not_stop_the_others(desk_clock) -> None:
    runs: Counter = Counter()

    def fine(now: datetime) -> list[str]:
        runs["fine"] += 1
        return ["done"]

    def broken(now: datetime) -> list[str]:
        runs["broken"] += 1
        raise ConnectionError("the database is down")

    scheduler = Scheduler(
        [Job("fine", timedelta(minutes=1), fine), Job("broken", timedelta(minutes=10), broken)], desk_clock
    )
    assert scheduler.run_due() == {"fine": 1}
    assert scheduler.run_due() == {}  # nothing is due again in the same minute
    desk_clock.advance(timedelta(minutes=1))
    assert scheduler.run_due() == {"fine": 1}
    desk_clock.advance(timedelta(minutes=9))
    assert scheduler.run_due() == {"fine": 1}  # the broken job was tried again at its turn, and failed again
    assert runs == Counter(fine=3, broken=2)


def test_two_schedulers_at_once_send_each_reminder_follow_up_and_sla_alert_once(
    desk_sessions, desk_clock, desk_settings, desk, add_expert
) -> None:
    exhibitions = Exhibitions(desk_sessions, desk_clock, desk_settings, desk)
    today = desk_clock.now().astimezone(SHANGHAI).date()
    registrations = [
        exhibitions.register(
            channel="rest",
            sender_id=f"web-{n}",
            language="zh",
            company=f"示例企业{n}",
            contact=f"1380000{n:04d}",
            fair_name=f"展会{n % 3}",
            place="汉诺威",
            country="德国",
            starts_on=today + timedelta(days=10 + n),
            ends_on=today + timedelta(days=13 + n),
            products="机床",
            rights_held="无",
            new_products=False,
        )
        for n in range(12)
    ]
    add_expert("专家甲", ip_types=["专利"], countries=["美国"])
    tickets = [
        desk.open_ticket(
            channel="rest",
            sender_id=f"web-t{n}",
            company=f"示例企业T{n}",
            contact=f"1390000{n:04d}",
            description="美国专利侵权警告函",
            country="美国",
            ip_type="专利",
            priority="urgent",
        )
        for n in range(3)
    ]
    closed = desk.open_ticket(
        channel="rest",
        sender_id="web-c",
        company="示例企业C",
        contact="13700000000",
        description="已经解决的问题",
        country="美国",
        ip_type="专利",
    )
    desk.close(closed.number, "staff:wang", "企业已获答复")

    schedulers = [
        Scheduler(desk_jobs(desk_sessions, desk_clock, desk_settings), desk_clock, f"scheduler {n}") for n in (1, 2)
    ]
    done: list[Counter] = [Counter(), Counter()]
    failures: list[BaseException] = []
    start_together = threading.Barrier(2)
    round_over = threading.Barrier(2, action=lambda: desk_clock.advance(timedelta(hours=4)))

    def run(index: int) -> None:
        try:
            for _ in range(6 * 40):  # forty days in four-hour steps, both schedulers in every step
                start_together.wait(timeout=60)
                done[index].update(schedulers[index].run_due())
                round_over.wait(timeout=60)
        except BaseException as error:  # noqa: BLE001 — reported below
            failures.append(error)
            start_together.abort()
            round_over.abort()

    threads = [threading.Thread(target=run, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not failures, failures

    with desk_sessions() as session:
        notices = session.scalars(select(ExhibitionNotice)).all()
        messages = Counter(
            session.scalars(
                select(OutboxMessage.idempotency_key).where(OutboxMessage.kind == "exhibition_notice")
            ).all()
        )
        follow_ups = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "follow_up")
        )
        sla = Counter(session.scalars(select(TicketEvent.ticket_id).where(TicketEvent.action == "sla_expired")).all())
    sent = [n for n in notices if n.sent_at is not None]
    assert len(sent) == 4 * len(registrations)  # every stage of every fair went out …
    assert set(messages.values()) == {1} and len(messages) == len(sent)  # … once
    # and no scheduler claimed what the other sent: what each one reports adds up to what was queued
    assert done[0]["exhibition-notices"] + done[1]["exhibition-notices"] == len(sent)
    assert follow_ups == 1 and done[0]["follow-ups"] + done[1]["follow-ups"] == 1
    assert sorted(sla.values()) == [1] * len(tickets)  # each overdue assignment passed on once
    assert done[0]["sla"] + done[1]["sla"] == len(tickets)
    assert done[0]["sla"] + done[0]["exhibition-notices"] > 0 and done[1]["sla"] + done[1]["exhibition-notices"] > 0


def test_the_scheduler_process_runs_its_jobs_once_and_exits(tmp_path) -> None:
    """`python -m bot.processes.scheduler --once`, as cron or `make run` runs it, on a desk database file."""
    from bot.settings import DeskSettings
    from bot.desk.db import create_schema, make_engine, sessions
    from bot.desk.tickets import Desk

    url = f"sqlite:///{tmp_path / 'desk.db'}"
    engine = make_engine(url)
    create_schema(engine)
    settings = DeskSettings(database_url=url)
    maker = sessions(engine)
    today = datetime.now(SHANGHAI).date()
    registration = Exhibitions(maker, SystemClock(), settings, Desk(maker, SystemClock(), settings)).register(
        channel="rest",
        sender_id="web-1",
        language="zh",
        company="示例企业",
        contact="13800000001",
        fair_name="CES",
        place="Las Vegas",
        country="美国",
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=2),
        products="耳机",
        rights_held="美国商标",
        new_products=False,
    )
    env = {**os.environ, "DATABASE_URL": url}
    finished = subprocess.run(
        [sys.executable, "-m", "bot.processes.scheduler", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    assert "exhibition-notices: 1" in finished.stdout
    with maker() as session:
        keys = session.scalars(select(OutboxMessage.idempotency_key)).all()
    engine.dispose()
    assert keys == [f"exhibition:{registration.id}:on_site"]


def test_make_run_starts_the_scheduler_beside_the_workers(tmp_path) -> None:
    from bot.processes.launcher import Settings, all_services

    services = {s.name: s for s in all_services(Settings(var_dir=tmp_path))}
    assert services["scheduler"].command[-2:] == ["-m", "bot.processes.scheduler"]
    assert services["desk worker"].command[-2:] == ["-m", "bot.processes.worker"]
