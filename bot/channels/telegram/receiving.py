"""Receiving updates from Telegram, by long polling or by webhook, into the inbox.

Both keep one rule: an update is stored before Telegram is told it was received. python-telegram-bot's own
`Updater` does not (when polling it confirms a batch with the next getUpdates call while the batch still sits
in a queue in memory, and its webhook answers 200 before any handler runs), so a crash there loses updates.
Here, polling confirms a batch only by asking for the next one after the batch is stored, and the webhook
answers 200 only once the update is stored; a failed store gets no confirmation, so Telegram sends it again.
Telegram may send an update twice (a restart before the confirmation); the inbox keeps the first.

Long polling is the default: it works from behind a government intranet's NAT, since only the worker opens
connections. A webhook needs a public HTTPS address (usually a reverse proxy in front of
IPDESK_TELEGRAM_WEBHOOK_LISTEN:PORT) and is checked by the secret token Telegram sends with every request.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Awaitable, Callable, Sequence

from aiohttp import web
from telegram import Bot, Update
from telegram.error import InvalidToken, TelegramError

from bot.clock import Clock
from bot.channels.telegram.config import TelegramSettings
from bot.channels.telegram.inbox import Inbox
from bot.channels.telegram.sending import Messenger

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Pause after a failed getUpdates (Telegram unreachable), doubling up to the maximum.
POLL_RETRY_BASE, POLL_RETRY_MAX = 1.0, 30.0


def store(inbox: Inbox, updates: Sequence[Update], clock: Clock) -> int:
    """Put updates in the inbox; how many were new."""
    rows = [(u.update_id, u.effective_chat.id if u.effective_chat else None, u.to_dict()) for u in updates]
    return inbox.store(rows, clock.now())


class Poller:
    """Long polling: getUpdates, store, confirm by asking for the next."""

    def __init__(self, bot: Bot, messenger: Messenger, inbox: Inbox, clock: Clock, wake: asyncio.Event,
                 timeout: float) -> None:
        self.bot = bot
        self.messenger = messenger
        self.inbox = inbox
        self.clock = clock
        self.wake = wake
        self.timeout = timeout

    async def run(self, stop: asyncio.Event) -> None:
        # getUpdates is refused while a webhook is set; keep what Telegram holds for us (no dropping).
        await until_done(stop, "deleteWebhook", lambda: self.messenger.call(
            "deleteWebhook", lambda: self.bot.delete_webhook(drop_pending_updates=False)))
        log.info("receiving updates by long polling")
        # No offset at first: Telegram then sends every update not confirmed yet, including those a previous run
        # stored but had not confirmed; the inbox drops the repeats.
        offset: int | None = None
        failures = 0
        while not stop.is_set():
            try:
                updates = await self.messenger.call("getUpdates", lambda: self.bot.get_updates(
                    offset=offset,  # noqa: B023 — the call is awaited in this pass of the loop
                    timeout=max(1, int(self.timeout)), allowed_updates=list(ALLOWED_UPDATES)))
            except InvalidToken:
                raise
            except TelegramError as error:  # unreachable, timed out, or another process polls (Conflict)
                failures += 1
                pause = min(POLL_RETRY_MAX, POLL_RETRY_BASE * 2 ** min(failures - 1, 10))
                log.warning("getUpdates failed (%s: %s); trying again in %.0f s", type(error).__name__, error, pause)
                await asyncio.sleep(pause)
                continue
            failures = 0
            if not updates:
                continue
            try:
                new = store(self.inbox, updates, self.clock)
            except Exception:
                log.exception("could not store %d update(s); they stay unconfirmed and will be fetched again",
                              len(updates))
                await asyncio.sleep(POLL_RETRY_BASE)
                continue
            offset = updates[-1].update_id + 1
            log.info("received %d update(s), %d new", len(updates), new)
            self.wake.set()


class WebhookReceiver:
    """A small HTTP server Telegram posts updates to; each is stored before the 200 goes back."""

    def __init__(self, bot: Bot, messenger: Messenger, inbox: Inbox, clock: Clock, wake: asyncio.Event,
                 settings: TelegramSettings) -> None:
        self.bot = bot
        self.messenger = messenger
        self.inbox = inbox
        self.clock = clock
        self.wake = wake
        self.settings = settings

    async def run(self, stop: asyncio.Event) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post(self.settings.webhook_path, self.receive)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.settings.webhook_listen, self.settings.webhook_port).start()
            log.info("webhook listening on %s:%d%s", self.settings.webhook_listen, self.settings.webhook_port,
                     self.settings.webhook_path)
            url = self.settings.webhook_url
            assert url is not None  # TelegramSettings requires it in webhook mode
            await until_done(stop, "setWebhook", lambda: self.messenger.call("setWebhook", lambda: self.bot.set_webhook(
                url, secret_token=self.settings.webhook_secret,
                allowed_updates=list(ALLOWED_UPDATES), drop_pending_updates=False)))
            log.info("receiving updates by webhook at %s", self.settings.webhook_url)
            await stop.wait()
        finally:
            # The webhook stays set: while the worker is away Telegram keeps the updates and sends them later.
            await runner.cleanup()

    async def receive(self, request: web.Request) -> web.Response:
        secret = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(secret.encode(), (self.settings.webhook_secret or "").encode()):
            log.warning("webhook request from %s refused: wrong or missing secret token", request.remote)
            return web.json_response({"error": "forbidden"}, status=403)
        try:
            body = await request.json()
            update = Update.de_json(body, self.bot)
            if not isinstance(update.update_id, int):
                raise ValueError("no update_id")
        except (json.JSONDecodeError, TypeError, KeyError, ValueError) as error:
            log.warning("webhook request from %s refused: not an update (%s)", request.remote, error)
            return web.json_response({"error": "not an update"}, status=400)
        try:
            store(self.inbox, [update], self.clock)
        except Exception:
            log.exception("could not store update %s; answering 500 so that Telegram sends it again", update.update_id)
            return web.json_response({"error": "not stored"}, status=500)
        self.wake.set()
        return web.json_response({"ok": True})


async def until_done(stop: asyncio.Event, what: str, attempt: Callable[[], Awaitable[object]]) -> None:
    """Run `attempt()` until it succeeds or the worker stops; a bad token ends the worker (retrying cannot help)."""
    failures = 0
    while not stop.is_set():
        try:
            await attempt()
            return
        except InvalidToken:
            raise
        except TelegramError as error:
            failures += 1
            pause = min(POLL_RETRY_MAX, POLL_RETRY_BASE * 2 ** min(failures - 1, 10))
            log.warning("%s failed (%s: %s); trying again in %.0f s", what, type(error).__name__, error, pause)
            await asyncio.sleep(pause)
