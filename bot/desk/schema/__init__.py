"""The desk's tables, one module per area: the escalation desk (tickets.py: the expert pool, tickets with their
audit trail, transcript and attachments), the outbox (outbox.py), the hotline log of calls and chat questions
(hotline.py), the console's accounts, sessions and audit trail (accounts.py), risk warnings with their subscribers
and deliveries (risk_warnings.py), trade-fair registrations with their scheduled notices (exhibitions.py), the
questions the bot could not answer well, what enterprises said of its answers and the knowledge's published versions
(knowledge.py), and the NLU model's retraining jobs (retraining.py).

Importing the package registers every table on `Base.metadata`, so the schema is always whole; the names are
handed on here so that callers import them from one place. Times are UTC and timezone-aware on both databases
(base.py). Lists of vocabulary values are JSON, holding canonical Chinese values (专利, 美国, 机械装备) and
language codes (zh, en).
"""

from bot.desk.schema.accounts import USER_ROLES, AuditEntry, ConsoleSession, ConsoleUser, SignInAttempt
from bot.desk.schema.base import Base, UTCDateTime, mapper_registry
from bot.desk.schema.exhibitions import EXHIBITION_OUTCOMES, EXHIBITION_STAGES, ExhibitionNotice, ExhibitionRegistration
from bot.desk.schema.hotline import CALL_CHANNELS, Call, ChatTurn
from bot.desk.schema.knowledge import GAP_KINDS, GAP_STATUSES, AnswerFeedback, KnowledgeGap
from bot.desk.schema.knowledge import PUBLICATION_KINDS, KnowledgePublication, KnowledgeRejection, KnowledgeVersion
from bot.desk.schema.outbox import OUTBOX_STATUSES, OutboxMessage
from bot.desk.schema.retraining import RETRAIN_STATES, RetrainJob
from bot.desk.schema.risk_warnings import RiskWarning, WarningDelivery, WarningSubscriber, WarningSubscription
from bot.desk.schema.tickets import (
    TICKET_STATUSES,
    TRANSCRIPT_ROLES,
    Attachment,
    Expert,
    Ticket,
    TicketCounter,
    TicketEvent,
    TranscriptLine,
)

__all__ = [
    "CALL_CHANNELS",
    "EXHIBITION_OUTCOMES",
    "EXHIBITION_STAGES",
    "GAP_KINDS",
    "GAP_STATUSES",
    "OUTBOX_STATUSES",
    "PUBLICATION_KINDS",
    "RETRAIN_STATES",
    "TICKET_STATUSES",
    "TRANSCRIPT_ROLES",
    "USER_ROLES",
    "AnswerFeedback",
    "Attachment",
    "AuditEntry",
    "Base",
    "Call",
    "ChatTurn",
    "ConsoleSession",
    "ConsoleUser",
    "ExhibitionNotice",
    "ExhibitionRegistration",
    "Expert",
    "KnowledgeGap",
    "KnowledgePublication",
    "KnowledgeRejection",
    "KnowledgeVersion",
    "OutboxMessage",
    "RetrainJob",
    "RiskWarning",
    "SignInAttempt",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "TranscriptLine",
    "UTCDateTime",
    "WarningDelivery",
    "WarningSubscriber",
    "WarningSubscription",
    "mapper_registry",
]
