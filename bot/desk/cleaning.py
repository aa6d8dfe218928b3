"""What the desk is given, cleaned before it is stored: text trimmed, without control characters and within
its limit; contacts in one form, so that one enterprise is one contact; transcript lines checked. What it refuses
it refuses with a `DeskError`, the desk's one error, whose message is fit to show."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NamedTuple

from bot.clock import require_aware
from bot.desk.fields import UNSTORABLE
from bot.desk.schema import TRANSCRIPT_ROLES

MAX_TEXT = 10_000
MAX_NOTE = 2_000
TRUNCATED = "…（以下省略）"
_CONTROL = UNSTORABLE  # control characters, lone surrogates, non-characters
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s\-()]{7,25}$")


class DeskError(Exception):
    """A request the desk refuses, with a message fit to show. `code` lets callers choose a reply:
    not_found, wrong_state, wrong_expert, invalid."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


class TranscriptEntry(NamedTuple):
    """One line of the conversation that led to the ticket; `at` defaults to the time the ticket opens."""

    role: str
    text: str
    at: datetime | None = None


def normalise_contact(contact: str | None) -> str:
    """An e-mail in lower case, or a phone number as its digits (and a leading +), so that "138-0000-0001" and
    "13800000001" are one enterprise."""
    text = clean(contact, "contact", 254)
    if "@" in text:
        if not _EMAIL.match(text):
            raise DeskError(f"{text!r} is not an e-mail address")
        return text.lower()
    digits = re.sub(r"\D", "", text)
    if not _PHONE.match(text) or not 7 <= len(digits) <= 20:
        raise DeskError(f"{text!r} is neither a phone number nor an e-mail address")
    return ("+" if text.startswith("+") else "") + digits


def clean(value: Any, name: str, limit: int, *, required: bool = True) -> Any:
    """Text as stored: trimmed, without control characters, lone surrogates and non-characters, within `limit`;
    empty is refused when required."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise DeskError(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise DeskError(f"{name} must be text")
    text = _CONTROL.sub("", value.replace("\r\n", "\n")).strip()
    if not text:
        if required:
            raise DeskError(f"{name} is required")
        return None
    if len(text) > limit:
        raise DeskError(f"{name} has {len(text)} characters, more than {limit}")
    return text


def transcript_entry(entry: Any, now: datetime) -> tuple[str, str, datetime] | None:
    """A checked transcript line; None for a line with no text. The transcript is context for the expert, so an
    overlong message (someone pasted a whole contract) is cut rather than costing the enterprise its ticket."""
    try:
        role, text, at = TranscriptEntry(*entry)
    except TypeError:
        raise DeskError("a transcript line is (role, text) or (role, text, time)") from None
    if role not in TRANSCRIPT_ROLES:
        raise DeskError(f"transcript role must be one of {', '.join(TRANSCRIPT_ROLES)}, not {role!r}")
    try:
        at = require_aware(at) if at is not None else now
    except (ValueError, AttributeError):
        raise DeskError("a transcript line's time must be timezone-aware") from None
    if not isinstance(text, str):
        raise DeskError("a transcript line's text must be text")
    text = _CONTROL.sub("", text.replace("\r\n", "\n")).strip()
    if not text:
        return None
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - len(TRUNCATED)] + TRUNCATED
    return role, text, at
