"""The hotline log: calls as staff record them, what the classifier suggested, what staff told the caller, the
ticket a call became, follow-ups, and the search behind the call list and its CSV export.

Every change is one transaction with its audit entry. Escalation opens the desk's ticket and links the call in
the desk's own transaction, so a double click cannot open two tickets for one call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.contracts import Priority
from bot.desk import audit
from bot.console.accounts import Principal
from bot.console.filters import FilterFields, FilterQuery, Problems, equal_where_given, on_days
from bot.console.suggest import Suggestion
from bot.desk.tickets import Desk, DeskError, TranscriptEntry
from bot.desk.fields import FieldError, FormError, clean_text, parse_contact, strip_control
from bot.desk.schema import CALL_CHANNELS, Call, ConsoleUser, Expert, Ticket, TicketEvent

log = logging.getLogger(__name__)

CHANNEL_LABELS = {"phone": "电话", "wechat": "微信", "email": "邮件", "visit": "来访", "other": "其他"}
MAX_QUESTION = 5_000
MAX_NOTES = 5_000
MAX_ANSWER = 10_000
LIST_LIMIT = 500


class CallFormError(FormError):
    """What is wrong with a call form."""


@dataclass(frozen=True)
class CallForm:
    """A call as typed, checked and cleaned."""

    company: str
    question: str
    channel: str = "phone"
    caller_name: str | None = None
    phone: str | None = None
    notes: str | None = None
    follow_up_on: date | None = None

    @classmethod
    def parse(cls, form: Mapping[str, str], *, today: date) -> "CallForm":
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}

        def text(name: str, label: str, limit: int, *, required: bool) -> None:
            raw = (form.get(name) or "").strip()
            if not raw:
                if required:
                    errors[name] = f"请填写{label}"
                values[name] = None
                return
            try:
                values[name] = clean_text(raw, max_length=limit, what=(label, name))
            except FieldError as error:
                errors[name] = error.zh

        text("company", "企业名称", 200, required=True)
        text("question", "咨询问题", MAX_QUESTION, required=True)
        text("caller_name", "来电人", 100, required=False)
        text("notes", "备注", MAX_NOTES, required=False)
        channel = (form.get("channel") or "phone").strip()
        if channel not in CALL_CHANNELS:
            errors["channel"] = "请选择来电渠道"
        values["channel"] = channel
        phone = (form.get("phone") or "").strip()
        values["phone"] = None
        if phone:
            try:
                values["phone"] = parse_contact(phone[:100])
            except FieldError as error:
                errors["phone"] = error.zh
        values["follow_up_on"] = None
        raw_day = (form.get("follow_up_on") or "").strip()
        if raw_day:
            try:
                day = date.fromisoformat(raw_day)
            except ValueError:
                errors["follow_up_on"] = "回访日期格式应为 2026-12-05"
            else:
                if day < today:
                    errors["follow_up_on"] = "回访日期不能早于今天"
                values["follow_up_on"] = day
        if errors:
            raise CallFormError(errors)
        return cls(**values)


@dataclass(frozen=True)
class CallFilter(FilterFields):
    """The call list's filters; every one given must match."""

    date_from: date | None = None
    date_to: date | None = None
    status: str | None = None  # open (nothing given yet), given, escalated, follow_up (due and not done)
    topic: str | None = None
    country: str | None = None
    ip_type: str | None = None
    staff: int | None = None
    expert: int | None = None
    q: str | None = None

    STATUSES = {"open": "待答复", "given": "已答复", "escalated": "已转专家", "follow_up": "待回访"}

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> tuple["CallFilter", Problems]:
        """The filter from a query string, and what was ignored because it was malformed (shown above the list)."""
        read = (
            FilterQuery(query)
            .dates("date_from", "date_to")
            .ids("staff", "expert")
            .choice("status", cls.STATUSES, "状态")
            .texts("topic", "country", "ip_type", "q")
        )
        return cls(**read.values), read.problems


@dataclass(frozen=True)
class CallRow:
    """A call as lists and exports show it."""

    call: Call
    staff_name: str | None
    ticket_number: str | None
    ticket_status: str | None
    expert_name: str | None

    @property
    def status(self) -> str:
        if self.ticket_number:
            return "escalated"
        if self.call.answer_given_at:
            return "given"
        return "open"


@dataclass
class CompanyHistory:
    calls: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)


class HotlineLog:
    def __init__(self, sessions: sessionmaker, clock: Clock, desk: Desk) -> None:
        self.sessions = sessions
        self.clock = clock
        self.desk = desk

    def today(self) -> date:
        return self.clock.now().astimezone(self.desk.settings.hours.zone).date()

    # ----------------------------------------------------------------------------------------------------------
    # Logging and updating

    def log_call(self, form: CallForm, suggestion: Suggestion | None, staff: Principal) -> Call:
        now = self.clock.now()
        suggestion = suggestion or Suggestion(language="zh")
        with self.sessions.begin() as session:
            call = Call(
                received_at=now,
                channel=form.channel,
                caller_name=form.caller_name,
                company=form.company,
                phone=form.phone,
                question=form.question,
                notes=form.notes,
                intent=suggestion.intent,
                intent_confidence=suggestion.confidence,
                entities=suggestion.entities,
                country=suggestion.entity("country"),
                ip_type=suggestion.entity("ip_type"),
                dispute_type=suggestion.entity("dispute_type"),
                suggested_sources=suggestion.sources,
                answer=suggestion.answer or suggestion.referral,
                staff_user_id=staff.user_id,
                follow_up_on=form.follow_up_on,
                created_at=now,
                updated_at=now,
            )
            session.add(call)
            session.flush()
            audit.record(
                session,
                staff,
                "create",
                at=now,
                object_type="call",
                object_id=call.id,
                detail={"intent": call.intent, "sources": call.suggested_sources},
            )
        log.info("console: call %s logged by %s (%s)", call.id, staff.username, call.intent)
        return call

    def record_answer(self, call_id: int, answer: str, staff: Principal, *, given: bool) -> Call:
        """Store the answer as staff edited it; `given` marks that it was told to the caller."""
        try:
            text = clean_text(answer, max_length=MAX_ANSWER, what=("答复内容", "answer"))
        except FieldError as error:
            raise CallFormError({"answer": error.zh}) from None
        now = self.clock.now()
        with self.sessions.begin() as session:
            call = self._call(session, call_id)
            edited = text != (call.answer or "")
            call.answer = text
            if given and call.answer_given_at is None:
                call.answer_given_at = now
            call.updated_at = now
            audit.record(
                session,
                staff,
                "change",
                at=now,
                object_type="call",
                object_id=call_id,
                detail={"answer_edited": edited, "marked_given": given},
            )
            return call

    def update_follow_up(
        self, call_id: int, staff: Principal, *, notes: str | None, follow_up_on: str | None, done: bool
    ) -> Call:
        errors: dict[str, str] = {}
        day: date | None = None
        if follow_up_on:
            try:
                day = date.fromisoformat(follow_up_on.strip())
            except ValueError:
                errors["follow_up_on"] = "回访日期格式应为 2026-12-05"
        clean_notes = None
        if notes is not None and notes.strip():
            try:
                clean_notes = clean_text(notes, max_length=MAX_NOTES, what=("备注", "notes"))
            except FieldError as error:
                errors["notes"] = error.zh
        if errors:
            raise CallFormError(errors)
        now = self.clock.now()
        with self.sessions.begin() as session:
            call = self._call(session, call_id)
            changes: dict[str, Any] = {}
            if notes is not None and clean_notes != call.notes:
                call.notes, changes["notes"] = clean_notes, True
            if follow_up_on is not None and day != call.follow_up_on:
                call.follow_up_on, changes["follow_up_on"] = day, day.isoformat() if day else None
                call.follow_up_done_at = None
            if done and call.follow_up_done_at is None:
                call.follow_up_done_at, changes["follow_up_done"] = now, True
            call.updated_at = now
            audit.record(session, staff, "change", at=now, object_type="call", object_id=call_id, detail=changes)
            return call

    def escalate(
        self,
        call_id: int,
        staff: Principal,
        *,
        priority: Priority,
        deadline: date | None = None,
        description: str | None = None,
    ) -> Ticket:
        """Open the desk's ticket for this call (same matching, SLA and outbox as the chat) and link both ways."""
        if priority not in ("urgent", "normal"):
            raise CallFormError({"priority": "请选择紧急或普通"})
        with self.sessions() as session:
            call = self._call(session, call_id)
            if call.ticket_id is not None:
                number = session.scalar(select(Ticket.number).where(Ticket.id == call.ticket_id))
                raise DeskError(f"这通来电已转为工单 {number}", "wrong_state")
            if not call.phone:
                raise CallFormError({"phone": "转专家前请先补充联系电话或邮箱，专家答复需要联系到企业"})
            if call.anonymised_at is not None:
                raise DeskError("这通来电的个人信息已按保存期限匿名，不能再转专家", "wrong_state")
        text = description.strip() if description and description.strip() else call.question
        if call.notes:
            text += f"\n\n坐席备注：{call.notes}"
        transcript = [TranscriptEntry("user", call.question, call.received_at)]
        if call.answer_given_at and call.answer:
            transcript.append(TranscriptEntry("staff", call.answer, call.answer_given_at))

        def link(session: Session, ticket: Ticket) -> None:
            linked = session.execute(
                update(Call)
                .where(Call.id == call_id, Call.ticket_id.is_(None))
                .values(ticket_id=ticket.id, updated_at=ticket.created_at)
            ).rowcount
            if linked != 1:
                raise DeskError("这通来电刚刚已被转为工单", "wrong_state")
            audit.record(
                session,
                staff,
                "escalate",
                at=ticket.created_at,
                object_type="call",
                object_id=call_id,
                detail={"ticket": ticket.number, "priority": priority},
            )

        ticket = self.desk.open_ticket(
            channel="hotline",
            sender_id=f"call:{call_id}",
            company=call.company,
            contact=call.phone,
            contact_name=call.caller_name,
            description=text[:10_000],
            country=call.country,
            ip_type=call.ip_type,
            dispute_type=call.dispute_type,
            industry=(call.entities or {}).get("industry", [None])[0],
            deadline=deadline,
            priority=priority,
            language="zh",
            transcript=transcript,
            actor=f"staff:{staff.username}",
            on_opened=link,
        )
        log.info("console: call %s escalated by %s as %s (%s)", call_id, staff.username, ticket.number, priority)
        return ticket

    # ----------------------------------------------------------------------------------------------------------
    # Reading

    def get(self, call_id: int, viewer: Principal) -> CallRow:
        """One call, and an audit entry that `viewer` looked at it (it holds personal data)."""
        now = self.clock.now()
        with self.sessions.begin() as session:
            rows = self._rows(session, self._select().where(Call.id == call_id))
            if not rows:
                raise DeskError(f"没有编号为 {call_id} 的来电记录", "not_found")
            audit.record(session, viewer, "view", at=now, object_type="call", object_id=call_id)
            return rows[0]

    def search(self, filters: CallFilter, *, limit: int = LIST_LIMIT) -> list[CallRow]:
        statement = self._select()
        statement = statement.where(
            *on_days(Call.received_at, filters.date_from, filters.date_to, self.desk.settings.hours.zone)
        )
        if filters.status == "open":
            statement = statement.where(Call.ticket_id.is_(None), Call.answer_given_at.is_(None))
        elif filters.status == "given":
            statement = statement.where(Call.ticket_id.is_(None), Call.answer_given_at.is_not(None))
        elif filters.status == "escalated":
            statement = statement.where(Call.ticket_id.is_not(None))
        elif filters.status == "follow_up":
            statement = statement.where(Call.follow_up_on <= self.today(), Call.follow_up_done_at.is_(None))
        statement = statement.where(
            *equal_where_given(
                [
                    (Call.intent, filters.topic),
                    (Call.country, filters.country),
                    (Call.ip_type, filters.ip_type),
                    (Call.staff_user_id, filters.staff),
                    (Ticket.expert_id, filters.expert),
                ]
            )
        )
        if filters.q:
            pattern = f"%{_escape_like(filters.q)}%"
            statement = statement.where(
                or_(
                    Call.company.ilike(pattern, escape="\\"),
                    Call.caller_name.ilike(pattern, escape="\\"),
                    Call.question.ilike(pattern, escape="\\"),
                    Call.phone.like(pattern, escape="\\"),
                    Ticket.number.ilike(pattern, escape="\\"),
                )
            )
        with self.sessions() as session:
            return self._rows(session, statement.order_by(Call.received_at.desc(), Call.id.desc()).limit(limit))

    def due_follow_ups(self) -> list[CallRow]:
        return self.search(CallFilter(status="follow_up"), limit=100)

    def company_history(self, prefix: str, *, limit: int = 8) -> CompanyHistory:
        """Earlier calls and tickets of companies whose name contains what staff typed, newest first."""
        prefix = strip_control(prefix or "").strip()[:100]
        history = CompanyHistory()
        if len(prefix) < 2:
            return history
        pattern = f"%{_escape_like(prefix)}%"
        with self.sessions() as session:
            for call in session.scalars(
                select(Call)
                .where(Call.company.ilike(pattern, escape="\\"))
                .order_by(Call.received_at.desc())
                .limit(limit)
            ):
                history.calls.append(
                    {
                        "id": call.id,
                        "company": call.company,
                        "at": call.received_at,
                        "question": call.question,
                        "caller_name": call.caller_name,
                        "phone": call.phone,
                        "intent": call.intent,
                    }
                )
            for ticket in session.scalars(
                select(Ticket)
                .where(Ticket.company.ilike(pattern, escape="\\"))
                .order_by(Ticket.created_at.desc())
                .limit(limit)
            ):
                history.tickets.append(
                    {
                        "number": ticket.number,
                        "company": ticket.company,
                        "at": ticket.created_at,
                        "status": ticket.status,
                        "priority": ticket.priority,
                        "contact": ticket.contact,
                        "contact_name": ticket.contact_name,
                    }
                )
        return history

    def history(self, call_id: int) -> list[dict[str, Any]]:
        """The call's own audit trail and, once escalated, its ticket's events, in time order."""
        from bot.desk.schema import AuditEntry

        with self.sessions() as session:
            call = self._call(session, call_id)
            lines = [
                {"at": e.at, "who": e.username, "action": e.action, "detail": e.detail}
                for e in session.scalars(
                    select(AuditEntry)
                    .where(AuditEntry.object_type == "call", AuditEntry.object_id == str(call_id))
                    .order_by(AuditEntry.at, AuditEntry.id)
                )
                if e.action != "view"
            ]
            if call.ticket_id is not None:
                lines += [
                    {
                        "at": e.at,
                        "who": e.actor,
                        "action": f"ticket:{e.action}",
                        "detail": {"from": e.from_status, "to": e.to_status, "reason": e.reason},
                    }
                    for e in session.scalars(
                        select(TicketEvent)
                        .where(TicketEvent.ticket_id == call.ticket_id)
                        .order_by(TicketEvent.at, TicketEvent.id)
                    )
                ]
        return sorted(lines, key=lambda line: line["at"])

    @staticmethod
    def _select() -> Any:
        return (
            select(Call, ConsoleUser.display_name, Ticket.number, Ticket.status, Expert.name)
            .outerjoin(ConsoleUser, ConsoleUser.id == Call.staff_user_id)
            .outerjoin(Ticket, Ticket.id == Call.ticket_id)
            .outerjoin(Expert, Expert.id == Ticket.expert_id)
        )

    @staticmethod
    def _rows(session: Session, statement: Any) -> list[CallRow]:
        return [CallRow(*row) for row in session.execute(statement).all()]

    @staticmethod
    def _call(session: Session, call_id: int) -> Call:
        call = session.get(Call, call_id)
        if call is None:
            raise DeskError(f"没有编号为 {call_id} 的来电记录", "not_found")
        return call


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
