"""What working through the inbox (bot/channels/processing.py) is on WeChat — and the first answer given in the HTTP
reply itself when the turn is quick enough.

WeChat waits five seconds for the answer to its POST and retries (same MsgId) when it gets none. The server stores
the message and then waits here (`passive`) up to IPDESK_WECHAT_PASSIVE_SECONDS; when the turn's messages are there,
the first goes to that waiting request if it is still waiting (the passive reply) and the processor sends the rest —
or all of them, when the request gave up and answered "success" — through the customer-service API. Handing over
and giving up both happen on the worker's one event loop without a pause between check and act, so a message is
never both in the passive reply and sent. The passive reply is stored with the message before it is handed over, so
that WeChat's retry of a request whose answer was lost on the way gets the same reply again.

A part that is down is Rasa, the desk's database or WeChat's API; the follower is told once that the message was
received (in the passive reply when a request still waits, else through the API) — unless it is WeChat's API that
is down. A follower who unfollowed (43004) can never be answered, and the message is set aside at once.

Each message sent through the API is recorded in the inbox as soon as WeChat accepts it, and a restart sends only
what is not recorded. WeChat's API takes no idempotency key, so a message accepted in the instant before a crash,
before its record, is sent again: at least once, as the desk's outbox is.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError

from bot.channels.inbox import Pending
from bot.channels.processing import Channel
from bot.channels.telegram.rasa_client import RasaUnavailable
from bot.channels.wechat.api import NOT_FOLLOWING, WeChatApi, WeChatApiError, WeChatUnavailable
from bot.channels.wechat.handling import MessageHandler
from bot.channels.wechat.inbox import Inbox
from bot.channels.wechat.rendering import TEXT_LIMIT, numbered


class WeChatChannel(Channel[str, str]):
    """Messages (by key) of followers (by openid), with the requests waiting for their passive reply."""

    message_noun = "message"
    conversation_noun = "follower"
    done_word = "answered"
    delivery_prefix = "message"
    unreachable_because = "the follower left"

    def __init__(self, inbox: Inbox, handler: MessageHandler, api: WeChatApi) -> None:
        self.inbox = inbox
        self.handler = handler
        self.api = api
        #: The requests waiting for a passive reply ({"text": …}, or None for "success"), by message key.
        self._waiters: dict[str, asyncio.Future[dict[str, Any] | None]] = {}

    # The server's side --------------------------------------------------------------------------------------

    async def passive(self, key: str, timeout: float) -> dict[str, Any] | None:
        """Wait up to `timeout` for the message's passive reply; None: answer "success", the rest comes by API."""
        waiter = self._waiters.get(key)
        if waiter is None or waiter.done():
            waiter = self._waiters[key] = asyncio.get_running_loop().create_future()
        await asyncio.wait({waiter}, timeout=timeout)
        if waiter.done() and not waiter.cancelled():
            return waiter.result()
        if self._waiters.get(key) is waiter:
            del self._waiters[key]
        waiter.cancel()  # from here on the processor sends everything through the API
        return None

    def _hand_over(self, key: str, message: dict[str, Any] | None) -> bool:
        """Give `message` to the request waiting for `key`; whether one was still waiting."""
        waiter = self._waiters.pop(key, None)
        if waiter is None or waiter.done():
            return False
        waiter.set_result(message)
        return True

    # The processor's side -----------------------------------------------------------------------------------

    async def answer(self, pending: Pending[str, str]) -> list[dict[str, Any]]:
        return await self.handler.handle(pending.key, pending.payload)

    def given_at_once(self, pending: Pending[str, str], messages: list[dict[str, Any]]) -> int:
        """The first message as the passive reply's text, when it fits and a request still waits."""
        if not messages or pending.key not in self._waiters:
            return 0
        text = numbered(messages[0], self.handler.language(pending.payload))
        if len(text) > TEXT_LIMIT:
            return 0
        first = {"text": text}
        self.inbox.answered_passively(pending.key, first)  # before the hand-over: a retry repeats it
        return 1 if self._hand_over(pending.key, first) else 0

    def release(self, pending: Pending[str, str]) -> None:
        self._hand_over(pending.key, None)  # a request still waiting answers "success"

    async def send(self, conversation: str, message: dict[str, Any]) -> None:
        await asyncio.to_thread(self.api.send, conversation, message)

    def is_outage(self, error: BaseException) -> bool:
        return isinstance(error, (RasaUnavailable, OperationalError, InterfaceError, WeChatUnavailable))

    def is_unreachable(self, error: BaseException) -> bool:
        return isinstance(error, WeChatApiError) and error.errcode == NOT_FOLLOWING

    def may_acknowledge(self, error: BaseException) -> bool:
        return not isinstance(error, WeChatUnavailable)

    async def acknowledge(self, pending: Pending[str, str]) -> bool:
        """In the passive reply when a request still waits, else through the API."""
        note = self.handler.acknowledgement(pending.payload)[0]
        if pending.key in self._waiters:
            self.inbox.answered_passively(pending.key, note)
            if self._hand_over(pending.key, note):
                return True
        await self.send(pending.conversation, note)
        return True

    def named(self, conversation: str) -> str:
        return conversation  # "message msg:… of o…": an openid needs no noun before it

    def reopens(self, messages: list[dict[str, Any]]) -> bool:
        # Only a message that got an answer opens the conversation again: an unfollow (answered with nothing) must
        # not lift the block it just set.
        return bool(messages)
