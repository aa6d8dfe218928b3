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

import re
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.bridge import TokenBridgeInput
from bot.channels.identity import WEBCHAT_PREFIX, webchat_message_id
from bot.channels.payloads import RefusedPayload, clean_text, clean_value, screen


MAX_CHARS = 4000
#: The web chat server's sender ids: the prefix and 43 characters of base64url.
SENDER = re.compile(re.escape(WEBCHAT_PREFIX) + r"[A-Za-z0-9_-]{20,64}")
#: The browser's id of a message (a UUID, or the server's own for a file notice).
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


class Refused(ValueError):
    """A request the channel will not take; the message says why, `status` is its HTTP status (413: too long)."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


def read_message(body: Any) -> tuple[str, str, str, dict[str, Any]]:
    """(sender, text, Rasa message id, metadata) of a request body, checked and cleaned; Refused says why not."""
    if not isinstance(body, dict):
        raise Refused('expected {"sender": "web:…", "message": "<text>", "message_id": "<id>"}')
    sender, text, client_id, metadata = (
        body.get("sender"),
        body.get("message"),
        body.get("message_id"),
        body.get("metadata"),
    )
    if not isinstance(sender, str) or not SENDER.fullmatch(sender):
        raise Refused('"sender" must be a web chat session\'s "web:…" id')
    if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
        raise Refused('"message_id" must be 8 to 64 of A-Z a-z 0-9 _ -')
    if not isinstance(text, str):
        raise Refused('"message" must be text')
    if len(text) > MAX_CHARS:
        raise Refused(f'"message" is longer than {MAX_CHARS} characters; please send it in parts', status=413)
    text = clean_text(text)
    if not text.strip():
        raise Refused('"message" is empty')
    try:
        text = screen(text)
        metadata = clean_value(metadata) if metadata is not None else {}
    except RefusedPayload as refused:
        raise Refused(str(refused)) from None
    if not isinstance(metadata, dict):
        raise Refused('"metadata" must be an object')
    return sender, text, webchat_message_id(client_id), metadata


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
