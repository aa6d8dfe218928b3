"""A channel worker's durable inbox: every message is stored here before anything else is done with it.

The Telegram and WeChat workers each keep one, in a SQLite file of their own (var/telegram-inbox.db,
var/wechat-inbox.db) rather than in the desk's database: the inbox must take a message exactly when the rest is
down, and the desk's database may be a PostgreSQL server across the network. A local file has no such dependency.
One worker per bot or account is inherent (Telegram answers a second poller with 409 Conflict, a webhook or a
server URL has one address), so nothing needs to share the file.

What every channel's inbox holds:
- messages: each one by what identifies it across the channel's retries (a repeat is dropped), pending until it is
  handled. A conversation's messages are handled in the order they came; a conversation waits while its oldest
  message waits (a part is down), so answers never overtake each other.
- deliveries: what a piece of work sends (a turn's replies, a desk message), stored before the first is sent, with
  how many were sent, so a restart resumes where it stopped instead of answering twice.

A channel names the two tables and brings the columns that are its own (`Layout.define`): what identifies a message
and orders them, and what its conversations are called — Telegram's `update_id` and `chat_id`, WeChat's `key`,
`id` and `openid` — so each channel's files keep the layout they always had. The rest of the columns, and every
query, are the same for all channels. What else a channel stores (Telegram's buttons and languages, WeChat's menus)
it adds in its own subclass of `Inbox`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import JSON, Boolean, Column, Integer, MetaData, String, Table, Text, and_, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql import ColumnElement

from bot.desk.db import dialect_insert, make_engine, sessions
from bot.desk.schema import UTCDateTime

#: What identifies a message (Telegram's update id, WeChat's message key) and what a conversation is (a chat id, an
#: openid).
K = TypeVar("K")
C = TypeVar("C")

#: Handled messages are kept this long to drop repeats: Telegram keeps an unconfirmed update for 24 hours, WeChat
#: retries within seconds.
KEEP_HANDLED = timedelta(days=2)
#: A delivery that never finished (its conversation blocked the bot) is given up after this long.
KEEP_UNFINISHED = timedelta(days=14)
MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True)
class Layout:
    """A channel's two tables and which of their columns play which part."""

    messages: Table
    deliveries: Table
    #: What identifies a message: a repeat with the same value is dropped.
    key: Column
    #: What orders a conversation's messages.
    order: Column
    #: Whose conversation a message is (in `messages`), and a delivery is for (in `deliveries`).
    conversation: Column
    delivery_conversation: Column
    #: How long a finished delivery is kept.
    keep_delivered: timedelta

    @classmethod
    def define(
        cls,
        metadata: MetaData,
        *,
        messages: str,
        deliveries: str,
        key: Column,
        conversation: Column,
        order: Column | None = None,
        own: tuple[Column, ...] = (),
        keep_delivered: timedelta = KEEP_HANDLED,
    ) -> Layout:
        """The tables `messages` and `deliveries` in `metadata`. `order` is the key itself when not given; `own`
        columns stand after `acknowledged`, where WeChat's `passive` has always stood."""
        identity = (key,) if order is None else (order, key)
        message_table = Table(
            messages,
            metadata,
            *identity,
            conversation,
            Column("payload", JSON, nullable=False),
            #: pending → done, or failed when it cannot ever be handled (last_error says why)
            Column("status", String(8), nullable=False, default="pending", index=True),
            Column("attempts", Integer, nullable=False, default=0),
            Column("next_attempt_at", UTCDateTime, nullable=False),
            #: The user has been told the message was received and will be answered (once, when it has to wait).
            Column("acknowledged", Boolean, nullable=False, default=False),
            *own,
            Column("last_error", Text),
            Column("received_at", UTCDateTime, nullable=False),
            Column("done_at", UTCDateTime),
        )
        delivery_conversation = Column(conversation.name, conversation.type, nullable=False)
        delivery_table = Table(
            deliveries,
            metadata,
            Column("key", String(200), primary_key=True),
            delivery_conversation,
            Column("messages", JSON, nullable=False),
            Column("sent", Integer, nullable=False, default=0),
            Column("created_at", UTCDateTime, nullable=False),
        )
        return cls(
            message_table,
            delivery_table,
            key,
            key if order is None else order,
            conversation,
            delivery_conversation,
            keep_delivered,
        )


@dataclass(frozen=True)
class Pending(Generic[K, C]):
    key: K
    conversation: C
    payload: dict[str, Any]
    attempts: int
    acknowledged: bool


@dataclass(frozen=True)
class StoredDelivery(Generic[C]):
    key: str
    conversation: C
    messages: list[dict[str, Any]]
    sent: int


class Inbox(Generic[K, C]):
    """The inbox over its SQLite file; every method is one short transaction. A channel's subclass gives `layout`
    (its `metadata` holds the channel's other tables too, created with these)."""

    layout: ClassVar[Layout]

    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        self.layout.messages.metadata.create_all(self.engine)
        self.sessions = sessions(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # Messages -----------------------------------------------------------------------------------------------

    def store(self, messages: list[tuple[K, C | None, dict[str, Any]]], now: datetime) -> int:
        """Store (key, conversation, payload) triples; how many were new. A message without a conversation has
        nothing to answer and is stored as done."""
        layout, new = self.layout, 0
        with self.sessions.begin() as session:
            for key, conversation, payload in messages:
                statement = (
                    dialect_insert(session, layout.messages)
                    .values(
                        {
                            layout.key.name: key,
                            layout.conversation.name: conversation,
                            "payload": payload,
                            "status": "pending" if conversation is not None else "done",
                            "attempts": 0,
                            "next_attempt_at": now,
                            "acknowledged": False,
                            "received_at": now,
                            "done_at": None if conversation is not None else now,
                        }
                    )
                    .on_conflict_do_nothing(index_elements=[layout.key.name])
                )
                new += session.execute(statement).rowcount
        return new

    def due_conversations(self, now: datetime) -> list[C]:
        """Conversations whose oldest pending message is due, in the order of those messages."""
        table, order, conversation = self.layout.messages, self.layout.order, self.layout.conversation
        head = (
            select(conversation, func.min(order).label("head"))
            .where(table.c.status == "pending")
            .group_by(conversation)
            .subquery()
        )
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(conversation)
                    .join(head, order == head.c.head)
                    .where(table.c.next_attempt_at <= now)
                    .order_by(order)
                )
            )

    def next_wake(self) -> datetime | None:
        """When the earliest waiting message falls due."""
        table = self.layout.messages
        with self.sessions() as session:
            return session.scalar(select(func.min(table.c.next_attempt_at)).where(table.c.status == "pending"))

    def head(self, conversation: C, now: datetime) -> Pending[K, C] | None:
        """The conversation's oldest pending message, if it is due."""
        layout = self.layout
        with self.sessions() as session:
            row = session.execute(
                select(layout.messages)
                .where(layout.conversation == conversation, layout.messages.c.status == "pending")
                .order_by(layout.order)
                .limit(1)
            ).first()
            if row is None or row.next_attempt_at > now:
                return None
            return Pending(
                row[layout.key.name], row[layout.conversation.name], row.payload, row.attempts, row.acknowledged
            )

    def done(self, key: K, now: datetime) -> None:
        self._set(key, status="done", done_at=now, last_error=None)

    def failed(self, key: K, error: str, now: datetime) -> None:
        self._set(key, status="failed", done_at=now, last_error=error[:MAX_ERROR_LENGTH])

    def retry(self, key: K, error: str, at: datetime, *, acknowledged: bool = False) -> int:
        """Count a failed attempt and make the message due again at `at` (acknowledged, once it was); the attempts
        so far."""
        table = self.layout.messages
        with self.sessions.begin() as session:
            row = session.execute(select(table.c.attempts, table.c.acknowledged).where(self._is(key))).one()
            attempts = int(row.attempts) + 1
            session.execute(
                update(table)
                .where(self._is(key))
                .values(
                    attempts=attempts,
                    next_attempt_at=at,
                    last_error=error[:MAX_ERROR_LENGTH],
                    acknowledged=bool(row.acknowledged) or acknowledged,
                )
            )
            return attempts

    def _set(self, key: K, **values: Any) -> None:
        with self.sessions.begin() as session:
            session.execute(update(self.layout.messages).where(self._is(key)).values(**values))

    def _is(self, key: K) -> ColumnElement[bool]:
        return self.layout.key == key

    # Deliveries ---------------------------------------------------------------------------------------------

    def delivery(self, key: str) -> StoredDelivery[C] | None:
        table = self.layout.deliveries
        with self.sessions() as session:
            row = session.execute(select(table).where(table.c.key == key)).first()
            if row is None:
                return None
            return StoredDelivery(row.key, row[self.layout.delivery_conversation.name], row.messages, row.sent)

    def add_delivery(
        self, key: str, conversation: C, messages: list[dict[str, Any]], now: datetime, *, sent: int = 0
    ) -> StoredDelivery[C]:
        """Store what `key` sends (`sent` of them already given); a key stored before keeps its first messages
        (those may be half sent)."""
        layout = self.layout
        with self.sessions.begin() as session:
            session.execute(
                dialect_insert(session, layout.deliveries)
                .values(
                    {
                        "key": key,
                        layout.delivery_conversation.name: conversation,
                        "messages": messages,
                        "sent": sent,
                        "created_at": now,
                    }
                )
                .on_conflict_do_nothing(index_elements=["key"])
            )
        stored = self.delivery(key)
        assert stored is not None
        return stored

    def mark_sent(self, key: str, sent: int) -> None:
        table = self.layout.deliveries
        with self.sessions.begin() as session:
            session.execute(update(table).where(table.c.key == key, table.c.sent < sent).values(sent=sent))

    # Housekeeping -------------------------------------------------------------------------------------------

    def prune(self, now: datetime) -> None:
        """Forget handled messages and deliveries once no repeat of them can come; a channel's subclass forgets
        its own rows too."""
        messages, deliveries = self.layout.messages, self.layout.deliveries
        with self.sessions.begin() as session:
            session.execute(
                messages.delete().where(messages.c.status != "pending", messages.c.done_at < now - KEEP_HANDLED)
            )
            finished = deliveries.c.sent >= func.json_array_length(deliveries.c.messages)  # the inbox is SQLite
            session.execute(
                deliveries.delete().where(
                    or_(
                        and_(finished, deliveries.c.created_at < now - self.layout.keep_delivered),
                        deliveries.c.created_at < now - KEEP_UNFINISHED,
                    )
                )
            )
