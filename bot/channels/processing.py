"""Working through a channel's inbox: each conversation's messages in order, each answered once, none lost to a part
that is down. The Telegram and WeChat workers both run this `Processor`; what differs between them is a `Channel`.

For each conversation with a due message, one task takes the conversation's oldest pending message and:
1. if its answer was stored before (the worker stopped while sending it), sends what is left of it;
2. else has the channel answer it, stores the answer (less what the channel gave at once: WeChat's passive reply),
   then sends it, recording each message sent;
3. marks the message done.

When a part the message needs is down (Rasa, the desk's database, the channel's own API) the message stays pending
and is tried again after a growing pause; the user is told once that it was received and will be answered (unless
it was the channel that failed: that note could not be sent either). The conversation's later messages wait behind
it, so answers never overtake each other. A message that fails for any other reason (a bug, a message the channel
refuses) is tried a few times, then set aside as failed with the error, so one bad message cannot block its
conversation forever. One the user can no longer receive (they blocked the bot, unfollowed) is set aside at once.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from datetime import timedelta
from typing import Any, Awaitable, Callable, Generic

from bot.channels.inbox import C, Inbox, K, Pending
from bot.clock import Clock

log = logging.getLogger(__name__)

#: Attempts at a message that fails for a reason other than a part being down, before it is set aside.
MAX_ATTEMPTS = 5
#: Conversations handled at the same time.
CONCURRENT_CONVERSATIONS = 16
#: On shutdown, work under way gets this long to finish before it is cancelled (and resumed after restart).
SHUTDOWN_GRACE = 5.0


class Channel(ABC, Generic[K, C]):
    """What one channel does with a stored message: answer it, send the answer, say it was received, and which of
    its errors mean what. The processor does the rest."""

    #: How the logs name a message and a conversation ("update 7 of chat 42"), and say a message was dealt with.
    #: Operators (and tests) read the logs for these words: a channel keeps its own.
    message_noun: str
    conversation_noun: str
    done_word: str = "handled"
    #: What a delivery's key starts with: "update:7" (stored keys: never change it).
    delivery_prefix: str
    #: Why a conversation that `is_unreachable` cannot be answered, for the log.
    unreachable_because: str

    @abstractmethod
    async def answer(self, pending: Pending[K, C]) -> list[dict[str, Any]]:
        """Do the message's work; the messages that answer it. A part that is down raises."""

    @abstractmethod
    async def send(self, conversation: C, message: dict[str, Any]) -> None:
        """Send one stored message of an answer."""

    @abstractmethod
    def is_outage(self, error: BaseException) -> bool:
        """Whether `error` means a part is down (wait and retry) rather than that this message cannot be handled."""

    @abstractmethod
    def is_unreachable(self, error: BaseException) -> bool:
        """Whether `error` means the user can no longer be sent anything (set the message aside at once)."""

    @abstractmethod
    def may_acknowledge(self, error: BaseException) -> bool:
        """Whether telling the user the message was received is worth trying in this outage (not when it is the
        channel itself that is down)."""

    @abstractmethod
    async def acknowledge(self, pending: Pending[K, C]) -> bool:
        """Tell the user the message was received and will be answered; whether that was sent."""

    def given_at_once(self, pending: Pending[K, C], messages: list[dict[str, Any]]) -> int:
        """How many of the answer's first messages went back at once, in the request that brought the message
        (WeChat's passive reply); they are stored as sent. None, unless a channel can."""
        return 0

    def release(self, pending: Pending[K, C]) -> None:
        """The processor leaves the message for now (its answer is stored, or it waits, or it is set aside):
        whatever still waits for its answer stops waiting. Nothing, unless a channel has such a waiter."""

    def named(self, conversation: C) -> str:
        """The conversation as the logs name it."""
        return f"{self.conversation_noun} {conversation}"

    def reopens(self, messages: list[dict[str, Any]]) -> bool:
        """Whether answering with `messages` tells `on_answered` the conversation takes messages again."""
        return True


class Processor(Generic[K, C]):
    """`on_answered(conversation)`, when given, is told of each conversation just answered (it takes messages: a
    block is over; the channel's `reopens` says when); its failure is logged and changes nothing for the message."""

    def __init__(
        self,
        inbox: Inbox[K, C],
        channel: Channel[K, C],
        clock: Clock,
        *,
        retry_base: float,
        retry_max: float,
        on_answered: Callable[[C], Awaitable[object]] | None = None,
    ) -> None:
        self.inbox = inbox
        self.channel = channel
        self.clock = clock
        self.retry_base = retry_base
        self.retry_max = retry_max
        self.on_answered = on_answered
        #: Set by the receivers when they stored messages, so they are handled without waiting for the next look.
        self.wake = asyncio.Event()
        self._conversations: dict[C, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(CONCURRENT_CONVERSATIONS)

    async def run(self, stop: asyncio.Event) -> None:
        log.info("processing the inbox")
        while not stop.is_set():
            self.wake.clear()
            try:
                due = self.inbox.due_conversations(self.clock.now())
                pause = self._pause()
            except Exception:  # the inbox's file is unreadable (disk full, locked): say so and look again
                log.exception("could not read the inbox")
                due, pause = [], 1.0
            for conversation in due:
                if conversation not in self._conversations:
                    name = f"{self.channel.conversation_noun} {conversation}"
                    task = asyncio.create_task(self._drain(conversation), name=name)
                    self._conversations[conversation] = task
                    task.add_done_callback(lambda _task, c=conversation: self._conversations.pop(c, None))  # type: ignore[misc]
            await _first_of(stop, self.wake, timeout=pause)
        if self._conversations:
            log.info("letting the work on %d %s(s) finish", len(self._conversations), self.channel.conversation_noun)
            _, unfinished = await asyncio.wait(list(self._conversations.values()), timeout=SHUTDOWN_GRACE)
            for task in unfinished:
                task.cancel()  # its message stays pending, and its stored answer is resumed after the restart
            await asyncio.gather(*unfinished, return_exceptions=True)

    def _pause(self) -> float:
        """How long to wait before looking again: until the earliest waiting message is due, at most a second."""
        wake = self.inbox.next_wake()
        if wake is None:
            return 1.0
        return min(1.0, max(0.05, (wake - self.clock.now()).total_seconds()))

    async def _drain(self, conversation: C) -> None:
        async with self._slots:
            while (pending := self.inbox.head(conversation, self.clock.now())) is not None:
                try:
                    if not await self._process(pending):
                        return
                except Exception:  # the inbox itself failed: nothing can be recorded, so stop and look again later
                    log.exception(
                        "%s %s: the inbox could not record %s %s",
                        self.channel.conversation_noun,
                        conversation,
                        self.channel.message_noun,
                        pending.key,
                    )
                    return

    async def _process(self, pending: Pending[K, C]) -> bool:
        """Handle one message; True when it is settled (done or set aside), False when it waits."""
        channel = self.channel
        key = f"{channel.delivery_prefix}:{pending.key}"
        stored = self.inbox.delivery(key)
        try:
            if stored is not None:
                log.info(
                    "%s was answered before the worker stopped; sending the %d message(s) not sent yet",
                    self._where(pending),
                    len(stored.messages) - stored.sent,
                )
            else:
                messages = await channel.answer(pending)
                given = channel.given_at_once(pending, messages)
                stored = self.inbox.add_delivery(key, pending.conversation, messages, self.clock.now(), sent=given)
            channel.release(pending)
            for index in range(stored.sent, len(stored.messages)):
                await channel.send(stored.conversation, stored.messages[index])
                self.inbox.mark_sent(key, index + 1)
        except Exception as error:  # noqa: BLE001 — any failure of a turn is recorded and retried or reported
            return await self._failed(pending, error, answer_started=self.inbox.delivery(key) is not None)
        self.inbox.done(pending.key, self.clock.now())
        log.info(
            "%s %s%s",
            self._where(pending),
            channel.done_word,
            f" after {pending.attempts} failed attempt(s)" if pending.attempts else "",
        )
        if self.on_answered is not None and channel.reopens(stored.messages):
            try:
                await self.on_answered(pending.conversation)
            except Exception:
                log.exception(
                    "%s: answered, but what follows from that could not be recorded",
                    channel.named(pending.conversation),
                )
        return True

    async def _failed(self, pending: Pending[K, C], error: Exception, *, answer_started: bool) -> bool:
        channel, now = self.channel, self.clock.now()
        reason = f"{type(error).__name__}: {error}"
        where = self._where(pending)
        if channel.is_unreachable(error):
            log.warning("%s cannot be answered: %s (%s)", where, reason, channel.unreachable_because)
            channel.release(pending)
            self.inbox.failed(pending.key, reason, now)
            return True
        if channel.is_outage(error):
            acknowledged = pending.acknowledged
            if not acknowledged and not answer_started and channel.may_acknowledge(error):
                acknowledged = await self._acknowledge(pending)
            channel.release(pending)
            delay = min(self.retry_max, self.retry_base * 2 ** min(pending.attempts, 20))
            self.inbox.retry(pending.key, reason, now + timedelta(seconds=delay), acknowledged=acknowledged)
            log.warning("%s waits: %s; trying again in %.1f s", where, reason, delay)
            return False
        channel.release(pending)
        attempts = self.inbox.retry(
            pending.key, reason, now + timedelta(seconds=self.retry_base), acknowledged=pending.acknowledged
        )
        if attempts >= MAX_ATTEMPTS:
            log.error("%s failed %d times and is set aside: %s", where, attempts, reason, exc_info=error)
            self.inbox.failed(pending.key, reason, now)
            return True
        log.error("%s failed (attempt %d of %d): %s", where, attempts, MAX_ATTEMPTS, reason, exc_info=error)
        return False

    async def _acknowledge(self, pending: Pending[K, C]) -> bool:
        """Tell the user their message was received and will be answered; whether that was sent."""
        try:
            return await self.channel.acknowledge(pending)
        except Exception as error:  # noqa: BLE001 — the reply to come matters more than this note: record, go on
            log.warning(
                "could not tell %s that %s %s was received: %s",
                self.channel.named(pending.conversation),
                self.channel.message_noun,
                pending.key,
                error,
            )
            return False

    def _where(self, pending: Pending[K, C]) -> str:
        return f"{self.channel.message_noun} {pending.key} of {self.channel.named(pending.conversation)}"


async def _first_of(stop: asyncio.Event, wake: asyncio.Event, *, timeout: float) -> None:
    """Wait until `stop` or `wake` is set, or `timeout` seconds have passed."""
    waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
