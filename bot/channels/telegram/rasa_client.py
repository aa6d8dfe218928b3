"""The worker's calls to the Rasa server: a message through the "telegram" channel, a slot, the active form.

Any failure to get an answer — Rasa not listening, timing out, or answering with an error — is
`RasaUnavailable`: the message waits in the inbox and is sent again later, which the channel makes safe.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.channels.identity import sender_id
from bot.channels.rasa_api import RasaApi, RasaUnavailable, conversation_path

__all__ = ["RasaClient", "RasaUnavailable"]

log = logging.getLogger(__name__)


class RasaClient(RasaApi):
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


def _conversation(chat_id: int) -> str:
    """The API path of the chat's conversation."""
    return conversation_path(sender_id(chat_id))
