"""The chat's warning and trade-fair actions through rasa-sdk's dispatcher, over a real desk database (SQLite and
PostgreSQL) and a clock the test moves: every turn keeps the reply contract (`warning` with `warning:<id>` sources,
`form` with `ask`, the checklist cited as an answer)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.escalation as escalation
import actions.exhibitions as fair_actions
import actions.warnings as warning_actions
from bot.desk.exhibitions import Exhibitions
from bot.desk.risk_warnings import Criteria, Warnings

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture()
def services(desk, desk_sessions, desk_clock, desk_settings, desk_vocabulary, monkeypatch):
    """The actions use the test's database and clock instead of the process-wide ones."""
    warnings = Warnings(desk_sessions, desk_clock, desk_settings, vocabulary=desk_vocabulary)
    exhibitions = Exhibitions(desk_sessions, desk_clock, desk_settings, desk)
    for module in (warning_actions, fair_actions, escalation):
        monkeypatch.setattr(module, "desk", lambda: desk, raising=False)
        monkeypatch.setattr(module, "warnings", lambda: warnings, raising=False)
        monkeypatch.setattr(module, "exhibitions", lambda: exhibitions, raising=False)
        monkeypatch.setattr(module, "desk_clock", lambda: desk_clock, raising=False)
    return warnings, exhibitions


def tracker(
    text: str,
    intent: str,
    *,
    slots: dict[str, Any] | None = None,
    entities: list | None = None,
    sender: str = "tg:42",
    channel: str = "telegram",
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": entities or []}
    events = [{"event": "user", "text": text, "timestamp": 1764000000, "input_channel": channel}]
    return Tracker(sender, {"language": "zh", **(slots or {})}, latest, events, False, None, {}, "action_listen")


def run(action, tr: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    return dispatcher.messages, asyncio.run(action.run(dispatcher, tr, {}))


def followups(events: list[dict[str, Any]]) -> list[str]:
    return [e["name"] for e in events if e.get("event") == "followup"]


def slots_set(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def custom(messages: list[dict[str, Any]]) -> dict[str, Any]:
    return [m["custom"] for m in messages if m.get("custom")][-1]


def publish(warnings: Warnings, title: str, **values) -> int:
    return warnings.publish(
        warnings.parse({"title": title, "text": f"{title}。正文。", "source": "省商务厅预警快报", **values}),
        "staff:test",
    ).warning.id


# Warnings --------------------------------------------------------------------------------------------------------


def test_asking_for_the_warnings_about_a_country_lists_the_current_ones_cited(services) -> None:
    warnings, _ = services
    germany = publish(warnings, "德国展会外观设计禁令增多", countries="德国")
    eu = publish(warnings, "欧盟海关扣货提示", countries="欧盟")
    publish(warnings, "美国337调查提示", countries="美国")
    messages, _ = run(warning_actions.ActionWarnings(), tracker("最近有什么关于德国的预警", "ask_warning"))
    turn = custom(messages)
    assert turn["kind"] == "warning" and sorted(turn["sources"]) == sorted([f"warning:{germany}", f"warning:{eu}"])
    text = messages[0]["text"]
    assert "德国展会外观设计禁令增多" in text and "欧盟海关扣货提示" in text and "美国337" not in text
    assert f"warning:{germany}" in text and "来源：省商务厅预警快报" in text
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert f"查看全文 warning:{germany}" in titles and "订阅德国预警" in titles

    full, _ = run(
        warning_actions.ActionWarnings(),
        tracker(
            f'/ask_warning{{"warning": "{germany}"}}',
            "ask_warning",
            entities=[{"entity": "warning", "value": str(germany)}],
        ),
    )
    assert custom(full)["sources"] == [f"warning:{germany}"] and "正文" in full[0]["text"]

    none, _ = run(warning_actions.ActionWarnings(), tracker("有巴西市场的预警吗", "ask_warning"))
    assert custom(none) == {"kind": "warning", "language": "zh", "sources": []}
    assert "目前没有与“巴西”相关的现行预警" in none[0]["text"]
    assert "订阅巴西预警" in [b["title"] for b in none[0]["buttons"]]


def test_a_question_about_the_service_is_answered_from_the_knowledge_base(services) -> None:
    messages, _ = run(warning_actions.ActionWarnings(), tracker("预警快报怎么订阅，多久出一期", "ask_warning"))
    turn = custom(messages)
    assert turn["kind"] == "answer" and "faq:province-warnings" in turn["sources"]
    assert "订阅预警" in [b["title"] for b in messages[0]["buttons"]]


@pytest.mark.parametrize("text", ["你能陪我聊聊天吗，最近压力好大", "省里对企业海外维权有没有资金上的支持"])
def test_recent_or_any_without_a_word_of_warnings_or_news_lists_no_warnings(services, text: str) -> None:
    """Both were read as asking for warnings and were answered with the current ones: "最近" and "有没有" alone ask
    for no list."""
    messages, _ = run(warning_actions.ActionWarnings(), tracker(text, "ask_warning"))
    assert custom(messages)["kind"] != "warning"
    listed, _ = run(warning_actions.ActionWarnings(), tracker("最近有什么新的预警", "ask_warning"))
    assert custom(listed)["kind"] == "warning"


@pytest.mark.parametrize(
    "text",
    ["订阅美国 机械 专利预警", "帮我订阅一下老美那边机械设备的专利预警", "以后美国机械专利方面的风险提示推送给我"],
)
def test_subscribing_in_chinese_phrasings(services, text) -> None:
    warnings, _ = services
    current = publish(warnings, "美国机床专利诉讼增多", countries="美国", industries="机械")
    messages, events = run(warning_actions.ActionSubscribeWarnings(), tracker(text, "subscribe_warnings"))
    turn = custom(messages)
    assert turn["kind"] == "warning" and turn["sources"] == [f"warning:{current}"]
    assert "已订阅：美国 / 机械装备 / 专利" in messages[0]["text"] and "1 条相关的现行预警" in messages[0]["text"]
    assert warnings.subscriptions("telegram", "tg:42") == [Criteria(("美国",), ("机械装备",), ("专利",))]


def test_subscribing_with_nothing_named_asks_in_a_form_and_the_answer_subscribes(services) -> None:
    warnings, _ = services
    _, events = run(warning_actions.ActionSubscribeWarnings(), tracker("我想订阅预警", "subscribe_warnings"))
    assert "subscription_form" in followups(events)
    asked, _ = run(warning_actions.ActionAskWarningCriteria(), tracker("我想订阅预警", "subscribe_warnings"))
    assert custom(asked) == {"kind": "form", "language": "zh", "sources": [], "ask": "warning_criteria"}

    dispatcher = CollectingDispatcher()
    refused = warning_actions.ValidateSubscriptionForm().validate_warning_criteria(
        "随便", dispatcher, tracker("随便", "x"), {}
    )
    assert refused == {"warning_criteria": None} and "没能识别" in dispatcher.messages[0]["text"]
    messages, events = run(
        warning_actions.ActionSubscribeWarnings(),
        tracker("欧盟 光伏", "ask_warning", slots={"warning_criteria": "欧盟 光伏"}),
    )
    assert "已订阅：欧盟 / 光伏" in messages[0]["text"]
    assert slots_set(events)["warning_criteria"] is None


def test_the_telegram_command_words_are_the_criteria(services) -> None:
    warnings, _ = services
    payload = '/subscribe_warnings{"criteria": "日本 商标"}'
    run(
        warning_actions.ActionSubscribeWarnings(),
        tracker(payload, "subscribe_warnings", entities=[{"entity": "criteria", "value": "日本 商标"}]),
    )
    assert warnings.subscriptions("telegram", "tg:42") == [Criteria(("日本",), ip_types=("商标",))]


def test_unsubscribing_by_market_and_altogether(services) -> None:
    warnings, _ = services
    for words in ("美国 专利", "德国"):
        warnings.subscribe(
            "telegram", "tg:42", Criteria(*([("美国",), (), ("专利",)] if words == "美国 专利" else [("德国",)])), "zh"
        )
    listed, _ = run(warning_actions.ActionWarnings(), tracker("我订阅了哪些预警", "ask_warning"))
    assert (
        custom(listed)["kind"] == "warning" and "1. 美国 / 专利" in listed[0]["text"] and "2. 德国" in listed[0]["text"]
    )
    messages, _ = run(warning_actions.ActionUnsubscribeWarnings(), tracker("退订美国预警", "unsubscribe_warnings"))
    assert custom(messages)["kind"] == "warning"
    assert "已退订：美国 / 专利" in messages[0]["text"] and "1. 德国" in messages[0]["text"]
    messages, _ = run(
        warning_actions.ActionUnsubscribeWarnings(), tracker("/unsubscribe_warnings", "unsubscribe_warnings")
    )
    assert "已退订：德国" in messages[0]["text"] and warnings.subscriptions("telegram", "tg:42") == []


def test_a_pushed_warning_is_shown_once_and_a_withdrawn_one_not_at_all(services) -> None:
    warnings, _ = services
    warnings.subscribe("telegram", "tg:42", Criteria(("德国",)), "zh")
    number = publish(warnings, "德国展会禁令提示", countries="德国")
    key = f"warning:{number}:1"

    def delivery(slots: dict[str, Any] | None = None) -> Tracker:
        return tracker(
            "EXTERNAL: EXTERNAL_warning",
            "EXTERNAL_warning",
            slots=slots,
            entities=[{"entity": "warning", "value": str(number)}, {"entity": "outbox_key", "value": key}],
        )

    messages, events = run(warning_actions.ActionWarningDelivery(), delivery())
    assert custom(messages) == {"kind": "warning", "language": "zh", "sources": [f"warning:{number}"]}
    assert messages[0]["text"].startswith("您订阅的预警有新消息") and "德国展会禁令提示" in messages[0]["text"]
    delivered = next(e["value"] for e in events if e.get("name") == "delivered")
    typed, _ = run(
        warning_actions.ActionWarningDelivery(),
        tracker(
            f'/EXTERNAL_warning{{"warning": "{number}", "outbox_key": "forged"}}',
            "EXTERNAL_warning",
            entities=[{"entity": "warning", "value": str(number)}, {"entity": "outbox_key", "value": "forged"}],
        ),
    )
    assert custom(typed)["kind"] == "clarify"  # typed by the user, not delivered by the outbox's worker
    repeat, _ = run(warning_actions.ActionWarningDelivery(), delivery({"delivered": delivered}))
    assert repeat == []
    warnings.expire(number, "staff:test")
    withdrawn, _ = run(warning_actions.ActionWarningDelivery(), delivery())
    assert withdrawn == []
    stranger, _ = run(
        warning_actions.ActionWarningDelivery(),
        tracker(
            "EXTERNAL: EXTERNAL_warning",
            "EXTERNAL_warning",
            sender="tg:99",
            entities=[{"entity": "warning", "value": str(number)}, {"entity": "outbox_key", "value": key}],
        ),
    )
    assert stranger == []


# Trade fairs -----------------------------------------------------------------------------------------------------

FAIR = {
    "fair_name": "Ambiente 法兰克福消费品展",
    "fair_place": "德国法兰克福",
    "fair_products": "玻璃杯、玻璃餐具",
    "fair_rights": "欧盟外观设计两项",
    "fair_new_products": "yes",
    "company": "太原示例玻璃器皿有限公司",
    "contact": "王经理 13800000077",
}


def test_the_form_refuses_bad_answers_with_the_reason(services, desk_clock) -> None:
    validate = fair_actions.ValidateExhibitionForm()
    dispatcher = CollectingDispatcher()
    tr = tracker("x", "inform")
    assert validate.validate_fair_dates("下个月", dispatcher, tr, {}) == {"fair_dates": None}
    assert validate.validate_fair_dates("2020-03-10至2020-03-13", dispatcher, tr, {}) == {"fair_dates": None}
    assert validate.validate_fair_new_products("不确定", dispatcher, tr, {}) == {"fair_new_products": None}
    assert validate.validate_contact("电话不方便", dispatcher, tr, {}) == {"contact": None}
    assert [m["text"][:6] for m in dispatcher.messages] == [
        "没能识别展会",
        "这个展会已于",
        "请回答“是”",
        "没能识别联系",
    ]
    year = desk_clock.now().astimezone(SHANGHAI).year + 1
    assert validate.validate_fair_dates(f"{year}-03-10 至 {year}-03-13", dispatcher, tr, {}) == {
        "fair_dates": f"{year}-03-10/{year}-03-13"
    }
    assert validate.validate_fair_new_products("没有新品", dispatcher, tr, {}) == {"fair_new_products": "no"}
    asked, _ = run(fair_actions.ActionAskFairNewProducts(), tracker("x", "inform"))  # type: ignore[attr-defined]
    assert custom(asked)["ask"] == "fair_new_products" and [b["title"] for b in asked[0]["buttons"]] == [
        "是",
        "否",
        "取消",
    ]


def test_registering_a_fair_gives_its_countrys_checklist_and_the_services(services, desk_clock, add_expert) -> None:
    _, exhibitions = services
    add_expert("欧盟外观设计专家", ip_types=["外观设计"], countries=["欧盟"])
    start = desk_clock.now().astimezone(SHANGHAI).date() + timedelta(days=30)
    slots = {**FAIR, "fair_dates": f"{start.isoformat()}/{(start + timedelta(days=4)).isoformat()}"}
    messages, events = run(fair_actions.ActionSubmitExhibition(), tracker("王经理 13800000077", "inform", slots=slots))
    assert (
        "已登记：Ambiente 法兰克福消费品展（德国法兰克福）" in messages[0]["text"] and "新产品" in messages[0]["text"]
    )
    checklist = messages[1]
    assert custom(messages) == {
        "kind": "answer",
        "language": "zh",
        "sources": ["checklist:germany", "policy:5", "policy:7"],
    }
    for section in ("带上哪些权利", "展前检索", "带齐材料", "在展台被投诉或送达文件时"):
        assert f"【{section}】" in checklist["text"]
    assert "einstweilige Verfügung" in checklist["text"] and "来源：" in checklist["text"]
    registration = exhibitions.latest_of_sender("tg:42")
    assert (registration.country, registration.contact, registration.new_products) == ("德国", "13800000077", True)
    assert "exhibition" not in slots_set(events)  # a later, unrelated escalation is not this fair's case

    screening = next(b for b in checklist["buttons"] if b["title"] == "申请专家风险排查")
    entities = [{"entity": k, "value": v} for k, v in json.loads("{" + screening["payload"].partition("{")[2]).items()]
    opened, _ = run(
        fair_actions.ActionExhibitionService(), tracker(screening["payload"], "exhibition_service", entities=entities)
    )
    turn = custom(opened)
    assert turn["kind"] == "escalation" and turn["ticket"].startswith("SX-") and "风险排查" in opened[0]["text"]
    again, _ = run(
        fair_actions.ActionExhibitionService(), tracker(screening["payload"], "exhibition_service", entities=entities)
    )
    assert custom(again)["ticket"] == turn["ticket"] and "已在进行中" in again[0]["text"]


def test_a_fair_in_a_country_without_its_own_checklist_gets_the_general_one_and_says_so(services, desk_clock) -> None:
    start = desk_clock.now().astimezone(SHANGHAI).date() + timedelta(days=30)
    slots = {**FAIR, "fair_place": "首尔", "fair_dates": f"{start.isoformat()}/{start.isoformat()}"}
    messages, _ = run(fair_actions.ActionSubmitExhibition(), tracker("x", "inform", slots=slots))
    assert custom(messages)["sources"][0] == "checklist:general"
    assert "暂无韩国的专门清单，以下是通用清单" in messages[0]["text"]


def test_the_notices_and_the_post_show_case(services, desk_clock) -> None:
    _, exhibitions = services
    start = desk_clock.now().astimezone(SHANGHAI).date() + timedelta(days=30)
    registration = exhibitions.register(
        channel="telegram",
        sender_id="tg:42",
        language="zh",
        company=FAIR["company"],
        contact="13800000077",
        contact_name="王经理",
        fair_name="Ambiente",
        place="法兰克福",
        country="德国",
        starts_on=start,
        ends_on=start + timedelta(days=4),
        products="玻璃杯",
        rights_held="无",
        new_products=False,
    )
    exhibitions.set_onsite_contact([registration.id], "省贸促会驻会服务点 王老师")

    def notice(
        stage: str, text: str = "EXTERNAL: EXTERNAL_exhibition"
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return run(
            fair_actions.ActionExhibitionNotice(),
            tracker(
                text,
                "EXTERNAL_exhibition",
                entities=[
                    {"entity": "exhibition", "value": str(registration.id)},
                    {"entity": "stage", "value": stage},
                    {"entity": "outbox_key", "value": f"exhibition:{registration.id}:{stage}"},
                ],
            ),
        )

    typed, events = notice("after", text=f'/EXTERNAL_exhibition{{"exhibition": "{registration.id}", "stage": "after"}}')
    assert custom(typed)["kind"] == "clarify" and followups(events) == []  # only the outbox's worker delivers notices
    week, _ = notice("week_before")
    assert (
        "展前提醒" in week[0]["text"]
        and "还有一周" in week[0]["text"]
        and custom(week)["sources"][0] == "checklist:germany"
    )
    assert {"查看展前清单", "预约展前培训", "申请专家风险排查"} <= {b["title"] for b in week[0]["buttons"]}
    on_site, _ = notice("on_site")
    assert (
        "驻会联系人：省贸促会驻会服务点 王老师" in on_site[0]["text"] and "Unterlassungserklärung" in on_site[0]["text"]
    )
    after, events = notice("after")
    assert "已于" in after[0]["text"] and "exhibition_outcome_form" in followups(events)
    asked, _ = run(fair_actions.ActionAskFairOutcome(), tracker("", "EXTERNAL_exhibition"))  # type: ignore[attr-defined]
    assert custom(asked)["ask"] == "fair_outcome"

    answer = "展会第二天有德国律师到展台送达了警告函，要求我们签停止侵权声明"
    messages, events = run(
        fair_actions.ActionSubmitExhibitionOutcome(),
        tracker(answer, "report_dispute", slots={"exhibition": str(registration.id), "fair_outcome": answer}),
    )
    assert custom(messages) == {
        "kind": "escalation",
        "language": "zh",
        "sources": [],
        "ticket": None,
        "priority": "normal",
    }
    slots = slots_set(events)
    assert slots["company"] == FAIR["company"] and slots["country"] == "德国" and slots["description"] == answer
    assert slots["dispute_type"] == "展会纠纷" and "escalation_form" in followups(events)
    assert exhibitions.of_sender(registration.id, "tg:42").outcome == "case"

    # the escalation form completes: the ticket it opens is the fair's case
    form = {
        "company": FAIR["company"],
        "contact": "王经理 13800000077",
        "country": "德国",
        "ip_type": "外观设计",
        "description": answer,
        "deadline": "无",
        "priority": "normal",
        "dispute_type": "展会纠纷",
        "exhibition": str(registration.id),
    }
    opened, _ = run(escalation.ActionSubmitEscalation(), tracker("无", "inform", slots=form))
    number = custom(opened)["ticket"]
    assert exhibitions.of_sender(registration.id, "tg:42").case_ticket == number
