"""Escalation tickets as the console shows them: the staff's list with filters and export, one ticket with its
whole history, the expert's own cases, and the staff inbox of callbacks, alerts and follow-ups.

Moves of a ticket (assign, accept, answer, close …) are the desk's (bot/desk/tickets.py): it checks them and writes the
ticket's own trail. This module only reads, translates the desk's refusals into Chinese for the page, and writes
the console's audit entries. Outbox messages on the channels people deliver — "hotline" (the caller of a ticket
opened from a call must be phoned) and the staff alert channel — are marked sent here when staff say they did it.

One module for the tickets' pages (about 440 lines): the list's filter, the detail's story and the inbox read the same
tables with the same labels; the routes are in views/tickets.py and views/inbox.py.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Mapping

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.desk import audit
from bot.console.accounts import Principal
from bot.console.filters import FilterFields, FilterQuery, Problems, equal_where_given, on_days
from bot.desk.tickets import Desk, DeskError
from bot.desk.fields import FieldError, FormError, clean_text
from bot.desk.schema import (
    TICKET_STATUSES,
    Attachment,
    Call,
    Expert,
    OutboxMessage,
    Ticket,
    TicketEvent,
    TranscriptLine,
)
from bot.desk.outbox import KIND_LABELS as MESSAGE_KINDS, acknowledge
from bot.desk.privacy import redact_contacts

log = logging.getLogger(__name__)

LIST_LIMIT = 500
MAX_REASON = 2_000
MAX_ANSWER = 10_000
#: The outbox channel of callers whose ticket came from a hotline call: staff phone them (recipient "call:<id>").
HOTLINE_CHANNEL = "hotline"
OPEN_FOR_EXPERT = ("assigned", "accepted", "answered")

CHANNEL_LABELS = {
    "hotline": "热线",
    "telegram": "Telegram",
    "wechat": "微信公众号",
    "rest": "网页",
    "cmdline": "命令行",
    "email": "邮件",
    "sms": "短信",
    "staff": "坐席提醒",
}
EVENT_LABELS = {
    "opened": "建立工单",
    "assigned": "分配专家",
    "accepted": "专家受理",
    "declined": "专家婉拒",
    "answered": "专家答复",
    "reassigned": "改派",
    "sla_expired": "超时未受理",
    "staff_alerted": "提醒坐席",
    "closed": "关闭",
    "reopened": "重开",
    "rated": "企业评价",
    "follow_up_queued": "发送回访",
    "follow_up_recorded": "记录回访",
    "attached": "附件",
    "caller_notified": "已电话告知来电人",
    "contact_allowed": "企业同意专家直接联系",
}
OUTBOX_STATUS_LABELS = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "dead": "发送失败"}

# The desk's refusals are written for logs (English); what each means for the person who clicked.
_WHY_NOT = (
    ("no longer in the pool", "已不在专家库中"),
    ("unavailable", "目前暂停接案"),
    ("does not work in", "不使用该工单的语言"),
    ("is already with expert", "工单已在这位专家名下"),
)


class TicketFormError(FormError):
    """A form on a ticket page filled in wrongly."""


def desk_problem(error: DeskError, doing: str, status_labels: Mapping[str, str]) -> str:
    """The desk's refusal as a sentence for the page that asked: what was not done, and why. The desk words its
    refusals for logs, in English; `doing` is the verb in Chinese ("关闭"), `status_labels` names the states."""
    text = str(error)
    if error.code == "not_found":
        return f"未能{doing}：没有这个工单。"
    if error.code == "wrong_expert":
        return f"未能{doing}：这个案件已不在您名下（可能已超时转交或被改派）。"
    for english, chinese in _WHY_NOT:
        if english in text:
            return f"未能{doing}：{chinese}。"
    if error.code == "wrong_state":
        match = re.search(r"\bis (?:already )?(new|assigned|accepted|answered|closed)\b", text)
        state = status_labels.get(match.group(1), match.group(1)) if match else "已变化"
        return f"未能{doing}：工单当前状态为“{state}”，不能{doing}。"
    return f"未能{doing}：{text}"


def clean_reason(raw: str | None) -> str:
    """A reason typed on a ticket page; every move staff or an expert make on a ticket says why."""
    if not (raw or "").strip():
        raise TicketFormError({"reason": "请填写原因"})
    try:
        return clean_text(raw or "", max_length=MAX_REASON, what=("原因", "reason"))
    except FieldError as error:
        raise TicketFormError({"reason": error.zh}) from None


def clean_answer(raw: str | None) -> str:
    """The expert's answer to the enterprise: required, at most 10 000 characters."""
    if not (raw or "").strip():
        raise TicketFormError({"answer": "请填写答复内容"})
    try:
        return clean_text(raw or "", max_length=MAX_ANSWER, what=("答复内容", "answer"))
    except FieldError as error:
        raise TicketFormError({"answer": error.zh}) from None


@dataclass(frozen=True)
class TicketFilter(FilterFields):
    """The ticket list's filters; every one given must match."""

    date_from: date | None = None
    date_to: date | None = None
    status: str | None = None  # a ticket status, or follow_up (closed, follow-up due, not sent), overdue (SLA missed)
    priority: str | None = None
    country: str | None = None
    ip_type: str | None = None
    dispute_type: str | None = None
    channel: str | None = None
    expert: int | None = None
    q: str | None = None

    STATUSES = (*TICKET_STATUSES, "follow_up", "overdue")

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> tuple["TicketFilter", Problems]:
        """The filter from a query string, and what was ignored because it was malformed (shown above the list)."""
        read = (
            FilterQuery(query)
            .dates("date_from", "date_to")
            .ids("expert", label="专家")
            .choice("status", cls.STATUSES, "状态")
            .choice("priority", ("urgent", "normal"), "紧急程度")
            .texts("country", "ip_type", "dispute_type", "channel", "q")
        )
        return cls(**read.values), read.problems


@dataclass(frozen=True)
class TicketRow:
    """A ticket as lists and exports show it."""

    ticket: Ticket
    expert_name: str | None
    call_id: int | None


@dataclass
class TicketDetail:
    """Everything about one ticket, read in one go for its page."""

    ticket: Ticket
    expert_name: str | None
    call: Call | None
    transcript: list[TranscriptLine]
    attachments: list[Attachment]
    events: list[TicketEvent]
    messages: list[OutboxMessage]
    actors: dict[str, str] = field(default_factory=dict)  # an event's actor → how the page names them
    #: For an expert: whether the enterprise's contact is shown in clear (it agreed to be contacted by them).
    contact_in_clear: bool = False


class _Masked:
    """A read-only view of a stored row with some fields replaced (the masked texts an expert reads)."""

    def __init__(self, row: Any, **replaced: Any) -> None:
        self._row, self._replaced = row, replaced

    def __getattr__(self, name: str) -> Any:
        replaced = self.__dict__.get("_replaced", {})
        return replaced[name] if name in replaced else getattr(self.__dict__["_row"], name)


def masked_for_expert(detail: TicketDetail) -> TicketDetail:
    """The case as an expert reads it before the enterprise agreed to be contacted: every phone number and e-mail
    address in the description and the transcript masked (the facts box masks the contact itself)."""
    ticket = detail.ticket
    known = [ticket.contact]
    return replace(
        detail,
        ticket=_Masked(ticket, description=redact_contacts(ticket.description, known)),  # type: ignore[arg-type]
        transcript=[_Masked(line, text=redact_contacts(line.text, known)) for line in detail.transcript],  # type: ignore[misc]
        contact_in_clear=False,
    )


@dataclass(frozen=True)
class PoolEntry:
    """An expert as the assign form offers them: whether they can take cases and how many they hold."""

    id: int
    name: str
    available: bool
    open_cases: int
    max_open_cases: int
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Callback:
    """A message for a caller whose ticket came from a hotline call, waiting for staff to phone it through."""

    message: OutboxMessage
    ticket: Ticket | None
    call: Call | None

    @property
    def text(self) -> str:
        return str(self.message.payload.get("text") or "")


@dataclass(frozen=True)
class Alert:
    """A staff alert (urgent case, nobody to assign, SLA missed) waiting to be acknowledged."""

    message: OutboxMessage
    ticket: Ticket | None

    @property
    def text(self) -> str:
        return str(self.message.payload.get("text") or "")


@dataclass
class ExpertCases:
    open: list[Ticket] = field(default_factory=list)
    closed: list[Ticket] = field(default_factory=list)


class TicketBoard:
    """The console's reading of the desk's tickets, and the audit entries its pages write."""

    def __init__(self, sessions: sessionmaker, clock: Clock, desk: Desk) -> None:
        self.sessions = sessions
        self.clock = clock
        self.desk = desk

    # ----------------------------------------------------------------------------------------------------------
    # Staff: list, export, one ticket

    def search(self, filters: TicketFilter, *, limit: int = LIST_LIMIT) -> list[TicketRow]:
        statement = (
            select(Ticket, Expert.name, Call.id)
            .outerjoin(Expert, Expert.id == Ticket.expert_id)
            .outerjoin(Call, Call.ticket_id == Ticket.id)
        )
        now = self.clock.now()
        statement = statement.where(
            *on_days(Ticket.created_at, filters.date_from, filters.date_to, self.desk.settings.hours.zone)
        )
        if filters.status == "follow_up":
            statement = statement.where(*self._follow_up_due(now))
        elif filters.status == "overdue":
            statement = statement.where(Ticket.status == "assigned", Ticket.sla_due_at <= now)
        elif filters.status:
            statement = statement.where(Ticket.status == filters.status)
        statement = statement.where(
            *equal_where_given(
                [
                    (getattr(Ticket, name), getattr(filters, name))
                    for name in ("priority", "country", "ip_type", "dispute_type", "channel")
                ]
                + [(Ticket.expert_id, filters.expert)]
            )
        )
        if filters.q:
            pattern = f"%{_escape_like(filters.q)}%"
            statement = statement.where(
                or_(
                    Ticket.number.ilike(pattern, escape="\\"),
                    Ticket.company.ilike(pattern, escape="\\"),
                    Ticket.contact_name.ilike(pattern, escape="\\"),
                    Ticket.contact.ilike(pattern, escape="\\"),
                    Ticket.description.ilike(pattern, escape="\\"),
                )
            )
        statement = statement.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)
        with self.sessions() as session:
            return [TicketRow(*row) for row in session.execute(statement).all()]

    def channels(self) -> list[str]:
        """The channels tickets have come in on, for the filter."""
        with self.sessions() as session:
            return list(session.scalars(select(Ticket.channel).distinct().order_by(Ticket.channel)))

    def record_export(self, viewer: Principal, filters: TicketFilter, rows: int, full: bool) -> None:
        with self.sessions.begin() as session:
            audit.record(
                session,
                viewer,
                "export",
                at=self.clock.now(),
                object_type="tickets",
                detail={"filters": filters.as_query(), "rows": rows, "full_numbers": full},
            )

    def detail(self, number: str, viewer: Principal) -> TicketDetail:
        """One ticket with all it holds, and an audit entry that `viewer` looked at it (it holds personal data)."""
        with self.sessions.begin() as session:
            detail = self._detail(session, number)
            audit.record(
                session, viewer, "view", at=self.clock.now(), object_type="ticket", object_id=detail.ticket.number
            )
            return detail

    def pool(self) -> list[PoolEntry]:
        """The experts staff may assign a ticket to, with their load; unavailable ones are listed last."""
        open_counts = (
            select(Ticket.expert_id, func.count().label("n"))
            .where(Ticket.status.in_(OPEN_FOR_EXPERT))
            .group_by(Ticket.expert_id)
            .subquery()
        )
        with self.sessions() as session:
            rows = session.execute(
                select(Expert, func.coalesce(open_counts.c.n, 0))
                .outerjoin(open_counts, open_counts.c.expert_id == Expert.id)
                .order_by(Expert.available.desc(), Expert.name, Expert.id)
            ).all()
        return [PoolEntry(e.id, e.name, e.available, n, e.max_open_cases, tuple(e.languages or ())) for e, n in rows]

    def record_move(self, viewer: Principal, action: str, number: str, detail: dict[str, Any]) -> None:
        """The console's audit entry for a move the desk has made (the desk's own trail holds the move itself)."""
        with self.sessions.begin() as session:
            audit.record(
                session, viewer, action, at=self.clock.now(), object_type="ticket", object_id=number, detail=detail
            )

    # ----------------------------------------------------------------------------------------------------------
    # Experts: their own cases only

    def expert_cases(self, expert_id: int) -> ExpertCases:
        cases = ExpertCases()
        with self.sessions() as session:
            for ticket in session.scalars(
                select(Ticket)
                .where(Ticket.expert_id == expert_id, Ticket.status.in_((*OPEN_FOR_EXPERT, "closed")))
                .order_by(Ticket.created_at.desc(), Ticket.id.desc())
                .limit(LIST_LIMIT)
            ):
                (cases.closed if ticket.status == "closed" else cases.open).append(ticket)
        cases.open.sort(key=lambda t: (t.status != "assigned", t.priority != "urgent", t.sla_due_at or t.created_at))
        return cases

    def expert_case(self, number: str, viewer: Principal) -> TicketDetail:
        """The expert's own case, audited as viewed; any other ticket is "not found" — whether it exists is not
        the expert's to know — and the probe is audited as refused (`refuse`)."""
        with self.sessions.begin() as session:
            if not self._holds(session, number, viewer.expert_id):
                self._refused(session, viewer, number, "view")
                detail = None
            else:
                detail = self._detail(session, number)
                now = self.clock.now()
                audit.record(session, viewer, "view", at=now, object_type="ticket", object_id=detail.ticket.number)
                if Desk.direct_contact_allowed(session, detail.ticket, viewer.expert_id):
                    # The enterprise agreed to be contacted by this expert: they see its contact, and that is audited.
                    audit.record(
                        session,
                        viewer,
                        "view_contact",
                        at=now,
                        object_type="ticket",
                        object_id=detail.ticket.number,
                        detail={"reason": "enterprise agreed"},
                    )
                    detail.contact_in_clear = True
                else:
                    detail = masked_for_expert(detail)
        if detail is None:
            raise DeskError(f"no ticket {number} of expert {viewer.expert_id}", "not_found")
        return detail

    def holds(self, number: str, expert_id: int | None) -> bool:
        """Whether the ticket is with this expert now."""
        with self.sessions() as session:
            return self._holds(session, number, expert_id)

    def refuse(self, viewer: Principal, number: str, doing: str) -> None:
        """Audit an expert's try at a case that is not theirs (or does not exist): the page says "not found" either
        way, the trail says who tried what."""
        with self.sessions.begin() as session:
            self._refused(session, viewer, number, doing)

    def _refused(self, session: Session, viewer: Principal, number: str, doing: str) -> None:
        log.warning("console: expert %s refused %s of ticket %s (not theirs)", viewer.username, doing, number[:20])
        audit.record(
            session,
            viewer,
            "refused",
            at=self.clock.now(),
            object_type="ticket",
            object_id=number[:20],
            detail={"doing": doing},
        )

    @staticmethod
    def _holds(session: Session, number: str, expert_id: int | None) -> bool:
        if expert_id is None:
            return False
        owner = session.scalar(select(Ticket.expert_id).where(Ticket.number == _number(number)))
        return owner is not None and owner == expert_id

    # ----------------------------------------------------------------------------------------------------------
    # The staff inbox

    def callbacks(self, *, limit: int = 200) -> list[Callback]:
        """Pending messages for hotline callers (expert answers, notices), oldest first: each is a phone call to make."""
        with self.sessions() as session:
            messages = self._pending(session, HOTLINE_CHANNEL, limit)
            tickets = self._tickets_of(session, messages)
            calls = (
                {
                    c.ticket_id: c
                    for c in session.scalars(select(Call).where(Call.ticket_id.in_([t.id for t in tickets.values()])))
                }
                if tickets
                else {}
            )
            result = []
            for message in messages:
                ticket = tickets.get(str(message.payload.get("ticket")))
                call = calls.get(ticket.id) if ticket else None
                if call is None:
                    call = session.get(Call, _call_id(message.recipient)) if _call_id(message.recipient) else None
                result.append(Callback(message, ticket, call))
        return result

    def alerts(self, *, limit: int = 200) -> list[Alert]:
        """Pending staff alerts, oldest first."""
        with self.sessions() as session:
            messages = self._pending(session, self.desk.settings.staff_channel, limit)
            tickets = self._tickets_of(session, messages)
        return [Alert(m, tickets.get(str(m.payload.get("ticket")))) for m in messages]

    def follow_ups_due(self, *, limit: int = 200) -> list[Ticket]:
        """Closed tickets whose follow-up is due and has not gone out yet."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(Ticket)
                    .where(*self._follow_up_due(self.clock.now()))
                    .order_by(Ticket.follow_up_due_at)
                    .limit(limit)
                )
            )

    def acknowledge(self, message_id: int, viewer: Principal) -> OutboxMessage:
        """Staff delivered this message themselves (phoned the caller, dealt with the alert): mark it sent, audited,
        and for a caller's message say so in the ticket's trail too. A message already marked (a second click,
        a colleague) is refused rather than counted twice."""
        now = self.clock.now()
        channels = (HOTLINE_CHANNEL, self.desk.settings.staff_channel)
        with self.sessions.begin() as session:
            message = session.get(OutboxMessage, message_id)
            if message is None or message.channel not in channels:
                raise DeskError(f"no console message {message_id}", "not_found")
            if not acknowledge(session, message_id, channels=channels, by=f"console:{viewer.username}"[:100], now=now):
                raise DeskError(f"message {message_id} is {message.status}", "wrong_state")
            number = str(message.payload.get("ticket") or "")
            if message.channel == HOTLINE_CHANNEL:
                ticket = session.scalar(select(Ticket).where(Ticket.number == number))
                if ticket is not None:
                    session.add(
                        TicketEvent(
                            ticket_id=ticket.id,
                            at=now,
                            actor=f"{viewer.role}:{viewer.username}"[:64],
                            action="caller_notified",
                            from_status=ticket.status,
                            to_status=ticket.status,
                            reason=MESSAGE_KINDS.get(message.kind, message.kind),
                            data={"outbox_id": message.id, "kind": message.kind},
                        )
                    )
            audit.record(
                session,
                viewer,
                "acknowledge",
                at=now,
                object_type="outbox",
                object_id=message_id,
                detail={"ticket": number or None, "kind": message.kind, "channel": message.channel},
            )
            session.refresh(message)
        log.info("console: outbox %s (%s, %s) acknowledged by %s", message_id, message.kind, number, viewer.username)
        return message

    # ----------------------------------------------------------------------------------------------------------
    # Internals

    def _detail(self, session: Session, number: str) -> TicketDetail:
        row = session.execute(
            select(Ticket, Expert.name)
            .outerjoin(Expert, Expert.id == Ticket.expert_id)
            .where(Ticket.number == _number(number))
        ).first()
        if row is None:
            raise DeskError(f"no ticket {number}", "not_found")
        ticket, expert_name = row
        detail = TicketDetail(
            ticket=ticket,
            expert_name=expert_name,
            call=session.scalar(select(Call).where(Call.ticket_id == ticket.id)),
            transcript=list(
                session.scalars(
                    select(TranscriptLine)
                    .where(TranscriptLine.ticket_id == ticket.id)
                    .order_by(TranscriptLine.at, TranscriptLine.id)
                )
            ),
            attachments=list(
                session.scalars(
                    select(Attachment)
                    .where(Attachment.ticket_id == ticket.id)
                    .order_by(Attachment.created_at, Attachment.id)
                )
            ),
            events=list(
                session.scalars(
                    select(TicketEvent)
                    .where(TicketEvent.ticket_id == ticket.id)
                    .order_by(TicketEvent.at, TicketEvent.id)
                )
            ),
            # The desk keys every message of a ticket "<number>:<event id>:<kind>".
            messages=list(
                session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.idempotency_key.like(f"{_escape_like(ticket.number)}:%", escape="\\"))
                    .order_by(OutboxMessage.created_at, OutboxMessage.id)
                )
            ),
        )
        detail.actors = _actor_labels(session, {event.actor for event in detail.events})
        return detail

    @staticmethod
    def _follow_up_due(now: datetime) -> tuple[Any, ...]:
        return (Ticket.status == "closed", Ticket.follow_up_sent_at.is_(None), Ticket.follow_up_due_at <= now)

    @staticmethod
    def _pending(session: Session, channel: str, limit: int) -> list[OutboxMessage]:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(and_(OutboxMessage.channel == channel, OutboxMessage.status == "pending"))
                .order_by(OutboxMessage.created_at, OutboxMessage.id)
                .limit(limit)
            )
        )

    @staticmethod
    def _tickets_of(session: Session, messages: list[OutboxMessage]) -> dict[str, Ticket]:
        numbers = {str(m.payload.get("ticket")) for m in messages if m.payload.get("ticket")}
        if not numbers:
            return {}
        return {t.number: t for t in session.scalars(select(Ticket).where(Ticket.number.in_(numbers)))}


def _actor_labels(session: Session, actors: set[str]) -> dict[str, str]:
    """ "expert:3" → "专家 赵律师", "staff:wang" → "坐席 wang", "system" → "系统": the trail in words staff read."""
    kinds = {"staff": "坐席", "admin": "管理员", "enterprise": "企业", "expert": "专家"}
    expert_ids = {
        int(a.split(":", 1)[1])
        for a in actors
        if a.startswith("expert:") and a.split(":", 1)[1].isdigit() and len(a) < 20
    }
    names = (
        dict(session.execute(select(Expert.id, Expert.name).where(Expert.id.in_(expert_ids))).all())
        if expert_ids
        else {}
    )
    labels = {}
    for name in actors:
        kind, _, who = name.partition(":")
        if kind == "expert" and who.isdigit() and int(who) in names:
            who = names[int(who)]
        elif kind == "enterprise":
            who = ""
        labels[name] = {"system": "系统", "bot": "机器人"}.get(name) or f"{kinds.get(kind, kind)} {who}".strip()
    return labels


def _number(number: str) -> str:
    return str(number).strip().upper()


def _call_id(recipient: str) -> int | None:
    """The call behind a hotline recipient "call:<id>"."""
    head, _, tail = (recipient or "").partition(":")
    return int(tail) if head == "call" and tail.isdigit() and len(tail) < 10 else None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
