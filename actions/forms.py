"""What the chat's forms share: the action that asks one slot's question, in the reply contract's `form` turn."""

from __future__ import annotations

from typing import Any, Iterable, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.turn import contract, language
from knowledge import Localized

CANCEL = Localized("取消", "Cancel")


def ask_action(slot: str, question: Localized, *, choices: Iterable[Localized] = (), form: str = "") -> type[Action]:
    """An `action_ask_<slot>` that asks `question` with a button per choice (sent as typed words) and one to cancel,
    and says in the reply contract what it asks (`{"kind": "form", "ask": slot}`)."""
    options = tuple(choices)

    class AskSlot(Action):
        def name(self) -> Text:
            return f"action_ask_{slot}"

        async def run(
            self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
        ) -> list[dict[str, Any]]:
            lang = language(tracker)
            buttons = [{"title": choice.get(lang), "payload": choice.get(lang)} for choice in options]
            buttons.append({"title": CANCEL.get(lang), "payload": "/cancel"})
            dispatcher.utter_message(
                text=question.get(lang), buttons=buttons, json_message=contract("form", language=lang, ask=slot)
            )
            return []

    AskSlot.__name__ = AskSlot.__qualname__ = f"ActionAsk{slot.title().replace('_', '')}"
    AskSlot.__doc__ = f"Ask the {form or 'form'}'s `{slot}` question."
    return AskSlot
