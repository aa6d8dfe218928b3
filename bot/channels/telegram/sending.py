"""Sending to Telegram: within its flood limits, escaped for the parse mode, and resumable after a restart.

Telegram answers a bot that sends too fast with 429 and `retry_after`; python-telegram-bot raises that as
`RetryAfter`, and every call here waits as long as told and tries again. Texts go out in HTML parse mode,
escaped (Telegram's HTML needs only <, > and & escaped), so that "<公司名称>" or "R&D" arrive as typed.

A piece of work that sends several messages — a turn's replies, an answer split in three — stores them in the
inbox first (a "delivery") and records each one sent, so a worker restarted halfway sends the rest, not all.
"""

from __future__ import annotations

import asyncio
import html
import logging
import weakref
from datetime import timedelta
from typing import Any, Awaitable, Callable, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.constants import ParseMode
from telegram.error import RetryAfter

from bot.clock import Clock
from bot.channels.telegram.inbox import Inbox

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Flood waits in a row before a call gives up (its work is then retried later, from the inbox).
MAX_FLOOD_WAITS = 5
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class Messenger:
    def __init__(self, bot: Bot, inbox: Inbox, clock: Clock) -> None:
        self.bot = bot
        self.inbox = inbox
        self.clock = clock
        self._busy: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def call(self, what: str, make: Callable[[], Awaitable[T]]) -> T:
        """`make()` a Bot API call, waiting out flood limits (429) as Telegram asks."""
        for attempt in range(1, MAX_FLOOD_WAITS + 1):
            try:
                return await make()
            except RetryAfter as error:
                if attempt == MAX_FLOOD_WAITS:
                    raise
                delay = retry_seconds(error.retry_after)
                log.warning(
                    "Telegram flood limit on %s: waiting %.1f s as asked (wait %d of %d)",
                    what,
                    delay,
                    attempt,
                    MAX_FLOOD_WAITS - 1,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def send(self, chat_id: int, message: dict[str, Any]) -> Message:
        """Send one stored message (see `rendering`)."""
        if "document" in message:
            return await self.call(
                "sendDocument",
                lambda: self.bot.send_document(chat_id, message["document"], caption=message.get("caption")),
            )
        rows = message.get("keyboard")
        markup = (
            InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(button["text"], callback_data=button["callback_data"]) for button in row]
                    for row in rows
                ]
            )
            if rows
            else None
        )
        return await self.call(
            "sendMessage",
            lambda: self.bot.send_message(
                chat_id,
                html.escape(message["text"], quote=False),
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=NO_PREVIEW,
            ),
        )

    async def deliver(self, key: str, chat_id: int, messages: list[dict[str, Any]]) -> None:
        """Send what `key` sends: stored first (a key stored before keeps its own messages), then each message
        not sent yet, recording it as sent. Two calls for one key never send side by side."""
        lock = self._busy.get(key)
        if lock is None:
            lock = self._busy[key] = asyncio.Lock()
        async with lock:
            delivery = self.inbox.add_delivery(key, chat_id, messages, self.clock.now())
            for index in range(delivery.sent, len(delivery.messages)):
                await self.send(delivery.conversation, delivery.messages[index])
                self.inbox.mark_sent(key, index + 1)


def retry_seconds(value: int | float | timedelta) -> float:
    """`retry_after` in seconds: python-telegram-bot gives a timedelta (PTB_TIMEDELTA) or, formerly, an int."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
