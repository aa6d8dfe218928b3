"""The WeChat worker: the server URL, the inbox's processing and the desk's WeChat outbox, in one asyncio process.

Side by side until told to stop:
- the HTTP server WeChat posts to (`server`), which stores each message and answers within five seconds;
- the processor (`processing`), each follower's messages in order;
- the desk round, every few seconds in a thread: delivers the desk's outbox for channel "wechat";
- inbox housekeeping, hourly.

Nothing needs WeChat, Rasa or the desk's database to be up at start: the server takes messages at once, and the
rest is retried.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket

from aiohttp import web

from bot.channels.identity import WECHAT_PREFIX
from bot.channels.processing import Processor
from bot.channels.telegram.worker import HOUSEKEEPING_EVERY, _every
from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.config import WeChatSettings
from bot.channels.wechat.handling import MessageHandler, RasaClient
from bot.channels.wechat.inbox import Inbox
from bot.channels.wechat.outbox import CHANNEL, WeChatSender, follow_hooks
from bot.channels.wechat.processing import WeChatChannel
from bot.channels.wechat.server import Server
from bot.channels.wechat.tokens import TokenStore
from bot.clock import SystemClock
from bot.desk.outbox import OutboxWorker
from bot.desk.risk_warnings import mark_blocked
from bot.desk.services import DeskServices, open_database
from bot.settings import DeskSettings

log = logging.getLogger(__name__)


def open_api(settings: WeChatSettings, engine: object) -> WeChatApi:
    """The API client with its token shared through the desk's database behind `engine`."""
    api = WeChatApi(settings.api_base, settings.app_id, settings.secret)
    api.tokens = TokenStore(engine, settings.app_id, api.fetch_token, SystemClock().now)  # type: ignore[arg-type]
    return api


async def run(settings: WeChatSettings, stop: asyncio.Event) -> None:
    clock = SystemClock()
    desk_settings = DeskSettings.from_environment()
    inbox = Inbox(settings.inbox_url)
    database = open_database(desk_settings, schema=False)  # the desk's database may be down when the worker starts
    api = open_api(settings, database.engine)
    rasa = RasaClient(settings.rasa_url, settings.rasa_token)
    services = DeskServices.over(database, clock)
    on_follow, on_unfollow = follow_hooks(database.sessions, services.warnings.chat_open, clock.now)
    handler = MessageHandler(
        inbox,
        rasa,
        clock,
        source_url=settings.source_url,
        on_follow=on_follow,
        on_unfollow=on_unfollow,
        retention_days=desk_settings.retention_days,
    )
    channel = WeChatChannel(inbox, handler, api)
    processor = Processor(
        inbox,
        channel,
        clock,
        retry_base=settings.retry_base,
        retry_max=settings.retry_max,
        on_answered=lambda openid: asyncio.to_thread(services.warnings.chat_open, CHANNEL, f"{WECHAT_PREFIX}{openid}"),
    )
    sender = WeChatSender(
        api,
        inbox,
        clock,
        rasa_url=settings.rasa_url,
        rasa_token=settings.rasa_token,
        template_desk=settings.template_desk,
        template_warning=settings.template_warning,
        source_url=settings.source_url,
    )
    outbox = OutboxWorker(
        database.sessions,
        {CHANNEL: sender},
        clock,
        f"wechat:{socket.gethostname()}:{os.getpid()}",
        settings=desk_settings,
        on_blocked=mark_blocked,
    )
    schema_ready = False

    def desk_round() -> None:
        nonlocal schema_ready
        if not schema_ready:
            database.create_schema()
            schema_ready = True
        outbox.run_once()

    runner = web.AppRunner(Server(settings, inbox, channel, processor.wake, clock).app(), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.listen, settings.port).start()
        log.info(
            "the server URL listens on %s:%d%s (%s mode); WeChat's API at %s",
            settings.listen,
            settings.port,
            settings.path,
            "safe/plaintext" if settings.aes_key else "plaintext",
            settings.api_base,
        )
        tasks = [
            asyncio.create_task(processor.run(stop), name="processor"),
            asyncio.create_task(_every(stop, settings.desk_interval, "the desk round (WeChat outbox)", desk_round)),
            asyncio.create_task(
                _every(stop, HOUSEKEEPING_EVERY, "inbox housekeeping", lambda: inbox.prune(clock.now()))
            ),
        ]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        stop.set()
        for result in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                raise result
    finally:
        await runner.cleanup()
        await rasa.close()
        api.close()
        inbox.close()
        database.engine.dispose()
