"""The knowledge base's table in the desk: the questions the bot could not answer well (the gap queue)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Float, Integer, String, Text
from sqlalchemy.orm import Mapped

from bot.desk.schema.base import Base, UTCDateTime, sql_in

#: How a turn fell short: asked back, referred elsewhere, refused, or answered on a weak reading.
GAP_KINDS = ("clarify", "refer", "refuse", "weak_answer")
GAP_STATUSES = ("open", "dismissed")


class KnowledgeGap(Base):
    """One chat turn that ended without a confident answer, for staff to learn from.

    `question` is the enterprise's text with phone numbers and e-mail addresses masked (bot/desk/privacy.py) and
    nothing that names the sender: the queue is about what is missing from the knowledge base, not about who asked.
    Rows are deleted after the retention period like the rest of the chat's traces. `item_id` is the item the bot
    chose, suggested or referred to (none for a refusal); `confidence` the NLU's confidence in its reading.
    """

    __tablename__ = "knowledge_gaps"

    id: Mapped[int] = Column(Integer, primary_key=True)
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False, index=True)
    channel: Mapped[str] = Column(String(32), nullable=False)
    kind: Mapped[str] = Column(String(16), nullable=False)
    language: Mapped[str] = Column(String(2), nullable=False, default="zh")
    question: Mapped[str] = Column(Text, nullable=False)
    intent: Mapped[str | None] = Column(String(64))
    confidence: Mapped[float | None] = Column(Float)
    item_id: Mapped[str | None] = Column(String(80))
    status: Mapped[str] = Column(String(16), nullable=False, default="open", index=True)
    handled_by: Mapped[str | None] = Column(String(64))
    handled_at: Mapped[datetime | None] = Column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(sql_in("kind", GAP_KINDS), name="ck_knowledge_gaps_kind"),
        CheckConstraint(sql_in("status", GAP_STATUSES), name="ck_knowledge_gaps_status"),
    )

    def __repr__(self) -> str:
        return f"<KnowledgeGap {self.id} {self.kind}>"
