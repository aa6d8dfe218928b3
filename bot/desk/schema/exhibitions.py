"""Trade fairs' tables: enterprises' registrations for a fair abroad and the notices scheduled for them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Column, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped

from bot.desk.schema.base import Base, UTCDateTime, sql_in

EXHIBITION_STAGES = ("week_before", "day_before", "on_site", "after")
EXHIBITION_OUTCOMES = ("none", "case")


class ExhibitionRegistration(Base):
    """An enterprise's trip to a trade fair abroad, registered in the chat for measure 5's whole-chain service: the
    pre-show checklist, training and an expert's risk screening before, the on-site contact during, the outcome
    and any case after."""

    __tablename__ = "exhibition_registrations"

    id: Mapped[int] = Column(Integer, primary_key=True)
    channel: Mapped[str] = Column(String(32), nullable=False)
    sender_id: Mapped[str] = Column(String(128), nullable=False, index=True)
    language: Mapped[str] = Column(String(2), nullable=False, default="zh")
    company: Mapped[str] = Column(String(200), nullable=False)
    contact_name: Mapped[str | None] = Column(String(100))
    contact: Mapped[str] = Column(String(254), nullable=False)
    fair_name: Mapped[str] = Column(String(200), nullable=False)
    place: Mapped[str] = Column(String(200), nullable=False)
    country: Mapped[str | None] = Column(String(50), index=True)
    starts_on: Mapped[date] = Column(Date, nullable=False, index=True)
    ends_on: Mapped[date] = Column(Date, nullable=False)
    products: Mapped[str] = Column(Text, nullable=False)
    rights_held: Mapped[str] = Column(Text, nullable=False)
    new_products: Mapped[bool] = Column(Boolean, nullable=False)
    onsite_contact: Mapped[str | None] = Column(Text)
    training_requested_at: Mapped[datetime | None] = Column(UTCDateTime)
    screening_ticket: Mapped[str | None] = Column(String(20))
    outcome: Mapped[str | None] = Column(String(8))
    outcome_note: Mapped[str | None] = Column(Text)
    outcome_at: Mapped[datetime | None] = Column(UTCDateTime)
    case_ticket: Mapped[str | None] = Column(String(20))
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)

    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ck_exhibition_registrations_dates"),
        CheckConstraint(f"outcome IS NULL OR {sql_in('outcome', EXHIBITION_OUTCOMES)}", name="ck_exhibition_outcome"),
    )

    def __repr__(self) -> str:
        return f"<ExhibitionRegistration {self.id} {self.fair_name} {self.starts_on}>"


class ExhibitionNotice(Base):
    """A message the scheduler sends about a registration at a set time: a week and a day before the fair, the
    on-site contact when it opens, the outcome question after it. Sent once (`sent_at` is claimed by a conditional
    update), or skipped with the reason when it would come too late to help."""

    __tablename__ = "exhibition_notices"

    id: Mapped[int] = Column(Integer, primary_key=True)
    registration_id: Mapped[int] = Column(
        Integer, ForeignKey("exhibition_registrations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    stage: Mapped[str] = Column(String(16), nullable=False)
    due_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, index=True)
    stale_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    sent_at: Mapped[datetime | None] = Column(UTCDateTime)
    skipped_at: Mapped[datetime | None] = Column(UTCDateTime)
    skip_reason: Mapped[str | None] = Column(String(200))

    __table_args__ = (
        UniqueConstraint("registration_id", "stage", name="uq_exhibition_notices_stage"),
        CheckConstraint(sql_in("stage", EXHIBITION_STAGES), name="ck_exhibition_notices_stage"),
    )
