"""Sending through python-telegram-bot to the fake Bot API: escaping for the parse mode, flood limits, and
deliveries that resume after a restart instead of starting again."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from typing import Awaitable, Callable

import pytest
from telegram import Bot

from bot.clock import ManualClock
from bot.channels.telegram.inbox import Inbox
from bot.channels.telegram.sending import Messenger
from tests.helpers.telegram_fake import FakeBotApi

TOKEN = "616161:sending-tests"


@pytest.fixture()
def api():
    api = FakeBotApi(TOKEN)
    yield api
    api.close()


def with_messenger(api: FakeBotApi, inbox: Inbox, work: Callable[[Messenger], Awaitable[object]]) -> None:
    """Run `work` with a Messenger over a real python-telegram-bot `Bot` talking to the fake API."""

    async def main() -> None:
        async with Bot(TOKEN, base_url=f"{api.base_url}/bot", base_file_url=f"{api.base_url}/file/bot") as bot:
            await work(Messenger(bot, inbox, ManualClock(datetime(2026, 11, 24, tzinfo=timezone.utc))))

    asyncio.run(main())


def test_text_is_escaped_for_html_and_arrives_as_typed(api, telegram_inbox) -> None:
    text = "请提供<公司名称>及R&D部门的联系方式 <b>不是粗体</b>"
    with_messenger(
        api,
        telegram_inbox,
        lambda m: m.send(1, {"text": text, "keyboard": [[{"text": "找专家咨询", "callback_data": "b:x"}]]}),
    )
    [sent] = api.sent(1)
    assert sent.params["parse_mode"] == "HTML"
    assert sent.params["text"] == "请提供&lt;公司名称&gt;及R&amp;D部门的联系方式 &lt;b&gt;不是粗体&lt;/b&gt;"
    assert sent.text == text
    assert sent.buttons == [{"text": "找专家咨询", "callback_data": "b:x"}]


def test_a_flood_limit_is_waited_out(api, telegram_inbox) -> None:
    api.fail_next("sendMessage", retry_after=1)
    started = time.monotonic()
    with_messenger(api, telegram_inbox, lambda m: m.send(2, {"text": "你好"}))
    assert time.monotonic() - started >= 1.0
    assert [c.status for c in api.calls_of("sendMessage")] == [429, 200]


def test_a_delivery_resumes_where_it_stopped_and_is_never_sent_twice(api, telegram_inbox) -> None:
    messages = [{"text": "第一部分"}, {"text": "第二部分"}, {"text": "第三部分"}]
    stored = telegram_inbox.add_delivery("update:7", 3, messages, datetime(2026, 11, 24, tzinfo=timezone.utc))
    telegram_inbox.mark_sent(stored.key, 1)  # the worker stopped after the first part

    async def twice(messenger: Messenger) -> None:
        await asyncio.gather(messenger.deliver("update:7", 3, messages), messenger.deliver("update:7", 3, messages))
        await messenger.deliver("update:7", 3, messages)

    with_messenger(api, telegram_inbox, twice)
    assert [c.text for c in api.sent(3)] == ["第二部分", "第三部分"]
    assert telegram_inbox.delivery("update:7").sent == 3
