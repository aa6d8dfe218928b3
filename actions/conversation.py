"""The conversation's own turns: greeting, help, thanks, goodbye, asking to rephrase, and declining."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.services import desk
from actions.turn import contract, knowledge, language, remember_language, user_text
from bot.desk.chatlog import record_chat_turn
from knowledge import Language, Localized



def clarify(dispatcher: CollectingDispatcher, lang: Language) -> None:
    """Ask the user to rephrase, offering common topics and a person: never guess an answer."""
    buttons = [{"title": title.get(lang), "payload": question.get(lang)} for title, question in replies.CLARIFY_TOPICS]
    buttons.append({"title": replies.EXPERT_BUTTON.get(lang), "payload": replies.EXPERT_PAYLOAD})
    dispatcher.utter_message(text=replies.CLARIFY.get(lang), buttons=buttons, json_message=contract("clarify", language=lang))


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


class ActionHelp(_FixedReply):
    kind = "help"

    @property
    def wording(self) -> Localized:  # type: ignore[override]
        """The help ends with the privacy notice, whose retention period is read when the message is built."""
        return replies.help_text()

    def name(self) -> str:
        return "action_help"


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
    """The NLU was not confident (FallbackClassifier's `nlu_fallback`): ask rather than guess."""

    def name(self) -> str:
        return "action_clarify"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = language(tracker)
        clarify(dispatcher, lang)
        return remember_language(tracker, lang)


class ActionDecline(Action):
    """Decline out-of-scope questions (and gibberish, abuse, prompt injection) politely, and say where to go."""

    def name(self) -> str:
        return "action_decline"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = language(tracker)
        referral = knowledge().referral_for(user_text(tracker))
        text = replies.DECLINE.get(lang) + "\n" + replies.REFER.get(lang).format(text=referral.text.get(lang))
        dispatcher.utter_message(text=text, json_message=contract("out_of_scope", language=lang))
        record_chat_turn(desk, tracker, "out_of_scope", language=lang)
        return remember_language(tracker, lang)
