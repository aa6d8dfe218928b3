"""Delivering desk messages into Rasa conversations (the REST channel, the terminal shell, and Telegram's bridge).

REST is request/response, so a message that arrives later — an expert's answer, a follow-up, a warning, a trade-fair
reminder — is put into the enterprise's conversation by triggering an external intent through Rasa's HTTP API:
`EXTERNAL_desk_message` for a ticket's messages, `EXTERNAL_warning` for a pushed warning, `EXTERNAL_exhibition` for
a fair's notices. The bot's action then writes it into the conversation (the tracker store keeps it, and the
enterprise's client reads it with the conversation) and drops a key it has already delivered. A delivery counts
only when the conversation records the key as delivered (the `delivered` slot, which all three actions keep): with
the action server down, Rasa answers the trigger with nothing said, and the message is tried again later instead of
being lost.

A question held while the action server was down (bot/runtime/held.py) is delivered by asking the REST channel to resume
its conversation, which runs the held turns in order.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx

from bot.runtime import held
from bot.desk.schema import OutboxMessage

logger = logging.getLogger(__name__)

EXTERNAL_INTENT = "EXTERNAL_desk_message"
WARNING_INTENT = "EXTERNAL_warning"
EXHIBITION_INTENT = "EXTERNAL_exhibition"
#: The slot where the delivering actions record the outbox keys they said in the conversation.
DELIVERED_SLOT = "delivered"


class RasaRelay:
    """An outbox `Sender` for conversations that live in Rasa (channels rest and cmdline)."""

    def __init__(self, rasa_url: str, token: str, *, timeout: float = 30.0) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def send(self, message: OutboxMessage) -> None:
        if message.kind == held.KIND:
            resume_held_question(self.rasa_url, self.token, message, timeout=self.timeout)
            logger.info("held question %s of conversation %s answered", message.idempotency_key, message.recipient)
            return
        trigger_desk_message(self.rasa_url, self.token, message, timeout=self.timeout)
        logger.info("delivered %s into conversation %s", message.idempotency_key, message.recipient)


def resume_held_question(rasa_url: str, token: str, message: OutboxMessage, *, timeout: float = 30.0) -> dict[str, Any]:
    """Have the REST channel answer the conversation's held questions; raises unless `message`'s is answered."""
    question = held.HeldQuestion.from_outbox(message)
    response = httpx.post(
        f"{rasa_url.rstrip('/')}/webhooks/rest/resume",
        params={"token": token},
        json={"sender": question.sender_id},
        timeout=timeout,
    )
    if response.status_code != 200:
        raise RuntimeError(
            f"Rasa could not resume {message.idempotency_key}: HTTP {response.status_code} {response.text[:300]}"
        )
    result = response.json()
    if question.message_id not in result.get("answered", []):
        raise RuntimeError(f"held question {message.idempotency_key} is still waiting (is the action server up?)")
    return result


def trigger_desk_message(rasa_url: str, token: str, message: OutboxMessage, *, timeout: float = 30.0) -> dict[str, Any]:
    """Put a desk message into its conversation (`message.recipient` is the Rasa sender id); Rasa's JSON answer.

    The answer's `messages` are the bot's replies of that turn when the conversation's latest channel collects
    its output (REST and the Telegram bridge do), which is how a channel with its own transport, like
    Telegram, gets the text to send. A repeated key yields no replies: `action_desk_message` drops it.
    """
    # Rasa takes the conversation id from the path as it stands, without decoding it, so the ":" of Telegram's
    # "tg:<chat>" must not become %3A (that would be another, empty conversation).
    url = f"{rasa_url.rstrip('/')}/conversations/{quote(message.recipient, safe=':@')}/trigger_intent"
    name, entities = external_intent(message)
    body = {"name": name, "entities": entities}
    response = httpx.post(url, params={"output_channel": "latest", "token": token}, json=body, timeout=timeout)
    if response.status_code != 200:
        raise RuntimeError(f"Rasa refused {message.idempotency_key}: HTTP {response.status_code} {response.text[:300]}")
    result = response.json()
    delivered = ((result.get("tracker") or {}).get("slots") or {}).get(DELIVERED_SLOT) or []
    if message.idempotency_key not in delivered:
        raise RuntimeError(
            f"{message.idempotency_key} did not reach conversation {message.recipient}: the bot's "
            f"action for {name} did not record it (is the action server up?)"
        )
    return result


def external_intent(message: OutboxMessage) -> tuple[str, dict[str, str]]:
    """The external intent that brings `message` into its conversation, and its entities (the outbox key always
    among them, so the action can drop a repeat)."""
    payload = message.payload or {}
    key = message.idempotency_key
    if message.kind == "warning" and payload.get("warning"):
        return WARNING_INTENT, {"warning": str(payload["warning"]), "outbox_key": key}
    if message.kind == "exhibition_notice" and payload.get("exhibition") and payload.get("stage"):
        return EXHIBITION_INTENT, {
            "exhibition": str(payload["exhibition"]),
            "stage": str(payload["stage"]),
            "outbox_key": key,
        }
    ticket = payload.get("ticket")
    if not ticket:
        raise ValueError(f"outbox message {key} ({message.kind}) has no ticket, warning or fair to deliver")
    return EXTERNAL_INTENT, {
        "ticket": ticket,
        "outbox_key": key,
        "desk_kind": message.kind,
        "desk_text": payload.get("text") or "",
        "desk_language": payload.get("language") or "zh",
    }
