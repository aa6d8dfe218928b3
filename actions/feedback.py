"""有帮助 / 没帮助 under every answer: the enterprise's verdict kept (bot/desk/feedback.py), thanks for a helpful one,
an apology, the way to an expert and an optional comment (the feedback form) for an unhelpful one."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.services import desk
from actions.turn import contract, is_payload, knowledge, language, payload_entities, remember_language
from bot.desk.feedback import record_feedback

logger = logging.getLogger(__name__)

#: The feedback form's purpose (slot `feedback_for`) while it takes a comment on verdict N.
ANSWER_PURPOSE = "answer:"


def answered_question(tracker: Tracker) -> str:
    """What the enterprise typed before pressing the button: the question the rated answer answered."""
    users = [event for event in tracker.events if event.get("event") == "user"]
    for event in reversed(users[:-1]):
        text = event.get("text") or ""
        if text.strip() and not is_payload(text):
            return text
    return ""


class ActionAnswerFeedback(Action):
    """Keep the verdict on the answer's item; an unhelpful one also asks what was missing (optional)."""

    def name(self) -> str:
        return "action_answer_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = language(tracker)
        found = payload_entities(tracker)
        item = knowledge().get(str(found.get("item") or ""))
        helpful = found.get("helpful")
        if item is None or helpful not in ("yes", "no"):  # the channels take only the buttons' own payloads
            logger.info("a verdict on %r (%r) from %s was not kept", found.get("item"), helpful, tracker.sender_id)
            dispatcher.utter_message(
                text=replies.THANKS_HELPFUL.get(lang), json_message=contract("goodbye", language=lang)
            )
            return remember_language(tracker, lang)
        verdict = record_feedback(
            desk,
            channel=tracker.get_latest_input_channel(),
            sender_id=tracker.sender_id,
            item_id=item.id,
            helpful=helpful == "yes",
            language=lang,
            question=answered_question(tracker),
        )
        if helpful == "yes":
            dispatcher.utter_message(
                text=replies.THANKS_HELPFUL.get(lang), json_message=contract("goodbye", language=lang)
            )
            return remember_language(tracker, lang)
        dispatcher.utter_message(
            text=replies.SORRY_UNHELPFUL.get(lang),
            buttons=[{"title": replies.EXPERT_BUTTON.get(lang), "payload": replies.EXPERT_PAYLOAD}],
            json_message=contract("goodbye", language=lang),
        )
        events = remember_language(tracker, lang)
        if verdict is None:  # not kept (the desk's database is down): no comment to attach it to
            return events
        return [*events, SlotSet("feedback_for", f"{ANSWER_PURPOSE}{verdict}"), FollowupAction("feedback_form")]
