"""The desk's tables: the expert pool, escalation tickets with their audit trail, transcript and attachments,
the outbox; the hotline log of calls and chat questions; the console's accounts, sessions and audit trail; warnings
with their subscribers and deliveries; trade-fair registrations with their scheduled notices.

Times are stored in UTC and come back timezone-aware on both databases (SQLite has no time zones, so
`UTCDateTime` stores naive UTC there and puts the zone back on reading). Lists of vocabulary values are JSON,
holding canonical Chinese values (专利, 美国, 机械装备) and language codes (zh, en).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Column, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text,
    TypeDecorator, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, registry

mapper_registry = registry()
Base = mapper_registry.generate_base()

TICKET_STATUSES = ("new", "assigned", "accepted", "answered", "closed")
OUTBOX_STATUSES = ("pending", "sending", "sent", "dead")
TRANSCRIPT_ROLES = ("user", "bot", "expert", "staff")
USER_ROLES = ("staff", "expert", "admin")
CALL_CHANNELS = ("phone", "wechat", "email", "visit", "other")
EXHIBITION_STAGES = ("week_before", "day_before", "on_site", "after")
EXHIBITION_OUTCOMES = ("none", "case")


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime, stored as UTC; naive values are refused rather than guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise ValueError(f"naive datetime {value.isoformat()} given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


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
        CheckConstraint(_in("status", TICKET_STATUSES), name="ck_desk_tickets_status"),
        CheckConstraint(_in("priority", ("urgent", "normal")), name="ck_desk_tickets_priority"),
        CheckConstraint(_in("language", ("zh", "en")), name="ck_desk_tickets_language"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="ck_desk_tickets_rating"),
        Index("ix_desk_tickets_sla", "status", "sla_due_at"),
    )

    def __repr__(self) -> str:
        return f"<Ticket {self.number} {self.status}>"


class TicketEvent(Base):
    """One line of a ticket's audit trail: who did what, when, why, and the state it moved between."""

    __tablename__ = "desk_ticket_events"

    id: Mapped[int] = Column(Integer, primary_key=True)
    ticket_id: Mapped[int] = Column(Integer, ForeignKey("desk_tickets.id", ondelete="CASCADE"), nullable=False, index=True)
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
    ticket_id: Mapped[int] = Column(Integer, ForeignKey("desk_tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    role: Mapped[str] = Column(String(8), nullable=False)
    text: Mapped[str] = Column(Text, nullable=False)

    __table_args__ = (CheckConstraint(_in("role", TRANSCRIPT_ROLES), name="ck_desk_transcript_role"),)


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
        CheckConstraint(_in("status", OUTBOX_STATUSES), name="ck_desk_outbox_status"),
        Index("ix_desk_outbox_due", "status", "next_attempt_at"),
    )

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.idempotency_key} {self.channel} {self.status}>"


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

    __table_args__ = (CheckConstraint(_in("channel", CALL_CHANNELS), name="ck_hotline_calls_channel"),)

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


class ConsoleUser(Base):
    """A person who signs in to the console: hotline staff, an expert (linked to their pool entry) or an admin.

    `password_hash` is scrypt with its parameters and salt (bot/console/passwords.py); the password itself is never
    stored. A deactivated account keeps its row so the audit trail still names who did what.
    """

    __tablename__ = "console_users"

    id: Mapped[int] = Column(Integer, primary_key=True)
    username: Mapped[str] = Column(String(64), nullable=False, unique=True)
    display_name: Mapped[str] = Column(String(100), nullable=False)
    role: Mapped[str] = Column(String(8), nullable=False)
    password_hash: Mapped[str] = Column(String(255), nullable=False)
    expert_id: Mapped[int | None] = Column(Integer, ForeignKey("desk_experts.id", ondelete="SET NULL"), unique=True)
    active: Mapped[bool] = Column(Boolean, nullable=False, default=True)
    last_sign_in_at: Mapped[datetime | None] = Column(UTCDateTime)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)

    __table_args__ = (
        CheckConstraint(_in("role", USER_ROLES), name="ck_console_users_role"),
        CheckConstraint("role <> 'expert' OR expert_id IS NOT NULL", name="ck_console_users_expert"),
    )

    def __repr__(self) -> str:
        return f"<ConsoleUser {self.username} {self.role}>"


class ConsoleSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a copy of the database
    does not let anyone sign in. `csrf_token` must come back with every form and API call of the session."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = Column(Integer, primary_key=True)
    token_hash: Mapped[str] = Column(String(64), nullable=False, unique=True)
    user_id: Mapped[int] = Column(Integer, ForeignKey("console_users.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token: Mapped[str] = Column(String(64), nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    last_seen_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, index=True)
    ip: Mapped[str | None] = Column(String(64))


class SignInAttempt(Base):
    """A sign-in try, kept for throttling (too many failures for a name or from an address lock it out for a
    while) and purged with the rest of the personal data."""

    __tablename__ = "console_sign_in_attempts"

    id: Mapped[int] = Column(Integer, primary_key=True)
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False, index=True)
    username: Mapped[str] = Column(String(64), nullable=False, index=True)
    ip: Mapped[str | None] = Column(String(64), index=True)
    succeeded: Mapped[bool] = Column(Boolean, nullable=False)


class AuditEntry(Base):
    """Who signed in, viewed, changed or exported what, and when. Ticket moves have their own trail
    (`TicketEvent`); this one covers the console's people and pages."""

    __tablename__ = "console_audit"

    id: Mapped[int] = Column(Integer, primary_key=True)
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False, index=True)
    user_id: Mapped[int | None] = Column(Integer, ForeignKey("console_users.id", ondelete="SET NULL"), index=True)
    username: Mapped[str] = Column(String(64), nullable=False)
    role: Mapped[str | None] = Column(String(8))
    action: Mapped[str] = Column(String(32), nullable=False)
    object_type: Mapped[str | None] = Column(String(32))
    object_id: Mapped[str | None] = Column(String(64))
    detail: Mapped[dict[str, Any]] = Column(JSON, nullable=False, default=dict)
    ip: Mapped[str | None] = Column(String(64))

    __table_args__ = (Index("ix_console_audit_object", "object_type", "object_id"),)


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
    subscriber_id: Mapped[int] = Column(Integer, ForeignKey("warning_subscribers.id", ondelete="CASCADE"),
                                        nullable=False, index=True)
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
    subscriber_id: Mapped[int] = Column(Integer, ForeignKey("warning_subscribers.id", ondelete="CASCADE"),
                                        nullable=False, index=True)
    outbox_key: Mapped[str] = Column(String(200), nullable=False, unique=True)
    queued_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    blocked_at: Mapped[datetime | None] = Column(UTCDateTime)

    __table_args__ = (UniqueConstraint("warning_id", "subscriber_id", name="uq_warning_deliveries_once"),)


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
        CheckConstraint(f"outcome IS NULL OR {_in('outcome', EXHIBITION_OUTCOMES)}", name="ck_exhibition_outcome"),
    )

    def __repr__(self) -> str:
        return f"<ExhibitionRegistration {self.id} {self.fair_name} {self.starts_on}>"


class ExhibitionNotice(Base):
    """A message the scheduler sends about a registration at a set time: a week and a day before the fair, the
    on-site contact when it opens, the outcome question after it. Sent once (`sent_at` is claimed by a conditional
    update), or skipped with the reason when it would come too late to help."""

    __tablename__ = "exhibition_notices"

    id: Mapped[int] = Column(Integer, primary_key=True)
    registration_id: Mapped[int] = Column(Integer, ForeignKey("exhibition_registrations.id", ondelete="CASCADE"),
                                          nullable=False, index=True)
    stage: Mapped[str] = Column(String(16), nullable=False)
    due_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, index=True)
    stale_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    sent_at: Mapped[datetime | None] = Column(UTCDateTime)
    skipped_at: Mapped[datetime | None] = Column(UTCDateTime)
    skip_reason: Mapped[str | None] = Column(String(200))

    __table_args__ = (
        UniqueConstraint("registration_id", "stage", name="uq_exhibition_notices_stage"),
        CheckConstraint(_in("stage", EXHIBITION_STAGES), name="ck_exhibition_notices_stage"),
    )
