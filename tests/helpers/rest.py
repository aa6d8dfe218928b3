"""Talking to the bot through the real REST channel, as a web client does."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any


def say(settings, sender: str, message: str) -> list[dict[str, Any]]:
    """POST one message to the REST channel, as a well-behaved client does (told to slow down, it waits the
    Retry-After it is given and sends again); the bot's replies for that turn."""
    request = urllib.request.Request(
        f"{settings.rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode("utf-8"),
        headers={"Content-Type": "application/json"},
    )
    for _ in range(10):
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code != 429:
                raise
            time.sleep(int(error.headers["Retry-After"]))
    raise AssertionError(f"{sender} was told to slow down ten times in a row")


def post(settings, body: bytes) -> tuple[int, dict[str, str], Any]:
    """POST raw bytes to the REST channel, once: status, headers and the decoded JSON answer."""
    request = urllib.request.Request(
        f"{settings.rasa_url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def message(sender: Any, text: Any) -> bytes:
    """The JSON body of one message."""
    return json.dumps({"sender": sender, "message": text}).encode("utf-8")


def customs(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reply-contract objects of a turn, in order."""
    return [r["custom"] for r in replies if "custom" in r]


def tracker_events(settings, sender: str, *, base_url: str | None = None) -> list[dict[str, Any]]:
    """Every event of the conversation, through Rasa's token-protected API."""
    url = f"{base_url or settings.rasa_url}/conversations/{sender}/tracker?token={settings.rasa_token}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())["events"]


def answered_turns(events: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """The conversation's turns as they stand: each user message that was not taken back ("rewind"), with the
    reply-contract kinds the bot answered it with, in order. What the bot says after a rewind (a holding reply)
    belongs to no turn."""
    turns: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for event in events:
        if event["event"] == "user":
            current = []
            turns.append((event.get("text") or "", current))
        elif event["event"] == "rewind" and turns:
            turns.pop()
            current = None
        elif event["event"] == "bot" and current is not None and (event.get("data") or {}).get("custom"):
            current.append(event["data"]["custom"].get("kind"))
    return turns
