"""Files enterprises send for their cases: recorded in the desk and attached to the right ticket.

A file often arrives before its ticket exists — an enterprise sends the served complaint while the escalation
form is still asking for the company's name — so an attachment is recorded for its sender first and attached
either at once (the sender has an open ticket and is not opening another) or when the sender's next ticket
opens (`attach_pending`, which channel workers run periodically). Attaching changes the ticket, so it is
written to the ticket's audit trail. The file itself lives on disk at `path`; the channel that received it
stored it there before recording it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.desk.schema import Attachment, Ticket, TicketEvent

log = logging.getLogger(__name__)

#: Tickets an attachment may join: those still being worked on.
OPEN_STATUSES = ("new", "assigned", "accepted", "answered")
#: A file waits this long for its sender's ticket; after that it stays with the sender only (staff can see it).
ATTACH_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class StoredAttachment:
    """What the sender is told about a stored file: its name and the ticket it joined, if any yet."""

    id: int
    file_name: str
    size: int
    ticket_number: str | None


def record_attachment(
    sessions: sessionmaker,
    clock: Clock,
    *,
    sender_id: str,
    source_key: str,
    file_name: str,
    mime_type: str | None,
    size: int,
    path: str,
    telegram_file_id: str | None = None,
    attach_to_open_ticket: bool,
) -> StoredAttachment:
    """Record a stored file for `sender_id`; with `attach_to_open_ticket`, attach it to their latest open ticket.

    Recording the same `source_key` again returns the first record, so a channel that retries after a crash
    never stores a file twice.
    """
    now = clock.now()
    with sessions.begin() as session:
        existing = session.scalar(select(Attachment).where(Attachment.source_key == source_key))
        if existing is not None:
            return _stored(session, existing)
        attachment = Attachment(
            sender_id=sender_id,
            source_key=source_key,
            file_name=file_name,
            mime_type=mime_type,
            size=size,
            path=path,
            telegram_file_id=telegram_file_id,
            created_at=now,
        )
        session.add(attachment)
        session.flush()
        if attach_to_open_ticket:
            ticket = session.scalar(
                select(Ticket)
                .where(Ticket.sender_id == sender_id, Ticket.status.in_(OPEN_STATUSES))
                .order_by(Ticket.created_at.desc(), Ticket.id.desc())
                .limit(1)
            )
            if ticket is not None:
                _attach(session, attachment, ticket, now)
        stored = _stored(session, attachment)
    log.info(
        "attachments: stored %s (%d bytes) from %s%s",
        file_name,
        size,
        sender_id,
        f" on {stored.ticket_number}" if stored.ticket_number else ", waiting for a ticket",
    )
    return stored


def attach_pending(sessions: sessionmaker, clock: Clock) -> list[tuple[int, str]]:
    """Attach each waiting file to the first ticket its sender opened after sending it; (attachment, ticket) pairs.

    Safe to run from several workers at once: each attachment is claimed by a conditional update.
    """
    now = clock.now()
    attached = []
    with sessions.begin() as session:
        waiting = session.scalars(
            select(Attachment)
            .where(Attachment.ticket_id.is_(None), Attachment.created_at >= now - ATTACH_WINDOW)
            .order_by(Attachment.id)
        ).all()
        for attachment in waiting:
            ticket = session.scalar(
                select(Ticket)
                .where(
                    Ticket.sender_id == attachment.sender_id,
                    Ticket.status.in_(OPEN_STATUSES),
                    Ticket.created_at >= attachment.created_at,
                    Ticket.created_at <= attachment.created_at + ATTACH_WINDOW,
                )
                .order_by(Ticket.created_at, Ticket.id)
                .limit(1)
            )
            if ticket is not None and _attach(session, attachment, ticket, now):
                attached.append((attachment.id, ticket.number))
    for attachment_id, number in attached:
        log.info(
            "attachments: attachment %d attached to %s, which its sender opened after sending it", attachment_id, number
        )
    return attached


def attachments_of(sessions: sessionmaker, number: str) -> list[Attachment]:
    """The files attached to ticket `number`, oldest first (detached from the session, ready to read)."""
    with sessions() as session:
        return list(
            session.scalars(
                select(Attachment)
                .join(Ticket, Ticket.id == Attachment.ticket_id)
                .where(Ticket.number == number.strip().upper())
                .order_by(Attachment.id)
            ).all()
        )


def _attach(session: Session, attachment: Attachment, ticket: Ticket, now: datetime) -> bool:
    """Attach and write the audit event; False when another worker attached it first."""
    won = (
        session.execute(
            update(Attachment)
            .where(Attachment.id == attachment.id, Attachment.ticket_id.is_(None))
            .values(ticket_id=ticket.id)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    if not won:
        return False
    attachment.ticket_id = ticket.id
    ticket.updated_at = now
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            at=now,
            actor=f"enterprise:{attachment.sender_id}",
            action="attachment_added",
            from_status=ticket.status,
            to_status=ticket.status,
            data={
                "attachment_id": attachment.id,
                "file_name": attachment.file_name,
                "size": attachment.size,
                "mime_type": attachment.mime_type,
            },
        )
    )
    return True


def _stored(session: Session, attachment: Attachment) -> StoredAttachment:
    number = (
        session.scalar(select(Ticket.number).where(Ticket.id == attachment.ticket_id)) if attachment.ticket_id else None
    )
    return StoredAttachment(attachment.id, attachment.file_name, attachment.size, number)
