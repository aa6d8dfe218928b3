"""Answering a question: the best item with its source, related items and a way to a person — or, as
`actions.decide` decides, a question back, a referral or a refusal."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.conversation import clarify, keep_gap, redact, refer, refuse
from actions.decide import CHITCHAT_REFERRAL, REFERRAL, Decision, Reading, Topic, decide
from actions.services import desk
from actions.turn import contract, entities, is_payload, knowledge, language, remember_language, user_text
from bot.desk.chatlog import record_chat_turn
from bot.desk.gaps import WEAK_CONFIDENCE
from knowledge import Item, KnowledgeBase, Language, Localized
from knowledge.cues import followups, pasted, small_talk

logger = logging.getLogger(__name__)

#: Related items offered as buttons under an answer.
MAX_RELATED = 2
#: What an answer on these topics offers to do next, beside the related items.
NEXT_STEP = {
    "ask_warning": (Localized("订阅预警", "Subscribe to warnings"), "/subscribe_warnings"),
    "ask_exhibition": (Localized("登记参展", "Register a trade fair"), "/register_exhibition"),
}


#: Decisions that do not rest on the NLU's confidence (a button, a measure named by number, a follow-up on the topic):
#: a low confidence there is no weak reading, and such answers stay out of the gap queue.
SURE_WITHOUT_NLU = frozenset({"button", "measure named", "follow-up"})

#: The slot that keeps the conversation's last topic, answered or referred (`actions.decide.Topic`).
TOPIC_SLOT = "topic"
#: The replies whose sources keep the topic fresh: an answer from its item, or the referral it is.
TOPIC_KINDS = frozenset({"answer", "out_of_scope"})


def reading(tracker: Tracker) -> Reading:
    """The NLU's reading of the latest message, with its entities as canonical vocabulary values and the item a
    button asked for."""
    kb = knowledge()
    found = entities(tracker, kb)
    latest = tracker.latest_message or {}
    item = next(iter(found.pop("item", [])), None)
    found.pop("detail", None)
    result = Reading.from_message(latest, found)
    text = "" if is_payload(result.text) else result.text
    return replace(result, text=text, item=item)


def topic_of(tracker: Tracker) -> Topic | None:
    """The conversation's topic, dated by the last user turn that set its slot or was answered from its item or
    referred to it (asking about the same topic again sets no new slot event, so a long conversation does not pile
    them up)."""
    value = tracker.get_slot(TOPIC_SLOT)
    item = value.get("item") if isinstance(value, dict) else None
    turn = latest = 0
    for event in tracker.events:
        kind = event.get("event")
        custom = (event.get("data") or {}).get("custom") or {} if kind == "bot" else {}
        if kind == "user":
            turn += 1
        elif (kind == "slot" and event.get("name") == TOPIC_SLOT) or (
            custom.get("kind") in TOPIC_KINDS and item in (custom.get("sources") or [])
        ):
            latest = turn
    return Topic.from_slot(value, latest)


def just_refused(tracker: Tracker) -> bool:
    """Whether the bot refused the user's previous message (its reply between that message and this one)."""
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users == 2:
                return False
        elif event.get("event") == "bot" and users == 1:
            custom = (event.get("data") or {}).get("custom") or {}
            if custom.get("kind") == "out_of_scope" and custom.get("reason") == "refuse":
                return True
    return False


def user_turns(tracker: Tracker) -> int:
    return sum(1 for event in tracker.events if event.get("event") == "user")


def respond(
    dispatcher: CollectingDispatcher, tracker: Tracker, decision: Decision, lang: Language, *, detail: bool = False
) -> list[dict[str, Any]]:
    """Carry out a decision in the conversation: the answer, the question back, the referral or the refusal. A live
    dispute's first steps are given here; the rules then bring in the expert. Returns the events to keep."""
    kb = knowledge()
    found = entities(tracker, kb)
    typed = user_text(tracker)
    if decision.kind != "refuse" and pasted.SCRIPT_ELEMENT.search(typed):
        # A tester's probe beside a question is read as the question (knowledge.cues.refusals.SCRIPT_ATTACK), but
        # staff still see the attempt, as they see a refusal's.
        logger.warning(
            "read the question beside a script probe from %s, script left out: %s", tracker.sender_id, redact(typed)
        )
    if decision.kind == "refuse":
        refuse(dispatcher, tracker, lang, decision.refusal or "harmful")
        record_chat_turn(desk, tracker, "out_of_scope", language=lang)
        keep_gap(tracker, "refuse", lang)
        return []
    if decision.kind == "refer":
        assert decision.referral is not None
        refer(dispatcher, lang, decision.referral)
        record_chat_turn(desk, tracker, "out_of_scope", language=lang, sources=[decision.referral.id])
        keep_gap(tracker, "refer", lang, item_id=decision.referral.id)
        if decision.referral.id == CHITCHAT_REFERRAL:
            # Small talk is no matter to lean on: "费用怎么算" after "今天天气怎么样" still asks about the training
            # answered before it, not about small talk.
            return []
        # The referral is the topic now: "那找谁" or "要多久" next is about the matter referred (actions.decide).
        return _topic(tracker, decision.referral, decision, found)
    if decision.kind == "clarify":
        logger.info(
            "asking back on %r (%s): %s",
            redact(reading(tracker).text),
            decision.why,
            [item.id for item in decision.suggestions],
        )
        clarify(dispatcher, lang, decision.suggestions)
        keep_gap(tracker, "clarify", lang, item_id=decision.suggestions[0].id if decision.suggestions else None)
        # The likeliest item stands for the topic, so "要多久" after the question back still has one to lean on.
        return _topic(tracker, decision.suggestions[0], decision, found) if decision.suggestions else []
    best = decision.item
    if best is None:  # a live dispute nothing in the knowledge base fits: the expert comes straight away
        return []
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    dispatcher.utter_message(
        text=replies.answer_text(kb, best, lang, detail=detail),
        buttons=ActionAnswer.buttons(kb, best, list(decision.related), lang, detail=detail, intent=intent),
        json_message=contract("answer", language=lang, sources=[best.id, *best.policy]),
    )
    record_chat_turn(desk, tracker, "answer", language=lang, entities=found, sources=[best.id, *best.policy])
    confidence = ((tracker.latest_message or {}).get("intent") or {}).get("confidence")
    if isinstance(confidence, (int, float)) and confidence < WEAK_CONFIDENCE and decision.why not in SURE_WITHOUT_NLU:
        keep_gap(tracker, "weak_answer", lang, item_id=best.id)
    return _topic(tracker, best, decision, found)


def _topic(tracker: Tracker, item: Item, decision: Decision, found: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Keep `item` as the conversation's topic, with the entities said so far (a follow-up's carried over)."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    previous = Topic.from_slot(tracker.get_slot(TOPIC_SLOT))
    carried = previous.entities if previous and decision.why == "follow-up" else {}
    said = {name: values for name, values in found.items() if name not in {"item", "detail"}}
    topic_intent = intent if intent and intent.startswith("ask_") and intent != "ask_item" else None
    topic = Topic(item.id, topic_intent or next(iter(item.intents), None), {**carried, **said}, user_turns(tracker))
    if previous is not None and previous.as_slot() == topic.as_slot():
        return []  # the same topic: no new event (the answer citing it keeps it fresh, see topic_of)
    return [SlotSet(TOPIC_SLOT, topic.as_slot())]


class ActionAnswer(Action):
    """Answer, ask back, refer or refuse, as `actions.decide` decides from the NLU, the search and the topic."""

    def name(self) -> str:
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        lang = language(tracker)
        seen = reading(tracker)
        detail = replies.MORE_DETAIL in entities(tracker, knowledge()).get("detail", [])
        decision = decide(
            knowledge(), seen, topic_of(tracker), user_turns(tracker), after_refusal=just_refused(tracker)
        )
        logger.info("decided %s (%s) for intent %s %.2f", decision.kind, decision.why, seen.intent, seen.confidence)
        return respond(dispatcher, tracker, decision, lang, detail=detail) + remember_language(tracker, lang)

    @staticmethod
    def buttons(
        kb: KnowledgeBase, best: Item, related: list[Item], lang: Language, *, detail: bool, intent: str | None = None
    ) -> list[dict[str, str]]:
        """ "More" when the item has a longer text, related items (the measures it rests on first), the topic's next
        step (subscribe to warnings, register a fair), an expert, and 有帮助 / 没帮助 last."""
        buttons = []
        if not detail and best.text.get(lang):
            buttons.append(
                {
                    "title": replies.MORE_BUTTON.get(lang),
                    "payload": replies.item_payload(best, detail=replies.MORE_DETAIL),
                }
            )
        others = {item.id: item for item in [kb.get(ref) for ref in best.policy] + related if item is not None}
        shown = [item for item_id, item in others.items() if item_id != best.id][:MAX_RELATED]
        buttons += [
            {"title": replies.item_label(kb, item, lang), "payload": replies.item_payload(item)} for item in shown
        ]
        if intent in NEXT_STEP:
            title, payload = NEXT_STEP[intent]
            buttons.append({"title": title.get(lang), "payload": payload})
        buttons.append({"title": replies.EXPERT_BUTTON.get(lang), "payload": replies.EXPERT_PAYLOAD})
        return buttons + replies.feedback_buttons(best, lang)


class ActionRefuse(ActionAnswer):
    """What the NLU reads as a request to infringe, evade enforcement, bribe, fake evidence, expose a person or read
    other users' data, or as an instruction aimed at the bot itself (intents harmful_request and bot_instruction):
    `decide` refuses it plainly, with nothing cited — unless its words carry no cue of harm and it only asks the time,
    cost, next step or deadline of the conversation's topic ("有没有办法省点钱" after the cost of a US patent suit),
    which is answered like any follow-up."""

    def name(self) -> str:
        return "action_refuse"


class ActionHelp(ActionAnswer):
    """What the NLU reads as asking for help: what the desk answers and how to ask, with the privacy notice. A question
    about the bot itself ("你是机器人吗", "你叫什么名字") is read as help too, but asks what the bot is: it gets what
    `decide` tells any question about the bot (the desk says what it is and what it answers), as independent authors
    expected, and not a list of questions to ask."""

    def name(self) -> str:
        return "action_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = user_text(tracker)
        if small_talk.about_the_bot(text) or (
            self._after_referral(tracker)
            and followups.follow_up(text) is not None
            and followups.ASKS_WHERE.search(text)
        ):
            # "那找谁问" right after a referral asks who handles the matter referred: the same office, not the desk's help
            return await super().run(dispatcher, tracker, domain)
        lang = language(tracker)
        # the privacy notice's retention period is read when the message is built
        dispatcher.utter_message(text=replies.help_text().get(lang), json_message=contract("help", language=lang))
        return remember_language(tracker, lang)

    @staticmethod
    def _after_referral(tracker: Tracker) -> bool:
        """Whether the bot's last turn referred the user to another office."""
        topic = topic_of(tracker)
        item = knowledge().get(topic.item) if topic is not None else None
        return item is not None and item.kind == REFERRAL and user_turns(tracker) - topic.turn == 1
