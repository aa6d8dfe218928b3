"""The hotline log's tables: calls taken by staff and the chat's questions (topics and entities, never the text)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped

from bot.contracts import CALL_CHANNELS
from bot.desk.schema.base import Base, UTCDateTime, sql_in


class Call(Base):
    """One consultation logged by the hotline staff: who called, what they asked, what the NLU and the knowledge
    base suggested, what staff actually told them, and the ticket it became.

    `intent`, the entity columns and `suggested_sources` are what the classifier said when the call was saved;
    `answer` is the text staff read out (the suggestion, possibly edited), `answer_given_at` when they marked it
    given. Personal data (caller, phone, question, notes) is anonymised after the retention period; the
    classification stays for the province's figures.
    """

    __tablename__ = "hotline_calls"

    id: Mapped[int] = Column(Integer, primary_key=True)
    received_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, index=True)
    channel: Mapped[str] = Column(String(16), nullable=False, default="phone")
    caller_name: Mapped[str | None] = Column(String(100))
    company: Mapped[str] = Column(String(200), nullable=False, index=True)
    phone: Mapped[str | None] = Column(String(32), index=True)
    question: Mapped[str] = Column(Text, nullable=False)
    notes: Mapped[str | None] = Column(Text)
    intent: Mapped[str | None] = Column(String(64), index=True)
    intent_confidence: Mapped[float | None] = Column(Float)
    entities: Mapped[dict[str, list[str]]] = Column(JSON, nullable=False, default=dict)
    country: Mapped[str | None] = Column(String(50), index=True)
    ip_type: Mapped[str | None] = Column(String(50), index=True)
    dispute_type: Mapped[str | None] = Column(String(50))
    suggested_sources: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    answer: Mapped[str | None] = Column(Text)
    answer_given_at: Mapped[datetime | None] = Column(UTCDateTime)
    ticket_id: Mapped[int | None] = Column(Integer, ForeignKey("desk_tickets.id", ondelete="SET NULL"), unique=True)
    staff_user_id: Mapped[int | None] = Column(Integer, ForeignKey("console_users.id", ondelete="SET NULL"), index=True)
    follow_up_on: Mapped[date | None] = Column(Date, index=True)
    follow_up_done_at: Mapped[datetime | None] = Column(UTCDateTime)
    anonymised_at: Mapped[datetime | None] = Column(UTCDateTime)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)

    __table_args__ = (CheckConstraint(sql_in("channel", CALL_CHANNELS), name="ck_hotline_calls_channel"),)

    def __repr__(self) -> str:
        return f"<Call {self.id} {self.company}>"


class ChatTurn(Base):
    """One question answered in a chat (REST, Telegram), kept for the province's figures: what was asked about,
    not who asked. `sender_key` is a keyed hash of the channel's user id, enough to count distinct enterprises
    per week and useless for finding them."""

    __tablename__ = "hotline_chat_turns"

    id: Mapped[int] = Column(Integer, primary_key=True)
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False, index=True)
    channel: Mapped[str] = Column(String(32), nullable=False)
    sender_key: Mapped[str] = Column(String(64), nullable=False)
    kind: Mapped[str] = Column(String(16), nullable=False)
    intent: Mapped[str | None] = Column(String(64))
    language: Mapped[str] = Column(String(2), nullable=False, default="zh")
    country: Mapped[str | None] = Column(String(50))
    ip_type: Mapped[str | None] = Column(String(50))
    dispute_type: Mapped[str | None] = Column(String(50))
    sources: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
