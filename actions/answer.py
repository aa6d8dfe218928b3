"""Answering from the knowledge base: the best item, its source, related items and a way to a person."""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.conversation import clarify
from actions.services import desk
from actions.turn import contract, entities, is_payload, knowledge, language, remember_language, user_text
from bot.desk.chatlog import record_chat_turn
from knowledge import Item, KnowledgeBase, Language, Localized

logger = logging.getLogger(__name__)

#: Related items offered as buttons under an answer.
MAX_RELATED = 2
#: What an answer on these topics offers to do next, beside the related items.
NEXT_STEP = {
    "ask_warning": (Localized("订阅预警", "Subscribe to warnings"), "/subscribe_warnings"),
    "ask_exhibition": (Localized("登记参展", "Register a trade fair"), "/register_exhibition"),
}


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
        latest = tracker.latest_message or {}
        intent = (latest.get("intent") or {}).get("name")
        beliefs = {r["name"]: r["confidence"] for r in latest.get("intent_ranking") or [] if r.get("name")} or intent
        found = entities(tracker, kb)

        chosen = self._requested_item(kb, found)
        detail = replies.MORE_DETAIL in found.get("detail", [])
        if chosen is not None:
            best, related = kb.get(chosen), []
        else:
            hits = kb.search("" if is_payload(text) else text, intent=beliefs, entities=found, limit=MAX_RELATED + 1)
            best, related = (hits[0].item, [hit.item for hit in hits[1:]]) if hits else (None, [])
        if best is None:
            logger.info("no knowledge for %r (intent %s, entities %s): asking to rephrase", text, intent, found)
            clarify(dispatcher, lang)
            return remember_language(tracker, lang)

        dispatcher.utter_message(
            text=replies.answer_text(kb, best, lang, detail=detail),
            buttons=self._buttons(kb, best, related, lang, detail=detail, intent=intent),
            json_message=contract("answer", language=lang, sources=[best.id, *best.policy]),
        )
        record_chat_turn(desk, tracker, "answer", language=lang, entities=found, sources=[best.id, *best.policy])
        return remember_language(tracker, lang)

    @staticmethod
    def _buttons(kb: KnowledgeBase, best: Item, related: list[Item], lang: Language, *, detail: bool,
                 intent: str | None = None) -> list[dict[str, str]]:
        """"More" when the item has a longer text, related items (the measures it rests on first), the topic's next
        step (subscribe to warnings, register a fair), an expert."""
        buttons = []
        if not detail and best.text.get(lang):
            buttons.append({"title": replies.MORE_BUTTON.get(lang), "payload": replies.item_payload(best, detail=replies.MORE_DETAIL)})
        others = {item.id: item for item in [kb.get(ref) for ref in best.policy] + related if item is not None}
        shown = [item for item_id, item in others.items() if item_id != best.id][:MAX_RELATED]
        buttons += [{"title": replies.item_label(kb, item, lang), "payload": replies.item_payload(item)} for item in shown]
        if intent in NEXT_STEP:
            title, payload = NEXT_STEP[intent]
            buttons.append({"title": title.get(lang), "payload": payload})
        buttons.append({"title": replies.EXPERT_BUTTON.get(lang), "payload": replies.EXPERT_PAYLOAD})
        return buttons

    @staticmethod
    def _requested_item(kb: KnowledgeBase, found: dict[str, list[str]]) -> str | None:
        """The item a related-item button asked for, when it still exists."""
        for item_id in found.get("item", []):
            if kb.get(item_id) is not None:
                return item_id
            logger.warning("button asked for unknown knowledge item %r", item_id)
        return None

