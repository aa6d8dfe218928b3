"""The outbox's table: every message the desk sends, written in the transaction of the change it tells about."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, Integer, String, Text
from sqlalchemy.orm import Mapped

from bot.contracts import OUTBOX_STATUSES
from bot.desk.schema.base import Base, UTCDateTime, sql_in


class OutboxMessage(Base):
    """A message waiting to be delivered, delivered, or given up on; the channel workers drain these."""

    __tablename__ = "desk_outbox"

    id: Mapped[int] = Column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = Column(String(200), nullable=False, unique=True)
    channel: Mapped[str] = Column(String(32), nullable=False)
    recipient: Mapped[str] = Column(String(254), nullable=False)
    kind: Mapped[str] = Column(String(32), nullable=False)
    payload: Mapped[dict[str, Any]] = Column(JSON, nullable=False)
    status: Mapped[str] = Column(String(8), nullable=False, default="pending")
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    claimed_by: Mapped[str | None] = Column(String(100))
    lease_until: Mapped[datetime | None] = Column(UTCDateTime)
    last_error: Mapped[str | None] = Column(Text)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    sent_at: Mapped[datetime | None] = Column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(sql_in("status", OUTBOX_STATUSES), name="ck_desk_outbox_status"),
        Index("ix_desk_outbox_due", "status", "next_attempt_at"),
    )

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.idempotency_key} {self.channel} {self.status}>"
