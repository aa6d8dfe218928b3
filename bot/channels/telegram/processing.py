"""Working through the inbox: each chat's updates in order, each handled once, none lost to a part that is down.

For each chat with a due update, one task takes the chat's oldest pending update and:
1. if its answer was stored before (the worker stopped while sending it), sends what is left of it;
2. else has it handled (`UpdateHandler`), stores the answer, then sends it, recording each message sent;
3. marks the update done.

When a part the update needs is down (Rasa, the desk's database, Telegram itself) the update stays pending and
is tried again after a growing pause; the user is told once that the message was received and will be answered
(unless it was Telegram that failed: that message could not be sent either). The chat's later updates wait
behind it, so answers never overtake each other. An update that fails for any other reason (a bug, a message
Telegram refuses) is tried a few times, then set aside as failed with the error, so one bad update cannot
block its chat forever.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Awaitable, Callable

from sqlalchemy.exc import InterfaceError, OperationalError
from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.clock import Clock
from bot.channels.telegram.inbox import Inbox, PendingUpdate
from bot.channels.telegram.rasa_client import RasaUnavailable
from bot.channels.telegram.sending import Messenger
from bot.channels.telegram.updates import UpdateHandler

log = logging.getLogger(__name__)

#: Attempts at an update that fails for a reason other than a part being down, before it is set aside.
MAX_ATTEMPTS = 5
#: Chats handled at the same time.
CONCURRENT_CHATS = 16
#: On shutdown, work under way gets this long to finish before it is cancelled (and resumed after restart).
SHUTDOWN_GRACE = 5.0


def is_outage(error: BaseException) -> bool:
    """Whether `error` means a part is down (wait and retry) rather than that this update cannot be handled."""
    if isinstance(error, (RasaUnavailable, OperationalError, InterfaceError, RetryAfter)):
        return True
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


class Processor:
    """`on_answered(chat_id)`, when given, is told of each chat just answered (it takes messages: a block is over);
    its failure is logged and changes nothing for the update."""

    def __init__(
        self,
        bot: Bot,
        inbox: Inbox,
        handler: UpdateHandler,
        messenger: Messenger,
        clock: Clock,
        *,
        retry_base: float,
        retry_max: float,
        on_answered: Callable[[int], Awaitable[object]] | None = None,
    ) -> None:
        self.bot = bot
        self.on_answered = on_answered
        self.inbox = inbox
        self.handler = handler
        self.messenger = messenger
        self.clock = clock
        self.retry_base = retry_base
        self.retry_max = retry_max
        #: Set by the receivers when they stored updates, so they are handled without waiting for the next look.
        self.wake = asyncio.Event()
        self._chats: dict[int, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(CONCURRENT_CHATS)

    async def run(self, stop: asyncio.Event) -> None:
        log.info("processing the inbox")
        while not stop.is_set():
            self.wake.clear()
            try:
                due = self.inbox.due_chats(self.clock.now())
                pause = self._pause()
            except Exception:  # the inbox's file is unreadable (disk full, locked): say so and look again
                log.exception("could not read the inbox")
                due, pause = [], 1.0
            for chat_id in due:
                if chat_id not in self._chats:
                    task = asyncio.create_task(self._drain(chat_id), name=f"chat {chat_id}")
                    self._chats[chat_id] = task
                    task.add_done_callback(lambda _task, chat=chat_id: self._chats.pop(chat, None))  # type: ignore[misc]
            await _first_of(stop, self.wake, timeout=pause)
        if self._chats:
            log.info("letting the work on %d chat(s) finish", len(self._chats))
            _, unfinished = await asyncio.wait(list(self._chats.values()), timeout=SHUTDOWN_GRACE)
            for task in unfinished:
                task.cancel()  # its update stays pending, and its stored answer is resumed after the restart
            await asyncio.gather(*unfinished, return_exceptions=True)

    def _pause(self) -> float:
        """How long to wait before looking again: until the earliest waiting update is due, at most a second."""
        wake = self.inbox.next_wake()
        if wake is None:
            return 1.0
        return min(1.0, max(0.05, (wake - self.clock.now()).total_seconds()))

    async def _drain(self, chat_id: int) -> None:
        async with self._slots:
            while (pending := self.inbox.head(chat_id, self.clock.now())) is not None:
                try:
                    if not await self._process(pending):
                        return
                except Exception:  # the inbox itself failed: nothing can be recorded, so stop and look again later
                    log.exception("chat %s: the inbox could not record update %s", chat_id, pending.update_id)
                    return

    async def _process(self, pending: PendingUpdate) -> bool:
        """Handle one update; True when it is settled (done or set aside), False when it waits."""
        key = f"update:{pending.update_id}"
        stored = self.inbox.delivery(key)
        update: Update | None = None
        try:
            update = Update.de_json(pending.payload, self.bot)
            if stored is not None:
                log.info(
                    "update %s of chat %s was answered before the worker stopped; sending the %d message(s) "
                    "not sent yet",
                    pending.update_id,
                    pending.chat_id,
                    len(stored.messages) - stored.sent,
                )
                await self.messenger.deliver(key, stored.chat_id, stored.messages)
            else:
                messages = await self.handler.handle(update)
                await self.messenger.deliver(key, pending.chat_id, messages)
        except Exception as error:  # noqa: BLE001 — any failure of a turn is recorded and retried or reported
            return await self._failed(pending, update, error, answer_started=self.inbox.delivery(key) is not None)
        self.inbox.done(pending.update_id, self.clock.now())
        log.info(
            "update %s of chat %s handled%s",
            pending.update_id,
            pending.chat_id,
            f" after {pending.attempts} failed attempt(s)" if pending.attempts else "",
        )
        if self.on_answered is not None:
            try:
                await self.on_answered(pending.chat_id)
            except Exception:
                log.exception("chat %s: answered, but what follows from that could not be recorded", pending.chat_id)
        return True

    async def _failed(
        self, pending: PendingUpdate, update: Update | None, error: Exception, *, answer_started: bool
    ) -> bool:
        now = self.clock.now()
        reason = f"{type(error).__name__}: {error}"
        where = f"update {pending.update_id} of chat {pending.chat_id}"
        if isinstance(error, Forbidden):
            log.warning("%s cannot be answered: %s (the user blocked the bot or left the chat)", where, reason)
            self.inbox.failed(pending.update_id, reason, now)
            return True
        if is_outage(error):
            acknowledged = pending.acknowledged
            if (
                not acknowledged
                and not answer_started
                and update is not None
                and not isinstance(error, (NetworkError, RetryAfter))
            ):
                acknowledged = await self._acknowledge(update, pending)
            delay = min(self.retry_max, self.retry_base * 2 ** min(pending.attempts, 20))
            self.inbox.retry(pending.update_id, reason, now + timedelta(seconds=delay), acknowledged=acknowledged)
            log.warning("%s waits: %s; trying again in %.1f s", where, reason, delay)
            return False
        attempts = self.inbox.retry(
            pending.update_id, reason, now + timedelta(seconds=self.retry_base), acknowledged=pending.acknowledged
        )
        if attempts >= MAX_ATTEMPTS:
            log.error("%s failed %d times and is set aside: %s", where, attempts, reason, exc_info=error)
            self.inbox.failed(pending.update_id, reason, now)
            return True
        log.error("%s failed (attempt %d of %d): %s", where, attempts, MAX_ATTEMPTS, reason, exc_info=error)
        return False

    async def _acknowledge(self, update: Update, pending: PendingUpdate) -> bool:
        """Tell the user their message was received and will be answered; whether that was sent."""
        try:
            for message in self.handler.acknowledgement(update):
                await self.messenger.send(pending.chat_id, message)
        except Exception as error:  # noqa: BLE001 — the reply to come matters more than this note: record, go on
            log.warning(
                "could not tell chat %s that update %s was received: %s", pending.chat_id, pending.update_id, error
            )
            return False
        return True


async def _first_of(stop: asyncio.Event, wake: asyncio.Event, *, timeout: float) -> None:
    """Wait until `stop` or `wake` is set, or `timeout` seconds have passed."""
    waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(wake.wait())]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
