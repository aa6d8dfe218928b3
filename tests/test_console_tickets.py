"""The console's ticket pages and staff inbox on a real server and database (SQLite and PostgreSQL): the list with
filters and its export, a ticket's whole story, staff moves from the page, follow-ups due, and staff alerts."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.desk.schema import AuditEntry, Call, OutboxMessage, Ticket, TicketEvent
from tests.helpers.console import open_ticket, ticket


def events(console, number: str) -> list[str]:
    with console.ctx.sessions() as session:
        return session.scalars(
            select(TicketEvent.action)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(Ticket.number == number)
            .order_by(TicketEvent.id)
        ).all()


def audit_actions(console, object_type: str) -> list[tuple[str, str, dict]]:
    with console.ctx.sessions() as session:
        return [
            (e.action, e.object_id, e.detail)
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.object_type == object_type).order_by(AuditEntry.id)
            )
        ]


@pytest.fixture()
def staff(console, console_user, browser_client):
    console_user("wang", "staff", name="王坐席")
    browser_client.sign_in("wang")
    return browser_client


def test_staff_filter_tickets_and_export_them_masked_unless_full_numbers_are_asked(console, staff, desk, add_expert):
    add_expert("赵律师", ip_types=["专利"], countries=["美国"])
    us = open_ticket(desk, "忻州食品有限公司", "13900000001", priority="urgent")
    eu = open_ticket(
        desk,
        "运城果业有限公司",
        "13900000002",
        country="欧盟",
        ip_type="地理标志",
        description="欧盟地理标志被他人注册",
    )
    listed = staff.get("/tickets")
    assert listed.status == 200 and us in listed.text and eu in listed.text
    assert listed.text.index(eu) < listed.text.index(us)  # newest first
    assert "13900000001" in listed.text  # staff see whole numbers on screen
    by_country = staff.get("/tickets", country="欧盟")
    assert eu in by_country.text and us not in by_country.text
    by_text = staff.get("/tickets", q="忻州")
    assert us in by_text.text and eu not in by_text.text
    by_description = staff.get("/tickets", q="地理标志被")
    assert eu in by_description.text and us not in by_description.text
    urgent = staff.get("/tickets", priority="urgent", status="assigned")
    assert us in urgent.text and eu not in urgent.text
    bad = staff.get("/tickets", date_from="2026-02-30", status="whatever")
    assert "无效" in bad.text and us in bad.text and eu in bad.text

    export = staff.raw_get("/tickets.csv", q="忻州")
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][0] == "工单号" and len(rows) == 2
    assert rows[1][0] == us and rows[1][7] == "139****0001" and rows[1][3] == "紧急"
    full = staff.raw_get("/tickets.csv", q="忻州", full="1")
    assert list(csv.reader(io.StringIO(full.content.decode("utf-8-sig"))))[1][7] == "13900000001"
    exports = audit_actions(console, "tickets")
    assert [(action, detail["full_numbers"], detail["rows"]) for action, _, detail in exports] == [
        ("export", False, 1),
        ("export", True, 1),
    ]


def test_the_ticket_page_tells_the_whole_story_including_the_call_it_came_from(console, staff, add_expert):
    expert_id = add_expert("赵律师", ip_types=["专利"], countries=["美国"])
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
    page = staff.get(f"/tickets/{number}")
    assert page.status == 200
    assert "大同重工股份有限公司" in page.text and "03525551234" in page.text
    assert f'href="/calls/{call.id}"' in page.text
    transcript = page.text[page.text.index('id="ticket-transcript"') :]
    assert "20天内要答辩" in transcript
    history = page.text[page.text.index('id="ticket-history"') : page.text.index('id="ticket-messages"')]
    assert history.index("建立工单") < history.index("分配专家") and "赵律师" in history
    assert "待受理" in page.text  # the status in Chinese
    messages = page.text[page.text.index('id="ticket-messages"') :]
    assert "派案通知" in messages and "邮件" in messages  # the expert's notice, by e-mail
    assert ("view", number, {}) in audit_actions(console, "ticket")
    assert ticket(console, number).expert_id == expert_id
    assert staff.get("/tickets/SX-19990101-0001").status == 404


def test_staff_assign_close_and_reopen_from_the_page_and_a_wrong_move_changes_nothing(console, staff, desk, add_expert):
    number = open_ticket(desk, "阳泉陶瓷有限公司", "13900000003", country="日本", ip_type="外观设计")
    assert ticket(console, number).status == "new"  # nobody in the pool: left for staff
    expert_id = add_expert("孙专家", ip_types=["商标"], countries=["欧盟"])
    page = staff.get(f"/tickets/{number}")
    assert "孙专家" in page.text and 'id="assign-form"' in page.text

    missing_reason = staff.post(f"/tickets/{number}/assign", {"expert_id": str(expert_id), "reason": "  "})
    assert "请填写原因" in missing_reason.text and ticket(console, number).status == "new"
    assigned = staff.post(f"/tickets/{number}/assign", {"expert_id": str(expert_id), "reason": "熟悉外观设计"})
    assert "已分配" in assigned.text and assigned.url.endswith(f"/tickets/{number}")
    after = ticket(console, number)
    assert after.status == "assigned" and after.expert_id == expert_id
    again = staff.post(f"/tickets/{number}/assign", {"expert_id": str(expert_id), "reason": "再分配一次"})
    assert again.status == 200 and "已在这位专家名下" in again.text

    wrong = staff.post(f"/tickets/{number}/reopen", {"reason": "企业补充材料"})
    assert wrong.status == 200 and "不能重开" in wrong.text and "待受理" in wrong.text
    assert ticket(console, number).status == "assigned"

    closed = staff.post(f"/tickets/{number}/close", {"reason": "企业已自行和解"})
    assert "工单已关闭" in closed.text and ticket(console, number).status == "closed"
    before = events(console, number)
    twice = staff.post(f"/tickets/{number}/close", {"reason": "再关一次"})
    assert "不能关闭" in twice.text and events(console, number) == before

    reopened = staff.post(f"/tickets/{number}/reopen", {"reason": "企业来电补充了新情况"})
    assert "工单已重开" in reopened.text and ticket(console, number).status != "closed"
    assert "企业已自行和解" in reopened.text and "企业来电补充了新情况" in reopened.text  # reasons in the history
    with console.ctx.sessions() as session:
        actors = set(session.scalars(select(TicketEvent.actor).where(TicketEvent.action.in_(("closed", "reopened")))))
    assert actors == {"staff:wang"}
    assert [a for a, _, _ in audit_actions(console, "ticket") if a != "view"] == ["assign", "close", "reopen"]


def test_closed_tickets_whose_follow_up_is_due_are_listed(console, staff, desk, desk_clock, add_expert):
    add_expert("赵律师")
    number = open_ticket(desk, "晋中纺织有限公司", "13900000004")
    later = open_ticket(desk, "长治机电有限公司", "13900000005")
    desk.close(number, "staff:wang", "专家已答复")
    assert number not in staff.get("/tickets", status="follow_up").text
    desk_clock.advance(timedelta(days=8))
    staff.sign_in("wang")  # a week later: the old session has ended
    due = staff.get("/tickets", status="follow_up")
    assert number in due.text and later not in due.text
    inbox = staff.get("/inbox")
    follow_ups = inbox.text[inbox.text.index('id="follow-ups"') :]
    assert number in follow_ups and later not in follow_ups


def test_staff_alerts_appear_in_the_inbox_and_are_acknowledged_once(console, staff, desk, add_expert):
    add_expert("赵律师", ip_types=["专利"], countries=["美国"])
    urgent = open_ticket(desk, "临汾化工有限公司", "13900000006", priority="urgent")
    nobody = open_ticket(desk, "吕梁煤机有限公司", "13900000007", country="巴西", ip_type="商标")
    inbox = staff.get("/inbox")
    alerts = inbox.text[inbox.text.index('id="alerts"') : inbox.text.index('id="follow-ups"')]
    assert urgent in alerts and "紧急案件" in alerts
    assert nobody in alerts and "请人工分配" in alerts
    assert re.search(r'提醒 <span class="badge urgent">2</span>', inbox.text)
    with console.ctx.sessions() as session:
        alert = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "staff_alert", OutboxMessage.payload["ticket"].as_string() == urgent
            )
        ).one()
        notice = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "case_assigned")).one()
    done = staff.post(f"/inbox/{alert.id}/acknowledge")
    assert "提醒已处理" in done.text
    alerts = done.text[done.text.index('id="alerts"') : done.text.index('id="follow-ups"')]
    assert urgent not in alerts and nobody in alerts
    twice = staff.post(f"/inbox/{alert.id}/acknowledge")
    assert "已经处理过" in twice.text
    # The expert's e-mail is the worker's to deliver, not the console's to mark.
    assert "没有这条待办" in staff.post(f"/inbox/{notice.id}/acknowledge").text
    with console.ctx.sessions() as session:
        alert, notice = session.get(OutboxMessage, alert.id), session.get(OutboxMessage, notice.id)
        acknowledged = session.scalars(select(AuditEntry).where(AuditEntry.action == "acknowledge")).all()
    assert alert.status == "sent" and alert.sent_at is not None and notice.status == "pending"
    assert [(e.username, e.object_id) for e in acknowledged] == [("wang", str(alert.id))]
