"""Warnings and trade fairs through the real REST channel, Rasa server, action server, desk database and desk worker
(the `stack` fixture, as `make run` starts them): subscribing in the chat's words, asking for the current warnings,
a published warning pushed into the conversation, and a fair from registration to the post-show case, with the
scheduler's clock moved from a week before the fair to the day after it."""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import datetime, timedelta
from typing import Any, Callable
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.desk.outbox import OutboxWorker
from bot.runtime.relay import RasaRelay
from bot.processes.scheduler import Scheduler, desk_jobs
from bot.desk.risk_warnings import Criteria
from tests.helpers.rest import customs, say

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def services(stack):
    """The stack's desk database, opened from the test as the console would."""
    from bot.clock import SystemClock
    from bot.settings import DeskSettings
    from bot.desk.db import make_engine, sessions
    from bot.desk.tickets import Desk
    from bot.desk.exhibitions import Exhibitions
    from bot.desk.risk_warnings import Warnings

    settings = DeskSettings(database_url=stack.environment()["IPDESK_DATABASE_URL"])
    engine = make_engine(settings.database_url)
    maker = sessions(engine)
    desk = Desk(maker, SystemClock(), settings)
    yield Warnings(maker, SystemClock(), settings), Exhibitions(maker, SystemClock(), settings, desk), settings
    engine.dispose()


def bot_events(stack, sender: str) -> list[dict[str, Any]]:
    url = f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.rasa_token}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return [e for e in json.loads(response.read())["events"] if e.get("event") == "bot"]


def wait_for_bot(
    stack, sender: str, found: Callable[[dict[str, Any]], bool], what: str, timeout: float = 60
) -> dict[str, Any]:
    """The first bot message of the conversation that `found` accepts, waiting for the desk worker to deliver it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        hits = [e for e in bot_events(stack, sender) if found(e)]
        if hits:
            return hits[0]
        time.sleep(1)
    raise AssertionError(
        f"{what} did not reach {sender}; the bot said: "
        + " | ".join((e.get("text") or "")[:60] for e in bot_events(stack, sender))
    )


def ask_of(replies: list[dict[str, Any]]) -> str | None:
    asks = [c.get("ask") for c in customs(replies) if c.get("kind") == "form"]
    return asks[-1] if asks else None


@pytest.mark.parametrize(
    "sender, text, expected",
    [
        ("e2e-sub-1", "订阅美国 机械 专利预警", Criteria(("美国",), ("机械装备",), ("专利",))),
        ("e2e-sub-2", "帮我订阅一下德国那边电子产品的外观设计预警", Criteria(("德国",), ("电子电器",), ("外观设计",))),
        ("e2e-sub-3", "以后欧盟光伏的风险提示麻烦推送给我们", Criteria(("欧盟",), ("光伏",))),
        ("e2e-sub-4", "有日本的新预警请第一时间通知我", Criteria(("日本",))),
        ("e2e-sub-5", "Subscribe me to US trademark warnings", Criteria(("美国",), ip_types=("商标",))),
    ],
)
def test_subscribing_in_the_chat_in_chinese_and_english(stack, services, sender, text, expected) -> None:
    warnings, _, _ = services
    replies = say(stack, sender, text)
    assert customs(replies)[-1]["kind"] == "warning", replies
    assert warnings.subscriptions("rest", sender) == [expected]
    assert ("已订阅" if expected.countries != ("美国",) or "Subscribe" not in text else "Subscribed") in replies[0][
        "text"
    ]


def test_a_subscription_asked_for_in_general_is_completed_in_a_form_and_can_be_ended(stack, services) -> None:
    warnings, _, _ = services
    sender = "e2e-sub-form"
    replies = say(stack, sender, "我想订阅你们的预警")
    assert ask_of(replies) == "warning_criteria"
    replies = say(stack, sender, "日本 商标")
    assert customs(replies)[-1]["kind"] == "warning" and "已订阅：日本 / 商标" in replies[0]["text"]
    replies = say(stack, sender, "不要再给我推送预警了")
    assert customs(replies)[-1]["kind"] == "warning" and "已退订" in replies[0]["text"]
    assert warnings.subscriptions("rest", sender) == []


def test_current_warnings_are_listed_and_a_published_one_is_pushed_into_the_conversation(stack, services) -> None:
    warnings, _, _ = services
    sender = "e2e-warned"
    germany = warnings.publish(
        warnings.parse(
            {
                "title": "德国消费电子展外观设计禁令增多",
                "text": "多家企业在展会上被送达临时禁令。",
                "source": "省商务厅 预警快报（测试）",
                "countries": "德国",
                "ip_types": "外观设计",
            }
        ),
        "staff:e2e",
    ).warning.id
    replies = say(stack, sender, "最近有什么关于德国的预警")
    turn = customs(replies)[-1]
    assert turn["kind"] == "warning" and f"warning:{germany}" in turn["sources"]
    assert "德国消费电子展外观设计禁令增多" in replies[0]["text"]

    say(stack, sender, "订阅欧盟预警")
    pushed = warnings.publish(
        warnings.parse(
            {
                "title": "法国展会侵权扣押增多",
                "text": "近期法国展会多次出现侵权扣押（saisie-contrefaçon）。",
                "source": "省商务厅 预警快报（测试）",
                "countries": "法国",
            }
        ),
        "staff:e2e",
    )
    assert pushed.queued >= 1
    message = wait_for_bot(
        stack, sender, lambda e: "法国展会侵权扣押增多" in (e.get("text") or ""), "the pushed warning"
    )
    assert message["data"]["custom"] == {
        "kind": "warning",
        "language": "zh",
        "sources": [f"warning:{pushed.warning.id}"],
    }
    time.sleep(3)  # the desk worker has had time to send it again, were it going to
    assert sum("法国展会侵权扣押增多" in (e.get("text") or "") for e in bot_events(stack, sender)) == 1
    counts = warnings.delivery_counts([pushed.warning.id])[pushed.warning.id]
    assert counts.sent >= 1 and counts.failed == 0


def test_a_fair_from_registration_to_the_post_show_case(stack, services) -> None:
    _, exhibitions, settings = services
    sender = "e2e-fair"
    start = datetime.now(SHANGHAI).date() + timedelta(days=30)
    replies = say(stack, sender, "我们要去德国参展，想登记一下")
    assert ask_of(replies) == "fair_name"
    for answer, next_ask in (
        ("Ambiente 消费品展", "fair_place"),
        ("德国法兰克福", "fair_dates"),
        ("下个月吧", "fair_dates"),  # not a date: asked again with the reason
        (f"{start.isoformat()} 至 {(start + timedelta(days=4)).isoformat()}", "fair_products"),
        ("玻璃杯、玻璃餐具", "fair_rights"),
        ("欧盟外观设计两项", "fair_new_products"),
        ("是", "company"),
        ("太原示例玻璃器皿有限公司", "contact"),
    ):
        replies = say(stack, sender, answer)
        assert ask_of(replies) == next_ask, (answer, replies)
    replies = say(stack, sender, "王经理 13800000088")
    turn = customs(replies)[-1]
    assert turn["kind"] == "answer" and turn["sources"][0] == "checklist:germany", replies
    assert any("【在展台被投诉或送达文件时】" in (r.get("text") or "") for r in replies)
    registration = exhibitions.latest_of_sender(sender)
    assert (registration.country, registration.starts_on, registration.channel) == ("德国", start, "rest")

    screening = next(b for r in replies for b in r.get("buttons", []) if b["title"] == "申请专家风险排查")
    opened = customs(say(stack, sender, screening["payload"]))[-1]
    assert opened["kind"] == "escalation" and opened["ticket"].startswith("SX-")

    clock = ManualClock(
        datetime.combine(start - timedelta(days=7), datetime.min.time(), tzinfo=SHANGHAI) + timedelta(hours=9)
    )
    # Only the fairs' job runs on the moved clock: the stack's other tests share this database, and SLA checks a
    # month ahead would pass their tickets on.
    fair_job = [job for job in desk_jobs(exhibitions.sessions, clock, settings) if job.name == "exhibition-notices"]
    scheduler = Scheduler(fair_job, clock, "test scheduler")
    # The messages it queues are due by that clock, so a worker on the same clock delivers them (through the same
    # relay into Rasa as the stack's desk worker, which lives in the present and leaves them alone).
    worker = OutboxWorker(
        exhibitions.sessions,
        {"rest": RasaRelay(stack.rasa_url, stack.rasa_token)},
        clock,
        "test worker",
        settings=settings,
    )
    for moment, text in (
        (timedelta(0), "还有一周"),
        (timedelta(days=6), "明天"),
        (timedelta(days=6, hours=23), "今天开幕"),
    ):
        clock.set(
            datetime.combine(start - timedelta(days=7), datetime.min.time(), tzinfo=SHANGHAI)
            + timedelta(hours=9)
            + moment
        )
        assert scheduler.run_due().get("exhibition-notices") == 1
        assert worker.run_once() == 1
        wait_for_bot(stack, sender, lambda e, t=text: t in (e.get("text") or ""), f"the notice “{text}”")  # type: ignore[misc]
    clock.set(datetime.combine(start + timedelta(days=5), datetime.min.time(), tzinfo=SHANGHAI) + timedelta(hours=10))
    assert scheduler.run_due().get("exhibition-notices") == 1
    assert worker.run_once() == 1
    asked = wait_for_bot(
        stack,
        sender,
        lambda e: ((e.get("data") or {}).get("custom") or {}).get("ask") == "fair_outcome",
        "the post-show question",
    )
    assert "禁令" in asked["text"]

    replies = say(stack, sender, "展会第二天德国律师到展台送达了警告函，要求签停止侵权声明，我们没签")
    assert customs(replies)[0]["kind"] == "escalation"
    # what the registration and the answer said is not asked again: at most the IP type (it was named) and the deadline
    answers = {"ip_type": "外观设计", "deadline": "无"}
    asking: list[str] = []
    while ask_of(replies) is not None:
        asking.append(str(ask_of(replies)))
        assert asking[-1] in answers and asking.count(asking[-1]) == 1, asking
        replies = say(stack, sender, answers[asking[-1]])
    assert asking[-1] == "deadline"
    case = customs(replies)[-1]
    assert case["kind"] == "escalation" and case["ticket"] and case["ticket"] != opened["ticket"]
    registration = exhibitions.of_sender(registration.id, sender)
    assert (registration.outcome, registration.case_ticket) == ("case", case["ticket"])
    assert "警告函" in registration.outcome_note
