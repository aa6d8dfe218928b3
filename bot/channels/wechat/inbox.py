"""The WeChat worker's durable inbox: every message is stored here before it is answered.

A SQLite file of the worker's own (var/wechat-inbox.db), for the Telegram inbox's reason: it must take a message
exactly when Rasa or the desk's database is down. What it holds:

- messages: each message by its key — WeChat's MsgId, or for an event (which has none) the follower and the
  event's time and kind. WeChat retries a message it got no answer to within 5 seconds, up to three times, with the
  same MsgId; the first one stored wins and the repeats find it (`store` says whether it was new). Each message
  waits (pending) until handled, a follower's messages in the order they came. `passive` keeps the reply given in
  the HTTP answer itself, so a retry of a message answered that way gets the same reply again, not a second turn.
- deliveries: what a piece of work sends through the customer-service API (a turn's replies beyond the passive
  one, a desk message), stored before the first is sent, with how many were sent: a restart resumes, never repeats.
- menus: the options of each follower's menus (a reply's buttons), so that a menu click (its `bizmsgmenuid`) or a
  number typed in answer to a numbered list picks the right payload.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Integer, String, Text, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import registry

from bot.desk.db import dialect_insert, make_engine, sessions
from bot.desk.schema import UTCDateTime

log = logging.getLogger(__name__)

inbox_registry = registry()
InboxBase: Any = inbox_registry.generate_base()

#: Handled messages are kept this long to recognise WeChat's retries (which come within seconds) and for inspection.
KEEP_HANDLED = timedelta(days=2)
KEEP_MENUS = timedelta(days=30)
MAX_ERROR_LENGTH = 2000


class InboundMessage(InboxBase):
    __tablename__ = "wechat_messages"

    id = Column(Integer, primary_key=True, autoincrement=True)  # the order messages came in
    key = Column(String(200), nullable=False, unique=True)
    openid = Column(String(128), nullable=False, index=True)
    payload = Column(JSON, nullable=False)
    #: pending → done, or failed when it cannot ever be handled (last_error says why)
    status = Column(String(8), nullable=False, default="pending", index=True)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(UTCDateTime, nullable=False)
    acknowledged = Column(Boolean, nullable=False, default=False)
    #: The reply given in the HTTP answer itself (a rendered message), when there was one.
    passive = Column(JSON)
    last_error = Column(Text)
    received_at = Column(UTCDateTime, nullable=False)
    done_at = Column(UTCDateTime)


class Delivery(InboxBase):
    __tablename__ = "wechat_deliveries"

    key = Column(String(200), primary_key=True)
    openid = Column(String(128), nullable=False)
    messages = Column(JSON, nullable=False)
    sent = Column(Integer, nullable=False, default=0)
    created_at = Column(UTCDateTime, nullable=False)


class Menu(InboxBase):
    __tablename__ = "wechat_menus"

    openid = Column(String(128), primary_key=True)
    number = Column(Integer, primary_key=True, autoincrement=False)
    #: [[title, payload], …] in the order shown
    options = Column(JSON, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)


@dataclass(frozen=True)
class PendingMessage:
    key: str
    openid: str
    payload: dict[str, Any]
    attempts: int
    acknowledged: bool


@dataclass(frozen=True)
class StoredDelivery:
    key: str
    openid: str
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

    # Messages -----------------------------------------------------------------------------------------------

    def store(self, key: str, openid: str, payload: dict[str, Any], now: datetime) -> bool:
        """Store a message; False when its key was stored before (a retry of it)."""
        with self.sessions.begin() as session:
            statement = (
                dialect_insert(session, InboundMessage.__table__)
                .values(
                    key=key,
                    openid=openid,
                    payload=payload,
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    acknowledged=False,
                    received_at=now,
                )
                .on_conflict_do_nothing(index_elements=["key"])
            )
            return bool(session.execute(statement).rowcount)

    def state(self, key: str) -> tuple[str, dict[str, Any] | None] | None:
        """(status, the passive reply given) of a stored message, or None when it is unknown."""
        with self.sessions() as session:
            row = session.scalar(select(InboundMessage).where(InboundMessage.key == key))
            return None if row is None else (row.status, row.passive)

    def due_followers(self, now: datetime) -> list[str]:
        """Followers whose oldest pending message is due, in the order of those messages."""
        head = (
            select(InboundMessage.openid, func.min(InboundMessage.id).label("id"))
            .where(InboundMessage.status == "pending")
            .group_by(InboundMessage.openid)
            .subquery()
        )
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(InboundMessage.openid)
                    .join(head, InboundMessage.id == head.c.id)
                    .where(InboundMessage.next_attempt_at <= now)
                    .order_by(InboundMessage.id)
                )
            )

    def next_wake(self) -> datetime | None:
        with self.sessions() as session:
            return session.scalar(
                select(func.min(InboundMessage.next_attempt_at)).where(InboundMessage.status == "pending")
            )

    def head(self, openid: str, now: datetime) -> PendingMessage | None:
        """The follower's oldest pending message, if it is due."""
        with self.sessions() as session:
            row = session.scalar(
                select(InboundMessage)
                .where(InboundMessage.openid == openid, InboundMessage.status == "pending")
                .order_by(InboundMessage.id)
                .limit(1)
            )
            if row is None or row.next_attempt_at > now:
                return None
            return PendingMessage(row.key, row.openid, row.payload, row.attempts, row.acknowledged)

    def done(self, key: str, now: datetime) -> None:
        self._set(key, status="done", done_at=now, last_error=None)

    def failed(self, key: str, error: str, now: datetime) -> None:
        self._set(key, status="failed", done_at=now, last_error=error[:MAX_ERROR_LENGTH])

    def answered_passively(self, key: str, message: dict[str, Any]) -> None:
        self._set(key, passive=message)

    def acknowledged(self, key: str) -> None:
        self._set(key, acknowledged=True)

    def retry(self, key: str, error: str, at: datetime) -> int:
        """Count a failed attempt and make the message due again at `at`; the attempts so far."""
        with self.sessions.begin() as session:
            row = session.scalars(select(InboundMessage).where(InboundMessage.key == key)).one()
            row.attempts += 1
            row.next_attempt_at = at
            row.last_error = error[:MAX_ERROR_LENGTH]
            return int(row.attempts)

    def _set(self, key: str, **values: Any) -> None:
        with self.sessions.begin() as session:
            session.execute(update(InboundMessage).where(InboundMessage.key == key).values(**values))

    # Deliveries ---------------------------------------------------------------------------------------------

    def delivery(self, key: str) -> StoredDelivery | None:
        with self.sessions() as session:
            row = session.get(Delivery, key)
            return None if row is None else StoredDelivery(row.key, row.openid, row.messages, row.sent)

    def add_delivery(
        self, key: str, openid: str, messages: list[dict[str, Any]], now: datetime, *, sent: int = 0
    ) -> StoredDelivery:
        """Store what `key` sends (`sent` of them already given); a key stored before keeps its first messages."""
        with self.sessions.begin() as session:
            session.execute(
                dialect_insert(session, Delivery.__table__)
                .values(key=key, openid=openid, messages=messages, sent=sent, created_at=now)
                .on_conflict_do_nothing(index_elements=["key"])
            )
        stored = self.delivery(key)
        assert stored is not None
        return stored

    def mark_sent(self, key: str, sent: int) -> None:
        with self.sessions.begin() as session:
            session.execute(update(Delivery).where(Delivery.key == key, Delivery.sent < sent).values(sent=sent))

    # Menus --------------------------------------------------------------------------------------------------

    def add_menu(self, openid: str, options: list[tuple[str, str]], now: datetime) -> int:
        """Remember a menu's options; its number (1, 2, … per follower)."""
        with self.sessions.begin() as session:
            last = session.scalar(select(func.max(Menu.number)).where(Menu.openid == openid)) or 0
            session.add(Menu(openid=openid, number=last + 1, options=[list(o) for o in options], created_at=now))
            return int(last + 1)

    def option(
        self, openid: str, number: int | None, index: int, *, since: datetime | None = None
    ) -> tuple[str, str] | None:
        """(title, payload) of option `index` (from 1) of menu `number` (the latest when None; shown after `since`
        when given), or None."""
        with self.sessions() as session:
            query = select(Menu).where(Menu.openid == openid)
            if since is not None:
                query = query.where(Menu.created_at >= since)
            query = query.where(Menu.number == number) if number is not None else query.order_by(Menu.number.desc())
            row = session.scalars(query.limit(1)).first()
            if row is None or not 1 <= index <= len(row.options):
                return None
            title, payload = row.options[index - 1]
            return str(title), str(payload)

    # Housekeeping -------------------------------------------------------------------------------------------

    def prune(self, now: datetime) -> None:
        with self.sessions.begin() as session:
            session.execute(
                InboundMessage.__table__.delete().where(
                    InboundMessage.status != "pending", InboundMessage.done_at < now - KEEP_HANDLED
                )
            )
            session.execute(Delivery.__table__.delete().where(Delivery.created_at < now - KEEP_HANDLED * 7))
            session.execute(Menu.__table__.delete().where(Menu.created_at < now - KEEP_MENUS))
