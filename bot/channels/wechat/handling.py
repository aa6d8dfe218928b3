"""What the worker does with each kind of WeChat message, and what it answers.

`MessageHandler.handle` does a stored message's work and returns the messages that answer it (see `rendering`);
the caller (`processing`) gives the first in the passive reply when it can and sends the rest. A part that is down
raises (`RasaUnavailable`, the desk's database), and the message waits in the inbox.

- text → Rasa as the user's message; a tapped menu option (`bizmsgmenuid`) or a number answering a numbered list
  → that button's payload; WeChat has no commands, so a leading "/" (which Rasa would read as an intent) is dropped;
- voice → its recognition text (WeChat's own, when the account has it on), else a note that only text is read;
- the custom menu's CLICK events → their Rasa payload (`menu.MENU_PAYLOADS`);
- subscribe (follow) → the greeting with the privacy notice, and pushes resume; unsubscribe (unfollow) → the
  follower's warning subscriptions are blocked and waiting pushes given up, with no answer (none could arrive);
- anything else (pictures, locations, links) → a note of what the bot reads.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, Callable

import httpx

from bot.channels.identity import wechat_sender_id
from bot.channels.payloads import MAX_CHARS, clean_text, too_long_text
from bot.channels.telegram.rasa_client import RasaUnavailable
from bot.channels.wechat import texts
from bot.channels.wechat.inbox import Inbox
from bot.channels.wechat.menu import MENU_PAYLOADS
from bot.channels.wechat.rendering import from_rasa, parse_option_id, text_messages
from bot.clock import Clock
from knowledge import Language, detect_language

log = logging.getLogger(__name__)

#: How long a typed number picks an option of the follower's latest numbered list; later it is just a number.
NUMBERS_ANSWER = timedelta(hours=24)


class RasaClient:
    """The worker's calls to the "wechat" channel inside Rasa; any failure to get an answer is `RasaUnavailable`."""

    def __init__(self, rasa_url: str, token: str, *, timeout: float = 120.0) -> None:
        self.client = httpx.AsyncClient(
            base_url=rasa_url.rstrip("/"), timeout=timeout, params={"token": token}, trust_env=False
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def say(self, openid: str, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        body = {"sender": wechat_sender_id(openid), "message": text, "metadata": metadata}
        try:
            response = await self.client.post("/webhooks/wechat/webhook", json=body)
        except httpx.HTTPError as error:
            raise RasaUnavailable(f"the wechat channel: {type(error).__name__}: {error}") from error
        if response.status_code != 200:
            raise RasaUnavailable(f"the wechat channel: HTTP {response.status_code} {response.text[:300]}")
        replies = response.json()
        if not isinstance(replies, list):
            raise RasaUnavailable(f"the wechat channel answered {type(replies).__name__}, not a list of replies")
        return replies


#: What follow and unfollow change at the desk: (sender id) → None, run in a thread (the desk's database).
FollowHook = Callable[[str], None]


class MessageHandler:
    def __init__(
        self,
        inbox: Inbox,
        rasa: RasaClient,
        clock: Clock,
        *,
        source_url: str | None,
        on_follow: FollowHook,
        on_unfollow: FollowHook,
        retention_days: int,
    ) -> None:
        self.inbox = inbox
        self.rasa = rasa
        self.clock = clock
        self.source_url = source_url
        self.on_follow = on_follow
        self.on_unfollow = on_unfollow
        #: What the privacy notice says of how long personal data is kept (IPDESK_RETENTION_DAYS).
        self.retention_days = retention_days

    async def handle(self, key: str, message: dict[str, Any]) -> list[dict[str, Any]]:
        """Do the stored message's work; the messages that answer it."""
        openid = str(message.get("FromUserName") or "")
        kind = str(message.get("MsgType") or "").lower()
        if kind == "text":
            return await self._text(key, openid, message)
        if kind == "voice":
            recognised = clean_text(str(message.get("Recognition") or "")).strip()
            if recognised:
                return await self._turn(key, openid, recognised)
            return text_messages(texts.NOT_TEXT.get("zh"))
        if kind == "event":
            return await self._event(key, openid, message)
        return text_messages(texts.NOT_TEXT.get("zh"))

    def acknowledgement(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        """What to say when the message has to wait for a part that is down."""
        return text_messages(texts.RECEIVED.get(self.language(message)))

    @staticmethod
    def language(message: dict[str, Any]) -> Language:
        words = str(message.get("Content") or message.get("Recognition") or "")
        return detect_language(words) if words.strip() else "zh"

    async def _text(self, key: str, openid: str, message: dict[str, Any]) -> list[dict[str, Any]]:
        content = clean_text(str(message.get("Content") or ""))
        chosen = self._chosen(openid, str(message.get("bizmsgmenuid") or ""), content)
        if chosen is not None:
            return await self._turn(key, openid, chosen)
        content = content.strip().lstrip("/").strip()
        if not content:
            return []
        if len(content) > MAX_CHARS:  # asked to summarise, as every channel asks; nothing of it reaches Rasa
            log.info(
                "wechat: a message of %d characters from %s was not taken (over %d)", len(content), openid, MAX_CHARS
            )
            return text_messages(too_long_text(content)[1])
        return await self._turn(key, openid, content)

    def _chosen(self, openid: str, menu_id: str, content: str) -> str | None:
        """The payload of the option the follower tapped (`bizmsgmenuid`) or typed the number of."""
        if menu_id:
            parsed = parse_option_id(menu_id)
            option = self.inbox.option(openid, *parsed) if parsed else None
            if option is None:
                log.info("menu option %r of %s is unknown or too old; taken as typed text", menu_id, openid)
            return option[1] if option else None
        typed = content.strip()
        if typed.isdigit() and len(typed) <= 2:  # a number answers a list shown lately, not one from last week
            option = self.inbox.option(openid, None, int(typed), since=self.clock.now() - NUMBERS_ANSWER)
            return option[1] if option else None
        return None

    async def _event(self, key: str, openid: str, message: dict[str, Any]) -> list[dict[str, Any]]:
        event = str(message.get("Event") or "").lower()
        if event in ("subscribe", "subscribe_scan"):
            await asyncio.to_thread(self.on_follow, wechat_sender_id(openid))
            return text_messages(texts.WELCOME.get("zh").format(days=self.retention_days))
        if event == "unsubscribe":
            await asyncio.to_thread(self.on_unfollow, wechat_sender_id(openid))
            return []
        if event == "click":
            payload = MENU_PAYLOADS.get(str(message.get("EventKey") or ""))
            if payload is not None:
                return await self._turn(key, openid, payload)
            log.warning("a click on an unknown menu key %r from %s", message.get("EventKey"), openid)
        return []  # VIEW (a link opened), location reports, template delivery reports: nothing to answer

    async def _turn(self, key: str, openid: str, text: str) -> list[dict[str, Any]]:
        metadata = {"wechat": {"key": key, "openid": openid}}
        replies = await self.rasa.say(openid, text, metadata)
        language = detect_language(text) if not text.startswith("/") else "zh"
        for reply in replies:
            custom = reply.get("custom")
            if isinstance(custom, dict) and custom.get("language") in ("zh", "en"):
                language = custom["language"]
        messages = from_rasa(
            replies,
            lambda options: self.inbox.add_menu(openid, options, self.clock.now()),
            language,
            self.source_url,
        )
        if not messages:
            log.warning("Rasa gave no reply to show for message %s of %s (%d reply parts)", key, openid, len(replies))
            return text_messages(texts.UNANSWERED.get(language))
        return messages
