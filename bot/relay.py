"""Delivering desk messages into Rasa conversations (the REST channel and the terminal shell).

REST is request/response, so a message that arrives later — an expert's answer, a follow-up — is put into the
enterprise's conversation by triggering the external intent `EXTERNAL_desk_message` through Rasa's HTTP API.
The bot's `action_desk_message` then writes it into the conversation (the tracker store keeps it, and the
enterprise's client reads it with the conversation) and drops a key it has already delivered.
"""
from __future__ import annotations

import logging
from urllib.parse import quote

import httpx

from bot.models import OutboxMessage

logger = logging.getLogger(__name__)

EXTERNAL_INTENT = "EXTERNAL_desk_message"


class RasaRelay:
    """An outbox `Sender` for conversations that live in Rasa (channels rest and cmdline)."""

    def __init__(self, rasa_url: str, token: str, *, timeout: float = 30.0) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def send(self, message: OutboxMessage) -> None:
        ticket = (message.payload or {}).get("ticket")
        if not ticket:
            raise ValueError(f"outbox message {message.idempotency_key} has no ticket to deliver")
        url = f"{self.rasa_url}/conversations/{quote(message.recipient, safe='')}/trigger_intent"
        payload = message.payload or {}
        entities = {
            "ticket": ticket, "outbox_key": message.idempotency_key, "desk_kind": message.kind,
            "desk_text": payload.get("text") or "", "desk_language": payload.get("language") or "zh",
        }
        body = {"name": EXTERNAL_INTENT, "entities": entities}
        response = httpx.post(
            url, params={"output_channel": "latest", "token": self.token}, json=body, timeout=self.timeout
        )
        if response.status_code != 200:
            raise RuntimeError(f"Rasa refused {message.idempotency_key}: HTTP {response.status_code} {response.text[:300]}")
        logger.info("delivered %s into conversation %s", message.idempotency_key, message.recipient)
