"""Warnings (预警) in the chat: the current ones for a market ("最近有什么关于德国的预警"), subscribing and
unsubscribing ("订阅美国 机械 专利预警", "/subscribe", "退订美国预警"), and a pushed warning arriving in the
conversation. Every turn about warnings is of kind `warning` and cites the warnings it shows as `warning:<id>`."""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import replies
from actions.answer import ActionAnswer
from actions.conversation import clarify
from actions.services import desk, warnings
from actions.forms import ask_action
from actions.turn import (
    contract,
    entities,
    is_payload,
    knowledge,
    language,
    payload_entities,
    remember_language,
    triggered_by_worker,
    user_text,
)
from bot.desk.chatlog import record_chat_turn
from bot.desk.risk_warnings import Criteria, criteria_from_entities, parse_criteria, source_id, warning_text
from knowledge import Language, Localized

logger = logging.getLogger(__name__)

FORM = "subscription_form"
#: The knowledge item that explains the warning service (measures 5, 8, 9).
SERVICE_ITEM = "faq:province-warnings"
#: Warnings listed in one answer; the rest are counted.
MAX_LISTED = 5
#: A question about the warning service itself ("预警快报多久出一期") rather than a request for warnings.
_SERVICE_QUESTION = re.compile(
    r"怎么|如何|怎样|多久|多长时间|在哪|哪里|收费|免费|费用|区别|通过什么|短信|公众号|覆盖|谁发|省里自己|申请|订阅|推送名单|"
    r"how (?:do|can|often|to)|where|free|cost|differen|which industries|newsletter",
    re.IGNORECASE,
)
#: Asking what the conversation is subscribed to.
_MY_SUBSCRIPTIONS = re.compile(
    r"我(?:们)?(?:的订阅|订阅了|订了|都订|现在订)|(?:my|our) subscriptions|what am i subscribed", re.IGNORECASE
)
#: Words that ask for the warnings themselves.
_WANTS_LIST = re.compile(
    r"最近|最新|近期|近来|现在|目前|当前|有没有|有什么|有啥|有哪些|哪些预警|列出|看看|latest|recent|current|any new|"
    r"are there any|any (?:warning|alert)|what warnings|list",
    re.IGNORECASE,
)
#: Words that say the list asked for is of warnings or news (suits, investigations): "最近" or "有没有" alone is no
#: request for warnings ("你能陪我聊聊天吗，最近压力好大", "省里对企业海外维权有没有资金上的支持" were both read as one).
_ABOUT_NEWS = re.compile(
    r"预警|预惊|警示|风险|提醒|提示|动态|快报|通报|跟踪|新的|新情况|消息|调查|诉讼|起诉|337|"
    r"warning|alert|risk|notice|flagged|\bnew\b|track|investigation|\bsuits?\b",
    re.IGNORECASE,
)


QUESTION = Localized(
    "想订阅哪方面的预警？请写国家/地区、行业、知识产权类型或产品，例如“美国 机械 专利”“欧盟 光伏”“产品：电动滑板车”；"
    "所有预警都要请回复“全部”。",
    "Which warnings would you like? Name countries or regions, industries, IP types or products, e.g. “US machinery "
    "patent”, “EU solar” or “products: e-scooters”; reply “all” for every warning.",
)
NOT_UNDERSTOOD = Localized(
    "没能识别要订阅的内容。请写国家/地区（如美国、欧盟）、行业（如机械、光伏）、知识产权类型（如专利、商标）或“产品：…”，"
    "全部预警请回复“全部”。",
    "I could not tell what to subscribe to. Name a country or region (US, EU), an industry (machinery, solar), an IP "
    "type (patent, trade mark) or “products: …”, or reply “all”.",
)


def _criteria_text(criteria: Criteria, lang: Language) -> str:
    return criteria.describe(lang, knowledge().vocabulary)


def _subscriptions_text(subscriptions: list[Criteria], lang: Language) -> str:
    if not subscriptions:
        return "您目前没有订阅预警。" if lang == "zh" else "You have no warning subscriptions now."
    lines = [f"{n}. {_criteria_text(c, lang)}" for n, c in enumerate(subscriptions, start=1)]
    return ("您目前的预警订阅：\n" if lang == "zh" else "Your warning subscriptions:\n") + "\n".join(lines)


def _subscribe_button(criteria: Criteria, lang: Language) -> dict[str, str]:
    words = " ".join(
        [*criteria.countries, *criteria.industries, *criteria.ip_types, *(f"产品：{p}" for p in criteria.products)]
    )
    payload = "/subscribe_warnings" + (json.dumps({"criteria": words}, ensure_ascii=False) if words else "")
    label = _criteria_text(criteria, lang) if criteria.named else ""
    title = (
        (f"订阅{label}预警" if lang == "zh" else f"Subscribe: {label}")
        if label
        else ("订阅预警" if lang == "zh" else "Subscribe to warnings")
    )
    return {"title": title[:40], "payload": payload}


def _asked_criteria(tracker: Tracker) -> Criteria:
    """What the message names: the `criteria` words of a /subscribe command, the text, and the NLU's entities."""
    found = entities(tracker, knowledge())
    vocabulary = knowledge().vocabulary
    criteria = criteria_from_entities(found)
    for words in found.get("criteria", []):
        criteria = criteria.merged(parse_criteria(words, vocabulary))
    text = user_text(tracker)
    if text and not is_payload(text):
        criteria = criteria.merged(parse_criteria(text, vocabulary))
    return criteria


def _channel(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "rest"


class ActionWarnings(Action):
    """ "最近有什么关于德国的预警": the current warnings the question concerns, each cited; a question about the
    service itself ("预警快报多久出一期") is answered from the knowledge base instead."""

    def name(self) -> Text:
        return "action_warnings"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = language(tracker)
        found = entities(tracker, knowledge())
        if found.get("warning"):
            return self._one(dispatcher, tracker, found["warning"][0], lang)
        text = user_text(tracker)
        if _MY_SUBSCRIPTIONS.search(text):
            mine = warnings().subscriptions(_channel(tracker), tracker.sender_id)
            dispatcher.utter_message(
                text=_subscriptions_text(mine, lang), json_message=contract("warning", language=lang)
            )
            return remember_language(tracker, lang)
        criteria = _asked_criteria(tracker)
        asks_for_news = _WANTS_LIST.search(text) and _ABOUT_NEWS.search(text)
        if _SERVICE_QUESTION.search(text) or not (criteria.named or asks_for_news):
            return await ActionAnswer().run(dispatcher, tracker, domain)
        current = warnings().current(criteria)
        scope = _criteria_text(criteria, lang) if criteria.named else ""
        buttons = [
            {
                "title": (f"查看全文 {source_id(w)}" if lang == "zh" else f"Read {source_id(w)}"),
                "payload": "/ask_warning" + json.dumps({"warning": str(w.id)}),
            }
            for w in current[:MAX_LISTED]
        ]
        buttons.append(_subscribe_button(criteria, lang))
        if current:
            head = (
                (f"与“{scope}”相关的现行预警共 {len(current)} 条" if scope else f"现行预警共 {len(current)} 条")
                if lang == "zh"
                else (
                    f"{len(current)} current warning(s) concerning {scope}"
                    if scope
                    else f"{len(current)} current warning(s)"
                )
            )
            if len(current) > MAX_LISTED:
                head += f"（显示最新 {MAX_LISTED} 条）" if lang == "zh" else f" (the latest {MAX_LISTED} shown)"
            body = "\n\n".join(warning_text(w, lang, knowledge().vocabulary, full=False) for w in current[:MAX_LISTED])
            text = f"{head}：\n\n{body}" if lang == "zh" else f"{head}:\n\n{body}"
        else:
            text = (
                (f"目前没有与“{scope}”相关的现行预警。" if scope else "目前没有现行预警。")
                if lang == "zh"
                else (
                    f"There are no current warnings concerning {scope}." if scope else "There are no current warnings."
                )
            )
            text += (
                "订阅后，有新预警会第一时间推送给您。"
                if lang == "zh"
                else " Subscribe and new ones will come to you here."
            )
            service = knowledge().get(SERVICE_ITEM)
            if service is not None:
                buttons.append(
                    {
                        "title": "预警服务说明" if lang == "zh" else "About the warning service",
                        "payload": replies.item_payload(service),
                    }
                )
        sources = [source_id(w) for w in current[:MAX_LISTED]]
        dispatcher.utter_message(
            text=text, buttons=buttons, json_message=contract("warning", language=lang, sources=sources)
        )
        record_chat_turn(desk, tracker, "answer", language=lang, entities=found, sources=sources)
        return remember_language(tracker, lang)

    @staticmethod
    def _one(dispatcher: CollectingDispatcher, tracker: Tracker, raw_id: str, lang: Language) -> list[dict[str, Any]]:
        """One warning in full (its "查看全文" button); one that has expired meanwhile is said to be so."""
        warning = warnings().get(int(raw_id)) if str(raw_id).isdigit() else None
        if warning is None or not warnings().is_current(warning):
            dispatcher.utter_message(
                text="这条预警已失效或不存在。" if lang == "zh" else "That warning has expired or does not exist.",
                json_message=contract("warning", language=lang),
            )
            return remember_language(tracker, lang)
        dispatcher.utter_message(
            text=warning_text(warning, lang, knowledge().vocabulary, full=True),
            buttons=[{"title": replies.EXPERT_BUTTON.get(lang), "payload": replies.EXPERT_PAYLOAD}],
            json_message=contract("warning", language=lang, sources=[source_id(warning)]),
        )
        return remember_language(tracker, lang)


class ActionSubscribeWarnings(Action):
    """Subscribe the conversation to what the message (or the form's answer) names; with nothing named, ask."""

    def name(self) -> Text:
        return "action_subscribe_warnings"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = language(tracker)
        vocabulary = knowledge().vocabulary
        answered = tracker.get_slot("warning_criteria")
        criteria = parse_criteria(answered, vocabulary) if answered else _asked_criteria(tracker)
        if criteria.empty:
            return [FollowupAction(FORM), *remember_language(tracker, lang)]
        subscriptions = warnings().subscribe(_channel(tracker), tracker.sender_id, criteria, lang)
        current = warnings().current(criteria)
        what = _criteria_text(criteria, lang)
        if lang == "zh":
            lines = [f"已订阅：{what}。有新预警时会在这里推送给您（同一条预警只推送一次）。"]
            if current:
                lines.append(f"目前已有 {len(current)} 条相关的现行预警，发送“最近有什么预警”可查看。")
            lines += [_subscriptions_text(subscriptions, lang), "退订请发送“退订…预警”或 /unsubscribe。"]
        else:
            lines = [f"Subscribed: {what}. New warnings will come to you here (each one once)."]
            if current:
                lines.append(
                    f"{len(current)} current warning(s) already concern this; ask “any recent warnings?” to see them."
                )
            lines += [_subscriptions_text(subscriptions, lang), "To stop, send “unsubscribe …” or /unsubscribe."]
        dispatcher.utter_message(
            text="\n".join(lines),
            json_message=contract("warning", language=lang, sources=[source_id(w) for w in current[:MAX_LISTED]]),
        )
        return [SlotSet("warning_criteria", None), *remember_language(tracker, lang)]


class ActionUnsubscribeWarnings(Action):
    """Remove the subscriptions that name what the message names ("退订美国预警"); all of them when it names
    nothing ("取消订阅", /unsubscribe)."""

    def name(self) -> Text:
        return "action_unsubscribe_warnings"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = language(tracker)
        criteria = _asked_criteria(tracker)
        removed, left = warnings().unsubscribe(_channel(tracker), tracker.sender_id, criteria)
        if removed:
            listed = (
                "；".join(_criteria_text(c, lang) for c in removed)
                if lang == "zh"
                else "; ".join(_criteria_text(c, lang) for c in removed)
            )
            head = f"已退订：{listed}。" if lang == "zh" else f"Unsubscribed: {listed}."
        elif criteria.named:
            what = _criteria_text(criteria, lang)
            head = f"您没有关于“{what}”的订阅。" if lang == "zh" else f"You have no subscription for {what}."
        else:
            head = "您目前没有订阅预警。" if lang == "zh" else "You have no warning subscriptions."
        text = head if not left and not removed else f"{head}\n{_subscriptions_text(left, lang)}"
        dispatcher.utter_message(text=text, json_message=contract("warning", language=lang))
        return remember_language(tracker, lang)


ActionAskWarningCriteria = ask_action("warning_criteria", QUESTION, form=FORM, choices=(Localized("全部", "all"),))


class ValidateSubscriptionForm(FormValidationAction):
    """The answer must name something to subscribe to (or "全部")."""

    def name(self) -> Text:
        return "validate_subscription_form"

    def validate_warning_criteria(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        criteria = parse_criteria(str(value or ""), knowledge().vocabulary).merged(
            criteria_from_entities(entities(tracker, knowledge()))
        )
        if criteria.empty:
            dispatcher.utter_message(text=NOT_UNDERSTOOD.get(language(tracker)))
            return {"warning_criteria": None}
        return {"warning_criteria": str(value)}


class ActionWarningDelivery(Action):
    """A warning the outbox pushed (EXTERNAL_warning): shown once in the conversation it was queued for, while it is
    current; a repeat of its outbox key, or a warning withdrawn meanwhile, is dropped."""

    def name(self) -> Text:
        return "action_warning_delivery"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if not triggered_by_worker(tracker):  # typed as "/EXTERNAL_…{…}": only the outbox's worker may deliver
            logger.warning("a warning push typed into conversation %s was refused", tracker.sender_id)
            clarify(dispatcher, language(tracker))
            return []
        found = payload_entities(tracker)
        key, raw_id = found.get("outbox_key"), str(found.get("warning") or "")
        delivered = list(tracker.get_slot("delivered") or [])
        if not key or not raw_id.isdigit() or key in delivered:
            logger.info("warning push %r for %s dropped (incomplete or already delivered)", key, tracker.sender_id)
            return []
        warning = warnings().for_delivery(int(raw_id), tracker.get_latest_input_channel(), tracker.sender_id)
        events: list[dict[str, Any]] = [SlotSet("delivered", (delivered + [key])[-50:])]
        if warning is None:
            logger.info(
                "warning push %s for %s dropped: withdrawn, or not queued for this conversation", key, tracker.sender_id
            )
            return events
        lang: Language = "en" if tracker.get_slot("language") == "en" else "zh"
        lead = "您订阅的预警有新消息：\n" if lang == "zh" else "A new warning for your subscription:\n"
        tail = (
            "\n\n（退订请发送“退订…预警”或 /unsubscribe）"
            if lang == "zh"
            else "\n\n(To stop: “unsubscribe …” or /unsubscribe)"
        )
        dispatcher.utter_message(
            text=lead + warning_text(warning, lang, knowledge().vocabulary, full=True) + tail,
            buttons=[{"title": replies.EXPERT_BUTTON.get(lang), "payload": replies.EXPERT_PAYLOAD}],
            json_message=contract("warning", language=lang, sources=[source_id(warning)]),
        )
        return events
