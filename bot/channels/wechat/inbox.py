"""The WeChat worker's inbox (var/wechat-inbox.db): the channels' durable inbox (bot/channels/inbox.py) with what
only WeChat needs.

- messages (`wechat_messages`): each message by its key — WeChat's MsgId, or for an event (which has none) the
  follower and the event's time and kind — in the order they came (`id`). WeChat retries a message it got no answer
  to within 5 seconds, up to three times, with the same MsgId; the first one stored wins and the repeats find it.
  `passive` keeps the reply given in the HTTP answer itself, so a retry of a message answered that way gets the same
  reply again, not a second turn.
- deliveries (`wechat_deliveries`), by follower: what goes through the customer-service API (a turn's replies beyond
  the passive one, a desk message); kept fourteen days, finished or not.
- menus: the options of each follower's menus (a reply's buttons), so that a menu click (its `bizmsgmenuid`) or a
  number typed in answer to a numbered list picks the right payload.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, Integer, String, func, select
from sqlalchemy.orm import registry

from bot.channels import inbox
from bot.desk.schema import UTCDateTime

inbox_registry = registry()
InboxBase: Any = inbox_registry.generate_base()

KEEP_MENUS = timedelta(days=30)

LAYOUT = inbox.Layout.define(
    inbox_registry.metadata,
    messages="wechat_messages",
    deliveries="wechat_deliveries",
    order=Column("id", Integer, primary_key=True, autoincrement=True),
    key=Column("key", String(200), nullable=False, unique=True),
    conversation=Column("openid", String(128), nullable=False, index=True),
    #: The reply given in the HTTP answer itself (a rendered message), when there was one.
    own=(Column("passive", JSON),),
    keep_delivered=inbox.KEEP_UNFINISHED,
)


class Menu(InboxBase):
    __tablename__ = "wechat_menus"

    openid = Column(String(128), primary_key=True)
    number = Column(Integer, primary_key=True, autoincrement=False)
    #: [[title, payload], …] in the order shown
    options = Column(JSON, nullable=False)
    created_at = Column(UTCDateTime, nullable=False)


class Inbox(inbox.Inbox[str, str]):
    """WeChat's inbox: messages by key in followers' conversations by openid, with passive replies and menus."""

    layout = LAYOUT

    # Messages -----------------------------------------------------------------------------------------------

    def state(self, key: str) -> tuple[str, dict[str, Any] | None] | None:
        """(status, the passive reply given) of a stored message, or None when it is unknown."""
        messages = LAYOUT.messages
        with self.sessions() as session:
            row = session.execute(select(messages.c.status, messages.c.passive).where(messages.c.key == key)).first()
            return None if row is None else (row.status, row.passive)

    def answered_passively(self, key: str, message: dict[str, Any]) -> None:
        self._set(key, passive=message)

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
        super().prune(now)
        with self.sessions.begin() as session:
            session.execute(Menu.__table__.delete().where(Menu.created_at < now - KEEP_MENUS))
