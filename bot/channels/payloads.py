"""What a channel takes from a user: text cleaned of what cannot be stored, and `/intent{…}` only as the bot's buttons.

Rasa reads a message that begins with "/" as an intent with entities (`/ask_item{"item": "policy:7"}`): that is how a
button press comes back. Typed by a user, the same form would run any intent of the domain (`/restart` wipes the
conversation, `/session_start`, `/EXTERNAL_desk_message{…}`) or set any entity to any text
(`/request_human{"country": "<anything>"}` skips the form's question). So the channels take a message beginning with
"/" only when it is one of the payloads the bot's own buttons send (`BUTTON_PAYLOADS`), each entity in the form and,
for the vocabulary's entities, among the values its buttons could carry; anything else is refused with the reason.

`clean_text` drops what no store can keep: lone UTF-16 surrogates (a JSON body may carry "\\ud800"; PostgreSQL and
UTF-8 encoding refuse it) and Unicode non-characters, and every control character but tab and newline.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, Callable

from knowledge.vocabulary import ENTITIES as VOCABULARY_ENTITIES
from knowledge.vocabulary import Vocabulary, load_vocabulary

#: Rasa's own pattern of an intent message (rasa.shared.core.training_data.story_reader.yaml_story_reader).
INTENT_MESSAGE = re.compile(r"^/(?P<intent>[^{@]+)(?P<confidence>@[0-9.]+)?(?P<entities>{.+})?(?P<rest>.*)", re.S)
MAX_DEPTH = 8


class RefusedPayload(ValueError):
    """A message in the `/intent{…}` form that is not one of the bot's buttons; the message says why."""


def _digits(value: Any) -> bool:
    return isinstance(value, str) and value.isdigit() and len(value) <= 12


def _item(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[a-z]+:[A-Za-z0-9_.:-]{1,100}", value) is not None


def _words(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 200 and "\n" not in value


def _vocabulary_term(entity: str) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        return isinstance(value, str) and _vocabulary().canonical(entity, value) is not None

    return check


#: The intents the bot's buttons (and the Telegram worker's commands) send, with the entities each may carry and
#: what each entity's value must be. Nothing else in the `/intent` form is taken from a user.
BUTTON_PAYLOADS: dict[str, dict[str, Callable[[Any], bool]]] = {
    "ask_item": {"item": _item, "detail": lambda v: v == "more"},
    "request_human": {entity: _vocabulary_term(entity) for entity in VOCABULARY_ENTITIES},
    "rate": {
        "ticket": lambda v: isinstance(v, str) and re.fullmatch(r"SX-\d{8}-\d{4,6}", v) is not None,
        "score": lambda v: v in ("1", "2", "3", "4", "5"),
    },
    "answer_feedback": {"helpful": lambda v: v in ("yes", "no"), "item": _item},
    "cancel": {},
    "help": {},
    "subscribe_warnings": {"criteria": _words},
    "unsubscribe_warnings": {"criteria": _words},
    "register_exhibition": {},
    "exhibition_service": {"exhibition": _digits, "service": lambda v: v in ("training", "screening")},
    "ask_warning": {"warning": _digits},
}

_loaded: list[Vocabulary] = []


def _vocabulary() -> Vocabulary:
    if not _loaded:
        _loaded.append(load_vocabulary())
    return _loaded[0]


def screen(text: str) -> str:
    """`text` if Rasa would not read it as an intent message, or if it is one of the bot's button payloads; else
    RefusedPayload saying why."""
    stripped = text.strip()  # Rasa strips before it looks for the "/"
    if not stripped.startswith("/"):
        return text
    match = INTENT_MESSAGE.match(stripped)  # no match ("/", "/{…}"): Rasa would log the text as a parsing failure
    intent = match.group("intent").strip() if match else ""
    allowed = BUTTON_PAYLOADS.get(intent)
    if match is None or allowed is None or match.group("confidence") or match.group("rest").strip():
        raise RefusedPayload(
            'a message beginning with "/" must be one of the bot\'s buttons; write the question without the "/"'
        )
    if match.group("entities"):
        try:
            entities = json.loads(match.group("entities"))
        except (ValueError, RecursionError):
            entities = None
        if not isinstance(entities, dict) or not entities:
            raise RefusedPayload(f'the button "/{intent}" carries a JSON object of its values')
        for name, value in entities.items():
            check = allowed.get(name)
            if check is None or not check(value):
                raise RefusedPayload(f'the button "/{intent}" does not carry {name!r} with that value')
    return text


def clean_text(text: str) -> str:
    """`text` without lone surrogates, non-characters and control characters other than tab and newline."""
    return "".join(ch for ch in text if _keeps(ch))


def _keeps(ch: str) -> bool:
    if ch in "\t\n":
        return True
    category = unicodedata.category(ch)
    if category in ("Cc", "Cs"):
        return False
    code = ord(ch)
    return not (0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE)


def clean_value(value: Any, depth: int = 0) -> Any:
    """A JSON value (metadata) with every string cleaned; RefusedPayload when nested deeper than MAX_DEPTH."""
    if depth > MAX_DEPTH:
        raise RefusedPayload(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_value(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_value(v, depth + 1) for k, v in value.items()}
    return value
