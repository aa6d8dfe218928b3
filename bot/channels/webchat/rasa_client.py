"""The web chat server's calls to the Rasa server (bot/channels/rasa_api.py): a message through the "webchat" channel,
the conversation's events, its form, a slot.

A failure to get an answer (Rasa not listening, timing out, a 5xx) is `RasaUnavailable`, and the message is kept in
the inbox; a 400 or 413 is the channel refusing the message (`Refused`), which the visitor is told.
"""

from __future__ import annotations

from typing import Any

from bot.channels.rasa_api import RasaApi, RasaUnavailable, conversation_path
from bot.channels.webchat.messages import Refused

__all__ = ["RasaClient", "RasaUnavailable"]


class RasaClient(RasaApi):
    async def say(self, sender: str, text: str, client_id: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        """Hand the visitor's message to its conversation; the bot's replies of that turn."""
        body = {"sender": sender, "message": text, "message_id": client_id, "metadata": metadata}
        try:
            replies = await self._call("POST", "/webhooks/webchat/webhook", json=body)
        except RasaUnavailable as error:
            if error.status in (400, 413):
                raise Refused(error.reason or "refused", status=error.status) from None
            raise
        if not isinstance(replies, list):
            raise RasaUnavailable(f"the webchat channel answered {type(replies).__name__}, not a list of replies")
        return replies

    async def events(self, sender: str) -> list[dict[str, Any]]:
        """Every event of the conversation (all its sessions), oldest first."""
        tracker = await self._call("GET", f"{conversation_path(sender)}/tracker", params={"include_events": "ALL"})
        return list((tracker or {}).get("events") or [])

    async def active_form(self, sender: str) -> str | None:
        tracker = await self._call("GET", f"{conversation_path(sender)}/tracker", params={"include_events": "NONE"})
        return ((tracker or {}).get("active_loop") or {}).get("name")

    async def set_slot(self, sender: str, name: str, value: Any) -> None:
        """Set a slot (the language the visitor chose). Sent twice, as the Telegram worker does: in a conversation
        not started yet, the first event is stamped before its session begins and would be left out."""
        for _ in range(2):
            await self._call(
                "POST",
                f"{conversation_path(sender)}/tracker/events",
                json=[{"event": "slot", "name": name, "value": value}],
            )
