"""Turning the bot's replies into Telegram messages: split under the length limit, buttons as inline keyboards.

An outgoing message is a plain dict, because it is stored in the inbox before it is sent:
`{"text": ..., "keyboard": [[{"text": ..., "callback_data": ...}, ...], ...]}` or
`{"document": <file id>, "caption": ...}`. Texts are plain; they are escaped for the parse mode only when
sent (`sending`), so splitting never cuts an escape sequence in two.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Any, Callable, Iterable

from telegram.constants import MessageLimit

log = logging.getLogger(__name__)

#: Callback data prefixes: a Rasa button (its payload is kept in the inbox), a language choice, a desk action.
BUTTON, LANGUAGE, DESK = "b:", "lang:", "desk:"

#: Inline keyboard rows hold buttons side by side while their titles fit this many columns (CJK counts two).
ROW_WIDTH = 24
MAX_PER_ROW = 5

_SENTENCE_END_WIDE = frozenset("。！？；…")
_SENTENCE_END_ASCII = frozenset(".!?;")


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: in UTF-16 code units (an emoji outside the BMP counts two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """`text` in pieces of at most `limit` UTF-16 units, cut where a reader would: at a paragraph, a line, the end
    of a sentence, a space or between Chinese characters — never inside a word or a link, unless a single word
    is longer than a whole message. Only whitespace at the cuts is dropped."""
    text = text.strip()
    pieces = []
    while utf16_length(text) > limit:
        window = _fitting(text, limit)
        cut = _cut(text, window)
        head, text = text[:cut].rstrip(), text[cut:].lstrip()
        if head:
            pieces.append(head)
    if text:
        pieces.append(text)
    return pieces


def _fitting(text: str, limit: int) -> int:
    """How many characters from the start fit in `limit` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _cut(text: str, window: int) -> int:
    """Where to end the piece that starts `text` and has at most `window` characters (a cut at p keeps text[:p])."""

    def paragraph(p: int) -> bool:
        return text[p - 1] == "\n" and p >= 2 and text[p - 2] == "\n"

    def line(p: int) -> bool:
        return text[p - 1] == "\n"

    def sentence(p: int) -> bool:
        before, after = text[p - 1], text[p] if p < len(text) else " "
        return before in _SENTENCE_END_WIDE or (before in _SENTENCE_END_ASCII and after.isspace())

    def space(p: int) -> bool:
        return text[p - 1].isspace() or (p < len(text) and text[p].isspace())

    def between_wide(p: int) -> bool:
        return _wide(text[p - 1]) or (p < len(text) and _wide(text[p]))

    # The best kind of cut in the second half of the window, so that pieces stay long; then a space or a gap
    # between Chinese characters anywhere; only then, with no such place at all, a hard cut.
    for kinds, lowest in (
        ((paragraph, line, sentence, space, between_wide), max(1, window // 2)),
        ((space, between_wide), 1),
    ):
        for allowed in kinds:
            for p in range(window, lowest - 1, -1):
                if allowed(p):
                    return p
    log.warning("a word of more than %d characters had to be cut", window)
    return window


def keyboard(buttons: Iterable[tuple[str, str]]) -> list[list[dict[str, str]]]:
    """(title, callback data) pairs as keyboard rows: short titles side by side (ratings 1–5 in one row), long
    ones on a row of their own."""
    rows: list[list[dict[str, str]]] = []
    row: list[dict[str, str]] = []
    width = 0
    for title, data in buttons:
        columns = sum(2 if _wide(char) else 1 for char in title)
        if row and (width + columns > ROW_WIDTH or len(row) == MAX_PER_ROW):
            rows.append(row)
            row, width = [], 0
        row.append({"text": title, "callback_data": data})
        width += columns
    if row:
        rows.append(row)
    return rows


def text_messages(text: str, rows: list[list[dict[str, str]]] | None = None) -> list[dict[str, Any]]:
    """`text` as one or more messages; the keyboard goes under the last, where the reader's eye ends."""
    pieces = split_text(text)
    messages: list[dict[str, Any]] = [{"text": piece} for piece in pieces]
    if rows and messages:
        messages[-1]["keyboard"] = rows
    return messages


def from_rasa(replies: list[dict[str, Any]], remember: Callable[[str, str], str]) -> list[dict[str, Any]]:
    """A turn's replies (as Rasa's collecting channel gives them) as Telegram messages.

    Buttons become an inline keyboard whose callback data names the payload kept by `remember(title, payload)`.
    The `custom` object of each turn is the reply contract for programs, not for people, so it is not shown.
    """
    messages: list[dict[str, Any]] = []
    for reply in replies:
        rows = keyboard(
            (button["title"], BUTTON + remember(button["title"], button["payload"]))
            for button in reply.get("buttons") or []
            if button.get("title") and button.get("payload")
        )
        text = (reply.get("text") or "").strip()
        if text:
            messages += text_messages(text, rows)
        elif rows and messages and "keyboard" not in messages[-1]:
            messages[-1]["keyboard"] = rows  # buttons sent on their own belong to the text before them
        elif rows or reply.get("image") or reply.get("attachment"):
            log.warning("a reply part has no text to show it with on Telegram; not sent: %s", sorted(reply))
    return messages
