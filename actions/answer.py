"""Answering from the knowledge base: the best item, its source, related items and a way to a person."""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.conversation import clarify
from actions.turn import contract, entities, is_payload, knowledge, language, remember_language, user_text
from knowledge import Item

logger = logging.getLogger(__name__)


class ActionAnswer(Action):
    """Answer the question from the knowledge base, citing what it used; ask to rephrase when nothing fits."""

    def name(self) -> str:
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        kb = knowledge()
        lang = language(tracker)
        text = user_text(tracker)
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        found = entities(tracker, kb)

        chosen = self._requested_item(found)
        if chosen is not None:
            best, related = kb.get(chosen), []
        else:
            hits = kb.search("" if is_payload(text) else text, intent=intent, entities=found, limit=3)
            best, related = (hits[0].item, [hit.item for hit in hits[1:]]) if hits else (None, [])
        if best is None:
            logger.info("no knowledge for %r (intent %s, entities %s): asking to rephrase", text, intent, found)
            clarify(dispatcher, lang)
            return remember_language(tracker, lang)

        buttons = [{"title": replies.item_label(kb, item, lang), "payload": replies.item_payload(item)} for item in related]
        buttons.append({"title": replies.EXPERT_BUTTON.get(lang), "payload": replies.EXPERT_PAYLOAD})
        dispatcher.utter_message(
            text=replies.answer_text(kb, best, lang),
            buttons=buttons,
            json_message=contract("answer", language=lang, sources=[best.id]),
        )
        return remember_language(tracker, lang)

    @staticmethod
    def _requested_item(found: dict[str, list[str]]) -> str | None:
        """The item a related-item button asked for, when it still exists."""
        for item_id in found.get("item", []):
            if knowledge().get(item_id) is not None:
                return item_id
            logger.warning("button asked for unknown knowledge item %r", item_id)
        return None


__all__ = ["ActionAnswer", "Item"]
