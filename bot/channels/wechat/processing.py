"""Working through the inbox: each follower's messages in order, each answered once, none lost to a part that is down
— and the first answer given in the HTTP reply itself when the turn is quick enough.

WeChat waits five seconds for the answer to its POST and retries (same MsgId) when it gets none. The server stores
the message and then waits here (`passive`) up to IPDESK_WECHAT_PASSIVE_SECONDS; the processor, when it has the
turn's messages, hands the first to that waiting request if it is still waiting (the passive reply) and sends the
rest — or all of them, when the request gave up and answered "success" — through the customer-service API.
Handing over and giving up both happen on the worker's one event loop without a pause between check and act, so a
message is never both in the passive reply and sent. The passive reply is stored with the message before it is
handed over, so that WeChat's retry of a request whose answer was lost on the way gets the same reply again.

When a part the message needs is down (Rasa, the desk's database, WeChat's API), the message waits and is tried
again after a growing pause; the follower is told once that it was received (in the passive reply when a request
still waits, else through the API), and its later messages wait behind it. A message that fails for another reason
is tried a few times, then set aside as failed with the error.

Each message sent through the API is recorded in the inbox as soon as WeChat accepts it, and a restart sends only
what is not recorded. WeChat's API takes no idempotency key, so a message accepted in the instant before a crash,
before its record, is sent again: at least once, as the desk's outbox is.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, Awaitable, Callable

from sqlalchemy.exc import InterfaceError, OperationalError

from bot.channels.telegram.rasa_client import RasaUnavailable
from bot.channels.wechat.api import NOT_FOLLOWING, WeChatApi, WeChatApiError, WeChatUnavailable
from bot.channels.wechat.handling import MessageHandler
from bot.channels.wechat.inbox import Inbox, PendingMessage, StoredDelivery
from bot.channels.wechat.rendering import TEXT_LIMIT, numbered
from bot.clock import Clock

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CONCURRENT_FOLLOWERS = 16
SHUTDOWN_GRACE = 5.0


def is_outage(error: BaseException) -> bool:
    return isinstance(error, (RasaUnavailable, OperationalError, InterfaceError, WeChatUnavailable))


class Processor:
    def __init__(
        self,
        inbox: Inbox,
        handler: MessageHandler,
        api: WeChatApi,
        clock: Clock,
        *,
        retry_base: float,
        retry_max: float,
        on_answered: Callable[[str], Awaitable[object]] | None = None,
    ) -> None:
        self.inbox = inbox
        self.handler = handler
        self.api = api
        self.clock = clock
        self.retry_base = retry_base
        self.retry_max = retry_max
        self.on_answered = on_answered
        self.wake = asyncio.Event()
        #: The requests waiting for a passive reply ({"text": …}, or None for "success"), by message key.
        self._waiters: dict[str, asyncio.Future[dict[str, Any] | None]] = {}
        self._followers: dict[str, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(CONCURRENT_FOLLOWERS)

    # The server's side --------------------------------------------------------------------------------------

    async def passive(self, key: str, timeout: float) -> dict[str, Any] | None:
        """Wait up to `timeout` for the message's passive reply; None: answer "success", the rest comes by API."""
        waiter = self._waiters.get(key)
        if waiter is None or waiter.done():
            waiter = self._waiters[key] = asyncio.get_running_loop().create_future()
        self.wake.set()
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

    # The loop -----------------------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        log.info("processing the inbox")
        while not stop.is_set():
            self.wake.clear()
            try:
                due = self.inbox.due_followers(self.clock.now())
                pause = self._pause()
            except Exception:
                log.exception("could not read the inbox")
                due, pause = [], 1.0
            for openid in due:
                if openid not in self._followers:
                    task = asyncio.create_task(self._drain(openid), name=f"follower {openid}")
                    self._followers[openid] = task
                    task.add_done_callback(lambda _task, who=openid: self._followers.pop(who, None))  # type: ignore[misc]
            waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(self.wake.wait())]
            await asyncio.wait(waiters, timeout=pause, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
        if self._followers:
            _, unfinished = await asyncio.wait(list(self._followers.values()), timeout=SHUTDOWN_GRACE)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*unfinished, return_exceptions=True)

    def _pause(self) -> float:
        wake = self.inbox.next_wake()
        if wake is None:
            return 1.0
        return min(1.0, max(0.05, (wake - self.clock.now()).total_seconds()))

    async def _drain(self, openid: str) -> None:
        async with self._slots:
            while (pending := self.inbox.head(openid, self.clock.now())) is not None:
                try:
                    if not await self._process(pending):
                        return
                except Exception:
                    log.exception("follower %s: the inbox could not record message %s", openid, pending.key)
                    return

    async def _process(self, pending: PendingMessage) -> bool:
        """Handle one message; True when it is settled (done or set aside), False when it waits."""
        key = f"message:{pending.key}"
        try:
            stored = self.inbox.delivery(key)
            if stored is None:
                messages = await self.handler.handle(pending.key, pending.payload)
                sent = 0
                first = self._passive_form(pending, messages)
                if first is not None and pending.key in self._waiters:
                    self.inbox.answered_passively(pending.key, first)  # before the hand-over: a retry repeats it
                    sent = 1 if self._hand_over(pending.key, first) else 0
                stored = self.inbox.add_delivery(key, pending.openid, messages, self.clock.now(), sent=sent)
            self._hand_over(pending.key, None)  # a request still waiting answers "success"
            await self.deliver(stored)
        except Exception as error:  # noqa: BLE001 — any failure is recorded and retried or reported
            return await self._failed(pending, error, answer_started=self.inbox.delivery(key) is not None)
        self.inbox.done(pending.key, self.clock.now())
        log.info(
            "message %s of %s answered%s",
            pending.key,
            pending.openid,
            f" after {pending.attempts} failed attempt(s)" if pending.attempts else "",
        )
        # Only a message that got an answer opens the conversation again: an unfollow (answered with nothing) must
        # not lift the block it just set.
        if self.on_answered is not None and stored.messages:
            try:
                await self.on_answered(pending.openid)
            except Exception:
                log.exception("%s: answered, but what follows from that could not be recorded", pending.openid)
        return True

    def _passive_form(self, pending: PendingMessage, messages: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The first message as the passive reply's text, when it fits."""
        if not messages:
            return None
        text = numbered(messages[0], self.handler.language(pending.payload))
        return {"text": text} if len(text) <= TEXT_LIMIT else None

    async def deliver(self, delivery: StoredDelivery) -> None:
        """Send what is not sent yet of `delivery` through the customer-service API, recording each message."""
        for index in range(delivery.sent, len(delivery.messages)):
            await asyncio.to_thread(self.api.send, delivery.openid, delivery.messages[index])
            self.inbox.mark_sent(delivery.key, index + 1)

    async def _failed(self, pending: PendingMessage, error: Exception, *, answer_started: bool) -> bool:
        now = self.clock.now()
        reason = f"{type(error).__name__}: {error}"
        where = f"message {pending.key} of {pending.openid}"
        if isinstance(error, WeChatApiError) and error.errcode == NOT_FOLLOWING:
            log.warning("%s cannot be answered: %s (the follower left)", where, reason)
            self._hand_over(pending.key, None)
            self.inbox.failed(pending.key, reason, now)
            return True
        if is_outage(error):
            if not pending.acknowledged and not answer_started and not isinstance(error, WeChatUnavailable):
                await self._acknowledge(pending)
            self._hand_over(pending.key, None)
            delay = min(self.retry_max, self.retry_base * 2 ** min(pending.attempts, 20))
            self.inbox.retry(pending.key, reason, now + timedelta(seconds=delay))
            log.warning("%s waits: %s; trying again in %.1f s", where, reason, delay)
            return False
        self._hand_over(pending.key, None)
        attempts = self.inbox.retry(pending.key, reason, now + timedelta(seconds=self.retry_base))
        if attempts >= MAX_ATTEMPTS:
            log.error("%s failed %d times and is set aside: %s", where, attempts, reason, exc_info=error)
            self.inbox.failed(pending.key, reason, now)
            return True
        log.error("%s failed (attempt %d of %d): %s", where, attempts, MAX_ATTEMPTS, reason, exc_info=error)
        return False

    async def _acknowledge(self, pending: PendingMessage) -> None:
        """Tell the follower, once, that the message was received and will be answered."""
        note = self.handler.acknowledgement(pending.payload)[0]
        try:
            if pending.key in self._waiters:
                self.inbox.answered_passively(pending.key, note)
                if self._hand_over(pending.key, note):
                    self.inbox.acknowledged(pending.key)
                    return
            await asyncio.to_thread(self.api.send, pending.openid, note)
            self.inbox.acknowledged(pending.key)
        except Exception as error:  # noqa: BLE001 — the answer to come matters more than this note
            log.warning("could not tell %s that message %s was received: %s", pending.openid, pending.key, error)
