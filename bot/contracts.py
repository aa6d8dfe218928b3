"""The contracts between the parts, as types, in one place: what every turn of the chat says it did (the reply
contract), what the desk queues for the channels to deliver (the outbox's messages and their payloads), the
states of a ticket and of a message, and the names of the channels. docs/ARCHITECTURE.md explains them.

The actions write replies of these kinds, the channels and the console read them, the desk writes and the channels'
workers read the payloads, and the tests hold all of them to these definitions. A value outside them is a type
error (`Literal`) where mypy sees it, and refused at run time where a value comes from outside (`is_reply_kind`).
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict, get_args

from knowledge import Language

LANGUAGES: tuple[Language, ...] = get_args(Language)
Priority = Literal["urgent", "normal"]
PRIORITIES: tuple[Priority, ...] = get_args(Priority)

# --------------------------------------------------------------------------------------------------------------------
# The reply contract: every turn ends with one message whose `custom` object says what the turn did.

#: What a turn did. `holding`: the question is kept while a part is down; its answer follows in the conversation.
ReplyKind = Literal[
    "answer",
    "escalation",
    "out_of_scope",
    "clarify",
    "greeting",
    "goodbye",
    "help",
    "warning",
    "form",
    "holding",
]
REPLY_KINDS: tuple[ReplyKind, ...] = get_args(ReplyKind)
#: The kinds the actions write; `holding` is written by the channel when the action server cannot answer.
ACTION_REPLY_KINDS: tuple[ReplyKind, ...] = tuple(kind for kind in REPLY_KINDS if kind != "holding")
#: For `out_of_scope`: `refer`, another office handles it and the reply names it; `refuse`, harmful, illegal or aimed
#: at the bot itself, with no sources.
OutOfScopeReason = Literal["refer", "refuse"]
OUT_OF_SCOPE_REASONS: tuple[OutOfScopeReason, ...] = get_args(OutOfScopeReason)


class _ReplyFields(TypedDict):
    kind: ReplyKind
    language: Language
    #: The knowledge items used (`policy:7`, `faq:337-timeline`, `case:…`, `warning:…`); empty when none.
    sources: list[str]


class Reply(_ReplyFields, total=False):
    """The `custom` object of a turn's last message."""

    ticket: str | None  # escalation: the ticket's number once created
    priority: Priority  # escalation
    ask: str  # form: the slot asked for (company, contact, country, ip_type, description, deadline, …)
    reason: OutOfScopeReason  # out_of_scope
    suggestions: list[str]  # clarify: the knowledge item ids offered as "did you mean" buttons
    held: str  # holding: the held question's id


def is_reply_kind(value: Any) -> bool:
    return value in REPLY_KINDS


# --------------------------------------------------------------------------------------------------------------------
# Channels

#: Where a conversation comes from: Rasa's input channel name, recorded on tickets, registrations and subscribers.
ConversationChannel = Literal["rest", "telegram", "cmdline", "webchat", "wechat"]
CONVERSATION_CHANNELS: tuple[ConversationChannel, ...] = get_args(ConversationChannel)
#: Where the desk sends an expert's notice when the expert has no Telegram chat.
ExpertChannel = Literal["telegram", "email", "sms"]
#: How a hotline call came in (the console's log).
CallChannel = Literal["phone", "wechat", "email", "visit", "other"]
CALL_CHANNELS: tuple[CallChannel, ...] = get_args(CallChannel)

# --------------------------------------------------------------------------------------------------------------------
# Tickets and the outbox

TicketStatus = Literal["new", "assigned", "accepted", "answered", "closed"]
TICKET_STATUSES: tuple[TicketStatus, ...] = get_args(TicketStatus)
#: A ticket in any of these still needs someone.
OPEN_STATUSES: tuple[TicketStatus, ...] = ("new", "assigned", "accepted", "answered")
OutboxStatus = Literal["pending", "sending", "sent", "dead"]
OUTBOX_STATUSES: tuple[OutboxStatus, ...] = get_args(OutboxStatus)

#: What an outbox message is; its payload's shape follows from it (below).
MessageKind = Literal[
    "case_assigned",
    "case_reopened",  # to an expert: ExpertNotice
    "case_accepted",
    "expert_answer",
    "follow_up",  # to the enterprise's conversation: EnterpriseMessage
    "staff_alert",
    "undelivered",  # to staff: StaffAlert
    "warning",  # WarningPush
    "exhibition_notice",  # FairNotice
    "held_question",  # HeldQuestionPayload
]
MESSAGE_KINDS: tuple[MessageKind, ...] = get_args(MessageKind)


class TranscriptLinePayload(TypedDict):
    role: str
    text: str
    at: str


class ExpertNotice(TypedDict):
    """A new (or reopened) case, as its expert is told of it."""

    ticket: str
    text: str
    priority: Priority
    language: Language
    company: str
    contact_name: str | None
    country: str | None
    ip_type: str | None
    dispute_type: str | None
    industry: str | None
    description: str
    deadline: str | None
    sla_due_at: str | None
    transcript: list[TranscriptLinePayload]
    expert_id: int


class _EnterpriseFields(TypedDict):
    ticket: str
    text: str
    language: Language


class EnterpriseMessage(_EnterpriseFields, total=False):
    """What the desk tells the enterprise's conversation about its ticket."""

    expert_name: str | None  # case_accepted, expert_answer: the expert, when they agreed to be named


class StaffAlert(TypedDict, total=False):
    """What staff must look at: a ticket that needs a person, a training request, a message that did not arrive."""

    text: str
    priority: Priority
    ticket: str | None
    status: TicketStatus
    expert_id: int | None
    exhibition: int
    outbox_id: int  # undelivered: the message given up
    kind: MessageKind  # undelivered: its kind


class WarningPush(TypedDict):
    warning: int
    title: str
    language: Language


class FairNotice(TypedDict):
    """A reminder, on-site contact or question about a trade fair an enterprise registered for."""

    exhibition: int
    stage: str
    language: Language
    fair: str


class HeldQuestionPayload(TypedDict):
    """A question the REST channel held while the action server was down, answered when it is back."""

    message_id: str
    text: str
    language: Language
    metadata: dict[str, Any]
