"""A ticket's life on the desk, on SQLite and PostgreSQL: opened and numbered, assigned, accepted, answered,
closed, reopened, rated and followed up; every move checked and in the audit trail; an enterprise sees only its
own tickets."""

from __future__ import annotations

from typing import Any

import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.desk.tickets import Desk, DeskError, TranscriptEntry
from bot.desk.schema import OutboxMessage, Ticket, TicketEvent, TranscriptLine


def open_case(desk: Desk, sender: str = "tg-100", **overrides) -> Ticket:
    fields: dict[str, Any] = dict(
        channel="telegram",
        sender_id=sender,
        company="示例机械有限公司",
        contact_name="王经理",
        contact="138-0000-1234",
        country="德国",
        ip_type="发明专利",
        industry="机械装备",
        description="在德国展会上收到临时禁令，展品被要求撤下",
        deadline=date(2026, 12, 1),
    )
    fields.update(overrides)
    return desk.open_ticket(**fields)


def trail(sessions, number: str) -> list[tuple[str, str | None, str | None, str]]:
    with sessions() as session:
        ticket_id = session.scalars(select(Ticket.id).where(Ticket.number == number)).one()
        events = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id))
        return [(e.action, e.from_status, e.to_status, e.actor) for e in events]


def outbox(sessions, kind: str | None = None) -> list[OutboxMessage]:
    with sessions() as session:
        statement = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            statement = statement.where(OutboxMessage.kind == kind)
        return list(session.scalars(statement))


def test_opening_numbers_assigns_the_best_fit_and_tells_the_expert(desk, desk_sessions, add_expert) -> None:
    us = add_expert("美国专利专家", ip_types=["专利"], countries=["美国"])
    add_expert("美国商标专家", ip_types=["商标"], countries=["美国"])  # fits neither right nor country
    eu = add_expert(
        "欧盟专利专家", ip_types=["专利"], countries=["欧盟"], industries=["机械装备"], telegram_chat_id="4242"
    )
    runner_up = add_expert("德国商标专家", ip_types=["商标"], countries=["德国"])

    ticket = open_case(desk, transcript=[("user", "展会上被禁令了怎么办"), TranscriptEntry("bot", "请先保留证据……")])

    assert ticket.number == "SX-20261123-0001"
    assert ticket.status == "assigned" and ticket.expert_id == eu
    assert ticket.candidates == [runner_up, us]  # the country counts more than a related right
    assert ticket.contact == "13800001234"
    assert ticket.sla_due_at is not None and ticket.assigned_at == desk.clock.now()
    assert trail(desk_sessions, ticket.number) == [
        ("opened", None, "new", "bot"),
        ("assigned", "new", "assigned", "system"),
    ]
    (notice,) = outbox(desk_sessions, "case_assigned")
    assert (notice.channel, notice.recipient) == ("telegram", "4242")
    assert notice.payload["ticket"] == ticket.number and notice.payload["description"].startswith("在德国展会")
    assert [line["role"] for line in notice.payload["transcript"]] == ["user", "bot"]
    assert outbox(desk_sessions, "staff_alert") == []  # normal priority and assigned: nothing for staff
    with desk_sessions() as session:
        lines = session.scalars(select(TranscriptLine).where(TranscriptLine.ticket_id == ticket.id)).all()
        assert [(line.role, line.text) for line in lines] == [
            ("user", "展会上被禁令了怎么办"),
            ("bot", "请先保留证据……"),
        ]


def test_an_expert_without_telegram_is_told_by_email(desk, desk_sessions, add_expert) -> None:
    add_expert("专家", countries=["德国"], email="Expert@Example.org")
    open_case(desk)
    (notice,) = outbox(desk_sessions, "case_assigned")
    assert (notice.channel, notice.recipient) == ("email", "Expert@Example.org")


def test_urgent_or_unassignable_tickets_alert_staff(desk, desk_sessions, add_expert) -> None:
    nobody = open_case(desk, country="巴西", ip_type="商标")
    assert nobody.status == "new" and nobody.expert_id is None
    add_expert("专家", countries=["德国"])
    urgent = open_case(desk, priority="urgent")
    assert urgent.status == "assigned"
    alerts = {m.payload["ticket"]: m for m in outbox(desk_sessions, "staff_alert")}
    assert set(alerts) == {nobody.number, urgent.number}
    assert "人工分配" in alerts[nobody.number].payload["text"]
    assert "紧急" in alerts[urgent.number].payload["text"]
    assert alerts[urgent.number].channel == desk.settings.staff_channel


def test_the_whole_life_of_a_ticket_is_in_its_audit_trail(desk, desk_sessions, add_expert, desk_clock) -> None:
    expert = add_expert("示例专家", countries=["德国"], show_name=True)
    ticket = open_case(desk)

    desk_clock.advance(timedelta(minutes=30))
    desk.accept(ticket.number, expert)
    desk_clock.advance(timedelta(hours=3))
    answered = desk.answer(ticket.number, expert, "建议立即委托德国律师提出异议，并准备不侵权抗辩材料。")
    assert answered.status == "answered" and answered.answered_at == desk_clock.now()
    desk.close(ticket.number, "staff:li", "expert answered; enterprise satisfied")
    reopened = desk.reopen(ticket.number, "staff:li", "enterprise has a follow-up question")
    assert reopened.status == "accepted" and reopened.expert_id == expert and reopened.closed_at is None

    assert trail(desk_sessions, ticket.number) == [
        ("opened", None, "new", "bot"),
        ("assigned", "new", "assigned", "system"),
        ("accepted", "assigned", "accepted", f"expert:{expert}"),
        ("answered", "accepted", "answered", f"expert:{expert}"),
        ("closed", "answered", "closed", "staff:li"),
        ("reopened", "closed", "accepted", "staff:li"),
    ]
    with desk_sessions() as session:
        closed = session.scalars(select(TicketEvent).where(TicketEvent.action == "closed")).one()
        assert closed.reason == "expert answered; enterprise satisfied"
        assert closed.at == desk_clock.now()
        assert closed.at.tzinfo is not None

    (accepted,) = outbox(desk_sessions, "case_accepted")
    (answer,) = outbox(desk_sessions, "expert_answer")
    for message in (accepted, answer):
        assert (message.channel, message.recipient) == ("telegram", "tg-100")
    assert answer.payload == {
        "ticket": ticket.number,
        "text": "建议立即委托德国律师提出异议，并准备不侵权抗辩材料。",
        "language": "zh",
        "expert_name": "示例专家",
    }
    assert outbox(desk_sessions, "case_reopened")[0].payload["expert_id"] == expert


def test_a_hidden_expert_is_not_named_to_the_enterprise(desk, desk_sessions, add_expert) -> None:
    expert = add_expert("不具名专家", countries=["德国"], show_name=False)
    ticket = open_case(desk)
    desk.accept(ticket.number, expert)
    desk.answer(ticket.number, expert, "答复")
    (answer,) = outbox(desk_sessions, "expert_answer")
    assert answer.payload["expert_name"] is None
    (view,) = desk.tickets_for(sender_id="tg-100")
    assert view.expert_name is None and view.status == "answered"


def test_wrong_expert_and_wrong_state_are_refused_clearly(desk, desk_sessions, add_expert) -> None:
    expert = add_expert("专家甲", countries=["德国"])
    other = add_expert("专家乙", countries=["美国"], ip_types=["商标"])
    ticket = open_case(desk)

    with pytest.raises(DeskError, match="not assigned to expert") as caught:
        desk.accept(ticket.number, other)
    assert caught.value.code == "wrong_expert"
    with pytest.raises(DeskError) as caught:
        desk.answer(ticket.number, expert, "还没受理就答复")
    assert caught.value.code == "wrong_state"
    with pytest.raises(DeskError) as caught:
        desk.reopen(ticket.number, "staff:li", "not closed")
    assert caught.value.code == "wrong_state"
    with pytest.raises(DeskError) as caught:
        desk.accept("SX-20991231-0001", expert)
    assert caught.value.code == "not_found"

    desk.accept(ticket.number, expert)
    with pytest.raises(DeskError) as caught:
        desk.accept(ticket.number, expert)
    assert caught.value.code == "wrong_state"
    with pytest.raises(DeskError, match="required"):
        desk.answer(ticket.number, expert, "   ")
    desk.close(ticket.number, "staff:li", "done")
    with pytest.raises(DeskError) as caught:
        desk.close(ticket.number, "staff:li", "again")
    assert caught.value.code == "wrong_state"
    with pytest.raises(DeskError, match="reason is required"):
        desk.reopen(ticket.number, "staff:li", "")
    # Nothing the refused calls tried is in the trail.
    assert [action for action, *_ in trail(desk_sessions, ticket.number)] == [
        "opened",
        "assigned",
        "accepted",
        "closed",
    ]


def test_a_decline_passes_the_case_to_the_runner_up_then_to_staff(desk, desk_sessions, add_expert) -> None:
    first = add_expert("专家甲", countries=["德国"], ip_types=["专利"])
    second = add_expert("专家乙", countries=["德国"], ip_types=["商标"])
    ticket = open_case(desk)
    assert ticket.expert_id == first

    moved = desk.decline(ticket.number, first, "利益冲突")
    assert moved.status == "assigned" and moved.expert_id == second and moved.candidates == []
    with pytest.raises(DeskError):
        desk.accept(ticket.number, first)
    left = desk.decline(ticket.number, second, "不熟悉德国程序")
    assert left.status == "new" and left.expert_id is None

    assert trail(desk_sessions, ticket.number) == [
        ("opened", None, "new", "bot"),
        ("assigned", "new", "assigned", "system"),
        ("declined", "assigned", "new", f"expert:{first}"),
        ("assigned", "new", "assigned", "system"),
        ("declined", "assigned", "new", f"expert:{second}"),
        ("staff_alerted", "new", "new", "system"),
    ]
    assert [m.payload["expert_id"] for m in outbox(desk_sessions, "case_assigned")] == [first, second]
    (alert,) = outbox(desk_sessions, "staff_alert")
    assert "婉拒" in alert.payload["text"]

    staff_pick = add_expert("专家丙", countries=["巴西"], ip_types=["著作权"])
    assigned = desk.assign(ticket.number, staff_pick, "staff:li", "熟悉展会程序")
    assert assigned.status == "assigned" and assigned.expert_id == staff_pick


def test_an_enterprise_sees_only_its_own_tickets(desk, add_expert) -> None:
    add_expert("专家", countries=["德国"])
    mine = open_case(desk, sender="tg-1", contact="mine@example.com", deadline=date(2026, 12, 5))
    theirs = open_case(desk, sender="tg-2", contact="138 0000 9999")

    views = desk.tickets_for(sender_id="tg-1")
    assert [v.number for v in views] == [mine.number]
    assert views[0].next_deadline == mine.sla_due_at and views[0].next_deadline_kind == "acceptance"
    assert desk.tickets_for(sender_id="tg-1", number=theirs.number) == []
    assert desk.tickets_for(contact="Mine@Example.com") == [views[0]]
    assert [v.number for v in desk.tickets_for(contact="13800009999")] == [theirs.number]
    assert desk.tickets_for(sender_id="tg-1", contact="13800009999") == []
    assert desk.tickets_for(sender_id="tg-nobody") == []
    with pytest.raises(DeskError, match="sender id or a contact"):
        desk.tickets_for(number=theirs.number)
    with pytest.raises(DeskError, match="sender id or a contact"):
        desk.tickets_for()


def test_the_enterprise_deadline_shows_once_an_expert_has_the_case(desk, add_expert) -> None:
    expert = add_expert("专家", countries=["德国"])
    ticket = open_case(desk, deadline=date(2026, 12, 5))
    desk.accept(ticket.number, expert)
    (view,) = desk.tickets_for(sender_id="tg-100")
    assert (view.status, view.expert_name, view.next_deadline, view.next_deadline_kind) == (
        "accepted",
        "专家",
        date(2026, 12, 5),
        "enterprise",
    )


def test_rating_is_for_the_enterprise_that_got_an_answer(desk, desk_sessions, add_expert) -> None:
    expert = add_expert("专家", countries=["德国"])
    ticket = open_case(desk, sender="tg-1")
    with pytest.raises(DeskError, match="no answer"):
        desk.rate(ticket.number, "tg-1", 5)
    desk.accept(ticket.number, expert)
    desk.answer(ticket.number, expert, "答复")
    with pytest.raises(DeskError) as caught:
        desk.rate(ticket.number, "tg-2", 1, "not my ticket")
    assert caught.value.code == "not_found"
    for bad in (0, 6, 4.5, True, "5"):
        with pytest.raises(DeskError, match="1 to 5"):
            desk.rate(ticket.number, "tg-1", bad)
    rated = desk.rate(ticket.number, "tg-1", 4, "很及时")
    assert (rated.rating, rated.rating_comment) == (4, "很及时")
    assert trail(desk_sessions, ticket.number)[-1] == ("rated", "answered", "answered", "enterprise:tg-1")


def test_a_follow_up_goes_out_once_a_week_after_closing(desk, desk_sessions, desk_clock, add_expert) -> None:
    expert = add_expert("专家", countries=["德国"], languages=["zh", "en"])
    ticket = open_case(desk, sender="tg-1", language="en")
    desk.accept(ticket.number, expert)
    desk.answer(ticket.number, expert, "File an opposition.")
    desk.close(ticket.number, "staff:li", "answered")
    with pytest.raises(DeskError, match="closed"):
        desk.record_follow_up(open_case(desk, sender="tg-1").number, "tg-1", "still open")

    desk_clock.advance(timedelta(days=7) - timedelta(minutes=1))
    assert desk.due_follow_ups() == []
    desk_clock.advance(timedelta(minutes=1))
    assert desk.due_follow_ups() == [ticket.number]
    assert desk.due_follow_ups() == []
    (follow_up,) = outbox(desk_sessions, "follow_up")
    assert (follow_up.channel, follow_up.recipient) == ("telegram", "tg-1")
    assert "closed 7 days ago" in follow_up.payload["text"]

    with pytest.raises(DeskError):
        desk.record_follow_up(ticket.number, "tg-2", "someone else")
    noted = desk.record_follow_up(ticket.number, "tg-1", "Settled out of court.")
    assert noted.follow_up_note == "Settled out of court."
    assert [a for a, *_ in trail(desk_sessions, ticket.number)][-2:] == ["follow_up_queued", "follow_up_recorded"]


def test_bad_input_is_refused_and_nothing_is_stored(desk, desk_sessions, add_expert) -> None:
    add_expert("专家", countries=["德国"])
    for field, value, message in [
        ("company", "  ", "company is required"),
        ("description", "x" * 10_001, "more than 10000"),
        ("contact", "not a contact", "neither a phone"),
        ("contact", "a@b", "not an e-mail"),
        ("priority", "asap", "priority"),
        ("language", "fr", "language"),
        ("deadline", "2026-12-01", "deadline must be a date"),
        ("transcript", [("robot", "hi")], "transcript role"),
        ("transcript", [("user", "hi", datetime(2026, 1, 1))], "timezone-aware"),
    ]:
        with pytest.raises(DeskError, match=message):
            open_case(desk, **{field: value})  # type: ignore[arg-type]
    assert outbox(desk_sessions) == []
    with desk_sessions() as session:
        assert session.scalars(select(Ticket)).all() == []

    cleaned = open_case(
        desk,
        company="示例\x00公司\x1b",
        description="<script>alert(1)</script>\r\n第二行",
        country="Germany",
        ip_type="invention patent",
        transcript=[("user", "合同全文" * 5000), ("bot", "  "), ("user", "\x07好的")],
    )
    assert cleaned.company == "示例公司"
    assert cleaned.description == "<script>alert(1)</script>\n第二行"  # stored as text; channels escape on output
    assert (cleaned.country, cleaned.ip_type) == ("德国", "发明专利")
    assert cleaned.number.endswith("-0001")  # refused openings used no number
    with desk_sessions() as session:  # an overlong chat line is cut, an empty one dropped: the ticket still opens
        lines = session.scalars(select(TranscriptLine).order_by(TranscriptLine.id)).all()
        assert [(line.role, len(line.text)) for line in lines] == [("user", 10_000), ("user", 2)]
        assert lines[0].text.endswith("（以下省略）")


def test_numbers_follow_the_day_in_beijing(desk, desk_clock, add_expert) -> None:
    desk_clock.set(datetime(2026, 11, 23, 15, 59, tzinfo=timezone.utc))  # 23:59 in Beijing
    assert open_case(desk).number == "SX-20261123-0001"
    desk_clock.advance(timedelta(minutes=1))  # midnight in Beijing, 16:00 UTC
    assert open_case(desk).number == "SX-20261124-0001"
    assert open_case(desk).number == "SX-20261124-0002"


def test_twenty_tickets_opened_at_once_get_twenty_consecutive_numbers(desk, add_expert) -> None:
    for n in range(3):
        add_expert(f"专家{n}", countries=["德国"], max_open_cases=5)
    numbers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(20)

    def open_one(n: int) -> None:
        try:
            start.wait()
            numbers.append(open_case(desk, sender=f"tg-{n}").number)
        except BaseException as error:  # reported below with the others
            errors.append(error)

    threads = [threading.Thread(target=open_one, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(numbers) == [f"SX-20261123-{n:04d}" for n in range(1, 21)]
    # The three experts have 15 places between them: 15 tickets assigned, 5 left for staff, none over a cap.
    views = [view for n in range(20) for view in desk.tickets_for(sender_id=f"tg-{n}")]
    assert sorted(v.status for v in views).count("assigned") == 15


def test_an_english_ticket_goes_to_an_english_speaking_expert_in_english(desk, desk_sessions, add_expert) -> None:
    add_expert("中文专家", countries=["德国"], ip_types=["发明专利"], languages=["zh"])
    english = add_expert("Expert Miller", countries=["美国"], languages=["en"], show_name=True)
    ticket = open_case(desk, language="en", description="We were served with a TRO at a trade fair in Germany.")
    assert ticket.expert_id == english
    (notice,) = outbox(desk_sessions, "case_assigned")
    assert notice.payload["text"].startswith("New case") and "Germany / invention patent" in notice.payload["text"]
    desk.accept(ticket.number, english)
    (accepted,) = outbox(desk_sessions, "case_accepted")
    assert accepted.payload["text"].startswith("An expert has taken up your ticket")
    assert accepted.payload["expert_name"] == "Expert Miller"
