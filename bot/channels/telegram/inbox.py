"""The Telegram worker's inbox (var/telegram-inbox.db): the channels' durable inbox (bot/channels/inbox.py) with
what only Telegram needs.

- updates (`telegram_updates`): each Telegram update by its update_id, which also orders a chat's updates (Telegram
  numbers them); an update without a chat has nothing to answer and is stored as done.
- deliveries (`telegram_deliveries`), by chat: a finished one is forgotten after two days.
- buttons: the payload behind each inline button (Telegram's callback data holds at most 64 bytes; payloads
  like `/ask_item{"item": "faq:…", "detail": "more"}` do not fit).
- chats: each chat's chosen language (/lang).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Column, String, Text, select
from sqlalchemy.orm import registry

from bot.channels import inbox
from bot.desk.db import dialect_insert
from bot.desk.schema import UTCDateTime

inbox_registry = registry()
InboxBase: Any = inbox_registry.generate_base()

#: Buttons stay answerable this long after they were shown.
KEEP_BUTTONS = timedelta(days=30)

LAYOUT = inbox.Layout.define(
    inbox_registry.metadata,
    messages="telegram_updates",
    deliveries="telegram_deliveries",
    key=Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    conversation=Column("chat_id", BigInteger, index=True),
)


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


class Inbox(inbox.Inbox[int, int]):
    """Telegram's inbox: updates by update_id in chats by chat id, with the chats' buttons and languages."""

    layout = LAYOUT

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
        super().prune(now)
        with self.sessions.begin() as session:
            session.execute(Button.__table__.delete().where(Button.created_at < now - KEEP_BUTTONS))
