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
- delivered or dead outbox messages (their payloads repeat texts and contacts), sign-in attempts and expired
  console sessions older than the cutoff are deleted; audit entries older than the cutoff lose their IP address.

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

from sqlalchemy import String, case, cast, delete, func, literal, or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from bot.clock import Clock
from bot.settings import DeskSettings
from bot.desk import audit
from bot.desk.privacy import ANONYMISED
from bot.desk.models import (
    Attachment, AuditEntry, Call, ConsoleSession, ExhibitionRegistration, OutboxMessage, SignInAttempt, Ticket,
    TicketEvent, TranscriptLine, WarningSubscriber, WarningSubscription,
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
    sessions: int = 0
    audit_ips: int = 0

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


def purge(sessions: sessionmaker, clock: Clock, settings: DeskSettings, *, dry_run: bool = False,
          actor: str = "command-line") -> PurgeReport:
    """Anonymise or delete the personal data older than the retention period; see the module's docstring."""
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
    if not dry_run:
        with sessions.begin() as session:
            audit.record(session, None, "purge", at=now, object_type="retention", username=actor,
                         detail={"cutoff": cutoff.isoformat(), "retention_days": settings.retention_days,
                                 **report.counts()})
    log.info("retention: %s personal data before %s: %s", "would purge" if dry_run else "purged", cutoff.isoformat(),
             report.counts())
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


def _steps(cutoff: datetime, now: datetime) -> list[Step]:
    def updating(model: type, **values: Any) -> Callable[[Session, ColumnElement], int]:
        return lambda session, condition: session.execute(
            update(model).where(condition).values(**values).execution_options(synchronize_session=False)).rowcount

    def deleting(model: type) -> Callable[[Session, ColumnElement], int]:
        return lambda session, condition: session.execute(
            delete(model).where(condition).execution_options(synchronize_session=False)).rowcount

    return [
        ("calls", Call, lambda: (Call.received_at < cutoff) & Call.anonymised_at.is_(None) & or_(
            Call.ticket_id.is_(None), Call.ticket_id.in_(_closed_before(cutoff))),
         updating(Call, caller_name=None, phone=None, question=ANONYMISED, notes=_anonymised_if_set(Call.notes),
                  answer=_anonymised_if_set(Call.answer), anonymised_at=now, updated_at=now)),
        ("tickets", Ticket, lambda: (Ticket.status == "closed") & (Ticket.closed_at < cutoff) & (Ticket.contact != ANONYMISED),
         updating(Ticket, contact_name=None, contact=ANONYMISED,
                  sender_id=literal(SENDER_PREFIX, String) + cast(Ticket.id, String), description=ANONYMISED,
                  rating_comment=_anonymised_if_set(Ticket.rating_comment),
                  follow_up_note=_anonymised_if_set(Ticket.follow_up_note), updated_at=now)),
        ("transcript_lines", TranscriptLine,
         lambda: TranscriptLine.ticket_id.in_(_closed_before(cutoff)) & (TranscriptLine.text != ANONYMISED),
         updating(TranscriptLine, text=ANONYMISED)),
        # An enterprise's own events (a rating, a follow-up) carry its chat id in the actor and its words in the reason.
        ("ticket_events", TicketEvent,
         lambda: TicketEvent.ticket_id.in_(_closed_before(cutoff)) & TicketEvent.actor.like("enterprise:%")
         & (TicketEvent.actor != ENTERPRISE_ACTOR),
         updating(TicketEvent, actor=ENTERPRISE_ACTOR, reason=_anonymised_if_set(TicketEvent.reason))),
        ("exhibition_registrations", ExhibitionRegistration,
         lambda: (ExhibitionRegistration.ends_on < cutoff.date()) & (ExhibitionRegistration.contact != ANONYMISED),
         updating(ExhibitionRegistration, contact_name=None, contact=ANONYMISED,
                  sender_id=literal(SENDER_PREFIX, String) + cast(ExhibitionRegistration.id, String),
                  outcome_note=_anonymised_if_set(ExhibitionRegistration.outcome_note), updated_at=now)),
        ("warning_subscribers", WarningSubscriber,
         lambda: (WarningSubscriber.updated_at < cutoff) & ~WarningSubscriber.id.in_(
             select(WarningSubscription.subscriber_id).scalar_subquery()),
         deleting(WarningSubscriber)),
        ("outbox_messages", OutboxMessage,
         lambda: OutboxMessage.status.in_(("sent", "dead")) & (OutboxMessage.created_at < cutoff),
         deleting(OutboxMessage)),
        ("sign_in_attempts", SignInAttempt, lambda: SignInAttempt.at < cutoff, deleting(SignInAttempt)),
        ("sessions", ConsoleSession, lambda: ConsoleSession.expires_at < cutoff, deleting(ConsoleSession)),
        ("audit_ips", AuditEntry, lambda: (AuditEntry.at < cutoff) & AuditEntry.ip.is_not(None),
         updating(AuditEntry, ip=None)),
    ]


def _purge_attachments(sessions: sessionmaker, cutoff: datetime, *, dry_run: bool) -> tuple[int, int]:
    """Delete the files of tickets closed before the cutoff, and of files that never joined a ticket and are as
    old; then their rows. A file that cannot be deleted keeps its row, so the next purge tries again rather than
    leaving an unrecorded file behind. Returns (removed, failed)."""
    condition = or_(Attachment.ticket_id.in_(_closed_before(cutoff)),
                    Attachment.ticket_id.is_(None) & (Attachment.created_at < cutoff))
    with sessions.begin() as session:
        rows = session.execute(select(Attachment.id, Attachment.ticket_id, Attachment.path).where(condition)
                               .order_by(Attachment.id).with_for_update()).all()
        if dry_run:
            return len(rows), 0
        removed, failed = [], 0
        for attachment_id, ticket_id, path in rows:
            try:
                os.remove(path)
            except FileNotFoundError:
                log.warning("retention: file of attachment %s (ticket id %s) was already gone: %s",
                            attachment_id, ticket_id, path)
            except OSError as error:
                log.error("retention: could not delete the file of attachment %s (ticket id %s) at %s: %s; "
                          "its record is kept for the next purge", attachment_id, ticket_id, path, error)
                failed += 1
                continue
            removed.append(attachment_id)
        if removed:
            session.execute(delete(Attachment).where(Attachment.id.in_(removed))
                            .execution_options(synchronize_session=False))
    return len(removed), failed
