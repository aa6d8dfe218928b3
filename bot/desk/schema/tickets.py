"""The escalation desk's tables: the expert pool, tickets with their audit trail (events), transcript and
attachments, and the per-day counter that numbers them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Column, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped

from bot.contracts import TICKET_STATUSES
from bot.desk.schema.base import Base, UTCDateTime, sql_in

TRANSCRIPT_ROLES = ("user", "bot", "expert", "staff")


class Expert(Base):
    """A pro-bono advisor in the pool. `show_name` says whether enterprises may see the name."""

    __tablename__ = "desk_experts"

    id: Mapped[int] = Column(Integer, primary_key=True)
    name: Mapped[str] = Column(String(100), nullable=False, index=True)
    organisation: Mapped[str | None] = Column(String(200))
    ip_types: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    countries: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    industries: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    languages: Mapped[list[str]] = Column(JSON, nullable=False, default=lambda: ["zh"])
    telegram_chat_id: Mapped[str | None] = Column(String(64))
    phone: Mapped[str | None] = Column(String(50))
    email: Mapped[str | None] = Column(String(254), unique=True)
    available: Mapped[bool] = Column(Boolean, nullable=False, default=True)
    max_open_cases: Mapped[int] = Column(Integer, nullable=False, default=3)
    show_name: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    note: Mapped[str | None] = Column(Text)
    illustrative: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)

    __table_args__ = (CheckConstraint("max_open_cases > 0", name="ck_desk_experts_cap"),)

    def __repr__(self) -> str:
        return f"<Expert {self.id} {self.name}>"


class Ticket(Base):
    """An escalated case, from the enterprise's request to the expert's answer and the follow-up."""

    __tablename__ = "desk_tickets"

    id: Mapped[int] = Column(Integer, primary_key=True)
    number: Mapped[str] = Column(String(20), nullable=False, unique=True)
    status: Mapped[str] = Column(String(16), nullable=False, default="new", index=True)
    priority: Mapped[str] = Column(String(8), nullable=False, default="normal")
    channel: Mapped[str] = Column(String(32), nullable=False)
    sender_id: Mapped[str] = Column(String(128), nullable=False, index=True)
    company: Mapped[str] = Column(String(200), nullable=False)
    contact_name: Mapped[str | None] = Column(String(100))
    contact: Mapped[str] = Column(String(254), nullable=False, index=True)
    country: Mapped[str | None] = Column(String(50))
    ip_type: Mapped[str | None] = Column(String(50))
    dispute_type: Mapped[str | None] = Column(String(50))
    industry: Mapped[str | None] = Column(String(50))
    description: Mapped[str] = Column(Text, nullable=False)
    deadline: Mapped[date | None] = Column(Date)
    language: Mapped[str] = Column(String(2), nullable=False, default="zh")
    expert_id: Mapped[int | None] = Column(Integer, ForeignKey("desk_experts.id"), index=True)
    candidates: Mapped[list[int]] = Column(JSON, nullable=False, default=list)
    assigned_at: Mapped[datetime | None] = Column(UTCDateTime)
    sla_due_at: Mapped[datetime | None] = Column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = Column(UTCDateTime)
    answered_at: Mapped[datetime | None] = Column(UTCDateTime)
    closed_at: Mapped[datetime | None] = Column(UTCDateTime)
    rating: Mapped[int | None] = Column(Integer)
    rating_comment: Mapped[str | None] = Column(Text)
    follow_up_due_at: Mapped[datetime | None] = Column(UTCDateTime)
    follow_up_sent_at: Mapped[datetime | None] = Column(UTCDateTime)
    follow_up_note: Mapped[str | None] = Column(Text)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)

    __table_args__ = (
        CheckConstraint(sql_in("status", TICKET_STATUSES), name="ck_desk_tickets_status"),
        CheckConstraint(sql_in("priority", ("urgent", "normal")), name="ck_desk_tickets_priority"),
        CheckConstraint(sql_in("language", ("zh", "en")), name="ck_desk_tickets_language"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="ck_desk_tickets_rating"),
        Index("ix_desk_tickets_sla", "status", "sla_due_at"),
    )

    def __repr__(self) -> str:
        return f"<Ticket {self.number} {self.status}>"


class TicketEvent(Base):
    """One line of a ticket's audit trail: who did what, when, why, and the state it moved between."""

    __tablename__ = "desk_ticket_events"

    id: Mapped[int] = Column(Integer, primary_key=True)
    ticket_id: Mapped[int] = Column(
        Integer, ForeignKey("desk_tickets.id", ondelete="CASCADE"), nullable=False, index=True
    )
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    actor: Mapped[str] = Column(String(64), nullable=False)
    action: Mapped[str] = Column(String(32), nullable=False)
    from_status: Mapped[str | None] = Column(String(16))
    to_status: Mapped[str | None] = Column(String(16))
    reason: Mapped[str | None] = Column(Text)
    data: Mapped[dict[str, Any]] = Column(JSON, nullable=False, default=dict)

    def __repr__(self) -> str:
        return f"<TicketEvent {self.action} {self.from_status}->{self.to_status} by {self.actor}>"


class TranscriptLine(Base):
    """What was said on a ticket: the chat that led to it, and the expert's and staff's messages after."""

    __tablename__ = "desk_transcript_lines"

    id: Mapped[int] = Column(Integer, primary_key=True)
    ticket_id: Mapped[int] = Column(
        Integer, ForeignKey("desk_tickets.id", ondelete="CASCADE"), nullable=False, index=True
    )
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    role: Mapped[str] = Column(String(8), nullable=False)
    text: Mapped[str] = Column(Text, nullable=False)

    __table_args__ = (CheckConstraint(sql_in("role", TRANSCRIPT_ROLES), name="ck_desk_transcript_role"),)


class TicketCounter(Base):
    """The last ticket number given out on a day (Beijing time), for gap-free numbering."""

    __tablename__ = "desk_ticket_counters"

    day: Mapped[str] = Column(String(8), primary_key=True)
    last: Mapped[int] = Column(Integer, nullable=False)


class Attachment(Base):
    """A file an enterprise sent (a served complaint, a warning letter), kept for the expert on its ticket.

    A file sent while the escalation form is still collecting has no ticket yet (`ticket_id` NULL); it is attached
    to the sender's ticket once that opens. `source_key` names where the file came from (e.g. the Telegram update)
    so that receiving the same file again never stores it twice.
    """

    __tablename__ = "desk_attachments"

    id: Mapped[int] = Column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = Column(Integer, ForeignKey("desk_tickets.id", ondelete="SET NULL"), index=True)
    sender_id: Mapped[str] = Column(String(128), nullable=False, index=True)
    source_key: Mapped[str] = Column(String(200), nullable=False, unique=True)
    file_name: Mapped[str] = Column(String(255), nullable=False)
    mime_type: Mapped[str | None] = Column(String(255))
    size: Mapped[int] = Column(Integer, nullable=False)
    path: Mapped[str] = Column(Text, nullable=False)
    telegram_file_id: Mapped[str | None] = Column(String(255))
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.file_name} ticket={self.ticket_id}>"
