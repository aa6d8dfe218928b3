"""The web chat server's calls to the Rasa server: a message through the "webchat" channel, and the conversation.

Every call carries Rasa's API token. A failure to get an answer (Rasa not listening, timing out, a 5xx) is
`RasaUnavailable`, and the message is kept in the inbox; a 400 is the channel refusing the message (`Refused`),
which the visitor is told.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from bot.channels.webchat.rasa_channel import Refused


class RasaUnavailable(Exception):
    """Rasa could not answer now; keep the message and send it again later."""


class RasaClient:
    def __init__(self, rasa_url: str, token: str, *, timeout: float = 120.0) -> None:
        # trust_env=False: a proxy in the environment must not carry the calls to Rasa, which runs beside the server.
        self.client = httpx.AsyncClient(
            base_url=rasa_url.rstrip("/"), timeout=timeout, params={"token": token}, trust_env=False
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def say(self, sender: str, text: str, client_id: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """Hand the visitor's message to its conversation; the bot's replies of that turn."""
        body = {"sender": sender, "message": text, "message_id": client_id, "metadata": metadata}
        replies = await self._call("POST", "/webhooks/webchat/webhook", json=body)
        if not isinstance(replies, list):
            raise RasaUnavailable(f"the webchat channel answered {type(replies).__name__}, not a list of replies")
        return replies

    async def events(self, sender: str) -> list[dict[str, Any]]:
        """Every event of the conversation (all its sessions), oldest first."""
        tracker = await self._call("GET", f"{_conversation(sender)}/tracker", params={"include_events": "ALL"})
        return list((tracker or {}).get("events") or [])

    async def active_form(self, sender: str) -> str | None:
        tracker = await self._call("GET", f"{_conversation(sender)}/tracker", params={"include_events": "NONE"})
        return ((tracker or {}).get("active_loop") or {}).get("name")

    async def set_slot(self, sender: str, name: str, value: Any) -> None:
        """Set a slot (the language the visitor chose). Sent twice, as the Telegram worker does: in a conversation
        not started yet, the first event is stamped before its session begins and would be left out."""
        for _ in range(2):
            await self._call(
                "POST",
                f"{_conversation(sender)}/tracker/events",
                json=[{"event": "slot", "name": name, "value": value}],
            )

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise RasaUnavailable(f"{method} {path.split('?')[0]}: {type(error).__name__}: {error}") from error
        if response.status_code == 400:
            raise Refused(_error_of(response))
        if response.status_code != 200:
            raise RasaUnavailable(f"{method} {path}: HTTP {response.status_code} {response.text[:300]}")
        return response.json()


def _error_of(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error") or "refused")
    except ValueError:
        return "refused"


def _conversation(sender: str) -> str:
    """The API path of a conversation; Rasa does not decode the id in the path, so the ":" of "web:…" stays."""
    return f"/conversations/{quote(sender, safe=':')}"
