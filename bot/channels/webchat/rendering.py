"""A conversation's events, as Rasa's tracker keeps them, turned into the messages the chat page shows.

The chat page shows the conversation as it is stored in Rasa, not as this server saw it go by: so a reload, a
second tab or a visit after the tab was closed shows the same history, and whatever reached the conversation while
nobody was looking — an expert's answer, a ticket update, a pushed warning, all delivered into it by the desk
worker — is shown the same way as a reply. Each message's id is its event's timestamp, which orders the live
stream (the cursor, and Last-Event-ID on reconnect).

What is shown: the visitor's messages (a button's title, not its payload; once, although a turn set aside while
the action server was down and run again leaves the message twice in the conversation; not the desk's triggers,
which are no one's words), and the bot's texts with their buttons. A turn's reply-contract message carries no text:
its `sources` go under the turn's last text as links to their pages.
"""

from __future__ import annotations

from typing import Any, Callable

#: Title of a knowledge item (`policy:7`) in a language, None when there is no such item.
TitleOf = Callable[[str, str], str | None]


def messages(events: list[dict[str, Any]], title_of: TitleOf, language: str) -> list[dict[str, Any]]:
    """The messages of `events`, oldest first: {"id", "from": "user"|"bot", "text", "buttons", "sources"}."""
    shown: list[dict[str, Any]] = []
    seen_ids: set[str] = set()
    last_bot: dict[str, Any] | None = None
    for event in events:
        kind = event.get("event")
        if kind == "user":
            message_id = event.get("message_id") or ""
            text = event.get("text") or ""
            if _is_trigger(event) or (message_id and message_id in seen_ids):
                continue
            seen_ids.add(message_id)
            label = ((event.get("metadata") or {}).get("webchat") or {}).get("label")
            shown.append({"id": _id(event), "from": "user", "text": label if isinstance(label, str) else text})
            last_bot = None
        elif kind == "bot":
            data = event.get("data") or {}
            text = event.get("text") or ""
            buttons = [
                {"title": str(b["title"]), "payload": str(b["payload"])}
                for b in data.get("buttons") or []
                if isinstance(b, dict) and b.get("title") and b.get("payload")
            ]
            custom = data.get("custom")
            if text or buttons:
                last_bot = {"id": _id(event), "from": "bot", "text": text, "buttons": buttons, "sources": []}
                shown.append(last_bot)
            if isinstance(custom, dict) and last_bot is not None:
                last_bot["sources"] = _sources(custom.get("sources"), title_of, language)
    return shown


def after(shown: list[dict[str, Any]], cursor: float | None) -> list[dict[str, Any]]:
    """The messages newer than `cursor` (an id the browser last had)."""
    return shown if cursor is None else [m for m in shown if float(m["id"]) > cursor]


def cursor_of(value: str | None) -> float | None:
    """A Last-Event-ID or `after` value as a cursor; None for a missing or malformed one (everything is sent)."""
    try:
        number = float(value) if value else None
    except ValueError:
        return None
    return number if number is not None and number == number and 0 <= number < 1e11 else None


def _is_trigger(event: dict[str, Any]) -> bool:
    """A desk message brought in by an external intent (bot/runtime/relay.py): the event, not anyone's words."""
    text = event.get("text") or ""
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
    return text.startswith("EXTERNAL") or intent.startswith("EXTERNAL_") or text.startswith("/session_start")


def _sources(ids: Any, title_of: TitleOf, language: str) -> list[dict[str, str]]:
    found = []
    for item_id in ids if isinstance(ids, list) else []:
        title = title_of(str(item_id), language)
        if title is not None:
            found.append({"id": str(item_id), "title": title})
    return found


def _id(event: dict[str, Any]) -> str:
    return repr(float(event.get("timestamp") or 0.0))
