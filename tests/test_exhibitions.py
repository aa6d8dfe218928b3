"""Trade-fair registrations on SQLite and PostgreSQL: the notices a registration schedules, sent once each as the
clock moves from a week before the fair to after it, the pre-show services, the outcome and its case, and what staff
see."""

from __future__ import annotations

from typing import Any

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.desk.exhibitions import ExhibitionError, Exhibitions, outcome_of
from bot.desk.schema import ExhibitionNotice, OutboxMessage, Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture()
def exhibitions(desk_sessions, desk_clock, desk_settings, desk) -> Exhibitions:
    return Exhibitions(desk_sessions, desk_clock, desk_settings, desk)


def register(exhibitions: Exhibitions, starts_on: date, ends_on: date | None = None, **values):
    fields: dict[str, Any] = dict(
        channel="telegram",
        sender_id="tg:77",
        language="zh",
        company="太原示例玻璃器皿有限公司",
        contact="138-0000-0077",
        contact_name="王经理",
        fair_name="Ambiente 法兰克福消费品展",
        place="法兰克福",
        country="德国",
        starts_on=starts_on,
        ends_on=ends_on or starts_on + timedelta(days=4),
        products="玻璃杯、玻璃餐具",
        rights_held="欧盟外观设计2项",
        new_products=True,
    )
    fields.update(values)
    return exhibitions.register(**fields)


def notices(desk_sessions, registration_id: int) -> dict[str, ExhibitionNotice]:
    with desk_sessions() as session:
        rows = session.scalars(
            select(ExhibitionNotice).where(ExhibitionNotice.registration_id == registration_id)
        ).all()
    return {row.stage: row for row in rows}


def queued(desk_sessions) -> list[tuple[str, str]]:
    with desk_sessions() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(OutboxMessage.idempotency_key, OutboxMessage.recipient)
                .where(OutboxMessage.kind == "exhibition_notice")
                .order_by(OutboxMessage.id)
            )
        ]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def test_from_registration_to_the_post_show_question_each_notice_once(exhibitions, desk_sessions, desk_clock) -> None:
    start = desk_clock.now().astimezone(SHANGHAI).date() + timedelta(days=20)
    registration = register(exhibitions, start)
    key = f"exhibition:{registration.id}"
    assert exhibitions.due_notices() == []

    steps = [
        (at(start - timedelta(days=7), 8, 59), []),
        (at(start - timedelta(days=7), 9, 0), [f"{key}:week_before"]),
        (at(start - timedelta(days=3), 12, 0), []),
        (at(start - timedelta(days=1), 9, 30), [f"{key}:day_before"]),
        (at(start, 8, 0), [f"{key}:on_site"]),
        (at(start + timedelta(days=4), 23, 0), []),
        (at(start + timedelta(days=5), 10, 0), [f"{key}:after"]),
        (at(start + timedelta(days=40), 10, 0), []),
    ]
    for moment, expected in steps:
        desk_clock.set(moment)
        assert exhibitions.due_notices() == expected, moment
        assert exhibitions.due_notices() == [], moment  # a second run the same minute finds nothing
    assert queued(desk_sessions) == [
        (f"{key}:{stage}", "tg:77") for stage in ("week_before", "day_before", "on_site", "after")
    ]
    assert all(n.sent_at is not None and n.skipped_at is None for n in notices(desk_sessions, registration.id).values())


def test_a_late_registration_skips_the_reminders_it_is_past(exhibitions, desk_sessions, desk_clock) -> None:
    today = desk_clock.now().astimezone(SHANGHAI).date()
    soon = register(exhibitions, today + timedelta(days=3))
    under_way = register(exhibitions, today - timedelta(days=1), today + timedelta(days=2), fair_name="CES")
    stages = notices(desk_sessions, soon.id)
    assert stages["week_before"].skipped_at is not None and stages["day_before"].skipped_at is None
    assert exhibitions.due_notices() == [
        f"exhibition:{under_way.id}:on_site"
    ]  # registering during the fair: contact now
    with pytest.raises(ExhibitionError, match="ended"):
        register(exhibitions, today - timedelta(days=10), today - timedelta(days=8))


def test_a_notice_the_scheduler_missed_is_skipped_not_sent_late(exhibitions, desk_sessions, desk_clock) -> None:
    start = desk_clock.now().astimezone(SHANGHAI).date() + timedelta(days=20)
    registration = register(exhibitions, start)
    desk_clock.set(at(start, 10, 0))  # the scheduler was down for the whole week before
    assert exhibitions.due_notices() == [f"exhibition:{registration.id}:on_site"]
    stages = notices(desk_sessions, registration.id)
    assert stages["week_before"].skipped_at and stages["day_before"].skipped_at
    assert "passed" in stages["day_before"].skip_reason


def test_training_alerts_staff_once_and_screening_opens_one_ticket(
    exhibitions, desk_sessions, desk_settings, add_expert
) -> None:
    expert = add_expert("德国展会专家", ip_types=["外观设计"], countries=["欧盟"])
    start = date(2026, 12, 20)
    registration = register(exhibitions, start)
    _, first = exhibitions.request_training(registration.id, "tg:77")
    _, again = exhibitions.request_training(registration.id, "tg:77")
    assert (first, again) == (True, False)
    with desk_sessions() as session:
        alerts = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.channel == desk_settings.staff_channel, OutboxMessage.kind == "staff_alert"
            )
        ).all()
    assert (
        len(alerts) == 1
        and "展前培训" in alerts[0].payload["text"]
        and registration.company in alerts[0].payload["text"]
    )

    updated, ticket = exhibitions.request_screening(registration.id, "tg:77")
    assert ticket is not None and updated.screening_ticket == ticket.number
    assert (ticket.channel, ticket.sender_id, ticket.country, ticket.ip_type, ticket.expert_id) == (
        "telegram",
        "tg:77",
        "德国",
        "外观设计",
        expert,
    )
    assert "展前风险排查" in ticket.description and "玻璃杯" in ticket.description
    repeat, none = exhibitions.request_screening(registration.id, "tg:77")
    assert none is None and repeat.screening_ticket == ticket.number
    with desk_sessions() as session:
        assert len(session.scalars(select(Ticket)).all()) == 1
    with pytest.raises(ExhibitionError):  # someone else's registration is as good as missing
        exhibitions.request_training(registration.id, "tg:other")


def test_the_outcome_and_its_case_are_recorded_and_the_question_is_not_asked_again(
    exhibitions, desk_sessions, desk_clock, desk
) -> None:
    start = desk_clock.now().astimezone(SHANGHAI).date() + timedelta(days=10)
    registration = register(exhibitions, start)
    desk_clock.set(at(start + timedelta(days=2), 15, 0))  # during the fair the enterprise reports a dispute
    ticket = desk.open_ticket(
        channel="telegram",
        sender_id="tg:77",
        company=registration.company,
        contact=registration.contact,
        description="展台被送达临时禁令",
        country="德国",
    )
    exhibitions.link_case(registration.id, "tg:77", ticket.number)
    desk_clock.set(at(start + timedelta(days=5), 10, 0))
    assert exhibitions.due_notices() == []  # already told us: no post-show question
    assert notices(desk_sessions, registration.id)["after"].skip_reason.startswith("the enterprise already told")

    other = register(exhibitions, start + timedelta(days=30), sender_id="rest-1", channel="rest")
    recorded = exhibitions.record_outcome(
        other.id, "rest-1", outcome_of("一切顺利，没有遇到纠纷"), "一切顺利，没有遇到纠纷"
    )
    assert (recorded.outcome, recorded.outcome_note) == ("none", "一切顺利，没有遇到纠纷")


@pytest.mark.parametrize(
    "answer, outcome",
    [
        ("一切顺利，没有纠纷", "none"),
        ("没有遇到纠纷", "none"),
        ("挺好的，签了几个单", "none"),
        ("No problems", "none"),
        ("遇到了知识产权纠纷", "case"),
        ("展台被送达了临时禁令", "case"),
        ("对方律师给了警告函", "case"),
        ("We got an injunction at the booth", "case"),
    ],
)
def test_how_the_fair_went_is_read_from_the_answer(answer, outcome) -> None:
    assert outcome_of(answer) == outcome


def test_staff_see_fairs_with_their_enterprises_and_set_the_onsite_contact(exhibitions, desk_clock) -> None:
    start = desk_clock.now().astimezone(SHANGHAI).date() + timedelta(days=15)
    a = register(exhibitions, start)
    b = register(
        exhibitions, start, fair_name=" ambiente  法兰克福消费品展", sender_id="tg:78", company="晋城示例陶瓷有限公司"
    )
    c = register(exhibitions, start + timedelta(days=30), fair_name="CES", place="Las Vegas", country="美国")
    groups = exhibitions.fairs()
    assert [(g.fair_name, [r.id for r in g.registrations]) for g in groups] == [
        ("Ambiente 法兰克福消费品展", [a.id, b.id]),
        ("CES", [c.id]),
    ]
    assert exhibitions.set_onsite_contact([a.id, b.id], "省贸促会驻会服务点 王老师") == 2
    assert exhibitions.onsite_contact(exhibitions.of_sender(a.id, "tg:77")) == "省贸促会驻会服务点 王老师"
    assert exhibitions.onsite_contact(exhibitions.of_sender(c.id, "tg:77")) is None  # no default configured
    desk_clock.set(at(start + timedelta(days=60), 12, 0))
    assert exhibitions.fairs() == [] and len(exhibitions.fairs(past=True)) == 2
