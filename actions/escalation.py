"""Escalation to an expert advisor: the form that collects what the expert needs, the ticket, its status,
the desk's messages (an expert's answer, a follow-up) delivered into the conversation, and the rating."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any, Text
from zoneinfo import ZoneInfo

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import replies
from actions.answer import reading, respond, topic_of, user_turns
from actions.conversation import clarify
from actions.decide import CHITCHAT_REFERRAL, FALLBACK, Decision, Reading, decide
from actions.feedback import ANSWER_PURPOSE
from actions.services import desk, desk_clock, exhibitions
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
from bot.desk.feedback import add_comment
from bot.desk.tickets import DeskError
from bot.desk.fields import FieldError, clean_text, parse_contact, parse_deadline, split_contact
from knowledge import Language, Localized
from knowledge.loader import DEFAULT_REFERRAL
from knowledge.cues import asking, disputes, pasted, persons, refusals, stopping

logger = logging.getLogger(__name__)

LOCAL = ZoneInfo("Asia/Shanghai")
FORM = "escalation_form"

#: What the form asks for each slot, and the short label used in the summary to the expert.
QUESTIONS: dict[str, Localized] = {
    "company": Localized("请问贵公司的名称是？", "What is your company's name?"),
    "contact": Localized(
        "请留下联系人和电话或邮箱，方便专家联系您。",
        "Who should the expert contact, and at what phone number or e-mail?",
    ),
    "country": Localized("纠纷发生在哪个国家或地区？", "In which country or region is the dispute?"),
    "ip_type": Localized(
        "涉及哪类知识产权？（专利、商标、外观设计、著作权……）",
        "Which kind of IP is involved (patent, trademark, design, copyright…)?",
    ),
    "description": Localized(
        "请简要描述情况：对方是谁、收到了什么文件、目前进展。",
        "Please describe what happened: who the other side is, what you received, where things stand.",
    ),
    "deadline": Localized(
        "有没有需要应对的期限？请写日期或“20天内”，没有请回复“无”。",
        "Is there a deadline you must meet? Give a date or “within 20 days”, or reply “none”.",
    ),
}
#: A request for a person this long describes the matter well enough to stand as the ticket's description.
DESCRIBES = 20
START = {
    "urgent": Localized(
        "这是正在发生的纠纷，我马上为您转专家顾问（紧急）。请回答几个问题，随时可以回复“取消”。",
        "This is a live dispute: I am bringing in an expert advisor now (urgent). A few questions first; reply “cancel” at any time.",
    ),
    "normal": Localized(
        "好的，我为您转专家顾问（公益咨询）。请回答几个问题，随时可以回复“取消”。",
        "Sure, I will bring in an expert advisor (free consultation). A few questions first; reply “cancel” at any time.",
    ),
}
CANCELLED = Localized(
    "已取消，没有提交任何信息。需要时随时可以再找专家。",
    "Cancelled; nothing was submitted. Ask for an expert again whenever you need.",
)
BUTTON_IN_FORM = Localized(
    "正在为您转专家，请直接输入上面问题的答案；不想继续可以回复“取消”。",
    "We are bringing in an expert: please type your answer to the question above, or reply “cancel” to stop.",
)
NOTHING_TO_CANCEL = Localized("当前没有正在进行的操作。", "There is nothing under way to cancel.")
#: What a cancelled form leaves behind: nothing it was collecting, the contact included (the privacy notice says
#: nothing is kept).
CANCELLED_SLOTS = (
    "company",
    "contact",
    "description",
    "deadline",
    "priority",
    "feedback",
    "feedback_for",
    "warning_criteria",
    "fair_name",
    "fair_place",
    "fair_dates",
    "fair_products",
    "fair_rights",
    "fair_new_products",
    "fair_outcome",
    "exhibition",
)
_PRIORITY_LABEL = {"urgent": Localized("紧急", "urgent"), "normal": Localized("普通", "normal")}


def _local(moment: datetime, lang: Language) -> str:
    moment = moment.astimezone(LOCAL)
    return moment.strftime("%Y-%m-%d %H:%M") if lang == "en" else f"{moment.month}月{moment.day}日 {moment:%H:%M}"


class ActionStartEscalation(Action):
    """Say that a person is coming and set the priority: a live dispute (report_dispute) is urgent. The privacy
    notice comes with it, before the form asks for the company and the contact.

    What the message already says (the company, a phone number or e-mail, the story of a live dispute) fills the
    form, so it does not ask for it again.
    """

    def name(self) -> Text:
        return "action_start_escalation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = language(tracker)
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        priority = "urgent" if intent == "report_dispute" else "normal"
        events: list[dict[str, Any]] = [SlotSet("priority", priority), *self._given(tracker, intent)]
        dispatcher.utter_message(
            text=START[priority].get(lang) + "\n" + replies.privacy_notice().get(lang),
            json_message=contract("escalation", language=lang, priority=priority),
        )
        record_chat_turn(desk, tracker, "escalation", language=lang, entities=entities(tracker, knowledge()))
        return events + remember_language(tracker, lang)

    @staticmethod
    def _given(tracker: Tracker, intent: str | None) -> list[dict[str, Any]]:
        """What the message that asked for a person already says, so the form does not ask for it again: the company
        it names, the phone number or e-mail it gives, and — for a live dispute, or a request long enough to
        describe something — the message itself as the description. Each is checked as the form would check it."""
        text = user_text(tracker)
        if is_payload(text):
            return []
        events = []
        company = persons.company_in(text)
        if company and not tracker.get_slot("company"):
            events.append(SlotSet("company", company))
        contact = persons.contact_in(text)
        if contact and not tracker.get_slot("contact"):
            try:
                parse_contact(contact)
                events.append(SlotSet("contact", contact))
            except FieldError:
                pass
        if not tracker.get_slot("description") and (intent == "report_dispute" or len(text) >= DESCRIBES):
            try:
                events.append(SlotSet("description", clean_text(text, min_length=5, max_length=4000)))
            except FieldError:
                pass  # too short to describe anything: the form will ask
        return events


for _slot, _question in QUESTIONS.items():
    globals()[f"ActionAsk{_slot.title().replace('_', '')}"] = ask_action(_slot, _question, form=FORM)


#: The NLU's confidence in a topic from which a message is a question even without a question mark.
TOPIC_QUESTION = 0.9


def digression(slot: str, tracker: Tracker, own_topic: str | None = None) -> bool:
    """Whether the message the form just took for `slot` is plainly something else: a request to refuse, or a question
    (a topic the NLU is sure of, or question words in more than a few characters). Descriptions may contain
    questions, and a contact is an answer when it holds a phone number or e-mail. The form's `own_topic` is no sign of
    a question: a fair's name ("Ambiente 消费品展") reads as a question about fairs, and is the answer asked for."""
    text = user_text(tracker)
    intent = (tracker.latest_message or {}).get("intent") or {}
    name, confidence = intent.get("name") or "", float(intent.get("confidence") or 0.0)
    if refusals.refusal(text):
        return True
    if slot == "company" and persons.company_in(text) and not asking.QUESTION.search(text):
        # "太原示例玻璃器皿有限公司" answers the question, whatever the NLU hears in its words: a topic, or even a
        # refusal (a name ending in letters and digits, "晋城示例铸造有限公司3f9a", read 0.9 as harmful)
        return False
    if name in {"harmful_request", "bot_instruction"}:
        return True
    if slot == "description" or (slot == "contact" and persons.contact_in(text)):
        return False
    topic = name.startswith("ask_") and name not in {"ask_item", own_topic}
    if asking.QUESTION.search(text):
        return slot != "contact" or (topic and confidence >= 0.5) or len(text.strip()) >= 8
    return topic and confidence >= TOPIC_QUESTION and len(text.strip()) >= 10


def answer_digression(
    dispatcher: CollectingDispatcher, tracker: Tracker, seen: Reading | None = None, *, escalating: bool = False
) -> list[EventType]:
    """Reply to a message a form took in as it would be replied to outside the form: answered, referred or refused.
    An urgent dispute gets its first steps, not a second escalation: the enterprise is already on its way to a person.
    `seen` is the reading to decide on when it is not the whole message's (the question after "算了不用了").

    While an escalation is `escalating`, a live dispute makes it urgent, and what would be sent elsewhere or refused
    on the classifier's word alone is kept for the expert (`for_the_expert`)."""
    lang = language(tracker)
    decision = decide(knowledge(), seen or reading(tracker), topic_of(tracker), user_turns(tracker))
    events: list[EventType] = []
    if decision.kind == "escalate_urgent":
        if escalating:
            events += raise_priority(dispatcher, tracker)  # only on the signs in the words
        decision = replace(decision, kind="answer") if decision.item else replace(decision, kind="clarify")
    if escalating and for_the_expert(decision, user_text(tracker)):
        logger.info("form digression kept for the expert (%s %s)", decision.kind, decision.why)
        dispatcher.utter_message(text=KEPT_FOR_EXPERT.get(lang))
        return events
    logger.info("form digression answered as %s (%s)", decision.kind, decision.why)
    return events + respond(dispatcher, tracker, decision, lang)


#: Referrals that only say what the desk does (small talk) or name the general hotline: no answer to someone already
#: on the way to an expert.
GENERAL_REFERRALS = frozenset({CHITCHAT_REFERRAL, DEFAULT_REFERRAL})
KEPT_FOR_EXPERT = Localized(
    "这一点我记下了，专家联系您时会一并答复。", "Noted: the expert will answer this when they contact you."
)
RAISED = Localized(
    "您说的是正在发生的纠纷，已改为紧急处理，专家会优先联系您。",
    "This is a live dispute: it is now urgent, and an expert will contact you first.",
)


def for_the_expert(decision: Decision, text: str) -> bool:
    """Whether a message asked during an escalation is left to the expert rather than referred or refused: a
    refusal with no cue of one in the words ("现在要不要先把展品撤下来？" read as an instruction to the bot), or a
    referral the words do not name ("明天下午可以吗？", "还在吗？怎么一直没人回", "函是英文的，我们看不太懂，怎么办").
    The expert reads the whole conversation, so nothing said is lost; a request that must be refused by its words,
    and a matter another office handles by name ("报关单怎么填"), are still refused and referred."""
    if decision.kind == "refuse":
        return refusals.refusal(text) is None
    if decision.kind == "refer":
        return not decision.named or (decision.referral is not None and decision.referral.id in GENERAL_REFERRALS)
    return False


def raise_priority(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Make the escalation under way urgent when the enterprise tells of a live dispute after asking for a person
    ("I need to talk to someone" … "we are being sued in Texas, our answer is due Friday"): on the signs in its words
    (`disputes.urgency`), not the classifier's reading, which hears a dispute in a masked phone number. Nothing when
    it is urgent already."""
    if tracker.get_slot("priority") == "urgent" or not disputes.urgency(pasted.unwrapped(user_text(tracker))):
        return []
    lang = language(tracker)
    dispatcher.utter_message(
        text=RAISED.get(lang), json_message=contract("escalation", language=lang, priority="urgent")
    )
    return [SlotSet("priority", "urgent")]


class ValidateEscalationForm(FormValidationAction):
    """Check each answer; a value that cannot be used is refused with the reason and asked again."""

    #: The topic the form's answers are about, which is no sign that an answer is a question (see `digression`).
    OWN_TOPIC: str | None = None
    #: Whether the form brings in an expert, who reads what the enterprise says meanwhile (`answer_digression`).
    ESCALATES = True

    def name(self) -> Text:
        return "validate_escalation_form"

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """A button pressed while the form asks (an answer's "related item" or "more" from earlier in the chat) is
        not an answer: Rasa would store its payload as the company or the contact, so it is refused and asked again."""
        requested = tracker.get_slot("requested_slot")
        text = user_text(tracker)
        if requested and is_payload(text) and tracker.get_slot(requested) == text:
            dispatcher.utter_message(text=BUTTON_IN_FORM.get(language(tracker)))
            return [SlotSet(requested, None)]
        if (
            requested
            and text
            and tracker.get_slot(requested) == text
            and digression(requested, tracker, self.OWN_TOPIC)
        ):
            # Answered as outside the form; the slot stays empty, so the form asks again (or the user says “取消”).
            return [SlotSet(requested, None), *answer_digression(dispatcher, tracker, escalating=self.ESCALATES)]
        events = await super().get_validation_events(dispatcher, tracker, domain)
        if self.ESCALATES and text:
            # an answer that tells of a live dispute ("被起诉了，周五前要答辩" as the description) makes the request urgent
            events += raise_priority(dispatcher, tracker)
        return events

    @staticmethod
    def _refuse(dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, error: FieldError) -> dict[str, Any]:
        dispatcher.utter_message(text=error.message(language(tracker)))
        return {slot: None}

    def validate_company(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        try:
            return {"company": clean_text(str(value), min_length=2, max_length=100, what=("公司名称", "company name"))}
        except FieldError as error:
            return self._refuse(dispatcher, tracker, "company", error)

    def validate_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        try:
            text = clean_text(str(value), max_length=200, what=("联系方式", "contact"))
            parse_contact(text)  # refuses text without a phone number or e-mail address
            return {"contact": text}
        except FieldError as error:
            return self._refuse(dispatcher, tracker, "contact", error)

    def _entity_slot(
        self, entity: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        """A country or IP type: its canonical value when known, else the words given (the expert reads them)."""
        found = entities(tracker, knowledge()).get(entity)
        if found:
            return {entity: found[0]}
        try:
            text = clean_text(str(value), max_length=50, what=("内容", "answer"))
        except FieldError as error:
            return self._refuse(dispatcher, tracker, entity, error)
        return {entity: knowledge().vocabulary.canonical(entity, text) or text}

    def validate_country(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._entity_slot("country", value, dispatcher, tracker)

    def validate_ip_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._entity_slot("ip_type", value, dispatcher, tracker)

    def validate_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        try:
            return {
                "description": clean_text(str(value), min_length=5, max_length=4000, what=("情况描述", "description"))
            }
        except FieldError as error:
            return self._refuse(dispatcher, tracker, "description", error)

    def validate_deadline(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        try:
            deadline = parse_deadline(
                clean_text(str(value), max_length=100), desk_clock().now().astimezone(LOCAL).date()
            )
        except FieldError as error:
            return self._refuse(dispatcher, tracker, "deadline", error)
        return {"deadline": deadline.stored}


def _transcript(tracker: Tracker) -> list[tuple[str, str, datetime]]:
    """The conversation so far, for the expert: who said what, when."""
    lines = []
    for event in tracker.events:
        kind, text = event.get("event"), event.get("text")
        if kind in {"user", "bot"} and text:
            at = datetime.fromtimestamp(event.get("timestamp") or 0, tz=LOCAL)
            lines.append(("user" if kind == "user" else "bot", text, at))
    return lines


class ActionSubmitEscalation(Action):
    """Open the ticket with everything the form collected and tell the enterprise its number and what comes next."""

    def name(self) -> Text:
        return "action_submit_escalation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = language(tracker)
        slot = tracker.get_slot
        priority = slot("priority") or "normal"
        deadline_text = slot("deadline")
        deadline = None if deadline_text in (None, "无") else datetime.fromisoformat(deadline_text).date()
        contact_name, contact = split_contact(slot("contact") or "")
        try:
            ticket = desk().open_ticket(
                sender_id=tracker.sender_id,
                channel=tracker.get_latest_input_channel() or "rest",
                company=slot("company"),
                contact_name=contact_name,
                contact=contact,
                country=slot("country"),
                ip_type=slot("ip_type"),
                dispute_type=slot("dispute_type"),
                industry=slot("industry"),
                description=slot("description"),
                deadline=deadline,
                priority=priority,
                language=lang,
                transcript=_transcript(tracker),
            )
        except Exception:
            logger.exception("could not open a ticket for sender %s", tracker.sender_id)
            dispatcher.utter_message(
                text=Localized(
                    "抱歉，工单系统暂时出了问题，您的信息已记录在对话中。请稍后再试，或直接联系服务热线。",
                    "Sorry, the ticket desk has a problem right now; your details are kept in this conversation. Please try again shortly.",
                ).get(lang),
                json_message=contract("escalation", language=lang, priority=priority),
            )
            return []
        events = [
            SlotSet("ticket", ticket.number),
            *(SlotSet(s, None) for s in ("company", "description", "deadline", "priority")),
        ]
        fair = slot("exhibition")
        if fair:  # a dispute at a registered fair: the ticket is that fair's case, for the post-show follow-up
            try:
                exhibitions().link_case(int(fair), tracker.sender_id, ticket.number)
            except Exception:
                logger.exception("ticket %s could not be linked to registration %s", ticket.number, fair)
            events += [SlotSet("exhibition", None), SlotSet("dispute_type", None)]
        dispatcher.utter_message(
            text=self._confirmation(ticket, lang),
            json_message=contract("escalation", language=lang, ticket=ticket.number, priority=priority),
        )
        return events

    @staticmethod
    def _confirmation(ticket: Any, lang: Language) -> str:
        now = desk_clock().now()
        pickup = desk().next_pickup(now)
        label = _PRIORITY_LABEL.get(ticket.priority, _PRIORITY_LABEL["normal"]).get(lang)
        if lang == "en":
            lines = [f"Your request is ticket {ticket.number} ({label})."]
            lines.append(
                "An expert advisor has been assigned; the answer will come to this conversation."
                if ticket.expert_id
                else "We are finding the right expert advisor for you."
            )
            if ticket.sla_due_at:
                lines.append(f"An expert will take it up by {_local(ticket.sla_due_at, lang)} (Beijing time).")
            if pickup > now:
                lines.append(f"The desk is closed now; staff will pick it up from {_local(pickup, lang)}.")
            if ticket.deadline:
                lines.append(f"Keep your own deadline of {ticket.deadline.isoformat()} in view meanwhile.")
            lines.append(f"Ask “{ticket.number} status” at any time.")
        else:
            lines = [f"已为您提交专家咨询工单 {ticket.number}（{label}）。"]
            lines.append(
                "已分派专家顾问，专家的答复会发到本对话。" if ticket.expert_id else "正在为您匹配合适的专家顾问。"
            )
            if ticket.sla_due_at:
                lines.append(f"专家将在 {_local(ticket.sla_due_at, lang)}（北京时间）前接单。")
            if pickup > now:
                lines.append(f"现在是非工作时间，工作人员将于 {_local(pickup, lang)} 起跟进。")
            if ticket.deadline:
                lines.append(f"请同时留意您的期限 {ticket.deadline.isoformat()}，不要因等待而错过。")
            lines.append(f"随时发送“{ticket.number} 进展如何”可查询进度。")
        return "\n".join(lines)


#: The intent that stops a form (the guard's reading of "算了不用了 …" too).
CANCEL_INTENT = "cancel"


class ActionCancel(Action):
    """Stop whatever the bot was collecting and say so plainly; when the message goes on to ask something instead,
    answer that too (with nothing under way, only that)."""

    def name(self) -> Text:
        return "action_cancel"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = language(tracker)
        left = tracker.latest_action_name == "action_deactivate_loop"
        # "算了不用了 我就问下337调查谁能代理": the form stops and the question is answered
        instead = stopping.asks_instead(user_text(tracker))
        if left or instead is None:
            text = CANCELLED if left else NOTHING_TO_CANCEL
            dispatcher.utter_message(text=text.get(lang), json_message=contract("help", language=lang))
        events: list[EventType] = [SlotSet(s, None) for s in CANCELLED_SLOTS]
        if instead is not None:
            seen = reading(tracker)
            # decided from the words and the classifier's topics, as a message it was unsure of: "cancel" was the guard's
            ranking = {name: confidence for name, confidence in seen.ranking.items() if name != CANCEL_INTENT}
            seen = replace(seen, text=instead, intent=FALLBACK, confidence=0.0, ranking=ranking)
            events += answer_digression(dispatcher, tracker, seen)
        return events


_STATUS = {
    "new": Localized("已受理，正在匹配专家", "received, finding an expert"),
    "assigned": Localized("已分派专家，等待接单", "assigned, waiting for the expert to accept"),
    "accepted": Localized("专家已接单，正在处理", "accepted by the expert, in progress"),
    "answered": Localized("专家已答复", "answered by the expert"),
    "closed": Localized("已办结", "closed"),
    "reopened": Localized("已重新打开", "reopened"),
}


class ActionTicketStatus(Action):
    """How the enterprise's own tickets stand: never another sender's ticket, even when its number is typed."""

    def name(self) -> Text:
        return "action_ticket_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = language(tracker)
        asked = [v.upper() for v in entities(tracker, knowledge()).get("ticket", [])]
        contact = tracker.get_slot("contact")
        own_contact = split_contact(contact)[1] if contact else None
        views = desk().tickets_for(sender_id=tracker.sender_id, contact=own_contact, number=asked[0] if asked else None)
        if not views:
            text = (
                Localized(
                    f"没有找到您名下的工单 {asked[0]}。请核对工单号；只能查询从本对话或您的联系方式提交的工单。",
                    f"No ticket {asked[0]} of yours was found. Check the number; only tickets opened from this conversation or your contact can be looked up.",
                )
                if asked
                else Localized(
                    "您还没有提交过专家咨询工单。需要时可以点“找专家咨询”。",
                    "You have no tickets yet. Tap “Ask an expert” when you need one.",
                )
            )
            dispatcher.utter_message(text=text.get(lang), json_message=contract("escalation", language=lang))
            return remember_language(tracker, lang)
        lines = [self._line(view, lang) for view in views[:5]]
        latest = views[0]
        dispatcher.utter_message(
            text="\n".join(lines),
            json_message=contract("escalation", language=lang, ticket=latest.number, priority=latest.priority),
        )
        return remember_language(tracker, lang)

    @staticmethod
    def _line(view: Any, lang: Language) -> str:
        status = _STATUS.get(view.status, Localized(view.status, view.status)).get(lang)
        parts = [f"{view.number}：{status}" if lang == "zh" else f"{view.number}: {status}"]
        if view.expert_name:
            parts.append(f"专家：{view.expert_name}" if lang == "zh" else f"expert: {view.expert_name}")
        if view.next_deadline:
            when = (
                _local(view.next_deadline, lang)
                if isinstance(view.next_deadline, datetime)
                else str(view.next_deadline)
            )
            parts.append(f"下一个时限：{when}" if lang == "zh" else f"next deadline: {when}")
        return "；".join(parts) if lang == "zh" else "; ".join(parts)


RATING_PROMPT = Localized("这次答复对您有帮助吗？请打分（1–5）：", "Was this answer helpful? Please rate it (1–5):")
FOLLOW_UP_PROMPT = Localized(
    "您好，这是海外知识产权纠纷应对咨询的回访：工单 {number} 的问题现在解决了吗？欢迎直接回复您的情况或意见（可回复“跳过”）。",
    "Hello, this is the follow-up on ticket {number}: is the matter resolved now? Reply with how it went or any feedback (or “skip”).",
)
EXPERT_ANSWER = Localized(
    "专家顾问{name}就工单 {number} 的答复：\n{text}", "The expert advisor{name}'s answer on ticket {number}:\n{text}"
)


class ActionDeskMessage(Action):
    """Deliver a desk message (an expert's answer, a follow-up) that the desk worker triggered into this conversation.

    The outbox delivers at least once; each message's key is remembered in the `delivered` slot and a repeat
    is dropped, so the enterprise never sees an answer twice. Only a ticket of this very conversation is
    spoken of.
    """

    def name(self) -> Text:
        return "action_desk_message"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if not triggered_by_worker(tracker):
            # Typed by the user as "/EXTERNAL_desk_message{…}": Rasa parses that like a button, but desk messages come
            # only through the token-protected trigger_intent API, whose messages Rasa marks with this prefix.
            logger.warning("a desk message typed into conversation %s was refused", tracker.sender_id)
            clarify(dispatcher, language(tracker))
            return []
        found = payload_entities(tracker)
        key, number, kind = found.get("outbox_key"), found.get("ticket"), found.get("desk_kind")
        delivered = list(tracker.get_slot("delivered") or [])
        if not key or not number or key in delivered:
            logger.info("desk message %r for %s dropped (incomplete or already delivered)", key, tracker.sender_id)
            return []
        views = desk().tickets_for(sender_id=tracker.sender_id, number=number)
        if not views:
            logger.warning(
                "desk message %s names ticket %s, which is not this sender's (%s)", key, number, tracker.sender_id
            )
            return []
        view = views[0]
        lang: Language = "en" if found.get("desk_language") == "en" else "zh"
        events: list[dict[str, Any]] = [SlotSet("delivered", (delivered + [key])[-50:]), SlotSet("ticket", number)]
        turn = contract("escalation", language=lang, ticket=number, priority=view.priority)
        if kind == "follow_up":
            dispatcher.utter_message(text=FOLLOW_UP_PROMPT.get(lang).format(number=number), json_message=turn)
            return events + [SlotSet("feedback_for", "follow_up"), FollowupAction("feedback_form")]
        if kind != "expert_answer":  # a notice such as case_accepted: said as the desk wrote it, nothing to rate
            dispatcher.utter_message(text=found.get("desk_text") or "", json_message=turn)
            return events
        name = view.expert_name or ""
        name = (f"（{name}）" if lang == "zh" else f" ({name})") if name else ""
        dispatcher.utter_message(
            text=EXPERT_ANSWER.get(lang).format(name=name, number=number, text=found.get("desk_text") or ""),
            json_message=turn,
        )
        buttons = [
            {"title": str(score), "payload": f'/rate{{"ticket": "{number}", "score": "{score}"}}'}
            for score in range(1, 6)
        ]
        dispatcher.utter_message(text=RATING_PROMPT.get(lang), buttons=buttons)
        return events


class ActionRate(Action):
    """Store a 1–5 rating on the enterprise's own ticket, then offer to take a comment."""

    def name(self) -> Text:
        return "action_rate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = language(tracker)
        found = entities(tracker, knowledge())
        number = (found.get("ticket") or [tracker.get_slot("ticket")])[0]
        try:
            score = int((found.get("score") or ["0"])[0])
            desk().rate(number, tracker.sender_id, score, None)
        except (ValueError, DeskError) as error:
            logger.info("rating refused for %s on %s: %s", tracker.sender_id, number, error)
            dispatcher.utter_message(
                text=Localized(
                    "没能记录评分：请在专家答复后点击 1–5 打分。",
                    "The rating could not be recorded: tap 1–5 after an expert's answer.",
                ).get(lang),
                json_message=contract("escalation", language=lang, ticket=number),
            )
            return [FollowupAction("action_listen")]
        dispatcher.utter_message(
            text=Localized(f"感谢您的评分（{score}分）！", f"Thank you for rating it {score}/5!").get(lang),
            json_message=contract("escalation", language=lang, ticket=number),
        )
        return [SlotSet("ticket", number), SlotSet("feedback_for", f"rating:{score}")]


class ActionAskFeedback(Action):
    """The feedback form's question: an optional comment."""

    def name(self) -> Text:
        return "action_ask_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = language(tracker)
        if tracker.get_slot("feedback_for") == "follow_up":
            return []  # the follow-up message itself asked
        dispatcher.utter_message(
            text=Localized(
                "如有意见或建议，可以直接回复；不需要请点“跳过”。", "Any comment? Just reply, or tap “Skip”."
            ).get(lang),
            buttons=[{"title": "跳过" if lang == "zh" else "Skip", "payload": "/cancel"}],
            json_message=contract("form", language=lang, ask="feedback"),
        )
        return []


class ActionSubmitFeedback(Action):
    """Store the comment on the rating, or the follow-up note, of the enterprise's own ticket, or on its verdict on
    an answer (actions/feedback.py)."""

    def name(self) -> Text:
        return "action_submit_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = language(tracker)
        number, purpose = tracker.get_slot("ticket"), tracker.get_slot("feedback_for")
        try:
            note = clean_text(tracker.get_slot("feedback") or "", max_length=2000)
            if purpose and purpose.startswith(ANSWER_PURPOSE):
                verdict = int(purpose.removeprefix(ANSWER_PURPOSE))
                add_comment(desk, verdict, tracker.sender_id, tracker.get_latest_input_channel(), note)
            elif purpose == "follow_up":
                desk().record_follow_up(number, tracker.sender_id, note)
            elif purpose and purpose.startswith("rating:"):
                desk().rate(number, tracker.sender_id, int(purpose.split(":")[1]), note)
        except (FieldError, DeskError, ValueError) as error:
            logger.info("feedback refused for %s on %s: %s", tracker.sender_id, number, error)
        dispatcher.utter_message(
            text=Localized("谢谢您的反馈，我们会认真改进。", "Thank you for the feedback.").get(lang),
            json_message=contract("goodbye", language=lang),
        )
        events: list[dict[str, Any]] = [SlotSet("feedback", None), SlotSet("feedback_for", None)]
        if digression("feedback", tracker):
            # A question typed where a comment was asked for is kept as the comment (it says what the answer
            # lacked) and answered too, as it would be outside the form: the enterprise asked it to be answered.
            events += answer_digression(dispatcher, tracker)
        return events
