"""Personal-data retention: what the desk keeps about people is anonymised once the retention period has passed.

The period is `DeskSettings.retention_days` (IPDESK_RETENTION_DAYS, 730 by default); the chat's privacy notice
states the same number, so what enterprises are told and what `python -m bot.console purge` does cannot drift.

What goes, and what stays:
- a hotline call received before the cutoff loses its caller, phone, question, notes and answer; its topic,
  entities, country, IP type, sources and ticket link stay, because the province's figures count them. A call
  that became a ticket waits for its ticket (below): while the case is open the call is its record.
- a ticket closed before the cutoff loses its contact, its sender's channel id, the texts the enterprise and the
  expert wrote (description, rating comment, follow-up note, transcript) and its files; its number, company,
  classification, times and rating stay. A ticket that is not closed is never touched: an open case still needs
  its contact, however old it is.
- a trade-fair registration whose fair ended before the cutoff loses its contact, its sender's channel id and the
  enterprise's words about how the fair went; the fair, company, dates and outcome stay. A warning subscriber whose
  last subscription ended before the cutoff is deleted with its delivery records.
- outbox messages older than the cutoff, whatever their state (their payloads repeat texts and contacts; one still
  pending then — an e-mail notice nothing delivers — will not be delivered now), sign-in attempts and expired
  console sessions older than the cutoff are deleted, and so are the gap queue's questions (bot/desk/gaps.py); answer verdicts lose their comments; audit
  entries older than the cutoff lose their IP address.
- outside the desk's tables (`PersonalStores`): Rasa's tracker store loses every event older than the cutoff (a
  conversation past the period is deleted; on SQLite var/tracker.db, on PostgreSQL the `events` table beside the
  desk's); the Telegram worker's inbox (var/telegram-inbox.db) loses updates, deliveries, buttons and chats' language
  choices as old; log files under var/logs not written since the cutoff are deleted.

`purge_enterprise` does the same at once for one enterprise that asks for it, found by its contact or one of its
tickets: its calls, tickets (open ones too), registrations, subscriptions, messages, conversations and Telegram
inbox. Its audit entry names the ticket or the masked contact, never the contact itself.

Each table is purged in its own transaction, and every step selects only rows that still hold personal data, so
a purge that stops halfway is finished by the next run and a second run changes nothing. A dry run counts the
same rows without changing any. Each real run leaves one audit entry ("purge") with its counts.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from pathlib import Path

from sqlalchemy import (
    Float,
    Integer,
    String,
    case,
    cast,
    column,
    delete,
    func,
    inspect,
    literal,
    or_,
    select,
    table,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from bot.clock import Clock
from bot.settings import ROOT, DeskSettings, text
from bot.desk import audit
from bot.desk.cleaning import DeskError, normalise_contact
from bot.desk.db import make_engine
from bot.desk.privacy import ANONYMISED, mask_contact
from bot.desk.schema import (
    AnswerFeedback,
    Attachment,
    AuditEntry,
    Call,
    ConsoleSession,
    ExhibitionRegistration,
    KnowledgeGap,
    OutboxMessage,
    SignInAttempt,
    Ticket,
    TicketEvent,
    TranscriptLine,
    UTCDateTime,
    WarningSubscriber,
    WarningSubscription,
)

log = logging.getLogger(__name__)

#: The sender id an anonymised ticket keeps: unique per ticket, and no longer anybody's chat.
SENDER_PREFIX = "anonymised:"
#: The actor of an enterprise's own ticket events (a rating, a follow-up note) once the ticket is anonymised.
ENTERPRISE_ACTOR = "enterprise:anonymised"


@dataclass
class PurgeReport:
    """How many rows each step changed (or, in a dry run, would change)."""

    cutoff: datetime
    dry_run: bool
    calls: int = 0
    tickets: int = 0
    transcript_lines: int = 0
    ticket_events: int = 0
    exhibition_registrations: int = 0
    warning_subscribers: int = 0
    attachments: int = 0
    attachment_failures: int = 0
    outbox_messages: int = 0
    sign_in_attempts: int = 0
    knowledge_gaps: int = 0
    feedback_comments: int = 0
    sessions: int = 0
    audit_ips: int = 0
    tracker_events: int = 0
    telegram_inbox: int = 0
    log_files: int = 0

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if k not in ("cutoff", "dry_run")}

    @property
    def changed(self) -> int:
        return sum(v for k, v in self.counts().items() if k != "attachment_failures")

    def __len__(self) -> int:
        """What the purge did, counted as the scheduler counts a job's work."""
        return self.changed


def cutoff_for(clock: Clock, settings: DeskSettings) -> datetime:
    return clock.now() - timedelta(days=settings.retention_days)


# --------------------------------------------------------------------------------------------------------------
# Personal data outside the desk's tables. The desk imports neither Rasa nor the channels: it names their tables.

#: Rasa's SQL tracker store (rasa.core.tracker_store.SQLTrackerStore.SQLEvent): one row per event, its time in
#: seconds since the epoch.
TRACKER_EVENTS = table("events", column("sender_id", String), column("timestamp", Float))
#: The Telegram worker's inbox (bot/channels/telegram/inbox.py), and the column that dates each table's rows.
TELEGRAM_TABLES = (
    (table("telegram_updates", column("chat_id", Integer), column("received_at", UTCDateTime())), "received_at"),
    (table("telegram_deliveries", column("chat_id", Integer), column("created_at", UTCDateTime())), "created_at"),
    (table("telegram_buttons", column("created_at", UTCDateTime())), "created_at"),
    (table("telegram_chats", column("chat_id", Integer), column("updated_at", UTCDateTime())), "updated_at"),
)
TELEGRAM_SENDER = "tg:"


@dataclass(frozen=True)
class PersonalStores:
    """The stores of personal data besides the desk's tables; any may be absent (no Telegram, no logs yet)."""

    #: The database of Rasa's tracker store.
    tracker: Engine | None = None
    #: The Telegram worker's inbox.
    telegram_inbox: Engine | None = None
    #: Where the processes write their logs (`make run`: var/logs).
    log_dir: Path | None = None

    @classmethod
    def of(cls, desk_engine: Engine, var_dir: Path) -> "PersonalStores":
        """Where `make run` keeps them: the tracker store beside the desk on PostgreSQL, else var/tracker.db; the
        inbox in var/telegram-inbox.db; logs in var/logs."""

        def sqlite(path: Path) -> Engine | None:
            return make_engine(f"sqlite:///{path}") if path.is_file() else None

        tracker = desk_engine if desk_engine.dialect.name == "postgresql" else sqlite(var_dir / "tracker.db")
        return cls(tracker=tracker, telegram_inbox=sqlite(var_dir / "telegram-inbox.db"), log_dir=var_dir / "logs")

    @classmethod
    def from_environment(cls, desk_engine: Engine) -> "PersonalStores":
        return cls.of(desk_engine, Path(text(os.environ, "IPDESK_VAR_DIR") or ROOT / "var"))

    def purge_before(self, cutoff: datetime, *, dry_run: bool) -> dict[str, int]:
        counts = {"tracker_events": 0, "telegram_inbox": 0, "log_files": 0}
        if self.tracker is not None:
            counts["tracker_events"] = _delete_rows(
                self.tracker, TRACKER_EVENTS, TRACKER_EVENTS.c.timestamp < cutoff.timestamp(), dry_run
            )
        if self.telegram_inbox is not None:
            counts["telegram_inbox"] = sum(
                _delete_rows(self.telegram_inbox, t, t.c[dated] < cutoff, dry_run) for t, dated in TELEGRAM_TABLES
            )
        if self.log_dir is not None and self.log_dir.is_dir():
            for path in sorted(self.log_dir.rglob("*")):
                if path.is_file() and path.stat().st_mtime < cutoff.timestamp():
                    if not dry_run:
                        path.unlink(missing_ok=True)
                    counts["log_files"] += 1
        return counts

    def purge_senders(self, sender_ids: set[str]) -> dict[str, int]:
        """Everything of these conversations: their events in the tracker store, their Telegram chats' rows."""
        counts = {"tracker_events": 0, "telegram_inbox": 0}
        if self.tracker is not None and sender_ids:
            counts["tracker_events"] = _delete_rows(
                self.tracker, TRACKER_EVENTS, TRACKER_EVENTS.c.sender_id.in_(sorted(sender_ids)), False
            )
        chats = sorted(
            {
                int(s[len(TELEGRAM_SENDER) :])
                for s in sender_ids
                if s.startswith(TELEGRAM_SENDER) and s[len(TELEGRAM_SENDER) :].lstrip("-").isdigit()
            }
        )
        if self.telegram_inbox is not None and chats:
            counts["telegram_inbox"] = sum(
                _delete_rows(self.telegram_inbox, t, t.c.chat_id.in_(chats), False)
                for t, _ in TELEGRAM_TABLES
                if "chat_id" in t.c
            )
        return counts


def _delete_rows(engine: Engine, target: Any, condition: Any, dry_run: bool) -> int:
    """Delete (or, in a dry run, count) the rows of `target` matching `condition`; a table that does not exist (a
    store nothing has written yet) has none."""
    if not inspect(engine).has_table(target.name):
        return 0
    with engine.begin() as connection:
        if dry_run:
            return connection.scalar(select(func.count()).select_from(target).where(condition)) or 0
        return connection.execute(delete(target).where(condition)).rowcount or 0


def purge(
    sessions: sessionmaker,
    clock: Clock,
    settings: DeskSettings,
    *,
    dry_run: bool = False,
    actor: str = "command-line",
    stores: PersonalStores | None = None,
) -> PurgeReport:
    """Anonymise or delete the personal data older than the retention period, in the desk's tables and in `stores`;
    see the module's docstring."""
    now = clock.now()
    cutoff = cutoff_for(clock, settings)
    report = PurgeReport(cutoff=cutoff, dry_run=dry_run)
    for name, model, where, change in _steps(cutoff, now):
        with sessions.begin() as session:
            condition = where()
            if dry_run:
                count = session.scalar(select(func.count()).select_from(model).where(condition))
            else:
                count = change(session, condition)
        setattr(report, name, count or 0)
    report.attachments, report.attachment_failures = _purge_attachments(sessions, cutoff, dry_run=dry_run)
    for name, count in (stores.purge_before(cutoff, dry_run=dry_run) if stores else {}).items():
        setattr(report, name, count)
    if not dry_run:
        with sessions.begin() as session:
            audit.record(
                session,
                None,
                "purge",
                at=now,
                object_type="retention",
                username=actor,
                detail={"cutoff": cutoff.isoformat(), "retention_days": settings.retention_days, **report.counts()},
            )
    log.info(
        "retention: %s personal data before %s: %s",
        "would purge" if dry_run else "purged",
        cutoff.isoformat(),
        report.counts(),
    )
    return report


# --------------------------------------------------------------------------------------------------------------
# The steps: each names the rows that still hold personal data past the cutoff, and what to do with them.

Step = tuple[str, type, Callable[[], ColumnElement], Callable[[Session, ColumnElement], int]]


def _closed_before(cutoff: datetime) -> Any:
    """The ids of tickets closed before the cutoff (and still closed)."""
    return select(Ticket.id).where(Ticket.status == "closed", Ticket.closed_at < cutoff).scalar_subquery()


def _anonymised_if_set(column: Any) -> Any:
    """ANONYMISED where the column holds text; an empty column stays empty."""
    return case((column.is_(None), None), else_=ANONYMISED)


def _updating(model: type, **values: Any) -> Callable[[Session, ColumnElement], int]:
    return lambda session, condition: (
        session.execute(
            update(model).where(condition).values(**values).execution_options(synchronize_session=False)
        ).rowcount
    )


def _deleting(model: type) -> Callable[[Session, ColumnElement], int]:
    return lambda session, condition: (
        session.execute(delete(model).where(condition).execution_options(synchronize_session=False)).rowcount
    )


def _anonymising(now: datetime) -> dict[str, Callable[[Session, ColumnElement], int]]:
    """What anonymising a row of each kind changes (the retention purge and `purge_enterprise` alike)."""
    return {
        "calls": _updating(
            Call,
            caller_name=None,
            phone=None,
            question=ANONYMISED,
            notes=_anonymised_if_set(Call.notes),
            answer=_anonymised_if_set(Call.answer),
            anonymised_at=now,
            updated_at=now,
        ),
        "tickets": _updating(
            Ticket,
            contact_name=None,
            contact=ANONYMISED,
            sender_id=literal(SENDER_PREFIX, String) + cast(Ticket.id, String),
            description=ANONYMISED,
            rating_comment=_anonymised_if_set(Ticket.rating_comment),
            follow_up_note=_anonymised_if_set(Ticket.follow_up_note),
            updated_at=now,
        ),
        "transcript_lines": _updating(TranscriptLine, text=ANONYMISED),
        "ticket_events": _updating(TicketEvent, actor=ENTERPRISE_ACTOR, reason=_anonymised_if_set(TicketEvent.reason)),
        "exhibition_registrations": _updating(
            ExhibitionRegistration,
            contact_name=None,
            contact=ANONYMISED,
            sender_id=literal(SENDER_PREFIX, String) + cast(ExhibitionRegistration.id, String),
            outcome_note=_anonymised_if_set(ExhibitionRegistration.outcome_note),
            updated_at=now,
        ),
    }


def _of_tickets(ticket_ids: Any) -> dict[str, Callable[[], ColumnElement]]:
    """The rows of these tickets that still hold personal data."""
    return {
        "transcript_lines": lambda: TranscriptLine.ticket_id.in_(ticket_ids) & (TranscriptLine.text != ANONYMISED),
        # An enterprise's own events (a rating, a follow-up) carry its chat id in the actor and its words in the reason.
        "ticket_events": lambda: (
            TicketEvent.ticket_id.in_(ticket_ids)
            & TicketEvent.actor.like("enterprise:%")
            & (TicketEvent.actor != ENTERPRISE_ACTOR)
        ),
    }


def _steps(cutoff: datetime, now: datetime) -> list[Step]:
    change, deleting, closed = _anonymising(now), _deleting, _of_tickets(_closed_before(cutoff))
    return [
        (
            "calls",
            Call,
            lambda: (
                (Call.received_at < cutoff)
                & Call.anonymised_at.is_(None)
                & or_(Call.ticket_id.is_(None), Call.ticket_id.in_(_closed_before(cutoff)))
            ),
            change["calls"],
        ),
        (
            "tickets",
            Ticket,
            lambda: (Ticket.status == "closed") & (Ticket.closed_at < cutoff) & (Ticket.contact != ANONYMISED),
            change["tickets"],
        ),
        ("transcript_lines", TranscriptLine, closed["transcript_lines"], change["transcript_lines"]),
        ("ticket_events", TicketEvent, closed["ticket_events"], change["ticket_events"]),
        (
            "exhibition_registrations",
            ExhibitionRegistration,
            lambda: (ExhibitionRegistration.ends_on < cutoff.date()) & (ExhibitionRegistration.contact != ANONYMISED),
            change["exhibition_registrations"],
        ),
        (
            "warning_subscribers",
            WarningSubscriber,
            lambda: (
                (WarningSubscriber.updated_at < cutoff)
                & ~WarningSubscriber.id.in_(select(WarningSubscription.subscriber_id).scalar_subquery())
            ),
            deleting(WarningSubscriber),
        ),
        ("outbox_messages", OutboxMessage, lambda: OutboxMessage.created_at < cutoff, deleting(OutboxMessage)),
        ("sign_in_attempts", SignInAttempt, lambda: SignInAttempt.at < cutoff, deleting(SignInAttempt)),
        ("knowledge_gaps", KnowledgeGap, lambda: KnowledgeGap.at < cutoff, deleting(KnowledgeGap)),
        (
            "feedback_comments",
            AnswerFeedback,
            lambda: (AnswerFeedback.at < cutoff) & AnswerFeedback.comment.is_not(None),
            _updating(AnswerFeedback, comment=None),
        ),
        ("sessions", ConsoleSession, lambda: ConsoleSession.expires_at < cutoff, deleting(ConsoleSession)),
        (
            "audit_ips",
            AuditEntry,
            lambda: (AuditEntry.at < cutoff) & AuditEntry.ip.is_not(None),
            _updating(AuditEntry, ip=None),
        ),
    ]


def _purge_attachments(
    sessions: sessionmaker, cutoff: datetime | None, *, dry_run: bool, condition: Any = None
) -> tuple[int, int]:
    """Delete the files of tickets closed before the cutoff, and of files that never joined a ticket and are as
    old (or those matching `condition`); then their rows. A file that cannot be deleted keeps its row, so the next
    purge tries again rather than leaving an unrecorded file behind. Returns (removed, failed)."""
    if condition is None:
        assert cutoff is not None, "either a cutoff or a condition"
        condition = or_(
            Attachment.ticket_id.in_(_closed_before(cutoff)),
            Attachment.ticket_id.is_(None) & (Attachment.created_at < cutoff),
        )
    with sessions.begin() as session:
        rows = session.execute(
            select(Attachment.id, Attachment.ticket_id, Attachment.path)
            .where(condition)
            .order_by(Attachment.id)
            .with_for_update()
        ).all()
        if dry_run:
            return len(rows), 0
        removed, failed = [], 0
        for attachment_id, ticket_id, path in rows:
            try:
                os.remove(path)
            except FileNotFoundError:
                log.warning(
                    "retention: file of attachment %s (ticket id %s) was already gone: %s",
                    attachment_id,
                    ticket_id,
                    path,
                )
            except OSError as error:
                log.error(
                    "retention: could not delete the file of attachment %s (ticket id %s) at %s: %s; "
                    "its record is kept for the next purge",
                    attachment_id,
                    ticket_id,
                    path,
                    error,
                )
                failed += 1
                continue
            removed.append(attachment_id)
        if removed:
            session.execute(
                delete(Attachment).where(Attachment.id.in_(removed)).execution_options(synchronize_session=False)
            )
    return len(removed), failed


# --------------------------------------------------------------------------------------------------------------
# One enterprise, on request


def purge_enterprise(
    sessions: sessionmaker,
    clock: Clock,
    *,
    contact: str | None = None,
    ticket: str | None = None,
    actor: str = "command-line",
    stores: PersonalStores | None = None,
) -> PurgeReport:
    """Anonymise everything the desk and `stores` hold about one enterprise now, whatever its age: found by its
    contact (phone or e-mail, however written) or by one of its tickets (then by that ticket's contact and
    conversation). Open cases are anonymised too: the enterprise asked that nothing more be kept, so nothing more
    reaches it. Audited with the ticket or the masked contact. DeskError("not_found") when nothing matches."""
    now = clock.now()
    report = PurgeReport(cutoff=now, dry_run=False)
    change = _anonymising(now)
    with sessions.begin() as session:
        senders: set[str] = set()
        if ticket is not None:
            row = session.execute(
                select(Ticket.contact, Ticket.sender_id).where(Ticket.number == ticket.strip().upper())
            ).first()
            if row is None:
                raise DeskError(f"no ticket {ticket}", "not_found")
            contact, sender = row
            senders.add(sender)
        normal = None if not contact or contact == ANONYMISED else normalise_contact(contact)
        tickets = select(Ticket.id).where(or_(Ticket.contact == normal, Ticket.sender_id.in_(senders)))
        ticket_ids = list(session.scalars(tickets))
        numbers = list(session.scalars(select(Ticket.number).where(Ticket.id.in_(ticket_ids))))
        senders |= set(session.scalars(select(Ticket.sender_id).where(Ticket.id.in_(ticket_ids))))
        registrations = ExhibitionRegistration.contact == normal
        senders |= set(session.scalars(select(ExhibitionRegistration.sender_id).where(registrations)))
        senders = {s for s in senders if not s.startswith(SENDER_PREFIX)}
        calls = (or_(Call.phone == normal, Call.ticket_id.in_(ticket_ids))) & Call.anonymised_at.is_(None)
        if not ticket_ids and normal is None:
            raise DeskError("no enterprise with that contact or ticket", "not_found")
        of_tickets = _of_tickets(ticket_ids)
        report.calls = change["calls"](session, calls)
        report.transcript_lines = change["transcript_lines"](session, of_tickets["transcript_lines"]())
        report.ticket_events = change["ticket_events"](session, of_tickets["ticket_events"]())
        report.tickets = change["tickets"](session, Ticket.id.in_(ticket_ids) & (Ticket.contact != ANONYMISED))
        report.exhibition_registrations = change["exhibition_registrations"](
            session, registrations & (ExhibitionRegistration.contact != ANONYMISED)
        )
        report.warning_subscribers = _deleting(WarningSubscriber)(session, WarningSubscriber.sender_id.in_(senders))
        messages = [OutboxMessage.recipient.in_(senders | ({normal} if normal else set()))]
        messages += [OutboxMessage.idempotency_key.like(f"{number}:%") for number in numbers]
        report.outbox_messages = _deleting(OutboxMessage)(session, or_(*messages))
    report.attachments, report.attachment_failures = _purge_attachments(
        sessions,
        None,
        dry_run=False,
        condition=Attachment.ticket_id.in_(ticket_ids) | Attachment.sender_id.in_(senders),
    )
    for name, count in (stores.purge_senders(senders) if stores else {}).items():
        setattr(report, name, count)
    shown = ticket.strip().upper() if ticket is not None else mask_contact(normal)
    with sessions.begin() as session:
        audit.record(
            session,
            None,
            "purge",
            at=now,
            object_type="enterprise",
            object_id=shown,
            username=actor,
            detail={"by": "ticket" if ticket is not None else "contact", "ticket_numbers": numbers, **report.counts()},
        )
    log.info("retention: purged the personal data of enterprise %s on request: %s", shown, report.counts())
    return report
