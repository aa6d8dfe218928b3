"""The Rasa input channel the Telegram worker talks through; it runs inside the Rasa server.

Rasa's built-in Telegram connector would own the bot token and the webhook; ours is owned by the Telegram
worker (`python -m bot.channels.telegram`), which stores every update before anything happens to it. The worker hands
each message to this channel, which works like the REST channel (POST /webhooks/telegram/webhook with
{"sender", "message", "metadata"}, the turn's replies as the answer) with three differences:

- the conversation records input channel "telegram", so a ticket opened in it is a Telegram ticket and the
  desk's answer is routed back through the Telegram worker;
- only the worker may call it: the request must carry Rasa's API token (`?token=`), because whoever can write
  into a "telegram" conversation decides which Telegram chat the desk's messages go to;
- a message carrying `metadata.telegram.update_id` is handled at most once per conversation. The worker may
  send an update again after a crash while Rasa was answering it; the repeat gets the replies Rasa gave the
  first time, read from the conversation, instead of a second turn (which would, in a form, take the same
  answer for the next question). The check and the turn run under the conversation's lock, as Rasa's own
  `Agent.handle_message` runs a turn, so a repeat that arrives while the first is still running waits for it.

A turn whose custom actions fail (the action server is down) is set aside (bot/runtime/turns.py) and answered 503: the
worker keeps the update in its inbox, tells the user once that the message was received, and sends it again later;
the repeat then runs as a new turn, since the set-aside one gave no replies.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.bridge import TokenBridgeInput
from bot.channels.identity import SENDER_PREFIX, message_id_for


class TelegramBridgeInput(TokenBridgeInput):
    """The "telegram" input channel: REST-like, token-protected, at most one turn per Telegram update.

    Another channel fed by a worker of its own (WeChat's) subclasses it with its name, its sender prefix and how its
    metadata names a message (`message_id`)."""

    #: The sender ids of this channel's conversations.
    sender_prefix = SENDER_PREFIX

    def message_id(self, metadata: dict[str, Any]) -> str | None:
        """The Rasa message id that makes a repeat of this message recognisable, from the worker's metadata."""
        update_id = (metadata.get("telegram") or {}).get("update_id")
        return message_id_for(update_id) if isinstance(update_id, int) else None

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bridge = Blueprint(f"{self.name()}_bridge", __name__)

        @bridge.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bridge.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.authorised(request):
                return response.json({"error": "a valid token is required"}, status=403)
            body = request.json if isinstance(request.json, dict) else {}
            sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata") or {}
            if not isinstance(sender, str) or not sender.startswith(self.sender_prefix) or not isinstance(text, str):
                expected = f'expected {{"sender": "{self.sender_prefix}<id>", "message": "<text>"}}'
                return response.json({"error": expected}, status=400)
            if not isinstance(metadata, dict):
                return response.json({"error": "metadata must be an object"}, status=400)
            agent = request.app.ctx.agent
            if agent is None or not agent.is_ready():
                return response.json({"error": "no model is loaded"}, status=503)
            return await self.answer_once(agent, sender, text, metadata, self.message_id(metadata))

        return bridge
