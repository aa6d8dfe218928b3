"""Delivering the desk's outbox to Telegram: experts' answers to enterprises, case notices to experts.

The desk's `OutboxWorker` (bot/desk/outbox.py) claims the messages of channel "telegram" and calls this `Sender`
for each, synchronously; the worker runs it in a thread (`asyncio.to_thread`) while Telegram is spoken to from
the event loop, which `send` hands each delivery to. Two kinds of recipient:

- "tg:<chat>" is an enterprise's conversation. The message goes into the conversation through Rasa
  (`EXTERNAL_desk_message`, as for REST), so the conversation stays the record and a redelivery is dropped
  there; Rasa's replies of that turn are what the chat is sent.
- a bare chat id is an expert's (or staff's) chat: the notice is sent as it is, a new case with its summary
  and the buttons to accept or decline.

What a message sends is stored in the inbox under its outbox key before the first part goes out, so a retry
after a half-finished send completes it instead of starting again (Rasa would drop the repeat, and the chat
would never get the rest).

Telegram refuses messages to a user who blocked the bot (403 "Forbidden: bot was blocked by the user"); that is
`RecipientBlocked` for the outbox, which gives the message up at once instead of retrying it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.error import Forbidden

from bot.clock import Clock
from bot.contracts import ConversationChannel
from bot.desk.schema import OutboxMessage
from bot.desk.outbox import RecipientBlocked
from bot.runtime.relay import trigger_desk_message
from bot.channels.telegram.experts import notice_messages
from bot.channels.identity import SENDER_PREFIX
from bot.channels.telegram.inbox import Inbox
from bot.channels.telegram.rendering import from_rasa
from bot.channels.telegram.sending import Messenger

log = logging.getLogger(__name__)

CHANNEL: ConversationChannel = "telegram"


class TelegramSender:
    """The outbox `Sender` of channel "telegram"; `send` runs in a thread, never in the event loop."""

    def __init__(
        self,
        messenger: Messenger,
        inbox: Inbox,
        clock: Clock,
        loop: asyncio.AbstractEventLoop,
        *,
        rasa_url: str,
        rasa_token: str,
    ) -> None:
        self.messenger = messenger
        self.inbox = inbox
        self.clock = clock
        self.loop = loop
        self.rasa_url = rasa_url
        self.rasa_token = rasa_token

    def send(self, message: OutboxMessage) -> None:
        key = message.idempotency_key
        stored = self.inbox.delivery(key)
        if stored is not None:
            chat_id, messages = stored.conversation, stored.messages
        else:
            chat_id, messages = self._compose(message)
        try:
            asyncio.run_coroutine_threadsafe(self.messenger.deliver(key, chat_id, messages), self.loop).result()
        except Forbidden as error:  # blocked, or removed from the group: nothing sent to this chat can arrive
            raise RecipientBlocked(f"Telegram chat {chat_id}: {error.message}") from error
        log.info(
            "outbox: %s (%s) delivered to Telegram chat %s in %d message(s)", key, message.kind, chat_id, len(messages)
        )

    def _compose(self, message: OutboxMessage) -> tuple[int, list[dict[str, Any]]]:
        recipient = message.recipient
        if recipient.startswith(SENDER_PREFIX):
            chat_id = _chat_id(recipient[len(SENDER_PREFIX) :], message)
            answer = trigger_desk_message(self.rasa_url, self.rasa_token, message)
            replies = answer.get("messages") or []
            if not replies:
                log.info(
                    "outbox: the conversation %s gave no replies to %s (a repeat it had already shown)",
                    recipient,
                    message.idempotency_key,
                )
            return chat_id, from_rasa(
                replies, lambda title, payload: self.inbox.button(title, payload, self.clock.now())
            )
        return _chat_id(recipient, message), notice_messages(message)


def _chat_id(text: str, message: OutboxMessage) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(
            f"outbox message {message.idempotency_key} is for {message.recipient!r}, which is not a "
            f"Telegram chat (a chat id, or tg:<chat id> for a conversation)"
        ) from None
