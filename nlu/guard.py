"""The pipeline's last word on an intent: what a message's own words say beyond its topic (`knowledge.cues`).

DIET ranks topics well but weighs every word alike, so a request to forge a document that mentions a TRO reads as a
TRO question, and a story with a docket number and "20天内答辩" can read as a general 337 question. This component
runs after the FallbackClassifier and sets the intent from concrete cues instead:

- a request that must be refused becomes `harmful_request` or `bot_instruction`, whatever its topic;
- a topic question (or an unsure one) that carries the signs of a live dispute becomes `report_dispute`, and a
  `report_dispute` with no such sign that is asked hypothetically ("如果店铺被冻结一般怎么办") or that the classifier
  is unsure of becomes its topic (or `nlu_fallback`, so the answer action decides from the search, reading the
  ranking behind it). Chinese drops the subject ("店铺被冻结了 急"), so no pronoun is required;
- a message that asks for a person becomes `request_human`; a request for a person with the signs of a live dispute
  is urgent;
- a message that begins by leaving ("算了不用了") and goes on to ask something else becomes `cancel`: a form under way
  stops, and `action_cancel` answers the question; an unsure `cancel` with no word of stopping in it ("玻璃杯、玻璃餐具"
  as a fair's products) becomes `nlu_fallback`, so it answers the form's question and stops nothing;
- the classifier's refusal with no cue in the words is kept only when it is sure and the message is not markup
  (JSON, HTML, a bare URL, a form's fields), which it tends to read as an attack; set aside, a story with the signs of
  a live dispute is the dispute;
- a request for a person whose words name no person nor a way of reaching one is read as the question it asks, a
  registration of a fair without a word of registering as a question about the fair, and a dispute reading of a
  message that says next to nothing ("帮帮忙") is asked back;
- the signs of a live dispute are read in the words as typed and as put right by sound ("点铺被东结了").

The original reading stays in `intent_ranking` (the search uses it as evidence), and `guard` in the parse result
says what was changed and why, so `/model/parse` and the console's suggestion explain themselves.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from knowledge import homophones
from knowledge.cues import asking, disputes, followups, noise, pasted, persons, refusals, scope, small_talk, stopping
from nlu.stateless import StatelessComponent

REFUSAL_INTENTS = {"harmful": "harmful_request", "injection": "bot_instruction"}
LIVE_DISPUTE = "report_dispute"
PERSON = "request_human"
FALLBACK = "nlu_fallback"
CANCEL = "cancel"
#: Below this, a cancel reading needs a word of stopping (stopping.CANCEL_WORDS) to stop a form.
SURE_CANCEL = 0.8
#: Intents a cue may overrule: the topics and an unsure reading. Conversation turns (cancel, rate, a form's
#: answers, greetings) and out-of-scope questions keep theirs, except that a refusal overrules everything and leaving
#: with a question instead ("算了不用了 我就问下…") overrules all but a request for a person.
TOPIC_PREFIX = "ask_"


#: The classifier's refusal without a cue in the words needs this much confidence: below it the message is read again
#: by the answer action (which never answers a refusal's topic from a weak match).
REFUSAL_CONFIDENCE = 0.7
#: … and this much when its words name none of the desk's matters ("Can you recommend a good novel?" read 0.83 as an
#: instruction to the bot is small talk): plain small talk is common, and most attacks carry a cue of their own.
OFF_TOPIC_REFUSAL_CONFIDENCE = 0.9
#: … and this much when its words name the desk's matters ("How long does a US design patent last, and are there
#: maintenance fees?" read 0.95 as an instruction to the bot): refusing a real question is the costlier mistake, and
#: the attacks seen so far either carry a cue or read as sure as this (no refusal on any set was lost raising it).
OURS_REFUSAL_CONFIDENCE = 0.98
#: Turns that answer with fixed wording or start something (a greeting, help, a subscription): below this confidence
#: an elliptical question ("那速卖通呢") is read by the answer action instead of being greeted.
SMALL_TALK = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "help",
        "subscribe_warnings",
        "unsubscribe_warnings",
        "register_exhibition",
        "ask_ticket_status",
    }
)
SMALL_TALK_CONFIDENCE = 0.6
#: Greetings and farewells (and a request for help), which an elliptical question naming something ("那德国呢", "what
#: about Japan?") never is, however sure the classifier: such a message goes to the answer action, which reads it with
#: the conversation's topic. Without a name in it ("好的呢") the reading stands.
FIXED_REPLIES = frozenset({"greet", "goodbye", "thank", "help"})
#: A request for a person without any cue in the words needs this much confidence ("那巴西呢" is no such request, nor
#: "Does transferring a patent abroad need a licence?", read 0.74 as one since the classifier learnt the independent
#: authors' requests for a person). Raising it from 0.6 changed no decision on the development sets.
PERSON_CONFIDENCE = 0.8
#: Readings that a message without words ("//////", "TRO TRO TRO …") must not get: it is asked back instead.
NOISE_SENSITIVE = frozenset({"harmful_request", "bot_instruction", PERSON, LIVE_DISPUTE})
OUT_OF_SCOPE = "out_of_scope"
#: Readings that a question about the bot itself ("你是真人还是机器人", "你用的哪个大模型") gets instead of small talk: it is
#: told what the desk does (decide's chitchat referral). A reading of help stands, as what the bot can do answers such
#: a question too — except for what it speaks or takes and how it compares (`small_talk.BOT_CAPABILITY`: "你支持语音吗",
#: which every author of the development sets expected answered as small talk).
ABOUT_THE_BOT_READINGS = frozenset({"greet", PERSON, "bot_instruction", FALLBACK})
#: A live dispute without any sign in the words needs this much confidence.
DISPUTE_CONFIDENCE = 0.6
REGISTER_FAIR = "register_exhibition"
#: A number of three digits or more: no word is read inside it.
_NUMBER = re.compile(r"\d{3,}")


def guarded_intent(
    text: str, intent: str | None, ranking: list[dict[str, Any]], confidence: float = 1.0, *, names: bool = False
) -> tuple[str | None, str | None]:
    """The intent the cues call for, and the reason, or (None, None) when the NLU's reading stands. `names`: the
    message names something of the vocabulary (a country, an IP type, …).

    A live dispute at home or not of IP (`scope.dispute_at_home`), however it was read, is out of scope: the rule for a
    live dispute escalates, and this desk takes no dispute inside China ("太原中院的传票已经到了" goes to the offices
    at home, which the answer action names)."""
    cued, reason = _cued_intent(text, intent, ranking, confidence, names=names)
    if (cued or intent) == LIVE_DISPUTE and scope.dispute_at_home(pasted.unwrapped(text)):
        return OUT_OF_SCOPE, "a dispute at home or not of IP"
    return cued, reason


def _cued_intent(
    text: str, intent: str | None, ranking: list[dict[str, Any]], confidence: float, *, names: bool
) -> tuple[str | None, str | None]:
    """`guarded_intent` before a live dispute at home is set aside."""
    refusal = refusals.refusal(text)
    if refusal:
        return REFUSAL_INTENTS[refusal], f"refusal:{refusal}"
    if noise.repetitive(text) or (intent in NOISE_SENSITIVE and (noise.wordless(text) or noise.noise_around(text))):
        return FALLBACK, "no words"
    if intent == CANCEL and confidence < SURE_CANCEL and not stopping.CANCEL_WORDS.search(text):
        return FALLBACK, "unsure cancel without a word of one"  # "玻璃杯、玻璃餐具" answers a form, stops nothing
    if intent not in {CANCEL, PERSON} and stopping.asks_instead(text) is not None and not persons.wants_person(text):
        # "算了不用了 我就问下337调查谁能代理": leaves the form (or the offer) and asks something else, which is answered
        return CANCEL, "leaves and asks instead"
    if pasted.decoded(text) is not None:  # base64 that is no instruction (that is refused above): asked what is meant
        return FALLBACK, "encoded text"
    if small_talk.about_the_bot(text) and (
        intent in ABOUT_THE_BOT_READINGS
        or (intent or "").startswith(TOPIC_PREFIX)
        or (intent == "help" and small_talk.BOT_CAPABILITY.search(text) is not None)
    ):
        return OUT_OF_SCOPE, "about the bot"
    inside = pasted.unwrapped(text)  # a report or a request pasted as JSON or HTML is read by what it says
    # ... and typed by its sound as a person reads it ("点铺被东结了"): on the development sets, the training and the
    # held-out data, the corrected words found signs in five messages, all five live disputes
    corrected = homophones.default().correct(inside)
    signs = disputes.urgency(inside) or (disputes.urgency(corrected) if corrected != inside else [])
    if intent in REFUSAL_INTENTS.values() and persons.wants_person(inside) and not persons.CONTACT.search(text):
        # "我需要一个真人帮我判断，你的回答我没法拿去给老板汇报": no cue of harm (refused above), a person asked for
        return PERSON, "a person asked for, no cue of a refusal"
    if intent in REFUSAL_INTENTS.values():
        if signs and pasted.PASTED.search(text):
            # no cue of an attack, and the words around what was pasted tell a live dispute ("https://sellercentral…
            # 打开就显示 Your account funds are on hold due to a court order 怎么办", a lawyer's letter with its
            # headers): the classifier read the paste. Without a paste its refusal stands ("被贴了封条的样品，我们晚上
            # 偷偷拿走换个一样的放回去" tells of a seizure too)
            return LIVE_DISPUTE, "urgency:" + ",".join(signs)
        if scope.POINTING_BACK.search(text):
            # "就那个嘛上次跟你说的那个你帮我看看呗" has no cue of an attack: it is asked back, not refused. (Read as a
            # live dispute too, it lost one on the unseen set for three on the others, so that reading stands.)
            return FALLBACK, "points back at something unsaid"
        if confidence < _refusal_floor(text) or pasted.MARKUP.search(text):
            # markup read as an attack may wrap a request for a person ('{"action":"callback", "phone": …}'): the
            # words inside decide, as they would without the markup
            if signs:
                # an unsure refusal of a hotline note telling of goods held and a deadline: the story decides (every
                # such message on the development sets is a live dispute)
                return LIVE_DISPUTE, "urgency:" + ",".join(signs)
            if persons.wants_person(inside):
                return PERSON, "person"
            return FALLBACK, "refusal without a cue"
        if refusals.ASKS_LEGALITY.search(text):  # "平行进口的正品…算不算侵权？": a lawful user's question, read again
            return FALLBACK, "asks whether it is lawful"
        if refusals.PREPARING.search(text):  # "How should we prepare so we don't get hit with an injunction…"
            return FALLBACK, "prepares for what has not happened"
    if intent in SMALL_TALK and confidence < SMALL_TALK_CONFIDENCE:
        return FALLBACK, "unsure small talk"
    if intent in FIXED_REPLIES and names and followups.ELLIPSIS.search(text.strip()):
        return FALLBACK, "an elliptical question, not small talk"
    if intent in small_talk.SMALL_TALK_WORDS and not small_talk.SMALL_TALK_WORDS[intent].search(_NUMBER.sub(" ", text)):
        # the words are read outside numbers: "13903512788" and "8888" hold no "88" (bye-bye)
        return FALLBACK, "no words of small talk"
    if intent == PERSON:
        if signs:
            return LIVE_DISPUTE, "urgency:" + ",".join(signs)
        asked = persons.wants_person(text)
        if not asked and persons.SERVICE_TERMS.search(text):
            return _best_topic(ranking), "a question about the service (its cost, its number)"
        if confidence < PERSON_CONFIDENCE and not asked:
            return FALLBACK, "unsure request for a person"
        if not asked and disputes.NOT_STARTED.search(text):  # "我们只是想提前预算一下，现在还没开始。"
            return FALLBACK, "nothing under way, no person asked for"
        if not asked and not persons.PERSON_WORDS.search(text):
            return _best_topic(ranking), "no person named"  # "你好我姓王…想问问那边商标注册难不难"
        return None, None
    if intent == REGISTER_FAIR and not asking.REGISTERING.search(text):
        # "We're exhibiting at Automechanika next month. Any tips to avoid IP trouble at our booth?" asks how to prepare:
        # answered, not taken as the start of a registration
        return _best_topic(ranking), "no word of registering"
    if intent == LIVE_DISPUTE and not signs and scope.WRITING_REQUEST.search(text) and not persons.wants_person(text):
        # "帮我写一封reply给Amazon seller performance…说明我们没有infringe": no dispute under way told, a text to write,
        # which the desk does not do and says who does (decide's writing referral)
        return OUT_OF_SCOPE, "a writing request"
    if intent == LIVE_DISPUTE and not signs and small_talk.says_little(text):
        return FALLBACK, "says next to nothing"  # "帮帮忙": asked back, not escalated as urgent
    if (
        intent in {LIVE_DISPUTE, OUT_OF_SCOPE}
        and not signs
        and len(text.strip()) <= disputes.SHORT_GENERAL
        and scope.POINTING_BACK.search(text)
        and not scope.IP_RIGHTS.search(text)
    ):
        # "嗯 就是那个 我们那个事儿 上回说的那个 现在咋样了嘛": something unsaid, neither a dispute told nor another matter
        return FALLBACK, "points back at something unsaid"
    overrulable = intent is not None and (intent.startswith(TOPIC_PREFIX) or intent in {FALLBACK, LIVE_DISPUTE})
    # An out-of-scope reading gives way to a live dispute only when the words name a right this desk handles: "我们的货
    # 被海关扣了，报关单填错了" is a customs declaration; "我们的店被TRO冻结了？？？？" is ours, however it is typed.
    # So does a letter claiming a right against its reader, in whatever language it names the right ("特許権を侵害").
    overrulable = overrulable or (
        intent == OUT_OF_SCOPE and bool(signs) and (bool(scope.IP_RIGHTS.search(text)) or disputes.LETTER_SIGN in signs)
    )
    if intent == OUT_OF_SCOPE and not signs and persons.wants_person(text):
        return PERSON, "person"  # "你根本没听懂我的问题，换个人来": no other office's matter, a person
    if not overrulable or intent == "ask_item":
        return None, None
    if intent != LIVE_DISPUTE and signs:
        return LIVE_DISPUTE, "urgency:" + ",".join(signs)
    if intent != LIVE_DISPUTE and disputes.ME_TOO.search(text) and not disputes.hypothetical(text):
        # "我们好像也遇到了" after what a TRO freeze is: the matter just explained is the sender's own now
        return LIVE_DISPUTE, "the sender has it too"
    # Markup around a question unsettles the classifier: a live dispute read there needs a sign in the words.
    unsure = confidence < DISPUTE_CONFIDENCE or pasted.MARKUP.search(text) is not None
    if intent == LIVE_DISPUTE and not signs and persons.SERVICE_COMPLAINT.search(text):
        return PERSON, "a complaint about the service"
    if intent == LIVE_DISPUTE and not signs and scope.off_topic(text) and not disputes.ME_TOO.search(text):
        # "我需要一个真人帮我判断，你的回答我没法拿去给老板汇报": a person, not small talk
        if persons.wants_person(text):
            return PERSON, "person"
        return FALLBACK, "no dispute of ours named"  # "人民币兑美元最近是涨还是跌"
    if (
        intent == LIVE_DISPUTE
        and not signs
        and (
            disputes.hypothetical(text)
            or unsure
            or disputes.ENDS_ASKING_WHAT.search(text)
            or disputes.NOT_PRESSING.search(text)  # "…函里没写期限。想约你们的专家面谈一次": a person, not urgent
        )
    ):
        if persons.wants_person(text):  # "如果在美国被起诉了一般怎么应对？让专家联系我": no dispute, a request
            return PERSON, "person"
        return _best_topic(ranking), "not a live dispute of the sender's own"
    if intent != LIVE_DISPUTE and persons.wants_person(text):
        return PERSON, "person"
    return None, None


def _refusal_floor(text: str) -> float:
    """How sure the classifier's refusal must be when the words carry no cue of one, by what the words name."""
    if scope.IP_MATTERS.search(text):
        return OURS_REFUSAL_CONFIDENCE
    return OFF_TOPIC_REFUSAL_CONFIDENCE if scope.off_topic(text) else REFUSAL_CONFIDENCE


#: A topic that takes at least this share of the ranking's topics is what a general question asked about.
TOPIC_SHARE = 0.5


def _best_topic(ranking: list[dict[str, Any]]) -> str:
    """The topic a message set aside as a live dispute asks about, when the ranking clearly holds one; else
    nlu_fallback (the answer action then decides from the search, reading the ranking behind it)."""
    topics = [
        (float(r.get(PREDICTED_CONFIDENCE_KEY) or 0.0), str(r.get(INTENT_NAME_KEY)))
        for r in ranking
        if str(r.get(INTENT_NAME_KEY, "")).startswith(TOPIC_PREFIX)
    ]
    total = sum(confidence for confidence, _ in topics)
    if not topics or total <= 0:
        return FALLBACK
    confidence, name = max(topics)
    return name if confidence / total >= TOPIC_SHARE else FALLBACK


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CueGuard(StatelessComponent, IntentClassifier):
    """Sets the intent from concrete cues after the classifiers (see the module docstring)."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        homophones.default()  # the sound-alikes take a second to build: at start, not on the first message

    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            current = message.get(INTENT) or {}
            ranking = list(message.get(INTENT_RANKING_KEY) or [])
            intent, reason = guarded_intent(
                text,
                current.get(INTENT_NAME_KEY),
                ranking,
                float(current.get(PREDICTED_CONFIDENCE_KEY) or 0.0),
                names=bool(message.get(ENTITIES)),
            )
            if intent is None:
                continue
            chosen = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, chosen, add_to_output=True)
            message.set(
                INTENT_RANKING_KEY,
                [chosen] + [r for r in ranking if r.get(INTENT_NAME_KEY) != intent],
                add_to_output=True,
            )
            message.set("guard", {"reason": reason, "was": current.get(INTENT_NAME_KEY)}, add_to_output=True)
        return messages
