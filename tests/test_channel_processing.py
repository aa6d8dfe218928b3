"""The channels' processor (bot/channels/processing.py) over a real inbox file, with a channel of the test's own that
answers, fails and sends as told: what a Telegram or WeChat user sees of it — answers in order, once; told once
that a message waits; a broken message set aside without blocking the rest; a half-sent answer finished, not
repeated."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


from bot.channels.inbox import Pending
from bot.channels.processing import MAX_ATTEMPTS, Channel, Processor
from bot.channels.telegram.inbox import Inbox
from bot.clock import SystemClock


class PartDown(Exception):
    """A part the answer needs is down."""


class Gone(Exception):
    """The user can no longer be sent anything."""


class Recorded(Channel[int, int]):
    """Answers update N with "answer N"; `fail` says what answering an update raises for now."""

    message_noun = "update"
    conversation_noun = "chat"
    delivery_prefix = "update"
    unreachable_because = "gone"

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []
        self.answered: list[int] = []
        self.fail: dict[int, Exception] = {}
        self.at_once = 0

    async def answer(self, pending: Pending[int, int]) -> list[dict[str, Any]]:
        if pending.key in self.fail:
            raise self.fail[pending.key]
        self.answered.append(pending.key)
        return [{"text": f"answer {pending.key}"}, {"text": f"more {pending.key}"}]

    async def send(self, conversation: int, message: dict[str, Any]) -> None:
        self.sent.append((conversation, message["text"]))

    def is_outage(self, error: BaseException) -> bool:
        return isinstance(error, PartDown)

    def is_unreachable(self, error: BaseException) -> bool:
        return isinstance(error, Gone)

    def may_acknowledge(self, error: BaseException) -> bool:
        return True

    async def acknowledge(self, pending: Pending[int, int]) -> bool:
        await self.send(pending.conversation, {"text": f"received {pending.key}"})
        return True

    def given_at_once(self, pending: Pending[int, int], messages: list[dict[str, Any]]) -> int:
        return self.at_once


def run_until(inbox: Inbox, channel: Recorded, done: Callable[[], bool], *, steps: Callable[[], None] = lambda: None):
    """Run the processor until `done()` (checked every 20 ms, `steps()` called before each check), at most 10 s."""
    answered: list[int] = []

    async def on_answered(chat: int) -> None:
        answered.append(chat)

    async def main() -> None:
        stop = asyncio.Event()
        processor = Processor(inbox, channel, SystemClock(), retry_base=0.02, retry_max=0.05, on_answered=on_answered)
        task = asyncio.create_task(processor.run(stop))
        for _ in range(500):
            steps()
            if done():
                break
            await asyncio.sleep(0.02)
        stop.set()
        await task

    asyncio.run(main())
    return answered


def test_a_chat_is_told_once_its_message_waits_and_its_later_ones_are_answered_after_it(telegram_inbox) -> None:
    now = SystemClock().now()
    telegram_inbox.store([(1, 10, {}), (2, 10, {}), (3, 20, {})], now)
    channel = Recorded()
    channel.fail[1] = PartDown("Rasa is down")
    tries = iter(range(10**6))

    def rasa_back_after_a_few_tries() -> None:
        if next(tries) == 10:
            del channel.fail[1]

    answered = run_until(telegram_inbox, channel, lambda: len(channel.sent) == 7, steps=rasa_back_after_a_few_tries)
    chat_10 = [text for chat, text in channel.sent if chat == 10]
    assert chat_10 == ["received 1", "answer 1", "more 1", "answer 2", "more 2"]  # told once, then in order
    assert [text for chat, text in channel.sent if chat == 20] == ["answer 3", "more 3"]  # never held up by chat 10
    assert channel.answered.index(3) < channel.answered.index(1)
    assert sorted(answered) == [10, 10, 20]
    assert telegram_inbox.head(10, SystemClock().now()) is None


def test_a_message_that_keeps_failing_is_set_aside_and_the_chat_goes_on(telegram_inbox) -> None:
    telegram_inbox.store([(1, 10, {}), (2, 10, {})], SystemClock().now())
    channel = Recorded()
    channel.fail[1] = ValueError("a bug")
    run_until(telegram_inbox, channel, lambda: len(channel.sent) == 2)
    assert channel.sent == [(10, "answer 2"), (10, "more 2")]  # no "received": nothing was down
    with telegram_inbox.sessions() as session:
        row = session.execute(telegram_inbox.layout.messages.select().where(telegram_inbox.layout.key == 1)).one()
    assert (row.status, row.attempts, row.last_error) == ("failed", MAX_ATTEMPTS, "ValueError: a bug")


def test_a_user_who_cannot_be_reached_is_not_tried_again(telegram_inbox) -> None:
    telegram_inbox.store([(1, 10, {})], SystemClock().now())
    channel = Recorded()
    channel.fail[1] = Gone("blocked")
    run_until(telegram_inbox, channel, lambda: telegram_inbox.head(10, SystemClock().now()) is None)
    with telegram_inbox.sessions() as session:
        row = session.execute(telegram_inbox.layout.messages.select().where(telegram_inbox.layout.key == 1)).one()
    assert (row.status, row.attempts) == ("failed", 0)
    assert channel.sent == []


def test_a_half_sent_answer_is_finished_without_a_second_turn(telegram_inbox) -> None:
    now = SystemClock().now()
    telegram_inbox.store([(1, 10, {})], now)
    telegram_inbox.add_delivery("update:1", 10, [{"text": "一"}, {"text": "二"}, {"text": "三"}], now)
    telegram_inbox.mark_sent("update:1", 1)  # the worker stopped after the first part
    channel = Recorded()
    run_until(telegram_inbox, channel, lambda: telegram_inbox.head(10, SystemClock().now()) is None)
    assert channel.answered == []
    assert channel.sent == [(10, "二"), (10, "三")]
    assert telegram_inbox.delivery("update:1").sent == 3


def test_what_the_channel_gave_at_once_is_not_sent_again(telegram_inbox) -> None:
    telegram_inbox.store([(1, 10, {})], SystemClock().now())
    channel = Recorded()
    channel.at_once = 1  # as WeChat's passive reply
    run_until(telegram_inbox, channel, lambda: telegram_inbox.head(10, SystemClock().now()) is None)
    assert channel.sent == [(10, "more 1")]
