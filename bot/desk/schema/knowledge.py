"""The knowledge base's tables in the desk: the questions the bot could not answer well (the gap queue), what
enterprises said of its answers (有帮助 / 没帮助), and the knowledge's versions with the log of which one was
published when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.expression import false

from bot.desk.schema.base import Base, UTCDateTime, sql_in

#: How a turn fell short: asked back, referred elsewhere, refused, answered on a weak reading, or answered and then
#: rated unhelpful by the enterprise.
GAP_KINDS = ("clarify", "refer", "refuse", "weak_answer", "unhelpful")
#: Open, dismissed by staff, or adopted: turned into example questions or a new item by a knowledge version.
GAP_STATUSES = ("open", "dismissed", "adopted")


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
    #: For an adopted gap, the knowledge version that took its question in (as an example question or a new item).
    version_id: Mapped[int | None] = Column(Integer, ForeignKey("knowledge_versions.id", ondelete="RESTRICT"))

    __table_args__ = (
        CheckConstraint(sql_in("kind", GAP_KINDS), name="ck_knowledge_gaps_kind"),
        CheckConstraint(sql_in("status", GAP_STATUSES), name="ck_knowledge_gaps_status"),
    )

    def __repr__(self) -> str:
        return f"<KnowledgeGap {self.id} {self.kind}>"


class AnswerFeedback(Base):
    """One enterprise's verdict on one item's answer: helpful or not, with an optional comment.

    The enterprise is only a keyed hash of its channel and sender (`sender_key`, as the chat figures count them,
    bot/desk/chatlog.py), which is enough to keep one verdict per enterprise and item — pressing again changes it —
    and useless for finding who it was. The comment is the enterprise's own words, contacts masked.
    """

    __tablename__ = "knowledge_answer_feedback"

    id: Mapped[int] = Column(Integer, primary_key=True)
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False, index=True)
    channel: Mapped[str] = Column(String(32), nullable=False)
    sender_key: Mapped[str] = Column(String(64), nullable=False)
    item_id: Mapped[str] = Column(String(80), nullable=False, index=True)
    helpful: Mapped[bool] = Column(Boolean, nullable=False)
    language: Mapped[str] = Column(String(2), nullable=False, default="zh")
    comment: Mapped[str | None] = Column(Text)

    __table_args__ = (UniqueConstraint("sender_key", "item_id", name="uq_knowledge_answer_feedback_sender_item"),)

    def __repr__(self) -> str:
        return f"<AnswerFeedback {self.item_id} {'+' if self.helpful else '-'}>"


#: How a version came to be published: published as new, or restored as an earlier one (a rollback).
PUBLICATION_KINDS = ("publish", "rollback")


class KnowledgeVersion(Base):
    """One complete snapshot of the knowledge files (knowledge/snapshot.py): relative path → the YAML as staff wrote
    it, comments and order kept. Stored only when `KnowledgeBase.load` accepts it, never changed afterwards.

    `based_on` is the version it was edited from (none for the first, or one imported from files without a base);
    `digest` the SHA-256 of its files, to tell identical snapshots apart from changed ones at a glance. `proposed`:
    saved by staff as a proposal (提议), which an editor publishes (approves) or rejects (`KnowledgeRejection`);
    `merged_from`: the draft this version carries onto a newer published version (the console's 合并).
    """

    __tablename__ = "knowledge_versions"

    id: Mapped[int] = Column(Integer, primary_key=True)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    author: Mapped[str] = Column(String(64), nullable=False)
    reason: Mapped[str] = Column(Text, nullable=False)
    based_on: Mapped[int | None] = Column(Integer, ForeignKey("knowledge_versions.id", ondelete="RESTRICT"))
    digest: Mapped[str] = Column(String(64), nullable=False, index=True)
    items: Mapped[int] = Column(Integer, nullable=False)
    files: Mapped[dict[str, Any]] = Column(JSON, nullable=False)
    proposed: Mapped[bool] = Column(Boolean, nullable=False, default=False, server_default=false())
    merged_from: Mapped[int | None] = Column(Integer, ForeignKey("knowledge_versions.id", ondelete="RESTRICT"))

    def __repr__(self) -> str:
        return f"<KnowledgeVersion {self.id}>"


class KnowledgeRejection(Base):
    """An editor's refusal of a staff proposal, with the reason the author is shown. A version is never changed, so
    its rejection is a row of its own; at most one per version."""

    __tablename__ = "knowledge_rejections"

    id: Mapped[int] = Column(Integer, primary_key=True)
    version_id: Mapped[int] = Column(
        Integer, ForeignKey("knowledge_versions.id", ondelete="RESTRICT"), nullable=False, unique=True
    )
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    by: Mapped[str] = Column(String(64), nullable=False)
    reason: Mapped[str] = Column(Text, nullable=False)

    def __repr__(self) -> str:
        return f"<KnowledgeRejection v{self.version_id}>"


class KnowledgePublication(Base):
    """One publish or rollback: from then on `version_id` is the knowledge every process serves.

    The newest row (highest id) is the published version, so exactly one is published at any time and the log is
    the history of what was live when. The action servers poll `max(id)` of this table: a cheap query that changes
    with every publish and rollback, even one back to a version published before.
    """

    __tablename__ = "knowledge_publications"

    id: Mapped[int] = Column(Integer, primary_key=True)
    version_id: Mapped[int] = Column(
        Integer, ForeignKey("knowledge_versions.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    kind: Mapped[str] = Column(String(16), nullable=False)
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    by: Mapped[str] = Column(String(64), nullable=False)
    reason: Mapped[str] = Column(Text, nullable=False)

    __table_args__ = (CheckConstraint(sql_in("kind", PUBLICATION_KINDS), name="ck_knowledge_publications_kind"),)

    def __repr__(self) -> str:
        return f"<KnowledgePublication {self.id} {self.kind} v{self.version_id}>"
