"""The "webchat" input channel inside the Rasa server, which only the web chat server may call.

The web chat server (`python -m bot.channels.webchat`) owns the visitors' sessions; it hands each message to this
channel (POST /webhooks/webchat/webhook?token=<IPDESK_RASA_TOKEN> with {"sender", "message", "message_id",
"metadata"}) and reads the replies from the conversation itself. So:

- only a caller with Rasa's API token gets in: whoever could write into a "web:" conversation could read a
  visitor's answers. The REST channel refuses "web:" senders for the same reason;
- the conversation records input channel "webchat", so a ticket, a warning subscription or a fair registration
  opened here is the web chat's, and the desk's messages for it come back into this conversation;
- the message is refused as the REST channel refuses it (bot/channels/payloads.py): a typed `/intent{…}` that is
  not one of the bot's buttons, control characters and lone surrogates dropped, an empty or overlong message;
- a message id is handled at most once per conversation: a repeated POST (the visitor's browser retrying, or the
  web chat server's inbox sending a kept message again) gets the replies of the first turn, read from the
  conversation, under the conversation's lock, as Rasa runs a turn;
- a turn whose custom actions fail (the action server is down) is set aside and answered 503; the web chat server
  keeps the message and sends it again later.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.bridge import TokenBridgeInput
from bot.channels.webchat.messages import Refused, read_message


class WebchatInput(TokenBridgeInput):
    """The "webchat" input channel: token-protected (bot/channels/bridge.py), checked like REST, at most one turn
    per message id."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webchat = Blueprint("webchat_channel", __name__)

        @webchat.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webchat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.authorised(request):
                return response.json({"error": "a valid token is required"}, status=403)
            try:
                sender, text, message_id, metadata = read_message(_json(request))
            except Refused as refused:
                return response.json({"error": str(refused)}, status=refused.status)
            agent = request.app.ctx.agent
            if agent is None or not agent.is_ready():
                return response.json({"error": "no model is loaded"}, status=503)
            return await self.answer_once(agent, sender, text, metadata, message_id)

        return webchat


def _json(request: Request) -> Any:
    try:
        return request.json
    except Exception:  # noqa: BLE001 - sanic raises its own BadRequest for a body that is not JSON: refused below
        return None
