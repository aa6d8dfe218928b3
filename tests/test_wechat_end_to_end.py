"""Whole conversations on WeChat: the worker (`python -m bot.channels.wechat`, as `make run` starts it) between WeChat's
side (signed requests to its server URL), a fake WeChat API on 127.0.0.1 and the real Rasa server, action server and
desk of the `stack` fixture.

Two workers share the stack: `quick` waits up to 4.5 s for a turn and answers in the passive reply, as in
production; `slow` waits 1 ms, so every turn takes the path of a turn slower than WeChat's five seconds ("success"
at once, the answer through the customer-service API). `quick` reaches Rasa through a `Switch`, so a test can take
Rasa down and bring it back.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.desk.schema import Expert, OutboxMessage, WarningSubscriber
from tests.helpers.rest import tracker_events
from tests.helpers.stack import free_port
from tests.helpers.telegram_fake import Switch
from tests.helpers.wechat_fake import FakeWeChatApi, WeChatServerSide, WorkerProcess, worker_environment
from tests.test_telegram_end_to_end import desk, warnings  # noqa: F401 — the desk the services use, and its warnings

TEMPLATE_DESK = "tmpl-desk-answer-0001"
TEMPLATE_WARNING = "tmpl-risk-warning-0001"
#: The `expert` fixture's expert: reached by e-mail (no Telegram), a large cap keeps the load low.
EXPERT = {
    "ip_types": ["商标"],
    "countries": ["德国"],
    "industries": ["纺织服装"],
    "languages": ["zh"],
    "email": "wechat-expert@example.org",
    "available": True,
    "max_open_cases": 50,
    "show_name": True,
}
#: A case only the `expert` fixture's expert fits (德国, 商标, 纺织服装).
CASE = {
    "company": "微信答复测试有限公司",
    "contact": "13800000016",
    "description": "德国展会商标侵权投诉",
    "country": "德国",
    "ip_type": "商标",
    "industry": "纺织服装",
}


@dataclass
class WeChat:
    api: FakeWeChatApi
    worker: WorkerProcess
    server: WeChatServerSide
    stack: Any

    def wait_for_message(self, openid: str, predicate=lambda c: True, *, after: int = 0, timeout: float = 90.0):
        try:
            return self.api.wait_for_message(openid, predicate, after=after, timeout=timeout)
        except AssertionError as error:
            sent = "\n".join(f"  {c.text[:120]!r} {c.options}" for c in self.api.sent(openid))
            raise AssertionError(
                f"{error}\nsent to {openid}:\n{sent}\nworker log:\n{self.worker.output()[-4000:]}"
            ) from None

    def user_turns(self, openid: str) -> list[dict[str, Any]]:
        return [e for e in tracker_events(self.stack, f"wx:{openid}") if e["event"] == "user"]


@pytest.fixture(scope="module")
def api():
    fake = FakeWeChatApi()
    yield fake
    fake.close()


def _start(stack, api, tmp_path_factory, name: str, rasa_url: str, passive: str) -> WeChat:
    var_dir = tmp_path_factory.mktemp(f"wechat-{name}")
    port = free_port()
    env = worker_environment(
        api=api,
        port=port,
        rasa_url=rasa_url,
        rasa_token=stack.rasa_token,
        database_url=stack.environment()["IPDESK_DATABASE_URL"],
        var_dir=var_dir,
        WECHAT_PASSIVE_SECONDS=passive,
        WECHAT_TEMPLATE_DESK=TEMPLATE_DESK,
        WECHAT_TEMPLATE_WARNING=TEMPLATE_WARNING,
        WECHAT_SOURCE_URL="https://ipdesk.example.cn/chat",
    )
    url = f"http://127.0.0.1:{port}/wechat"
    worker = WorkerProcess(env, var_dir / "worker.log", url=url)
    worker.start()
    worker.wait_listening()
    return WeChat(api, worker, WeChatServerSide(url), stack)


@pytest.fixture(scope="module")
def rasa_switch(stack):
    switch = Switch(stack.rasa_port)
    yield switch
    switch.off()


@pytest.fixture(scope="module")
def quick(stack, api, rasa_switch, tmp_path_factory):
    wechat = _start(stack, api, tmp_path_factory, "quick", rasa_switch.url, "4.5")
    yield wechat
    assert wechat.worker.stop() == 0, wechat.worker.output()[-3000:]


@pytest.fixture(scope="module")
def slow(stack, api, tmp_path_factory):
    wechat = _start(stack, api, tmp_path_factory, "slow", stack.rasa_url, "0.001")
    yield wechat
    assert wechat.worker.stop() == 0, wechat.worker.output()[-3000:]


def openid() -> str:
    return f"o_{uuid.uuid4().hex[:20]}"


def test_a_quick_turn_is_answered_in_the_passive_reply_and_a_number_picks_a_button(quick) -> None:
    who = openid()
    hello = quick.server.says(who, "你好")
    assert hello.status == 200 and hello.text, (hello, quick.worker.output()[-2000:])
    answer = quick.server.says(who, "有哪些海外知识产权保险")
    assert answer.status == 200
    # The first message goes in the reply itself when the turn is quick; the rest by the customer-service API.
    first = answer.text or quick.wait_for_message(who).text
    assert "保险" in first
    if answer.text and "回复数字选择" in answer.text:
        picked = quick.server.says(who, "1")
        assert picked.status == 200
        assert len(quick.user_turns(who)) == 3  # "1" went to Rasa as the first button's payload
        assert quick.user_turns(who)[-1]["text"].startswith("/")


def test_a_slow_turn_answers_success_at_once_then_sends_by_the_api_with_a_clickable_menu(slow) -> None:
    who = openid()
    started = time.monotonic()
    answer = slow.server.says(who, "有哪些海外知识产权保险")
    assert answer.status == 200 and answer.body == "success"
    assert time.monotonic() - started < 3  # well inside WeChat's five seconds
    menu = slow.wait_for_message(who, lambda c: bool(c.options))
    links = slow.wait_for_message(who, lambda c: "https://ipdesk.example.cn/chat/source/" in c.text)  # sources as links
    assert "policy:" in links.text or "faq:" in links.text
    assert "保险" in "".join(c.text for c in slow.api.sent(who))
    assert all(len(c.text.encode("utf-8")) <= 2048 for c in slow.api.sent(who))
    # The follower taps the first option: WeChat sends its title back with its id, which picks its payload.
    option = menu.options[0]
    seen = len(slow.api.sent(who))
    assert slow.server.says(who, option["content"], bizmsgmenuid=option["id"]).body == "success"
    slow.wait_for_message(who, after=seen)
    assert slow.user_turns(who)[-1]["text"].startswith("/")  # the button's payload, not its title


def test_wechats_retries_of_one_msgid_make_one_turn(slow) -> None:
    who, msg_id = openid(), 880_000 + uuid.uuid4().int % 99_999
    answers: list[Any] = []
    threads = [
        threading.Thread(target=lambda: answers.append(slow.server.says(who, "337调查一般要多久", msg_id=msg_id)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [a.status for a in answers] == [200, 200, 200]
    slow.wait_for_message(who)
    time.sleep(3)  # several rounds later
    assert [e["text"] for e in slow.user_turns(who)] == ["337调查一般要多久"]
    texts = [c.text for c in slow.api.sent(who)]
    assert len(texts) == len(set(texts))  # nothing sent twice


def test_voice_recognition_and_a_menu_click_reach_rasa(slow) -> None:
    who = openid()
    voice = (
        f"<xml><ToUserName><![CDATA[gh_ipdesk_test]]></ToUserName><FromUserName><![CDATA[{who}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[m1]]>"
        "</MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[337调查一般要多久]]></Recognition>"
        f"<MsgId>{770_000 + uuid.uuid4().int % 99_999}</MsgId></xml>"
    )
    assert slow.server.post(voice).status == 200
    slow.wait_for_message(who)
    assert slow.user_turns(who)[0]["text"] == "337调查一般要多久"
    assert slow.server.event(who, "CLICK", "IPDESK_EXPERT").status == 200
    slow.api.wait_for(lambda: slow.user_turns(who)[-1]["text"] == "/request_human", 60, "the click to reach Rasa")
    slow.wait_for_message(who, lambda c: "公司" in c.text or "企业" in c.text)  # the escalation form asks


def test_follow_greets_with_the_privacy_notice_and_unfollow_stops_warnings(quick, desk, warnings) -> None:  # noqa: F811
    who = openid()
    welcome = quick.server.event(who, "subscribe")
    assert welcome.text and "隐私说明" in welcome.text and "保存 730 天" in welcome.text
    subscribed = quick.server.says(who, "订阅美国专利预警")
    confirmation = subscribed.text or quick.wait_for_message(who).text
    assert "已订阅" in confirmation
    assert quick.server.event(who, "unsubscribe").body == "success"
    quick.api.wait_for(lambda: blocked(desk, who), 30, "the unfollowed subscriber to be blocked")
    number = publish(warnings, "美国专利诉讼提示（微信测试）", countries="美国", ip_types="专利")
    with desk.sessions() as session:
        queued = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.recipient == f"wx:{who}", OutboxMessage.idempotency_key.like(f"warning:{number}:%")
            )
        ).all()
    assert queued == []  # nothing is pushed to a follower who left
    quick.server.event(who, "subscribe")  # following again lifts the block
    quick.api.wait_for(lambda: not blocked(desk, who), 30, "the block to be lifted")


def blocked(the_desk, who: str) -> bool:
    with the_desk.sessions() as session:
        return bool(
            session.scalar(
                select(WarningSubscriber.blocked_at.is_not(None)).where(
                    WarningSubscriber.channel == "wechat", WarningSubscriber.sender_id == f"wx:{who}"
                )
            )
        )


@pytest.fixture()
def expert(desk):  # noqa: F811
    now = datetime.now(timezone.utc)
    with desk.sessions.begin() as session:
        row = Expert(name="测试专家·微信", created_at=now, updated_at=now, **EXPERT)
        session.add(row)
        session.flush()
        expert_id = row.id
    yield expert_id
    with desk.sessions.begin() as session:
        session.execute(update(Expert).where(Expert.id == expert_id).values(available=False))


def test_an_experts_answer_comes_back_and_by_template_once_the_48_hour_window_closed(quick, desk, expert) -> None:  # noqa: F811
    who = openid()
    quick.server.says(who, "你好")  # the follower wrote to the account: the conversation is WeChat's
    ticket = desk.open_ticket(channel="wechat", sender_id=f"wx:{who}", **CASE)
    assert ticket.expert_id == expert
    desk.accept(ticket.number, expert)
    accepted = quick.wait_for_message(who, lambda c: ticket.number in c.text)
    assert "受理" in accepted.text

    seen = len(quick.api.sent(who))
    desk.answer(ticket.number, expert, "请先核对投诉所依据的商标注册号，并准备在先使用证据。")
    quick.wait_for_message(who, lambda c: "在先使用证据" in c.text, after=seen)
    quick.api.wait_for(lambda: answers_sent(desk, who) == ["sent"], 60, "the first answer to be delivered in full")

    quick.api.window_closed.add(who)  # 48 hours later: only template messages reach the follower
    desk.answer(ticket.number, expert, "补充：可以向展会主办方提交反通知。")

    def template_sent():
        calls = quick.api.sent(who, "/cgi-bin/message/template/send")
        return next((c for c in calls if "反通知" in json.dumps(c.body, ensure_ascii=False)), None)

    template = quick.api.wait_for(template_sent, 90, "the template message")
    assert template.body["template_id"] == TEMPLATE_DESK
    assert template.body["data"]["keyword1"]["value"] == ticket.number
    assert "反通知" in template.body["data"]["keyword2"]["value"]
    quick.api.wait_for(lambda: answers_sent(desk, who) == ["sent", "sent"], 30, "both answers to count as sent")


def answers_sent(the_desk, who: str) -> list[str]:
    with the_desk.sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage.status)
                .where(OutboxMessage.recipient == f"wx:{who}", OutboxMessage.kind == "expert_answer")
                .order_by(OutboxMessage.id)
            )
        )


def test_while_rasa_is_down_the_follower_is_told_once_and_answered_when_it_is_back(quick, rasa_switch) -> None:
    who = openid()
    rasa_switch.off()
    try:
        waiting = quick.server.says(who, "海关扣留了我们的货物怎么办")
        assert waiting.text and "已收到" in waiting.text  # told once, in the reply itself
        time.sleep(3)  # several retries while Rasa is down: the follower is not told again
        assert quick.api.sent(who) == []
    finally:
        rasa_switch.on()
    answer = quick.wait_for_message(who)
    assert "已收到" not in answer.text
    assert [e["text"] for e in quick.user_turns(who)] == ["海关扣留了我们的货物怎么办"]


def test_the_rest_channel_refuses_wechat_senders(stack) -> None:
    request = urllib.request.Request(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": "wx:o_someone_elses", "message": "我的工单"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 400 and "WeChat" in refused.value.read().decode()


def test_a_warning_is_pushed_once_and_by_template_once_the_window_closed(quick, desk, warnings) -> None:  # noqa: F811
    who = openid()
    subscribed = quick.server.says(who, "订阅日本商标预警")
    assert "已订阅" in (subscribed.text or quick.wait_for_message(who).text)
    seen = len(quick.api.sent(who))
    first = publish(warnings, "日本商标抢注提示（微信测试）")
    pushed = quick.wait_for_message(who, lambda c: "日本商标抢注提示" in c.text, after=seen)
    assert f"warning:{first}" in pushed.text
    time.sleep(3)  # several outbox rounds: not pushed again
    assert sum("日本商标抢注提示" in c.text for c in quick.api.sent(who)) == 1

    quick.api.window_closed.add(who)
    publish(warnings, "日本海关扣货提示（微信测试）")

    def template_sent():
        calls = quick.api.sent(who, "/cgi-bin/message/template/send")
        return next((c for c in calls if c.body["data"]["keyword1"]["value"] == "日本海关扣货提示（微信测试）"), None)

    template = quick.api.wait_for(template_sent, 90, "the warning's template message")
    assert template.body["template_id"] == TEMPLATE_WARNING


def publish(service, title: str, **values: str) -> int:
    """Publish a warning (about Japanese trademarks unless `values` say otherwise); its id."""
    fields = {"countries": "日本", "ip_types": "商标", **values}
    draft = service.parse({"title": title, "text": f"{title}：测试正文。", "source": "测试", **fields})
    return service.publish(draft, "staff:e2e").warning.id


def test_a_worker_killed_mid_answer_finishes_it_after_the_restart_and_says_nothing_twice(slow) -> None:
    """Killed while a part of the answer is being sent, the worker sends that part and the rest after its restart.
    (WeChat's API has no idempotency key: a part WeChat accepted in the instant before the kill, before the inbox
    recorded it, would be sent again — the one duplicate at-least-once delivery allows.)"""
    who = openid()
    slow.api.hang_after(who, 1)  # the first part goes out; the second hangs until the worker is dead
    assert slow.server.says(who, "有哪些海外知识产权保险").body == "success"
    slow.wait_for_message(who)
    time.sleep(1)  # the second part is under way
    slow.worker.kill()  # SIGKILL: no chance to finish anything
    slow.api.released.set()
    slow.worker.start()
    slow.worker.wait_listening()
    slow.wait_for_message(who, lambda c: "https://ipdesk.example.cn/chat/source/" in c.text)  # the last part
    texts = [c.text for c in slow.api.sent(who)]
    assert len(texts) == len(set(texts))  # nothing sent twice
    assert [e["text"] for e in slow.user_turns(who)] == ["有哪些海外知识产权保险"]  # one turn
