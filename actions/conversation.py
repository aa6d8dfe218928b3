"""The conversation's own turns: greeting, help, thanks, goodbye, asking back, referring elsewhere and refusing."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, Sequence

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.services import desk
from actions.turn import contract, is_payload, knowledge, language, remember_language, user_text
from bot.desk.gaps import record_gap
from knowledge import Item, Language, Localized
from knowledge.cues import persons
from knowledge.answers import sources_line

logger = logging.getLogger(__name__)


def keep_gap(tracker: Tracker, kind: str, lang: Language, *, item_id: str | None = None) -> None:
    """Keep a turn that fell short (asked back, referred, refused, answered on a weak reading) in the gap queue for
    staff (bot/desk/gaps.py). Only words the user typed: a button press says nothing about what is missing."""
    text = user_text(tracker)
    if not text.strip() or is_payload(text):
        return
    intent = (tracker.latest_message or {}).get("intent") or {}
    record_gap(
        desk,
        channel=tracker.get_latest_input_channel(),
        kind=kind,
        question=text,
        language=lang,
        intent=intent.get("name"),
        confidence=intent.get("confidence"),
        item_id=item_id,
    )


def clarify(dispatcher: CollectingDispatcher, lang: Language, suggestions: Sequence[Item] = ()) -> None:
    """Ask back instead of guessing: the likeliest items as "did you mean" buttons, or, when nothing is close, say so;
    a person is always one tap away."""
    kb = knowledge()
    buttons = [
        {"title": replies.item_label(kb, item, lang), "payload": replies.item_payload(item)} for item in suggestions
    ]
    buttons.append({"title": replies.EXPERT_BUTTON.get(lang), "payload": replies.EXPERT_PAYLOAD})
    text = (replies.CLARIFY if suggestions else replies.UNKNOWN).get(lang)
    dispatcher.utter_message(
        text=text,
        buttons=buttons,
        json_message=contract("clarify", language=lang, suggestions=[item.id for item in suggestions]),
    )


def refer(dispatcher: CollectingDispatcher, lang: Language, referral: Item) -> None:
    """Say politely that this desk handles overseas IP disputes and where the question goes instead, citing the
    referral so that the office and hotline named can be checked."""
    text = referral.answer.get(lang) + "\n\n" + sources_line(referral, lang)
    dispatcher.utter_message(
        text=text, json_message=contract("out_of_scope", language=lang, reason="refer", sources=[referral.id])
    )


def refuse(dispatcher: CollectingDispatcher, tracker: Tracker, lang: Language, category: str) -> None:
    """Refuse plainly, with nothing from the knowledge base attached, and leave a line for staff with the text
    (contacts redacted) so that abuse can be seen."""
    wording = replies.REFUSE.get(category, replies.REFUSE["harmful"])
    dispatcher.utter_message(
        text=wording.get(lang), json_message=contract("out_of_scope", language=lang, reason="refuse")
    )
    logger.warning("refused a %s request from %s: %s", category, tracker.sender_id, redact(user_text(tracker)))


def redact(text: str, limit: int = 300) -> str:
    """The text as a log may keep it: contacts replaced, line breaks escaped (a message cannot forge log lines)."""
    cleaned = persons.CONTACT.sub("[contact]", text[:limit])
    return cleaned.encode("unicode_escape").decode("ascii") if any(c in cleaned for c in "\r\n") else cleaned


class _FixedReply(Action, ABC):
    """A turn whose reply is fixed wording of one kind (abstract, so the action server does not register it)."""

    kind: str
    wording: Localized

    @abstractmethod
    def name(self) -> str: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = language(tracker)
        dispatcher.utter_message(text=self.wording.get(lang), json_message=contract(self.kind, language=lang))
        return remember_language(tracker, lang)


class ActionGreet(_FixedReply):
    kind, wording = "greeting", replies.GREETING

    def name(self) -> str:
        return "action_greet"


class ActionGoodbye(_FixedReply):
    kind, wording = "goodbye", replies.GOODBYE

    def name(self) -> str:
        return "action_goodbye"


class ActionThank(_FixedReply):
    """Thanks close an exchange like a goodbye does, so the turn is of kind `goodbye`."""

    kind, wording = "goodbye", replies.THANKS

    def name(self) -> str:
        return "action_thank"


class ActionClarify(Action):
    """Rasa's core fallback (no rule fits the turn): ask rather than guess."""

    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = language(tracker)
        clarify(dispatcher, lang)
        keep_gap(tracker, "clarify", lang)
        return remember_language(tracker, lang)
