"""What a web chat message must be, checked the same way by the web chat server (before it keeps or sends it) and by
the "webchat" channel inside the Rasa server (before a turn): a session's sender, a client message id, text cleaned
and refused as the REST channel refuses it (bot/channels/payloads.py).

Kept apart from the channel (rasa_channel.py) so that the web chat server checks messages without importing Rasa:
Rasa brings TensorFlow, which a web server has no use for.
"""

from __future__ import annotations

import re
from typing import Any

from bot.channels.identity import WEBCHAT_PREFIX, webchat_message_id
from bot.channels.payloads import MAX_CHARS, RefusedPayload, clean_text, clean_value, screen, too_long_text

#: The web chat server's sender ids: the prefix and 43 characters of base64url.
SENDER = re.compile(re.escape(WEBCHAT_PREFIX) + r"[A-Za-z0-9_-]{20,64}")
#: The browser's id of a message (a UUID, or the server's own for a file notice).
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


class Refused(ValueError):
    """A request the channel will not take; the message says why, `status` is its HTTP status (413: too long, and
    then the message is the one every channel gives, in the language of the text)."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


class TypedCommand(Refused):
    """A message typed in the form of the bot's buttons that is not one of them (`screen`): the visitor is told, in
    their language, to write the question in words."""

    def __init__(self, refused: RefusedPayload) -> None:
        super().__init__(str(refused))
        self.refused = refused


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
        raise Refused(too_long_text(text)[1], status=413)  # shown to the visitor as it is, in their language
    text = clean_text(text)
    if not text.strip():
        raise Refused('"message" is empty')
    try:
        text = screen(text)
    except RefusedPayload as refused:
        raise TypedCommand(refused) from None
    try:
        metadata = clean_value(metadata) if metadata is not None else {}
    except RefusedPayload as refused:
        raise Refused(str(refused)) from None
    if not isinstance(metadata, dict):
        raise Refused('"metadata" must be an object')
    return sender, text, webchat_message_id(client_id), metadata
