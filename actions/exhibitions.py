"""Trade fairs abroad in the chat (measure 5's 展前、展中、展后): registering a fair, the pre-show checklist for its
country at once, training and an expert's risk screening on request, the scheduler's reminders and on-site contact,
and after the fair the question how it went, a dispute becoming a ticket for follow-up."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import replies
from actions.conversation import clarify
from actions.services import desk_clock, exhibitions
from actions.escalation import LOCAL, ValidateEscalationForm
from actions.forms import ask_action
from actions.turn import (
    contract,
    knowledge,
    language,
    payload_entities,
    remember_language,
    triggered_by_worker,
    user_text,
)
from bot.desk.exhibitions import ExhibitionError, outcome_of
from bot.desk.fields import FieldError, clean_text, parse_date_range, parse_yes_no, split_contact
from bot.desk.schema import ExhibitionRegistration
from knowledge import Item, Language, Localized

logger = logging.getLogger(__name__)

FORM = "exhibition_form"
OUTCOME_FORM = "exhibition_outcome_form"
FAIR_SLOTS = ("fair_name", "fair_place", "fair_dates", "fair_products", "fair_rights", "fair_new_products")
YES, NO = Localized("是", "yes"), Localized("否", "no")
NONE_HELD = Localized("无", "none")
NO_TROUBLE = Localized("一切顺利，没有纠纷", "All went well, no dispute")
TROUBLE = Localized("遇到了知识产权纠纷", "We ran into an IP dispute")

QUESTIONS: dict[str, tuple[Localized, tuple[Localized, ...]]] = {
    "fair_name": (
        Localized("请问参加哪个展会？请写展会名称。", "Which trade fair are you going to? Please give its name."),
        (),
    ),
    "fair_place": (Localized("展会在哪个城市、哪个国家或地区？", "In which city and country is it?"), ()),
    "fair_dates": (
        Localized(
            "展会日期是？例如“2026-03-10 至 2026-03-13”或“3月10日-13日”。",
            "What are its dates? For example “2026-03-10 to 2026-03-13”.",
        ),
        (),
    ),
    "fair_products": (Localized("准备展出哪些产品？", "Which products will you show?"), ()),
    "fair_rights": (
        Localized(
            "这些产品在展会所在国家或地区有哪些知识产权？例如当地注册的商标、专利、外观设计；没有请回复“无”。",
            "Which IP rights do you hold there for them, e.g. locally registered trade marks, patents or "
            "designs? Reply “none” if none.",
        ),
        (NONE_HELD,),
    ),
    "fair_new_products": (
        Localized("是否会展出此前从未公开过的新产品？", "Will you show new products never disclosed before?"),
        (YES, NO),
    ),
    "fair_outcome": (
        Localized(
            "展会期间有没有遇到知识产权投诉、禁令、查抄或警告函？请简单说说情况，一切顺利也请告诉我们。",
            "Did you meet any IP complaint, injunction, raid or warning letter at the fair? Tell us "
            "briefly how it went, also if all went well.",
        ),
        (NO_TROUBLE, TROUBLE),
    ),
}
for _slot, (_question, _choices) in QUESTIONS.items():
    globals()[f"ActionAsk{_slot.title().replace('_', '')}"] = ask_action(
        _slot, _question, choices=_choices, form=OUTCOME_FORM if _slot == "fair_outcome" else FORM
    )

START = Localized(
    "好的，登记参展信息后，我会马上给您展会所在国家的展前清单，在开幕前一周和前一天提醒您，开幕当天告诉您驻会联系方式，"
    "展会结束后回访（《实施意见》第（五）条展前、展中、展后全链条服务）。请回答几个问题，随时可以回复“取消”。",
    "Sure. Once your fair is registered I will give you the pre-show checklist for its country at once, remind you a "
    "week and a day before it opens, give you the on-site contact when it opens, and ask how it went afterwards "
    "(measure 5's service before, during and after fairs). A few questions; reply “cancel” at any time.",
)
TRAINING = Localized("预约展前培训", "Book pre-show training")
SCREENING = Localized("申请专家风险排查", "Expert risk screening")
CHECKLIST = Localized("查看展前清单", "Pre-show checklist")


def _day(day: date, lang: Language) -> str:
    return day.isoformat() if lang == "en" else f"{day.month}月{day.day}日"


def _service_buttons(registration: ExhibitionRegistration, lang: Language) -> list[dict[str, str]]:
    """Training and screening while they have not been asked for, then a person."""
    buttons = []
    for service, title, done in (
        ("training", TRAINING, registration.training_requested_at),
        ("screening", SCREENING, registration.screening_ticket),
    ):
        if not done:
            payload = "/exhibition_service" + json.dumps({"exhibition": str(registration.id), "service": service})
            buttons.append({"title": title.get(lang), "payload": payload})
    buttons.append({"title": replies.EXPERT_BUTTON.get(lang), "payload": replies.EXPERT_PAYLOAD})
    return buttons


def _checklist(registration: ExhibitionRegistration) -> Item:
    return knowledge().checklist_for(registration.country)[0]


def _checklist_sources(item: Item) -> list[str]:
    return [item.id, *item.policy]


class ActionStartExhibition(Action):
    """Say what registering a fair brings, with the privacy notice, before the form asks."""

    def name(self) -> Text:
        return "action_start_exhibition"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = language(tracker)
        dispatcher.utter_message(text=START.get(lang) + "\n" + replies.privacy_notice().get(lang))
        return [*(SlotSet(slot, None) for slot in FAIR_SLOTS), *remember_language(tracker, lang)]


class ValidateExhibitionForm(ValidateEscalationForm):
    """The fair's answers (company and contact are checked as for an escalation); a bad one is refused with the
    reason and asked again."""

    OWN_TOPIC = "ask_exhibition"
    ESCALATES = False

    def name(self) -> Text:
        return "validate_exhibition_form"

    def _text(
        self,
        slot: str,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        *,
        min_length: int,
        limit: int,
        what: tuple[str, str],
    ) -> dict[str, Any]:
        try:
            return {slot: clean_text(str(value or ""), min_length=min_length, max_length=limit, what=what)}
        except FieldError as error:
            return self._refuse(dispatcher, tracker, slot, error)

    def validate_fair_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._text(
            "fair_name", value, dispatcher, tracker, min_length=2, limit=200, what=("展会名称", "fair name")
        )

    def validate_fair_place(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._text("fair_place", value, dispatcher, tracker, min_length=2, limit=200, what=("地点", "place"))

    def validate_fair_dates(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        try:
            start, end = parse_date_range(str(value or ""), desk_clock().now().astimezone(LOCAL).date())
        except FieldError as error:
            return self._refuse(dispatcher, tracker, "fair_dates", error)
        return {"fair_dates": f"{start.isoformat()}/{end.isoformat()}"}

    def validate_fair_products(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._text(
            "fair_products", value, dispatcher, tracker, min_length=2, limit=2000, what=("展品", "products")
        )

    def validate_fair_rights(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._text(
            "fair_rights", value, dispatcher, tracker, min_length=1, limit=2000, what=("知识产权情况", "rights")
        )

    def validate_fair_new_products(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        try:
            return {"fair_new_products": "yes" if parse_yes_no(str(value or "")) else "no"}
        except FieldError as error:
            return self._refuse(dispatcher, tracker, "fair_new_products", error)


class ActionSubmitExhibition(Action):
    """Register the fair, then give the checklist for its country with the offer of training and screening."""

    def name(self) -> Text:
        return "action_submit_exhibition"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = language(tracker)
        slot = tracker.get_slot
        cleared = [SlotSet(name, None) for name in FAIR_SLOTS]
        try:
            start, end = (date.fromisoformat(part) for part in str(slot("fair_dates")).split("/"))
            contact_name, contact = split_contact(slot("contact") or "")
            place = slot("fair_place")
            registration = exhibitions().register(
                channel=tracker.get_latest_input_channel() or "rest",
                sender_id=tracker.sender_id,
                language=lang,
                company=slot("company"),
                contact=contact,
                contact_name=contact_name or None,
                fair_name=slot("fair_name"),
                place=place,
                country=knowledge().country_of_place(place),
                starts_on=start,
                ends_on=end,
                products=slot("fair_products"),
                rights_held=slot("fair_rights"),
                new_products=slot("fair_new_products") == "yes",
            )
        except (ExhibitionError, FieldError, ValueError):
            logger.exception("could not register the fair of sender %s", tracker.sender_id)
            dispatcher.utter_message(
                text=Localized(
                    "抱歉，展会登记暂时出了问题，请稍后再试，或直接联系服务热线。",
                    "Sorry, the fair could not be registered just now; please try again shortly.",
                ).get(lang),
                json_message=contract("form", language=lang),
            )
            return cleared
        item, specific = knowledge().checklist_for(registration.country)
        schedule = {
            stage: due for stage, due, _ in exhibitions().schedule(registration.starts_on, registration.ends_on)
        }
        if lang == "en":
            lines = [
                f"Registered: {registration.fair_name} ({registration.place}), {_day(start, lang)} to "
                f"{_day(end, lang)}, registration #{registration.id}."
            ]
            lines.append(
                f"I will remind you on {_day(schedule['week_before'].date(), lang)} and "
                f"{_day(schedule['day_before'].date(), lang)}, give you the on-site contact when it opens, and "
                f"ask how it went afterwards."
            )
            if registration.new_products:
                lines.append(
                    "You will show new products: file patent or design applications before the show, or "
                    "showing them may cost their novelty."
                )
            if not specific:
                lines.append(
                    f"There is no checklist of its own for {registration.country or 'that place'} yet; here is "
                    "the general one. Procedures differ by country: consult a local lawyer."
                )
        else:
            lines = [
                f"已登记：{registration.fair_name}（{registration.place}），{_day(start, lang)}至{_day(end, lang)}，"
                f"登记号 #{registration.id}。"
            ]
            lines.append(
                f"我们会在{_day(schedule['week_before'].date(), lang)}和{_day(schedule['day_before'].date(), lang)}"
                f"提醒您，开幕当天告诉您驻会联系方式，展会结束后回访。"
            )
            if registration.new_products:
                lines.append("您将展出新产品：请在展前先提出专利或外观设计申请，以免展出后丧失新颖性。")
            if not specific:
                lines.append(
                    f"暂无{registration.country or '该地'}的专门清单，以下是通用清单；各国程序不同，请咨询当地律师。"
                )
        dispatcher.utter_message(text="\n".join(lines))
        dispatcher.utter_message(
            text=replies.answer_text(knowledge(), item, lang, detail=True),
            buttons=_service_buttons(registration, lang),
            json_message=contract("answer", language=lang, sources=_checklist_sources(item)),
        )
        # The buttons carry the registration's id; the `exhibition` slot is set only by the post-show question, so that
        # a later, unrelated escalation is not taken for this fair's case.
        return [*cleared, *remember_language(tracker, lang)]


class ActionExhibitionService(Action):
    """The pre-show services a registration's buttons ask for: training (staff arrange it) or an expert's risk
    screening (a desk ticket). Asking again says it is already under way."""

    def name(self) -> Text:
        return "action_exhibition_service"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = language(tracker)
        found = payload_entities(tracker)
        raw_id, service = str(found.get("exhibition") or ""), found.get("service")
        try:
            if not raw_id.isdigit() or service not in ("training", "screening"):
                raise ExhibitionError("incomplete request", "not_found")
            if service == "training":
                registration, first = exhibitions().request_training(int(raw_id), tracker.sender_id)
                text = Localized(
                    f"已为{registration.fair_name}登记展前培训需求（《实施意见》第（五）条），工作人员会联系您安排。"
                    if first
                    else "展前培训需求已经登记过了，工作人员会联系您安排。",
                    f"Your request for pre-show training for {registration.fair_name} is registered (measure 5); staff will "
                    f"contact you."
                    if first
                    else "Your training request is already registered; staff will contact you.",
                )
                dispatcher.utter_message(
                    text=text.get(lang),
                    buttons=_service_buttons(registration, lang),
                    json_message=contract("answer", language=lang, sources=["policy:5"]),
                )
                return remember_language(tracker, lang)
            registration, ticket = exhibitions().request_screening(int(raw_id), tracker.sender_id)
        except ExhibitionError as error:
            logger.info("exhibition service refused for %s: %s", tracker.sender_id, error)
            dispatcher.utter_message(
                text=Localized(
                    "没有找到您登记的这个展会，请重新登记参展。",
                    "That registration was not found; please register the fair again.",
                ).get(lang),
                json_message=contract("answer", language=lang),
            )
            return remember_language(tracker, lang)
        number = registration.screening_ticket
        text = Localized(
            f"已为您申请专家展前风险排查，工单 {number}：专家会根据展品和您在当地的权利评估侵权风险，并通过本对话答复。"
            if ticket
            else f"展前风险排查已在进行中（工单 {number}），发送“{number} 进展如何”可查询。",
            f"An expert's pre-show risk screening is requested: ticket {number}. The expert will assess your exhibits "
            f"against local rights and answer here."
            if ticket
            else f"The risk screening is already under way (ticket {number}); ask “{number} status” at any time.",
        )
        dispatcher.utter_message(
            text=text.get(lang),
            buttons=_service_buttons(registration, lang),
            json_message=contract("escalation", language=lang, ticket=number, priority="normal"),
        )
        return [SlotSet("ticket", number), *remember_language(tracker, lang)]


class ActionExhibitionNotice(Action):
    """A notice the scheduler queued for a registered fair (EXTERNAL_exhibition), shown once in its conversation:
    the reminders a week and a day before, the on-site contact on the opening day, and afterwards the question how
    it went (the outcome form)."""

    def name(self) -> Text:
        return "action_exhibition_notice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if not triggered_by_worker(tracker):  # typed as "/EXTERNAL_…{…}": only the outbox's worker may deliver
            logger.warning("a fair notice typed into conversation %s was refused", tracker.sender_id)
            clarify(dispatcher, language(tracker))
            return []
        found = payload_entities(tracker)
        key, raw_id, stage = found.get("outbox_key"), str(found.get("exhibition") or ""), found.get("stage")
        delivered = list(tracker.get_slot("delivered") or [])
        if not key or not raw_id.isdigit() or key in delivered:
            logger.info("fair notice %r for %s dropped (incomplete or already delivered)", key, tracker.sender_id)
            return []
        events: list[dict[str, Any]] = [SlotSet("delivered", (delivered + [key])[-50:])]
        try:
            registration = exhibitions().of_sender(int(raw_id), tracker.sender_id)
        except ExhibitionError:
            logger.warning(
                "fair notice %s names registration %s, which is not this sender's (%s)", key, raw_id, tracker.sender_id
            )
            return events
        lang: Language = "en" if registration.language == "en" else "zh"
        item = _checklist(registration)
        turn = contract("answer", language=lang, sources=_checklist_sources(item))
        fair = (
            f"{registration.fair_name}（{registration.place}）"
            if lang == "zh"
            else f"{registration.fair_name} ({registration.place})"
        )
        checklist_button = {
            "title": CHECKLIST.get(lang),
            "payload": replies.item_payload(item, detail=replies.MORE_DETAIL),
        }
        if stage in ("week_before", "day_before"):
            when = Localized("还有一周", "in a week") if stage == "week_before" else Localized("明天", "tomorrow")
            if lang == "zh":
                text = (
                    f"展前提醒：{fair}将于{_day(registration.starts_on, lang)}开幕（{when.zh}）。\n{item.answer.zh}\n"
                    "出发前请确认：权利证书和译文、授权书、律师和组展单位的联系方式都已带齐；在展台收到任何文件都不要当场签字。"
                )
            else:
                text = (
                    f"Reminder: {fair} opens on {_day(registration.starts_on, lang)} ({when.en}).\n{item.answer.en}\n"
                    "Before you leave, check that you carry your certificates with translations, any authorisations, "
                    "and your lawyer's and organiser's contacts; sign nothing handed to you at the booth."
                )
            dispatcher.utter_message(
                text=text, buttons=[checklist_button, *_service_buttons(registration, lang)], json_message=turn
            )
            return events
        if stage == "on_site":
            contact = exhibitions().onsite_contact(registration)
            served = item.details["if_served"].get(lang)
            if lang == "zh":
                who = (
                    f"驻会联系人：{contact}"
                    if contact
                    else "本展会暂未设驻会联系人：遇到投诉、禁令或查抄，请立即在本对话描述情况或点“找专家咨询”。"
                )
                text = f"{fair}今天开幕，祝参展顺利！\n{who}\n万一在展台被投诉或送达文件：{served}"
            else:
                who = (
                    f"On-site contact: {contact}"
                    if contact
                    else (
                        "No on-site contact is set for this fair: if you meet a "
                        "complaint, injunction or raid, describe it here at once "
                        "or tap “Ask an expert”."
                    )
                )
                text = f"{fair} opens today. Good luck!\n{who}\nIf you are served at the booth: {served}"
            dispatcher.utter_message(
                text=text,
                buttons=[{"title": replies.EXPERT_BUTTON.get(lang), "payload": replies.EXPERT_PAYLOAD}],
                json_message=turn,
            )
            return events
        if stage == "after":
            text = (
                f"您好，{fair}已于{_day(registration.ends_on, lang)}结束，感谢参展。"
                if lang == "zh"
                else f"Hello, {fair} ended on {_day(registration.ends_on, lang)}; thank you for exhibiting."
            )
            dispatcher.utter_message(text=text)
            return [
                *events,
                SlotSet("exhibition", str(registration.id)),
                SlotSet("fair_outcome", None),
                FollowupAction(OUTCOME_FORM),
            ]
        logger.warning("fair notice %s has an unknown stage %r", key, stage)
        return events


class ActionSubmitExhibitionOutcome(Action):
    """Record how the fair went. A dispute is the fair's case: it goes to an expert through the escalation form, with
    what the registration already says filled in, and the ticket it opens is linked to the registration."""

    def name(self) -> Text:
        return "action_submit_exhibition_outcome"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = language(tracker)
        raw_id, answer = (
            str(tracker.get_slot("exhibition") or ""),
            tracker.get_slot("fair_outcome") or user_text(tracker),
        )
        outcome = outcome_of(answer)
        try:
            registration = exhibitions().record_outcome(int(raw_id), tracker.sender_id, outcome, answer)
        except (ExhibitionError, ValueError):
            logger.info("outcome of registration %r from %s not recorded", raw_id, tracker.sender_id)
            dispatcher.utter_message(
                text=Localized("谢谢您的反馈。", "Thank you for telling us.").get(lang),
                json_message=contract("answer", language=lang, sources=["policy:5"]),
            )
            return [SlotSet("fair_outcome", None), SlotSet("exhibition", None)]
        if outcome == "none":
            dispatcher.utter_message(
                text=Localized(
                    "谢谢反馈，已记录（展后总结反馈，《实施意见》第（五）条）。如果之后收到律师函、诉讼文书或平台投诉，随时在这里告诉我。",
                    "Thank you; it is recorded (measure 5's post-show feedback). If a lawyer's letter, court "
                    "papers or a marketplace complaint arrives later, tell me here at any time.",
                ).get(lang),
                json_message=contract("answer", language=lang, sources=["policy:5"]),
            )
            return [SlotSet("fair_outcome", None), SlotSet("exhibition", None)]
        dispatcher.utter_message(
            text=Localized(
                "已记录。这属于展后案件跟踪（《实施意见》第（五）条），我为您转专家顾问跟进，请再回答一两个问题，随时可以回复“取消”。",
                "Recorded. This is a case for post-show follow-up (measure 5): I am bringing in an expert "
                "advisor. One or two more questions; reply “cancel” at any time.",
            ).get(lang),
            json_message=contract("escalation", language=lang, priority="normal"),
        )
        contact = f"{registration.contact_name or ''} {registration.contact}".strip()
        # The button's words say only that there was a dispute: then the form asks what happened.
        described = answer.strip() not in (TROUBLE.zh, TROUBLE.en)
        prefilled = {
            "company": registration.company,
            "contact": contact,
            "country": registration.country,
            "dispute_type": "展会纠纷",
            "priority": "normal",
            "description": clean_text(answer, max_length=4000) if described else None,
        }
        return [
            *(SlotSet(name, value) for name, value in prefilled.items() if value),
            SlotSet("fair_outcome", None),
            FollowupAction("escalation_form"),
        ]
