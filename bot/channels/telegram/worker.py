"""The Telegram worker: receiving, handling and sending, and the desk's Telegram outbox, in one asyncio process.

Four things run side by side until the worker is told to stop:
- the receiver (long polling or webhook) stores updates in the inbox;
- the processor handles the inbox, each chat in order;
- the desk round, every few seconds in a thread: delivers the desk's outbox for channel "telegram" and attaches
  files to the tickets opened since they were sent;
- inbox housekeeping, hourly.

Nothing here needs Telegram, Rasa or the desk's database to be up at start: the worker waits for Telegram and
retries the rest, so `make run` can start it with everything else.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Callable

from telegram import Bot, BotCommand

from bot.desk.attachments import attach_pending
from bot.clock import SystemClock
from bot.settings import DeskSettings
from bot.desk.services import DeskServices, open_database
from bot.desk.outbox import OutboxWorker, enqueue
from bot.channels.telegram.config import TelegramSettings
from bot.channels.telegram.documents import DocumentReceiver
from bot.channels.telegram.experts import ExpertDesk
from bot.channels.identity import sender_id
from bot.channels.processing import Processor
from bot.channels.telegram.inbox import Inbox
from bot.channels.telegram.outbox import CHANNEL, TelegramSender
from bot.channels.telegram.processing import TelegramChannel
from bot.channels.telegram.rasa_client import RasaClient
from bot.channels.telegram.receiving import Poller, WebhookReceiver, until_done
from bot.channels.telegram.sending import Messenger
from bot.channels.telegram.updates import UpdateHandler
from bot.desk.risk_warnings import mark_blocked

log = logging.getLogger(__name__)

HOUSEKEEPING_EVERY = 3600.0

#: The command menu Telegram shows, in Chinese by default and in English to English-speaking apps.
COMMANDS = {
    None: [
        ("start", "介绍与隐私说明"),
        ("help", "使用帮助"),
        ("expert", "找专家顾问"),
        ("subscribe", "订阅预警，如 /subscribe 美国 专利"),
        ("unsubscribe", "退订预警"),
        ("cancel", "取消当前操作"),
        ("lang", "切换语言 / Language"),
    ],
    "en": [
        ("start", "what this bot does, privacy"),
        ("help", "how to use it"),
        ("expert", "ask for an expert"),
        ("subscribe", "warnings, e.g. /subscribe US patent"),
        ("unsubscribe", "stop warnings"),
        ("cancel", "stop what is under way"),
        ("lang", "language / 语言"),
    ],
}


async def run(settings: TelegramSettings, stop: asyncio.Event) -> None:
    """Serve the bot until `stop` is set; raises `telegram.error.InvalidToken` for a token Telegram refuses."""
    clock = SystemClock()
    desk_settings = DeskSettings.from_environment()
    inbox = Inbox(settings.inbox_url)
    database = open_database(desk_settings, schema=False)  # the desk's database may be down when the worker starts
    desk_sessions = database.sessions
    bot = Bot(settings.token, base_url=f"{settings.base_url}/bot", base_file_url=f"{settings.base_url}/file/bot")
    rasa = RasaClient(settings.rasa_url, settings.rasa_token)
    messenger = Messenger(bot, inbox, clock)
    try:
        await until_done(stop, "connecting to Telegram (getMe)", bot.initialize)
        if stop.is_set():
            return
        log.info("connected to the Bot API at %s as @%s (%s mode)", settings.base_url, bot.username, settings.mode)
        await _describe_commands(bot, messenger)

        services = DeskServices.over(database, clock)
        desk, warnings = services.desk, services.warnings
        documents = DocumentReceiver(bot, messenger, rasa, desk_sessions, clock, settings.attachments_dir)
        handler = UpdateHandler(bot, messenger, inbox, rasa, ExpertDesk(desk), documents, clock)
        processor = Processor(
            inbox,
            TelegramChannel(bot, handler, messenger),
            clock,
            retry_base=settings.retry_base,
            retry_max=settings.retry_max,
            on_answered=lambda chat_id: asyncio.to_thread(warnings.chat_open, CHANNEL, sender_id(chat_id)),
        )

        async def alert_unreadable(update_id: int, reason: str) -> None:
            """Tell staff (the desk's staff alert) of an update kept raw in the inbox because it could not be read."""

            def queue() -> None:
                with desk_sessions.begin() as session:
                    enqueue(
                        session,
                        desk_settings.staff_channel,
                        desk_settings.staff_recipient,
                        "staff_alert",
                        {
                            "text": f"Telegram 更新 {update_id} 无法解析，已原样保存在 Telegram 收件箱并跳过（{reason[:200]}），"
                            "用户未获答复，请检查。",
                            "priority": "normal",
                        },
                        f"telegram-unreadable:{update_id}",
                        now=clock.now(),
                    )

            await asyncio.to_thread(queue)

        receiver = (
            Poller(bot, messenger, inbox, clock, processor.wake, settings.poll_timeout, alert_unreadable)
            if settings.mode == "polling"
            else WebhookReceiver(bot, messenger, inbox, clock, processor.wake, settings, alert_unreadable)
        )
        sender = TelegramSender(
            messenger,
            inbox,
            clock,
            asyncio.get_running_loop(),
            rasa_url=settings.rasa_url,
            rasa_token=settings.rasa_token,
        )
        outbox = OutboxWorker(
            desk_sessions,
            {CHANNEL: sender},
            clock,
            f"telegram:{socket.gethostname()}:{os.getpid()}",
            settings=desk_settings,
            on_blocked=mark_blocked,
        )

        schema_ready = False

        def desk_round() -> None:
            nonlocal schema_ready
            if not schema_ready:  # the desk's database may be down when the worker starts
                database.create_schema()
                schema_ready = True
            outbox.run_once()
            attach_pending(desk_sessions, clock)

        tasks = [
            asyncio.create_task(receiver.run(stop), name="receiver"),
            asyncio.create_task(processor.run(stop), name="processor"),
            asyncio.create_task(
                _every(stop, settings.desk_interval, "the desk round (outbox, attachments)", desk_round)
            ),
            asyncio.create_task(
                _every(stop, HOUSEKEEPING_EVERY, "inbox housekeeping", lambda: inbox.prune(clock.now()))
            ),
        ]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        stop.set()  # one part ended (a refused token, or the stop itself): the others follow
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                raise result
    finally:
        await bot.shutdown()
        await rasa.close()
        inbox.close()
        database.engine.dispose()


async def _describe_commands(bot: Bot, messenger: Messenger) -> None:
    """Show the commands in Telegram's menu. Only a convenience: a failure is logged and the worker goes on."""
    for language, commands in COMMANDS.items():
        try:
            await messenger.call(
                "setMyCommands",
                lambda: bot.set_my_commands(
                    [BotCommand(name, description) for name, description in commands],  # noqa: B023
                    language_code=language,  # noqa: B023
                ),
            )
        except Exception as error:  # noqa: BLE001 — a convenience: logged, and the worker goes on
            log.warning(
                "could not set the command menu (%s): %s: %s", language or "default", type(error).__name__, error
            )


async def _every(stop: asyncio.Event, interval: float, what: str, job: Callable[[], object]) -> None:
    """Run the blocking `job` in a thread every `interval` seconds until `stop`. A failing job (the desk's
    database is down) is logged in full once, then briefly until it works again."""
    failing = False
    while not stop.is_set():
        try:
            await asyncio.to_thread(job)
        except Exception as error:
            if failing:
                log.warning("%s is still failing: %s: %s", what, type(error).__name__, error)
            else:
                log.exception("%s failed; trying again every %.0f s", what, interval)
            failing = True
        else:
            if failing:
                log.info("%s works again", what)
            failing = False
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except asyncio.TimeoutError:
            pass
