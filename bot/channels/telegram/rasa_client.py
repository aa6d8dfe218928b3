"""The worker's calls to the Rasa server: a message through the "telegram" channel, a slot, the active form.

Any failure to get an answer — Rasa not listening, timing out, or answering with an error — is
`RasaUnavailable`: the message waits in the inbox and is sent again later, which the channel makes safe.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx

from bot.channels.identity import sender_id

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa could not be reached or could not handle the request now; try again later."""


class RasaClient:
    def __init__(self, rasa_url: str, token: str, *, timeout: float = 120.0) -> None:
        # A turn over a 10 000-character message or a slow action can take a while; a timeout is still a
        # failure to retry, not an answer, so it is generous.
        # trust_env=False: a proxy set for reaching Telegram (HTTPS_PROXY, ALL_PROXY) must not carry the calls to
        # Rasa, which runs beside the worker.
        self.client = httpx.AsyncClient(
            base_url=rasa_url.rstrip("/"), timeout=timeout, params={"token": token}, trust_env=False
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def say(self, chat_id: int, text: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """Hand the user's message to the conversation; the bot's replies of that turn."""
        body = {"sender": sender_id(chat_id), "message": text, "metadata": metadata}
        replies = await self._call("POST", "/webhooks/telegram/webhook", json=body)
        if not isinstance(replies, list):
            raise RasaUnavailable(f"the telegram channel answered {type(replies).__name__}, not a list of replies")
        return replies

    async def set_slot(self, chat_id: int, name: str, value: Any) -> None:
        """Set a slot of the chat's conversation (the conversation records it like any other event).

        Sent twice on purpose. In a conversation that does not exist yet, Rasa starts its session only after it
        has stamped the posted event with the time, so the event is older than the session and Rasa's SQL
        tracker store, which loads a conversation from its latest session start on, leaves it out. The second
        event is stamped after the session exists. Setting a slot twice to one value changes nothing else.
        """
        for _ in range(2):
            await self._call(
                "POST",
                f"{_conversation(chat_id)}/tracker/events",
                json=[{"event": "slot", "name": name, "value": value}],
            )

    async def active_form(self, chat_id: int) -> str | None:
        """The form the conversation is in (e.g. escalation_form), or None."""
        tracker = await self._call("GET", f"{_conversation(chat_id)}/tracker", params={"include_events": "NONE"})
        return ((tracker or {}).get("active_loop") or {}).get("name")

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise RasaUnavailable(f"{method} {path}: {type(error).__name__}: {error}") from error
        if response.status_code != 200:
            raise RasaUnavailable(f"{method} {path}: HTTP {response.status_code} {response.text[:300]}")
        return response.json()


def _conversation(chat_id: int) -> str:
    """The API path of the chat's conversation. Rasa does not decode the id in the path, so the ":" of
    "tg:<chat>" stays as it is (as %3A it would name another, empty conversation)."""
    return f"/conversations/{quote(sender_id(chat_id), safe=':')}"
