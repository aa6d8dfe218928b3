"""Risk warnings' tables: the warnings, their subscribers and subscriptions, and each delivery."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped

from bot.desk.schema.base import Base, UTCDateTime


class RiskWarning(Base):
    """A warning (预警) staff publish for enterprises: an overseas suit, a trade investigation, a change of law in a
    market (measures 5, 8 and 9). Empty lists of countries, industries or IP types mean "any"; `products` are named
    only when the warning is about particular products. It is current from publication until `valid_until`
    (inclusive, Beijing time) or until `expired_at`, whichever comes first. `illustrative` marks a sample (示例),
    which is shown as such and never pushed to subscribers."""

    __tablename__ = "warnings"

    id: Mapped[int] = Column(Integer, primary_key=True)
    title: Mapped[str] = Column(String(200), nullable=False)
    text: Mapped[str] = Column(Text, nullable=False)
    title_en: Mapped[str | None] = Column(String(200))
    text_en: Mapped[str | None] = Column(Text)
    countries: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    industries: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    ip_types: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    products: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    source: Mapped[str] = Column(String(300), nullable=False)
    published_on: Mapped[date] = Column(Date, nullable=False)
    valid_until: Mapped[date | None] = Column(Date)
    illustrative: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    expired_at: Mapped[datetime | None] = Column(UTCDateTime, index=True)
    expired_by: Mapped[str | None] = Column(String(64))
    created_by: Mapped[str] = Column(String(64), nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)

    def __repr__(self) -> str:
        return f"<RiskWarning {self.id} {self.title[:20]}>"


class WarningSubscriber(Base):
    """A conversation that asked for warnings: the channel and sender id the outbox delivers to, the language it
    chats in, and whether it blocked the bot (then nothing more is sent until the chat takes messages again)."""

    __tablename__ = "warning_subscribers"

    id: Mapped[int] = Column(Integer, primary_key=True)
    channel: Mapped[str] = Column(String(32), nullable=False)
    sender_id: Mapped[str] = Column(String(128), nullable=False)
    language: Mapped[str] = Column(String(2), nullable=False, default="zh")
    blocked_at: Mapped[datetime | None] = Column(UTCDateTime)
    blocked_reason: Mapped[str | None] = Column(Text)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)

    __table_args__ = (UniqueConstraint("channel", "sender_id", name="uq_warning_subscribers_conversation"),)


class WarningSubscription(Base):
    """What one subscriber wants to hear about: every criterion given must match (a list matches any of its values);
    a subscription with no criteria at all takes every warning."""

    __tablename__ = "warning_subscriptions"

    id: Mapped[int] = Column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = Column(
        Integer, ForeignKey("warning_subscribers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    countries: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    industries: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    ip_types: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    products: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)


class WarningDelivery(Base):
    """A warning queued for one subscriber: at most one per pair, whatever number of their subscriptions match.
    The outbox message under `outbox_key` says how delivery went; `blocked_at` is set when the subscriber turned out
    to have blocked the bot."""

    __tablename__ = "warning_deliveries"

    id: Mapped[int] = Column(Integer, primary_key=True)
    warning_id: Mapped[int] = Column(Integer, ForeignKey("warnings.id", ondelete="CASCADE"), nullable=False, index=True)
    subscriber_id: Mapped[int] = Column(
        Integer, ForeignKey("warning_subscribers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    outbox_key: Mapped[str] = Column(String(200), nullable=False, unique=True)
    queued_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    blocked_at: Mapped[datetime | None] = Column(UTCDateTime)

    __table_args__ = (UniqueConstraint("warning_id", "subscriber_id", name="uq_warning_deliveries_once"),)
