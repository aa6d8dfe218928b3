"""Talking to the bot through the real REST channel, as a web client does."""
from __future__ import annotations

import json
import urllib.request
from typing import Any


def say(settings, sender: str, message: str) -> list[dict[str, Any]]:
    """POST one message to the REST channel; the bot's replies for that turn."""
    request = urllib.request.Request(
        f"{settings.rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode("utf-8"),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def customs(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reply-contract objects of a turn, in order."""
    return [r["custom"] for r in replies if "custom" in r]
