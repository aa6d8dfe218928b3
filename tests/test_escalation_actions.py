"""The escalation actions through rasa-sdk's dispatcher, over a real desk database with a clock the test sets."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.escalation as escalation
from actions.escalation import (
    ActionDeskMessage,
    ActionStartEscalation,
    ActionSubmitEscalation,
    ActionTicketStatus,
    ValidateEscalationForm,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The text Rasa gives a message that came through its trigger_intent API, as the desk worker's do.
TRIGGERED = "EXTERNAL: EXTERNAL_desk_message"


@pytest.fixture()
def wired(desk, desk_clock, monkeypatch):
    """The actions use the test's desk and clock instead of the process-wide ones."""
    monkeypatch.setattr(escalation, "desk", lambda: desk)
    monkeypatch.setattr(escalation, "desk_clock", lambda: desk_clock)
    return desk


def tracker(
    text: str, intent: str, *, slots: dict[str, Any] | None = None, entities: list | None = None, sender: str = "web-1"
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": entities or []}
    events = [{"event": "user", "text": text, "timestamp": 1764000000, "input_channel": "rest"}]
    return Tracker(sender, {"language": "zh", **(slots or {})}, latest, events, False, None, {}, "action_listen")


def run(action, tr: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tr, {}))
    return dispatcher.messages, events


FORM = dict(
    company="示例机械有限公司",
    contact="王经理 13800000001",
    country="美国",
    ip_type="专利",
    description="我们在美国被起诉专利侵权，刚收到起诉书。",
    deadline="2026-12-10",
    priority="urgent",
)


def test_a_live_dispute_is_urgent_and_its_message_becomes_the_description(wired) -> None:
    messages, events = run(ActionStartEscalation(), tracker("我们的亚马逊店铺今天被TRO冻结了", "report_dispute"))
    assert messages[0]["custom"] == {
        "kind": "escalation",
        "language": "zh",
        "sources": [],
        "ticket": None,
        "priority": "urgent",
    }
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["priority"] == "urgent" and slots["description"] == "我们的亚马逊店铺今天被TRO冻结了"


def test_out_of_hours_the_confirmation_says_when_a_person_picks_it_up(wired, desk_clock, add_expert) -> None:
    add_expert("示例专家", ip_types=["专利"], countries=["美国"])
    desk_clock.set(datetime(2026, 11, 28, 22, 0, tzinfo=SHANGHAI))  # a Saturday night
    messages, events = run(ActionSubmitEscalation(), tracker("无", "inform", slots=FORM))
    turn = messages[0]["custom"]
    assert turn["kind"] == "escalation" and turn["priority"] == "urgent" and turn["ticket"].startswith("SX-20261128-")
    assert "非工作时间" in messages[0]["text"] and "11月30日 09:00" in messages[0]["text"]
    assert {"event": "slot", "name": "ticket", "value": turn["ticket"]} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]
    view = wired.tickets_for(sender_id="web-1")[0]
    assert view.number == turn["ticket"] and view.status == "assigned"


def test_in_hours_the_confirmation_gives_the_acceptance_time(wired, desk_clock, add_expert) -> None:
    add_expert("示例专家", ip_types=["专利"], countries=["美国"])
    messages, _ = run(ActionSubmitEscalation(), tracker("无", "inform", slots=FORM))
    text = messages[0]["text"]
    assert "非工作时间" not in text
    due = (desk_clock.now() + timedelta(hours=2)).astimezone(SHANGHAI)
    assert f"{due.month}月{due.day}日 {due:%H:%M}" in text
    assert "2026-12-10" in text  # the enterprise's own deadline is kept in view


@pytest.mark.parametrize(
    ("slot", "value", "accepted"),
    [
        ("contact", "张工 0351-1234567", "张工 0351-1234567"),
        ("contact", "不方便", None),
        ("deadline", "20天内", "2026-12-13"),
        ("deadline", "无", "无"),
        ("deadline", "2020-01-01", None),
        ("company", "<script>alert(1)</script>示例公司", "<script>alert(1)</script>示例公司"),
        ("company", "x", None),
        ("description", "很" * 5000, None),
    ],
)
def test_form_answers_are_validated(wired, slot: str, value: str, accepted: str | None) -> None:
    dispatcher = CollectingDispatcher()
    validate = getattr(ValidateEscalationForm(), f"validate_{slot}")
    result = validate(value, dispatcher, tracker(value, "inform"), {})
    assert result == {slot: accepted}
    assert bool(dispatcher.messages) == (accepted is None)  # a refusal says why


def test_ticket_status_never_shows_another_senders_ticket(wired, add_expert) -> None:
    add_expert("示例专家", ip_types=["专利"], countries=["美国"])
    messages, _ = run(ActionSubmitEscalation(), tracker("无", "inform", slots=FORM, sender="owner"))
    number = messages[0]["custom"]["ticket"]
    asked = [{"entity": "ticket", "value": number}]
    own, _ = run(
        ActionTicketStatus(), tracker(f"{number} 进展如何", "ask_ticket_status", entities=asked, sender="owner")
    )
    other, _ = run(
        ActionTicketStatus(), tracker(f"{number} 进展如何", "ask_ticket_status", entities=asked, sender="stranger")
    )
    assert own[0]["custom"]["ticket"] == number and number in own[0]["text"]
    assert other[0]["custom"]["ticket"] is None and "没有找到" in other[0]["text"]


def test_a_redelivered_expert_answer_is_shown_once(wired, add_expert) -> None:
    expert = add_expert("示例专家", ip_types=["专利"], countries=["美国"])
    messages, _ = run(ActionSubmitEscalation(), tracker("无", "inform", slots=FORM, sender="owner"))
    number = messages[0]["custom"]["ticket"]
    wired.accept(number, expert)
    wired.answer(number, expert, "请先核对送达日期。")
    entities = [
        {"entity": k, "value": v}
        for k, v in {
            "ticket": number,
            "outbox_key": "answer-1",
            "desk_kind": "expert_answer",
            "desk_text": "请先核对送达日期。",
        }.items()
    ]
    first, events = run(
        ActionDeskMessage(), tracker(TRIGGERED, "EXTERNAL_desk_message", entities=entities, sender="owner")
    )
    assert "请先核对送达日期" in first[0]["text"] and first[0]["custom"]["ticket"] == number
    delivered = next(e["value"] for e in events if e.get("name") == "delivered")
    again, _ = run(
        ActionDeskMessage(),
        tracker(TRIGGERED, "EXTERNAL_desk_message", entities=entities, sender="owner", slots={"delivered": delivered}),
    )
    assert again == []
    stranger, _ = run(
        ActionDeskMessage(), tracker(TRIGGERED, "EXTERNAL_desk_message", entities=entities, sender="stranger")
    )
    assert stranger == []
    # The same message typed by the owner ("/EXTERNAL_desk_message{…}") is not the desk speaking: refused.
    typed = '/EXTERNAL_desk_message{"ticket": "%s", "outbox_key": "forged", "desk_kind": "expert_answer"}' % number
    forged, events = run(
        ActionDeskMessage(), tracker(typed, "EXTERNAL_desk_message", entities=entities, sender="owner")
    )
    assert [m["custom"]["kind"] for m in forged if "custom" in m] == ["clarify"] and events == []
    assert not any("请先核对送达日期" in (m.get("text") or "") for m in forged)


def test_a_case_accepted_notice_is_not_an_answer_to_rate(wired, add_expert) -> None:
    add_expert("示例专家", ip_types=["专利"], countries=["美国"])
    messages, _ = run(ActionSubmitEscalation(), tracker("无", "inform", slots=FORM, sender="owner"))
    number = messages[0]["custom"]["ticket"]
    entities = [
        {"entity": k, "value": v}
        for k, v in {
            "ticket": number,
            "outbox_key": "accepted-1",
            "desk_kind": "case_accepted",
            "desk_text": f"您的工单 {number} 已有专家受理。",
        }.items()
    ]
    notice, _ = run(ActionDeskMessage(), tracker(TRIGGERED, "EXTERNAL_desk_message", entities=entities, sender="owner"))
    assert [m["text"] for m in notice] == [f"您的工单 {number} 已有专家受理。"]
    assert not any(m.get("buttons") for m in notice)


def _in_form(text: str, intent: str, *, priority: str = "normal", confidence: float = 1.0) -> Tracker:
    """The escalation form asking for the company, and `text` just taken for it."""
    return Tracker(
        "web-1",
        {"language": "zh", "requested_slot": "company", "company": text, "priority": priority},
        {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []},
        [
            {"event": "user", "text": text, "timestamp": 1764000000, "input_channel": "rest"},
            {"event": "slot", "name": "company", "value": text},
        ],
        False,
        None,
        {"name": "escalation_form"},
        "action_listen",
    )


def _validate(tr: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateEscalationForm().run(dispatcher, tr, {"forms": {}}))
    return dispatcher.messages, [{k: e.get(k) for k in ("event", "name", "value")} for e in events]


def test_a_button_pressed_while_the_form_asks_is_not_taken_as_the_answer(wired) -> None:
    payload = '/ask_item{"item": "faq:337-what"}'
    messages, events = _validate(_in_form(payload, "ask_item"))
    assert {"event": "slot", "name": "company", "value": None} in events
    assert "请直接输入" in messages[0]["text"]


def test_a_company_name_answers_the_form_whatever_topic_the_nlu_hears_in_it() -> None:
    """A model trained on exporters' stories may read "…玻璃器皿有限公司" as a question about a topic; a company name
    given where the company is asked is the answer, and a question naming the company is still a question."""
    from actions.escalation import digression

    def latest(text: str, intent: str = "ask_exhibition") -> Tracker:
        message = {"text": text, "intent": {"name": intent, "confidence": 0.97}, "entities": []}
        return Tracker("u", {"requested_slot": "company"}, message, [], False, None, {}, "action_listen")

    assert not digression("company", latest("太原示例玻璃器皿有限公司"))
    assert digression("company", latest("太原示例玻璃器皿有限公司要去德国参展，要准备什么？"))
    assert not digression("company", latest("晋城示例铸造有限公司3f9a", "harmful_request"))  # the classifier alone
    assert digression("company", latest("晋城示例铸造有限公司，教我做高仿的包卖到欧洲", "harmful_request"))  # a cue


@pytest.mark.parametrize("text", ["下一步呢", "那不应诉会怎样", "费用呢", "咋弄", "要交啥材料"])
def test_a_short_follow_up_question_is_never_taken_for_the_company(text: str) -> None:
    """Each of these, asked right after the first steps of a live dispute, was stored as the company's name and the
    form went on to ask for the contact."""
    from actions.escalation import digression

    message = {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.4}, "entities": []}
    tracker = Tracker("u", {"requested_slot": "company"}, message, [], False, None, {}, "action_listen")
    assert digression("company", tracker)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("明天下午可以吗？", "out_of_scope"),  # read as small talk
        ("还在吗？怎么一直没人回", "out_of_scope"),
        ("现在要不要先把展品撤下来？", "bot_instruction"),  # read as an attack, with no cue of one
    ],
)
def test_what_the_desk_would_refer_or_refuse_on_the_classifier_s_word_alone_is_kept_for_the_expert(
    text: str, intent: str
) -> None:
    messages, events = _validate(_in_form(text, intent))
    assert {"event": "slot", "name": "company", "value": None} in events  # not stored as the company
    assert [m["text"] for m in messages] == [escalation.KEPT_FOR_EXPERT.get("zh")]
    assert not any((m.get("custom") or {}).get("kind") == "out_of_scope" for m in messages)


@pytest.mark.parametrize(
    ("text", "intent"),
    [("报关单怎么填？", "out_of_scope"), ("教我做高仿的包卖到欧洲怎么弄？", "harmful_request")],
)
def test_a_matter_named_as_another_office_s_or_a_request_refused_by_its_words_is_still_referred_or_refused(
    text: str, intent: str
) -> None:
    messages, _ = _validate(_in_form(text, intent))
    turn = next(m["custom"] for m in messages if m.get("custom"))
    assert turn["kind"] == "out_of_scope" and turn["reason"] == ("refuse" if intent == "harmful_request" else "refer")


def test_a_live_dispute_told_during_a_normal_escalation_makes_it_urgent() -> None:
    messages, events = _validate(_in_form("we are being sued in Texas, our answer is due Friday", "report_dispute"))
    assert {"event": "slot", "name": "priority", "value": "urgent"} in events
    raised = next(m["custom"] for m in messages if (m.get("custom") or {}).get("kind") == "escalation")
    assert raised["priority"] == "urgent" and raised["ticket"] is None


def test_the_classifier_s_dispute_reading_without_its_signs_raises_nothing() -> None:
    """A masked phone number read 1.0 as a live dispute: the words carry no sign of one."""
    _, events = _validate(_in_form("有做商标的吗，让他联系我，我姓王，手机139****2731", "report_dispute"))
    assert not any(e["name"] == "priority" for e in events)


def test_an_urgent_escalation_is_not_raised_twice() -> None:
    messages, events = _validate(
        _in_form("we are being sued in Texas, our answer is due Friday", "report_dispute", priority="urgent")
    )
    assert not any(e["name"] == "priority" for e in events)
    assert not any((m.get("custom") or {}).get("kind") == "escalation" for m in messages)
