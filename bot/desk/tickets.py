"""The escalation desk: the service the bot and the hotline console call when a question is a live dispute.

A ticket moves new → assigned → accepted → answered → closed (and closed → reopened). Every move is checked
(the right state, the right expert), happens in one transaction together with its audit event and the
outbox messages it causes, and says who made it, when and why. Times come from the desk's clock; SLA
deadlines for normal cases count desk hours only, so a case opened on Friday afternoon is not overdue on
Sunday.

Enterprises only ever see tickets they opened (same channel user) or that carry their contact: numbers are
sequential and easy to guess, so a number alone never reveals a ticket.

Longer than the desk's other modules for a reason: it is one state machine, and every move sits beside the checks,
the audit event and the messages it causes, so that one can read a move whole. What a notice says is in
notices.py, what the desk is given is cleaned in cleaning.py, who fits a case is decided in matching.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.contracts import EnterpriseMessage, ExpertNotice, Language, Priority, StaffAlert, TranscriptLinePayload
from bot.desk import notices
from bot.desk.cleaning import (
    MAX_NOTE,
    MAX_TEXT,
    DeskError,
    TranscriptEntry,
    clean,
    normalise_contact,
    transcript_entry,
)
from bot.clock import Clock, require_aware
from bot.settings import DeskSettings
from bot.desk.db import dialect_insert
from bot.desk.matching import open_cases, rank_experts, speaks
from bot.desk.schema import Expert, Ticket, TicketCounter, TicketEvent, TranscriptLine
from bot.desk.outbox import enqueue
from bot.desk.privacy import redact_contacts
from knowledge.vocabulary import Vocabulary, load_vocabulary

log = logging.getLogger(__name__)

#: The ticket event that records the enterprise's agreement to be contacted directly by its expert.
CONTACT_ALLOWED = "contact_allowed"


@dataclass(frozen=True)
class TicketView:
    """What an enterprise may see of its ticket.

    `next_deadline` is when an expert will have taken the case at the latest while it waits for one
    (`next_deadline_kind` "acceptance"), else the enterprise's own deadline while the case is open
    ("enterprise"), else None. `expert_name` is given once an expert has accepted and agreed to be named.
    """

    number: str
    status: str
    priority: str
    created_at: datetime
    expert_name: str | None
    next_deadline: datetime | date | None
    next_deadline_kind: str | None


class Desk:
    def __init__(
        self,
        sessions: sessionmaker,
        clock: Clock,
        settings: DeskSettings,
        *,
        vocabulary: Vocabulary | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.settings = settings
        self.vocabulary = vocabulary or load_vocabulary()

    # ----------------------------------------------------------------------------------------------------------
    # Opening and assigning

    def open_ticket(
        self,
        *,
        channel: str,
        sender_id: str,
        company: str,
        contact: str,
        description: str,
        contact_name: str | None = None,
        country: str | None = None,
        ip_type: str | None = None,
        dispute_type: str | None = None,
        industry: str | None = None,
        deadline: date | None = None,
        priority: Priority = "normal",
        language: Language = "zh",
        transcript: Iterable[TranscriptEntry | tuple[str, str] | tuple[str, str, datetime]] = (),
        actor: str = "bot",
        on_opened: Callable[[Session, Ticket], None] | None = None,
    ) -> Ticket:
        """Open a ticket, assign the best-fitting expert and queue the notices, all or nothing.

        `on_opened(session, ticket)` runs inside the same transaction once the ticket has its number, so a caller
        can link its own record to the ticket (the hotline console links the call); if it raises, no ticket opens.
        The returned ticket is detached from the database (read its fields; it does not load relations).
        """
        now = self.clock.now()
        if priority not in ("urgent", "normal"):
            raise DeskError(f"priority must be urgent or normal, not {priority!r}")
        if language not in ("zh", "en"):
            raise DeskError(f"language must be zh or en, not {language!r}")
        if deadline is not None and (isinstance(deadline, datetime) or not isinstance(deadline, date)):
            raise DeskError("deadline must be a date")
        lines = [line for line in (transcript_entry(entry, now) for entry in transcript) if line is not None]
        fields = dict(
            channel=clean(channel, "channel", 32),
            sender_id=clean(sender_id, "sender_id", 128),
            company=clean(company, "company", 200),
            contact=normalise_contact(contact),
            description=clean(description, "description", MAX_TEXT),
            contact_name=clean(contact_name, "contact_name", 100, required=False),
            country=self._term("country", country),
            ip_type=self._term("ip_type", ip_type),
            dispute_type=self._term("dispute_type", dispute_type),
            industry=self._term("industry", industry),
        )
        actor = clean(actor, "actor", 64)

        with self.sessions.begin() as session:
            ticket = Ticket(
                number=self._next_number(session, now),
                status="new",
                priority=priority,
                language=language,
                deadline=deadline,
                candidates=[],
                created_at=now,
                updated_at=now,
                **fields,
            )
            session.add(ticket)
            session.flush()
            session.add_all(
                TranscriptLine(ticket_id=ticket.id, at=at, role=role, text=text) for role, text, at in lines
            )
            self._event(
                session,
                ticket,
                actor,
                "opened",
                None,
                "new",
                now,
                data={"channel": ticket.channel, "priority": priority, "transcript_lines": len(lines)},
            )
            if on_opened is not None:
                on_opened(session, ticket)
            ranked = rank_experts(session, ticket)
            ticket.candidates = [candidate.expert_id for candidate in ranked]
            expert, skipped = self._assign_next(
                session, ticket, now, "system", "建单时匹配度最高", {c.expert_id: list(c.reasons) for c in ranked}
            )
            alerts = []
            if priority == "urgent":
                alerts.append("紧急案件")
            if expert is None:
                alerts.append("无合适专家可分配，请人工分配" if not ranked else "候选专家均不可用，请人工分配")
            if alerts:
                self._flag_staff(session, ticket, now, "；".join(alerts), {"skipped": skipped})
        log.info(
            "desk: opened %s (%s, %s) → %s",
            ticket.number,
            priority,
            ticket.channel,
            f"expert {ticket.expert_id}" if ticket.expert_id else "no expert, staff alerted",
        )
        return ticket

    def assign(self, number: str, expert_id: int, actor: str, reason: str) -> Ticket:
        """Staff put a ticket with a chosen expert (e.g. one left new because nobody fitted); caps do not apply."""
        now = self.clock.now()
        actor, reason = clean(actor, "actor", 64), clean(reason, "reason", MAX_NOTE)
        with self.sessions.begin() as session:
            ticket = self._locked(session, number)
            if ticket.status not in ("new", "assigned", "accepted"):
                raise DeskError(f"ticket {number} is {ticket.status}; only open tickets can be assigned", "wrong_state")
            expert = session.get(Expert, expert_id, with_for_update=True)
            why_not = self._why_not(expert, ticket, {}, check_capacity=False)
            if why_not:
                raise DeskError(f"expert {expert_id} cannot take ticket {number}: {why_not}", "invalid")
            if ticket.expert_id == expert.id and ticket.status != "new":
                raise DeskError(f"ticket {number} is already with expert {expert_id}", "wrong_state")
            if ticket.status != "new":
                self._unassign(session, ticket, now, actor, "reassigned", reason)
            ticket.candidates = [expert.id] + [c for c in ticket.candidates if c != expert.id]
            self._assign_next(session, ticket, now, actor, reason, {}, check_capacity=False)
        return ticket

    # ----------------------------------------------------------------------------------------------------------
    # What experts do

    def accept(self, number: str, expert_id: int) -> Ticket:
        now = self.clock.now()
        with self.sessions.begin() as session:
            ticket = self._locked(session, number)
            self._require_expert(ticket, expert_id, ("assigned",), "accept")
            ticket.accepted_at = now
            event = self._move(session, ticket, "accepted", f"expert:{expert_id}", "accepted", now)
            expert = session.get(Expert, expert_id)
            text = notices.case_accepted(ticket.number, ticket.language)
            self._to_enterprise(session, ticket, event, "case_accepted", text, expert_name=_display_name(expert))
        log.info("desk: %s accepted by expert %s", number, expert_id)
        return ticket

    def decline(self, number: str, expert_id: int, reason: str) -> Ticket:
        """The expert cannot take the case: it goes to the next candidate, or back to staff when none is left."""
        now = self.clock.now()
        reason = clean(reason, "reason", MAX_NOTE)
        with self.sessions.begin() as session:
            ticket = self._locked(session, number)
            self._require_expert(ticket, expert_id, ("assigned", "accepted"), "decline")
            self._unassign(session, ticket, now, f"expert:{expert_id}", "declined", reason)
            expert, skipped = self._assign_next(session, ticket, now, "system", f"专家 {expert_id} 婉拒后改派", {})
            if expert is None:
                self._flag_staff(
                    session, ticket, now, f"专家{expert_id}婉拒，无其他候选专家，请人工分配", {"skipped": skipped}
                )
        log.info(
            "desk: %s declined by expert %s (%s) → %s",
            number,
            expert_id,
            reason,
            f"expert {ticket.expert_id}" if ticket.expert_id else "staff",
        )
        return ticket

    def answer(self, number: str, expert_id: int, text: str) -> Ticket:
        """The expert's answer: kept in the transcript and queued to the enterprise on the channel it came from."""
        now = self.clock.now()
        text = clean(text, "answer", MAX_TEXT)
        with self.sessions.begin() as session:
            ticket = self._locked(session, number)
            self._require_expert(ticket, expert_id, ("accepted", "answered"), "answer")
            session.add(TranscriptLine(ticket_id=ticket.id, at=now, role="expert", text=text))
            ticket.answered_at = ticket.answered_at or now
            event = self._move(
                session, ticket, "answered", f"expert:{expert_id}", "answered", now, data={"characters": len(text)}
            )
            expert = session.get(Expert, expert_id)
            self._to_enterprise(session, ticket, event, "expert_answer", text, expert_name=_display_name(expert))
        log.info("desk: %s answered by expert %s", number, expert_id)
        return ticket

    def allow_direct_contact(self, number: str, expert_id: int, actor: str, reason: str) -> Ticket:
        """The enterprise agreed that the expert who accepted its case may contact it directly (it said so in the
        chat, or to staff on the phone): from now on that expert — and nobody else — sees its contact in clear
        (`direct_contact_allowed`). Only for the expert who holds the accepted case."""
        now = self.clock.now()
        actor, reason = clean(actor, "actor", 64), clean(reason, "reason", MAX_NOTE)
        with self.sessions.begin() as session:
            ticket = self._locked(session, number)
            self._require_expert(ticket, expert_id, ("accepted", "answered"), "be given the contact of")
            self._event(
                session, ticket, actor, CONTACT_ALLOWED, None, None, now, reason=reason, data={"expert_id": expert_id}
            )
        log.info("desk: %s: the enterprise allows expert %s to contact it directly", number, expert_id)
        return ticket

    @staticmethod
    def direct_contact_allowed(session: Session, ticket: Ticket, expert_id: int | None) -> bool:
        """Whether `expert_id` may see the enterprise's contact in clear: they hold the case, have accepted it, and
        the enterprise agreed to be contacted by them (`allow_direct_contact`) since."""
        if expert_id is None or ticket.expert_id != expert_id or ticket.status not in ("accepted", "answered"):
            return False
        allowed = session.scalars(
            select(TicketEvent.data).where(
                TicketEvent.ticket_id == ticket.id,
                TicketEvent.action == CONTACT_ALLOWED,
                TicketEvent.at >= (ticket.accepted_at or ticket.created_at),
            )
        ).all()
        return any(data.get("expert_id") == expert_id for data in allowed)

    # ----------------------------------------------------------------------------------------------------------
    # Closing, reopening, rating, following up

    def close(self, number: str, actor: str, reason: str) -> Ticket:
        now = self.clock.now()
        actor, reason = clean(actor, "actor", 64), clean(reason, "reason", MAX_NOTE)
        with self.sessions.begin() as session:
            ticket = self._locked(session, number)
            if ticket.status == "closed":
                raise DeskError(f"ticket {number} is already closed", "wrong_state")
            ticket.closed_at = now
            ticket.follow_up_due_at = now + self.settings.follow_up_delay
            self._move(session, ticket, "closed", actor, "closed", now, reason=reason)
        log.info("desk: %s closed by %s (%s)", number, actor, reason)
        return ticket

    def reopen(self, number: str, actor: str, reason: str) -> Ticket:
        """Back to the expert who took the case when they are still available, else to matching afresh."""
        now = self.clock.now()
        actor, reason = clean(actor, "actor", 64), clean(reason, "reason", MAX_NOTE)
        with self.sessions.begin() as session:
            ticket = self._locked(session, number)
            if ticket.status != "closed":
                raise DeskError(
                    f"ticket {number} is {ticket.status}; only a closed ticket can be reopened", "wrong_state"
                )
            ticket.closed_at = None
            ticket.follow_up_due_at = None
            expert = session.get(Expert, ticket.expert_id) if ticket.expert_id else None
            if expert is not None and ticket.accepted_at is not None and expert.available:
                event = self._move(
                    session, ticket, "accepted", actor, "reopened", now, reason=reason, data={"expert_id": expert.id}
                )
                self._notify_expert(session, ticket, expert, event, "case_reopened")
            else:
                self._move(session, ticket, "new", actor, "reopened", now, reason=reason)
                ticket.expert_id = ticket.assigned_at = ticket.sla_due_at = ticket.accepted_at = None
                ranked = rank_experts(session, ticket)
                ticket.candidates = [candidate.expert_id for candidate in ranked]
                assigned, skipped = self._assign_next(
                    session, ticket, now, "system", "工单重开后分配", {c.expert_id: list(c.reasons) for c in ranked}
                )
                if assigned is None:
                    self._flag_staff(
                        session, ticket, now, "工单重开，无合适专家可分配，请人工分配", {"skipped": skipped}
                    )
        log.info("desk: %s reopened by %s (%s) → %s", number, actor, reason, ticket.status)
        return ticket

    def rate(self, number: str, sender_id: str, score: int, comment: str | None = None) -> Ticket:
        """The enterprise rates the answer it received (1–5); rating again replaces the earlier rating."""
        now = self.clock.now()
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise DeskError(f"a rating is a whole number from 1 to 5, not {score!r}")
        comment = clean(comment, "comment", MAX_NOTE, required=False)
        with self.sessions.begin() as session:
            ticket = self._own(session, number, sender_id)
            if ticket.answered_at is None:
                raise DeskError(f"ticket {number} has no answer to rate yet", "wrong_state")
            previous = ticket.rating
            ticket.rating, ticket.rating_comment = score, comment
            self._event(
                session,
                ticket,
                f"enterprise:{ticket.sender_id}",
                "rated",
                ticket.status,
                ticket.status,
                now,
                reason=comment,
                data={"score": score, "previous": previous},
            )
            ticket.updated_at = now
        return ticket

    def due_follow_ups(self, now: datetime | None = None) -> list[str]:
        """Queue the follow-up question to every enterprise whose ticket closed long enough ago; once per ticket."""
        now = require_aware(now) if now is not None else self.clock.now()
        with self.sessions() as session:
            due = session.scalars(
                select(Ticket.id)
                .where(Ticket.status == "closed", Ticket.follow_up_sent_at.is_(None), Ticket.follow_up_due_at <= now)
                .order_by(Ticket.id)
            ).all()
        queued = []
        for ticket_id in due:
            with self.sessions.begin() as session:
                ticket = session.scalars(select(Ticket).where(Ticket.id == ticket_id).with_for_update()).one()
                if ticket.status != "closed" or ticket.follow_up_sent_at is not None or ticket.follow_up_due_at > now:
                    continue  # reopened, or another run got there first
                ticket.follow_up_sent_at = now
                event = self._event(session, ticket, "system", "follow_up_queued", "closed", "closed", now)
                ticket.updated_at = now
                days = round((now - ticket.closed_at).total_seconds() / 86400)
                text = notices.follow_up(ticket.number, days, ticket.language)
                self._to_enterprise(session, ticket, event, "follow_up", text)
                queued.append(ticket.number)
        if queued:
            log.info("desk: follow-ups queued for %s", ", ".join(queued))
        return queued

    def record_follow_up(self, number: str, sender_id: str, note: str) -> Ticket:
        """What the enterprise said when followed up (how the dispute ended, what helped)."""
        now = self.clock.now()
        note = clean(note, "note", MAX_NOTE)
        with self.sessions.begin() as session:
            ticket = self._own(session, number, sender_id)
            if ticket.status != "closed":
                raise DeskError(
                    f"ticket {number} is {ticket.status}; follow-ups are recorded on closed tickets", "wrong_state"
                )
            ticket.follow_up_note = note
            ticket.updated_at = now
            self._event(
                session,
                ticket,
                f"enterprise:{ticket.sender_id}",
                "follow_up_recorded",
                "closed",
                "closed",
                now,
                reason=note,
            )
        return ticket

    # ----------------------------------------------------------------------------------------------------------
    # Deadlines

    def check_sla(self, now: datetime | None = None) -> list[str]:
        """Pass every assignment not accepted in time to the next candidate (or back to new) and tell staff.

        Each ticket is re-checked under its row lock, so overlapping runs reassign a ticket once.
        """
        now = require_aware(now) if now is not None else self.clock.now()
        with self.sessions() as session:
            due = session.scalars(
                select(Ticket.id)
                .where(Ticket.status == "assigned", Ticket.sla_due_at <= now)
                .order_by(Ticket.sla_due_at)
            ).all()
        handled = []
        for ticket_id in due:
            with self.sessions.begin() as session:
                ticket = session.scalars(select(Ticket).where(Ticket.id == ticket_id).with_for_update()).one()
                if ticket.status != "assigned" or ticket.sla_due_at is None or ticket.sla_due_at > now:
                    continue
                late_expert, due_at = ticket.expert_id, ticket.sla_due_at
                self._unassign(
                    session,
                    ticket,
                    now,
                    "system",
                    "sla_expired",
                    f"专家 {late_expert} 未在 {due_at.isoformat()} 前受理",
                )
                expert, skipped = self._assign_next(
                    session, ticket, now, "system", f"专家 {late_expert} 超时未受理，改派", {}
                )
                late = session.get(Expert, late_expert)
                after = f"已转交专家{expert.name}（{expert.id}）" if expert else "无其他候选专家，请人工分配"
                message = (
                    f"专家{late.name if late else ''}（{late_expert}）未在时限（{_local(due_at, self.settings)}）"
                    f"前受理；{after}"
                )
                self._flag_staff(session, ticket, now, message, {"late_expert_id": late_expert, "skipped": skipped})
                handled.append(ticket.number)
                log.warning(
                    "desk: %s not accepted by expert %s by %s; %s",
                    ticket.number,
                    late_expert,
                    due_at.isoformat(),
                    f"now with expert {expert.id}" if expert else "back to staff",
                )
        return handled

    def next_pickup(self, now: datetime | None = None) -> datetime:
        """When a person picks up a case opened at `now`: `now` within desk hours, else the next opening
        (in the desk's time zone, ready to show)."""
        now = require_aware(now) if now is not None else self.clock.now()
        return self.settings.hours.next_opening(now)

    # ----------------------------------------------------------------------------------------------------------
    # What enterprises may see

    def tickets_for(
        self,
        sender_id: str | None = None,
        contact: str | None = None,
        number: str | None = None,
    ) -> list[TicketView]:
        """The tickets of one enterprise, newest first: opened by `sender_id` and/or carrying `contact`
        (every criterion given must match); `number` narrows to one of them."""
        if not sender_id and not contact:
            raise DeskError("say whose tickets: a sender id or a contact is required")
        statement = select(Ticket, Expert).outerjoin(Expert, Expert.id == Ticket.expert_id)
        if sender_id:
            statement = statement.where(Ticket.sender_id == str(sender_id))
        if contact:
            statement = statement.where(Ticket.contact == normalise_contact(contact))
        if number:
            statement = statement.where(Ticket.number == number.strip().upper())
        with self.sessions() as session:
            rows = session.execute(statement.order_by(Ticket.created_at.desc(), Ticket.id.desc())).all()
            return [self._view(ticket, expert) for ticket, expert in rows]

    def _view(self, ticket: Ticket, expert: Expert | None) -> TicketView:
        deadline: datetime | date | None = None
        kind = None
        if ticket.status == "assigned":
            deadline, kind = ticket.sla_due_at, "acceptance"
        elif ticket.status != "closed" and ticket.deadline is not None:
            deadline, kind = ticket.deadline, "enterprise"
        name = _display_name(expert) if ticket.accepted_at is not None else None
        return TicketView(ticket.number, ticket.status, ticket.priority, ticket.created_at, name, deadline, kind)

    # ----------------------------------------------------------------------------------------------------------
    # Internals

    def _next_number(self, session: Session, now: datetime) -> str:
        """SX-<day in Beijing>-<NNNN>. The upsert holds the counter row (PostgreSQL) or the database (SQLite)
        until the ticket commits, so concurrent openings get consecutive numbers, and a rolled-back opening
        leaves no gap."""
        day = now.astimezone(self.settings.hours.zone).strftime("%Y%m%d")
        table = TicketCounter.__table__
        session.execute(
            dialect_insert(session, table)
            .values(day=day, last=1)
            .on_conflict_do_update(index_elements=["day"], set_={"last": table.c.last + 1})
        )
        last = session.execute(select(table.c.last).where(table.c.day == day)).scalar_one()
        return f"SX-{day}-{last:04d}"

    def _assign_next(
        self,
        session: Session,
        ticket: Ticket,
        now: datetime,
        actor: str,
        reason: str,
        reasons: dict[int, list[str]],
        *,
        check_capacity: bool = True,
    ) -> tuple[Expert | None, list[dict[str, Any]]]:
        """Give a new ticket to the first of its candidates who can still take it; the expert (or None) and the
        candidates passed over with why. The candidates' rows are locked in id order so that two tickets
        assigned at once cannot both take an expert's last place, and cannot deadlock."""
        queue = list(ticket.candidates or [])
        skipped: list[dict[str, Any]] = []
        if queue:
            experts = {
                e.id: e
                for e in session.scalars(
                    select(Expert).where(Expert.id.in_(queue)).order_by(Expert.id).with_for_update()
                )
            }
            loads = open_cases(session, queue)
            while queue:
                expert = experts.get(queue.pop(0))
                why_not = self._why_not(expert, ticket, loads, check_capacity)
                if why_not or expert is None:
                    skipped.append({"expert_id": getattr(expert, "id", None), "why": why_not})
                    continue
                ticket.expert_id, ticket.candidates = expert.id, queue
                ticket.assigned_at, ticket.accepted_at = now, None
                ticket.sla_due_at = self._sla_due(ticket.priority, now)
                event = self._move(
                    session,
                    ticket,
                    "assigned",
                    actor,
                    "assigned",
                    now,
                    reason=reason,
                    data={
                        "expert_id": expert.id,
                        "expert": expert.name,
                        "sla_due_at": ticket.sla_due_at.isoformat(),
                        "reasons": reasons.get(expert.id, []),
                        "skipped": skipped,
                        "runners_up": list(queue),
                    },
                )
                self._notify_expert(session, ticket, expert, event, "case_assigned")
                return expert, skipped
        ticket.candidates = []
        return None, skipped

    @staticmethod
    def _why_not(expert: Expert | None, ticket: Ticket, loads: dict[int, int], check_capacity: bool) -> str | None:
        if expert is None:
            return "no longer in the pool"
        if not expert.available:
            return "unavailable"
        if check_capacity and loads.get(expert.id, 0) >= expert.max_open_cases:
            return f"at capacity ({loads.get(expert.id, 0)}/{expert.max_open_cases})"
        if not speaks(expert, ticket.language):
            return f"does not work in {'English' if ticket.language == 'en' else 'Chinese'}"
        return None

    def _unassign(self, session: Session, ticket: Ticket, now: datetime, actor: str, action: str, reason: str) -> None:
        previous = ticket.expert_id
        ticket.expert_id = ticket.assigned_at = ticket.sla_due_at = ticket.accepted_at = None
        self._move(session, ticket, "new", actor, action, now, reason=reason, data={"expert_id": previous})

    def _flag_staff(self, session: Session, ticket: Ticket, now: datetime, message: str, data: dict[str, Any]) -> None:
        """Tell staff (outbox) and say so in the audit trail."""
        event = self._event(
            session, ticket, "system", "staff_alerted", ticket.status, ticket.status, now, reason=message, data=data
        )
        payload: StaffAlert = {
            "ticket": ticket.number,
            "text": notices.staff_alert(ticket, message),
            "priority": ticket.priority,
            "status": ticket.status,
            "expert_id": ticket.expert_id,
        }
        enqueue(
            session,
            self.settings.staff_channel,
            self.settings.staff_recipient,
            "staff_alert",
            payload,
            _key(ticket, event, "staff_alert"),
            now=now,
        )

    def _sla_due(self, priority: str, assigned_at: datetime) -> datetime:
        """Urgent cases: hours on the clock, day or night (a seized shipment does not wait for Monday).
        Normal cases: working days of desk time."""
        if priority == "urgent":
            return assigned_at + self.settings.sla_urgent
        return self.settings.hours.add_working_time(assigned_at, self.settings.sla_normal)

    def _locked(self, session: Session, number: str) -> Ticket:
        ticket = session.scalars(
            select(Ticket).where(Ticket.number == str(number).strip().upper()).with_for_update()
        ).one_or_none()
        if ticket is None:
            raise DeskError(f"no ticket {number}", "not_found")
        return ticket

    def _own(self, session: Session, number: str, sender_id: str) -> Ticket:
        """The ticket when `sender_id` opened it; the same answer as for a missing ticket otherwise."""
        ticket = session.scalars(
            select(Ticket)
            .where(Ticket.number == str(number).strip().upper(), Ticket.sender_id == str(sender_id))
            .with_for_update()
        ).one_or_none()
        if ticket is None:
            raise DeskError(f"no ticket {number} of yours", "not_found")
        return ticket

    @staticmethod
    def _require_expert(ticket: Ticket, expert_id: int, states: Sequence[str], doing: str) -> None:
        if ticket.expert_id != expert_id:
            raise DeskError(
                f"ticket {ticket.number} is not assigned to expert {expert_id}, who cannot {doing} it", "wrong_expert"
            )
        if ticket.status not in states:
            raise DeskError(
                f"ticket {ticket.number} is {ticket.status}; it can be {doing}ed only when {' or '.join(states)}",
                "wrong_state",
            )

    def _move(
        self,
        session: Session,
        ticket: Ticket,
        to_status: str,
        actor: str,
        action: str,
        now: datetime,
        *,
        reason: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> TicketEvent:
        from_status = ticket.status
        ticket.status = to_status
        ticket.updated_at = now
        return self._event(session, ticket, actor, action, from_status, to_status, now, reason=reason, data=data)

    @staticmethod
    def _event(
        session: Session,
        ticket: Ticket,
        actor: str,
        action: str,
        from_status: str | None,
        to_status: str | None,
        now: datetime,
        *,
        reason: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> TicketEvent:
        event = TicketEvent(
            ticket_id=ticket.id,
            at=now,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            data=data or {},
        )
        session.add(event)
        session.flush()  # the event id names the messages it causes
        return event

    def _notify_expert(self, session: Session, ticket: Ticket, expert: Expert, event: TicketEvent, kind: str) -> None:
        """Tell the expert about the case: Telegram when we know their chat, else e-mail, else SMS."""
        if expert.telegram_chat_id:
            channel, recipient = "telegram", expert.telegram_chat_id
        elif expert.email:
            channel, recipient = "email", expert.email
        else:
            channel, recipient = "sms", expert.phone or ""
        due = _local(ticket.sla_due_at, self.settings) if ticket.sla_due_at else "—"
        text = notices.expert_notice(ticket, kind, due, expert.languages or [], self.vocabulary)
        # The expert has not accepted yet (or, reopened, may not be the one the enterprise agreed to): every phone
        # number and e-mail address in what the notice carries is masked, as on the expert's case page.
        payload: ExpertNotice = {
            "ticket": ticket.number,
            "text": text,
            "priority": ticket.priority,
            "language": ticket.language,
            "company": ticket.company,
            "contact_name": ticket.contact_name,
            "country": ticket.country,
            "ip_type": ticket.ip_type,
            "dispute_type": ticket.dispute_type,
            "industry": ticket.industry,
            "description": redact_contacts(ticket.description, [ticket.contact]),
            "deadline": ticket.deadline.isoformat() if ticket.deadline else None,
            "sla_due_at": ticket.sla_due_at.isoformat() if ticket.sla_due_at else None,
            "transcript": [
                {**line, "text": redact_contacts(line["text"], [ticket.contact])}
                for line in self._transcript(session, ticket)
            ],
            "expert_id": expert.id,
        }
        enqueue(session, channel, recipient, kind, payload, _key(ticket, event, kind), now=event.at)

    def _to_enterprise(
        self, session: Session, ticket: Ticket, event: TicketEvent, kind: str, text: str, **extra: Any
    ) -> None:
        payload: EnterpriseMessage = {"ticket": ticket.number, "text": text, "language": ticket.language}
        payload.update(extra)  # type: ignore[typeddict-item]
        enqueue(session, ticket.channel, ticket.sender_id, kind, payload, _key(ticket, event, kind), now=event.at)

    @staticmethod
    def _transcript(session: Session, ticket: Ticket) -> list[TranscriptLinePayload]:
        lines = session.scalars(
            select(TranscriptLine)
            .where(TranscriptLine.ticket_id == ticket.id)
            .order_by(TranscriptLine.at, TranscriptLine.id)
        ).all()
        return [TranscriptLinePayload(role=line.role, text=line.text, at=line.at.isoformat()) for line in lines]

    def _term(self, entity: str, value: str | None) -> str | None:
        """The canonical vocabulary value of what was typed; text the vocabulary does not know is kept as typed."""
        text = clean(value, entity, 50, required=False)
        if text is None:
            return None
        return self.vocabulary.canonical(entity, text) or text


def _display_name(expert: Expert | None) -> str | None:
    return expert.name if expert is not None and expert.show_name else None


def _local(moment: datetime, settings: DeskSettings) -> str:
    return moment.astimezone(settings.hours.zone).strftime("%Y-%m-%d %H:%M")


def _key(ticket: Ticket, event: TicketEvent, kind: str) -> str:
    return f"{ticket.number}:{event.id}:{kind}"
