"""The worker's durable inbox: every Telegram update is stored here before it is handled.

Why a SQLite file of the worker's own (var/telegram-inbox.db) rather than a table in the desk's database: the
inbox must take a message exactly when the rest is down, and the desk's database may be a PostgreSQL server
across the network. A local file has no such dependency. Only one process may poll a bot's updates (Telegram
answers a second with 409 Conflict) and a webhook has one address, so one worker per bot is inherent and
nothing needs to share this file.

What it holds:
- updates: each Telegram update by its update_id (a repeat is dropped), pending until handled. Updates of one
  chat are handled in the order Telegram numbered them; a chat waits while its oldest update waits.
- deliveries: the messages a piece of work sends (a turn's replies, a desk message), stored before the first
  is sent, with how many have been sent, so a restart resumes where it stopped instead of answering twice.
- buttons: the payload behind each inline button (Telegram's callback data holds at most 64 bytes; payloads
  like `/ask_item{"item": "faq:…", "detail": "more"}` do not fit).
- chats: each chat's chosen language (/lang).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Column, Integer, String, Text, and_, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import registry

from bot.desk.db import dialect_insert, make_engine, sessions
from bot.desk.schema import UTCDateTime

log = logging.getLogger(__name__)

inbox_registry = registry()
InboxBase: Any = inbox_registry.generate_base()

#: Handled updates are kept this long to drop repeats: Telegram keeps an unconfirmed update for 24 hours.
KEEP_HANDLED = timedelta(days=2)
#: A delivery that never finished (its chat blocked the bot) is given up after this long.
KEEP_UNFINISHED = timedelta(days=14)
#: Buttons stay answerable this long after they were shown.
KEEP_BUTTONS = timedelta(days=30)
MAX_ERROR_LENGTH = 2000


class InboundUpdate(InboxBase):
    __tablename__ = "telegram_updates"

    update_id = Column(BigInteger, primary_key=True, autoincrement=False)
    chat_id = Column(BigInteger, index=True)
    payload = Column(JSON, nullable=False)
    #: pending → done, or failed when it cannot ever be handled (the error says why)
    status = Column(String(8), nullable=False, default="pending", index=True)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False)
    #: The user has been told the message was received and will be answered (sent once, when it has to wait).
    acknowledged = Column(Boolean, nullable=False, default=False)
    last_error = Column(Text)
    received_at = Column(UTCDateTime, nullable=False)
    done_at = Column(UTCDateTime)


class Delivery(InboxBase):
    __tablename__ = "telegram_deliveries"

    key = Column(String(200), primary_key=True)
    chat_id = Column(BigInteger, nullable=False)
    messages = Column(JSON, nullable=False)
    sent = Column(Integer, nullable=False, default=0)
    created_at = Column(UTCDateTime, nullable=False)


class Button(InboxBase):
    __tablename__ = "telegram_buttons"

    key = Column(String(32), primary_key=True)
    title = Column(Text, nullable=False)
    payload = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)


class Chat(InboxBase):
    __tablename__ = "telegram_chats"

    chat_id = Column(BigInteger, primary_key=True, autoincrement=False)
    language = Column(String(2), nullable=False)
    updated_at = Column(UTCDateTime, nullable=False)


@dataclass(frozen=True)
class PendingUpdate:
    update_id: int
    chat_id: int
    payload: dict[str, Any]
    attempts: int
    acknowledged: bool


@dataclass(frozen=True)
class StoredDelivery:
    key: str
    chat_id: int
    messages: list[dict[str, Any]]
    sent: int


class Inbox:
    """The inbox over its SQLite file; every method is one short transaction."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        InboxBase.metadata.create_all(self.engine)
        self.sessions = sessions(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # Updates ------------------------------------------------------------------------------------------------

    def store(self, updates: list[tuple[int, int | None, dict[str, Any]]], now: datetime) -> int:
        """Store (update_id, chat_id, payload) triples; how many were new. An update without a chat has nothing
        to answer and is stored as done."""
        new = 0
        with self.sessions.begin() as session:
            for update_id, chat_id, payload in updates:
                statement = (
                    dialect_insert(session, InboundUpdate.__table__)
                    .values(
                        update_id=update_id,
                        chat_id=chat_id,
                        payload=payload,
                        status="pending" if chat_id is not None else "done",
                        attempts=0,
                        next_attempt_at=now,
                        acknowledged=False,
                        received_at=now,
                        done_at=None if chat_id is not None else now,
                    )
                    .on_conflict_do_nothing(index_elements=["update_id"])
                )
                new += session.execute(statement).rowcount
        return new

    def due_chats(self, now: datetime) -> list[int]:
        """Chats whose oldest pending update is due, in the order of those updates."""
        head = (
            select(InboundUpdate.chat_id, func.min(InboundUpdate.update_id).label("update_id"))
            .where(InboundUpdate.status == "pending")
            .group_by(InboundUpdate.chat_id)
            .subquery()
        )
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(InboundUpdate.chat_id)
                    .join(head, InboundUpdate.update_id == head.c.update_id)
                    .where(InboundUpdate.next_attempt_at <= now)
                    .order_by(InboundUpdate.update_id)
                )
            )

    def next_wake(self) -> datetime | None:
        """When the earliest waiting update falls due."""
        with self.sessions() as session:
            return session.scalar(
                select(func.min(InboundUpdate.next_attempt_at)).where(InboundUpdate.status == "pending")
            )

    def head(self, chat_id: int, now: datetime) -> PendingUpdate | None:
        """The chat's oldest pending update, if it is due."""
        with self.sessions() as session:
            row = session.scalar(
                select(InboundUpdate)
                .where(InboundUpdate.chat_id == chat_id, InboundUpdate.status == "pending")
                .order_by(InboundUpdate.update_id)
                .limit(1)
            )
            if row is None or row.next_attempt_at > now:
                return None
            return PendingUpdate(row.update_id, row.chat_id, row.payload, row.attempts, row.acknowledged)

    def done(self, update_id: int, now: datetime) -> None:
        self._set(update_id, status="done", done_at=now, last_error=None)

    def failed(self, update_id: int, error: str, now: datetime) -> None:
        self._set(update_id, status="failed", done_at=now, last_error=error[:MAX_ERROR_LENGTH])

    def retry(self, update_id: int, error: str, at: datetime, *, acknowledged: bool) -> int:
        """Count a failed attempt and make the update due again at `at`; the attempts so far."""
        with self.sessions.begin() as session:
            row = session.get(InboundUpdate, update_id)
            row.attempts += 1
            row.next_attempt_at = at
            row.last_error = error[:MAX_ERROR_LENGTH]
            row.acknowledged = row.acknowledged or acknowledged
            return row.attempts

    def _set(self, update_id: int, **values: Any) -> None:
        with self.sessions.begin() as session:
            session.execute(update(InboundUpdate).where(InboundUpdate.update_id == update_id).values(**values))

    # Deliveries ---------------------------------------------------------------------------------------------

    def delivery(self, key: str) -> StoredDelivery | None:
        with self.sessions() as session:
            row = session.get(Delivery, key)
            return None if row is None else StoredDelivery(row.key, row.chat_id, row.messages, row.sent)

    def add_delivery(self, key: str, chat_id: int, messages: list[dict[str, Any]], now: datetime) -> StoredDelivery:
        """Store what `key` sends; a key stored before keeps its first messages (those may be half sent)."""
        with self.sessions.begin() as session:
            session.execute(
                dialect_insert(session, Delivery.__table__)
                .values(
                    key=key,
                    chat_id=chat_id,
                    messages=messages,
                    sent=0,
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["key"])
            )
        stored = self.delivery(key)
        assert stored is not None
        return stored

    def mark_sent(self, key: str, sent: int) -> None:
        with self.sessions.begin() as session:
            session.execute(update(Delivery).where(Delivery.key == key, Delivery.sent < sent).values(sent=sent))

    # Buttons and chats --------------------------------------------------------------------------------------

    def button(self, title: str, payload: str, now: datetime) -> str:
        """The short key that stands for this button in its callback data (the same button, the same key)."""
        digest = hashlib.sha256(f"{title}\x00{payload}".encode("utf-8")).digest()
        key = base64.urlsafe_b64encode(digest[:12]).decode("ascii")
        with self.sessions.begin() as session:
            session.execute(
                dialect_insert(session, Button.__table__)
                .values(
                    key=key,
                    title=title,
                    payload=payload,
                    created_at=now,
                )
                .on_conflict_do_update(index_elements=["key"], set_={"created_at": now})
            )
        return key

    def pressed(self, key: str) -> tuple[str, str] | None:
        """(title, payload) of a button, or None when it is unknown or too old."""
        with self.sessions() as session:
            row = session.get(Button, key)
            return None if row is None else (row.title, row.payload)

    def language(self, chat_id: int) -> str | None:
        with self.sessions() as session:
            return session.scalar(select(Chat.language).where(Chat.chat_id == chat_id))

    def set_language(self, chat_id: int, language: str, now: datetime) -> None:
        with self.sessions.begin() as session:
            session.execute(
                dialect_insert(session, Chat.__table__)
                .values(
                    chat_id=chat_id,
                    language=language,
                    updated_at=now,
                )
                .on_conflict_do_update(index_elements=["chat_id"], set_={"language": language, "updated_at": now})
            )

    # Housekeeping -------------------------------------------------------------------------------------------

    def prune(self, now: datetime) -> None:
        """Forget handled updates, finished deliveries and old buttons once no repeat of them can come."""
        with self.sessions.begin() as session:
            session.execute(
                InboundUpdate.__table__.delete().where(
                    InboundUpdate.status != "pending", InboundUpdate.done_at < now - KEEP_HANDLED
                )
            )
            finished = Delivery.sent >= func.json_array_length(Delivery.messages)  # the inbox is always SQLite
            session.execute(
                Delivery.__table__.delete().where(
                    or_(
                        and_(finished, Delivery.created_at < now - KEEP_HANDLED),
                        Delivery.created_at < now - KEEP_UNFINISHED,
                    )
                )
            )
            session.execute(Button.__table__.delete().where(Button.created_at < now - KEEP_BUTTONS))
