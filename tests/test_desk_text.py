"""The desk stores what it is given (issue 15, medium 6): a lone UTF-16 surrogate or a Unicode non-character in any
field or transcript line is dropped, not a UnicodeEncodeError that blocks the ticket, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from bot.desk.schema import OutboxMessage, Ticket, TranscriptLine


def test_broken_characters_are_dropped_and_the_ticket_opens(desk, desk_sessions, add_expert) -> None:
    add_expert("王专家")
    ticket = desk.open_ticket(
        channel="rest",
        sender_id="surrogate-1",
        company="示例\ud800机械有限公司",
        contact_name="王\udfff经理",
        contact="138-0000-1234",
        country="美国",
        ip_type="专利",
        description="在美国被诉\ufffe专利侵权\U0010ffff，怎么办",
        transcript=[("user", "第一句\ud83d"), ("bot", "答复\ufdd0")],
    )
    with desk_sessions() as session:
        stored = session.scalar(select(Ticket).where(Ticket.number == ticket.number))
        lines = session.scalars(
            select(TranscriptLine.text).where(TranscriptLine.ticket_id == stored.id).order_by(TranscriptLine.id)
        ).all()
        notices = session.scalars(select(OutboxMessage.payload)).all()
    assert (stored.company, stored.contact_name, stored.description) == (
        "示例机械有限公司",
        "王经理",
        "在美国被诉专利侵权，怎么办",
    )
    assert lines == ["第一句", "答复"]
    assert notices and all("\ud800" not in str(payload) for payload in notices)
