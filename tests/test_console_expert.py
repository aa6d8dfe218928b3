"""The expert's view on a real server and database (SQLite and PostgreSQL): only their own cases, accepting,
declining and answering through the desk, and an answer to a hotline caller reaching the staff inbox as a callback."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.desk.schema import AuditEntry, Call, OutboxMessage, Ticket, TicketEvent, TranscriptLine
from tests.helpers.console import ConsoleClient, open_ticket, ticket


def outbox(console, kind: str) -> list[OutboxMessage]:
    with console.ctx.sessions() as session:
        return session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)).all()


@pytest.fixture()
def experts(add_expert, console_user):
    """Two experts with console accounts: zhao (patents, US) and sun (trademarks, EU)."""
    zhao = add_expert("赵律师", ip_types=["专利"], countries=["美国"])
    sun = add_expert("孙律师", ip_types=["商标"], countries=["欧盟"])
    console_user("zhao", "expert", expert_id=zhao)
    console_user("sun", "expert", expert_id=sun)
    return {"zhao": zhao, "sun": sun}


@pytest.fixture()
def zhao(experts, browser_client):
    browser_client.sign_in("zhao")
    return browser_client


def test_an_expert_sees_only_their_own_cases_and_no_staff_page(console, desk, experts, zhao):
    mine = open_ticket(desk, "太原精密机械有限公司", "13900000011")
    theirs = open_ticket(desk, "运城果业有限公司", "13900000012", country="欧盟", ip_type="商标")
    assert ticket(console, mine).expert_id == experts["zhao"] and ticket(console, theirs).expert_id == experts["sun"]
    cases = zhao.get("/expert")
    assert cases.status == 200 and mine in cases.text and theirs not in cases.text
    assert "待受理" in cases.text  # with the time by which to accept
    page = zhao.get(f"/expert/tickets/{mine}")
    assert page.status == 200 and "太原精密机械有限公司" in page.text and "美国法院的起诉书" in page.text
    assert "139****0011" in page.text and "13900000011" not in page.text  # contact masked for experts
    other = zhao.get(f"/expert/tickets/{theirs}")
    missing = zhao.get("/expert/tickets/SX-19990101-0001")
    assert other.status == missing.status == 404
    assert "运城果业" not in other.text and other.text.replace(theirs, "X") == missing.text.replace(
        "SX-19990101-0001", "X"
    )
    assert zhao.post(f"/expert/tickets/{theirs}/accept").status == 404
    assert ticket(console, theirs).status == "assigned"
    with console.ctx.sessions() as session:
        viewed = session.scalars(select(AuditEntry.object_id).where(AuditEntry.action == "view")).all()
    assert viewed == [mine]
    for path in ("/tickets", f"/tickets/{mine}", "/tickets.csv", "/inbox"):
        assert zhao.get(path).status == 403
    assert zhao.post(f"/tickets/{mine}/close", {"reason": "x"}).status == 403
    assert ticket(console, mine).status == "assigned"


def test_an_expert_accepts_then_answers_and_the_answer_goes_to_the_enterprise(console, desk, experts, zhao):
    number = open_ticket(desk, "太原精密机械有限公司", "13900000011")
    zhao.get(f"/expert/tickets/{number}")
    early = zhao.post(f"/expert/tickets/{number}/answer", {"answer": "先答复"})
    assert early.status == 409 and "待受理" in early.text and "先答复" in early.text
    accepted = zhao.post(f"/expert/tickets/{number}/accept")
    assert "已受理" in accepted.text and ticket(console, number).status == "accepted"
    answer = "建议尽快委托美国律师，在20天内提交答辩状，并评估不侵权抗辩和专利无效抗辩。"
    answered = zhao.post(f"/expert/tickets/{number}/answer", {"answer": answer})
    assert "答复已提交" in answered.text and answer in answered.text  # now in the case's transcript
    after = ticket(console, number)
    assert after.status == "answered" and after.answered_at is not None
    [message] = outbox(console, "expert_answer")
    assert (message.channel, message.recipient) == ("rest", "web-13900000011")
    assert message.payload["text"] == answer and message.payload["ticket"] == number
    with console.ctx.sessions() as session:
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.action != "view")
            .where(AuditEntry.username == "zhao")
            .order_by(AuditEntry.id)
        ).all()
    assert actions[-2:] == ["accept", "answer"]


@pytest.mark.parametrize("text, message", [("   ", "请填写答复内容"), ("答" * 10_001, "太长")])
def test_an_empty_or_overlong_answer_is_refused_and_kept_in_the_form(console, desk, experts, zhao, text, message):
    number = open_ticket(desk, "太原精密机械有限公司", "13900000011")
    zhao.get(f"/expert/tickets/{number}")
    zhao.post(f"/expert/tickets/{number}/accept")
    page = zhao.post(f"/expert/tickets/{number}/answer", {"answer": text})
    assert page.status == 422 and message in page.text and "答复未提交" in page.text
    if text.strip():
        assert text in page.text  # what was typed is still there to shorten
    assert ticket(console, number).status == "accepted" and outbox(console, "expert_answer") == []
    with console.ctx.sessions() as session:
        assert session.scalars(select(TranscriptLine).where(TranscriptLine.role == "expert")).all() == []


def test_a_declined_case_leaves_the_experts_list(console, desk, experts, zhao):
    number = open_ticket(desk, "太原精密机械有限公司", "13900000011")
    zhao.get(f"/expert/tickets/{number}")
    no_reason = zhao.post(f"/expert/tickets/{number}/decline", {"reason": ""})
    assert "请填写原因" in no_reason.text and ticket(console, number).expert_id == experts["zhao"]
    declined = zhao.post(f"/expert/tickets/{number}/decline", {"reason": "与对方当事人存在利益冲突"})
    assert declined.url.endswith("/expert") and "已婉拒" in declined.text
    assert number not in declined.text.replace(f"已婉拒案件 {number}", "")
    assert ticket(console, number).expert_id != experts["zhao"]
    assert zhao.get(f"/expert/tickets/{number}").status == 404
    with console.ctx.sessions() as session:
        reason = session.scalar(select(TicketEvent.reason).where(TicketEvent.action == "declined"))
    assert reason == "与对方当事人存在利益冲突"


def test_an_answer_to_a_hotline_caller_becomes_a_callback_in_the_staff_inbox(console, console_user, experts, zhao):
    console_user("wang", "staff")
    staff = ConsoleClient(console.url)
    staff.sign_in("wang")
    staff.log_call(
        {
            "company": "大同重工股份有限公司",
            "phone": "0352-5551234",
            "caller_name": "周总",
            "question": "我们在美国被起诉专利侵权，收到了起诉书，20天内要答辩",
            "then": "escalate",
        }
    )
    with console.ctx.sessions() as session:
        call = session.scalars(select(Call)).one()
        number = session.get(Ticket, call.ticket_id).number
    assert ticket(console, number).expert_id == experts["zhao"]
    zhao.get(f"/expert/tickets/{number}")
    zhao.post(f"/expert/tickets/{number}/accept")
    answer = "请在答辩期内委托美国律师应诉，可申请省知识产权维权援助。"
    zhao.post(f"/expert/tickets/{number}/answer", {"answer": answer})
    [message] = outbox(console, "expert_answer")
    assert (message.channel, message.recipient, message.status) == ("hotline", f"call:{call.id}", "pending")

    inbox = staff.get("/inbox")
    item = inbox.text[inbox.text.index(f'id="callback-{message.id}"') :]
    item = item[: item.index("</article>")]
    assert number in item and f'href="/calls/{call.id}"' in item and "大同重工股份有限公司" in item
    assert "03525551234" in item and "周总" in item and answer in item
    done = staff.post(f"/inbox/{message.id}/acknowledge")
    assert "已电话告知" in done.text and f'id="callback-{message.id}"' not in done.text
    with console.ctx.sessions() as session:
        message = session.get(OutboxMessage, message.id)
        audited = session.scalars(select(AuditEntry).where(AuditEntry.action == "acknowledge")).one()
    assert message.status == "sent" and message.sent_at is not None
    assert audited.username == "wang" and audited.detail["ticket"] == number
    history = staff.get(f"/tickets/{number}").text
    assert "已电话告知来电人" in history[history.index('id="ticket-history"') :]


def test_an_answer_that_could_not_reach_its_chat_is_put_before_staff(
    console, console_user, desk, experts, zhao, desk_clock, desk_settings
):
    from dataclasses import replace

    from bot.desk.outbox import OutboxWorker

    number = open_ticket(desk, "晋城光伏科技有限公司", "13900000031")
    zhao.post(f"/expert/tickets/{number}/accept")
    zhao.post(f"/expert/tickets/{number}/answer", {"answer": "请尽快委托当地律师。"})
    [answer] = outbox(console, "expert_answer")

    class Unreachable:
        def send(self, message):
            raise ConnectionError("the Rasa server did not answer")

    OutboxWorker(
        console.ctx.sessions,
        {"rest": Unreachable()},
        desk_clock,
        "w1",
        settings=replace(desk_settings, outbox_max_attempts=1),
    ).run_once()
    alerts = {alert.payload["kind"]: alert for alert in outbox(console, "undelivered")}
    assert set(alerts) == {"case_accepted", "expert_answer"}  # neither reached the enterprise
    alert = alerts["expert_answer"]
    console_user("wang", "staff")
    staff = ConsoleClient(console.url)
    staff.sign_in("wang")
    inbox = staff.get("/inbox")
    item = inbox.text[inbox.text.index(f'id="alert-{alert.id}"') :]
    item = item[: item.index("</article>")]
    assert f'href="/tickets/{number}"' in item and "专家答复" in item and "未能送达" in item and "紧急" in item
    done = staff.post(f"/inbox/{alert.id}/acknowledge")
    assert f'id="alert-{alert.id}"' not in done.text
