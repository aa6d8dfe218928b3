"""Turning the bot's replies into WeChat messages: split under WeChat's limits, buttons as menus, sources as links.

An outgoing message is a plain dict, stored in the inbox before it is sent: `{"text": …}`, or with buttons
`{"text": …, "menu": {"number": n, "options": [title, …]}}`. How it goes out depends on the way:

- through the customer-service API (`api.WeChatApi.send`), a menu is the `msgmenu` message, whose options the
  follower taps; WeChat then sends the option back as a text message naming it (`bizmsgmenuid` = the menu's number
  and the option's, e.g. "1203" for option 3 of menu 12), which the worker maps back to the button's payload;
- in the passive reply (the HTTP answer, plain XML), there are no buttons: the options are numbered, and a reply
  that is just a number picks that option of the follower's latest menu.

Limits: a customer-service text may hold 2048 bytes (about 680 Chinese characters); a passive reply is cut by
some clients beyond about 600 characters. Texts are split at 600 (counted as UTF-16 units, so never over 2048
bytes of UTF-8), at a paragraph, a sentence or between words, as Telegram's are (bot/channels/telegram/rendering.py).
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from bot.channels.telegram.rendering import split_text
from bot.channels.wechat import texts
from knowledge import Language

log = logging.getLogger(__name__)

#: The longest text of one message, in UTF-16 units: safe for the passive reply and under 2048 bytes of UTF-8.
TEXT_LIMIT = 600
#: msgmenu options WeChat shows, and the longest option title.
MAX_OPTIONS = 10
OPTION_LIMIT = 60

#: Remembers a menu's (title, payload) options; its number.
Remember = Callable[[list[tuple[str, str]]], int]


def menu_option_id(number: int, index: int) -> str:
    """The `id` of option `index` (from 1) of menu `number`, as WeChat sends it back in `bizmsgmenuid`."""
    return f"{number}{index:02d}"


def parse_option_id(raw: str) -> tuple[int, int] | None:
    """(menu number, option index) of a `bizmsgmenuid`, or None when it is not one of ours."""
    if not raw.isdigit() or len(raw) < 3:
        return None
    return int(raw[:-2]), int(raw[-2:])


def text_messages(text: str) -> list[dict[str, Any]]:
    return [{"text": piece} for piece in split_text(text, TEXT_LIMIT)]


def from_rasa(
    replies: list[dict[str, Any]], remember: Remember, language: Language, source_url: str | None
) -> list[dict[str, Any]]:
    """A turn's replies as WeChat messages. The `custom` object (the reply contract) is for programs: its
    `sources` become links to the web chat's /source/<id> pages when `source_url` is set."""
    messages: list[dict[str, Any]] = []
    sources: list[str] = []
    for reply in replies:
        custom = reply.get("custom")
        if isinstance(custom, dict):
            sources += [s for s in custom.get("sources") or [] if isinstance(s, str)]
        options = [
            (str(button["title"]), str(button["payload"]))
            for button in reply.get("buttons") or []
            if button.get("title") and button.get("payload")
        ][:MAX_OPTIONS]
        text = (reply.get("text") or "").strip()
        if text:
            messages += text_messages(text)
        if options:
            if not messages:
                log.warning("buttons without a text to show them with on WeChat; not sent")
                continue
            messages[-1]["menu"] = {"number": remember(options), "options": [title for title, _ in options]}
    if source_url and sources and messages:
        links = "\n".join(f"{source_url}/source/{source}" for source in dict.fromkeys(sources))
        messages.append({"text": f"{texts.OPEN_SOURCE.get(language)}\n{links}"})  # after the answer it backs
    return messages


def numbered(message: dict[str, Any], language: Language) -> str:
    """A message as plain text: a menu's options numbered (the passive reply, which has no buttons)."""
    menu = message.get("menu")
    if not menu:
        return str(message["text"])
    lines = [f"{index}. {title}" for index, title in enumerate(menu["options"], start=1)]
    return "\n".join([message["text"], "", texts.CHOOSE.get(language), *lines])


def msgmenu(message: dict[str, Any]) -> dict[str, Any]:
    """The `msgmenu` body of a message with a menu."""
    menu = message["menu"]
    return {
        "head_content": message["text"],
        "list": [
            {"id": menu_option_id(menu["number"], index), "content": title[:OPTION_LIMIT]}
            for index, title in enumerate(menu["options"], start=1)
        ],
        "tail_content": "",
    }


def cdata(text: str) -> str:
    """`text` safe inside a CDATA section: "]]>" would end it (and let a reply's text inject XML)."""
    return text.replace("]]>", "]]]]><![CDATA[>")
