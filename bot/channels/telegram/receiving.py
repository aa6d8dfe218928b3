"""Receiving updates from Telegram, by long polling or by webhook, into the inbox.

Both keep one rule: an update is stored before Telegram is told it was received. python-telegram-bot's own
`Updater` does not (when polling it confirms a batch with the next getUpdates call while the batch still sits
in a queue in memory, and its webhook answers 200 before any handler runs), so a crash there loses updates.
Here, polling confirms a batch only by asking for the next one after the batch is stored, and the webhook
answers 200 only once the update is stored; a failed store gets no confirmation, so Telegram sends it again.
Telegram may send an update twice (a restart before the confirmation); the inbox keeps the first.

An update the Telegram library cannot read (a callback query without `chat_instance`, a field of a newer Bot API)
must not stop the worker, nor come back after a restart to stop it again: updates are fetched as JSON and read one
by one; one that cannot be read is stored raw (set aside as failed, with the reason), confirmed like any other, and
staff are alerted (`on_unreadable`).

Long polling is the default: it works from behind a government intranet's NAT, since only the worker opens
connections. A webhook needs a public HTTPS address (usually a reverse proxy in front of
IPDESK_TELEGRAM_WEBHOOK_LISTEN:PORT) and is checked by the secret token Telegram sends with every request.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import warnings
from typing import Any, Awaitable, Callable, Sequence

from aiohttp import web
from telegram import Bot, Update
from telegram.error import InvalidToken, TelegramError
from telegram.warnings import PTBUserWarning

from bot.channels.payloads import RefusedPayload, clean_value
from bot.clock import Clock
from bot.channels.telegram.config import TelegramSettings
from bot.channels.telegram.inbox import Inbox
from bot.channels.telegram.sending import Messenger

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Pause after a failed getUpdates (Telegram unreachable), doubling up to the maximum.
POLL_RETRY_BASE, POLL_RETRY_MAX = 1.0, 30.0


#: Told of an update that could not be read: its id and why (the worker alerts staff).
OnUnreadable = Callable[[int, str], Awaitable[None]]
# getUpdates is called through do_api_request to get the updates as JSON, each read on its own (see above).
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'", category=PTBUserWarning)


def store(inbox: Inbox, updates: Sequence[Update], clock: Clock) -> int:
    """Put updates in the inbox; how many were new."""
    rows = [(u.update_id, u.effective_chat.id if u.effective_chat else None, u.to_dict()) for u in updates]
    return inbox.store(rows, clock.now())


def read_updates(raw: Sequence[Any], bot: Bot) -> tuple[list[Update], list[tuple[int, dict[str, Any], str]]]:
    """The updates the library can read, and (update id, raw JSON, why) of those it cannot; every string cleaned."""
    readable: list[Update] = []
    unreadable: list[tuple[int, dict[str, Any], str]] = []
    for item in raw:
        update_id = item.get("update_id") if isinstance(item, dict) else None
        if not isinstance(update_id, int):
            log.warning("an update without an update_id was dropped: %.200r", item)
            continue
        try:
            # Cleaned before anything reads it: a lone surrogate (JSON may carry "\ud800") is text no store can
            # keep, and the inbox stores the update before it is handled.
            item = clean_value(item)
        except RefusedPayload as error:
            unreadable.append((update_id, {"update_id": update_id}, f"not stored: {error}"))
            continue
        try:
            update = Update.de_json(item, bot)
            if update is None or update.update_id != update_id:
                raise ValueError("not an update")
        except Exception as error:  # noqa: BLE001 (any error of the library's reading sets the update aside, never fatal)
            unreadable.append((update_id, item, f"{type(error).__name__}: {error}"[:500]))
            continue
        readable.append(update)
    return readable, unreadable


async def keep_unreadable(
    inbox: Inbox,
    unreadable: Sequence[tuple[int, dict[str, Any], str]],
    clock: Clock,
    on_unreadable: OnUnreadable | None,
) -> None:
    """Store updates that could not be read as they came (set aside as failed with the reason) and alert staff."""
    for update_id, item, reason in unreadable:
        log.error("update %s cannot be read (%s); kept in the inbox, set aside, staff alerted", update_id, reason)
        now = clock.now()
        if inbox.store([(update_id, None, {"unreadable": item})], now):
            inbox.failed(update_id, f"unreadable: {reason}", now)
            if on_unreadable is not None:
                try:
                    await on_unreadable(update_id, reason)
                except Exception:
                    log.exception("staff could not be alerted to the unreadable update %s", update_id)


class Poller:
    """Long polling: getUpdates, store, confirm by asking for the next."""

    def __init__(
        self,
        bot: Bot,
        messenger: Messenger,
        inbox: Inbox,
        clock: Clock,
        wake: asyncio.Event,
        timeout: float,
        on_unreadable: OnUnreadable | None = None,
    ) -> None:
        self.bot = bot
        self.messenger = messenger
        self.inbox = inbox
        self.clock = clock
        self.wake = wake
        self.timeout = timeout
        self.on_unreadable = on_unreadable

    async def _get_updates(self, offset: int | None) -> list[Any]:
        """getUpdates' answer as JSON (the library would read the whole batch at once, and fail on one update)."""
        poll = max(1, int(self.timeout))
        arguments: dict[str, Any] = {"timeout": poll, "allowed_updates": list(ALLOWED_UPDATES)}
        if offset is not None:
            arguments["offset"] = offset
        result = await self.bot.do_api_request("getUpdates", api_kwargs=arguments, read_timeout=poll + 10)
        return result if isinstance(result, list) else []

    async def run(self, stop: asyncio.Event) -> None:
        # getUpdates is refused while a webhook is set; keep what Telegram holds for us (no dropping).
        await until_done(
            stop,
            "deleteWebhook",
            lambda: self.messenger.call("deleteWebhook", lambda: self.bot.delete_webhook(drop_pending_updates=False)),
        )
        log.info("receiving updates by long polling")
        # No offset at first: Telegram then sends every update not confirmed yet, including those a previous run
        # stored but had not confirmed; the inbox drops the repeats.
        offset: int | None = None
        failures = 0
        while not stop.is_set():
            try:
                raw = await self.messenger.call("getUpdates", lambda: self._get_updates(offset))  # noqa: B023 — awaited in this pass
            except InvalidToken:
                raise
            except TelegramError as error:  # unreachable, timed out, or another process polls (Conflict)
                failures += 1
                pause = min(POLL_RETRY_MAX, POLL_RETRY_BASE * 2 ** min(failures - 1, 10))
                log.warning("getUpdates failed (%s: %s); trying again in %.0f s", type(error).__name__, error, pause)
                await asyncio.sleep(pause)
                continue
            failures = 0
            updates, unreadable = read_updates(raw, self.bot)
            if not updates and not unreadable:
                continue
            try:
                new = store(self.inbox, updates, self.clock)
                await keep_unreadable(self.inbox, unreadable, self.clock, self.on_unreadable)
            except Exception:
                log.exception("could not store %d update(s); they stay unconfirmed and will be fetched again", len(raw))
                await asyncio.sleep(POLL_RETRY_BASE)
                continue
            offset = max([u.update_id for u in updates] + [u[0] for u in unreadable]) + 1
            log.info(
                "received %d update(s), %d new, %d unreadable", len(updates) + len(unreadable), new, len(unreadable)
            )
            self.wake.set()


class WebhookReceiver:
    """A small HTTP server Telegram posts updates to; each is stored before the 200 goes back."""

    def __init__(
        self,
        bot: Bot,
        messenger: Messenger,
        inbox: Inbox,
        clock: Clock,
        wake: asyncio.Event,
        settings: TelegramSettings,
        on_unreadable: OnUnreadable | None = None,
    ) -> None:
        self.bot = bot
        self.messenger = messenger
        self.inbox = inbox
        self.clock = clock
        self.wake = wake
        self.settings = settings
        self.on_unreadable = on_unreadable

    async def run(self, stop: asyncio.Event) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post(self.settings.webhook_path, self.receive)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.settings.webhook_listen, self.settings.webhook_port).start()
            log.info(
                "webhook listening on %s:%d%s",
                self.settings.webhook_listen,
                self.settings.webhook_port,
                self.settings.webhook_path,
            )
            url = self.settings.webhook_url
            assert url is not None  # TelegramSettings requires it in webhook mode
            await until_done(
                stop,
                "setWebhook",
                lambda: self.messenger.call(
                    "setWebhook",
                    lambda: self.bot.set_webhook(
                        url,
                        secret_token=self.settings.webhook_secret,
                        allowed_updates=list(ALLOWED_UPDATES),
                        drop_pending_updates=False,
                    ),
                ),
            )
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
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
            log.warning("webhook request from %s refused: not JSON (%s)", request.remote, error)
            return web.json_response({"error": "not an update"}, status=400)
        updates, unreadable = read_updates([body], self.bot)
        if not updates and not unreadable:
            return web.json_response({"error": "not an update"}, status=400)
        try:
            store(self.inbox, updates, self.clock)
            await keep_unreadable(self.inbox, unreadable, self.clock, self.on_unreadable)
        except Exception:
            log.exception(
                "could not store update %s; answering 500 so that Telegram sends it again", body.get("update_id")
            )
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
