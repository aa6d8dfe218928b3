"""An enterprise reports a live dispute in the REST channel, gets a ticket, and the expert's answer reaches the
same conversation — through the real Rasa server, action server, desk database and desk worker."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
import urllib.request
from typing import Any

from sqlalchemy import select

from bot.clock import ManualClock
from bot.desk.tickets import Desk
from bot.desk.schema import Ticket, TranscriptLine

from tests.helpers.rest import customs, say


def last_ask(replies: list[dict[str, Any]]) -> str | None:
    asks = [c.get("ask") for c in customs(replies) if c.get("kind") == "form"]
    return asks[-1] if asks else None


def tracker_events(stack, sender: str) -> list[dict[str, Any]]:
    url = f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.rasa_token}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())["events"]


def test_live_dispute_to_ticket_to_expert_answer(stack, stack_desk) -> None:
    sender = "e2e-dispute"
    replies = say(stack, sender, "我们在美国被起诉专利侵权了，法院文件昨天刚送达，怎么办")
    kinds = [c["kind"] for c in customs(replies)]
    assert kinds[0] == "answer", replies  # first steps come first
    escalation = next(c for c in customs(replies) if c["kind"] == "escalation")
    assert escalation["priority"] == "urgent" and escalation["ticket"] is None
    # country (美国) and ip_type (专利) and the description came with the first message: not asked again
    assert last_ask(replies) == "company"

    replies = say(stack, sender, "太原示例机械有限公司")
    assert last_ask(replies) == "contact"
    replies = say(stack, sender, "电话不方便留")  # not a contact: refused with the reason
    assert last_ask(replies) == "contact"
    assert any("联系方式" in r.get("text", "") for r in replies)
    replies = say(stack, sender, "王经理 138 0000 0001")
    assert last_ask(replies) == "deadline"
    replies = say(stack, sender, "20天内要答辩")
    ticket = customs(replies)[-1]
    assert ticket["kind"] == "escalation" and ticket["priority"] == "urgent"
    number = ticket["ticket"]
    assert number and number.startswith("SX-")
    assert number in replies[0]["text"]

    status = say(stack, sender, f"{number} 进展如何")
    assert customs(status)[-1]["ticket"] == number
    assert "分派" in status[0]["text"] or "匹配" in status[0]["text"]
    assert customs(say(stack, "someone-else", f"{number} 进展如何"))[-1].get("ticket") is None

    with stack_desk.sessions() as session:
        stored = session.scalar(select(Ticket).where(Ticket.number == number))
    assert stored.status == "assigned" and stored.expert_id is not None
    assert stored.country == "美国" and stored.ip_type == "专利" and stored.deadline is not None
    assert stored.company == "太原示例机械有限公司" and stored.contact == "13800000001"
    assert "被起诉专利侵权" in stored.description
    stack_desk.accept(number, stored.expert_id)
    stack_desk.answer(number, stored.expert_id, "请立即委托美国律师，核对送达日期，21天内提交答辩或动议。")

    deadline = time.monotonic() + 60
    delivered: list[Any] = []
    while time.monotonic() < deadline and not delivered:
        delivered = [
            e
            for e in tracker_events(stack, sender)
            if e.get("event") == "bot" and "21天内提交答辩" in (e.get("text") or "")
        ]
        time.sleep(1)
    assert delivered, "the expert's answer did not reach the conversation"
    events = tracker_events(stack, sender)
    assert sum("21天内提交答辩" in (e.get("text") or "") for e in events if e.get("event") == "bot") == 1

    # the enterprise rates the answer and leaves a comment; both are stored on its ticket
    rating_buttons = next(
        e["data"]["buttons"] for e in reversed(events) if e.get("event") == "bot" and e.get("data", {}).get("buttons")
    )
    five = next(b for b in rating_buttons if b["title"] == "5")
    replies = say(stack, sender, five["payload"])
    assert last_ask(replies) == "feedback"
    replies = say(stack, sender, "回复很及时，谢谢专家")
    assert customs(replies)[-1]["kind"] == "goodbye"
    with stack_desk.sessions() as session:
        rated = session.scalar(select(Ticket).where(Ticket.number == number))
    assert (rated.rating, rated.rating_comment) == (5, "回复很及时，谢谢专家")

    # a week after closing, the follow-up reaches the same conversation and the reply is kept
    a_week_ago = Desk(
        stack_desk.sessions, ManualClock(datetime.now(timezone.utc) - timedelta(days=8)), stack_desk.settings
    )
    a_week_ago.close(number, "staff:test", "answered and confirmed")
    assert number in stack_desk.due_follow_ups()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
        "回访" in (e.get("text") or "") for e in tracker_events(stack, sender) if e.get("event") == "bot"
    ):
        time.sleep(1)
    replies = say(stack, sender, "问题已经解决了，和对方达成了和解")
    with stack_desk.sessions() as session:
        followed = session.scalar(select(Ticket).where(Ticket.number == number))
    assert followed.follow_up_note == "问题已经解决了，和对方达成了和解"


def test_the_form_can_be_cancelled_and_nothing_is_stored(stack, stack_desk) -> None:
    sender = "e2e-cancel"
    replies = say(stack, sender, "我想找专家咨询一下")
    assert any(c["kind"] == "escalation" and c["priority"] == "normal" for c in customs(replies))
    assert last_ask(replies) == "company"
    replies = say(stack, sender, "算了，先不提交了")
    assert customs(replies)[-1]["kind"] == "help"
    assert stack_desk.tickets_for(sender_id=sender) == []


def test_what_is_kept_for_the_expert_during_the_form_reaches_the_ticket(stack, stack_desk) -> None:
    """A question the desk would have sent to small talk mid-form is neither referred nor stored as a field, and the
    expert reads it in the ticket's transcript: nothing said is lost."""
    sender = "e2e-kept"
    assert last_ask(say(stack, sender, "我要转人工，想找专家聊聊出口欧洲的商标问题")) == "company"
    kept = say(stack, sender, "明天下午可以吗？")
    assert "out_of_scope" not in [c["kind"] for c in customs(kept)] and last_ask(kept) == "company", kept
    answers = {
        "company": "太原示例陶瓷有限公司",
        "contact": "李经理 13900000002",
        "country": "欧盟",
        "ip_type": "商标",
        "description": "想在欧盟注册商标，想请专家看看我们的布局",
        "deadline": "无",
    }
    replies = say(stack, sender, answers["company"])
    for _ in range(len(answers)):
        ask = last_ask(replies)
        if ask is None:
            break
        replies = say(stack, sender, answers[ask])
    number = customs(replies)[-1]["ticket"]
    assert number and number.startswith("SX-"), replies
    with stack_desk.sessions() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        lines = session.scalars(select(TranscriptLine).where(TranscriptLine.ticket_id == ticket.id)).all()
        said = [line.text for line in lines]
    assert ticket.company == "太原示例陶瓷有限公司"
    assert "明天下午可以吗？" in said
