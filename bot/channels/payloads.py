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

from bot.contracts import Reply
from knowledge import Language, Localized, detect_language
from knowledge.cues import refusals
from knowledge.vocabulary import ENTITIES as VOCABULARY_ENTITIES
from knowledge.vocabulary import Vocabulary, load_vocabulary

#: Rasa's own pattern of an intent message (rasa.shared.core.training_data.story_reader.yaml_story_reader).
INTENT_MESSAGE = re.compile(r"^/(?P<intent>[^{@]+)(?P<confidence>@[0-9.]+)?(?P<entities>{.+})?(?P<rest>.*)", re.S)
MAX_DEPTH = 8


class RefusedPayload(ValueError):
    """A message in the `/intent{…}` form that is not one of the bot's buttons; the message says why.

    `sets_values`: it carries entities or a confidence, or reads as an instruction to the bot ("/admin export_users")
    — an attempt to set what the conversation holds, not a habit from other chats ("/start", "/help" typed by hand)."""

    def __init__(self, message: str, *, sets_values: bool = False) -> None:
        super().__init__(message)
        self.sets_values = sets_values


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
    # Values set by hand, or a command aimed at the bot itself ("/admin export_users"), are refused, not explained.
    sets_values = bool(match and (match.group("entities") or match.group("confidence"))) or bool(
        refusals.refusal(stripped)
    )
    if match is None or allowed is None or match.group("confidence") or match.group("rest").strip():
        raise RefusedPayload(
            'a message beginning with "/" must be one of the bot\'s buttons; write the question without the "/"',
            sets_values=sets_values,
        )
    if match.group("entities"):
        try:
            entities = json.loads(match.group("entities"))
        except (ValueError, RecursionError):
            entities = None
        if not isinstance(entities, dict) or not entities:
            raise RefusedPayload(f'the button "/{intent}" carries a JSON object of its values', sets_values=True)
        for name, value in entities.items():
            check = allowed.get(name)
            if check is None or not check(value):
                raise RefusedPayload(
                    f'the button "/{intent}" does not carry {name!r} with that value', sets_values=True
                )
    return text


#: What a user who typed a message in the button form is told: asked to write the question (a bare "/start" or
#: "/help" is a habit from other chats), or refused (values set by hand are an attempt to steer the conversation).
TYPED_COMMAND = Localized(
    "以“/”开头的消息是对话按钮使用的指令，不能手动输入。请直接用文字写下您的问题，例如“美国337调查怎么应对”，或点击对话中的按钮。",
    'Messages beginning with "/" are commands of the chat\'s buttons and cannot be typed. Please write your '
    'question in words, for example "How do we respond to a Section 337 investigation?", or tap a button.',
)
TYPED_VALUES = Localized(
    "这条消息试图以按钮指令的形式设置对话内容，不能接受，也没有执行。如需咨询，请直接用文字描述您的问题。",
    "This message tries to set what the conversation holds in the form of a button's command; it was not accepted "
    "and nothing was run. To ask something, please describe your question in words.",
)


def typed_command_text(refused: RefusedPayload, language: Language) -> str:
    """What the user is told of a typed message that `screen` refused."""
    return (TYPED_VALUES if refused.sets_values else TYPED_COMMAND).get(language)


def typed_command_reply(recipient: str, text: str, refused: RefusedPayload) -> dict[str, Any]:
    """The reply, under the reply contract, to a typed message that `screen` refused: nothing of it reached Rasa, and
    the user is told why in their language (kind `clarify`, or `out_of_scope`/`refuse` when it set values)."""
    language = detect_language(text)
    custom: Reply
    if refused.sets_values:
        custom = {"kind": "out_of_scope", "language": language, "sources": [], "reason": "refuse"}
    else:
        custom = _asked_back(language)
    return {"recipient_id": recipient, "text": typed_command_text(refused, language), "custom": custom}


def _asked_back(language: Language) -> Reply:
    """The contract object of a message the channel answers itself by asking for the question again."""
    return {"kind": "clarify", "language": language, "sources": [], "suggestions": []}


#: What a user whose message is longer than the channel takes is told: nothing of it was kept, and what to send instead.
TOO_LONG = Localized(
    "您的消息超过{limit}字，没有收到。请概括您的问题（发生了什么、在哪个国家、有没有期限）后重新发送，或分几条发送。",
    "Your message is longer than {limit} characters and was not taken. Please summarise your question (what "
    "happened, in which country, any deadline) and send it again, or send it in parts.",
)


#: The longest message every channel takes (REST's own limit is a setting, `IPDESK_REST_MAX_CHARS`, 4000 by default).
MAX_CHARS = 4000


def too_long_text(text: str, limit: int = MAX_CHARS) -> tuple[Language, str]:
    """What every channel tells a user whose message is longer than `limit`, in the message's language: one rule for
    REST, the web chat and WeChat, so that a paste sent by mistake is neither cut silently nor failed in English."""
    language = detect_language(text[:limit])
    return language, TOO_LONG.get(language).format(limit=limit)


def too_long_reply(recipient: str, text: str, limit: int) -> dict[str, Any]:
    """The reply, under the reply contract, to a message longer than `limit`: a paste a user sent by mistake is asked
    back (kind `clarify`) in the conversation, as the user expects, rather than failing the request."""
    language, shown = too_long_text(text, limit)
    return {"recipient_id": recipient, "text": shown, "custom": _asked_back(language)}


#: What a user whose message holds no text at all (spaces, tabs, invisible characters) is told: a message a
#: person sent, so answered and asked for the question, not refused as a malformed request.
BLANK = Localized(
    "没有收到文字：您的消息是空的。请直接输入您的问题，例如“美国337调查是什么”或“亚马逊店铺被冻结了怎么办”。",
    'Your message had no text in it. Please type your question, for example "What is a Section 337 '
    'investigation?" or "My Amazon store was frozen, what do I do?"',
)


def blank_reply(recipient: str) -> dict[str, Any]:
    """The reply, under the reply contract, to a message with no text once cleaned: asked back (kind `clarify`) in
    the conversation, as a person who pressed send by mistake expects, and nothing of it stored. A blank message has
    no language of its own, so it is asked in the desk's first language, Chinese."""
    return {"recipient_id": recipient, "text": BLANK.get("zh"), "custom": _asked_back("zh")}


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
