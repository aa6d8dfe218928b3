"""Deadlines on the desk: assignments not accepted in time move on and staff hear of it; normal cases count
desk hours only; out of hours the bot can say when a person will pick the case up; the settings behind it."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.settings import DeskSettings, SettingsError
from bot.contracts import Priority
from bot.desk.schema import OutboxMessage, Ticket, TicketEvent
from bot.desk.tickets import Desk, DeskError

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)  # type: ignore[arg-type, misc]


def open_case(desk: Desk, priority: Priority = "normal") -> Ticket:
    return desk.open_ticket(
        channel="rest",
        sender_id="web-1",
        company="示例光伏有限公司",
        contact="ops@example.com",
        country="美国",
        ip_type="专利",
        description="收到337调查立案通知",
        priority=priority,
    )


def count(sessions, model, *where) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_an_urgent_case_not_accepted_in_two_hours_goes_to_the_runner_up_once(
    desk,
    desk_sessions,
    desk_clock,
    add_expert,
) -> None:
    first = add_expert("专家甲", ip_types=["专利"])
    second = add_expert("专家乙", ip_types=["商标"])
    ticket = open_case(desk, priority="urgent")
    assert ticket.expert_id == first
    assert ticket.sla_due_at == desk_clock.now() + timedelta(hours=2)

    desk_clock.advance(timedelta(hours=2) - timedelta(seconds=1))
    assert desk.check_sla() == []
    desk_clock.advance(timedelta(seconds=1))
    assert desk.check_sla() == [ticket.number]
    assert desk.check_sla() == []  # a second run finds nothing left to do

    (view,) = desk.tickets_for(sender_id="web-1")
    assert view.status == "assigned"
    with pytest.raises(DeskError) as caught:
        desk.accept(ticket.number, first)  # too late: the case has moved on
    assert caught.value.code == "wrong_expert"
    desk.accept(ticket.number, second)

    assert count(desk_sessions, TicketEvent, TicketEvent.action == "sla_expired") == 1
    with desk_sessions() as session:
        expired = session.scalars(select(TicketEvent).where(TicketEvent.action == "sla_expired")).one()
        assert (expired.from_status, expired.to_status, expired.actor) == ("assigned", "new", "system")
        assert expired.data["expert_id"] == first
        alerts = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "staff_alert").order_by(OutboxMessage.id)
        ).all()
    # One alert for the urgent opening, one for the missed deadline naming who has the case now.
    assert len(alerts) == 2
    assert "未在时限" in alerts[1].payload["text"] and "专家乙" in alerts[1].payload["text"]


def test_a_normal_case_counts_working_days_only(desk, desk_clock, add_expert) -> None:
    add_expert("专家甲", ip_types=["专利"])
    add_expert("专家乙", ip_types=["商标"])
    desk_clock.set(beijing(2026, 11, 27, 16, 0))  # Friday afternoon
    ticket = open_case(desk)
    assert ticket.sla_due_at == beijing(2026, 12, 1, 16, 0)  # Tuesday afternoon: 1.5 h Fri + 8.5 h Mon + 7 h Tue

    for moment in (beijing(2026, 11, 29, 16, 0), beijing(2026, 11, 30, 17, 29), beijing(2026, 12, 1, 15, 59)):
        desk_clock.set(moment)
        assert desk.check_sla() == [], moment  # the weekend and Monday do not make it late
    desk_clock.set(beijing(2026, 12, 1, 16, 0))
    assert desk.check_sla() == [ticket.number]
    assert desk.check_sla() == []


def test_holidays_and_make_up_workdays_move_the_deadline(desk_sessions, desk_vocabulary, add_expert) -> None:
    settings = DeskSettings(holidays=frozenset({date(2026, 11, 30)}))  # the Monday off
    clock = ManualClock(beijing(2026, 11, 27, 16, 0))
    desk = Desk(desk_sessions, clock, settings, vocabulary=desk_vocabulary)
    add_expert("专家甲", ip_types=["专利"])
    assert open_case(desk).sla_due_at == beijing(2026, 12, 2, 16, 0)

    settings = DeskSettings(extra_workdays=frozenset({date(2026, 11, 28)}))  # the Saturday worked
    desk = Desk(desk_sessions, clock, settings, vocabulary=desk_vocabulary)
    add_expert("专家乙", ip_types=["专利"])
    assert open_case(desk).sla_due_at == beijing(2026, 11, 30, 16, 0)


def test_with_no_one_left_the_case_returns_to_staff(desk, desk_sessions, desk_clock, add_expert) -> None:
    only = add_expert("唯一专家", ip_types=["专利"])
    ticket = open_case(desk)
    desk_clock.advance(timedelta(days=5))
    assert desk.check_sla() == [ticket.number]
    assert desk.check_sla() == []
    (view,) = desk.tickets_for(sender_id="web-1")
    assert view.status == "new"
    with desk_sessions() as session:
        alert = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "staff_alert")).one()
        assert "人工分配" in alert.payload["text"] and f"唯一专家（{only}）未在时限" in alert.payload["text"]


def test_an_accepted_case_is_not_reassigned(desk, desk_clock, add_expert) -> None:
    expert = add_expert("专家甲", ip_types=["专利"])
    add_expert("专家乙", ip_types=["专利"])
    ticket = open_case(desk, priority="urgent")
    desk.accept(ticket.number, expert)
    desk_clock.advance(timedelta(hours=3))
    assert desk.check_sla() == []


@pytest.mark.parametrize(
    "now, pickup",
    [
        (beijing(2026, 11, 23, 10, 0), beijing(2026, 11, 23, 10, 0)),  # Monday, open: now
        (beijing(2026, 11, 23, 7, 30), beijing(2026, 11, 23, 9, 0)),  # before opening
        (beijing(2026, 11, 23, 17, 30), beijing(2026, 11, 24, 9, 0)),  # at closing time
        (beijing(2026, 11, 27, 22, 0), beijing(2026, 11, 30, 9, 0)),  # Friday night → Monday
        (beijing(2026, 11, 28, 12, 0), beijing(2026, 11, 30, 9, 0)),  # Saturday → Monday
    ],
)
def test_next_pickup_out_of_hours_is_the_next_opening(desk_vocabulary, now: datetime, pickup: datetime) -> None:
    desk = Desk(sessions=None, clock=ManualClock(now), settings=DeskSettings(), vocabulary=desk_vocabulary)  # type: ignore[arg-type]
    assert desk.next_pickup() == pickup
    assert desk.next_pickup().tzinfo is not None


def test_next_pickup_skips_holidays(desk_vocabulary) -> None:
    settings = DeskSettings(holidays=frozenset({date(2026, 10, d) for d in range(1, 9)}))  # National Day week
    desk = Desk(
        sessions=None,
        clock=ManualClock(beijing(2026, 9, 30, 18, 0)),
        settings=settings,  # type: ignore[arg-type]
        vocabulary=desk_vocabulary,
    )
    assert desk.next_pickup() == beijing(2026, 10, 9, 9, 0)


def test_settings_come_from_the_environment() -> None:
    settings = DeskSettings.from_environment(
        {
            "DATABASE_URL": "postgresql://desk@db/desk",
            "DESK_SLA_URGENT_HOURS": "1.5",
            "DESK_SLA_NORMAL_WORKING_DAYS": "3",
            "DESK_HOURS": "08:30-17:00",
            "DESK_HOLIDAYS": "2026-10-01, 2026-10-02",
            "DESK_OUTBOX_MAX_ATTEMPTS": "5",
        }
    )
    assert settings.database_url == "postgresql://desk@db/desk"
    assert settings.sla_urgent == timedelta(hours=1.5)
    assert settings.sla_normal == timedelta(hours=8.5 * 3)
    assert (settings.desk_opens, settings.desk_closes) == (time(8, 30), time(17, 0))
    assert settings.holidays == {date(2026, 10, 1), date(2026, 10, 2)}
    assert settings.outbox_max_attempts == 5

    defaults = DeskSettings.from_environment({})
    assert defaults.database_url.startswith("sqlite:///") and defaults.database_url.endswith("var/desk.db")
    assert (defaults.sla_urgent, defaults.sla_normal_working_days) == (timedelta(hours=2), 2)
    assert (defaults.desk_opens, defaults.desk_closes, defaults.desk_timezone) == (
        time(9),
        time(17, 30),
        "Asia/Shanghai",
    )
    assert (defaults.follow_up_delay, defaults.outbox_max_attempts) == (timedelta(days=7), 8)
    assert defaults.outbox_base_backoff == timedelta(seconds=30)


@pytest.mark.parametrize(
    "name, value",
    [
        ("DESK_HOURS", "17:30-09:00"),
        ("DESK_HOURS", "nine to five"),
        ("DESK_HOLIDAYS", "2026-13-01"),
        ("DESK_SLA_URGENT_HOURS", "-1"),
        ("DESK_SLA_NORMAL_WORKING_DAYS", "two"),
        ("DESK_TIMEZONE", "Mars/Olympus"),
    ],
)
def test_a_bad_setting_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        DeskSettings.from_environment({name: value})
    if name != "DESK_TIMEZONE":
        assert name in str(caught.value)
    else:
        assert "Mars/Olympus" in str(caught.value)


def test_two_overlapping_sla_runs_reassign_once(desk, desk_sessions, desk_clock, add_expert) -> None:
    for n in range(3):
        add_expert(f"专家{n}", ip_types=["专利"])
    numbers = [open_case(desk, priority="urgent").number for _ in range(3)]
    desk_clock.advance(timedelta(hours=2))
    results: list[list[str]] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        results.append(desk.check_sla())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results[0] + results[1]) == sorted(numbers)
    assert count(desk_sessions, TicketEvent, TicketEvent.action == "sla_expired") == 3
